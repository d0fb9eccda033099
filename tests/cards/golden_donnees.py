"""Golden routing of the « données » card and key figures (see golden_support)."""

from __future__ import annotations

from collections.abc import Callable

from dashboards import data_access
from egn_analytics.cards import donnees
from tests.cards.golden_common import Built


def _catalogue_sizes(view: dict[str, str]) -> Built:
    manifest = data_access.load_manifest(data_access.raw_dir())
    family = donnees.parse_family(view.get("famille"), manifest.files)
    return donnees.sizes_card(manifest, family)


def _catalogue_key_figures(_view: dict[str, str]) -> Built:
    manifest = data_access.load_manifest(data_access.raw_dir())
    return donnees.key_figures(manifest.files)


BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    "donnees.tailles": _catalogue_sizes,
    "donnees.chiffres": _catalogue_key_figures,
}
