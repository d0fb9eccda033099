"""The usage benchmark's quick mode runs and the three daily tables agree (not its speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_benchmark_tables_agree() -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("pandas")
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_usage.py"), "--quick", "--repeat", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("agreement ours/duckdb OK") for line in lines), run.stdout
    assert any(line.startswith("agreement ours/pandas OK") for line in lines), run.stdout
    assert lines[-1] == "agreement: OK", run.stdout
