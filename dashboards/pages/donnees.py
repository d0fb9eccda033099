"""Page « Données »: the embedded sources, from the raw folder's ``manifest.json``.

Read from the top down, it answers a leader first and a statistician last: key figures, one
line per dataset (« Sources embarquées »), what the last build kept and rejected (« Qualité des
données », from ``processed/qualite.json``), the size chart, then the per-file detail,
paginated so that 142 files do not make a page ten thousand pixels long.

State lives in the URL: the family filter writes ``?famille=…`` and Dash's router calls
:func:`layout` again with it, so a filtered view can be bookmarked or sent by mail and the
browser's back button works. Callbacks only translate an event into a call to
:mod:`egn_analytics.cards.donnees` (the filter's URL and options: :mod:`dashboards.catalogue`);
tests call them directly.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html
from dash.dash_table.DataTable import DataTable
from dash.development.base_component import Component

from dashboards import catalogue, data_access, ids
from dashboards.components import layout as ui
from dashboards.components.chart_card import CardDownloads, chart_card
from dashboards.components.layout import (
    DROPDOWN_LABELS,
    column_heads,
    grouped_body,
    page,
    section,
    table_region,
)
from dashboards.components.note_download import NoteDownload, national_scope, note_block
from dashboards.components.notices import alert, build_hint, unreadable
from egn_analytics.cards import Tables, build_card
from egn_analytics.cards import donnees as cards
from egn_analytics.viz import ChartCard, csv_bytes
from egn_analytics.viz.formats import NBSP

dash.register_page(
    __name__,
    path="/",
    name="Données",
    title="Données — EGN Analytics",
    description="Sources de données embarquées dans EGN Analytics.",
    order=0,
)

SIZES = ids.card_ids(ids.DONNEES_SIZES_CARD)
#: The page's card in the library's registry.
SIZES_KEY = "donnees.tailles"

MAKE_DATA_TITLE = "Aucune donnée n'est disponible"

QUALITY_TITLE = "Qualité des données (dernière construction)"
#: Columns of « Qualité des données »: (field of :class:`cards.QualityRow`, header, class).
_QUALITY_COLUMNS = (
    ("table", "Table", ""),
    ("lues", "Lignes lues", "egn-num"),
    ("acceptees", "Acceptées", "egn-num"),
    ("rejetees", "Rejetées", "egn-num"),
    ("part", "Part rejetée", "egn-num"),
    ("motifs", "Principaux motifs", ""),
)

#: Rows per page of the detail table: a screen's worth, so the page stays short.
DETAIL_PAGE_SIZE = 15

#: Columns of « Sources embarquées »: (key of :func:`cards.dataset_rows`, header, class).
_DATASET_COLUMNS = (
    ("famille", "Famille", ""),
    ("jeu", "Jeu de données", ""),
    ("fichiers", "Fichiers", "egn-num"),
    ("formats", "Formats", "egn-table__formats"),
    ("lignes", "Lignes", "egn-num"),
    ("taille", "Taille", "egn-num"),
)
#: Columns of the detail table: (key of :func:`cards.display_rows`, header).
_COLUMNS = (
    ("famille", "Famille"),
    ("fichier", "Fichier"),
    ("description", "Description"),
    ("format", "Format"),
    ("lignes", "Lignes"),
    ("taille", "Taille"),
)
_NUMERIC = ("lignes", "taille")


def layout(famille: str | None = None, **_query: str) -> html.Div:
    """Page content for the URL ``/?famille=…`` (unknown query parameters are ignored)."""
    raw = data_access.raw_dir()
    try:
        manifest = data_access.load_manifest(raw)
    except data_access.ManifestNotFoundError:
        return _page_of(missing_data(raw))
    except data_access.ManifestError as exc:
        return _page_of(broken_manifest(raw, exc))

    family = cards.parse_family(famille, manifest.files)
    shown = cards.filter_catalogue(manifest.files, family)
    content = ui.page_start(
        ids.DONNEES_URL,
        "Les données que lit EGN Analytics, telles que les décrit le manifeste du dossier "
        "de données : les chiffres clés, une ligne par jeu de données, puis le détail "
        "fichier par fichier.",
        manifest.notice if manifest.synthetic else None,
    )
    content += [
        key_figures(cards.key_figures(manifest.files)),
        section(
            "donnees-jeux-titre",
            "Sources embarquées",
            "Une ligne par jeu de données : les formats d'une même enquête, les fichiers "
            "mensuels d'un journal et les documents d'un même dossier sont regroupés. Les "
            "lignes sont les enregistrements de données, comptés une fois quel que soit le "
            "format ; « n.d. » pour les textes libres.",
            [datasets_table(cards.dataset_rows(manifest.files))],
        ),
        qualitysection(),
        chart_card(_sizes_card(family), ids.DONNEES_SIZES_CARD),
        section(
            "donnees-detail-titre",
            "Détail des fichiers",
            "Un fichier par ligne, pour retrouver un chemin, un format ou une taille. Cliquez "
            "sur un en-tête de colonne pour trier ; le filtre par famille est conservé dans "
            "l'adresse de la page.",
            [
                _filters(manifest.files, family),
                html.P(cards.summary(shown), id=ids.DONNEES_SUMMARY, className="egn-summary"),
                detail_table(cards.display_rows(shown)),
            ],
            id=ids.DONNEES_DETAIL,
        ),
        note_block(NOTE_PREFIX),
    ]
    return _page_of(content)


def _filters(files: pl.DataFrame, family: str | None) -> html.Div:
    """Family filter (its value goes to the URL) and the catalogue download."""
    return html.Div(
        [
            ui.field(
                "Famille de sources",
                ids.DONNEES_FAMILY,
                ui.dropdown(
                    ids.DONNEES_FAMILY,
                    catalogue.family_options(files),
                    family,
                    placeholder="Toutes les familles",
                    clearable=True,
                    searchable=False,
                    labels={
                        **DROPDOWN_LABELS,
                        "no_options_found": "Aucune famille",
                        "selected_count": "{num} sélectionnées",
                    },
                ),
            ),
            html.Div(
                [
                    ui.button(
                        "Télécharger le catalogue (CSV)",
                        ids.DONNEES_DOWNLOAD_BUTTON,
                        secondary=False,
                    ),
                    dcc.Download(id=ids.DONNEES_DOWNLOAD),
                ],
                className="egn-field egn-field--action",
            ),
        ],
        className="egn-filters",
    )


def key_figures(figures: list[cards.KeyFigure]) -> html.Section:
    """Tiles « label / value / detail », the first thing a reader sees under the title."""
    return html.Section(
        [
            html.H2("Chiffres clés", className="egn-visually-hidden"),
            html.Ul(
                [ui.kpi(f.label, f.value, f.detail) for f in figures],
                className="egn-kpis",
            ),
        ],
        id=ids.DONNEES_KEY_FIGURES,
        **{"aria-label": "Chiffres clés"},  # type: ignore[arg-type]
    )


def datasets_table(rows: list[dict[str, str]]) -> html.Div:
    """« Sources embarquées »: plain HTML table, one body per family (its name spans the rows).

    Plain HTML rather than a DataTable: about twenty lines need neither paging nor sorting,
    and a real table reads well with a screen reader and prints.
    """
    head = column_heads(_DATASET_COLUMNS)
    bodies = []
    for family, group in groupby(rows, key=lambda row: row["famille"]):
        cells = [
            [html.Td(row[key], className=cls or None) for key, _, cls in _DATASET_COLUMNS[1:]]
            for row in group
        ]
        bodies.append(grouped_body(family, cells))
    return table_region(
        html.Table(
            [head, *bodies],
            id=ids.DONNEES_DATASETS,
            className="egn-table egn-table--grouped",
            **{"aria-labelledby": "donnees-jeux-titre"},  # type: ignore[arg-type]
        ),
        "Sources embarquées",
    )


def qualitysection() -> html.Section:
    """« Qualité des données »: the last build's report, or how to build the tables."""
    processed = data_access.processed_dir()
    children: list[Component]
    try:
        report = data_access.load_quality_report(processed)
    except data_access.QualityReportNotFoundError:
        children = [not_built()]
    except data_access.QualityReportError as exc:
        children = [broken_quality_report(data_access.quality_report_path(processed), exc)]
    else:
        children = quality_content(report)
    return section(
        "donnees-qualite-titre",
        QUALITY_TITLE,
        "Ce que la dernière construction des tables a lu dans chaque source, ce qu'elle a "
        "accepté et ce qu'elle a rejeté, avec les motifs de rejet les plus fréquents. Les "
        f"lignes rejetées ne sont pas corrigées{NBSP}: elles sont mises de côté avec leur motif.",
        children,
        id=ids.DONNEES_QUALITY,
    )


