"""The usage benchmark's quick mode runs and the three daily tables agree (not its speed)."""

from __future__ import annotations

import pytest

from tests.bench_support import run_quick_benchmark


@pytest.mark.slow
def test_quick_benchmark_tables_agree() -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("pandas")
    lines = run_quick_benchmark("bench_usage.py")
    assert any(line.startswith("agreement ours/duckdb OK") for line in lines), lines
    assert any(line.startswith("agreement ours/pandas OK") for line in lines), lines
