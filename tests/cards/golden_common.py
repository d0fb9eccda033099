"""What every domain's golden routing shares: the built type, a view's URL, the synthetic flag."""

from __future__ import annotations

from urllib.parse import urlencode

import polars as pl

from dashboards import data_access
from egn_analytics.viz import ChartCard

#: What a key gives: a chart card, a table of rows, or dataclasses (key figures, a verdict).
Built = ChartCard | pl.DataFrame | object


def search(view: dict[str, str]) -> str:
    """The URL search string of a view (``""`` for the default view)."""
    return "?" + urlencode(view) if view else ""


def synthetic() -> bool:
    return data_access.synthetic_notice(data_access.raw_dir()) is not None
