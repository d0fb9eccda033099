"""Golden routing of the « usages » cards (see golden_support): the library's registry, fed
by the indicator tables that ``egn build`` wrote (``usages_*``), exactly as the page calls it.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboards import data_access
from egn_analytics.cards import Tables, build_card, usages
from tests.cards.golden_common import Built


def _card(key: str) -> Callable[[dict[str, str]], Built]:
    def _build(view: dict[str, str]) -> Built:
        return build_card(key, view, Tables(data_access.data_dir() / "processed"))

    return _build


BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    f"usages.{card}": _card(f"usages.{card}") for card in usages.CARDS
}
