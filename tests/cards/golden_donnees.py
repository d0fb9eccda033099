"""Golden routing of the « données » card and key figures (see golden_support).

The card comes from the registry, the key figures from the library's function, both reading
the manifest of the raw folder beside the build's tables.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboards import data_access
from egn_analytics.cards import Tables, build_card, donnees
from tests.cards.golden_common import Built


def _tables() -> Tables:
    return Tables(data_access.data_dir() / "processed")


def _catalogue_sizes(view: dict[str, str]) -> Built:
    return build_card("donnees.tailles", view, _tables())


def _catalogue_key_figures(_view: dict[str, str]) -> Built:
    return donnees.key_figures(donnees.manifest_of(_tables()).files)


BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    "donnees.tailles": _catalogue_sizes,
    "donnees.chiffres": _catalogue_key_figures,
}
