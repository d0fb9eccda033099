"""The pages' only door to data: cached, read-only getters.

Why one door: pages never open files, so the app can be pointed at another data folder in
one place (``create_app(data_dir)`` or ``EGN_DATA_DIR``), tests can hand it a tiny fixture, and
caching is decided here rather than in globals that callbacks would mutate.

Caching: results are cached in memory keyed on the file's path, modification time and size,
so a regenerated manifest (``make data`` while the app runs) is picked up on the next page
load without a restart, and an unchanged one is parsed once per process. Getters return
values that callers must treat as read-only (polars frames are cloned, which is cheap; the
quality report is made of frozen dataclasses and tuples).

Two files are read: the raw folder's ``manifest.json`` (what the sources are) and the processed
folder's ``qualite.json`` (what the last ``egn build`` kept and rejected). The survey indicators
are *computed* from the processed survey tables by :mod:`egn_analytics.indicators` (a few
seconds): :func:`indicator_table` and :func:`indicator_gap` cache them in memory and on disk
(``diskcache`` under the settings' ``cache_dir``), keyed on those tables' modification times and
sizes and on the indicator code's own fingerprint, so a rebuild or a code change is picked up
and an app restart does not pay the computation again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import flask
import polars as pl

from egn_analytics import SYNTHETIC_NOTICE, __version__
from egn_analytics.config import Settings, get_settings

#: Key of the data folder in the Flask config of the app built by ``create_app``.
CONFIG_KEY = "EGN_DATA_DIR"
MANIFEST_NAME = "manifest.json"
#: Data-quality report written by ``egn build`` in the processed folder.
QUALITY_NAME = "qualite.json"

#: Declared schema of the manifest's ``files`` entries (see ``egn_analytics.synth.common``).
MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "path": pl.String(),
    "family": pl.String(),
    "description": pl.String(),
    "format": pl.String(),
    "rows": pl.Int64(),
    "bytes": pl.Int64(),
    "sha256": pl.String(),
}
_REQUIRED = ("path", "family")


class ManifestNotFoundError(FileNotFoundError):
    """No ``manifest.json`` in the raw folder: the data were never generated or copied."""


class ManifestError(ValueError):
    """``manifest.json`` exists but cannot be read as a manifest."""


@dataclass(frozen=True, slots=True, eq=False)
class Manifest:
    """The raw folder's manifest: what the embedded sources are and whether they are synthetic."""

    path: Path
    synthetic: bool
    notice: str
    generator_version: str | None
    seed: int | None
    scale: float | None
    files: pl.DataFrame  # one row per file, columns of MANIFEST_SCHEMA


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
    """Tables folder of the running app (``<data_dir>/processed``, where ``egn build`` writes)."""
    return Settings(data_dir=data_dir()).processed_dir


def manifest_path(raw: Path) -> Path:
    """Where the generator writes the manifest."""
    return Path(raw) / MANIFEST_NAME


def load_manifest(raw: Path) -> Manifest:
    """Parsed manifest of ``raw``; raises :class:`ManifestNotFoundError` / :class:`ManifestError`."""
    path = manifest_path(raw).resolve()
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise ManifestNotFoundError(f"{path} does not exist") from exc
    manifest = _load_manifest_cached(str(path), stat.st_mtime_ns, stat.st_size)
    return Manifest(
        path=manifest.path,
        synthetic=manifest.synthetic,
        notice=manifest.notice,
        generator_version=manifest.generator_version,
        seed=manifest.seed,
        scale=manifest.scale,
        files=manifest.files.clone(),
    )


def source_catalogue(raw: Path) -> pl.DataFrame:
    """The embedded sources listed in ``raw/manifest.json``, one row per file (schema declared)."""
    return load_manifest(raw).files


def synthetic_notice(raw: Path) -> str | None:
    """Notice for the permanent banner when the data are synthetic, else None.

    No manifest, or an unreadable one, means there are no data to describe: no banner (the
    page says what to do instead).
    """
    try:
        manifest = load_manifest(raw)
    except (ManifestNotFoundError, ManifestError):
        return None
    return manifest.notice if manifest.synthetic else None


