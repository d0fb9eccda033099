"""Page « Concertation et RETEX »: what the 2020 consultation said, theme by theme, proposition
by proposition, région by région, down to the texts.

A leader chooses sources, a région académique and a theme, and reads: how many contributions
that is and how reliable their automatic classification is (measured on labelled texts kept
out of the training), how the themes split in each source, which of the 40 propositions come
up most, which régions raise each of them (« 12 régions académiques sur 18 »), which words each
theme or région over-uses, and, for one proposition, the contributions behind the figures. A
search box finds the contributions that hold some words, with the words highlighted.

State lives in the URL (``?source=…&region=…&theme=…&q=…&proposition=…&parties=…``): the
pickers, the search box and a click on a proposition's bar write it, Dash's router calls
:func:`layout` again with it, so a view can be bookmarked and the back button works. A
``dcc.Store`` keeps the canonical query of the view shown (a selection, never data) for the
callbacks that need it. Every number comes from the indicator tables ``egn build`` wrote (the
classified contributions, their evaluation and the specificities of every partition and choice
of sources: :class:`egn_analytics.cards.Tables`, pinned to one build per request), every card,
figure, row and sentence from the library (:mod:`egn_analytics.cards.concertation`, the cards
through :func:`egn_analytics.cards.build_card`), the URL codec, options and lists from
:mod:`dashboards.concertation_logic`. Only the free-text search runs on demand. The
specificities fill their table through a callback, so the rest of the page never waits for
them.
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.development.base_component import Component
from dash.exceptions import MissingCallbackContextException

from dashboards import concertation_logic as logic
from dashboards import data_access, ids
from dashboards.catalogue import export_filename
from dashboards.components import layout as ui
from dashboards.components import notices
from dashboards.components.chart_card import CardDownloads, chart_card
from dashboards.components.layout import page, section, table_region
from dashboards.components.note_download import NoteDownload, note_block, scope_of_territory
from dashboards.components.notices import alert, detail
from dashboards.components.tables import request_tables, synthetic
from egn_analytics import cards as registry
from egn_analytics.cards import concertation as cards
from egn_analytics.indicators import IndicatorNotBuiltError
from egn_analytics.indicators.textes import TEXT_TABLES
from egn_analytics.notes.model import Scope
from egn_analytics.viz import ChartCard, csv_bytes
from egn_analytics.viz.formats import NBSP

PATH = "/concertation"
TITLE = "Concertation et RETEX"

dash.register_page(
    __name__,
    path=PATH,
    name=TITLE,
    title="Concertation et RETEX — EGN Analytics",
    description="Les contributions à la consultation des États généraux du numérique pour "
    "l'éducation et les retours d'expérience des académies : thèmes, 40 propositions, "
    "couverture par les régions académiques, mots spécifiques, recherche dans les textes.",
    order=3,
)

#: Card key (file names, :func:`build_card`) → component id of its chart card.
CARDS: dict[str, str] = {
    "themes": ids.CONCERTATION_THEMES_CARD,
    "propositions": ids.CONCERTATION_PROPOSITIONS_CARD,
    "couverture": ids.CONCERTATION_COVERAGE_CARD,
}
PROPOSITIONS_GRAPH = ids.card_ids(ids.CONCERTATION_PROPOSITIONS_CARD).graph

SEARCH_TITLE = "Recherche dans les contributions"
DRILLDOWN_TITLE = "Les contributions d'une proposition"
SPECIFICITIES_TITLE = "Mots spécifiques"


def layout(
    source: str | None = None,
    region: str | None = None,
    theme: str | None = None,
    q: str | None = None,
    proposition: str | None = None,
    parties: str | None = None,
    **_query: str,
) -> html.Div:
    """Page content for ``/concertation?source=…&region=…&theme=…&q=…&proposition=…``."""
    selection = cards.parse_selection(source, region, theme, q, proposition, parties)
    tables = request_tables()
    try:
        texts = cards.contributions(tables)
        method = cards.classification(tables)
    except IndicatorNotBuiltError:
        return _page_of([_location(), not_built()])
    except UNREADABLE as exc:
        return _page_of([_location(), unavailable(exc)])
    content = ui.page_start(
        ids.CONCERTATION_URL,
        "Ce que disent les contributions à la consultation des États généraux du numérique "
        "pour l'éducation (2020) et les retours d'expérience (RETEX) des académies : leurs "
        "thèmes, les 40 propositions qu'elles évoquent, les régions académiques qui portent "
        "chacune, les mots qui les distinguent, et les textes eux-mêmes. Thèmes et "
        "propositions viennent d'une classification automatique dont la qualité est "
        "mesurée ci-dessous.",
        data_access.synthetic_notice(data_access.raw_dir()),
    )
    content.insert(1, dcc.Store(id=ids.CONCERTATION_STATE, data=logic.selection_query(selection)))
    content += [
        _filters(selection),
        key_figures_section(texts, method, selection),
        *([search_section(texts, selection)] if selection.query else []),
        chart_card(build_card("themes", selection, tables), CARDS["themes"]),
        chart_card(build_card("propositions", selection, tables), CARDS["propositions"]),
        drilldown_section(texts, selection),
        chart_card(build_card("couverture", selection, tables), CARDS["couverture"]),
        specificities_section(selection),
        note_block(NOTE_PREFIX),
    ]
    return _page_of(content)


def _location() -> dcc.Location:
    return dcc.Location(id=ids.CONCERTATION_URL, refresh="callback-nav")


#: A table there but unreadable (a damaged file): the page says why instead of failing.
UNREADABLE = (OSError, ValueError, pl.exceptions.PolarsError)


def _filters(selection: cards.Selection) -> html.Div:
    """Sources, région, theme and the search box; their values go to the URL."""
    pickers = html.Div(
        [
            ui.field(
                "Sources",
                ids.CONCERTATION_SOURCES,
                ui.dropdown(
                    ids.CONCERTATION_SOURCES,
                    logic.source_options(),
                    list(selection.sources),
                    multi=True,
                    placeholder="Toutes les sources",
                    searchable=False,
                ),
            ),
            ui.field(
                "Région académique",
                ids.CONCERTATION_REGION,
                ui.dropdown(
                    ids.CONCERTATION_REGION,
                    logic.region_options(),
                    selection.region or logic.FRANCE,
                    clearable=False,
                    searchable=True,
                    search_order="original",
                    maxHeight=360,
                ),
            ),
            ui.field(
                "Thème",
                ids.CONCERTATION_THEME,
                ui.dropdown(
                    ids.CONCERTATION_THEME,
                    logic.theme_options(),
                    logic.ALL_THEMES if selection.theme is None else str(selection.theme),
                    clearable=False,
                    searchable=False,
                ),
            ),
            ui.field(
                "Rechercher dans les textes",
                ids.CONCERTATION_QUERY,
                dcc.Input(
                    id=ids.CONCERTATION_QUERY,
                    type="search",
                    value=selection.query,
                    debounce=True,
                    maxLength=cards.MAX_QUERY,
                    placeholder="ordinateur, «\u00a0classe virtuelle\u00a0», -tablette",
                    autoComplete="off",
                    style={"padding": "0.5rem", "fontSize": "1rem", "width": "100%"},
                ),
                wide=True,
            ),
        ],
        className="egn-filters",
    )
    return html.Div(
        [
            pickers,
            html.P(
                "Les propositions et les commentaires du forum n'ont pas de territoire : ils "
                "disparaissent quand une région académique est choisie. La recherche (touche "
                f"Entrée) trouve les contributions qui contiennent tous les mots, sans tenir "
                f"compte des accents ni des majuscules{NBSP}; «{NBSP}guillemets{NBSP}» pour une "
                "expression, -mot pour exclure.",
                className="egn-section__intro",
            ),
        ]
    )


def key_figures_section(
    texts: pl.DataFrame, method: cards.Classification, selection: cards.Selection
) -> html.Section:
    """The key figures of the filters and the classification method, with its measured quality."""
    shown = cards.filter_texts(texts, selection)
    figures = cards.key_figures(shown, texts.height, method.evaluation, method.n_examples)
    tiles = [ui.kpi(f.label, f.value, f.detail, muted=f.muted) for f in figures]
    return html.Section(
        [
            html.Ul(tiles, className="egn-kpis"),
            html.P(
                cards.method_sentence(
                    method.method, method.evaluation, method.n_examples, synthetic=synthetic()
                ),
                id=ids.CONCERTATION_METHOD,
                className="egn-section__intro",
            ),
        ],
        id=ids.CONCERTATION_KEY_FIGURES,
        **{"aria-label": "Chiffres clés"},  # type: ignore[arg-type]
    )


def search_section(texts: pl.DataFrame, selection: cards.Selection) -> html.Section:
    """The contributions (of the filters) holding the query's words, highlighted."""
    outcome = cards.run_search(cards.filter_texts(texts, selection), selection.query)
    return section(
        f"{ids.CONCERTATION_SEARCH}-titre",
        SEARCH_TITLE,
        "Les contributions retenues par les filtres qui contiennent les mots cherchés, avec "
        "jusqu'à trois extraits chacune. La recherche ne change pas les graphiques.",
        logic.search_results(outcome),
        id=ids.CONCERTATION_SEARCH,
    )


