"""The pages' only door to data: read-only getters, and the one computation left (the gap).

Why one door: pages never open files, so the app can be pointed at another data folder in
one place (``create_app(data_dir)`` or ``EGN_DATA_DIR``), tests can hand it a tiny fixture, and
every request reads the tables of one build generation (:func:`processed_dir`, pinned per
request).

Everything a page shows is an indicator table written by ``egn build``
(:mod:`egn_analytics.indicators.stage`) and drawn by :func:`egn_analytics.cards.build_card`;
the raw folder's ``manifest.json`` and the build's ``qualite.json`` are read by
:mod:`egn_analytics.sources`, whose readers are re-exported here for the pages. A missing table
raises the library's own error (:class:`egn_analytics.indicators.IndicatorNotBuiltError`,
:class:`egn_analytics.sources.ManifestNotFoundError`…), so there is one error per meaning.

The one exception is :func:`indicator_gap`: the difference between two domains the reader
picks (any pair of any breakdown) needs the survey microdata, so it is computed on demand and
cached in memory and on disk (``diskcache`` under the settings' ``cache_dir``), keyed on the
survey tables' names, modification times and sizes and on the indicator code's fingerprint: a
rebuild or a code change is picked up, and an app restart does not pay the computation again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import flask
import polars as pl

from egn_analytics import __version__
from egn_analytics.config import Settings, get_settings
from egn_analytics.generations import current_generation, data_dir_of
from egn_analytics.indicators import IndicatorNotBuiltError
from egn_analytics.sources import (
    ManifestError,
    ManifestNotFoundError,
    QualityReport,
    QualityReportError,
    QualityReportNotFoundError,
    load_manifest,
    load_quality_report,
    quality_report_path,
    synthetic_notice,
)

#: Key of the data folder in the Flask config of the app built by ``create_app``.
CONFIG_KEY = "EGN_DATA_DIR"

#: Set once per app by ``create_app`` (never by a callback): {"data_dir": Path}.
_configured: dict[str, Path] = {}


def configure(data_dir: Path) -> None:
    """Set the data folder used outside requests (``create_app`` calls it, once per app).

    Inside a request the app's own Flask config is used instead, so two apps in one process
    (tests) each read their own folder; outside a request (a callback called directly by a
    test, a notebook) the last configured folder is used.
    """
    _configured["data_dir"] = Path(data_dir)


def data_dir() -> Path:
    """Data folder of the app serving the request, else the configured one, else the settings'."""
    if flask.has_app_context():
        configured = flask.current_app.config.get(CONFIG_KEY)
        if configured:
            return Path(configured)
    return _configured.get("data_dir") or get_settings().data_dir


def raw_dir() -> Path:
    """Raw-files folder of the running app (``<data_dir>/raw``, as decided by the settings)."""
    return Settings(data_dir=data_dir()).raw_dir


def processed_dir() -> Path:
    """The build generation the running app reads (``<data_dir>/processed``, resolved).

    Pinned once per request (in ``flask.g``): a build that switches generations while a request
    runs cannot make that request read tables of two builds.
    """
    published = Settings(data_dir=data_dir()).processed_dir
    if not flask.has_request_context():
        return current_generation(published)
    pinned: Path | None = flask.g.get("egn_generation")
    if pinned is None:
        pinned = current_generation(published)
        flask.g.egn_generation = pinned
    return pinned


# ------------------------------------------------------------------------ survey gap -----

