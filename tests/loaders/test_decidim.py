"""Decidim admin exports (debates, free proposals, comments) through the consultation loader.

The real exports of the 2019 Grand Débat of the Métropole Européenne de Lille are read in place
(``../shared`` beside the checkout), never copied into the repo: 29 debates, 196 proposals and
693 comments, each comment attached to the debate at the root of its thread (debate 30 → 75
comments, its ``comments`` column; 49 through ``commentable_id``, which for a reply is the
parent comment). Small handmade exports stand for other Decidim versions and instances.
"""

from __future__ import annotations

import csv
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders import LoadError, consultation
from egn_analytics.loaders._core import LoadResult
from egn_analytics.schemas.texts import DocumentSchema
from egn_analytics.text.corpus import load_texts

REPO = Path(__file__).resolve().parents[2]
DECIDIM = REPO.parent / "shared" / "real-world" / "consultation" / "decidim-granddebat-2019"
DEBATES = DECIDIM / "debats.csv"
COMMENTS = DECIDIM / "commentaires_debats.csv"
PROPOSALS = DECIDIM / "propositions-libres.csv"

pytestmark = pytest.mark.skipif(not DECIDIM.is_dir(), reason="fichiers réels absents")


def _raw(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator=";", infer_schema=False)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1

    def handle_endtag(self, tag: str) -> None:
        self.tags += 1


def _tags(text: str | None) -> int:
    parser = _Tags()
    parser.feed(text or "")
    parser.close()
    return parser.tags


@pytest.fixture(scope="module")
def real() -> dict[str, LoadResult]:
    return consultation.load_results(DECIDIM)


def test_real_exports_are_recognised_and_counted(real: dict[str, LoadResult]) -> None:
    props = real["consultation_propositions"]
    comments = real["consultation_commentaires"]
    for res in real.values():
        assert res.rows_read == res.data.height + res.rejects.height
    assert props.rows_read == 29 + 196 and props.rejects.height == 0
    ids = props.data["id_proposition"]
    assert ids.str.starts_with("debat-").sum() == 29
    assert ids.str.starts_with("proposition-").sum() == 196
    assert comments.rows_read == comments.data.height == 693
    assert real["consultation_reponses"].rows_read == real["consultation_soutiens"].rows_read == 0
    debate = props.data.filter(pl.col("id_proposition") == "debat-30").row(0, named=True)
    assert debate["titre"] == "Faut-il reconnaître le vote blanc ?"
    assert debate["texte"] == "Démocratie et citoyenneté"  # was <p><strong>…</strong></p>
    assert str(debate["date"]) == "2019-01-16"  # « 2019-01-16 10:59:37 +0100 »
    # Pseudonyms are the authors' public names, as in the platform exports; no user id kept.
    # 16 comments have an author id but a blank name: null, like any empty cell.
    assert comments.data["auteur_pseudo"].null_count() == 16
    assert comments.data["auteur_pseudo"].n_unique() > 100
    assert "author_id" not in comments.data.columns


def test_comments_are_counted_per_debate_through_their_root(
    real: dict[str, LoadResult],
) -> None:
    comments = real["consultation_commentaires"].data
    per_debate = comments.group_by("id_proposition").len()
    assert per_debate.filter(pl.col("id_proposition") == "debat-30")["len"].item() == 75
    raw = _raw(COMMENTS)
    parent_30 = raw.filter(
        (pl.col("commentable_id") == "30") & pl.col("commentable_type").str.contains("Debate")
    )
    assert parent_30.height == 49  # the wrong join: replies point at their parent comment
    # Every debate's own count (its « comments » column) is found again, 29 out of 29.
    declared = _raw(DEBATES).select(
        ("debat-" + pl.col("id")).alias("id_proposition"), pl.col("comments").cast(pl.UInt32)
    )
    both = declared.join(per_debate, on="id_proposition", how="left")
    assert both.height == 29 and (both["comments"] == both["len"]).all()


