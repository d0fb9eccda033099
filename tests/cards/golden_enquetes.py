"""Golden routing of the « enquêtes » card and gap verdict (see golden_support)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from dashboards import data_access
from dashboards import enquetes_logic as enquetes
from tests.cards.golden_common import Built
from tests.cards.golden_common import search as _search
from tests.cards.golden_common import synthetic as _synthetic


def _survey_estimates(view: dict[str, str]) -> Built:
    table = data_access.indicator_table()
    selection = enquetes.selection_from_search(table, _search(view))
    return enquetes.estimates_card(table, selection, synthetic=_synthetic())


def _survey_gap(view: dict[str, str]) -> Built:
    """The verdict the gap panel shows for the breakdown's default pair (as the page)."""
    table = data_access.indicator_table()
    selection = enquetes.selection_from_search(table, _search(view))
    rows = enquetes.domain_rows(table, selection)
    units = table.filter(pl.col("indicator") == selection.indicator).get_column("unit")
    unit = units[0] if units.len() else None
    a, b = enquetes.default_gap_pair(rows, selection.breakdown)
    pair = enquetes.gap_pair(rows, a, b)
    if isinstance(pair, enquetes.GapSummary):
        return pair
    code_a, code_b = pair
    statuses = dict(zip(rows["domain_code"], rows["status"], strict=True))
    if enquetes.MASKED in (statuses.get(code_a), statuses.get(code_b)):
        return enquetes.gap_summary(
            {"a": code_a, "b": code_b, "status": enquetes.MASKED}, rows, unit
        )
    gap = data_access.indicator_gap(selection.indicator, selection.breakdown, code_a, code_b)
    if gap.height == 0:
        raise AssertionError(f"no gap computed for {view}")
    return enquetes.gap_summary(gap.row(0, named=True), rows, unit)


BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    "enquetes.estimations": _survey_estimates,
    "enquetes.ecart": _survey_gap,
}
