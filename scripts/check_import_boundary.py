"""Fail if the library imports dash (the boundary of ARCHITECTURE.md), statically.

Only ``egn_analytics/cli.py`` may load the ``dashboards`` package, by name, for ``egn serve``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "egn_analytics"
FORBIDDEN = ("dash", "dashboards")


def violations() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found.extend(
                f"{path.relative_to(ROOT.parent)}:{node.lineno}: import {name}"
                for name in names
                if name.split(".")[0] in FORBIDDEN
            )
    return found


if __name__ == "__main__":
    bad = violations()
    for line in bad:
        print(line)
    sys.exit(1 if bad else 0)
