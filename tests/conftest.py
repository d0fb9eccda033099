"""Test-wide settings and the one small generated build every test folder reads.

A fixed pseudonymisation key, so no test writes the user's key file; and
:func:`generated_data_dir`, built once per session (once per xdist worker) and shared by the
card, note, indicator and dashboard tests instead of each folder generating its own copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Set before any test imports the privacy module: tests must never create
# ~/.config/egn-analytics/pseudo.key on the machine that runs them.
os.environ.setdefault("EGN_PSEUDO_KEY", "cle-de-test-egn-analytics-0123456789")


@pytest.fixture(scope="session")
def generated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder as ``make build`` leaves it, small: raw files generated, tables built.

    Scale 0.05, seed 2020, every family the pages, cards, notes and the indicator stage read
    (surveys, établissements, ENT events, the CNED series, the school calendar, the texts of
    the consultation and their labels file): seconds to build (about 100 000 ENT events, 400
    contributions), and small survey domains that the statistical secret masks. Read-only: a
    test that changes it works on a copy.
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
    summaries = registry.build(raw, processed)
    assert not [s for s in summaries if "erreur" in s or "absent" in s], summaries
    return data