def test_no_html_tag_survives_and_multiline_text_is_kept(real: dict[str, LoadResult]) -> None:
    assert sum(_tags(t) for t in _raw(DEBATES)["description/fr"]) > 29  # the input has HTML
    props = real["consultation_propositions"].data
    comments = real["consultation_commentaires"].data
    texts = [*props["titre"], *props["texte"], *comments["texte"]]
    assert [t for t in texts if _tags(t)] == []
    assert not any("\r" in t for t in texts if t)
    # Quoted multi-line cells stay one text each, their line breaks kept.
    assert comments["texte"].str.contains("\n").sum() > 20
    assert props["texte"].str.contains("\n").sum() > 10
    assert comments["texte"].str.contains("R&D", literal=True).any()  # a plain « & » kept


def test_ids_of_each_resource_are_namespaced(real: dict[str, LoadResult]) -> None:
    shared = set(_raw(COMMENTS)["id"]) & set(_raw(PROPOSALS)["id"])
    assert len(shared) == 92  # Decidim numbers each resource on its own
    ours = [
        *real["consultation_propositions"].data["id_proposition"],
        *real["consultation_commentaires"].data["id_commentaire"],
    ]
    assert len(ours) == len(set(ours)) == 29 + 196 + 693


def test_thread_walked_up_without_the_root_url(real: dict[str, LoadResult], tmp_path: Path) -> None:
    """An instance that does not export ``root_commentable_url``: same root for all 693."""
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "debats.csv").write_bytes(DEBATES.read_bytes())
    _raw(COMMENTS).drop("root_commentable_url").write_csv(folder / "comments.csv", separator=";")
    walked = consultation.load_results(folder)["consultation_commentaires"]
    assert walked.data.height == 693 and walked.rejects.height == 0
    expected = real["consultation_commentaires"].data.select("id_commentaire", "id_proposition")
    assert walked.data.select("id_commentaire", "id_proposition").equals(expected)


def test_partial_export_is_refused_or_flagged(tmp_path: Path) -> None:
    alone = tmp_path / "seul"
    alone.mkdir()
    (alone / "commentaires_debats.csv").write_bytes(COMMENTS.read_bytes())
    with pytest.raises(LoadError) as err:
        consultation.load_results(alone)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("seul : les commentaires et soutiens renvoient")
    assert "aucun export des propositions ni des débats" in message

    # Proposals given, debates missing: every comment is loaded as a reject with its reason.
    (alone / "propositions-libres.csv").write_bytes(PROPOSALS.read_bytes())
    res = consultation.load_results(alone)["consultation_commentaires"]
    assert res.rows_read == 693 == res.data.height + res.rejects.height
    assert res.rejects["_motif"].unique().to_list() == ["proposition inconnue"]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows(rows)


def test_other_decidim_column_sets(tmp_path: Path) -> None:
    """A newer instance: translated bodies, ``published_at``, authors, another host."""
    url = "https://decidim.example.org/processes/p/f/7"
    _write(
        tmp_path / "proposals.csv",
        [
            ["id", "title/en", "title/fr", "title/machine_translations/fr", "body/fr",
             "published_at", "author/name", "supports", "url"],
            ["12", "Bikes", "Des vélos", "X", "<p>Plus de pistes&nbsp;!</p><p>Vite</p>",
             "2021-03-02 09:00:00 UTC", "Camille", "4", f"{url}/proposals/12"],
            ["13", "Trees", "", "", "Planting <b>trees</b><br>everywhere", "2021-03-03",
             "Léo", "0", f"{url}/proposals/13"],
        ],
    )  # fmt: skip
    _write(
        tmp_path / "comments.csv",
        [
            ["id", "created_at", "body/fr", "author/name", "depth", "commentable_id",
             "commentable_type", "root_commentable_url"],
            ["12", "2021-03-04T10:00:00+01:00", "<p>D'accord</p>", "Sam", "0", "12",
             "Decidim::Proposals::Proposal", f"{url}/proposals/12/"],
            ["14", "2021-03-05", "Réponse", "Léo", "1", "12", "Decidim::Comments::Comment",
             f"{url}/proposals/12?order=recent"],
            ["15", "2021-03-05", "Sur une réunion", "Sam", "0", "3",
             "Decidim::Meetings::Meeting", f"{url}/meetings/3"],
        ],
    )  # fmt: skip
    results = consultation.load_results(tmp_path)
    props = results["consultation_propositions"].data.sort("id_proposition")
    assert props.rows() == [
        ("proposition-12", date(2021, 3, 2), "Camille", None, "Des vélos",
         "Plus de pistes !\n\nVite"),
        ("proposition-13", date(2021, 3, 3), "Léo", None, "Trees",
         "Planting trees\neverywhere"),
    ]  # fmt: skip
    com = results["consultation_commentaires"]
    assert com.data.select("id_commentaire", "id_proposition", "texte").rows() == [
        ("commentaire-12", "proposition-12", "D'accord"),
        ("commentaire-14", "proposition-12", "Réponse"),
    ]
    assert com.rejects.select("id_commentaire", "_motif").rows() == [
        ("commentaire-15", "proposition inconnue")
    ]