def not_built() -> html.P:
    """The tables were never built: one sentence saying how to build them."""
    return html.P(
        build_hint(f"Les tables n'ont pas encore été construites{NBSP}: lancez ", ")."),
        id=ids.DONNEES_QUALITY_MISSING,
        className="egn-quality__missing",
    )


def broken_quality_report(path: object, exc: Exception) -> html.Div:
    """The report exists but cannot be read: which file, why, and how to rewrite it."""
    file = html.P(["Le fichier ", html.Code(str(path)), " n'a pas pu être lu."])
    title = "Le rapport de qualité est illisible"
    return unreadable(title, exc, ids.DONNEES_QUALITY_MISSING, before=[file])


def quality_content(report: data_access.QualityReport) -> list[Component]:
    """The table, the invariant's verdict (red when broken), sources that failed, the source."""
    check = cards.quality_check(report)
    verdict: dict[str, Any] = {} if check.consistent else {"role": "alert"}
    content: list[Component] = [
        quality_table(cards.quality_rows(report)),
        html.P(
            check.message,
            id=ids.DONNEES_QUALITY_CHECK,
            className="egn-quality__check "
            + ("egn-quality__check--ok" if check.consistent else "egn-quality__check--bad"),
            **verdict,
        ),
    ]
    if check.failed:
        content.append(html.P(check.failed, className="egn-quality__failed"))
    content.append(html.P(cards.quality_source(report), className="egn-quality__source"))
    return content


