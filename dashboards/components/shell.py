"""The app shell: header, permanent synthetic-data banner, navigation, page, footer.

``app_shell`` is given to Dash as a *function* (``app.layout = app_shell``): it is called at
each page load, so the banner follows the data folder's manifest (generate the data while the
app runs, reload, and the banner is there) without a restart.
"""

from __future__ import annotations

import dash
from dash import html
from dash.development.base_component import Component

from dashboards import data_access, ids
from dashboards.components.navbar import navbar
from egn_analytics import __version__
from egn_analytics.viz.formats import NBSP

PRODUCT = "EGN Analytics"
PRODUCT_SUBTITLE = "États généraux du numérique pour l'éducation"


def header() -> html.Header:
    """Product name; no Marianne logo or « République française » block: this is not an
    official ministry site, only a tool built for its analysts."""
    return html.Header(
        html.Div(
            html.P(
                [
                    html.Span(PRODUCT, className="egn-header__name"),
                    html.Span(f" — {PRODUCT_SUBTITLE}", className="egn-header__tagline"),
                ],
                className="egn-header__brand",
            ),
            className="egn-container",
        ),
        id=ids.HEADER,
        className="egn-header",
    )


def synthetic_banner(notice: str) -> html.Div:
    """Banner shown on every page while the data are synthetic (sticky: always in view).

    The notice's head (« Données synthétiques » before the colon) is set in bold.
    """
    head, sep, rest = notice.partition(":")
    text: list[Component | str] = (
        [html.Strong(head.strip()), f"{NBSP}:{rest}"] if sep and rest.strip() else [notice]
    )
    return html.Div(
        html.Div(
            [
                html.Span("!", className="egn-banner__icon", **{"aria-hidden": "true"}),  # type: ignore[arg-type]
                html.P(text),
            ],
            className="egn-container egn-banner__inner",
        ),
        id=ids.SYNTHETIC_BANNER,
        className="egn-banner",
        role="note",
        **{"aria-label": "Avertissement : données synthétiques"},  # type: ignore[arg-type]
    )


def footer() -> html.Footer:
    return html.Footer(
        html.Div(
            [
                html.P(
                    f"{PRODUCT} {__version__} — outil d'analyse hors ligne : "
                    "aucune donnée ne quitte ce poste, aucune ressource n'est chargée depuis "
                    "Internet."
                ),
                html.P(
                    "Indicateurs de continuité pédagogique et d'équipement numérique, "
                    "États généraux du numérique pour l'éducation (2020)."
                ),
            ],
            className="egn-container",
        ),
        id=ids.FOOTER,
        className="egn-footer",
    )


def app_shell() -> html.Div:
    """Whole-page layout around ``dash.page_container`` (called by Dash at each page load)."""
    notice = data_access.synthetic_notice(data_access.raw_dir())
    return html.Div(
        [
            html.A("Aller au contenu", href="#" + ids.MAIN, className="egn-skip-link"),
            header(),
            synthetic_banner(notice) if notice else None,
            html.Div(navbar(), className="egn-nav-bar"),
            html.Main(
                dash.page_container,
                id=ids.MAIN,
                className="egn-container egn-main",
                tabIndex="-1",
            ),
            footer(),
        ],
        id=ids.SHELL,
    )
