"""Fixtures of the briefing-note tests: one small build, as ``make build`` leaves it.

Scale 0.05, seed 2020, the families the notes read (the same folder as the card and page
tests' ``generated_data_dir``): seconds to build, small survey domains that the statistical
secret masks, every indicator table a note reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egn_analytics.cards import Tables


@pytest.fixture(scope="session")
def generated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with ``raw`` (generated) and ``processed`` (built, with generations)."""
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


@pytest.fixture(scope="session")
def processed(generated_data_dir: Path) -> Path:
    return generated_data_dir / "processed"


@pytest.fixture(scope="session")
def tables(processed: Path) -> Tables:
    return Tables(processed)


@pytest.fixture
def needs_chromium() -> None:
    """Skip a test that renders charts where no Chromium is installed."""
    from egn_analytics.viz.render import find_browser

    if find_browser() is None:
        pytest.skip("pas de Chromium pour rendre les graphiques")
