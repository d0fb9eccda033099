"""The « Concertation et RETEX » cards of the library, on a handmade corpus.

Six contributions (:mod:`tests.cards.concertation_support`) check the selection, the counts,
shares, coverage matrix, key figures, sentences, specificity rows, search outcome and drill-down
rows exactly; the page's Dash rendering of the same rows is tested in
``tests/dashboards/test_concertation.py``, the cards on generated data by the goldens.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from egn_analytics.cards import concertation as cards
from egn_analytics.viz.formats import NBSP, NNBSP
from tests.cards.concertation_support import (
    ALL,
    BRETAGNE,
    corpus,
    evaluation,
    specificity_frame,
)

N = NNBSP

# ---------------------------------------------------------------------- selection -----


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, cards.Selection()),
        ({"source": "retex,synthese"}, cards.Selection(sources=("retex", "synthese"))),
        ({"source": "synthese,RETEX,inconnue"}, cards.Selection(sources=("retex", "synthese"))),
        ({"source": ",".join(cards.SOURCES)}, cards.Selection()),
        ({"source": ["questionnaire"]}, cards.Selection(sources=("questionnaire",))),
        ({"region": "53"}, cards.Selection(region="53", parts="regions")),
        ({"region": "99"}, cards.Selection()),
        ({"region": "france"}, cards.Selection()),
        ({"theme": "3"}, cards.Selection(theme=3)),
        ({"theme": "7"}, cards.Selection()),
        ({"theme": "tous"}, cards.Selection()),
        ({"q": "  élèves   sans\tordinateur "}, cards.Selection(query="élèves sans ordinateur")),
        ({"proposition": "18"}, cards.Selection(proposition=18)),
        ({"proposition": "41"}, cards.Selection()),
        ({"proposition": "x"}, cards.Selection()),
        ({"parties": "sources"}, cards.Selection(parts="sources")),
        ({"region": "53", "parties": "themes"}, cards.Selection(region="53", parts="themes")),
        ({"parties": "autre"}, cards.Selection()),
    ],
)
def test_parse_selection_keeps_known_values(
    query: dict[str, Any], expected: cards.Selection
) -> None:
    assert cards.parse_selection(**query) == expected


def test_query_is_capped() -> None:
    assert len(cards.parse_selection(q="a" * 500).query) == cards.MAX_QUERY


def test_french_formats() -> None:
    assert cards.fmt_count(0, "contribution") == "0 contribution"
    assert cards.fmt_count(1, "contribution") == "1 contribution"
    assert cards.fmt_count(1234, "contribution") == f"1{N}234 contributions"
    assert cards.fmt_count(2, "texte tenu", "textes tenus") == "2 textes tenus"
    assert cards.french_numbers("5944 exemples ; 2527 textes ; 0,90 ; 12") == (
        f"5{N}944 exemples ; 2{N}527 textes ; 0,90 ; 12"
    )
    assert cards.shorten("un  deux\ntrois", 50) == "un deux trois"
    assert cards.shorten("Garantir un socle numérique minimal pour les écoles", 24) == (
        "Garantir un socle…"
    )
    assert cards.theme_name(None) == "Non classé"
    assert cards.theme_name(5) == "5. Numérique responsable et souverain"


def test_quality_and_method_sentences() -> None:
    seed_only = evaluation(seed=0.9)
    assert cards.quality_text(seed_only, 0) == (
        f"F1 macro thèmes 0,90 sur 2{N}527 textes tenus à l'écart"
    )
    assert cards.quality_text(seed_only, 5944) == (
        f"F1 macro thèmes 0,97 sur 2{N}527 textes tenus à l'écart"
    )
    assert cards.quality_text(None, 0) is None
    method = (
        "amorce (libellés et lexique) + 5944 exemples étiquetés ; qualité mesurée sur 2527 "
        "textes tenus à l'écart"
    )
    assert cards.method_sentence(method, seed_only, 5944) == (
        f"Classification{NBSP}: amorce (libellés et lexique) + 5{N}944 exemples étiquetés ; "
        f"qualité mesurée sur 2{N}527 textes tenus à l'écart{NBSP}: F1 macro thèmes 0,97, "
        f"propositions 0,86 (amorce seule{NBSP}: thèmes 0,90)."
    )
    assert cards.method_sentence(method, seed_only, 5944, synthetic=True).endswith(
        "celui de l'amorce seule est le plus proche de ce qu'on attend sur des textes réels."
    )
    assert cards.method_sentence("amorce seule", None, 0).endswith(
        "Qualité non mesurée (pas de fichier de textes étiquetés)."
    )


def test_key_figures_count_and_share() -> None:
    texts = corpus()
    figures = cards.key_figures(texts, texts.height, evaluation(), 10)
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
    bretagne = cards.filter_texts(texts, BRETAGNE)
    figures = cards.key_figures(bretagne, texts.height, None, 0)
    assert figures[0].value == "2" and figures[0].detail == "sur 6 au total"
    assert figures[2].value == f"0,0{N}%"
    assert figures[3].value == "n.d." and figures[3].muted
    empty = cards.key_figures(texts.clear(), 6, None, 0)
    assert [f.value for f in empty[:3]] == ["0", "n.d.", "n.d."]


def test_filters() -> None:
    texts = corpus()
    assert cards.filter_texts(texts, BRETAGNE)["id"].to_list() == ["R1", "R2"]
    chosen = cards.parse_selection(source="proposition,commentaire", theme="3")
    assert cards.filter_texts(texts, chosen)["id"].to_list() == ["P1"]
    # a région leaves out the forum (no territory), whatever the sources
    forum = cards.parse_selection(source="proposition,commentaire", region="53")
    assert cards.filter_texts(texts, forum).is_empty()
    # the coverage keeps every région, only the sources that have one
    assert cards.territorial_texts(texts, BRETAGNE)["id"].to_list() == ["R1", "R2", "Q1", "S1"]
    assert cards.territorial_texts(texts, chosen).is_empty()


def test_theme_source_rows_and_card() -> None:
    rows = cards.theme_source_rows(corpus())
    assert rows.height == 5 * 6  # every source present × (5 themes + non classé)
    retex = rows.filter(pl.col("source") == "retex", pl.col("contributions") > 0)
    assert retex.select("theme", "contributions", "part").rows() == [(3, 2, 1.0)]
    comment = rows.filter(pl.col("source") == "commentaire", pl.col("theme").is_null())
    assert comment.select("theme_libelle", "contributions", "part").rows() == [
        ("Non classé", 1, 1.0)
    ]
    card = cards.theme_source_card(corpus(), ALL, synthetic=True)
    fig = card.figure
    assert [t.name for t in fig.data][-1] == "Non classé"
    assert fig.data[-1].marker.color == cards.UNCLASSIFIED_COLOUR
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
    themed = cards.theme_source_card(corpus(), cards.Selection(theme=2), synthetic=False)
    assert themed.data.height == rows.height
    assert "Le filtre de thème ne s'applique pas" in themed.subtitle
    assert "(synthétiques)" not in themed.source


def test_proposition_rows_are_multi_label() -> None:
    rows = cards.proposition_rows(corpus())
    assert rows.height == 40
    counts = dict(rows.select("proposition", "contributions").iter_rows())
    assert {k: v for k, v in counts.items() if v} == {6: 1, 16: 4, 18: 2, 35: 1}
    shares = dict(rows.select("proposition", "part").iter_rows())
    assert shares[16] == pytest.approx(4 / 6)
    groups = dict(rows.select("proposition", "groupe").iter_rows())
    assert groups[1] == "1. Gouvernance et anticipation"
    assert groups[39] == groups[40] == "Transverse"


def test_propositions_card_highlights_the_selected_one() -> None:
    card = cards.propositions_card(corpus(), cards.Selection(proposition=18), synthetic=True)
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
    empty = cards.propositions_card(corpus(), cards.parse_selection(theme="4"), synthetic=True)
    assert empty.lecture == "aucune contribution ne correspond aux filtres choisis."


def test_coverage_matrix_values() -> None:
    territorial = cards.territorial_texts(corpus(), ALL)
    matrix = cards.coverage_matrix(territorial)
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
    summary = cards.coverage_summary(territorial)
    texts = dict(summary.select("proposition", "texte").iter_rows())
    assert texts[16] == "3 régions académiques sur 18"
    assert texts[18] == "1 région académique sur 18"  # P1 (forum) has no territory
    assert texts[1] == "0 région académique sur 18"


def test_coverage_card_labels_and_outline() -> None:
    card = cards.coverage_card(corpus(), BRETAGNE, synthetic=True)
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
    france = cards.coverage_card(corpus(), ALL, synthetic=True)
    assert not france.figure.layout.shapes
    assert france.lecture.startswith(
        f"la proposition 16 «{NBSP}Fournir une aide ciblée à l'équipement numérique des "
        f"élèves{NBSP}» est évoquée dans les retours de 1 région académique sur 18 et par 4 "
        f"contributions qui ont une région{NBSP}: c'est la plus répandue sur le territoire."
    )
    forum = cards.coverage_card(
        corpus(), cards.parse_selection(source="proposition"), synthetic=True
    )
    assert "n'ont pas de territoire" in forum.lecture


def test_specificity_rows_top_terms_per_part() -> None:
    table = specificity_frame()
    rows = cards.specificity_rows(table, ALL)
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
    assert cards.specificity_rows(table, cards.Selection(theme=3))["part"].unique().to_list() == [
        "3"
    ]
    assert cards.specificity_rows(table, ALL, top=3).height == 15
    # the regions partition shows the chosen région only
    regions = table.with_columns(pl.col("part").replace({"1": "53", "2": "32"}))
    chosen = cards.specificity_rows(regions, BRETAGNE)
    assert chosen["partie"].unique().to_list() == ["Bretagne"]


def test_partial_search_says_so() -> None:
    many = pl.concat(
        [corpus().with_columns(pl.col("id") + f"-{i}") for i in range(20)], how="vertical"
    )
    full = cards.run_search(many, "familles", limit=5)
    assert not full.partial and cards.partial_sentence(full) is None
    assert (full.texts_read, full.texts_total) == (120, 120)
    # No time at all: the one slice is read (the total holds), one row gets its excerpts.
    cut = cards.run_search(many, "familles", limit=5, budget_s=0)
    assert cut.partial and cut.total == 20 and cut.rows.height == 1
    sentence = (
        f"Résultats partiels{NBSP}: la recherche a été arrêtée au bout de 0{NBSP}s{NBSP}; "
        "seule la première contribution trouvée est montrée. Réessayez dans un moment, ou "
        "resserrez les filtres."
    )
    assert cards.partial_sentence(cut) == sentence
    # A scan stopped before the end says how much it read.
    stopped = cards.SearchOutcome(
        "x", 3, cut.rows, texts_read=1_000, texts_total=8_471, partial=True, budget_s=2.0
    )
    assert cards.partial_sentence(stopped) == (
        f"Résultats partiels{NBSP}: la recherche a été arrêtée au bout de 2{NBSP}s, après avoir "
        f"parcouru 1{N}000 contributions sur 8{N}471{NBSP}; le nombre trouvé ne compte que "
        "celles-là. Réessayez dans un moment, ou resserrez les filtres."
    )
    shown = cards.SearchOutcome("x", 3, cut.rows.head(0), partial=True, budget_s=1.5)
    assert "au bout de 1,5" in (cards.partial_sentence(shown) or "")


def test_export_stem() -> None:
    assert cards.export_stem("themes", ALL) == "concertation_themes"
    chosen = cards.parse_selection("retex,synthese", "53", "3")
    assert cards.export_stem("couverture", chosen) == (
        "concertation_couverture_retex-synthese_region-53_theme-3"
    )


def test_logic_does_not_mutate_its_input() -> None:
    texts = corpus()
    before = texts.clone()
    selection = cards.parse_selection(region="53", theme="3", proposition="16")
    cards.theme_source_card(texts, selection, synthetic=True)
    cards.propositions_card(texts, selection, synthetic=True)
    cards.coverage_card(texts, selection, synthetic=True)
    cards.run_search(texts, "ordinateur")
    cards.drilldown_rows(texts, 16)
    assert texts.equals(before)


def test_parse_view_reads_the_url_parameters() -> None:
    """A view is the page's URL parameters as a dict: other keys are ignored."""
    assert cards.parse_view({}) == cards.Selection()
    view = {"source": "retex,synthese", "region": "53", "q": "ordinateur", "autre": "x"}
    assert cards.parse_view(view) == cards.parse_selection("retex,synthese", "53", q="ordinateur")
    assert cards.parse_view({"parties": "sources", "theme": "2"}) == cards.Selection(
        theme=2, parts="sources"
    )
    assert cards.with_proposition(BRETAGNE, 4).proposition == 4


