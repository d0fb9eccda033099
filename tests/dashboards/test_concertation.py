"""The « Concertation et RETEX » page without a browser.

Two kinds of inputs. A handmade corpus of six contributions, with the columns of
:func:`dashboards.data_access.text_schema`, checks the counts, shares, coverage matrix,
drill-down and highlighting exactly. The small dataset generated and built by
``generated_data_dir`` (texts of the consultation, classified for real by
:func:`egn_analytics.text.pipeline.analyse_corpus`) goes through the data door,
:mod:`dashboards.data_access`, so the library calls, the caches and the page are exercised
together; tests that break or count computations work on a copy of it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import polars as pl
import pytest
from dash import Dash, dcc, html, no_update

from dashboards import concertation_logic as logic
from dashboards import data_access, ids
from dashboards.components.navbar import nav_pages
from egn_analytics.viz.formats import NBSP, NNBSP
from tests.dashboards.browser_support import NEEDS_PNG_RENDERER
from tests.dashboards.download_support import csv_rows, decode_download
from tests.dashboards.layout_tree import by_id, card_figure, card_notes, text_of, walk

AppFactory = Callable[[Path], Dash]
N = NNBSP

#: Tests on the data generated and built by ``generated_data_dir`` (seconds, once a session).
on_generated_data = pytest.mark.integration

CARD_IDS = {
    "themes": ids.CONCERTATION_THEMES_CARD,
    "propositions": ids.CONCERTATION_PROPOSITIONS_CARD,
    "couverture": ids.CONCERTATION_COVERAGE_CARD,
}

# ------------------------------------------------------------- a handmade corpus -----

_REGIONS = {"53": "Bretagne", "32": "Hauts-de-France", "11": "Île-de-France"}


def _text(
    id_: str,
    source: str,
    region: str | None,
    theme: int | None,
    propositions: list[int],
    scores: list[float],
    a_verifier: bool,
    texte: str,
) -> dict[str, Any]:
    return {
        "id": id_,
        "source": source,
        "titre": None,
        "texte": texte,
        "code_academie": None,
        "academie": None,
        "code_region_academique": region,
        "region_academique": _REGIONS.get(region or ""),
        "profil": None,
        "date": dt.date(2020, 11, 4),
        "theme": theme,
        "theme_score": None if theme is None else 0.8,
        "theme_2": None,
        "theme_2_score": None,
        "a_verifier": a_verifier,
        "propositions": propositions,
        "scores": scores,
        "theme_libelle": None,
    }


def corpus() -> pl.DataFrame:
    """Six contributions: two RETEX of Bretagne, a questionnaire answer of Hauts-de-France,
    a forum proposal and a comment (no territory), a synthesis of Île-de-France."""
    rows = [
        _text(
            "R1",
            "retex",
            "53",
            3,
            [16, 18],
            [0.9, 0.4],
            False,
            "Les élèves n'avaient pas d'ordinateur à la maison. Un Ordinateur par famille !",
        ),
        _text("R2", "retex", "53", 3, [16], [0.8], False, "Prêter des tablettes aux familles."),
        _text("Q1", "questionnaire", "32", 2, [6, 16], [0.7, 0.3], True, "Former les profs."),
        _text("P1", "proposition", None, 3, [18], [0.95], False, "Un socle numérique."),
        _text("C1", "commentaire", None, None, [], [], True, "Je plussoie."),
        _text("S1", "synthese", "11", 5, [35, 16], [0.6, 0.5], False, "Interopérabilité."),
    ]
    return pl.DataFrame(rows, schema=data_access.text_schema())


def evaluation(learnt: float = 0.97, seed: float = 0.9, n: int = 2527) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "methode": "amorce seule",
                "textes": n,
                "f1_macro_themes": seed,
                "exactitude_themes": 0.9,
                "f1_macro_propositions": 0.74,
                "f1_micro_propositions": 0.75,
                "part_non_classes": 0.01,
                "part_a_verifier": 0.07,
            },
            {
                "methode": "amorce + exemples",
                "textes": n,
                "f1_macro_themes": learnt,
                "exactitude_themes": 0.98,
                "f1_macro_propositions": 0.86,
                "f1_micro_propositions": 0.9,
                "part_non_classes": 0.0,
                "part_a_verifier": 0.02,
            },
        ],
        schema=data_access.TEXT_EVALUATION_SCHEMA,
    )


ALL = logic.Selection()
BRETAGNE = logic.parse_selection(region="53")

# ----------------------------------------------------------------------- fixtures -----


@pytest.fixture
def app(make_app: AppFactory, generated_data_dir: Path) -> Dash:
    return make_app(generated_data_dir)


@pytest.fixture
def page(app: Dash) -> ModuleType:
    """The page module as Dash executed it (import it only after create_app)."""
    return importlib.import_module("dashboards.pages.concertation")


@pytest.fixture
def texts_copy(tmp_path: Path, generated_data_dir: Path) -> Path:
    """A private copy of the generated data folder (manifest, labels and built tables), with
    an empty cache: tests may break it or count computations."""
    folder = tmp_path / "donnees"
    (folder / "raw" / "textes").mkdir(parents=True)
    shutil.copy(generated_data_dir / "raw" / "manifest.json", folder / "raw" / "manifest.json")
    for labels in (generated_data_dir / "raw" / "textes").glob("verite_terrain*.csv"):
        shutil.copy(labels, folder / "raw" / "textes" / labels.name)
    shutil.copytree(generated_data_dir / "processed", folder / "processed")
    return folder


class Counter:
    """Wraps ``data_access._compute_text`` and counts its calls per kind."""

    def __init__(self, real: Callable[..., object]) -> None:
        self.real = real
        self.calls: list[str] = []

    def __call__(
        self, folder: str, raw: str, inputs: Any, kind: str, params: tuple[str, ...]
    ) -> object:
        self.calls.append(kind)
        return self.real(folder, raw, inputs, kind, params)


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    data_access._text_frame.cache_clear()
    data_access._text_analysis.cache_clear()
    wrapped = Counter(data_access._compute_text)
    monkeypatch.setattr(data_access, "_compute_text", wrapped)
    yield wrapped
    data_access._text_frame.cache_clear()
    data_access._text_analysis.cache_clear()


# ---------------------------------------------------------------------- selection -----


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, logic.Selection()),
        ({"source": "retex,synthese"}, logic.Selection(sources=("retex", "synthese"))),
        ({"source": "synthese,RETEX,inconnue"}, logic.Selection(sources=("retex", "synthese"))),
        ({"source": ",".join(logic.SOURCES)}, logic.Selection()),
        ({"source": ["questionnaire"]}, logic.Selection(sources=("questionnaire",))),
        ({"region": "53"}, logic.Selection(region="53", parts="regions")),
        ({"region": "99"}, logic.Selection()),
        ({"region": "france"}, logic.Selection()),
        ({"theme": "3"}, logic.Selection(theme=3)),
        ({"theme": "7"}, logic.Selection()),
        ({"theme": "tous"}, logic.Selection()),
        ({"q": "  élèves   sans\tordinateur "}, logic.Selection(query="élèves sans ordinateur")),
        ({"proposition": "18"}, logic.Selection(proposition=18)),
        ({"proposition": "41"}, logic.Selection()),
        ({"proposition": "x"}, logic.Selection()),
        ({"parties": "sources"}, logic.Selection(parts="sources")),
        ({"region": "53", "parties": "themes"}, logic.Selection(region="53", parts="themes")),
        ({"parties": "autre"}, logic.Selection()),
    ],
)
def test_parse_selection_keeps_known_values(
    query: dict[str, Any], expected: logic.Selection
) -> None:
    assert logic.parse_selection(**query) == expected


def test_query_is_capped() -> None:
    assert len(logic.parse_selection(q="a" * 500).query) == logic.MAX_QUERY


def test_every_view_round_trips_through_the_url() -> None:
    views = [
        logic.Selection(),
        logic.Selection(sources=("retex", "synthese"), region="53", theme=3, query="« ENT » -x"),
        logic.Selection(proposition=18, parts="sources"),
        logic.Selection(region="11", parts="themes", query="l'ordinateur & co"),
    ]
    for view in views:
        assert logic.selection_from_search(logic.selection_query(view)) == view
    assert logic.selection_query(logic.Selection()) == ""
    assert logic.selection_query(BRETAGNE) == "?region=53"  # its default partition is implied
    assert (
        logic.selection_query(logic.parse_selection("retex,synthese", "53", "3", None, "18"))
        == "?source=retex%2Csynthese&region=53&theme=3&proposition=18"
    )
    assert logic.query_params("?q=a&region=53&autre=c") == {"q": "a", "region": "53"}


def test_clicked_proposition() -> None:
    click = {"points": [{"customdata": [18, "Garantir un socle", "3 contributions", "50 %"]}]}
    assert logic.clicked_proposition(click) == 18
    assert logic.clicked_proposition({"points": [{"customdata": ["41"]}]}) is None
    assert logic.clicked_proposition({"points": []}) is None
    assert logic.clicked_proposition(None) is None
    assert logic.with_proposition(BRETAGNE, 4).proposition == 4


def test_options() -> None:
    regions = logic.region_options()
    assert regions[0] == {"label": "France (toutes les régions)", "value": "france"}
    names = [o["label"] for o in regions[1:]]
    assert len(names) == 18
    assert names.index("Grand Est") < names.index("Île-de-France") < names.index("La Réunion")
    assert [o["value"] for o in logic.source_options()] == list(logic.SOURCES)
    assert logic.theme_options()[3] == {
        "label": "3. Égal accès et fracture numérique",
        "value": "3",
    }
    assert len(logic.proposition_options()) == 40
    assert logic.proposition_options()[17]["label"].startswith("18. Garantir un socle")


# --------------------------------------------------------------------- formatting -----


def test_french_formats() -> None:
    assert logic.fmt_count(0, "contribution") == "0 contribution"
    assert logic.fmt_count(1, "contribution") == "1 contribution"
    assert logic.fmt_count(1234, "contribution") == f"1{N}234 contributions"
    assert logic.fmt_count(2, "texte tenu", "textes tenus") == "2 textes tenus"
    assert logic.french_numbers("5944 exemples ; 2527 textes ; 0,90 ; 12") == (
        f"5{N}944 exemples ; 2{N}527 textes ; 0,90 ; 12"
    )
    assert logic.shorten("un  deux\ntrois", 50) == "un deux trois"
    assert logic.shorten("Garantir un socle numérique minimal pour les écoles", 24) == (
        "Garantir un socle…"
    )
    assert logic.theme_name(None) == "Non classé"
    assert logic.theme_name(5) == "5. Numérique responsable et souverain"


def test_quality_and_method_sentences() -> None:
    seed_only = evaluation(seed=0.9)
    assert logic.quality_text(seed_only, 0) == (
        f"F1 macro thèmes 0,90 sur 2{N}527 textes tenus à l'écart"
    )
    assert logic.quality_text(seed_only, 5944) == (
        f"F1 macro thèmes 0,97 sur 2{N}527 textes tenus à l'écart"
    )
    assert logic.quality_text(None, 0) is None
    method = (
        "amorce (libellés et lexique) + 5944 exemples étiquetés ; qualité mesurée sur 2527 "
        "textes tenus à l'écart"
    )
    assert logic.method_sentence(method, seed_only, 5944) == (
        f"Classification{NBSP}: amorce (libellés et lexique) + 5{N}944 exemples étiquetés ; "
        f"qualité mesurée sur 2{N}527 textes tenus à l'écart{NBSP}: F1 macro thèmes 0,97, "
        f"propositions 0,86 (amorce seule{NBSP}: thèmes 0,90)."
    )
    assert logic.method_sentence(method, seed_only, 5944, synthetic=True).endswith(
        "celui de l'amorce seule est le plus proche de ce qu'on attend sur des textes réels."
    )
    assert logic.method_sentence("amorce seule", None, 0).endswith(
        "Qualité non mesurée (pas de fichier de textes étiquetés)."
    )


# -------------------------------------------------------------------- key figures -----


def test_key_figures_count_and_share() -> None:
    texts = corpus()
    figures = logic.key_figures(texts, texts.height, evaluation(), 10)
    assert [(f.label, f.value) for f in figures] == [
        ("Contributions retenues", "6"),
        ("Classées dans un thème", f"83,3{N}%"),
        ("À vérifier", f"33,3{N}%"),
        ("Qualité de la classification", "0,97"),
    ]
    assert figures[1].detail == "1 contribution non classée"
    assert figures[3].detail == (
        f"F1 macro thèmes 0,97 sur 2{N}527 textes tenus à l'écart{NBSP}; propositions{NBSP}: 0,86"
    )
    bretagne = logic.filter_texts(texts, BRETAGNE)
    figures = logic.key_figures(bretagne, texts.height, None, 0)
    assert figures[0].value == "2" and figures[0].detail == "sur 6 au total"
    assert figures[2].value == f"0,0{N}%"
    assert figures[3].value == "n.d." and figures[3].muted
    empty = logic.key_figures(texts.clear(), 6, None, 0)
    assert [f.value for f in empty[:3]] == ["0", "n.d.", "n.d."]


def test_filters() -> None:
    texts = corpus()
    assert logic.filter_texts(texts, BRETAGNE)["id"].to_list() == ["R1", "R2"]
    chosen = logic.parse_selection(source="proposition,commentaire", theme="3")
    assert logic.filter_texts(texts, chosen)["id"].to_list() == ["P1"]
    # a région leaves out the forum (no territory), whatever the sources
    forum = logic.parse_selection(source="proposition,commentaire", region="53")
    assert logic.filter_texts(texts, forum).is_empty()
    # the coverage keeps every région, only the sources that have one
    assert logic.territorial_texts(texts, BRETAGNE)["id"].to_list() == ["R1", "R2", "Q1", "S1"]
    assert logic.territorial_texts(texts, chosen).is_empty()


# ------------------------------------------------------------- themes by source -----


def test_theme_source_rows_and_card() -> None:
    rows = logic.theme_source_rows(corpus())
    assert rows.height == 5 * 6  # every source present × (5 themes + non classé)
    retex = rows.filter(pl.col("source") == "retex", pl.col("contributions") > 0)
    assert retex.select("theme", "contributions", "part").rows() == [(3, 2, 1.0)]
    comment = rows.filter(pl.col("source") == "commentaire", pl.col("theme").is_null())
    assert comment.select("theme_libelle", "contributions", "part").rows() == [
        ("Non classé", 1, 1.0)
    ]
    card = logic.theme_source_card(corpus(), ALL, synthetic=True)
    fig = card.figure
    assert [t.name for t in fig.data][-1] == "Non classé"
    assert fig.data[-1].marker.color == logic.UNCLASSIFIED_COLOUR
    assert fig.layout.barmode == "stack"
    assert list(fig.layout.yaxis.categoryarray) == [
        "RETEX",
        "Questionnaire (texte libre)",
        "Propositions du forum",
        "Commentaires du forum",
        "Synthèses",
    ]
    theme3 = next(t for t in fig.data if t.name.startswith("3."))
    assert list(theme3.x) == [100.0, 0.0, 100.0, 0.0, 0.0]
    assert list(theme3.customdata[0]) == [f"100,0{N}%", "2 contributions"]
    assert card.lecture == (
        f"100,0{N}% des 2 contributions «{NBSP}RETEX{NBSP}» relèvent du thème «{NBSP}Égal accès "
        f"et fracture numérique{NBSP}», le plus fréquent pour cette source."
    )
    assert card.source.endswith("classification automatique et calculs EGN Analytics.")
    assert "(synthétiques)" in card.source
    assert card.data.columns == [
        "source",
        "theme",
        "contributions",
        "contributions_source",
        "part_source",
    ]
    # the theme filter does not apply to this chart, and says so
    themed = logic.theme_source_card(corpus(), logic.Selection(theme=2), synthetic=False)
    assert themed.data.height == rows.height
    assert "Le filtre de thème ne s'applique pas" in themed.subtitle
    assert "(synthétiques)" not in themed.source


# ------------------------------------------------------------------ propositions -----


def test_proposition_rows_are_multi_label() -> None:
    rows = logic.proposition_rows(corpus())
    assert rows.height == 40
    counts = dict(rows.select("proposition", "contributions").iter_rows())
    assert {k: v for k, v in counts.items() if v} == {6: 1, 16: 4, 18: 2, 35: 1}
    shares = dict(rows.select("proposition", "part").iter_rows())
    assert shares[16] == pytest.approx(4 / 6)
    groups = dict(rows.select("proposition", "groupe").iter_rows())
    assert groups[1] == "1. Gouvernance et anticipation"
    assert groups[39] == groups[40] == "Transverse"


def test_propositions_card_highlights_the_selected_one() -> None:
    card = logic.propositions_card(corpus(), logic.Selection(proposition=18), synthetic=True)
    fig = card.figure
    assert [t.name for t in fig.data] == [
        "1. Gouvernance et anticipation",
        "2. Enseigner et apprendre",
        "3. Égal accès et fracture numérique",
        "4. Travailler ensemble",
        "5. Numérique responsable et souverain",
        "Transverse",
    ]
    assert len(fig.layout.yaxis.categoryarray) == 40
    theme3 = fig.data[2]
    numbers = [c[0] for c in theme3.customdata]
    assert numbers == list(range(15, 23))
    assert theme3.x[numbers.index(16)] == 4
    opacity = list(theme3.marker.opacity)
    assert opacity[numbers.index(18)] == 1.0 and opacity[numbers.index(16)] == 0.35
    assert card.lecture == (
        f"la proposition 16 «{NBSP}Fournir une aide ciblée à l'équipement numérique des "
        f"élèves{NBSP}» est évoquée par 4 contributions, soit 66,7{N}% des contributions "
        f"retenues{NBSP}: c'est la plus citée. La proposition 18, choisie, l'est par 2 "
        "contributions."
    )
    assert card.data.filter(pl.col("proposition") == 16)["contributions"].to_list() == [4]
    empty = logic.propositions_card(corpus(), logic.parse_selection(theme="4"), synthetic=True)
    assert empty.lecture == "aucune contribution ne correspond aux filtres choisis."


# ---------------------------------------------------------------------- coverage -----


def test_coverage_matrix_values() -> None:
    territorial = logic.territorial_texts(corpus(), ALL)
    matrix = logic.coverage_matrix(territorial)
    assert matrix.height == 40 * 18
    nonzero = matrix.filter(pl.col("contributions") > 0)
    assert sorted(
        nonzero.select("proposition", "code_region_academique", "contributions").rows()
    ) == [
        (6, "32", 1),
        (16, "11", 1),
        (16, "32", 1),
        (16, "53", 2),
        (18, "53", 1),
        (35, "11", 1),
    ]
    summary = logic.coverage_summary(territorial)
    texts = dict(summary.select("proposition", "texte").iter_rows())
    assert texts[16] == "3 régions académiques sur 18"
    assert texts[18] == "1 région académique sur 18"  # P1 (forum) has no territory
    assert texts[1] == "0 région académique sur 18"


def test_coverage_card_labels_and_outline() -> None:
    card = logic.coverage_card(corpus(), BRETAGNE, synthetic=True)
    heatmap = card.figure.data[0]
    assert heatmap.type == "heatmap"
    assert len(heatmap.z) == 40 and len(heatmap.z[0]) == 18
    # The « N/18 » figure counts the régions' returns only: S1 (Île-de-France) raises 16.
    assert heatmap.y[15].endswith("(1/18)") and heatmap.y[15].startswith("16. Fournir")
    assert heatmap.y[5].endswith("(0/18)")  # 6 is raised by a questionnaire answer only
    column = list(heatmap.x).index("Bretagne")
    assert heatmap.z[15][column] == 2
    assert heatmap.text[0][column] == ""  # zeros are not printed
    outline = card.figure.layout.shapes[0]
    assert (outline.x0, outline.x1) == (column - 0.5, column + 0.5)
    assert card.lecture.startswith(
        "dans la région académique Bretagne, 2 propositions sur 40 sont évoquées par au moins "
        "une contribution"
    )
    assert "Encadrée" in card.subtitle
    assert card.data.filter(pl.col("proposition") == 16)["regions_sur_18"].unique().to_list() == [1]
    france = logic.coverage_card(corpus(), ALL, synthetic=True)
    assert not france.figure.layout.shapes
    assert france.lecture.startswith(
        f"la proposition 16 «{NBSP}Fournir une aide ciblée à l'équipement numérique des "
        f"élèves{NBSP}» est évoquée dans les retours de 1 région académique sur 18 et par 4 "
        f"contributions qui ont une région{NBSP}: c'est la plus répandue sur le territoire."
    )
    forum = logic.coverage_card(
        corpus(), logic.parse_selection(source="proposition"), synthetic=True
    )
    assert "n'ont pas de territoire" in forum.lecture


# ----------------------------------------------------------------- specificities -----


def specificity_table() -> pl.DataFrame:
    rows = [
        {
            "part": part,
            "term": f"terme_{part}_{i}",
            "f": 20 - i,
            "F": 40,
            "t": 1000,
            "T": 5000,
            "expected": 8.0,
            "score": 30.0 - 3 * i,
            "p_value": 1e-5,
        }
        for part in ("1", "2", "3", "4", "5")
        for i in range(12)
    ]
    return pl.DataFrame(rows, schema=data_access.TEXT_SPECIFICITY_SCHEMA)


def test_specificity_rows_top_terms_per_part() -> None:
    table = specificity_table()
    rows = logic.specificity_rows(table, ALL)
    assert rows["part"].unique(maintain_order=True).to_list() == ["1", "2", "3", "4", "5"]
    # ten per part at most, and only scores of at least 2 (30, 27, ..., 3: ten of twelve)
    assert rows.group_by("part").len()["len"].to_list() == [10] * 5
    first = rows.row(0, named=True)
    assert (first["partie"], first["rang"], first["term"], first["score"]) == (
        "1. Gouvernance et anticipation",
        1,
        "terme_1_0",
        30.0,
    )
    assert logic.specificity_rows(table, logic.Selection(theme=3))["part"].unique().to_list() == [
        "3"
    ]
    assert logic.specificity_rows(table, ALL, top=3).height == 15
    # the regions partition shows the chosen région only
    regions = table.with_columns(pl.col("part").replace({"1": "53", "2": "32"}))
    chosen = logic.specificity_rows(regions, BRETAGNE)
    assert chosen["partie"].unique().to_list() == ["Bretagne"]


def test_specificity_table_renders_terms_with_spaces() -> None:
    rows = logic.specificity_rows(specificity_table(), logic.Selection(theme=2))
    table = logic.specificity_table(rows, logic.Selection(theme=2))
    assert isinstance(table, html.Table)
    bodies = [c for c in table.children if isinstance(c, html.Tbody)]
    assert len(bodies) == 1
    first = bodies[0].children[0]
    assert text_of(first) == "2. Enseigner et apprendreterme 2 0+30,02040"
    assert first.children[0].rowSpan == 10
    heads = [text_of(c) for c in walk(table.children[0]) if isinstance(c, html.Th)]
    assert heads[0] == "Thème"
    regions = logic.specificity_table(rows, BRETAGNE)
    assert next(text_of(c) for c in walk(regions) if isinstance(c, html.Th)) == (
        "Région académique"
    )
    assert logic.term_label("continuité_d_activité") == "continuité d'activité"
    assert logic.term_label("ma_classe_à_la_maison") == "ma classe à la maison"
    assert logic.term_label("élève") == "élève"
    empty = logic.specificity_table(rows.clear(), ALL)
    assert "Aucun terme" in text_of(empty)
    assert "face aux autres régions" in logic.specificity_intro(BRETAGNE)


# ------------------------------------------------------------------------ search -----


def test_search_highlights_the_match() -> None:
    outcome = logic.run_search(corpus(), "ordinateur")
    assert outcome.total == 1 and outcome.error is None
    row = outcome.rows.row(0, named=True)
    assert (row["id"], row["n_occurrences"], row["source"]) == ("R1", 2, "retex")
    children = logic.excerpt_children(row["extraits"][0])
    marks = [c for c in children if isinstance(c, html.Mark)]
    assert [m.children for m in marks] == ["ordinateur"]
    assert children[0] == "Les élèves n'avaient pas d'"
    results = logic.search_results(outcome)
    assert text_of(results[0]) == (
        f"1 contribution contient «{NBSP}ordinateur{NBSP}», par nombre d'occurrences décroissant."
    )
    # one excerpt: the second occurrence is in the first one's context (not repeated)
    marks = [c for c in walk(results) if isinstance(c, html.Mark)]
    assert [m.children for m in marks] == ["ordinateur"]
    assert "Un Ordinateur par famille" in text_of(results)
    assert "R1 — RETEX · Bretagne · 3. Égal accès et fracture numérique — 2 occurrences" in (
        text_of(results)
    )


def test_search_limits_and_reports() -> None:
    many = pl.concat(
        [corpus().with_columns(pl.col("id") + f"-{i}") for i in range(20)], how="vertical"
    )
    outcome = logic.run_search(many, "familles", limit=5)
    assert outcome.total == 20 and outcome.rows.height == 5
    assert logic.search_summary(outcome) == (
        f"20 contributions contiennent «{NBSP}familles{NBSP}»{NBSP}; voici les 5 qui en "
        "contiennent le plus d'occurrences."
    )
    none = logic.run_search(corpus(), "tablette -familles")
    assert none.total == 0
    assert logic.search_summary(none).startswith("Aucune contribution retenue ne contient")
    bad = logic.run_search(corpus(), "-seulement")
    assert bad.error is not None
    assert text_of(logic.search_results(bad)).startswith(f"Recherche impossible{NBSP}:")
    # badges on contributions to check
    flagged = logic.search_results(logic.run_search(corpus(), "profs"))
    assert "à vérifier" in text_of(flagged)


def test_search_refuses_a_query_out_of_bounds_with_a_message() -> None:
    """Too long, or too many words: a French sentence in place of the results."""
    long = logic.run_search(corpus(), "a" * 201)
    assert long.error == "recherche trop longue : 200 caractères au plus (reçu : 201)"
    assert text_of(logic.search_results(long)) == (
        f"Recherche impossible{NBSP}: recherche trop longue : 200 caractères au plus (reçu : 201)."
    )
    words = logic.parse_selection(q=" ".join(f"mot{i}" for i in range(13))).query
    many = logic.search_results(logic.run_search(corpus(), words))
    assert text_of(many).startswith(
        f"Recherche impossible{NBSP}: recherche trop longue : 12 mots au plus"
    )
    # The URL keeps at most the library's bound: 200 « œ » are searched, at once.
    query = logic.parse_selection(q="œ" * 500).query
    assert query == "œ" * logic.MAX_QUERY
    outcome = logic.run_search(corpus(), query)
    assert outcome.error is None and outcome.total == 0 and not outcome.partial


def test_partial_search_says_so() -> None:
    many = pl.concat(
        [corpus().with_columns(pl.col("id") + f"-{i}") for i in range(20)], how="vertical"
    )
    full = logic.run_search(many, "familles", limit=5)
    assert not full.partial and logic.partial_sentence(full) is None
    assert (full.texts_read, full.texts_total) == (120, 120)
    # No time at all: the one slice is read (the total holds), one row gets its excerpts.
    cut = logic.run_search(many, "familles", limit=5, budget_s=0)
    assert cut.partial and cut.total == 20 and cut.rows.height == 1
    sentence = (
        f"Résultats partiels{NBSP}: la recherche a été arrêtée au bout de 0{NBSP}s{NBSP}; "
        "seule la première contribution trouvée est montrée. Réessayez dans un moment, ou "
        "resserrez les filtres."
    )
    assert logic.partial_sentence(cut) == sentence
    results = logic.search_results(cut)
    assert [text_of(p) for p in results[:2]] == [logic.search_summary(cut), sentence]
    assert results[1].role == "status"
    # A scan stopped before the end says how much it read.
    stopped = logic.SearchOutcome(
        "x", 3, cut.rows, texts_read=1_000, texts_total=8_471, partial=True, budget_s=2.0
    )
    assert logic.partial_sentence(stopped) == (
        f"Résultats partiels{NBSP}: la recherche a été arrêtée au bout de 2{NBSP}s, après avoir "
        f"parcouru 1{N}000 contributions sur 8{N}471{NBSP}; le nombre trouvé ne compte que "
        "celles-là. Réessayez dans un moment, ou resserrez les filtres."
    )
    shown = logic.SearchOutcome("x", 3, cut.rows.head(0), partial=True, budget_s=1.5)
    assert "au bout de 1,5" in (logic.partial_sentence(shown) or "")


# -------------------------------------------------------------------- drill-down -----


def test_drilldown_rows_by_score() -> None:
    rows = logic.drilldown_rows(corpus(), 16)
    assert rows.select("id", "score", "rang").rows() == [
        ("R1", 0.9, 1),
        ("R2", 0.8, 1),
        ("S1", 0.5, 2),
        ("Q1", 0.3, 2),
    ]
    assert logic.drilldown_reach(logic.region_returns(corpus(), ALL), 16) == (
        "1 région académique sur 18"
    )
    assert logic.region_returns(corpus(), ALL)["id"].to_list() == ["S1"]
    # A return covers many propositions: its main theme (5) does not hide it.
    assert logic.region_returns(corpus(), logic.parse_selection(theme="2"))["id"].to_list() == [
        "S1"
    ]
    csv = logic.drilldown_csv(rows, 16)
    assert csv.columns[:3] == ["proposition", "id", "source"]
    assert csv["source"].to_list() == ["RETEX", "RETEX", "Synthèses", "Questionnaire (texte libre)"]
    assert csv["a_verifier"].to_list() == ["non", "non", "non", "oui"]
    assert csv["texte"][0].endswith("par famille !")  # the whole text
    items = logic.drilldown_items(rows, limit=2)
    lines = [c for c in walk(items) if isinstance(c, html.Li)]
    assert len(lines) == 2
    assert text_of(lines[0]).startswith(
        "R1 — RETEX · Bretagne · 3. Égal accès et fracture numérique — score 0,90"
    )
    assert logic.drilldown_summary(4, 2) == (
        f"4 contributions retenues sont classées dans cette proposition{NBSP}; voici les 2 de "
        "plus haut score (toutes sont dans le CSV)."
    )
    assert logic.drilldown_summary(1, 1) == (
        "1 contribution retenue est classée dans cette proposition, par score décroissant."
    )
    assert logic.drilldown_rows(corpus(), 1).is_empty()


def test_export_stem() -> None:
    assert logic.export_stem("themes", ALL) == "concertation_themes"
    chosen = logic.parse_selection("retex,synthese", "53", "3")
    assert logic.export_stem("couverture", chosen) == (
        "concertation_couverture_retex-synthese_region-53_theme-3"
    )


def test_logic_does_not_mutate_its_input() -> None:
    texts = corpus()
    before = texts.clone()
    selection = logic.parse_selection(region="53", theme="3", proposition="16")
    logic.theme_source_card(texts, selection, synthetic=True)
    logic.propositions_card(texts, selection, synthetic=True)
    logic.coverage_card(texts, selection, synthetic=True)
    logic.run_search(texts, "ordinateur")
    logic.drilldown_rows(texts, 16)
    assert texts.equals(before)


# ----------------------------------------------------- the page on generated data -----


@on_generated_data
def test_page_is_registered_after_usages(page: ModuleType) -> None:
    entry = dash.page_registry["dashboards.pages.concertation"]
    assert entry["path"] == "/concertation"
    assert entry["name"] == "Concertation et RETEX"
    names = [p["name"] for p in nav_pages()]
    assert names.index("Continuité pédagogique (usages numériques)") < names.index(entry["name"])


@on_generated_data
def test_app_serves_the_page_and_its_callbacks(app: Dash) -> None:
    client = app.server.test_client()
    assert client.get("/concertation?source=x&region=y&q=%22").status_code == 200
    deps = client.get("/_dash-dependencies").get_json()
    outputs = " ".join(d["output"] for d in deps)
    for component in (
        ids.CONCERTATION_URL,
        ids.CONCERTATION_SPECIFICITIES_TABLE,
        ids.CONCERTATION_DRILLDOWN_DOWNLOAD,
    ):
        assert component in outputs
    for card_id in CARD_IDS.values():
        parts = ids.card_ids(card_id)
        assert parts.data_download in outputs and parts.png_download in outputs


@on_generated_data
def test_layout_default_view(page: ModuleType) -> None:
    tree = page.layout()
    assert text_of(tree).startswith("Concertation et RETEX")
    texts = data_access.text_corpus().texts
    figures = text_of(by_id(tree, ids.CONCERTATION_KEY_FIGURES))
    assert f"Contributions retenues{logic.fmt_number(texts.height)}" in figures
    assert "Qualité de la classification" in figures
    method = text_of(by_id(tree, ids.CONCERTATION_METHOD))
    assert method.startswith(f"Classification{NBSP}: amorce (libellés et lexique) + ")
    assert "exemples étiquetés" in method and "F1 macro thèmes" in method
    for key, card_id in CARD_IDS.items():
        notes = card_notes(tree, card_id)
        assert set(notes) == {"Lecture", "Champ", "Source"}, key
        card_text = text_of(by_id(tree, card_id))
        assert "Données synthétiques" in card_text, key
        assert "Télécharger les données (CSV)" in card_text
        assert "Télécharger l'image (PNG)" in card_text
    assert by_id(tree, ids.CONCERTATION_REGION).value == "france"
    assert by_id(tree, ids.CONCERTATION_SOURCES).value == []
    assert by_id(tree, ids.CONCERTATION_PARTS).value == "themes"
    assert by_id(tree, ids.CONCERTATION_STATE).data == ""
    assert "Aucune proposition choisie." in text_of(by_id(tree, ids.CONCERTATION_DRILLDOWN))
    assert by_id(tree, ids.CONCERTATION_DRILLDOWN_BUTTON).disabled is True
    assert not [c for c in walk(tree) if getattr(c, "id", None) == ids.CONCERTATION_SEARCH]
    # the propositions chart counts every contribution of the corpus
    fig = card_figure(tree, ids.CONCERTATION_PROPOSITIONS_CARD)
    assert sum(len(t.x) for t in fig.data) == 40
    assert sum(sum(t.x) for t in fig.data) == texts.get_column("propositions").list.len().sum()
    # ids are unique on the page
    found = [getattr(c, "id", None) for c in walk(tree)]
    found = [i for i in found if isinstance(i, str)]
    assert len(found) == len(set(found))


@on_generated_data
def test_layout_with_filters_search_and_proposition(page: ModuleType) -> None:
    tree = page.layout(region="32", q="familles", proposition="16", source="retex,questionnaire")
    assert by_id(tree, ids.CONCERTATION_REGION).value == "32"
    assert by_id(tree, ids.CONCERTATION_SOURCES).value == ["retex", "questionnaire"]
    assert by_id(tree, ids.CONCERTATION_QUERY).value == "familles"
    assert by_id(tree, ids.CONCERTATION_PARTS).value == "regions"
    results = by_id(tree, ids.CONCERTATION_SEARCH)
    marks = [c for c in walk(results) if isinstance(c, html.Mark)]
    assert marks and all(m.children.casefold().startswith("famille") for m in marks)
    assert "Hauts-de-France" in text_of(results)
    assert "sans territoire" not in text_of(results)
    detail = text_of(by_id(tree, ids.CONCERTATION_DRILLDOWN))
    assert f"Proposition 16{NBSP}: Fournir une aide ciblée" in detail
    assert "régions académiques sur 18" in detail or "région académique sur 18" in detail
    assert by_id(tree, ids.CONCERTATION_DRILLDOWN_BUTTON).disabled is False
    themes = card_notes(tree, ids.CONCERTATION_THEMES_CARD)
    assert (
        "région académique Hauts-de-France, RETEX, Questionnaire (texte libre)" in (themes["Champ"])
    )
    coverage = card_figure(tree, ids.CONCERTATION_COVERAGE_CARD)
    assert len(coverage.layout.shapes) == 1  # the région outlined


@on_generated_data
def test_specificities_callback(page: ModuleType) -> None:
    table = page.update_specificities("")
    heads = [
        c for c in walk(table) if isinstance(c, html.Th) and getattr(c, "scope", None) == "rowgroup"
    ]
    assert [text_of(h) for h in heads] == [logic.theme_name(n) for n in range(1, 6)]
    by_source = page.update_specificities("?parties=sources")
    heads = [
        c
        for c in walk(by_source)
        if isinstance(c, html.Th) and getattr(c, "scope", None) == "rowgroup"
    ]
    assert {"RETEX", "Synthèses"} <= {text_of(h) for h in heads}
    scores = [
        text_of(c)
        for c in walk(by_source)
        if isinstance(c, html.Td) and getattr(c, "className", None) == "egn-num"
    ]
    assert scores and scores[0].startswith("+")


# ------------------------------------------------------------------- callbacks -----


@on_generated_data
def test_update_query_is_canonical(page: ModuleType) -> None:
    assert page.update_query([], "france", "tous", "", None, "themes") == ""
    assert page.update_query(["retex"], "53", "3", " ordinateur ", "18", "regions") == (
        "?source=retex&region=53&theme=3&q=ordinateur&proposition=18"
    )
    assert page.update_query(list(logic.SOURCES), "inconnue", "9", None, "99", "sources") == (
        "?parties=sources"
    )


@on_generated_data
def test_click_on_a_bar_selects_then_clears_the_proposition(page: ModuleType) -> None:
    click = {"points": [{"customdata": [18, "…", "3 contributions", "1 %"]}]}
    assert page.select_proposition(click, "?region=53") == "?region=53&proposition=18"
    assert page.select_proposition(click, "?region=53&proposition=18") == "?region=53"
    assert page.select_proposition({"points": []}, "") is no_update


@on_generated_data
@pytest.mark.parametrize("key", list(CARD_IDS))
def test_download_data(page: ModuleType, key: str) -> None:
    payload = page.download_data(key, "?region=53&theme=3")
    assert payload["filename"] == f"concertation_{key}_region-53_theme-3_SYNTHETIQUE.csv"
    assert decode_download(payload).startswith(b"\xef\xbb\xbf")  # BOM for Excel
    assert csv_rows(payload)


@on_generated_data
def test_download_coverage_is_the_whole_matrix(page: ModuleType) -> None:
    rows = csv_rows(page.download_data("couverture", ""))
    assert len(rows) == 40 * 18
    assert set(rows[0]) == {
        "proposition",
        "libelle",
        "code_region_academique",
        "region_academique",
        "contributions",
        "regions_sur_18",
    }


@on_generated_data
def test_download_drilldown(page: ModuleType) -> None:
    payload = page.download_drilldown(1, "?proposition=16")
    assert isinstance(payload, dict)
    assert payload["filename"] == "concertation_proposition-16_SYNTHETIQUE.csv"
    # whole texts (line breaks, semicolons): read it as Excel would, with a CSV parser
    raw = decode_download(payload)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = pl.read_csv(raw, separator=";", decimal_comma=True, infer_schema_length=None)
    texts = data_access.text_corpus().texts
    expected = texts.filter(pl.col("propositions").list.contains(16))
    assert rows.height == expected.height > logic.SHOWN_CONTRIBUTIONS
    assert rows["proposition"].unique().to_list() == [16]
    assert rows["score_proposition"].is_sorted(descending=True)
    assert set(rows["texte"]) == set(expected["texte"])
    assert page.download_drilldown(1, "") is no_update


@on_generated_data
@pytest.mark.usefixtures("no_png_renderer")
def test_download_png_without_chromium(page: ModuleType) -> None:
    data, status = page.download_png("themes", "")
    assert data is no_update
    assert "Chromium" in status


@pytest.mark.browser
@NEEDS_PNG_RENDERER
@on_generated_data
def test_download_png(page: ModuleType) -> None:
    data, status = page.download_png("propositions", "?region=53")
    assert status == ""
    assert data["filename"] == "concertation_propositions_region-53_SYNTHETIQUE.png"
    assert decode_download(data)[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------- missing or broken -----


@on_generated_data
def test_layout_before_the_build(make_app: AppFactory, data_dir: Path) -> None:
    make_app(data_dir)  # raw manifest only, no text tables
    page = importlib.import_module("dashboards.pages.concertation")
    tree = page.layout()
    message = text_of(by_id(tree, ids.CONCERTATION_MISSING))
    assert "ne sont pas encore construites" in message
    assert "documents.parquet" in message and "make build" in message
    assert not [c for c in walk(tree) if isinstance(c, dcc.Graph)]


@on_generated_data
def test_a_failed_analysis_is_explained(
    make_app: AppFactory, texts_copy: Path, counter: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def _broken(*_args: object) -> object:
        raise ValueError("verite_terrain.csv, ligne 3 : thème « 9 » invalide")

    monkeypatch.setitem(data_access._TEXT_COMPUTE, "texts", _broken)
    make_app(texts_copy)
    page = importlib.import_module("dashboards.pages.concertation")
    tree = page.layout()
    message = text_of(by_id(tree, ids.CONCERTATION_MISSING))
    assert "n'ont pas pu être analysées" in message and "ligne 3" in message


# ------------------------------------------------------------------- data access -----


@on_generated_data
def test_text_inputs(tmp_path: Path, texts_copy: Path) -> None:
    processed, raw = texts_copy / "processed", texts_copy / "raw"
    names = [name for name, _, _ in data_access.text_inputs(processed, raw)]
    assert names == [*data_access.TEXT_TABLES, "raw:verite_terrain_SYNTHETIQUE.csv"]
    with pytest.raises(data_access.TextsNotBuiltError):
        data_access.text_inputs(tmp_path, raw)
    (processed / "consultation_commentaires.parquet").unlink()
    with pytest.raises(data_access.TextsNotBuiltError, match="consultation_commentaires"):
        data_access.text_inputs(processed, raw)


@on_generated_data
def test_texts_are_cached_in_memory_and_on_disk(texts_copy: Path, counter: Counter) -> None:
    processed, raw = texts_copy / "processed", texts_copy / "raw"
    first = data_access.text_corpus(processed, raw)
    assert first.texts.schema == pl.Schema(data_access.text_schema())
    assert first.n_examples > 0 and first.evaluation is not None
    assert first.evaluation["methode"].to_list() == ["amorce seule", "amorce + exemples"]
    assert sorted(counter.calls) == ["evaluation", "meta", "texts"]
    first.texts.drop_in_place("texte")  # callers get a copy
    assert "texte" in data_access.text_corpus(processed, raw).texts.columns

    tokens = data_access.text_tokens(processed, raw)
    assert tokens.schema == pl.Schema(data_access.TEXT_TOKENS_SCHEMA)
    assert tokens["term"].str.contains("é").any()  # accents kept for display
    spec = data_access.text_specificities("regions", processed, raw)
    assert spec.schema == pl.Schema(data_access.TEXT_SPECIFICITY_SCHEMA)
    assert set(spec["part"].unique().to_list()) <= set(logic.region_names())
    assert spec["F"].min() >= data_access.SPECIFICITY_MIN_FREQUENCY  # type: ignore[operator]
    done = list(counter.calls)
    assert done[-2:] == ["tokens", "specificities"]

    # a new process (empty memory cache) reads the disk cache under settings.cache_dir
    data_access._text_frame.cache_clear()
    data_access._text_analysis.cache_clear()
    data_access.text_corpus(processed, raw)
    data_access.text_specificities("regions", processed, raw)
    assert counter.calls == done
    assert (texts_copy / "cache").is_dir()

    # a new labels file (new mtime) classifies again
    labels = next((raw / "textes").glob("verite_terrain*.csv"))
    stat = labels.stat()
    os.utime(labels, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    data_access.text_corpus(processed, raw)
    assert counter.calls[len(done) :].count("texts") == 1


@on_generated_data
def test_without_labels_the_method_says_so(texts_copy: Path, counter: Counter) -> None:
    for labels in (texts_copy / "raw" / "textes").glob("verite_terrain*.csv"):
        labels.unlink()
    found = data_access.text_corpus(texts_copy / "processed", texts_copy / "raw")
    assert found.evaluation is None and found.n_examples == 0
    assert "sans exemple étiqueté" in found.method
    sentence = logic.method_sentence(found.method, found.evaluation, found.n_examples)
    assert sentence.endswith("Qualité non mesurée (pas de fichier de textes étiquetés).")


@on_generated_data
def test_text_shape_is_checked(
    texts_copy: Path, counter: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(data_access._TEXT_COMPUTE, "tokens", lambda *_: pl.DataFrame({"id": ["a"]}))
    with pytest.raises(data_access.TextsError, match="term"):
        data_access.text_tokens(texts_copy / "processed", texts_copy / "raw")
    with pytest.raises(ValueError, match="partition"):
        data_access.text_specificities("academies")


@on_generated_data
def test_warm_texts_computes_everything_the_page_needs(
    make_app: AppFactory, texts_copy: Path, counter: Counter
) -> None:
    make_app(texts_copy)
    data_access.warm_texts()
    assert counter.calls.count("specificities") == 3
    done = len(counter.calls)
    page = importlib.import_module("dashboards.pages.concertation")
    page.layout(region="53")
    page.update_specificities("?region=53")
    page.update_specificities("?parties=sources")
    assert len(counter.calls) == done


def test_specificities_follow_the_chosen_sources(generated_data_dir: Path) -> None:
    processed, raw = generated_data_dir / "processed", generated_data_dir / "raw"
    everything = data_access.text_specificities("themes", processed, raw)
    retex = data_access.text_specificities("themes", processed, raw, sources=["retex"])
    # The corpus of the RETEX alone is smaller: every part draws fewer tokens (t) in it.
    t_all = dict(everything.select("part", "t").unique().iter_rows())
    t_retex = dict(retex.select("part", "t").unique().iter_rows())
    assert t_retex and all(t_retex[p] < t_all[p] for p in t_retex)
    assert data_access.text_specificities(
        "themes", processed, raw, sources=["retex", "retex"]
    ).equals(retex)
