"""The survey benchmark's quick mode runs and its estimates agree with svy's (not its speed)."""

from __future__ import annotations

import pytest

from tests.bench_support import run_quick_benchmark


@pytest.mark.slow
def test_quick_benchmark_agrees_with_svy() -> None:
    pytest.importorskip("svy")
    lines = run_quick_benchmark("bench_survey.py")
    assert any(line.startswith("agreement tables    OK") for line in lines), lines
    assert any(line.startswith("agreement catalogue OK") for line in lines), lines
