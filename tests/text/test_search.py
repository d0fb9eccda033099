"""Full-text search on handmade texts: matching rules, exact excerpts and offsets, ordering."""

from __future__ import annotations

import importlib

import polars as pl
import pytest

from egn_analytics.text.search import (
    EXCERPT_DTYPE,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    SearchResult,
    budgeted_search,
    fold,
    match_spans,
    parse_query,
    search,
    search_key,
    search_schema,
)

# The module itself (``egn_analytics.text.search`` is also the function, in the package).
search_module = importlib.import_module("egn_analytics.text.search")

TEXTS = pl.DataFrame(
    {
        "id": ["a", "b", "c", "d", "e"],
        "texte": [
            "Les Élèves de l’ENT ont un cœur. Les ordinateurs manquent.",
            "Un parent d'élève : les tablettes arrivent, les élèves attendent, un ELEVE rit.",
            "Le cahier de textes numérique remplace les cahiers de textes papier.",
            "Rien sur ce sujet, seulement des parents et des enseignants.",
            None,
        ],
    }
)


def _ids(frame: pl.DataFrame) -> list[str]:
    return frame["id"].to_list()


def test_fold_keeps_length_and_offsets() -> None:
    text = "Élèves d’ÉCOLE, CŒUR İstanbul Æther façade"
    folded = fold(text)
    assert folded == "eleves d'ecole, cœur istanbul æther facade"
    assert len(folded) == len(text)


def test_accents_and_case_are_ignored() -> None:
    out = search(TEXTS, "ELEVE")
    assert _ids(out) == ["b", "a"]  # b: élève, élèves, ELEVE (3) before a: Élèves (1)
    assert out["n_occurrences"].to_list() == [3, 1]
    assert [e["match"] for e in out["extraits"][0]] == ["élève"]  # the rest is in its context
    assert out["extraits"][1][0]["match"] == "Élèves"


def test_exact_excerpt_of_a_short_text() -> None:
    out = search(TEXTS, "ent")
    assert _ids(out) == ["a"]  # « l’ENT », but not « parent », « attendent », « enseignants »
    assert out.row(0, named=True) == {
        "id": "a",
        "n_occurrences": 1,
        "extraits": [
            {
                "avant": "Les Élèves de l’",
                "match": "ENT",
                "apres": " ont un cœur. Les ordinateurs manquent.",
            }
        ],
        "extrait": "Les Élèves de l’**ENT** ont un cœur. Les ordinateurs manquent.",
    }


def test_elision_in_the_query() -> None:
    assert parse_query("l'ENT")[0].words == ("ent",)
    assert parse_query("l’ENT")[0].words == ("ent",)
    assert _ids(search(TEXTS, "l’ent")) == ["a"]
    assert _ids(search(TEXTS, "d'eleve")) == ["b", "a"]
    assert parse_query("aujourd'hui")[0].words == ("aujourd'hui",)  # not an elision


def test_prefix_match_highlights_the_whole_word() -> None:
    out = search(TEXTS, "ordinat")
    assert _ids(out) == ["a"]
    assert out["extraits"][0][0]["match"] == "ordinateurs"
    # A word start only: « seignants » is inside « enseignants ».
    assert search(TEXTS, "seignants").height == 0


def test_window_cuts_at_word_boundaries_with_ellipsis() -> None:
    frame = pl.DataFrame(
        {"id": [1], "texte": ["un deux trois quatre cinq six sept huit neuf dix onze douze"]}
    )
    expected = {"avant": "… cinq six ", "match": "sept", "apres": " huit neuf …"}
    for window in (10, 11):  # 11 lands inside « quatre » and « dix »: whole words only
        out = search(frame, "sept", window=window)
        assert out["extraits"][0].to_list() == [expected]
        assert out["extrait"][0] == "… cinq six **sept** huit neuf …"
    assert out.schema == search_schema("id", pl.Int64())


def test_several_excerpts_do_not_repeat_context() -> None:
    words = " ".join(f"mot{i}" for i in range(40))
    frame = pl.DataFrame({"id": ["x"], "texte": [f"élève {words} élève élève {words} élève"]})
    out = search(frame, "eleve", window=12)
    assert out["n_occurrences"][0] == 4
    excerpts = out["extraits"][0].to_list()
    # The 2nd and 3rd matches are 1 character apart: the 3rd is inside the 2nd's context.
    assert [e["avant"] for e in excerpts] == ["", "… mot38 mot39 ", "… mot38 mot39 "]
    assert [e["apres"] for e in excerpts] == [" mot0 mot1 …", " élève mot0 …", ""]
    assert search(frame, "eleve", window=12, max_excerpts=2)["extraits"][0].len() == 2


