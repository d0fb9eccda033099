"""Page shown for an unknown address (Dash uses the module named ``not_found_404``)."""

from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Page introuvable", title="Page introuvable")


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Page introuvable"),
            html.P("L'adresse demandée ne correspond à aucune page d'EGN Analytics."),
            html.P(dcc.Link("Revenir à la page Données", href=dash.get_relative_path("/"))),
        ],
        className="egn-page",
    )
