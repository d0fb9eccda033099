"""Fail if code crosses one of the import boundaries of ARCHITECTURE.md, statically.

The rules (:data:`RULES`):

* the library ``egn_analytics`` never imports ``dash`` (nor the ``dash_*`` component packages)
  or ``dashboards``: it must run in a notebook or a batch job without the web stack;
* notebooks and benchmarks never import ``dashboards``: they show what the library does;
* the pages ``dashboards/pages/*.py`` never import ``egn_analytics.loaders`` or
  ``egn_analytics.synth``: a page reads indicator tables (through ``dashboards.data_access``),
  never raw files or the generator.

Statements and by-name loads with a literal name (``importlib.import_module("…")``,
``__import__("…")``) are checked; only :data:`ALLOWED` escapes a rule: ``egn serve``, in
``egn_analytics/cli.py``, loads ``dashboards.app`` by name. Every violation is printed as
``path:line: import X (rule)``; the exit code is 1 if there is any.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Rule:
    """Files matching ``patterns`` (globs relative to the root) must not import ``forbidden``.

    A forbidden name covers its submodules; one ending in ``*`` is a prefix (``dash_*``).
    """

    name: str
    patterns: tuple[str, ...]
    forbidden: tuple[str, ...]

    def forbids(self, module: str) -> bool:
        for name in self.forbidden:
            if name.endswith("*"):
                if module.startswith(name[:-1]):
                    return True
            elif module == name or module.startswith(f"{name}."):
                return True
        return False

    def files(self, root: Path) -> list[Path]:
        found = {path for pattern in self.patterns for path in root.glob(pattern)}
        return sorted(path for path in found if path.is_file())


RULES: tuple[Rule, ...] = (
    Rule(
        "the library never imports dash or dashboards",
        ("egn_analytics/**/*.py",),
        ("dash", "dash_*", "dashboards"),
    ),
    Rule(
        "notebooks and benchmarks never import dashboards",
        ("notebooks/**/*.py", "benchmarks/**/*.py"),
        ("dashboards",),
    ),
    Rule(
        "pages read indicator tables, never raw files or the generator",
        ("dashboards/pages/*.py",),
        ("egn_analytics.loaders", "egn_analytics.synth"),
    ),
)

#: (file relative to the root, module) pairs allowed whatever the rules say.
ALLOWED: frozenset[tuple[str, str]] = frozenset({("egn_analytics/cli.py", "dashboards.app")})

_LOADERS = frozenset({"import_module", "__import__"})


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, list[str]]]:
    """(line, candidate module names) of every absolute import of ``tree``.

    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a module: ``from egn_analytics
    import loaders``); relative imports stay inside their package and are skipped.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, [alias.name]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
            yield node.lineno, [node.module, *names]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                called in _LOADERS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                yield node.lineno, [first.value]


def violations(root: Path = REPO, rules: Sequence[Rule] = RULES) -> list[str]:
    """Every import under ``root`` that breaks one of ``rules``, as ``path:line: import X
    (rule)``, sorted by file then line."""
    found: list[tuple[str, int, str]] = []
    for rule in rules:
        for path in rule.files(root):
            relative = path.relative_to(root).as_posix()
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except (SyntaxError, UnicodeDecodeError) as exc:
                line = getattr(exc, "lineno", None) or 0
                found.append((relative, line, f"unreadable, not checked ({rule.name})"))
                continue
            found.extend(
                (relative, line, f"import {module} ({rule.name})")
                for line, module in _broken(tree, rule, relative)
            )
    return [f"{path}:{line}: {text}" for path, line, text in sorted(set(found))]


def _broken(tree: ast.AST, rule: Rule, relative: str) -> Iterable[tuple[int, str]]:
    """(line, module) of the imports of ``tree`` that ``rule`` forbids; one per statement
    (the module of ``from a.b import c`` when ``a.b`` is forbidden, else each forbidden
    ``a.c``)."""
    for line, candidates in imported_modules(tree):
        bad = [m for m in candidates if rule.forbids(m) and (relative, m) not in ALLOWED]
        if bad and bad[0] == candidates[0]:
            yield line, bad[0]
        else:
            yield from ((line, module) for module in bad)


def main(argv: Sequence[str] = ()) -> int:
    """Print the violations under the root (the repository, or the first argument)."""
    bad = violations(Path(argv[0]).resolve() if argv else REPO)
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