@lru_cache(maxsize=8)
def _load_manifest_cached(path: str, _mtime_ns: int, _size: int) -> Manifest:
    """Parse once per (path, mtime, size): the key changes when the file is rewritten."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("files"), list):
        raise ManifestError(f"{path} has no 'files' list")
    rows = [_file_row(entry, i, path) for i, entry in enumerate(payload["files"])]
    files = pl.DataFrame(rows, schema=MANIFEST_SCHEMA, orient="row")
    notice = payload.get("notice")
    return Manifest(
        path=Path(path),
        # A manifest that does not say is treated as synthetic: the product ships synthetic
        # data, and wrongly claiming real data is the worse mistake.
        synthetic=bool(payload.get("synthetic", True)),
        notice=notice if isinstance(notice, str) and notice.strip() else SYNTHETIC_NOTICE,
        generator_version=_opt(payload.get("generator_version"), str),
        seed=_opt(payload.get("seed"), int),
        scale=_opt(payload.get("scale"), float),
        files=files,
    )


def _file_row(entry: Any, index: int, path: str) -> tuple[object, ...]:
    if not isinstance(entry, dict):
        raise ManifestError(f"{path}: files[{index}] is not an object")
    missing = [key for key in _REQUIRED if not entry.get(key)]
    if missing:
        raise ManifestError(f"{path}: files[{index}] lacks {', '.join(missing)}")
    try:
        return (
            str(entry["path"]),
            str(entry["family"]),
            str(entry.get("description") or ""),
            str(entry.get("format") or ""),
            None if entry.get("rows") is None else int(entry["rows"]),
            int(entry.get("bytes") or 0),
            str(entry.get("sha256") or ""),
        )
    except (TypeError, ValueError) as exc:
        raise ManifestError(f"{path}: files[{index}] has a non-numeric rows/bytes") from exc


def _opt(value: Any, kind: type) -> Any:
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- data-quality report -----


class QualityReportNotFoundError(FileNotFoundError):
    """No ``qualite.json`` in the processed folder: the tables were never built."""


class QualityReportError(ValueError):
    """``qualite.json`` exists but cannot be read as a quality report."""


@dataclass(frozen=True, slots=True)
class TableQuality:
    """One table of the last build: what was read, kept and set aside, and why.

    Counts are None when the report does not give them (a source that could not be read at
    all has ``erreur`` and no counts); ``motifs`` keeps the report's order.
    """

    table: str
    lignes_lues: int | None
    acceptees: int | None
    rejetees: int | None
    motifs: tuple[tuple[str, int], ...]
    sources: tuple[str, ...]
    erreur: str | None = None
    cache: bool | None = None
    secondes: float | None = None


@dataclass(frozen=True, slots=True)
class QualityReport:
    """The processed folder's ``qualite.json`` (immutable: safe to share between requests)."""

    path: Path
    modified: datetime  # the file's modification time, local: when the build wrote it
    tables: tuple[TableQuality, ...]
    genere_par: str | None
    version: str | None


def quality_report_path(processed: Path) -> Path:
    """Where ``egn build`` writes its data-quality report."""
    return Path(processed) / QUALITY_NAME