def test_term_label_and_specificity_intro() -> None:
    assert cards.term_label("continuité_d_activité") == "continuité d'activité"
    assert cards.term_label("ma_classe_à_la_maison") == "ma classe à la maison"
    assert cards.term_label("élève") == "élève"
    assert "face aux autres régions" in cards.specificity_intro(BRETAGNE)
    assert "chaque source face aux autres" in cards.specificity_intro(
        cards.Selection(parts="sources")
    )


def test_search_finds_and_counts() -> None:
    outcome = cards.run_search(corpus(), "ordinateur")
    assert outcome.total == 1 and outcome.error is None
    row = outcome.rows.row(0, named=True)
    assert (row["id"], row["n_occurrences"], row["source"]) == ("R1", 2, "retex")
    assert row["extraits"][0]["match"] == "ordinateur"
    assert cards.search_summary(outcome) == (
        f"1 contribution contient «{NBSP}ordinateur{NBSP}», par nombre d'occurrences décroissant."
    )
    assert cards.contribution_facts("retex", "Bretagne", 3) == (
        "RETEX · Bretagne · 3. Égal accès et fracture numérique"
    )
    assert cards.contribution_facts("proposition", None, None) == (
        "Propositions du forum · sans territoire · Non classé"
    )
    many = pl.concat(
        [corpus().with_columns(pl.col("id") + f"-{i}") for i in range(20)], how="vertical"
    )
    limited = cards.run_search(many, "familles", limit=5)
    assert limited.total == 20 and limited.rows.height == 5
    assert cards.search_summary(limited) == (
        f"20 contributions contiennent «{NBSP}familles{NBSP}»{NBSP}; voici les 5 qui en "
        "contiennent le plus d'occurrences."
    )
    none = cards.run_search(corpus(), "tablette -familles")
    assert none.total == 0
    assert cards.search_summary(none).startswith("Aucune contribution retenue ne contient")
    bad = cards.run_search(corpus(), "-seulement")
    assert bad.error is not None and bad.total == 0
    long = cards.run_search(corpus(), "a" * 201)
    assert long.error == "recherche trop longue : 200 caractères au plus (reçu : 201)"
    # The URL keeps at most the library's bound: 200 « œ » are searched, at once.
    query = cards.parse_selection(q="œ" * 500).query
    assert query == "œ" * cards.MAX_QUERY
    outcome = cards.run_search(corpus(), query)
    assert outcome.error is None and outcome.total == 0 and not outcome.partial


