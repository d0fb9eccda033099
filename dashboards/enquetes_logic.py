"""The « enquêtes » page's URL and pickers: what needs the query string or a Dash option list.

Everything the page shows (selection, rows, figure, card, table lines, gap verdict) is built
by the library, :mod:`egn_analytics.cards.enquetes`, the same for a notebook or a briefing
note; what stays here is the page's own vocabulary: the query-string codec
(``?indicateur=…&ventilation=…&domaine=…``) and the dropdown options.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import polars as pl

from dashboards.formatting import search_params
from egn_analytics.cards import enquetes as cards
from egn_analytics.survey.secret import MASKED, SECRET_LABEL, mask_for_display

#: Query-string parameters of the page (``/enquetes?indicateur=…&ventilation=…&domaine=…``).
INDICATOR_PARAM = "indicateur"
BREAKDOWN_PARAM = "ventilation"
DOMAIN_PARAM = "domaine"
#: Prefix of the disabled options that head each theme in the indicator picker.
THEME_OPTION_PREFIX = "__theme__"


def indicator_options(table: pl.DataFrame) -> list[dict[str, Any]]:
    """Picker options grouped by theme: a disabled heading option, then the theme's indicators.

    Dash's Dropdown has no option groups; a disabled option heading each theme is the usual
    substitute (its value can never be selected). ``search`` lets a search on the label find
    the indicator.
    """
    options: list[dict[str, Any]] = []
    current = None
    for row in cards.indicators(table).iter_rows(named=True):
        if row["theme"] != current:
            current = row["theme"]
            options.append(
                {
                    "label": cards.theme_label(current),
                    "value": f"{THEME_OPTION_PREFIX}{current}",
                    "disabled": True,
                }
            )
        options.append({"label": row["label"], "value": row["indicator"], "search": row["label"]})
    return options


def breakdown_options(table: pl.DataFrame, indicator: str) -> list[dict[str, str]]:
    """Picker options: only the breakdowns the indicator has."""
    return [{"label": label, "value": key} for key, label in cards.breakdowns(table, indicator)]


def gap_options(rows: pl.DataFrame) -> list[dict[str, str]]:
    """Domains of the breakdown for the two gap pickers (a masked one says so)."""
    return [
        {
            "label": r["domain"] + (f" ({SECRET_LABEL})" if r["status"] == MASKED else ""),
            "value": r["domain_code"],
        }
        for r in mask_for_display(rows).iter_rows(named=True)
    ]


def selection_query(selection: cards.Selection) -> str:
    """Query string of a selection: ``"?indicateur=…&ventilation=…"`` (``&domaine=…`` if any)."""
    params = {INDICATOR_PARAM: selection.indicator, BREAKDOWN_PARAM: selection.breakdown}
    if selection.domain:
        params[DOMAIN_PARAM] = selection.domain
    return "?" + urlencode(params)


def query_params(search: str | None) -> dict[str, str]:
    """``{"indicateur": …, "ventilation": …, "domaine": …}`` from a URL's search string.

    Only the page's own parameters, first value of each: the view the library's
    :func:`egn_analytics.cards.enquetes.parse_view` takes.
    """
    return search_params(search, (INDICATOR_PARAM, BREAKDOWN_PARAM, DOMAIN_PARAM))


def selection_from_search(table: pl.DataFrame, search: str | None) -> cards.Selection:
    """The selection of a URL's search string (download and gap callbacks read it)."""
    params = query_params(search)
    return cards.parse_selection(
        table,
        params.get(INDICATOR_PARAM),
        params.get(BREAKDOWN_PARAM),
        params.get(DOMAIN_PARAM),
    )


__all__ = [
    "BREAKDOWN_PARAM",
    "DOMAIN_PARAM",
    "INDICATOR_PARAM",
    "THEME_OPTION_PREFIX",
    "breakdown_options",
    "gap_options",
    "indicator_options",
    "query_params",
    "selection_from_search",
    "selection_query",
]
