"""Fixtures of the golden card tests: a small generated data folder.

No ``__init__.py`` in this folder, as in ``tests/dashboards`` (``--import-mode=importlib``:
the tests import ``tests.cards.golden_support``, the repository root being on the
path).
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def generated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder as ``make build`` leaves it, small: raw files generated, tables built.

    The same folder as ``tests/dashboards/conftest.py``'s fixture of the same name (scale 0.05,
    seed 2020, the families the pages read): the goldens pin what the pages show on it.
    """
    from egn_analytics.loaders import registry
    from egn_analytics.synth import generate

    data = tmp_path_factory.mktemp("data")
    raw, processed = data / "raw", data / "processed"
    generate(
        raw,
        seed=2020,
        scale=0.05,
        families=("enquetes", "etablissements", "ent", "cned", "calendrier", "textes"),
    )
    registry.build(raw, processed)
    return data