def load_quality_report(processed: Path) -> QualityReport:
    """Parsed ``processed/qualite.json``.

    Raises :class:`QualityReportNotFoundError` when the tables were never built and
    :class:`QualityReportError` (a one-line French message) when the file cannot be read.
    Unknown keys are ignored, so a newer ``egn build`` does not break the page.
    """
    path = quality_report_path(processed).resolve()
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise QualityReportNotFoundError(f"{path} does not exist") from exc
    return _load_quality_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_quality_cached(path: str, mtime_ns: int, _size: int) -> QualityReport:
    """Parse once per (path, mtime, size); the result is immutable, so no copy is needed."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QualityReportError(f"le fichier n'est pas un JSON valide ({exc})") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("tables"), list):
        raise QualityReportError("le fichier n'a pas de liste « tables »")
    tables = tuple(_table_quality(entry, i) for i, entry in enumerate(payload["tables"]))
    return QualityReport(
        path=Path(path),
        modified=datetime.fromtimestamp(mtime_ns / 1e9),
        tables=tables,
        genere_par=_text(payload.get("genere_par")),
        version=_text(payload.get("version")),
    )


def _table_quality(entry: Any, index: int) -> TableQuality:
    if not isinstance(entry, dict):
        raise QualityReportError(f"l'entrée tables[{index}] n'est pas un objet")
    name = _text(entry.get("table")) or _text(entry.get("type")) or f"table n° {index + 1}"
    motifs = entry.get("motifs")
    sources = entry.get("sources")
    secondes = entry.get("secondes")
    cache = entry.get("cache")
    return TableQuality(
        table=name,
        lignes_lues=_count(entry.get("lignes_lues")),
        acceptees=_count(entry.get("acceptees")),
        rejetees=_count(entry.get("rejetees")),
        motifs=tuple(
            (str(reason), n)
            for reason, value in (motifs.items() if isinstance(motifs, dict) else ())
            if (n := _count(value)) is not None
        ),
        sources=tuple(str(s) for s in sources) if isinstance(sources, list) else (),
        erreur=_text(entry.get("erreur")),
        cache=cache if isinstance(cache, bool) else None,
        secondes=float(secondes)
        if isinstance(secondes, int | float) and not isinstance(secondes, bool)
        else None,
    )


def _count(value: Any) -> int | None:
    """A row count as written by the build (an integer, possibly as ``12.0``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    """A non-blank string, else None."""
    if value is None:
        return None
    return str(value).strip() or None


# ------------------------------------------------------------------ survey indicators -----

#: Columns of the indicator catalogue, as ``egn_analytics.indicators.compute_catalogue``
#: returns it (declared, never inferred: the page formats by dtype). Proportions (``unit`` « % »)
#: are fractions 0-1; ``status`` is « published », « fragile » or « masked », and masked rows have
#: null estimate, standard error, interval and lecture.
INDICATOR_SCHEMA: dict[str, pl.DataType] = {
    "indicator": pl.String(),
    "label": pl.String(),
    "theme": pl.String(),
    "population": pl.String(),
    "unit": pl.String(),
    "breakdown": pl.String(),
    "breakdown_label": pl.String(),
    "domain_code": pl.String(),
    "domain": pl.String(),
    "estimate": pl.Float64(),
    "se": pl.Float64(),
    "ci_lower": pl.Float64(),
    "ci_upper": pl.Float64(),
    "n": pl.Int64(),
    "cv": pl.Float64(),
    "status": pl.String(),
    "champ": pl.String(),
    "source": pl.String(),
    "lecture": pl.String(),
}
#: Columns of ``egn_analytics.indicators.gap`` (one row: domain ``a`` minus domain ``b``).
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
#: Processed tables the indicators are computed from (glob patterns): their names,
#: modification times and sizes key the caches. The survey tables are required.
INDICATOR_INPUTS = ("enquete_*.parquet", "etablissements.parquet")
_REQUIRED_INPUT = "enquete_*.parquet"
#: Packages whose source code the cached values depend on (missing ones are skipped).
_INDICATOR_CODE = ("egn_analytics.indicators", "egn_analytics.survey")
_CODE_SUFFIXES = frozenset({".py", ".csv"})
#: Bump when the stored format changes (Arrow IPC bytes of a frame of the schemas above).
_DISK_FORMAT = 1
#: Size limit of the disk cache (the whole catalogue is about 1 MB; a gap, a few hundred bytes).
_DISK_LIMIT = 256 * 1024 * 1024

_compute_lock = threading.Lock()

#: (file name, mtime in ns, size) of each input table, sorted by name.
InputKey = tuple[tuple[str, int, int], ...]


class IndicatorsNotBuiltError(FileNotFoundError):
    """No processed survey table: ``egn build`` was never run on this data folder."""


class IndicatorsError(RuntimeError):
    """The indicators could not be computed (library missing, computation failed, bad shape)."""


def indicator_inputs(processed: Path) -> InputKey:
    """Name, mtime and size of the tables the indicators read (the caches' key).

    Raises :class:`IndicatorsNotBuiltError` when there is no survey table at all.
    """
    folder = Path(processed)
    found = sorted(
        {
            path
            for pattern in INDICATOR_INPUTS
            for path in folder.glob(pattern)
            if path.is_file() and not path.name.endswith(".rejects.parquet")
        }
    )
    if not any(path.match(_REQUIRED_INPUT) for path in found):
        raise IndicatorsNotBuiltError(f"no survey table ({_REQUIRED_INPUT}) in {folder}")
    key = []
    for path in found:
        stat = path.stat()
        key.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def indicator_table(processed: Path | None = None) -> pl.DataFrame:
    """The indicator catalogue of the processed folder (default: the running app's).

    Every indicator by every breakdown, columns of :data:`INDICATOR_SCHEMA`. Computed once per
    state of the input tables (then read from memory, or from the disk cache after a restart);
    the caller gets its own copy.
    """
    folder = Path(processed) if processed is not None else processed_dir()
    inputs = indicator_inputs(folder.resolve())
    return _indicator_frame(str(folder.resolve()), inputs, "catalogue", ()).clone()


def indicator_gap(
    indicator: str, breakdown: str, a: str, b: str, processed: Path | None = None
) -> pl.DataFrame:
    """Difference ``a - b`` between two domains of a breakdown, with its CI and p-value.

    One row, columns of :data:`GAP_SCHEMA`, cached like :func:`indicator_table` (the
    difference needs the microdata: the two domains share strata and schools, so their
    estimates are not independent and the bars' intervals cannot be combined by hand).
    """
    folder = Path(processed) if processed is not None else processed_dir()
    inputs = indicator_inputs(folder.resolve())
    params = (str(indicator), str(breakdown), str(a), str(b))
    return _indicator_frame(str(folder.resolve()), inputs, "gap", params).clone()


def _compute_catalogue(processed: Path) -> pl.DataFrame:
    """The library call (looked up at each call, so tests can replace it)."""
    from egn_analytics.indicators import compute_catalogue

    return compute_catalogue(processed_dir=processed)


def _compute_gap(processed: Path, indicator: str, breakdown: str, a: str, b: str) -> pl.DataFrame:
    """The library call (looked up at each call, so tests can replace it)."""
    from egn_analytics.indicators import gap

    return gap(indicator, breakdown, a, b, processed_dir=processed)


@lru_cache(maxsize=64)
def _indicator_frame(
    folder: str, inputs: InputKey, kind: str, params: tuple[str, ...]
) -> pl.DataFrame:
    """Memory cache over the disk cache over the computation; one computation at a time.

    The lock keeps two first requests from computing the catalogue twice side by side: the
    second waits, then finds the first one's result on disk.
    """
    key = _disk_key(kind, inputs, params)
    cache_dir = Settings(data_dir=Path(folder).parent).cache_dir
    with _compute_lock:
        stored = _disk_get(cache_dir, key)
        if stored is not None:
            return stored
        compute: Callable[..., pl.DataFrame] = (
            _compute_catalogue if kind == "catalogue" else _compute_gap
        )
        try:
            raw = compute(Path(folder), *params)
        except ImportError as exc:
            raise IndicatorsError(
                f"le module egn_analytics.indicators n'est pas disponible ({exc})"
            ) from exc
        except Exception as exc:  # the page shows the reason, never a traceback
            raise IndicatorsError(f"le calcul a échoué ({type(exc).__name__} : {exc})") from exc
        frame = _conform(raw, INDICATOR_SCHEMA if kind == "catalogue" else GAP_SCHEMA)
        _disk_set(cache_dir, key, frame)
        return frame


def _conform(frame: object, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The declared columns in the declared order and dtypes, or :class:`IndicatorsError`."""
    if not isinstance(frame, pl.DataFrame):
        raise IndicatorsError(f"le calcul a renvoyé un {type(frame).__name__}, pas une table")
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise IndicatorsError(f"colonnes absentes du résultat : {', '.join(missing)}")
    try:
        return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())
    except pl.exceptions.PolarsError as exc:
        raise IndicatorsError(f"types inattendus dans le résultat ({exc})") from exc


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash of what the values depend on besides the tables: the indicator code and its
    packaged catalogue (``.py`` and ``.csv`` files) and the statistical-secret settings, so
    that a changed estimator, catalogue or threshold invalidates the disk cache."""
    settings = get_settings()
    digest = hashlib.blake2b(digest_size=16)
    digest.update(
        f"{__version__}|{settings.secret_min_respondents}|{settings.secret_max_cv}".encode()
    )
    for name in _INDICATOR_CODE:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        roots = list(spec.submodule_search_locations or []) if spec else []
        for root in roots:
            files = (path for path in Path(root).rglob("*") if path.suffix in _CODE_SUFFIXES)
            for path in sorted(files):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _disk_key(kind: str, inputs: InputKey, params: tuple[str, ...]) -> str:
    payload = json.dumps([_DISK_FORMAT, kind, inputs, params, _code_fingerprint()])
    return (
        f"egn-indicateurs-{kind}-" + hashlib.blake2b(payload.encode(), digest_size=20).hexdigest()
    )


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
    "GAP_SCHEMA",
    "INDICATOR_INPUTS",
    "INDICATOR_SCHEMA",
    "MANIFEST_SCHEMA",
    "QUALITY_NAME",
    "IndicatorsError",
    "IndicatorsNotBuiltError",
    "Manifest",
    "ManifestError",
    "ManifestNotFoundError",
    "QualityReport",
    "QualityReportError",
    "QualityReportNotFoundError",
    "TableQuality",
    "configure",
    "data_dir",
    "indicator_gap",
    "indicator_inputs",
    "indicator_table",
    "load_manifest",
    "load_quality_report",
    "manifest_path",
    "processed_dir",
    "quality_report_path",
    "raw_dir",
    "source_catalogue",
    "synthetic_notice",
]
