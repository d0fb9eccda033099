"""URL parameters of the pages' search strings (the only text helper that is the dashboard's:
French formatting lives in :mod:`egn_analytics.viz.formats`, accent folding in
:mod:`egn_analytics.reference`)."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import parse_qs


def search_params(search: str | None, names: Collection[str]) -> dict[str, str]:
    """The parameters ``names`` of a URL's search string, first value of each."""
    parsed = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    return {name: values[0] for name, values in parsed.items() if name in names and values}
