"""The « usages numériques » page's URL codec and pickers: what only the dashboard needs.

Why so little here: the cards (selection, rows, figures, sentences, data) are built by the
library, :mod:`egn_analytics.cards.usages`, so that the notebooks and the notes show the same
cards as the page. What stays is the page's own: the query string ↔ selection codec the
download callbacks read, and the options of the two pickers (Dash's Dropdown has no option
groups, hence the disabled heading options).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dashboards.formatting import search_params
from egn_analytics.cards.usages import (
    PROFILE_PARAM,
    TERRITORY_PARAM,
    Selection,
    parse_view,
    view_of,
)
from egn_analytics.reference import PROFILES, territories

#: Prefix of the disabled options that head each group of the territory picker.
GROUP_OPTION_PREFIX = "__groupe__"


def territory_options() -> list[dict[str, Any]]:
    """Territory picker options: France, then the régions académiques and the académies,
    each group headed by a disabled option (Dash's Dropdown has no option groups)."""
    options: list[dict[str, Any]] = []
    headings = {"region": "Régions académiques", "academie": "Académies"}
    current: str | None = None
    for t in territories():
        if t.kind in headings and t.kind != current:
            current = t.kind
            options.append(
                {
                    "label": headings[t.kind],
                    "value": f"{GROUP_OPTION_PREFIX}{t.kind}",
                    "disabled": True,
                }
            )
        options.append({"label": t.label, "value": t.value, "search": f"{t.label} {t.name}"})
    return options


def profile_options() -> list[dict[str, str]]:
    """Profile radio buttons, in display order."""
    return [{"label": p.label, "value": p.slug} for p in PROFILES]


def selection_query(selection: Selection) -> str:
    """``"?profil=eleve&territoire=academie-09"``."""
    return "?" + urlencode(view_of(selection))


def query_params(search: str | None) -> dict[str, str]:
    """The page's own parameters of a URL's search string (first value of each)."""
    return search_params(search, (PROFILE_PARAM, TERRITORY_PARAM))


def selection_from_search(search: str | None) -> Selection:
    """The selection of a URL's search string (the download callbacks read it)."""
    return parse_view(query_params(search))


__all__ = [
    "GROUP_OPTION_PREFIX",
    "profile_options",
    "query_params",
    "selection_from_search",
    "selection_query",
    "territory_options",
]
