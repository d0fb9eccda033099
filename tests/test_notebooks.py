"""Every notebook (jupytext source) executes top to bottom: a broken notebook fails CI."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path) -> None:
    jupytext = pytest.importorskip("jupytext")
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(cwd=str(path.parent))
    errors = [
        out for cell in nb.cells if cell.cell_type == "code"
        for out in cell.get("outputs", []) if out.get("output_type") == "error"
    ]  # fmt: skip
    assert not errors
