"""Small text helpers shared by the pages' logic (:mod:`dashboards.enquetes_logic`,
:mod:`dashboards.usages_logic`): French p-values, accent folding, URL parameters."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from urllib.parse import parse_qs

from egn_analytics.viz import fmt_number
from egn_analytics.viz.formats import MISSING, NBSP, is_missing


def fmt_p_value(p: float | None) -> str:
    """« p < 0,001 » or « p = 0,042 »."""
    if is_missing(p):
        return f"p{NBSP}={NBSP}{MISSING}"
    assert p is not None
    if p < 0.001:
        return f"p{NBSP}<{NBSP}0,001"
    return f"p{NBSP}={NBSP}{fmt_number(p, 3)}"


def ascii_fold(text: object) -> str:
    """The text without accents (« Île » → « Ile »); ``None`` and ``""`` give ``""``."""
    return unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()


def search_params(search: str | None, names: Collection[str]) -> dict[str, str]:
    """The parameters ``names`` of a URL's search string, first value of each."""
    parsed = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    return {name: values[0] for name, values in parsed.items() if name in names and values}