#: Columns of ``egn_analytics.indicators.gap`` that the page reads and the cache stores (one
#: row: domain ``a`` minus domain ``b``), declared so that a cached value has one shape.
GAP_SCHEMA: dict[str, pl.DataType] = {
    "indicator": pl.String(),
    "breakdown": pl.String(),
    "a": pl.String(),
    "b": pl.String(),
    "domain_a": pl.String(),
    "domain_b": pl.String(),
    "estimate_a": pl.Float64(),
    "estimate_b": pl.Float64(),
    "difference": pl.Float64(),
    "se": pl.Float64(),
    "ci_lower": pl.Float64(),
    "ci_upper": pl.Float64(),
    "p_value": pl.Float64(),
    "status": pl.String(),
}
#: Tables the gap is computed from (glob patterns): their names, modification times and sizes
#: key the caches. The survey tables are required; the établissements calibrate the weights.
GAP_INPUTS = ("enquete_*.parquet", "etablissements.parquet")
_REQUIRED_INPUT = "enquete_*.parquet"
#: Packages whose source code the cached values depend on (missing ones are skipped).
_GAP_CODE = ("egn_analytics.indicators", "egn_analytics.survey")
_CODE_SUFFIXES = frozenset({".py", ".csv"})
#: Bump when the stored format changes (Arrow IPC bytes of a frame of :data:`GAP_SCHEMA`).
_DISK_FORMAT = 1
#: Size limit of the disk cache (a gap is a few hundred bytes; the limit is the one the
#: folder had when it also held the whole catalogue).
_DISK_LIMIT = 256 * 1024 * 1024

_compute_lock = threading.Lock()

#: (file name, mtime in ns, size) of each input table, sorted by name.
InputKey = tuple[tuple[str, int, int], ...]


class GapError(RuntimeError):
    """The gap could not be computed (library missing, computation failed, bad shape)."""


def gap_inputs(processed: Path) -> InputKey:
    """Name, mtime and size of the tables the gap reads (the caches' key).

    Raises :class:`~egn_analytics.indicators.IndicatorNotBuiltError` (French) when there is
    no survey table at all: ``egn build`` was never run on this data folder.
    """
    folder = Path(processed)
    found = sorted(
        {
            path
            for pattern in GAP_INPUTS
            for path in folder.glob(pattern)
            if path.is_file() and not path.name.endswith(".rejects.parquet")
        }
    )
    if not any(path.match(_REQUIRED_INPUT) for path in found):
        raise IndicatorNotBuiltError(
            f"aucune table d'enquête ({_REQUIRED_INPUT}) dans {folder} : lancez egn build"
        )
    key = []
    for path in found:
        stat = path.stat()
        key.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def indicator_gap(
    indicator: str, breakdown: str, a: str, b: str, processed: Path | None = None
) -> pl.DataFrame:
    """Difference ``a - b`` between two domains of a breakdown, with its CI and p-value.

    One row, columns of :data:`GAP_SCHEMA`. Computed on demand (the difference needs the
    microdata: the two domains share strata and schools, so their estimates are not
    independent and the bars' intervals cannot be combined by hand), then cached on the
    survey tables and the code; the caller gets its own copy.
    """
    folder = (Path(processed) if processed is not None else processed_dir()).resolve()
    inputs = gap_inputs(folder)
    params = (str(indicator), str(breakdown), str(a), str(b))
    return _gap_frame(str(folder), inputs, params).clone()


def _compute_gap(processed: Path, indicator: str, breakdown: str, a: str, b: str) -> pl.DataFrame:
    """The library call (looked up at each call, so tests can replace it)."""
    from egn_analytics.indicators import gap

    return gap(indicator, breakdown, a, b, processed_dir=processed)


@lru_cache(maxsize=64)
def _gap_frame(folder: str, inputs: InputKey, params: tuple[str, ...]) -> pl.DataFrame:
    """Memory cache over the disk cache over the computation; one computation at a time.

    The lock keeps two first requests for one pair from computing it twice side by side:
    the second waits, then finds the first one's result on disk.
    """
    cache_dir = Settings(data_dir=data_dir_of(folder)).cache_dir
    key = _disk_key(inputs, params)
    with _compute_lock:
        stored = _disk_get(cache_dir, key)
        if stored is not None:
            return stored
        try:
            raw = _compute_gap(Path(folder), *params)
        except IndicatorNotBuiltError:
            raise
        except ImportError as exc:
            raise GapError(
                f"le module egn_analytics.indicators n'est pas disponible ({exc})"
            ) from exc
        except Exception as exc:  # the page shows the reason, never a traceback
            raise GapError(f"le calcul a échoué ({type(exc).__name__} : {exc})") from exc
        frame = _conform(raw)
        _disk_set(cache_dir, key, frame)
        return frame


