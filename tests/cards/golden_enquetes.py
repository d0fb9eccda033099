"""Golden routing of the « enquêtes » card and gap verdict (see golden_support).

The card comes from the registry, reading the build's ``enquetes_catalogue`` table; the gap
verdict from the library's functions on the same table, the gap itself on demand (it needs
the microdata) through the data door, as the page asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dashboards import data_access
from egn_analytics.cards import Tables, build_card, enquetes
from tests.cards.golden_common import Built


def _tables() -> Tables:
    return Tables(data_access.data_dir() / "processed")


def _survey_estimates(view: dict[str, str]) -> Built:
    return build_card("enquetes.estimations", view, _tables())


def _survey_gap(view: dict[str, str]) -> Built:
    """The verdict the gap panel shows for the breakdown's default pair (as the page)."""
    table = enquetes.catalogue_table(_tables())
    selection = enquetes.selection_of(table, enquetes.parse_view(view))
    rows = enquetes.domain_rows(table, selection)
    unit = enquetes.indicator_unit(table, selection.indicator)
    a, b = enquetes.default_gap_pair(rows, selection.breakdown)

    def compute(code_a: str, code_b: str) -> dict[str, Any] | None:
        gap = data_access.indicator_gap(selection.indicator, selection.breakdown, code_a, code_b)
        return gap.row(0, named=True) if gap.height else None

    verdict = enquetes.gap_verdict(rows, unit, a, b, compute)
    if verdict is None:
        raise AssertionError(f"no gap computed for {view}")
    return verdict


BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    "enquetes.estimations": _survey_estimates,
    "enquetes.ecart": _survey_gap,
}