def test_all_words_are_required() -> None:
    assert _ids(search(TEXTS, "eleves tablette")) == ["b"]
    assert _ids(search(TEXTS, "eleves ordinateurs")) == ["a"]
    assert search(TEXTS, "tablette ordinateurs").height == 0
    # Both words count towards the score and the excerpts.
    out = search(TEXTS, "tablettes parent")
    assert out["n_occurrences"].to_list() == [2]


def test_phrase_matches_a_sequence() -> None:
    out = search(TEXTS, '"cahier de texte"')
    assert _ids(out) == ["c"]
    assert out["n_occurrences"][0] == 2  # « cahier de textes », « cahiers de textes »
    assert [e["match"] for e in out["extraits"][0]] == ["cahier de textes"]
    assert out["extraits"][0][0]["apres"].startswith(" numérique remplace les cahiers")
    # French quotes too; words out of sequence do not match.
    assert _ids(search(TEXTS, "« textes numérique »")) == ["c"]
    assert search(TEXTS, '"textes cahier"').height == 0
    frame = pl.DataFrame({"id": [1, 2], "texte": ["le cahier, de textes", "cahier-de-textes"]})
    assert _ids(search(frame, '"cahier de textes"')) == [2]  # a comma breaks the sequence


def test_exclusion() -> None:
    assert _ids(search(TEXTS, "eleve -tablette")) == ["a"]
    assert _ids(search(TEXTS, 'eleve -"un cœur"')) == ["b"]
    assert _ids(search(TEXTS, "parent -ordinateurs")) == ["b", "d"]


def test_ordering_and_limit() -> None:
    frame = pl.DataFrame(
        {
            "id": [10, 20, 30, 40],
            "texte": ["une école", "école, école et école", "rien", "une autre école"],
        }
    )
    out = search(frame, "ecole")
    assert out["id"].to_list() == [20, 10, 40]  # 3 matches, then input order for the ties
    assert out["n_occurrences"].to_list() == [3, 1, 1]
    assert out["id"].dtype == pl.Int64
    assert search(frame, "ecole", limit=2)["id"].to_list() == [20, 10]
    assert search(frame, "ecole", limit=None).height == 3


def test_ligature_alignment() -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "texte": [
                "Mon cœur bat pour les élèves",
                "Le CŒUR du sujet",
                "un coeur sans ligature",
                "Une œuvre et un élève",
            ],
        }
    )
    out = search(frame, "coeur")
    assert out["id"].to_list() == [1, 2, 3]
    assert out["extraits"][0].to_list() == [
        {"avant": "Mon ", "match": "cœur", "apres": " bat pour les élèves"}
    ]
    assert out["extrait"][1] == "Le **CŒUR** du sujet"
    assert search(frame, "cœur")["id"].to_list() == [1, 2, 3]
    # Offsets after a ligature stay aligned.
    out = search(frame, "eleve oeuvre")
    assert out["extraits"][0].to_list() == [
        {"avant": "Une ", "match": "œuvre", "apres": " et un élève"},
    ]
    assert out["n_occurrences"][0] == 2
    assert search(frame, "eleve")["extraits"][1][0]["avant"] == "Une œuvre et un "
    assert search(frame, "cour").height == 0  # « cœur » is not « cour »


def test_decomposed_text_is_found_and_shown_composed() -> None:
    frame = pl.DataFrame({"id": [1], "texte": ["Un e\u0301le\u0300ve"]})
    out = search(frame, "élève")
    assert out["extraits"][0][0]["match"] == "élève"


def test_blanks_are_squashed_in_excerpts() -> None:
    frame = pl.DataFrame({"id": [1], "texte": ["ligne un\n\nélève  deux\tfin"]})
    assert search(frame, "eleve")["extrait"][0] == "ligne un **élève** deux fin"


def test_regex_characters_are_literal() -> None:
    frame = pl.DataFrame(
        {"id": [1, 2, 3], "texte": ["le c++ moderne", "prix : 10$ (environ)", "axb et a.b"]}
    )
    assert search(frame, "c++")["id"].to_list() == [1]
    assert search(frame, "10$")["id"].to_list() == [2]
    assert search(frame, "(environ)")["id"].to_list() == [2]  # edge punctuation dropped
    out = search(frame, "a.b")
    assert out["id"].to_list() == [3]
    assert out["extraits"][0][0]["match"] == "a.b"


def test_no_match_gives_an_empty_table_with_the_schema() -> None:
    out = search(TEXTS, "inexistant")
    assert out.height == 0
    assert out.schema == search_schema("id", pl.String())
    assert out.schema["extraits"] == pl.List(EXCERPT_DTYPE)