def drilldown_section(texts: pl.DataFrame, selection: cards.Selection) -> html.Section:
    """The proposition picker, then the chosen proposition's reach and contributions."""
    picker = html.Div(
        ui.field(
            "Proposition",
            ids.CONCERTATION_PROPOSITION,
            ui.dropdown(
                ids.CONCERTATION_PROPOSITION,
                logic.proposition_options(),
                None if selection.proposition is None else str(selection.proposition),
                placeholder="Choisissez une proposition (ou cliquez sur sa barre)",
                clearable=True,
                searchable=True,
                search_order="original",
                optionHeight=48,
                maxHeight=360,
                wide=True,
            ),
            wide=True,
        ),
        className="egn-filters",
    )
    return section(
        f"{ids.CONCERTATION_DRILLDOWN}-titre",
        DRILLDOWN_TITLE,
        "Pour une proposition, le nombre de régions académiques qui l'évoquent et les "
        "contributions retenues par les filtres qui y sont classées, de la plus probable à la "
        "moins probable, avec leur score de classification.",
        [picker, *drilldown_content(texts, selection)],
        id=ids.CONCERTATION_DRILLDOWN,
    )


def drilldown_content(texts: pl.DataFrame, selection: cards.Selection) -> list[Component]:
    """The chosen proposition's label, reach and contributions (or a hint), and the button
    that downloads them all (always there, disabled without a proposition: its callback
    needs it in the layout)."""
    number = selection.proposition
    rows = (
        cards.drilldown_rows(cards.filter_texts(texts, selection), number)
        if number is not None
        else None
    )
    download = html.Div(
        [
            ui.button(
                "Télécharger toutes ces contributions (CSV)",
                ids.CONCERTATION_DRILLDOWN_BUTTON,
                disabled=rows is None or rows.is_empty(),
            ),
            dcc.Download(id=ids.CONCERTATION_DRILLDOWN_DOWNLOAD),
        ],
        className="egn-card__actions",
    )
    if number is None or rows is None:
        return [html.P("Aucune proposition choisie.", className="egn-summary"), download]
    reach = cards.drilldown_reach(cards.region_returns(texts, selection), number)
    shown = min(rows.height, cards.SHOWN_CONTRIBUTIONS)
    return [
        html.H3(f"Proposition {number}{NBSP}: {cards.proposition_label(number)}"),
        html.P(
            [html.Strong(reach), " (retours de synthèse des régions académiques)"],
            className="egn-concertation__portee",
        ),
        html.P(cards.drilldown_summary(rows.height, shown), className="egn-summary"),
        logic.drilldown_items(rows),
        download,
    ]


