"""The « Concertation et RETEX » page without a browser.

Two kinds of inputs. The handmade corpus of six contributions of the library's card tests
(:mod:`tests.cards.concertation_support`) checks the URL codec, the options and the Dash
rendering of the library's rows (highlighted excerpts, result lists, the specificity table)
exactly; the library's rows, figures and sentences themselves are tested in
``tests/cards/test_concertation.py``. The small dataset generated and built by
``generated_data_dir`` (texts of the consultation, classified by ``egn build`` into the
``textes_*`` indicator tables) goes through the page, which only reads those tables
(``tests/dashboards/test_reads_only_indicators.py``); tests that break it work on a copy.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import dash
import polars as pl
import pytest
from dash import Dash, dcc, html, no_update

from dashboards import concertation_logic as logic
from dashboards import data_access, ids
from dashboards.components.navbar import nav_pages
from egn_analytics.cards import Tables
from egn_analytics.cards import concertation as cards
from egn_analytics.viz import fmt_number
from egn_analytics.viz.formats import NBSP, NNBSP
from tests.cards.concertation_support import ALL, BRETAGNE, corpus, specificity_frame
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
    """A private copy of the generated data folder (manifest, labels and built tables): tests
    may break it."""
    folder = tmp_path / "donnees"
    (folder / "raw" / "textes").mkdir(parents=True)
    shutil.copy(generated_data_dir / "raw" / "manifest.json", folder / "raw" / "manifest.json")
    for labels in (generated_data_dir / "raw" / "textes").glob("verite_terrain*.csv"):
        shutil.copy(labels, folder / "raw" / "textes" / labels.name)
    shutil.copytree(generated_data_dir / "processed", folder / "processed")
    return folder


# ---------------------------------------------------------------------- selection -----


def test_every_view_round_trips_through_the_url() -> None:
    views = [
        cards.Selection(),
        cards.Selection(sources=("retex", "synthese"), region="53", theme=3, query="« ENT » -x"),
        cards.Selection(proposition=18, parts="sources"),
        cards.Selection(region="11", parts="themes", query="l'ordinateur & co"),
    ]
    for view in views:
        assert logic.selection_from_search(logic.selection_query(view)) == view
    assert logic.selection_query(cards.Selection()) == ""
    assert logic.selection_query(BRETAGNE) == "?region=53"  # its default partition is implied
    assert (
        logic.selection_query(cards.parse_selection("retex,synthese", "53", "3", None, "18"))
        == "?source=retex%2Csynthese&region=53&theme=3&proposition=18"
    )
    assert logic.query_params("?q=a&region=53&autre=c") == {"q": "a", "region": "53"}
    for view in views:  # the library reads the same view from the dict
        assert cards.parse_view(logic.selection_view(view)) == view


def test_clicked_proposition() -> None:
    click = {"points": [{"customdata": [18, "Garantir un socle", "3 contributions", "50 %"]}]}
    assert logic.clicked_proposition(click) == 18
    assert logic.clicked_proposition({"points": [{"customdata": ["41"]}]}) is None
    assert logic.clicked_proposition({"points": []}) is None
    assert logic.clicked_proposition(None) is None


def test_options() -> None:
    regions = logic.region_options()
    assert regions[0] == {"label": "France (toutes les régions)", "value": "france"}
    names = [o["label"] for o in regions[1:]]
    assert len(names) == 18
    assert names.index("Grand Est") < names.index("Île-de-France") < names.index("La Réunion")
    assert [o["value"] for o in logic.source_options()] == list(cards.SOURCES)
    assert logic.theme_options()[3] == {
        "label": "3. Égal accès et fracture numérique",
        "value": "3",
    }
    assert len(logic.proposition_options()) == 40
    assert logic.proposition_options()[17]["label"].startswith("18. Garantir un socle")


# ----------------------------------------------------------------- specificities -----


def test_specificity_table_renders_terms_with_spaces() -> None:
    rows = cards.specificity_rows(specificity_frame(), cards.Selection(theme=2))
    table = logic.specificity_table(rows, cards.Selection(theme=2))
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
    empty = logic.specificity_table(rows.clear(), ALL)
    assert "Aucun terme" in text_of(empty)


# ------------------------------------------------------------------------ search -----


def test_search_highlights_the_match() -> None:
    outcome = cards.run_search(corpus(), "ordinateur")
    row = outcome.rows.row(0, named=True)
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


def test_search_reports_errors_and_badges() -> None:
    bad = cards.run_search(corpus(), "-seulement")
    assert text_of(logic.search_results(bad)).startswith(f"Recherche impossible{NBSP}:")
    # badges on contributions to check
    flagged = logic.search_results(cards.run_search(corpus(), "profs"))
    assert "à vérifier" in text_of(flagged)


def test_search_refuses_a_query_out_of_bounds_with_a_message() -> None:
    """Too long, or too many words: a French sentence in place of the results."""
    long = cards.run_search(corpus(), "a" * 201)
    assert text_of(logic.search_results(long)) == (
        f"Recherche impossible{NBSP}: recherche trop longue : 200 caractères au plus (reçu : 201)."
    )
    words = cards.parse_selection(q=" ".join(f"mot{i}" for i in range(13))).query
    many = logic.search_results(cards.run_search(corpus(), words))
    assert text_of(many).startswith(
        f"Recherche impossible{NBSP}: recherche trop longue : 12 mots au plus"
    )


def test_partial_search_says_so_above_the_results() -> None:
    many = pl.concat(
        [corpus().with_columns(pl.col("id") + f"-{i}") for i in range(20)], how="vertical"
    )
    cut = cards.run_search(many, "familles", limit=5, budget_s=0)
    results = logic.search_results(cut)
    assert [text_of(p) for p in results[:2]] == [
        cards.search_summary(cut),
        cards.partial_sentence(cut),
    ]
    assert results[1].role == "status"


# -------------------------------------------------------------------- drill-down -----


def test_drilldown_items() -> None:
    items = logic.drilldown_items(cards.drilldown_rows(corpus(), 16), limit=2)
    lines = [c for c in walk(items) if isinstance(c, html.Li)]
    assert len(lines) == 2
    assert text_of(lines[0]).startswith(
        "R1 — RETEX · Bretagne · 3. Égal accès et fracture numérique — score 0,90"
    )


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
    texts = cards.contributions(Tables(data_access.processed_dir()))
    figures = text_of(by_id(tree, ids.CONCERTATION_KEY_FIGURES))
    assert f"Contributions retenues{fmt_number(texts.height)}" in figures
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
    assert [text_of(h) for h in heads] == [cards.theme_name(n) for n in range(1, 6)]
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
    assert page.update_query(list(cards.SOURCES), "inconnue", "9", None, "99", "sources") == (
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
    texts = cards.contributions(Tables(data_access.processed_dir()))
    expected = texts.filter(pl.col("propositions").list.contains(16))
    assert rows.height == expected.height > cards.SHOWN_CONTRIBUTIONS
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
def test_unreadable_contributions_are_explained(make_app: AppFactory, texts_copy: Path) -> None:
    """A damaged indicator table: the page says so (in French) instead of failing."""
    (texts_copy / "processed" / "indicateurs" / "textes_contributions.parquet").write_bytes(
        b"pas un fichier parquet"
    )
    make_app(texts_copy)
    page = importlib.import_module("dashboards.pages.concertation")
    tree = page.layout()
    message = text_of(by_id(tree, ids.CONCERTATION_MISSING))
    assert "n'ont pas pu être lues" in message and "egn build" in message


@on_generated_data
def test_specificities_not_built_are_explained(make_app: AppFactory, texts_copy: Path) -> None:
    (texts_copy / "processed" / "indicateurs" / "textes_specificites.parquet").unlink()
    make_app(texts_copy)
    page = importlib.import_module("dashboards.pages.concertation")
    message = text_of(page.update_specificities("?parties=sources"))
    assert "n'ont pas pu être calculés" in message and "textes_specificites" in message
