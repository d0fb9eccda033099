"""The pages read only what ``egn build`` wrote for them: indicator tables, ``qualite.json``,
the manifest, and the survey tables for the one computation left (the gap).

Every page is served, with every view its cards declare, and every callback of each page is
fired (:mod:`tests.dashboards.page_requests`), while an audit hook (:func:`sys.addaudithook`,
installed once per process, recording only while a flag is up) notes each file opened. Python
opens raise the ``open`` audit event; Polars and PyArrow read parquet files in Rust or C++,
which raises none, so their readers are wrapped to raise one (``egn.read``). An open done while
the gap is computed (``data_access._compute_gap`` on the stack) is marked so.

Which modules a request imports is checked in a subprocess (tests share a process, so
``sys.modules`` here says what every earlier test imported).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from dash import Dash

from dashboards import data_access
from egn_analytics import sources
from egn_analytics.config import Settings
from egn_analytics.generations import current_generation
from egn_analytics.indicators import stage
from tests.dashboards.page_requests import drive, page_visits

AppFactory = Callable[[Path], Dash]
ROOT = Path(__file__).resolve().parents[2]

#: Modules of the build that no page request may need.
BUILD_MODULES = (
    "egn_analytics.loaders",
    "egn_analytics.synth",
    "egn_analytics.text.pipeline",
    "egn_analytics.usage.models",
)
#: Readers that open files outside Python's ``open`` (the path is their first argument).
_POLARS_READERS = (
    "read_parquet", "scan_parquet", "read_parquet_schema", "read_ipc", "scan_ipc",
    "read_csv", "scan_csv", "read_ndjson", "scan_ndjson", "read_json",
)  # fmt: skip


@dataclass
class Recorder:
    """Files opened while :attr:`on`: (request, resolved path, during the gap's computation)."""

    on: bool = False
    step: str = ""
    opened: list[tuple[str, str, bool]] = field(default_factory=list)


_RECORDER = Recorder()
_HOOKED: list[bool] = []


def _in_gap() -> bool:
    """Whether the gap is being computed (its library call is on the calling stack)."""
    code = data_access._compute_gap.__code__
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _RECORDER.on or event not in {"open", "egn.read"}:
        return
    target = args[0] if args else None
    if isinstance(target, str | bytes | os.PathLike):
        path = os.path.realpath(os.fsdecode(target))
        _RECORDER.opened.append((_RECORDER.step, path, _in_gap()))


def _install_hook() -> None:
    """Once per process: an audit hook cannot be removed."""
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED.append(True)


def _announcing(read: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(read)
    def wrapper(source: Any, *args: Any, **kwargs: Any) -> Any:
        sys.audit("egn.read", source)
        return read(source, *args, **kwargs)

    return wrapper


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    _install_hook()
    for name in _POLARS_READERS:
        monkeypatch.setattr(pl, name, _announcing(getattr(pl, name)))
    monkeypatch.setattr(pq, "read_table", _announcing(pq.read_table))
    monkeypatch.setattr(pq, "ParquetFile", _announcing(pq.ParquetFile))
    _RECORDER.opened.clear()
    yield _RECORDER
    _RECORDER.on = False


def _step(name: str) -> None:
    _RECORDER.step = name


def test_every_card_view_is_visited() -> None:
    visits = page_visits()
    assert set(visits) == {"/", "/enquetes", "/usages", "/concertation"}
    assert all(len(searches) >= 2 for searches in visits.values())


@pytest.mark.integration
@pytest.mark.usefixtures("no_png_renderer")
def test_pages_open_only_indicator_tables(
    make_app: AppFactory,
    generated_data_dir: Path,
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every file a page, a view or a callback opens under the data folder is an indicator
    table, ``qualite.json``, the raw folder's ``manifest.json``, or, for the gap only, a
    survey table and the établissements (the gap's calibration margins)."""
    data = generated_data_dir
    app = make_app(data)
    tables = current_generation(Settings(data_dir=data).processed_dir).resolve()
    raw = Settings(data_dir=data).raw_dir.resolve()
    cache = Settings(data_dir=data).cache_dir.resolve()
    # Every file is read here, not found in the caches an earlier test filled.
    data_access._gap_frame.cache_clear()
    monkeypatch.setattr(data_access, "_disk_get", lambda *_args: None)
    for cached in (stage._read_cached, sources._load_manifest_cached, sources._load_quality_cached):
        cached.cache_clear()

    recorder.on = True
    failures = drive(app, _step)
    recorder.on = False
    assert failures == []

    seen: dict[tuple[str, bool], str] = {}  # (path, during the gap) → first request
    for step, path, in_gap in recorder.opened:
        seen.setdefault((path, in_gap), step)
    read_tables = {key for key in seen if Path(key[0]).is_relative_to(tables)}
    assert any("/indicateurs/" in path for path, _ in read_tables)  # the hook sees the reads
    assert any(in_gap for _, in_gap in read_tables), "the gap was never computed"
    wrong = []
    for (path, in_gap), step in sorted(seen.items()):
        where = Path(path)
        if where.is_relative_to(tables):
            name = where.relative_to(tables)
            allowed = (
                name.parts[0] == "indicateurs"
                or str(name) == "qualite.json"
                or (
                    in_gap
                    and (name.match("enquete_*.parquet") or str(name) == "etablissements.parquet")
                )
            )
        elif where.is_relative_to(raw):
            allowed = str(where.relative_to(raw)) == "manifest.json"
        elif where.is_relative_to(cache):
            allowed = True  # the gap's disk cache (the only one left)
        else:
            allowed = not where.is_relative_to(data.resolve())
        if not allowed:
            wrong.append(f"{path} ({step}{', gap' if in_gap else ''})")
    assert wrong == []


# --------------------------------------------------------------------- imported modules -----

#: Run in a fresh interpreter: the app on the data folder, every page and callback served;
#: prints which build modules were there after ``create_app`` and which requests imported.
_SCRIPT = """
import json, sys, traceback
from pathlib import Path

from dashboards.components import chart_card
from egn_analytics.viz import RenderUnavailableError


def _no_png(*_args, **_kwargs):
    raise RenderUnavailableError("pas de PNG dans ce test")


chart_card.png_bytes = _no_png
from dashboards import data_access
from dashboards.app import create_app

data_access._disk_get = lambda *_args: None  # the gap is computed, not read from a cache
from tests.dashboards.page_requests import drive

build = tuple(sys.argv[2:])
by_requests = []
serving = [False]


def _is_build(name):
    return any(name == m or name.startswith(m + ".") for m in build)


def _audit(event, args):
    if serving[0] and event == "import" and _is_build(args[0]):
        stack = "".join(traceback.format_stack())
        in_gap = "in _compute_gap" in stack
        by_requests.append({"module": args[0], "gap": in_gap})


sys.addaudithook(_audit)
app = create_app(Path(sys.argv[1]))
at_start = sorted(m for m in sys.modules if _is_build(m))
serving[0] = True
failures = drive(app)
serving[0] = False
print(json.dumps({"failures": failures, "at_start": at_start, "by_requests": by_requests}))
"""


@pytest.fixture(scope="module")
def imports(generated_data_dir: Path) -> dict[str, Any]:
    """What the subprocess saw: build modules present after ``create_app``, and those that
    the requests imported (``gap``: while the gap was computed)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(generated_data_dir), *BUILD_MODULES],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["failures"] == []
    return result


@pytest.mark.integration
def test_no_request_imports_a_build_module(imports: dict[str, Any]) -> None:
    """Serving the pages needs neither the loaders, the generator, the text pipeline nor the
    usage models (the gap's one import of the generator is the next test's)."""
    outside_gap = [found["module"] for found in imports["by_requests"] if not found["gap"]]
    assert outside_gap == []


@pytest.mark.integration
@pytest.mark.xfail(
    strict=True,
    reason=(
        "the library still reaches the build: egn_analytics.text/__init__ imports the text "
        "pipeline and (through text.corpus) the loaders when cards.concertation is imported, "
        "and the gap's catalogue check (indicators._tables.questionnaire_codebooks) imports "
        "the generator's questionnaire description, egn_analytics.synth.survey"
    ),
)
def test_the_app_imports_no_build_module_at_all(imports: dict[str, Any]) -> None:
    assert imports["at_start"] == [] and imports["by_requests"] == []
