"""Golden (snapshot) tests of every card the dashboards build, and of the data pages show.

Each (key, view) of :data:`tests.cards.golden_support.VIEWS` is built on the small generated data folder,
serialised to a canonical JSON (figure, texts, data) and compared with
``golden/<key>__<view>.json``. They pin the cards so that moving their builders changes
nothing; ``EGN_UPDATE_GOLDEN=1`` rewrites the files instead (review the diff before
committing it).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from egn_analytics.viz import ChartCard
from tests.cards.golden_support import build, cases, view_slug

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE = os.environ.get("EGN_UPDATE_GOLDEN") == "1"
#: Rows of a card's data kept in its golden file (the row count is always kept).
MAX_ROWS = 200
#: Significant digits kept of every float: harmless float noise must not fail a test.
DIGITS = 10


def _float(value: float) -> float | str:
    """A float rounded to :data:`DIGITS` significant digits; NaN and infinities as text
    (strict JSON has neither); -0.0 as 0.0."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    rounded = float(f"{value:.{DIGITS}g}")
    return 0.0 if rounded == 0 else rounded


def _typed_array(value: dict[str, Any]) -> list[Any]:
    """Plotly's base64 typed array (``{"dtype": "f8", "bdata": …, "shape": …}``) as a list:
    its bytes would carry float noise that rounding cannot remove."""
    array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    shape = value.get("shape")
    if shape:
        dims = [int(d) for d in str(shape).split(",")] if isinstance(shape, str) else shape
        array = array.reshape(dims)
    return array.tolist()


def normalise(value: Any) -> Any:  # noqa: PLR0911 - one return per JSON kind
    """JSON-ready, canonical: floats rounded, dates ISO, typed arrays decoded, tuples lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, np.generic):
        return normalise(value.item())
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            return normalise(_typed_array(value))
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, pl.Series):
        return normalise(value.to_list())
    if isinstance(value, np.ndarray):
        return normalise(value.tolist())
    raise TypeError(f"cannot serialise {type(value).__name__}: {value!r}")


def frame_json(frame: pl.DataFrame) -> dict[str, Any]:
    """Columns, dtypes, the first :data:`MAX_ROWS` rows and the row count."""
    return {
        "columns": frame.columns,
        "dtypes": [str(dtype) for dtype in frame.dtypes],
        "rows": normalise([list(row) for row in frame.head(MAX_ROWS).iter_rows()]),
        "n_rows": frame.height,
    }


def serialise(built: object) -> dict[str, Any]:
    """The canonical JSON of what :func:`tests.cards.golden_support.build` returned."""
    if isinstance(built, ChartCard):
        return {
            "kind": "card",
            "title": built.title,
            "subtitle": built.subtitle,
            "lecture": built.lecture,
            "champ": built.champ,
            "source": built.source,
            "synthetic": built.synthetic,
            "figure": normalise(json.loads(built.figure.to_json())),
            "data": frame_json(built.data),
        }
    if isinstance(built, pl.DataFrame):
        return {"kind": "rows", "data": frame_json(built)}
    if isinstance(built, list) and all(dataclasses.is_dataclass(item) for item in built):
        items = [dataclasses.asdict(item) for item in built]
        return {"kind": "items", "items": normalise(items)}
    if dataclasses.is_dataclass(built) and not isinstance(built, type):
        return {"kind": "item", "item": normalise(dataclasses.asdict(built))}
    raise TypeError(f"no serialisation for {type(built).__name__}")


def first_difference(expected: Any, actual: Any, path: str = "$") -> str | None:  # noqa: PLR0911 - one return per kind of difference
    """The JSON path of the first difference, with both values shortened (None: equal)."""
    if type(expected) is not type(actual):
        return f"{path}: type {type(expected).__name__} != {type(actual).__name__}"
    if isinstance(expected, dict):
        for name in sorted(set(expected) | set(actual)):
            if name not in actual:
                return f"{path}.{name}: missing (golden has it)"
            if name not in expected:
                return f"{path}.{name}: unexpected (not in golden)"
            found = first_difference(expected[name], actual[name], f"{path}.{name}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(e, a, f"{path}[{i}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"{path}: length {len(expected)} != {len(actual)}"
        return None
    if expected != actual:
        return f"{path}: golden {_short(expected)} != now {_short(actual)}"
    return None


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


def _dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


CASES = cases()


@pytest.mark.parametrize(
    ("key", "view"), CASES, ids=[f"{key}__{view_slug(view)}" for key, view in CASES]
)
def test_golden_card(key: str, view: dict[str, str], generated_data_dir: Path) -> None:
    """The card (or data) of ``key`` for ``view`` is exactly its golden file."""
    path = GOLDEN_DIR / f"{key}__{view_slug(view)}.json"
    actual = json.loads(_dump(serialise(build(key, view, generated_data_dir))))
    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(_dump(actual), encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path.name}: run with EGN_UPDATE_GOLDEN=1"
    expected = json.loads(path.read_text(encoding="utf-8"))
    difference = first_difference(expected, actual)
    assert difference is None, f"{path.name} differs at {difference}"


def test_every_golden_file_is_a_case() -> None:
    """No stale golden file: each one is a (key, view) still built."""
    wanted = {f"{key}__{view_slug(view)}.json" for key, view in CASES}
    stale = sorted(p.name for p in GOLDEN_DIR.glob("*.json") if p.name not in wanted)
    assert not stale, f"golden files of no case: {stale}"


def test_first_difference_names_the_path() -> None:
    """The diff helper points at the first differing leaf, not at the whole document."""
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) is None
    assert (
        first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]})
        == "$.a[1].b: golden 2 != now 3"
    )
    assert first_difference({"a": [1]}, {"a": [1, 2]}) == "$.a: length 1 != 2"
    assert _float(0.1 + 0.2) == 0.3
