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
Every number comes from :mod:`dashboards.data_access` (computed once per state of the input
files, kept in memory and on disk), every figure and sentence from
:mod:`egn_analytics.cards.usages`; callbacks only translate an event into those calls, and tests
call them directly. A card whose figures cannot be computed (a model that cannot be fitted on
a tiny territory, no CNED table) says why in its place; the rest of the page still shows.
"""

from __future__ import annotations

from collections.abc import Callable

import dash
from dash import Input, Output, State, callback, dcc, html
from dash.development.base_component import Component

from dashboards import data_access, ids
from dashboards import usages_logic as logic
from dashboards.components import notices
from dashboards.components.chart_card import (
    CardDownloads,
    chart_card,
)
from dashboards.components.layout import DROPDOWN_LABELS, page, section, table_region
from dashboards.components.notices import alert, detail, synthetic_notice
from egn_analytics.cards import usages as cards
from egn_analytics.reference import CLOSURE, REOPENING, Territory
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
    try:
        data_access.usage_inputs(data_access.processed_dir())
    except data_access.UsageNotBuiltError:
        return _page_of([_location(), not_built()])
    synthetic = _synthetic()
    content: list[Component] = [
        _location(),
        html.P(
            "Ce que disent les journaux de connexion aux espaces numériques de travail (ENT) "
            "de la continuité pédagogique pendant la fermeture des écoles, du 16 mars au "
            "10 mai 2020 : fréquentation jour par jour, comparaison avec janvier-février, "
            "horaires, effet estimé de la fermeture et incidents du premier jour. Choisissez "
            "un profil et un territoire.",
            className="egn-lead",
        ),
    ]
    notice = data_access.synthetic_notice(data_access.raw_dir())
    if notice:
        content.append(synthetic_notice(notice))
    content += [
        _filters(selection),
        card_or_alert("chronologie", selection, synthetic),
        card_or_alert("cned", selection, synthetic),
        card_or_alert("rapport", selection, synthetic),
        card_or_alert("horaires", selection, synthetic),
        its_section(selection),
        card_or_alert("its", selection, synthetic),
        card_or_alert("incidents", selection, synthetic),
    ]
    return _page_of(content)


def _location() -> dcc.Location:
    return dcc.Location(id=ids.USAGES_URL, refresh="callback-nav")


def _synthetic() -> bool:
    return data_access.synthetic_notice(data_access.raw_dir()) is not None


def _filters(selection: cards.Selection) -> html.Div:
    """Profile and territory pickers; their values go to the URL."""
    return html.Div(
        [
            html.Fieldset(
                [
                    html.Legend("Profil", className="egn-radios__legend"),
                    dcc.RadioItems(
                        id=ids.USAGES_PROFILE,
                        options=logic.profile_options(),
                        value=selection.profile.slug,
                        inline=True,
                        className="egn-radios",
                    ),
                ],
                className="egn-field egn-field--wide egn-fieldset",
            ),
            html.Div(
                [
                    html.Label("Territoire", htmlFor=ids.USAGES_TERRITORY),
                    dcc.Dropdown(
                        id=ids.USAGES_TERRITORY,
                        options=logic.territory_options(),
                        value=selection.territory.value,
                        clearable=False,
                        searchable=True,
                        search_order="original",
                        maxHeight=360,
                        labels=DROPDOWN_LABELS,
                        className="egn-dropdown",
                    ),
                ],
                className="egn-field",
            ),
        ],
        className="egn-filters egn-usages__filters",
    )


# ------------------------------------------------------------------------- cards -----------


def _academies(selection: cards.Selection) -> tuple[str, ...]:
    """The académies to filter on (none for France: the national figures are used)."""
    return () if selection.territory.kind == "france" else selection.territory.academies


def _timeline(selection: cards.Selection, synthetic: bool) -> ChartCard:
    processed = data_access.processed_dir()
    rows = cards.timeline_rows(
        data_access.usage_daily(processed),
        data_access.usage_regions(processed),
        data_access.usage_national(processed),
        selection,
    )
    return cards.timeline_card(rows, selection, synthetic=synthetic)


def _cned(_selection: cards.Selection, synthetic: bool) -> ChartCard:
    return cards.cned_card(data_access.usage_cned(data_access.processed_dir()), synthetic=synthetic)


def _ratio(selection: cards.Selection, synthetic: bool) -> ChartCard:
    ratio = data_access.usage_closure_ratio(
        selection.profile.value, processed=data_access.processed_dir()
    )
    return cards.ratio_card(ratio, selection, synthetic=synthetic)


def _desync(selection: cards.Selection, synthetic: bool) -> ChartCard:
    rows = data_access.usage_desynchronisation(
        _academies(selection), selection.profile.value, data_access.processed_dir()
    )
    return cards.desync_card(rows, selection, synthetic=synthetic)


def _its(selection: cards.Selection, synthetic: bool) -> ChartCard:
    where, profile = _academies(selection), selection.profile.value
    processed = data_access.processed_dir()
    fitted = data_access.usage_its_fitted(where, profile, processed=processed)
    its = data_access.usage_its(where, profile, processed=processed)
    return cards.its_card(fitted, its, selection, synthetic=synthetic)


def _incidents(selection: cards.Selection, synthetic: bool) -> ChartCard:
    processed = data_access.processed_dir()
    return cards.incidents_card(
        data_access.usage_saturation(processed),
        data_access.usage_projects(processed),
        selection,
        synthetic=synthetic,
    )


#: How each card is built (key → function of the selection and the synthetic flag).
_BUILDERS: dict[str, Callable[[cards.Selection, bool], ChartCard]] = {
    "chronologie": _timeline,
    "cned": _cned,
    "rapport": _ratio,
    "horaires": _desync,
    "its": _its,
    "incidents": _incidents,
}


def build_card(key: str, selection: cards.Selection, synthetic: bool) -> ChartCard:
    """The chart card ``key`` of a selection, from the cached usage figures.

    Raises what :mod:`dashboards.data_access` raises (the caller says it in French).
    """
    return _BUILDERS[key](selection, synthetic)


_CARD_FAILURES = (
    data_access.UsageError,
    data_access.UsageNotBuiltError,
    data_access.CnedNotBuiltError,
    ValueError,
)


def card_or_alert(key: str, selection: cards.Selection, synthetic: bool) -> Component:
    """The card, or a message in its place saying why it cannot be shown."""
    try:
        card = build_card(key, selection, synthetic)
    except data_access.CnedNotBuiltError:
        return alert(
            "La série du CNED «\u00a0Ma classe à la maison\u00a0» n'est pas disponible",
            [
                html.P(
                    [
                        "La table ",
                        html.Code(data_access.USAGE_CNED),
                        " est absente du dossier des tables. Construisez-la avec ",
                        html.Code("make build"),
                        " ; les graphiques des ENT n'en dépendent pas.",
                    ]
                )
            ],
            kind="warning",
            id=f"{CARDS[key]}-indisponible",
        )
    except _CARD_FAILURES as exc:
        return alert(
            f"Ce graphique n'a pas pu être calculé {_for(selection.territory)}",
            [
                detail(exc),
                html.P("Choisissez un autre profil ou un territoire plus large."),
            ],
            kind="warning",
            id=f"{CARDS[key]}-indisponible",
        )
    return chart_card(card, CARDS[key])


def _for(territory: Territory) -> str:
    """« pour l'académie de Lille », « pour la région académique Bretagne », « pour la France »."""
    if territory.kind == "france":
        return "pour la France"
    return "pour " + territory.of.removeprefix("de ")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text != "France" else text