def test_custom_columns() -> None:
    frame = TEXTS.rename({"id": "id_retex", "texte": "contenu"})
    out = search(frame, "ordinateurs", id_col="id_retex", text_col="contenu")
    assert out.columns == ["id_retex", "n_occurrences", "extraits", "extrait"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "requête vide"),
        ("   ", "requête vide"),
        ("-tablette", "exclusions"),
        ('-eleve -"cahier de textes"', "exclusions"),
        ("« »", "sans mot"),
        ("[ ! ]", "sans mot"),
    ],
)
def test_invalid_queries(query: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        search(TEXTS, query)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="sans colonne"):
        search(TEXTS, "eleve", text_col="contenu")
    with pytest.raises(ValueError, match="max_excerpts"):
        search(TEXTS, "eleve", max_excerpts=0)
    with pytest.raises(ValueError, match="window"):
        search(TEXTS, "eleve", window=-1)
    with pytest.raises(ValueError, match="limit"):
        search(TEXTS, "eleve", limit=0)


def test_counted_occurrences_are_the_excerpted_ones() -> None:
    """Polars counts with ``\\b``, Python excerpts with a hand-checked word start: same spans."""
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "texte": [
                "parent de l'ent, entre nous : l’ENT-lycée et _ent",
                "élèves, surélevé, ÉLÈVE; relève éleveur",
                "cahier de textes, des cahiers de texte ; de-ci de-là",
            ],
        }
    )
    cases = {"ent": [3, 0, 0], "eleve": [0, 3, 0], '"cahier de texte" de': [0, 0, 5]}
    for query, counts in cases.items():
        out = search(frame, query, window=0, max_excerpts=10)
        got = dict(zip(out["id"], out["n_occurrences"], strict=True))
        assert [got.get(i, 0) for i in (1, 2, 3)] == counts
        for row in out.iter_rows(named=True):
            assert len(row["extraits"]) == row["n_occurrences"]  # window 0: one per match
    matches = search(frame, "ent", window=0, max_excerpts=10)["extraits"][0]
    assert [e["match"] for e in matches] == ["ent", "entre", "ENT"]  # not « _ent »


# --------------------------------------------------------------------------------------------
# Ligatures: one spelling on both sides
# --------------------------------------------------------------------------------------------


def test_search_key_spells_the_ligatures_out() -> None:
    assert search_key("Le CŒUR, l'Æther, ex æquo, ǽ") == "le coeur, l'aether, ex aequo, ae"
    assert search_key("le coeur") == "le coeur"
    assert parse_query("cœur")[0].words == ("coeur",)
    assert parse_query('"mise en ŒUVRE"')[0].words == ("mise", "en", "oeuvre")


def test_ligature_prefixes_and_spellings() -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "texte": ["un cœur", "un coeur", "coexister", "Curriculum vitæ", "une œuvre"],
        }
    )
    assert _ids(search(frame, "co")) == [1, 2, 3]  # a prefix may stop inside « œ »
    assert _ids(search(frame, "cœ")) == [1, 2, 3]  # « cœ » is « coe »: « coexister » too
    assert _ids(search(frame, "coeu")) == [1, 2]
    assert _ids(search(frame, "vitae")) == [4]
    assert _ids(search(frame, "o")) == [5]  # « œuvre » starts with « o » (« oeuvre »)
    assert search(frame, "vitæ")["extraits"][0][0]["match"] == "vitæ"


def test_offsets_after_many_ligatures_stay_exact() -> None:
    text = "Œuvre, cœur et vœux : le CŒUR de l'œuvre, coeur, sœur æ cœur"
    spans = match_spans(text, "coeur")
    assert [text[a:b] for a, b in spans] == ["cœur", "CŒUR", "coeur", "cœur"]
    assert [text[a:b] for a, b in match_spans(text, '"le coeur de l oeuvre"')] == []
    assert [text[a:b] for a, b in match_spans(text, "oeuvre vœu")] == ["Œuvre", "vœux", "œuvre"]
    out = search(pl.DataFrame({"id": [1], "texte": [text]}), "coeur", window=6, max_excerpts=9)
    assert out["n_occurrences"][0] == 4
    assert [e["match"] for e in out["extraits"][0]] == ["cœur", "CŒUR", "coeur", "cœur"]
    assert out["extraits"][0][1] == {"avant": "… : le ", "match": "CŒUR", "apres": " de …"}


def test_match_spans_follow_the_nfc_text() -> None:
    decomposed = "Un e\u0301le\u0300ve, un c\u0153ur"
    composed = "Un élève, un cœur"
    spans = match_spans(decomposed, "eleve coeur")
    assert [composed[a:b] for a, b in spans] == ["élève", "cœur"]


# --------------------------------------------------------------------------------------------
# Bounds on the query
# --------------------------------------------------------------------------------------------


