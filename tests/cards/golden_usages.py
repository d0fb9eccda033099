"""Golden routing of the « usages » cards (see golden_support)."""

from __future__ import annotations

from collections.abc import Callable

from dashboards import data_access
from egn_analytics.cards import usages
from tests.cards.golden_common import Built
from tests.cards.golden_common import synthetic as _synthetic


def _academies(selection: usages.Selection) -> tuple[str, ...]:
    """As the page: no académie filter for France (the national figures are used)."""
    return () if selection.territory.kind == "france" else selection.territory.academies


def _usage_timeline(view: dict[str, str]) -> Built:
    selection = usages.parse_view(view)
    rows = usages.timeline_rows(
        data_access.usage_daily(),
        data_access.usage_regions(),
        data_access.usage_national(),
        selection,
    )
    return usages.timeline_card(rows, selection, synthetic=_synthetic())


def _usage_cned(_view: dict[str, str]) -> Built:
    return usages.cned_card(data_access.usage_cned(), synthetic=_synthetic())


def _usage_ratio(view: dict[str, str]) -> Built:
    selection = usages.parse_view(view)
    ratio = data_access.usage_closure_ratio(selection.profile.value)
    return usages.ratio_card(ratio, selection, synthetic=_synthetic())


def _usage_desync(view: dict[str, str]) -> Built:
    selection = usages.parse_view(view)
    rows = data_access.usage_desynchronisation(_academies(selection), selection.profile.value)
    return usages.desync_card(rows, selection, synthetic=_synthetic())


def _usage_its(view: dict[str, str]) -> Built:
    selection = usages.parse_view(view)
    where, profile = _academies(selection), selection.profile.value
    fitted = data_access.usage_its_fitted(where, profile)
    its = data_access.usage_its(where, profile)
    return usages.its_card(fitted, its, selection, synthetic=_synthetic())


def _usage_incidents(view: dict[str, str]) -> Built:
    selection = usages.parse_view(view)
    return usages.incidents_card(
        data_access.usage_saturation(),
        data_access.usage_projects(),
        selection,
        synthetic=_synthetic(),
    )


BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    "usages.chronologie": _usage_timeline,
    "usages.cned": _usage_cned,
    "usages.rapport": _usage_ratio,
    "usages.horaires": _usage_desync,
    "usages.its": _usage_its,
    "usages.incidents": _usage_incidents,
}
