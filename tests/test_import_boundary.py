"""The import boundaries of ``scripts/check_import_boundary.py`` (run by ``make lint``): each
rule fires on a small tree written here, a clean tree passes, and so does the repository."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check_import_boundary.py"


def _load_script() -> ModuleType:
    """The script as a module (``scripts/`` is no package); registered before it runs, as its
    dataclass needs."""
    spec = importlib.util.spec_from_file_location("check_import_boundary_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


boundary = _load_script()
LIBRARY, SHOWCASE, PAGES = (rule.name for rule in boundary.RULES)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


#: A tree that respects every rule, including what sits close to a forbidden import.
CLEAN = {
    "egn_analytics/__init__.py": "",
    "egn_analytics/viz.py": "import plotly.graph_objects as go\nfrom . import config\n",
    "egn_analytics/cli.py": (
        "import importlib\n\n\ndef serve():\n    return importlib.import_module('dashboards.app')\n"
    ),
    "egn_analytics/loaders/registry.py": "from egn_analytics.synth import generate\n",
    "notebooks/01_enquetes.py": "import dash\nfrom egn_analytics.survey import Design\n",
    "benchmarks/bench_usage.py": "from egn_analytics.usage import daily_table\n",
    "dashboards/pages/enquetes.py": (
        "from dashboards import data_access\nfrom egn_analytics.indicators import catalogue\n"
        "from dashboards.components.notices import synthetic_notice\n"
    ),
    "dashboards/data_access.py": "from egn_analytics.loaders import registry\n",
    "dashboards/pages/sub/deeper.py": "from egn_analytics import synth\n",  # not a page module
    "tests/test_x.py": "import dashboards\nfrom egn_analytics.synth import generate\n",
}


def test_clean_tree_passes(tmp_path: Path) -> None:
    assert boundary.violations(_tree(tmp_path, CLEAN)) == []


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        (
            "egn_analytics/viz.py",
            "import dash\n",
            f"egn_analytics/viz.py:1: import dash ({LIBRARY})",
        ),
        (
            "egn_analytics/usage/plots.py",
            "x = 1\nfrom dash.dcc import Graph\n",
            f"egn_analytics/usage/plots.py:2: import dash.dcc ({LIBRARY})",
        ),
        (
            "egn_analytics/viz.py",
            "import dash_bootstrap_components as dbc\n",
            f"egn_analytics/viz.py:1: import dash_bootstrap_components ({LIBRARY})",
        ),
        (
            "egn_analytics/report.py",
            "from dashboards.formatting import fmt\n",
            f"egn_analytics/report.py:1: import dashboards.formatting ({LIBRARY})",
        ),
        (
            "egn_analytics/report.py",
            "def f():\n    import dashboards\n",
            f"egn_analytics/report.py:2: import dashboards ({LIBRARY})",
        ),
        (
            "egn_analytics/report.py",
            "import importlib\nimportlib.import_module('dashboards.app')\n",
            f"egn_analytics/report.py:2: import dashboards.app ({LIBRARY})",
        ),
        (  # the by-name load is allowed in cli.py, for dashboards.app only
            "egn_analytics/cli.py",
            "__import__('dashboards.pages.donnees')\n",
            f"egn_analytics/cli.py:1: import dashboards.pages.donnees ({LIBRARY})",
        ),
        (
            "notebooks/02_usages_ent.py",
            "from dashboards.data_access import indicator_table\n",
            f"notebooks/02_usages_ent.py:1: import dashboards.data_access ({SHOWCASE})",
        ),
        (
            "benchmarks/bench_text.py",
            "import dashboards.app\n",
            f"benchmarks/bench_text.py:1: import dashboards.app ({SHOWCASE})",
        ),
        (
            "dashboards/pages/usages.py",
            "from egn_analytics.loaders.ent import read_ent\n",
            f"dashboards/pages/usages.py:1: import egn_analytics.loaders.ent ({PAGES})",
        ),
        (
            "dashboards/pages/donnees.py",
            "from egn_analytics import config, synth\n",
            f"dashboards/pages/donnees.py:1: import egn_analytics.synth ({PAGES})",
        ),
        (
            "dashboards/pages/donnees.py",
            "import egn_analytics.loaders\n",
            f"dashboards/pages/donnees.py:1: import egn_analytics.loaders ({PAGES})",
        ),
    ],
)
def test_each_rule_fires(tmp_path: Path, relative: str, source: str, expected: str) -> None:
    root = _tree(tmp_path, {**CLEAN, relative: source})
    assert boundary.violations(root) == [expected]


def test_every_violation_is_reported_in_order(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            **CLEAN,
            "notebooks/00.py": "import dashboards\n",
            "egn_analytics/a.py": "import os\nimport dash\nfrom dashboards import app\n",
        },
    )
    assert boundary.violations(root) == [
        f"egn_analytics/a.py:2: import dash ({LIBRARY})",
        f"egn_analytics/a.py:3: import dashboards ({LIBRARY})",
        f"notebooks/00.py:1: import dashboards ({SHOWCASE})",
    ]


def test_an_unparsable_file_is_a_violation(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**CLEAN, "benchmarks/broken.py": "def (:\n"})
    [line] = boundary.violations(root)
    assert line.startswith("benchmarks/broken.py:1: unreadable, not checked")


def test_script_exit_code_and_output(tmp_path: Path) -> None:
    """As ``make lint`` runs it: one line per violation, exit 1; nothing and 0 when clean."""
    clean = _tree(tmp_path / "clean", CLEAN)
    dirty = _tree(tmp_path / "dirty", {**CLEAN, "benchmarks/b.py": "import dashboards\n"})
    ok, bad = (
        subprocess.run([sys.executable, SCRIPT, root], check=False, capture_output=True, text=True)
        for root in (clean, dirty)
    )
    assert (ok.returncode, ok.stdout) == (0, "")
    assert bad.returncode == 1
    assert bad.stdout == f"benchmarks/b.py:1: import dashboards ({SHOWCASE})\n"


def test_repository_is_clean() -> None:
    assert boundary.violations() == []