def test_query_length_is_bounded() -> None:
    longest = "a" * MAX_QUERY_CHARS
    assert parse_query(f"  {longest}  ")[0].words == (longest,)  # blanks at the ends are free
    with pytest.raises(
        ValueError, match=r"^recherche trop longue : 200 caractères au plus \(reçu : 201\)$"
    ):
        search(TEXTS, longest + "b")


def test_number_of_words_is_bounded() -> None:
    words = [f"mot{i}" for i in range(MAX_QUERY_WORDS)]
    assert len(parse_query(" ".join(words))) == MAX_QUERY_WORDS
    message = r"^recherche trop longue : 12 mots au plus, expressions et exclusions comprises"
    with pytest.raises(ValueError, match=message + r" \(reçu : 13\)$"):
        parse_query(" ".join([*words, "encore"]))
    with pytest.raises(ValueError, match=message):  # a phrase counts its words
        parse_query('eleve "' + " ".join(words) + '"')
    with pytest.raises(ValueError, match=message):  # exclusions count
        parse_query(" ".join(words) + " -tablette")


def test_hyphens_at_the_edges_of_phrase_words_are_separators() -> None:
    """« "a -b" » reads « a b »: the hyphen is the phrase separator (no backtracking)."""
    assert parse_query('"cahier - de -textes-"')[0].words == ("cahier", "de", "textes")
    frame = pl.DataFrame({"id": [1, 2], "texte": ["cahier-de-textes", "- - - - - - - - - x"]})
    assert _ids(search(frame, '"cahier -de textes"')) == [1]
    with pytest.raises(ValueError, match="sans mot"):
        search(frame, '"- - - - - - - - -"')


# --------------------------------------------------------------------------------------------
# Time budget
# --------------------------------------------------------------------------------------------


class _Clock:
    """A clock that moves one second each time it is read: the budget runs out on cue."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def _many(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {"id": list(range(n)), "texte": [f"texte {i} : un élève, un cœur" for i in range(n)]}
    )


def test_budget_stops_the_scan_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "SLICE_BYTES", 300)  # 10 texts of about 30 bytes
    frame = _many(100)
    complete = budgeted_search(frame, "eleve", budget_s=None, limit=None)
    assert (complete.total, complete.texts_read, complete.texts_total) == (100, 100, 100)
    assert not complete.partial and complete.rows.height == 100

    monkeypatch.setattr(search_module, "perf_counter", _Clock())
    # Start at 1 s, deadline at 3.5 s: slices read at 2 s and 3 s, the clock says 4 s after
    # the third; the excerpts stop after their first row (5 s).
    partial = budgeted_search(frame, "eleve", budget_s=2.5, limit=None)
    assert isinstance(partial, SearchResult)
    assert partial.partial
    assert partial.texts_total == 100 and 0 < partial.texts_read < 100
    assert partial.texts_read == partial.total  # every text read holds the word
    assert partial.rows.height == 1  # at least one row, with its excerpts
    assert partial.rows["extraits"][0][0]["match"] == "élève"


def test_budget_cuts_the_excerpts_not_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "perf_counter", _Clock())
    out = budgeted_search(_many(20), "coeur", budget_s=0, limit=5)
    assert out.partial and (out.total, out.texts_read) == (20, 20)
    assert out.rows.height == 1
    assert out.rows.schema == search_schema("id", pl.Int64())
    assert out.rows["extraits"][0][0]["match"] == "cœur"


def test_zero_budget_still_reads_one_slice() -> None:
    out = budgeted_search(_many(5), "eleve", budget_s=0)
    assert out.texts_read == 5 and out.total == 5 and out.rows.height >= 1


def test_budget_must_be_positive() -> None:
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="budget_s"):
            budgeted_search(TEXTS, "eleve", budget_s=bad)


def test_empty_table_gives_an_empty_result() -> None:
    out = budgeted_search(TEXTS.clear(), "eleve")
    assert (out.total, out.texts_read, out.texts_total, out.partial) == (0, 0, 0, False)
    assert out.rows.schema == search_schema("id", pl.String())


def test_slices_cover_the_table_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "SLICE_BYTES", 10)
    text = pl.Series(["a" * 4, "b" * 4, "c" * 25, "d", None, "e" * 9])
    slices = search_module._slices(text)
    assert slices == [(0, 3), (3, 3)]  # blocks by starting byte: 0, 4, 8 | 33, 34, 34
    assert search_module._slices(pl.Series([], dtype=pl.String)) == []
    found = budgeted_search(pl.DataFrame({"id": range(6), "texte": text}), "ddd -x", budget_s=None)
    assert found.total == 0 and found.texts_read == 6