def test_drilldown_rows_by_score() -> None:
    rows = cards.drilldown_rows(corpus(), 16)
    assert rows.select("id", "score", "rang").rows() == [
        ("R1", 0.9, 1),
        ("R2", 0.8, 1),
        ("S1", 0.5, 2),
        ("Q1", 0.3, 2),
    ]
    assert cards.drilldown_reach(cards.region_returns(corpus(), ALL), 16) == (
        "1 région académique sur 18"
    )
    assert cards.region_returns(corpus(), ALL)["id"].to_list() == ["S1"]
    # A return covers many propositions: its main theme (5) does not hide it.
    assert cards.region_returns(corpus(), cards.parse_selection(theme="2"))["id"].to_list() == [
        "S1"
    ]
    csv = cards.drilldown_csv(rows, 16)
    assert csv.columns[:3] == ["proposition", "id", "source"]
    assert csv["source"].to_list() == ["RETEX", "RETEX", "Synthèses", "Questionnaire (texte libre)"]
    assert csv["a_verifier"].to_list() == ["non", "non", "non", "oui"]
    assert csv["texte"][0].endswith("par famille !")  # the whole text
    assert cards.drilldown_summary(4, 2) == (
        f"4 contributions retenues sont classées dans cette proposition{NBSP}; voici les 2 de "
        "plus haut score (toutes sont dans le CSV)."
    )
    assert cards.drilldown_summary(1, 1) == (
        "1 contribution retenue est classée dans cette proposition, par score décroissant."
    )
    assert cards.drilldown_rows(corpus(), 1).is_empty()
    assert cards.proposition_label(18).startswith("Garantir un socle")


def test_registry_declares_the_page_cards() -> None:
    """The registry lists the page's three cards, the default view first."""
    from egn_analytics.cards import default_views, domain

    assert domain("concertation") is cards
    assert tuple(cards.CARDS) == cards.CARD_KEYS
    assert default_views("concertation.themes")[0] == {}
    assert all(cards.parse_view(view) == cards.parse_view(dict(view)) for view in cards.VIEWS)
