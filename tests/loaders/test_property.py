"""Property tests: random bytes and shuffled columns never produce a raw traceback.

Whatever a user throws at a loader, the outcome is one of two: a ``LoadResult`` whose counts
reconcile (rows read = accepted + rejected), or a ``LoadError`` (one clear line). Anything
else — a Polars ``ComputeError``, a ``KeyError`` — is a bug.
"""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egn_analytics.loaders import LoadError, LoadResult
from egn_analytics.loaders.registry import KINDS

SUFFIXES = [
    ".csv",
    ".csv.gz",
    ".txt",
    ".parquet",
    ".sav",
    ".dta",
    ".xlsx",
    ".jsonl",
    ".json",
    ".sas7bdat",
]
# Kinds whose loader reads one file through load_result (streaming kinds are tested below).
FILE_KINDS = [k for k in KINDS if k not in {"ent-logs", "corpus", "consultation"}]


def _module(kind: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(KINDS[kind])


def _outcome_is_clean(kind: str, path: Path) -> None:
    module = _module(kind)
    try:
        result = module.load_result(path)
    except LoadError as exc:
        text = str(exc)
        assert "\n" not in text and path.name in text, text
        return
    results = result if isinstance(result, list | tuple) else [result]
    for res in results:
        assert isinstance(res, LoadResult)
        assert res.rows_read == res.data.height + res.rejects.height


@pytest.mark.parametrize("kind", FILE_KINDS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2_000), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(kind: str, data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"entree{suffix}"
        path.write_bytes(data)
        _outcome_is_clean(kind, path)


@pytest.mark.parametrize("kind", FILE_KINDS)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_random_csv_text(kind: str, data: st.DataObject) -> None:
    header = data.draw(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=6))
    rows = data.draw(st.lists(st.lists(st.text(max_size=10), min_size=0, max_size=7), max_size=6))
    sep = data.draw(st.sampled_from([";", ",", "\t"]))
    text = "\n".join([sep.join(header), *[sep.join(r) for r in rows]])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "entree.csv"
        path.write_text(text, encoding=data.draw(st.sampled_from(["utf-8", "utf-8-sig"])))
        _outcome_is_clean(kind, path)


@pytest.fixture(scope="module")
def valid_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One valid generated file per file kind (tiny scale)."""
    from egn_analytics.synth import generate

    out = tmp_path_factory.mktemp("raw")
    manifest = generate(out, seed=3, scale=0.01, ent_events=2_000)
    paths = {f.path for f in manifest.files}

    def first(prefix: str, suffix: str) -> Path:
        return out / next(p for p in sorted(paths) if p.startswith(prefix) and p.endswith(suffix))

    return {
        "etablissements": first("etablissements/", ".csv"),
        "survey": first("enquetes/depp_continuite_2020_eleves_2d", "SYNTHETIQUE.csv"),
        "ent-audience": first("ent/audience", ".csv"),
        "cned": first("cned/", ".csv"),
        "calendar": first("calendrier/", ".csv"),
    }


@pytest.mark.parametrize("kind", FILE_KINDS)
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), drop=st.booleans())
def test_shuffled_and_dropped_columns(
    kind: str, valid_inputs: dict[str, Path], seed: int, drop: bool
) -> None:
    src = valid_inputs[kind]
    df = pl.read_csv(src, separator=";", infer_schema=False)
    cols = df.sample(fraction=1.0, shuffle=True, seed=seed).columns
    order = pl.Series(df.columns).sample(fraction=1.0, shuffle=True, seed=seed).to_list()
    shuffled = df.select(order)
    if drop and shuffled.width > 1:
        shuffled = shuffled.drop(order[seed % len(order)])
    assert cols  # the frame is not empty
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / src.name
        shuffled.write_csv(path, separator=";")
        _outcome_is_clean(kind, path)
        if not drop:
            # Same columns in another order: same accepted rows as the original file.
            module = _module(kind)
            a, b = module.load_result(src), module.load_result(path)
            first_a = a[0] if isinstance(a, list | tuple) else a
            first_b = b[0] if isinstance(b, list | tuple) else b
            assert first_a.data.height == first_b.data.height
