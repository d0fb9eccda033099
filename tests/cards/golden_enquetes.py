"""Golden routing of the « enquêtes » card and gap verdict (see golden_support)."""

from __future__ import annotations

from collections.abc import Callable

from dashboards import data_access
from egn_analytics.cards import enquetes
from tests.cards.golden_common import Built
from tests.cards.golden_common import synthetic as _synthetic


def _selection(view: dict[str, str]) -> enquetes.Selection:
    table = data_access.indicator_table()
    return enquetes.parse_selection(
        table, view.get("indicateur"), view.get("ventilation"), view.get("domaine")
    )


def _survey_estimates(view: dict[str, str]) -> Built:
    table = data_access.indicator_table()
    return enquetes.estimates_card(table, _selection(view), synthetic=_synthetic())


def _survey_gap(view: dict[str, str]) -> Built:
    """The verdict the gap panel shows for the breakdown's default pair (as the page)."""
    table = data_access.indicator_table()
    selection = _selection(view)
    rows = enquetes.domain_rows(table, selection)
    unit = enquetes.indicator_unit(table, selection.indicator)
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