def _quality_cell(row: cards.QualityRow, key: str, cls: str) -> Component:
    if key == "table":
        flag = {"incoherent": " (incohérente)", "echec": " (non construite)"}.get(row.status)
        label: list[Component | str] = [row.table]
        if flag:
            label.append(html.Span(flag, className="egn-quality__flag"))
        return html.Th(label, scope="row")
    if key == "motifs":
        if len(row.motifs) == 1:
            return html.Td(row.motifs[0])
        return html.Td(html.Ul([html.Li(m) for m in row.motifs], className="egn-table__list"))
    return html.Td(getattr(row, key), className=cls or None)


def quality_table(rows: list[cards.QualityRow]) -> html.Div:
    """One line per built table; a line breaking the invariant is flagged (text and red)."""
    head = column_heads(_QUALITY_COLUMNS)
    body = html.Tbody(
        [
            html.Tr(
                [_quality_cell(row, key, cls) for key, _, cls in _QUALITY_COLUMNS],
                className=None if row.status == "ok" else f"egn-quality--{row.status}",
            )
            for row in rows
        ]
    )
    return table_region(
        html.Table(
            [head, body],
            id=ids.DONNEES_QUALITY_TABLE,
            className="egn-table",
            **{"aria-labelledby": "donnees-qualite-titre"},  # type: ignore[arg-type]
        ),
        QUALITY_TITLE,
    )


def missing_data(raw: object) -> list[Component]:
    """What to do when there is no manifest: generate the data (no traceback, no jargon)."""
    return [
        alert(
            MAKE_DATA_TITLE,
            [
                html.P(
                    [
                        "Le fichier manifest.json est introuvable dans le dossier ",
                        html.Code(str(raw)),
                        ".",
                    ]
                ),
                html.P(
                    [
                        "Générez le jeu de données synthétiques avec la commande ",
                        html.Code("make data"),
                        " (à lancer à la racine du projet), puis rechargez cette page.",
                    ]
                ),
            ],
            kind="warning",
            id=ids.DONNEES_MISSING,
        )
    ]


def broken_manifest(raw: object, exc: Exception) -> list[Component]:
    """The manifest exists but cannot be read: say which file, suggest regenerating it."""
    return [
        alert(
            "Le manifeste des données est illisible",
            [
                html.P(["Le fichier ", html.Code(f"{raw}/manifest.json"), " n'a pas pu être lu."]),
                html.P(["Détail : ", html.Code(str(exc))]),
                html.P(
                    ["Régénérez les données avec ", html.Code("make data"), ", puis rechargez."]
                ),
            ],
            kind="error",
            id=ids.DONNEES_MISSING,
        )
    ]


