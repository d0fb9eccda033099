"""Golden routing of the « concertation » cards and data (see golden_support).

The cards come from the registry (:func:`egn_analytics.cards.build_card`), the specificity rows
and key figures from the library's functions, all reading the indicator tables of the build
(:class:`egn_analytics.cards.Tables`): the goldens, pinned when the page computed everything
itself, prove that the precomputed tables give the same cards.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboards import data_access
from egn_analytics.cards import Tables, build_card, concertation
from tests.cards.golden_common import Built


def _tables() -> Tables:
    """The tables of the data folder the golden support configured."""
    return Tables(data_access.processed_dir())


def _concertation_card(key: str) -> Callable[[dict[str, str]], Built]:
    def _build(view: dict[str, str]) -> Built:
        return build_card(f"concertation.{key}", view, _tables())

    return _build


def _concertation_specificities(view: dict[str, str]) -> Built:
    return concertation.selection_specificities(concertation.parse_view(view), _tables())


def _concertation_key_figures(view: dict[str, str]) -> Built:
    return concertation.selection_key_figures(concertation.parse_view(view), _tables())


BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    "concertation.themes": _concertation_card("themes"),
    "concertation.propositions": _concertation_card("propositions"),
    "concertation.couverture": _concertation_card("couverture"),
    "concertation.specificites": _concertation_specificities,
    "concertation.chiffres": _concertation_key_figures,
}