def specificities_section(selection: cards.Selection) -> html.Section:
    """The partition picker; the table is filled by :func:`update_specificities`."""
    return section(
        f"{ids.CONCERTATION_SPECIFICITIES}-titre",
        SPECIFICITIES_TITLE,
        cards.specificity_intro(selection),
        [
            ui.radios(
                "Parties comparées", ids.CONCERTATION_PARTS, logic.part_options(), selection.parts
            ),
            ui.busy(html.Div(id=ids.CONCERTATION_SPECIFICITIES_TABLE)),
        ],
        id=ids.CONCERTATION_SPECIFICITIES,
    )


def specificities_content(selection: cards.Selection) -> Component:
    """The over-used terms of the parts shown (or why they cannot be computed)."""
    try:
        rows = cards.selection_specificities(selection, request_tables())
    except (IndicatorNotBuiltError, *UNREADABLE) as exc:
        return alert("Les mots spécifiques n'ont pas pu être calculés", [detail(exc)])
    content = logic.specificity_table(rows, selection)
    if isinstance(content, html.Table):
        return table_region(content, "Termes sur-employés")
    return content


# ---------------------------------------------------------------------- messages -----------


def not_built() -> Component:
    """No processed text tables: say how to build them (no traceback, no jargon)."""
    return notices.not_built(
        "Les contributions de la consultation ne sont pas encore construites",
        [
            "Les contributions classées (",
            html.Code("indicateurs/textes_contributions.parquet"),
            ", calculées par la construction depuis ",
            html.Code(", ".join(TEXT_TABLES)),
            ")",
        ],
        data_access.processed_dir(),
        ids.CONCERTATION_MISSING,
    )


