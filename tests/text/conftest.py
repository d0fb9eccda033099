"""A small data folder with the synthetic text corpus, generated and built by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def text_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Raw texts generated at scale 0.1 (≈850 contributions) and their processed tables."""
    from egn_analytics.loaders import registry
    from egn_analytics.synth import generate

    data = tmp_path_factory.mktemp("textes")
    generate(data / "raw", seed=2020, scale=0.1, families=("textes",))
    registry.build(data / "raw", data / "processed")
    return data