def _conform(frame: object) -> pl.DataFrame:
    """The declared columns in the declared order and dtypes, or :class:`GapError` saying why."""
    if not isinstance(frame, pl.DataFrame):
        raise GapError(f"le calcul a renvoyé un {type(frame).__name__}, pas une table")
    missing = [name for name in GAP_SCHEMA if name not in frame.columns]
    if missing:
        raise GapError(f"colonnes absentes du résultat : {', '.join(missing)}")
    try:
        return frame.select(pl.col(name).cast(dtype) for name, dtype in GAP_SCHEMA.items())
    except pl.exceptions.PolarsError as exc:
        raise GapError(f"types inattendus dans le résultat ({exc})") from exc


def _hash_code(digest: hashlib.blake2b, modules: Sequence[str]) -> None:
    """Feed ``digest`` the relative paths and bytes of the ``.py``/``.csv`` files of each
    package in ``modules`` (a module that cannot be found adds nothing)."""
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        for root in list(spec.submodule_search_locations or []) if spec else []:
            files = (path for path in Path(root).rglob("*") if path.suffix in _CODE_SUFFIXES)
            for path in sorted(files):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash of what the gap depends on besides the tables: the indicator and survey code and
    the packaged catalogue (``.py`` and ``.csv`` files) and the statistical-secret settings,
    so that a changed estimator, catalogue or threshold invalidates the disk cache."""
    settings = get_settings()
    digest = hashlib.blake2b(digest_size=16)
    digest.update(
        f"{__version__}|{settings.secret_min_respondents}|{settings.secret_max_cv}".encode()
    )
    _hash_code(digest, _GAP_CODE)
    return digest.hexdigest()


def _disk_key(inputs: InputKey, params: tuple[str, ...]) -> str:
    # "gap" stays in the payload so the keys of the values cached before this module was
    # reduced to the gap are still found.
    payload = json.dumps([_DISK_FORMAT, "gap", inputs, params, _code_fingerprint()])
    return "egn-indicateurs-gap-" + hashlib.blake2b(payload.encode(), digest_size=20).hexdigest()


def _disk_get(cache_dir: Path, key: str) -> pl.DataFrame | None:
    """The stored frame, or None (absent, unreadable: the disk cache is only a speed-up).

    The cache is opened for each look-up (only on a memory-cache miss): no connection is
    kept open on a folder that a test or a user may delete.
    """
    if not cache_dir.is_dir():
        return None
    try:
        import diskcache

        with diskcache.Cache(str(cache_dir)) as cache:
            payload = cache.get(key)
        return None if payload is None else pl.read_ipc(io.BytesIO(payload))
    except (OSError, sqlite3.Error, pl.exceptions.PolarsError):
        return None


def _disk_set(cache_dir: Path, key: str, frame: pl.DataFrame) -> None:
    """Store ``frame`` if the cache folder is writable (a read-only data folder still works)."""
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    try:
        import diskcache

        with diskcache.Cache(str(cache_dir), size_limit=_DISK_LIMIT) as cache:
            cache.set(key, buffer.getvalue())
    except (OSError, sqlite3.Error):
        return


__all__ = [
    "CONFIG_KEY",
    "GAP_INPUTS",
    "GAP_SCHEMA",
    "GapError",
    "IndicatorNotBuiltError",
    "ManifestError",
    "ManifestNotFoundError",
    "QualityReport",
    "QualityReportError",
    "QualityReportNotFoundError",
    "configure",
    "data_dir",
    "gap_inputs",
    "indicator_gap",
    "load_manifest",
    "load_quality_report",
    "processed_dir",
    "quality_report_path",
    "raw_dir",
    "synthetic_notice",
]
