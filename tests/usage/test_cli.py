"""``egn usage daily``: the Parquet it writes equals :func:`daily_table`; errors are one line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from egn_analytics.cli import app
from egn_analytics.usage import daily_table
from tests.usage.test_daily import ROWS


def test_usage_daily_writes_the_daily_table(
    make_events: Callable[..., Path], etab: pl.DataFrame, tmp_path: Path
) -> None:
    events = make_events(ROWS)
    etab_file = tmp_path / "etablissements.parquet"
    etab.write_parquet(etab_file)
    out = tmp_path / "sortie" / "quotidien.parquet"
    result = CliRunner().invoke(
        app,
        ["usage", "daily", str(events), "--out", str(out), "--etablissements", str(etab_file)],
    )
    assert result.exit_code == 0, result.output
    assert_frame_equal(pl.read_parquet(out), daily_table(events, etab))
    assert "8 lignes, 6 jours, 3 académies" in result.output
    assert "exclus : 1 événement(s)" in result.output


@pytest.mark.integration
def test_bad_events_dir_is_one_french_line(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    proc = subprocess.run(
        [sys.executable, "-m", "egn_analytics.cli", "usage", "daily", str(missing),
         "--out", str(tmp_path / "x.parquet")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"erreur : dossier des événements introuvable : {missing}"
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.parquet").exists()
