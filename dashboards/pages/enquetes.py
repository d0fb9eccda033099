"""Page « Équipement et continuité (enquêtes) »: the DEPP 2020 survey indicators, by domain.

A leader picks an indicator (grouped by theme) and a breakdown (only those the indicator
has), reads one bar per domain with its 95 % confidence interval, and asks the question the
EGN asked: is the gap between two domains (REP+ and hors EP by default) real, or noise? The
statistician finds the same numbers in the table under the chart and in the CSV.

Statistical secret first: a masked cell is a grey hatched band « secret statistique » in the
chart, « masqué » in the table and an empty cell in the CSV, never a number; a fragile one
(CV above the threshold) says so wherever its value is printed. See
:mod:`egn_analytics.cards.enquetes`, where all of this is decided and tested.

State lives in the URL (``?indicateur=…&ventilation=…&domaine=…``): the pickers and a click on
a bar write it, Dash's router calls :func:`layout` again with it, so a view can be bookmarked
and the back button works. ``domaine`` only chooses whose « Lecture » the card prints. The gap
pickers are not in the URL: they change one panel, not the view. Callbacks translate an event
into calls to :mod:`egn_analytics.cards.enquetes` (the URL codec and the pickers' options:
:mod:`dashboards.enquetes_logic`); tests call them directly.

Data: the card is the registry's ``enquetes.estimations`` (:func:`egn_analytics.cards.build_card`)
and the pickers and table read the same indicator table, ``enquetes_catalogue``, written by
``egn build`` in the generation this request reads; only the gap between two domains is
computed on demand from the microdata, through :func:`dashboards.data_access.indicator_gap`.
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.development.base_component import Component

from dashboards import data_access, ids
from dashboards import enquetes_logic as logic
from dashboards.components import layout as ui
from dashboards.components import notices
from dashboards.components.chart_card import CardDownloads, chart_card
from dashboards.components.layout import column_heads, page, section, table_region
from dashboards.components.note_download import NoteDownload, note_block, scope_of_breakdown
from dashboards.components.notices import detail
from dashboards.components.tables import request_tables
from egn_analytics.cards import build_card
from egn_analytics.cards import enquetes as cards
from egn_analytics.indicators import IndicatorNotBuiltError
from egn_analytics.notes.model import Scope
from egn_analytics.viz import ChartCard
from egn_analytics.viz.formats import NBSP

PATH = "/enquetes"
TITLE = "Équipement et continuité (enquêtes)"

dash.register_page(
    __name__,
    path=PATH,
    name=TITLE,
    title="Équipement et continuité — EGN Analytics",
    description="Indicateurs d'équipement numérique et de continuité pédagogique des "
    "enquêtes DEPP 2020, par domaine, avec leurs intervalles de confiance.",
    order=1,
)

CARD = ids.card_ids(ids.ENQUETES_CARD)
#: The page's card in the library's registry.
CARD_KEY = "enquetes.estimations"
INDICATOR, BREAKDOWN, DOMAIN = logic.INDICATOR_PARAM, logic.BREAKDOWN_PARAM, logic.DOMAIN_PARAM

TABLE_TITLE = "Estimations par domaine"
GAP_TITLE = "Comparer deux domaines"

#: Columns of the estimates table: (field of :class:`cards.EstimateRow`, header, class).
_TABLE_COLUMNS = (
    ("domain", "Domaine", ""),
    ("estimate", "Estimation", "egn-num"),
    ("interval", "Intervalle de confiance à 95\u202f%", "egn-num"),
    ("respondents", "Répondants", "egn-num"),
    ("cv", "CV", "egn-num"),
    ("status_text", "Statut", ""),
)


def layout(
    indicateur: str | None = None,
    ventilation: str | None = None,
    domaine: str | None = None,
    **_query: str,
) -> html.Div:
    """Page content for ``/enquetes?indicateur=…&ventilation=…&domaine=…`` (others ignored)."""
    notice = data_access.synthetic_notice(data_access.raw_dir())
    tables = request_tables(notice is not None)
    try:
        table = cards.catalogue_table(tables)
    except IndicatorNotBuiltError:
        return _page_of(not_built())
    except Exception as exc:  # an unreadable table: the page says why, never a traceback
        return _page_of(unavailable(exc))

    view = {INDICATOR: indicateur, BREAKDOWN: ventilation, DOMAIN: domaine}
    selection = cards.selection_of(table, cards.parse_view(view))
    card = build_card(CARD_KEY, view, tables)
    rows = cards.domain_rows(table, selection)
    unit = cards.indicator_unit(table, selection.indicator)
    content = ui.page_start(
        ids.ENQUETES_URL,
        "Les indicateurs des enquêtes de la DEPP de 2020 auprès des élèves, des parents, "
        "des enseignants et des chefs d'établissement : choisissez un indicateur et une "
        "ventilation, lisez chaque estimation avec son intervalle de confiance, puis "
        "vérifiez si l'écart entre deux domaines est significatif.",
        notice,
    )
    content += [
        _filters(table, selection),
        chart_card(card, ids.ENQUETES_CARD),
        section(
            "enquetes-tableau-titre",
            TABLE_TITLE,
            "Les valeurs du graphique. Une estimation « fragile » (coefficient de variation "
            "au-delà du seuil) est à lire avec prudence ; une cellule « masquée » repose sur "
            "trop peu de répondants pour être diffusée (secret statistique). Choisissez un "
            "domaine pour lire sa phrase de lecture sous le graphique.",
            [estimates_table(cards.estimate_rows(rows, unit, selection.domain), selection)],
        ),
        gapsection(table, selection, rows),
        note_block(NOTE_PREFIX),
    ]
    return _page_of(content)


def _filters(table: pl.DataFrame, selection: cards.Selection) -> html.Div:
    """Indicator and breakdown pickers; their values go to the URL."""
    return html.Div(
        [
            ui.field(
                "Indicateur",
                ids.ENQUETES_INDICATOR,
                ui.dropdown(
                    ids.ENQUETES_INDICATOR,
                    logic.indicator_options(table),
                    selection.indicator,
                    clearable=False,
                    searchable=True,
                    search_order="original",
                    optionHeight=48,
                    maxHeight=360,
                    wide=True,
                ),
                wide=True,
            ),
            ui.field(
                "Ventilation",
                ids.ENQUETES_BREAKDOWN,
                ui.dropdown(
                    ids.ENQUETES_BREAKDOWN,
                    logic.breakdown_options(table, selection.indicator),
                    selection.breakdown,
                    clearable=False,
                    searchable=False,
                ),
            ),
        ],
        className="egn-filters",
    )


def estimates_table(rows: list[cards.EstimateRow], selection: cards.Selection) -> html.Div:
    """One line per domain; the domain is a link that selects its « Lecture » (keyboard too)."""
    head = column_heads(_TABLE_COLUMNS)
    lines = []
    for row in rows:
        target = cards.Selection(selection.indicator, selection.breakdown, row.code)
        link = dcc.Link(
            row.domain,
            href=dash.get_relative_path(PATH) + logic.selection_query(target),
            className="egn-enquetes__domain",
        )
        cells: list[Component] = [html.Th(link, scope="row")]
        for key, _, cls in _TABLE_COLUMNS[1:]:
            masked = row.status == cards.MASKED and key == "estimate"
            cell_class = " ".join(c for c in (cls, "egn-cell--masked" if masked else "") if c)
            cells.append(html.Td(getattr(row, key), className=cell_class or None))
        modifier = {
            cards.MASKED: "egn-row--masked",
            cards.FRAGILE: "egn-row--fragile",
        }.get(row.status, "")
        row_class = " ".join(
            c for c in (modifier, "egn-row--selected" if row.selected else "") if c
        )
        extra: dict[str, Any] = {"aria-current": "true"} if row.selected else {}
        lines.append(html.Tr(cells, className=row_class or None, **extra))
    return table_region(
        html.Table(
            [head, html.Tbody(lines)],
            id=ids.ENQUETES_TABLE,
            className="egn-table",
            **{"aria-labelledby": "enquetes-tableau-titre"},  # type: ignore[arg-type]
        ),
        TABLE_TITLE,
    )


def gapsection(table: pl.DataFrame, selection: cards.Selection, rows: pl.DataFrame) -> html.Section:
    """Two domain pickers and the verdict on their difference, in words."""
    a, b = cards.default_gap_pair(rows, selection.breakdown)
    options = logic.gap_options(rows)
    pickers = html.Div(
        [
            _gap_picker(ids.ENQUETES_GAP_A, "Premier domaine", options, a),
            html.Span("comparé à", className="egn-gap__versus", **{"aria-hidden": "true"}),  # type: ignore[arg-type]
            _gap_picker(ids.ENQUETES_GAP_B, "Second domaine", options, b),
        ],
        className="egn-filters egn-gap__pickers",
    )
    return section(
        "enquetes-ecart-titre",
        GAP_TITLE,
        "La différence entre deux domaines, estimée sur les microdonnées (les deux domaines "
        "partagent strates et établissements : leurs intervalles ne se combinent pas à la "
        f"main), avec son intervalle de confiance et un test au seuil de 5{NBSP}%.",
        [
            pickers,
            html.Div(
                gap_content(table, selection, a, b),
                id=ids.ENQUETES_GAP_RESULT,
                className="egn-gap",
                role="status",
                **{"aria-live": "polite"},  # type: ignore[arg-type]
            ),
        ],
        id=ids.ENQUETES_GAP,
    )


def _gap_picker(
    component_id: str, label: str, options: list[dict[str, str]], value: str | None
) -> html.Div:
    return ui.field(
        label,
        component_id,
        ui.dropdown(
            component_id,
            options,
            value,
            clearable=False,
            searchable=len(options) > 8,
        ),
    )


def gap_content(
    table: pl.DataFrame, selection: cards.Selection, a: object, b: object
) -> list[Component]:
    """The verdict's components for domains ``a`` and ``b`` (codes, or labels from a
    hand-made request). The library is asked only when both name publishable domains of the
    breakdown, and different ones once labels are resolved to codes."""
    rows = cards.domain_rows(table, selection)
    unit = cards.indicator_unit(table, selection.indicator)

    def compute(code_a: str, code_b: str) -> dict[str, Any] | None:
        gap = data_access.indicator_gap(selection.indicator, selection.breakdown, code_a, code_b)
        return gap.row(0, named=True) if gap.height else None

    try:
        summary = cards.gap_verdict(rows, unit, a, b, compute)
    except data_access.GapError as exc:
        return gap_failure(exc)
    if summary is None:
        return gap_failure()
    return [
        html.P(summary.title, className=f"egn-gap__verdict egn-gap__verdict--{summary.kind}"),
        *(html.P(sentence, className="egn-gap__sentence") for sentence in summary.sentences),
    ]


def gap_failure(exc: Exception | None = None) -> list[Component]:
    """The gap could not be computed: say so, with the cause when there is one."""
    verdict = html.P("L'écart n'a pas pu être calculé", className="egn-gap__verdict")
    return [verdict] if exc is None else [verdict, detail(exc)]


def not_built() -> list[Component]:
    """No processed survey table: say how to build them (no traceback, no jargon)."""
    return [
        notices.not_built(
            "Les indicateurs d'enquête ne sont pas encore calculés",
            ["Les tables des enquêtes"],
            data_access.processed_dir(),
            ids.ENQUETES_MISSING,
        )
    ]


def unavailable(exc: Exception) -> list[Component]:
    """The indicators could not be computed: say why, and how to retry."""
    hint: list[Component | str] = [
        "Reconstruisez les tables avec ",
        html.Code("make build"),
        ", puis rechargez la page.",
    ]
    title = "Les indicateurs d'enquête n'ont pas pu être calculés"
    return [notices.unreadable(title, exc, ids.ENQUETES_MISSING, hint=hint)]


# --------------------------------------------------------------------------- callbacks -----


class IndicatorsUnavailableError(RuntimeError):
    """The indicator table cannot be read when a callback fires (tables removed or never
    built, computation failed, empty table): the callback answers in French or not at all."""


def _selection(search: str | None) -> tuple[pl.DataFrame, cards.Selection]:
    """The indicator table and the selection of a URL's search string.

    Raises :class:`IndicatorsUnavailableError` (a French message) instead of the data door's
    errors, so that no callback lets a traceback out when the tables vanish under a page.
    """
    try:
        table = cards.catalogue_table(request_tables())
    except IndicatorNotBuiltError as exc:
        raise IndicatorsUnavailableError(
            "les indicateurs d'enquête ne sont pas calculés : lancez « make build », puis "
            "rechargez la page"
        ) from exc
    except Exception as exc:  # an unreadable table: said in French by the callback
        raise IndicatorsUnavailableError(str(exc)) from exc
    return table, logic.selection_from_search(table, search)


@callback(
    Output(ids.ENQUETES_URL, "search"),
    Input(ids.ENQUETES_INDICATOR, "value"),
    Input(ids.ENQUETES_BREAKDOWN, "value"),
    prevent_initial_call=True,
)
def update_query(indicateur: str | None, ventilation: str | None) -> object:
    """Pickers → URL (canonical: a breakdown the new indicator lacks becomes its default).

    The domain is dropped: it belonged to the previous breakdown. Unknown values fall back
    to the defaults (:func:`cards.parse_selection`); without indicators nothing changes.
    """
    try:
        table, _ = _selection(None)
    except IndicatorsUnavailableError:
        return no_update
    return logic.selection_query(cards.parse_selection(table, indicateur, ventilation))


def clicked_domain(click: object) -> str | None:
    """The domain code of a click on a bar (``customdata[0]``), None for anything else."""
    points = click.get("points") if isinstance(click, dict) else None
    point = points[0] if isinstance(points, list) and points else None
    custom = point.get("customdata") if isinstance(point, dict) else None
    code = custom[0] if isinstance(custom, list) and custom else None
    return code if isinstance(code, str) else None


@callback(
    Output(ids.ENQUETES_URL, "search", allow_duplicate=True),
    Input(CARD.graph, "clickData"),
    State(ids.ENQUETES_URL, "search"),
    prevent_initial_call=True,
)
def select_domain(click: dict[str, Any] | None, search: str | None) -> object:
    """Click on a bar → its domain in the URL (its « Lecture » under the chart); a second
    click on the same bar goes back to the « ensemble » sentence."""
    code = clicked_domain(click)
    if code is None:
        return no_update
    try:
        table, selection = _selection(search)
    except IndicatorsUnavailableError:
        return no_update
    domain = None if code == selection.domain else code
    chosen = cards.parse_selection(table, selection.indicator, selection.breakdown, domain)
    return logic.selection_query(chosen)


@callback(
    Output(ids.ENQUETES_GAP_RESULT, "children"),
    Input(ids.ENQUETES_GAP_A, "value"),
    Input(ids.ENQUETES_GAP_B, "value"),
    State(ids.ENQUETES_URL, "search"),
    prevent_initial_call=True,
)
def update_gap(a: str | None, b: str | None, search: str | None) -> list[Component]:
    """Gap pickers → the verdict, in words."""
    try:
        table, selection = _selection(search)
    except IndicatorsUnavailableError as exc:
        return gap_failure(exc)
    return gap_content(table, selection, a, b)


def _card(_key: str, selection: cards.Selection) -> ChartCard:
    view = {INDICATOR: selection.indicator, BREAKDOWN: selection.breakdown}
    if selection.domain:
        view[DOMAIN] = selection.domain
    return build_card(CARD_KEY, view, request_tables())


#: The chart's data as CSV for Excel FR (masked cells stay empty, status « masqué ») and the
#: card as a publication PNG; nothing (a French status for the PNG) when the indicators cannot
#: be read any more. Plain functions of (key, search), tested directly.
_downloads = CardDownloads(
    build=_card,
    selection_of=lambda search: _selection(search)[1],
    stem=lambda _key, sel: "_".join(p for p in (sel.indicator, sel.breakdown) if p),
    unavailable=(IndicatorsUnavailableError,),
)
download_data = _downloads.data
download_png = _downloads.image
_downloads.register({"estimations": ids.ENQUETES_CARD}, State(ids.ENQUETES_URL, "search"))


NOTE_PREFIX = "enquetes"


def _note_scope(search: str | None) -> Scope:
    """France, or the académie / région the view's domain names (by académie or région)."""
    params = logic.query_params(search)
    return scope_of_breakdown(params.get(logic.BREAKDOWN_PARAM), params.get(logic.DOMAIN_PARAM))


_note = NoteDownload(NOTE_PREFIX, _note_scope)
#: The briefing note of the view's territory (a plain function, tested directly).
download_note = _note.download
_note.register(State(ids.ENQUETES_URL, "search"))


def _page_of(content: list[Component]) -> html.Div:
    return page(TITLE, content, "egn-enquetes")