def test_a_generic_id_title_body_file_is_not_taken_for_decidim(tmp_path: Path) -> None:
    (tmp_path / "propositions.csv").write_text(
        "id;title;body;date\nP-1;Titre;Texte;2020-07-01\n", encoding="utf-8"
    )
    props = consultation.load_results(tmp_path)["consultation_propositions"].data
    assert props["id_proposition"].to_list() == ["P-1"]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p><strong>Transition écologique&nbsp;</strong></p>", "Transition écologique"),
        ("<p>a\n  b</p>\n<p>c &amp; d</p>", "a b\n\nc & d"),
        ("<ul><li>un</li><li>deux</li></ul><script>alert(1)</script>", "un\ndeux"),
        ("R&D : 5 < 6 et 7 > 3", "R&D : 5 < 6 et 7 > 3"),  # no element: unchanged
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert consultation.html_to_text(html) == text


def test_decidim_texts_reach_the_text_corpus(tmp_path: Path) -> None:
    out = tmp_path / "processed"
    consultation.ingest(DECIDIM, out, cache_key="decidim")
    DocumentSchema.create_empty().write_parquet(out / "documents.parquet")
    texts = load_texts(out)
    counts = dict(texts.group_by("source").len().iter_rows())
    assert counts == {"proposition": 29 + 196, "commentaire": 693}
    assert texts["id"].is_unique().all()
    assert texts["texte"].null_count() == 0
    assert not [t for t in texts["texte"] if _tags(t)]
    # A title that ends its own sentence is not followed by a second mark (« vote blanc ?. »).
    debates = texts.filter(pl.col("id").str.starts_with("debat-"))
    assert debates.height == 29
    assert not debates["texte"].str.contains(r"[?!]\.").any()
    assert debates["texte"].str.contains(r"\? ").any()


def test_a_loop_of_replies_is_left_without_root(tmp_path: Path) -> None:
    """A broken export where two replies answer each other: rejected, the walk stops."""
    _write(
        tmp_path / "debates.csv",
        [
            ["id", "title/fr", "description/fr", "created_at"],
            ["1", "Q ?", "<p>T</p>", "2019-01-01"],
        ],
    )
    _write(
        tmp_path / "comments.csv",
        [
            ["id", "created_at", "body", "commentable_id", "commentable_type"],
            ["5", "2019-01-02", "Racine", "1", "Decidim::Debates::Debate"],
            ["6", "2019-01-02", "Réponse", "5", "Decidim::Comments::Comment"],
            ["7", "2019-01-02", "Boucle", "8", "Decidim::Comments::Comment"],
            ["8", "2019-01-02", "Boucle", "7", "Decidim::Comments::Comment"],
            ["9", "2019-01-02", "Parent absent", "99", "Decidim::Comments::Comment"],
        ],
    )
    res = consultation.load_results(tmp_path)["consultation_commentaires"]
    assert res.data.select("id_commentaire", "id_proposition").rows() == [
        ("commentaire-5", "debat-1"),
        ("commentaire-6", "debat-1"),
    ]
    assert res.rows_read == 5 and res.rejects["id_commentaire"].to_list() == [
        "commentaire-7", "commentaire-8", "commentaire-9",
    ]  # fmt: skip
    assert res.rejects["id_proposition"].null_count() == 3
    assert set(res.rejects["_motif"]) == {"valeur manquante (id_proposition)"}
