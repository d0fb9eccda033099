"""Runs a benchmark script of ``benchmarks/`` in quick mode (the bench tests check its output)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_quick_benchmark(script: str) -> list[str]:
    """Run ``benchmarks/<script> --quick --repeat 1`` from the repository root; its output lines.

    Fails the test with the script's output when it does not exit with 0, or when its last
    line is not « agreement: OK ».
    """
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--quick", "--repeat", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "agreement: OK", run.stdout
    return lines
