"""Page « Données »: the embedded sources, from the raw folder's ``manifest.json``.

State lives in the URL: the family filter writes ``?famille=…`` and Dash's router calls
:func:`layout` again with it, so a filtered view can be bookmarked or sent by mail and the
browser's back button works. Callbacks only translate an event into a call to
:mod:`dashboards.catalogue` / :mod:`egn_analytics.viz`; tests call them directly.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.development.base_component import Component

from dashboards import catalogue, data_access, ids
from dashboards.components.chart_card import chart_card
from dashboards.components.notices import alert, synthetic_notice
from egn_analytics.viz import RenderUnavailableError, csv_bytes, png_bytes

dash.register_page(
    __name__,
    path="/",
    name="Données",
    title="Données — EGN Analytics",
    description="Sources de données embarquées dans EGN Analytics.",
    order=0,
)

SIZES = ids.card_ids(ids.DONNEES_SIZES_CARD)

MAKE_DATA_TITLE = "Aucune donnée n'est disponible"
PNG_UNAVAILABLE = (
    "L'image n'a pas pu être produite : l'export PNG a besoin de Chromium "
    "(sous Debian : apt-get install chromium). Les données restent téléchargeables en CSV."
)

_COLUMNS = (
    ("famille", "Famille", ""),
    ("fichier", "Fichier", "egn-table__path"),
    ("description", "Description", ""),
    ("format", "Format", ""),
    ("lignes", "Lignes", "egn-num"),
    ("taille", "Taille", "egn-num"),
)


def layout(famille: str | None = None, **_query: str) -> html.Div:
    """Page content for the URL ``/?famille=…`` (unknown query parameters are ignored)."""
    raw = data_access.raw_dir()
    try:
        manifest = data_access.load_manifest(raw)
    except data_access.ManifestNotFoundError:
        return _page(missing_data(raw))
    except data_access.ManifestError as exc:
        return _page(broken_manifest(raw, exc))

    family = catalogue.parse_family(famille, manifest.files)
    shown = catalogue.filter_catalogue(manifest.files, family)
    content: list[Component] = [
        dcc.Location(id=ids.DONNEES_URL, refresh="callback-nav"),
        html.P(
            "Les fichiers bruts que lit EGN Analytics, tels que les décrit le manifeste du "
            "dossier de données. Filtrez par famille de sources ; le filtre est conservé "
            "dans l'adresse de la page.",
            className="egn-lead",
        ),
    ]
    if manifest.synthetic:
        content.append(synthetic_notice(manifest.notice))
    content += [
        html.Div(
            [
                html.Div(
                    [
                        html.Label("Famille de sources", htmlFor=ids.DONNEES_FAMILY),
                        dcc.Dropdown(
                            id=ids.DONNEES_FAMILY,
                            options=catalogue.family_options(manifest.files),
                            value=family,
                            placeholder="Toutes les familles",
                            clearable=True,
                            searchable=False,
                            labels={
                                "clear_selection": "Effacer la sélection",
                                "no_options_found": "Aucune famille",
                                "search": "Rechercher",
                                "clear_search": "Effacer la recherche",
                                "select_all": "Tout sélectionner",
                                "deselect_all": "Tout désélectionner",
                                "selected_count": "{num} sélectionnées",
                            },
                            className="egn-dropdown",
                        ),
                    ],
                    className="egn-field",
                ),
                html.Div(
                    [
                        html.Button(
                            "Télécharger le catalogue (CSV)",
                            id=ids.DONNEES_DOWNLOAD_BUTTON,
                            className="egn-btn",
                            type="button",
                        ),
                        dcc.Download(id=ids.DONNEES_DOWNLOAD),
                    ],
                    className="egn-field egn-field--action",
                ),
            ],
            className="egn-filters",
        ),
        html.P(catalogue.summary(shown), id=ids.DONNEES_SUMMARY, className="egn-summary"),
        catalogue_table(catalogue.display_rows(shown)),
        chart_card(catalogue.sizes_card(manifest, family), ids.DONNEES_SIZES_CARD),
    ]
    return _page(content)


def _page(content: list[Component]) -> html.Div:
    return html.Div([html.H1("Données embarquées"), *content], className="egn-page")


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


def catalogue_table(rows: list[dict[str, str]]) -> html.Div:
    """Plain HTML table (readable by screen readers, printable), values already formatted."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(label, scope="col", className="egn-num" if "egn-num" in cls else None)
                for _, label, cls in _COLUMNS
            ]
        )
    )
    body = html.Tbody(
        [html.Tr([html.Td(row[key], className=cls) for key, _, cls in _COLUMNS]) for row in rows]
    )
    return html.Div(
        html.Table(
            [html.Caption("Fichiers de données embarqués"), head, body],
            id=ids.DONNEES_TABLE,
            className="egn-table",
        ),
        className="egn-table-wrapper",
        tabIndex="0",
        role="region",
        **{"aria-label": "Catalogue des fichiers"},  # type: ignore[arg-type]
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
    Output(ids.DONNEES_DOWNLOAD, "data"),
    Input(ids.DONNEES_DOWNLOAD_BUTTON, "n_clicks"),
    State(ids.DONNEES_FAMILY, "value"),
    prevent_initial_call=True,
)
def download_catalogue(_n_clicks: int | None, famille: str | None) -> dict[str, object]:
    """The (filtered) catalogue as CSV for Excel FR."""
    manifest = data_access.load_manifest(data_access.raw_dir())
    family = catalogue.parse_family(famille, manifest.files)
    table = catalogue.catalogue_export(catalogue.filter_catalogue(manifest.files, family))
    name = catalogue.export_filename("catalogue_sources", family, manifest.synthetic, "csv")
    return dcc.send_bytes(csv_bytes(table), name)


@callback(
    Output(SIZES.data_download, "data"),
    Input(SIZES.data_button, "n_clicks"),
    State(ids.DONNEES_FAMILY, "value"),
    prevent_initial_call=True,
)
def download_sizes_data(_n_clicks: int | None, famille: str | None) -> dict[str, object]:
    """Data of the « sizes by family » card as CSV."""
    manifest = data_access.load_manifest(data_access.raw_dir())
    card = catalogue.sizes_card(manifest, catalogue.parse_family(famille, manifest.files))
    name = catalogue.export_filename("tailles_par_famille", None, card.synthetic, "csv")
    return dcc.send_bytes(csv_bytes(card.data), name)


@callback(
    Output(SIZES.png_download, "data"),
    Output(SIZES.status, "children"),
    Input(SIZES.png_button, "n_clicks"),
    State(ids.DONNEES_FAMILY, "value"),
    prevent_initial_call=True,
)
def download_sizes_png(_n_clicks: int | None, famille: str | None) -> tuple[object, str]:
    """The card as a publication PNG (title, notes); a French message if Chromium is missing."""
    manifest = data_access.load_manifest(data_access.raw_dir())
    card = catalogue.sizes_card(manifest, catalogue.parse_family(famille, manifest.files))
    try:
        image = png_bytes(card)
    except RenderUnavailableError:
        return no_update, PNG_UNAVAILABLE
    name = catalogue.export_filename("tailles_par_famille", None, card.synthetic, "png")
    return dcc.send_bytes(image, name), ""