# --------------------------------------------------------------------------- ITS -----------


def its_section(selection: cards.Selection) -> html.Section:
    """The two level changes as key figures, then every estimated effect in a table."""
    intro = (
        "Un modèle de séries temporelles interrompues compare les visites observées à la "
        "tendance d'avant la fermeture prolongée, à jour de la semaine et vacances comparables "
        f"(modèle sur le logarithme des visites){NBSP}: un changement de niveau est le saut "
        "au jour de la rupture, un changement de pente la variation du rythme quotidien qui "
        "suit. Intervalles de confiance à 95\u202f%."
    )
    try:
        its = data_access.usage_its(
            _academies(selection), selection.profile.value, processed=data_access.processed_dir()
        )
    except (data_access.UsageError, data_access.UsageNotBuiltError) as exc:
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
        f"{ITS_TITLE}{NBSP}: {_lower_first(selection.territory.label)}, "
        f"{selection.profile.label.lower()}",
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
            html.Li(
                [
                    html.P(f"{label} ({fmt_date(day)})", className="egn-kpi__label"),
                    html.P(effect.value, className="egn-kpi__value"),
                    html.P(
                        f"visites, changement de niveau{NBSP}; IC à 95{NNBSP}%{NBSP}: "
                        f"{effect.interval}, {verdict}",
                        className="egn-kpi__detail",
                    ),
                ],
                className="egn-kpi" + ("" if effect.significant else " egn-kpi--muted"),
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
            html.Code(data_access.USAGE_EVENTS),
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
    build=lambda key, selection: build_card(key, selection, _synthetic()),
    selection_of=logic.selection_from_search,
    stem=cards.export_stem,
)
#: CSV and PNG of card ``key`` for the view's selection (plain functions, tested directly).
download_data = _downloads.data
download_png = _downloads.image
_downloads.register(CARDS, State(ids.USAGES_URL, "search"))


def _page_of(content: list[Component]) -> html.Div:
    return page(TITLE, content, "egn-usages")
