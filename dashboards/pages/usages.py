"""Page « Continuité pédagogique (usages numériques) »: what the ENT logs say about 2020.

A leader picks a profile (élèves, parents, enseignants, personnels or all) and a territory
(France, a région académique or an académie) and reads, in order: the daily visits and users
with the closure and the holidays shaded, the CNED « Ma classe à la maison » series beside
them, how much more the ENT were used per school day during the closure than in
January-February (by académie), how use spread to evenings, nights and weekends, the effect of
16 March and 11 May estimated by an interrupted time series with its interval, and the
incidents of 16 March, ENT by ENT.

State lives in the URL (``?profil=…&territoire=…``): the two pickers write it, Dash's router
calls :func:`layout` again with it, so a view can be bookmarked and the back button works.
Every card comes from the library's registry (:func:`egn_analytics.cards.build_card`, cards
of :mod:`egn_analytics.cards.usages`) reading the indicator tables ``egn build`` wrote, so
the page shows what a notebook or a note shows; callbacks only translate an event into those
calls, and tests call them directly. A card whose table is missing or whose model the build
could not fit on a tiny territory says why in its place; the rest of the page still shows.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html
from dash.development.base_component import Component

from dashboards import data_access, ids
from dashboards import usages_logic as logic
from dashboards.components import layout as ui
from dashboards.components import notices
from dashboards.components.chart_card import CardDownloads, chart_card
from dashboards.components.layout import page, section, table_region
from dashboards.components.note_download import NoteDownload, note_block, scope_of_territory
from dashboards.components.notices import alert, detail
from dashboards.components.tables import request_tables
from egn_analytics import cards as registry
from egn_analytics.cards import Tables
from egn_analytics.cards import usages as cards
from egn_analytics.indicators import IndicatorNotBuiltError
from egn_analytics.indicators.usages import CNED
from egn_analytics.notes.model import Scope
from egn_analytics.reference import CLOSURE, REOPENING
from egn_analytics.viz import ChartCard, fmt_date
from egn_analytics.viz.formats import NBSP, NNBSP

PATH = "/usages"
TITLE = "Continuité pédagogique (usages numériques)"

dash.register_page(
    __name__,
    path=PATH,
    name=TITLE,
    title="Continuité pédagogique (usages numériques) — EGN Analytics",
    description="Usages des ENT pendant la fermeture des écoles de 2020 : fréquentation "
    "quotidienne, rapport à janvier-février, horaires, effet estimé de la fermeture, "
    "incidents du 16 mars, et le CNED « Ma classe à la maison ».",
    order=2,
)

#: Card key (file names, :func:`build_card`) → component id of its chart card.
CARDS: dict[str, str] = {
    "chronologie": ids.USAGES_TIMELINE_CARD,
    "cned": ids.USAGES_CNED_CARD,
    "rapport": ids.USAGES_RATIO_CARD,
    "horaires": ids.USAGES_DESYNC_CARD,
    "its": ids.USAGES_ITS_CARD,
    "incidents": ids.USAGES_INCIDENTS_CARD,
}

ITS_TITLE = "Effet estimé de la fermeture et de la réouverture"


def layout(profil: str | None = None, territoire: str | None = None, **_query: str) -> html.Div:
    """Page content for ``/usages?profil=…&territoire=…`` (other parameters ignored)."""
    selection = cards.parse_selection(profil, territoire)
    tables = request_tables()
    try:
        tables.table("usages_national")
    except IndicatorNotBuiltError:
        return _page_of([_location(), not_built()])
    content = ui.page_start(
        ids.USAGES_URL,
        "Ce que disent les journaux de connexion aux espaces numériques de travail (ENT) "
        "de la continuité pédagogique pendant la fermeture des écoles, du 16 mars au "
        "10 mai 2020 : fréquentation jour par jour, comparaison avec janvier-février, "
        "horaires, effet estimé de la fermeture et incidents du premier jour. Choisissez "
        "un profil et un territoire.",
        data_access.synthetic_notice(data_access.raw_dir()),
    )
    content += [
        _filters(selection),
        card_or_alert("chronologie", selection, tables),
        card_or_alert("cned", selection, tables),
        card_or_alert("rapport", selection, tables),
        card_or_alert("horaires", selection, tables),
        its_section(selection, tables),
        card_or_alert("its", selection, tables),
        card_or_alert("incidents", selection, tables),
        note_block(NOTE_PREFIX),
    ]
    return _page_of(content)


def _location() -> dcc.Location:
    return dcc.Location(id=ids.USAGES_URL, refresh="callback-nav")


def _filters(selection: cards.Selection) -> html.Div:
    """Profile and territory pickers; their values go to the URL."""
    territory = ui.dropdown(
        ids.USAGES_TERRITORY,
        logic.territory_options(),
        selection.territory.value,
        clearable=False,
        searchable=True,
        search_order="original",
        maxHeight=360,
    )
    return html.Div(
        [
            ui.radios(
                "Profil",
                ids.USAGES_PROFILE,
                logic.profile_options(),
                selection.profile.slug,
                wide=True,
            ),
            ui.field("Territoire", ids.USAGES_TERRITORY, territory),
        ],
        className="egn-filters egn-usages__filters",
    )


# ------------------------------------------------------------------------- cards -----------


def build_card(key: str, selection: cards.Selection, tables: Tables) -> ChartCard:
    """The chart card ``key`` of a selection (the library's card ``usages.<key>``).

    Raises ``IndicatorNotBuiltError`` or :class:`ValueError` (the caller says it in French).
    """
    return registry.build_card(f"usages.{key}", cards.view_of(selection), tables)


def card_or_alert(key: str, selection: cards.Selection, tables: Tables) -> Component:
    """The card, or a message in its place saying why it cannot be shown."""
    try:
        card = build_card(key, selection, tables)
    except IndicatorNotBuiltError as exc:
        if key == "cned":
            return alert(
                "La série du CNED «\u00a0Ma classe à la maison\u00a0» n'est pas disponible",
                [
                    html.P(
                        [
                            "La table ",
                            html.Code(CNED),
                            " était absente du dossier des tables lors de la dernière "
                            "construction. Ajoutez-la et reconstruisez avec ",
                            html.Code("make build"),
                            " ; les graphiques des ENT n'en dépendent pas.",
                        ]
                    )
                ],
                kind="warning",
                id=f"{CARDS[key]}-indisponible",
            )
        return _failure(key, selection, exc)
    except ValueError as exc:
        return _failure(key, selection, exc)
    return chart_card(card, CARDS[key])


def _failure(key: str, selection: cards.Selection, exc: Exception) -> Component:
    return alert(
        f"Ce graphique n'a pas pu être calculé {cards.for_territory(selection.territory)}",
        [
            detail(exc),
            html.P("Choisissez un autre profil ou un territoire plus large."),
        ],
        kind="warning",
        id=f"{CARDS[key]}-indisponible",
    )


# --------------------------------------------------------------------------- ITS -----------


def its_section(selection: cards.Selection, tables: Tables) -> html.Section:
    """The two level changes as key figures, then every estimated effect in a table."""
    intro = (
        "Un modèle de séries temporelles interrompues compare les visites observées à la "
        "tendance d'avant la fermeture prolongée, à jour de la semaine et vacances comparables "
        f"(modèle sur le logarithme des visites){NBSP}: un changement de niveau est le saut "
        "au jour de la rupture, un changement de pente la variation du rythme quotidien qui "
        "suit. Intervalles de confiance à 95\u202f%."
    )
    try:
        its, _fitted = cards.its_tables(selection, tables)
    except (IndicatorNotBuiltError, ValueError) as exc:
        body: list[Component] = [
            alert(
                "Le modèle n'a pas pu être estimé",
                [detail(exc)],
                kind="warning",
            )
        ]
    else:
        effects = cards.its_effects(its)
        method = its["methode"][0] if its.height else ""
        body = [
            _its_figures(effects),
            effects_table(effects),
            html.P(f"Méthode{NBSP}: {method}.", className="egn-usages__method"),
        ]
    return section(
        f"{ids.USAGES_ITS_EFFECTS}-titre",
        f"{ITS_TITLE}{NBSP}: {cards.view_label(selection)}",
        intro,
        body,
        id=ids.USAGES_ITS_EFFECTS,
    )


def _its_figures(effects: list[cards.Effect]) -> html.Ul:
    tiles = []
    for day, label in ((CLOSURE[0], "Fermeture"), (REOPENING, "Réouverture")):
        effect = cards.level_effect(effects, day)
        if effect is None:
            continue
        verdict = "significatif" if effect.significant else "non significatif"
        tiles.append(
            ui.kpi(
                f"{label} ({fmt_date(day)})",
                effect.value,
                f"visites, changement de niveau{NBSP}; IC à 95{NNBSP}%{NBSP}: "
                f"{effect.interval}, {verdict}",
                muted=not effect.significant,
            )
        )
    return html.Ul(tiles, className="egn-kpis egn-usages__kpis")


def effects_table(effects: list[cards.Effect]) -> html.Div:
    """Every effect of the model: estimate, interval, p-value and verdict."""
    head = html.Thead(
        html.Tr(
            [
                html.Th("Effet", scope="col"),
                html.Th("Estimation", scope="col", className="egn-num"),
                html.Th(f"Intervalle de confiance à 95{NNBSP}%", scope="col", className="egn-num"),
                html.Th("p-valeur", scope="col", className="egn-num"),
                html.Th("Au seuil de 5\u202f%", scope="col"),
            ]
        )
    )
    lines = [
        html.Tr(
            [
                html.Th(effect.label, scope="row"),
                html.Td(effect.value, className="egn-num"),
                html.Td(effect.interval, className="egn-num"),
                html.Td(effect.p_value, className="egn-num"),
                html.Td("significatif" if effect.significant else "non significatif"),
            ]
        )
        for effect in effects
    ]
    return table_region(
        html.Table([head, html.Tbody(lines)], className="egn-table"),
        "Effets estimés",
    )


# ---------------------------------------------------------------------- messages -----------


def not_built() -> Component:
    """No ingested ENT events: say how to build them (no traceback, no jargon)."""
    return notices.not_built(
        "Les journaux des ENT ne sont pas encore ingérés",
        [
            "Les événements ENT (",
            html.Code("ent_evenements"),
            ") ou la table des établissements",
        ],
        data_access.processed_dir(),
        ids.USAGES_MISSING,
    )


# --------------------------------------------------------------------- callbacks -----------


@callback(
    Output(ids.USAGES_URL, "search"),
    Input(ids.USAGES_PROFILE, "value"),
    Input(ids.USAGES_TERRITORY, "value"),
    prevent_initial_call=True,
)
def update_query(profil: str | None, territoire: str | None) -> str:
    """Pickers → URL (canonical: an unknown value becomes its default)."""
    return logic.selection_query(cards.parse_selection(profil, territoire))


_downloads = CardDownloads(
    build=lambda key, selection: build_card(key, selection, request_tables()),
    selection_of=logic.selection_from_search,
    stem=cards.export_stem,
)
#: CSV and PNG of card ``key`` for the view's selection (plain functions, tested directly).
download_data = _downloads.data
download_png = _downloads.image
_downloads.register(CARDS, State(ids.USAGES_URL, "search"))

NOTE_PREFIX = "usages"


def _note_scope(search: str | None) -> Scope:
    """The view's territory: France, a région académique or an académie."""
    territory = logic.selection_from_search(search).territory
    return scope_of_territory(territory.kind, territory.code)


_note = NoteDownload(NOTE_PREFIX, _note_scope)
#: The briefing note of the view's territory (a plain function, tested directly).
download_note = _note.download
_note.register(State(ids.USAGES_URL, "search"))


def _page_of(content: list[Component]) -> html.Div:
    return page(TITLE, content, "egn-usages")
