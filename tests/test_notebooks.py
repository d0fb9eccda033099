"""The notebooks: each executes top to bottom (a broken notebook fails CI), and each draws the
product's charts with the library's card builders rather than with copies of them.

Why the static checks: a notebook that re-implements a card (its own figure, its own Lecture
sentence, its own formatting helper) drifts from the page without any test noticing, which is
what happened to the closure-ratio card. So a notebook may not import ``dashboards``, may not
define a function named like a public function of :mod:`egn_analytics.cards` or
:mod:`egn_analytics.viz` (a copy under the same name), and a notebook that draws a chart calls
:func:`egn_analytics.cards.build_card` at least once.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from functools import cache
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))
IDS = [p.stem for p in NOTEBOOKS]
#: Packages whose public functions a notebook calls and never redefines.
LIBRARY_PACKAGES = ("egn_analytics.cards", "egn_analytics.viz")
#: What makes a notebook « draw a chart »: plotly itself, or the library's figure makers.
CHART_MODULES = ("plotly",)
CHART_NAMES = {"ChartCard", "bar_chart", "to_publication_figure", "figure", "export_png"}


@pytest.mark.integration
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
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


@cache
def library_functions() -> frozenset[str]:
    """Public functions defined in the modules of :data:`LIBRARY_PACKAGES`."""
    names: set[str] = set()
    for package_name in LIBRARY_PACKAGES:
        package = importlib.import_module(package_name)
        modules = [package] + [
            importlib.import_module(f"{package_name}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)
        ]
        for module in modules:
            names.update(
                name
                for name, obj in vars(module).items()
                if not name.startswith("_")
                and inspect.isfunction(obj)
                and obj.__module__.startswith(package_name)
            )
    return frozenset(names)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_modules(tree: ast.Module) -> list[str]:
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    return modules


def _names_used(tree: ast.Module) -> set[str]:
    """Every bare name and attribute name the notebook mentions."""
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.alias):
            used.add(node.asname or node.name.rpartition(".")[2])
    return used


def _calls(tree: ast.Module, name: str) -> int:
    return sum(
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
        for node in ast.walk(tree)
    )


def test_library_functions_are_found() -> None:
    """The copy check below is only as good as this list: it must see the card builders."""
    found = library_functions()
    assert {"build_card", "card_keys", "fmt_pct", "bar_chart", "its_effects"} <= found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_imports_no_dashboards(path: Path) -> None:
    bad = [m for m in _imported_modules(_tree(path)) if m.split(".")[0] == "dashboards"]
    assert not bad, f"{path.name} importe {bad} : les cartes sont dans egn_analytics.cards"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_defines_no_copy_of_library_functions(path: Path) -> None:
    defined = {
        node.name
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    copies = sorted(defined & library_functions())
    assert not copies, f"{path.name} redéfinit {copies} : appeler la bibliothèque"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_drawing_charts_uses_build_card(path: Path) -> None:
    tree = _tree(path)
    draws = any(m.split(".")[0] in CHART_MODULES for m in _imported_modules(tree)) or bool(
        CHART_NAMES & _names_used(tree)
    )
    if draws:
        assert _calls(tree, "build_card") >= 1, (
            f"{path.name} dessine des graphiques sans build_card : ceux de la page viennent "
            "des cartes de la bibliothèque"
        )
