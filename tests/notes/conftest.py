"""Fixtures of the briefing-note tests: one small build, as ``make build`` leaves it.

The root ``tests/conftest.py``'s ``generated_data_dir`` (scale 0.05, seed 2020, the same
folder as the card and page tests): seconds to build, small survey domains that the statistical
secret masks, every indicator table a note reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egn_analytics.cards import Tables


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