def unavailable(exc: Exception) -> Component:
    """The classified contributions could not be read: say why, and how to retry."""
    return notices.unreadable(
        "Les contributions n'ont pas pu être lues",
        exc,
        ids.CONCERTATION_MISSING,
        tail="), puis rechargez.",
    )


# --------------------------------------------------------------------- callbacks -----------


@callback(
    Output(ids.CONCERTATION_URL, "search"),
    Input(ids.CONCERTATION_SOURCES, "value"),
    Input(ids.CONCERTATION_REGION, "value"),
    Input(ids.CONCERTATION_THEME, "value"),
    Input(ids.CONCERTATION_QUERY, "value"),
    Input(ids.CONCERTATION_PROPOSITION, "value"),
    Input(ids.CONCERTATION_PARTS, "value"),
    prevent_initial_call=True,
)
def update_query(
    sources: list[str] | None,
    region: str | None,
    theme: str | None,
    q: str | None,
    proposition: str | None,
    parties: str | None,
) -> str:
    """Pickers → URL (canonical). A new région resets the partition to its default (that
    région against the others)."""
    parts = None if _triggered() == ids.CONCERTATION_REGION else parties
    return logic.selection_query(
        cards.parse_selection(sources, region, theme, q, proposition, parts)
    )


def _triggered() -> object:
    """Id of the input that fired the callback (None when called directly, as tests do)."""
    try:
        return ctx.triggered_id
    except MissingCallbackContextException:
        return None


@callback(
    Output(ids.CONCERTATION_URL, "search", allow_duplicate=True),
    Input(PROPOSITIONS_GRAPH, "clickData"),
    State(ids.CONCERTATION_STATE, "data"),
    prevent_initial_call=True,
)
def select_proposition(click: dict[str, Any] | None, state: str | None) -> object:
    """Click on a proposition's bar → its drill-down; a second click closes it."""
    number = logic.clicked_proposition(click)
    if number is None:
        return no_update
    selection = logic.selection_from_search(state)
    chosen = None if number == selection.proposition else number
    return logic.selection_query(cards.with_proposition(selection, chosen))


@callback(
    Output(ids.CONCERTATION_SPECIFICITIES_TABLE, "children"),
    Input(ids.CONCERTATION_STATE, "data"),
)
def update_specificities(state: str | None) -> Component:
    """The view's selection → its table of over-used terms (cached; slow only the first time)."""
    return specificities_content(logic.selection_from_search(state))


@callback(
    Output(ids.CONCERTATION_DRILLDOWN_DOWNLOAD, "data"),
    Input(ids.CONCERTATION_DRILLDOWN_BUTTON, "n_clicks"),
    State(ids.CONCERTATION_STATE, "data"),
    prevent_initial_call=True,
)
def download_drilldown(_n_clicks: int | None, state: str | None) -> object:
    """Every contribution of the chosen proposition (filters applied), as CSV for Excel FR."""
    selection = logic.selection_from_search(state)
    if selection.proposition is None:
        return no_update
    texts = cards.filter_texts(cards.contributions(request_tables()), selection)
    rows = cards.drilldown_csv(
        cards.drilldown_rows(texts, selection.proposition), selection.proposition
    )
    stem = cards.export_stem(f"proposition-{selection.proposition}", selection)
    return dcc.send_bytes(csv_bytes(rows), export_filename(stem, None, synthetic(), "csv"))


def build_card(
    key: str, selection: cards.Selection, tables: registry.Tables | None = None
) -> ChartCard:
    """The chart card ``key`` of a selection, from the library's registry."""
    view = logic.selection_view(selection)
    return registry.build_card(f"concertation.{key}", view, tables or request_tables())


_downloads = CardDownloads(
    build=build_card,
    selection_of=logic.selection_from_search,
    stem=cards.export_stem,
)
#: CSV and PNG of card ``key`` for the view's selection (plain functions, tested directly).
download_data = _downloads.data
download_png = _downloads.image
_downloads.register(CARDS, State(ids.CONCERTATION_STATE, "data"))

NOTE_PREFIX = "concertation"


def _note_scope(state: str | None) -> Scope:
    """The view's région académique, else France."""
    return scope_of_territory("region", logic.selection_from_search(state).region)


_note = NoteDownload(NOTE_PREFIX, _note_scope)
#: The briefing note of the view's région (a plain function, tested directly).
download_note = _note.download
_note.register(State(ids.CONCERTATION_STATE, "data"))


def _page_of(content: list[Component]) -> html.Div:
    return page(TITLE, content, "egn-concertation")