def detail_table(rows: list[dict[str, str]]) -> DataTable:
    """Per-file detail: paged, sorted by the server on raw values (see :func:`sort_detail`).

    Values arrive formatted in French; sorting them in the browser would put « 9,7 ko » after
    « 12,3 Mo », hence ``sort_action="custom"``.
    """
    data: list[Any] = list(rows)  # DataTable's stubs want dict[str | float | int, ...]
    return DataTable(
        id=ids.DONNEES_TABLE,
        columns=[{"name": label, "id": key} for key, label in _COLUMNS],
        data=data,
        page_action="native",
        page_size=DETAIL_PAGE_SIZE,
        page_current=0,
        sort_action="custom",
        sort_mode="single",
        sort_by=[],
        cell_selectable=False,
        style_as_list_view=True,
        style_table={"overflowX": "auto"},
        style_cell={
            "fontFamily": "var(--egn-font)",
            "fontSize": "0.9375rem",
            "color": "var(--egn-text)",
            "textAlign": "left",
            "padding": "0.5rem 0.75rem",
            "whiteSpace": "normal",
            "height": "auto",
            "verticalAlign": "top",
            "borderBottom": "1px solid var(--egn-border)",
        },
        style_header={
            "backgroundColor": "var(--egn-grey-bg)",
            "fontWeight": "700",
            "borderBottom": "2px solid var(--egn-text)",
            "whiteSpace": "nowrap",
        },
        style_cell_conditional=[
            *(
                {
                    "if": {"column_id": key},
                    "textAlign": "right",
                    "whiteSpace": "nowrap",
                    "fontVariantNumeric": "tabular-nums",
                }
                for key in _NUMERIC
            ),
            {
                "if": {"column_id": "fichier"},
                "fontFamily": '"DejaVu Sans Mono", "Courier New", monospace',
                "fontSize": "0.8125rem",
                "wordBreak": "break-all",
                "width": "32%",
            },
            {"if": {"column_id": "famille"}, "width": "12%"},
        ],
        style_data_conditional=[{"if": {"row_index": "odd"}, "backgroundColor": "#fbfbfb"}],
    )


# --------------------------------------------------------------------------- callbacks -----


@callback(
    Output(ids.DONNEES_URL, "search"),
    Input(ids.DONNEES_FAMILY, "value"),
    prevent_initial_call=True,
)
def update_query(famille: str | None) -> str:
    """Filter → URL; the router then re-renders :func:`layout` from the new query."""
    return catalogue.family_query(famille)


@callback(
    Output(ids.DONNEES_TABLE, "data"),
    Output(ids.DONNEES_TABLE, "page_current"),
    Input(ids.DONNEES_TABLE, "sort_by"),
    State(ids.DONNEES_FAMILY, "value"),
    prevent_initial_call=True,
)
def sort_detail(
    sort_by: list[dict[str, str]] | None, famille: str | None
) -> tuple[list[dict[str, str]], int]:
    """Header click → rows sorted on raw values, back to the first page (where the top is)."""
    manifest = data_access.load_manifest(data_access.raw_dir())
    family = cards.parse_family(famille, manifest.files)
    rows = cards.display_rows(cards.filter_catalogue(manifest.files, family), sort_by)
    return rows, 0


@callback(
    Output(ids.DONNEES_DOWNLOAD, "data"),
    Input(ids.DONNEES_DOWNLOAD_BUTTON, "n_clicks"),
    State(ids.DONNEES_FAMILY, "value"),
    prevent_initial_call=True,
)
def download_catalogue(_n_clicks: int | None, famille: str | None) -> dict[str, object]:
    """The (filtered) catalogue as CSV for Excel FR."""
    manifest = data_access.load_manifest(data_access.raw_dir())
    family = cards.parse_family(famille, manifest.files)
    table = cards.catalogue_export(cards.filter_catalogue(manifest.files, family))
    name = catalogue.export_filename("catalogue_sources", family, manifest.synthetic, "csv")
    return dcc.send_bytes(csv_bytes(table), name)


def _sizes_card(famille: str | None) -> ChartCard:
    """The « sizes by family » card of the library's registry, for the family of the URL (an
    unknown one means all): read from the manifest beside the tables this request reads."""
    return build_card(SIZES_KEY, {"famille": famille}, Tables(data_access.processed_dir()))


#: CSV and PNG of the « sizes by family » card for the family of the URL (plain functions of
#: (key, family), tested directly; the card key is ignored: the page has one card).
_downloads = CardDownloads(
    build=lambda _key, famille: _sizes_card(famille),
    selection_of=lambda famille: famille,
    stem=lambda _key, _famille: "tailles_par_famille",
)
download_sizes_data = _downloads.data
download_sizes_png = _downloads.image
_downloads.register({"tailles": ids.DONNEES_SIZES_CARD}, State(ids.DONNEES_FAMILY, "value"))

NOTE_PREFIX = "donnees"
_note = NoteDownload(NOTE_PREFIX, national_scope)
#: The briefing note of France (the page is national; a plain function, tested directly).
download_note = _note.download
_note.register(State(ids.DONNEES_URL, "search"))


def _page_of(content: list[Component]) -> html.Div:
    return page("Données embarquées", content)
