"""The one Plotly template of the product, registered as ``"egn"``, and the Graph config.

Why one template: a figure made in a notebook, shown in the dashboard or exported for a
briefing note must look the same, so colours, fonts, separators and grid live here and the
builders only say what is specific to a chart.

Design choices (inspired by the Système de design de l'État, DSFR, without its assets):

* **Colours.** Bleu France ``#000091`` is the identity colour and the first series; rouge
  Marianne ``#E1000F`` is kept for emphasis (alerts, a highlighted value), never a series,
  because red next to green is what colour-blind readers confuse. The categorical palette
  (:data:`CATEGORICAL`) is bleu France followed by the Okabe–Ito colours, chosen to stay
  distinguishable under deuteranopia, protanopia and tritanopia; yellow comes last because it
  is pale on white.
* **Font.** ``Marianne, Arial, sans-serif``: Marianne is used if installed on the machine but
  never downloaded (the product works offline; nothing comes from a CDN); Arial, then the
  system sans-serif, is the fallback.
* **Numbers.** ``separators`` = decimal comma + U+202F, so ticks read ``94,2`` and
  ``1 234 567`` exactly as :mod:`egn_analytics.viz.formats` prints them.
* **Layout.** Left-aligned title, light horizontal grid only, no zero line, legend on top
  (the bottom of a publication figure holds the Lecture/Champ/Source notes).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from egn_analytics.viz.formats import PLOTLY_SEPARATORS

TEMPLATE_NAME = "egn"

BLEU_FRANCE = "#000091"
ROUGE_MARIANNE = "#E1000F"
#: Text, secondary text, axis lines, grid, backgrounds (DSFR neutral greys).
GREY_TEXT = "#161616"
GREY_MUTED = "#666666"
GREY_AXIS = "#929292"
GREY_GRID = "#E5E5E5"
GREY_BACKGROUND = "#F6F6F6"
#: De-emphasised bars when one category is highlighted.
GREY_MUTED_BAR = "#C1C1FB"

FONT_FAMILY = "Marianne, Arial, sans-serif"

#: Categorical palette: bleu France, then Okabe–Ito (colour-blind safe), yellow last.
CATEGORICAL: tuple[str, ...] = (
    BLEU_FRANCE,
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#0072B2",  # blue
    "#F0E442",  # yellow
)

#: Sequential scale from a pale blue to bleu France (maps, heatmaps).
SEQUENTIAL: tuple[tuple[float, str], ...] = (
    (0.0, "#F5F5FE"),
    (0.25, "#CACAFB"),
    (0.5, "#8585F6"),
    (0.75, "#3A3ADB"),
    (1.0, BLEU_FRANCE),
)


def _axis() -> dict[str, Any]:
    return {
        "automargin": True,
        "showgrid": False,
        "zeroline": False,
        "showline": True,
        "linecolor": GREY_AXIS,
        "linewidth": 1,
        "ticks": "outside",
        "tickcolor": GREY_AXIS,
        "ticklen": 4,
        "tickfont": {"color": GREY_TEXT, "size": 12},
        "title": {"font": {"color": GREY_MUTED, "size": 12}, "standoff": 8},
        "gridcolor": GREY_GRID,
        "gridwidth": 1,
        # "1 200" like fmt_number, not "1200" (d3 only groups from 5 digits by default).
        "separatethousands": True,
    }


def build_template() -> go.layout.Template:
    """Build a fresh template object (no registration, no global state)."""
    xaxis = _axis()
    yaxis = _axis() | {"showgrid": True, "showline": False, "ticks": ""}
    layout = go.Layout(
        font={"family": FONT_FAMILY, "size": 13, "color": GREY_TEXT},
        separators=PLOTLY_SEPARATORS,
        colorway=list(CATEGORICAL),
        colorscale={"sequential": [list(stop) for stop in SEQUENTIAL]},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        title={
            "x": 0,
            "xanchor": "left",
            "xref": "paper",
            "font": {"size": 18, "color": GREY_TEXT, "weight": 700},
            "subtitle": {"font": {"size": 13, "color": GREY_MUTED}},
        },
        xaxis=xaxis,
        yaxis=yaxis,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.02,
            "yanchor": "bottom",
            "title": {"text": ""},
            "font": {"size": 12},
        },
        hoverlabel={"font": {"family": FONT_FAMILY, "size": 13}, "bgcolor": "#FFFFFF"},
        margin={"l": 16, "r": 24, "t": 24, "b": 16},
        bargap=0.3,
    )
    data = {
        "bar": [go.Bar(marker={"line": {"width": 0}}, textfont={"color": GREY_TEXT})],
        "scatter": [go.Scatter(line={"width": 2.5}, marker={"size": 7})],
    }
    return go.layout.Template(layout=layout, data=data)


def register_template() -> None:
    """Register (or re-register) the ``"egn"`` template; idempotent, does not touch the default."""
    pio.templates[TEMPLATE_NAME] = build_template()


def apply_theme() -> None:
    """Register the template and make it Plotly's default; calling it again changes nothing.

    Notebooks call it once; builders do not rely on it, they set ``template="egn"`` themselves.
    """
    if TEMPLATE_NAME not in pio.templates:
        register_template()
    pio.templates.default = TEMPLATE_NAME


def template() -> go.layout.Template:
    """The registered ``"egn"`` template (registering it on first use)."""
    if TEMPLATE_NAME not in pio.templates:
        register_template()
    return pio.templates[TEMPLATE_NAME]


#: plotly.js locale shipped inline (no locale script to fetch): French month and day names
#: for date axes, French modebar tooltips. Numbers still follow ``layout.separators``.
PLOTLY_LOCALE_FR: dict[str, Any] = {
    "moduleType": "locale",
    "name": "fr",
    "dictionary": {
        "Autoscale": "Échelle automatique",
        "Box Select": "Sélection rectangulaire",
        "Download plot as a png": "Télécharger le graphique en PNG",
        "Download plot": "Télécharger le graphique",
        "Lasso Select": "Sélection lasso",
        "Pan": "Translation",
        "Reset axes": "Réinitialiser les axes",
        "Reset view": "Réinitialiser",
        "Toggle Spike Lines": "Afficher/masquer les lignes de repère",
        "Zoom": "Zoom",
        "Zoom in": "Zoom avant",
        "Zoom out": "Zoom arrière",
        "Show closest data on hover": "Afficher la donnée la plus proche",
        "Compare data on hover": "Comparer les données au survol",
    },
    "format": {
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
        "shortMonths": [
            "janv.",
            "févr.",
            "mars",
            "avr.",
            "mai",
            "juin",
            "juil.",
            "août",
            "sept.",
            "oct.",
            "nov.",
            "déc.",
        ],
        "date": "%d/%m/%Y",
        "decimal": ",",
        "thousands": "\u202f",
    },
}


def graph_config(filename: str = "egn-graphique") -> dict[str, Any]:
    """plotly.js ``config`` for interactive figures (``dcc.Graph(config=...)``, HTML exports).

    French locale given inline, no Plotly logo, no link to chart-studio, lasso/box select
    removed (the charts are read, not explored), PNG button named after the chart.
    """
    return {
        "locale": "fr",
        "locales": {"fr": PLOTLY_LOCALE_FR},
        "displaylogo": False,
        "showLink": False,
        "showEditInChartStudio": False,
        "showSendToCloud": False,
        "responsive": True,
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


__all__ = [
    "BLEU_FRANCE",
    "CATEGORICAL",
    "FONT_FAMILY",
    "GREY_AXIS",
    "GREY_BACKGROUND",
    "GREY_GRID",
    "GREY_MUTED",
    "GREY_MUTED_BAR",
    "GREY_TEXT",
    "PLOTLY_LOCALE_FR",
    "ROUGE_MARIANNE",
    "SEQUENTIAL",
    "TEMPLATE_NAME",
    "apply_theme",
    "build_template",
    "graph_config",
    "register_template",
    "template",
]
