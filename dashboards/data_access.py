"""The pages' only door to data: cached, read-only getters.

Why one door: pages never open files, so the app can be pointed at another data folder in
one place (``create_app(data_dir)`` or ``EGN_DATA_DIR``), tests can hand it a tiny fixture, and
caching is decided here rather than in globals that callbacks would mutate.

The raw folder's ``manifest.json`` (what the sources are) and the processed folder's
``qualite.json`` (what the last ``egn build`` kept and rejected) are read by the library,
:mod:`egn_analytics.sources` (cached on each file's path, modification time and size), whose
readers are re-exported here for the pages. Getters return values that callers must treat as
read-only (polars frames are cloned, which is cheap). The survey indicators
are *computed* from the processed survey tables by :mod:`egn_analytics.indicators` (a few
seconds): :func:`indicator_table` and :func:`indicator_gap` cache them in memory and on disk
(``diskcache`` under the settings' ``cache_dir``), keyed on those tables' modification times and
sizes and on the indicator code's own fingerprint, so a rebuild or a code change is picked up
and an app restart does not pay the computation again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import flask
import polars as pl

from egn_analytics import __version__
from egn_analytics.config import Settings, get_settings
from egn_analytics.generations import current_generation, data_dir_of
from egn_analytics.sources import (
    MANIFEST_SCHEMA,
    QUALITY_NAME,
    Manifest,
    ManifestError,
    ManifestNotFoundError,
    QualityReport,
    QualityReportError,
    QualityReportNotFoundError,
    TableQuality,
    load_manifest,
    load_quality_report,
    manifest_path,
    quality_report_path,
    source_catalogue,
    synthetic_notice,
)
from egn_analytics.text.specificities import SPECIFICITY_SCHEMA

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

    def compute() -> pl.DataFrame:
        library: Callable[..., pl.DataFrame] = (
            _compute_catalogue if kind == "catalogue" else _compute_gap
        )
        try:
            raw = library(Path(folder), *params)
        except ImportError as exc:
            raise IndicatorsError(
                f"le module egn_analytics.indicators n'est pas disponible ({exc})"
            ) from exc
        except Exception as exc:  # the page shows the reason, never a traceback
            raise IndicatorsError(f"le calcul a échoué ({type(exc).__name__} : {exc})") from exc
        return _conform(raw, INDICATOR_SCHEMA if kind == "catalogue" else GAP_SCHEMA)

    return _through_disk(folder, _disk_key(kind, inputs, params), _compute_lock, compute)


def _through_disk(
    folder: str,
    key: str,
    lock: contextlib.AbstractContextManager[Any],
    compute: Callable[[], pl.DataFrame],
) -> pl.DataFrame:
    """The frame stored under ``key`` in the disk cache next to ``folder``, or ``compute()``
    stored there; under ``lock``, so that a second caller waits and then reads the first's."""
    cache_dir = Settings(data_dir=data_dir_of(folder)).cache_dir
    with lock:
        stored = _disk_get(cache_dir, key)
        if stored is not None:
            return stored
        frame = compute()
        _disk_set(cache_dir, key, frame)
        return frame


def _conform(frame: object, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The declared columns in the declared order and dtypes, or :class:`IndicatorsError`."""
    return _conform_to(frame, schema, IndicatorsError)


def _conform_to(
    frame: object, schema: dict[str, pl.DataType], error: type[Exception]
) -> pl.DataFrame:
    """The declared columns in the declared order and dtypes, or ``error`` saying why."""
    if not isinstance(frame, pl.DataFrame):
        raise error(f"le calcul a renvoyé un {type(frame).__name__}, pas une table")
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise error(f"colonnes absentes du résultat : {', '.join(missing)}")
    try:
        return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())
    except pl.exceptions.PolarsError as exc:
        raise error(f"types inattendus dans le résultat ({exc})") from exc


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
    """Hash of what the values depend on besides the tables: the indicator code and its
    packaged catalogue (``.py`` and ``.csv`` files) and the statistical-secret settings, so
    that a changed estimator, catalogue or threshold invalidates the disk cache."""
    settings = get_settings()
    digest = hashlib.blake2b(digest_size=16)
    digest.update(
        f"{__version__}|{settings.secret_min_respondents}|{settings.secret_max_cv}".encode()
    )
    _hash_code(digest, _INDICATOR_CODE)
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


# ------------------------------------------------------------------------- ENT usage -----
#
# The « usages numériques » page reads the ingested ENT events (``processed/ent_evenements``,
# one Hive partition per month) through :mod:`egn_analytics.usage`. Reading the events takes a
# few seconds per pass (two million events at scale 1), so every table the page needs is
# computed once per state of the input files and kept like the survey indicators: in memory,
# then on disk (``diskcache`` under the settings' ``cache_dir``), keyed on the names,
# modification times and sizes of the partition files and of the établissements and CNED
# tables, and on a fingerprint of the usage code. The few passes over the events (daily table,
# regional and national series, hourly counts, HTTP errors) are the base; everything else
# (ratios, shares, models) is derived from them in milliseconds and cached the same way.

#: Folder of the ingested events in the processed folder (``mois=YYYY-MM`` partitions).
USAGE_EVENTS = "ent_evenements"
#: UAI → académie, région académique and ENT project: required by every usage figure.
USAGE_ETABLISSEMENTS = "etablissements.parquet"
#: CNED « Ma classe à la maison » daily series: optional (only its card needs it).
USAGE_CNED = "cned_quotidien.parquet"
#: Packages whose source the usage values depend on (definitions, calendar, models), besides
#: this module (the glue that filters a territory or a profile before calling them).
_USAGE_CODE = ("egn_analytics.usage", "egn_analytics.reference")
#: Bump when the stored format of the usage frames changes.
_USAGE_DISK_FORMAT = 1
#: Break dates of the interrupted time series: closure (16 March), reopening (11 May 2020).
USAGE_BREAKS = ("2020-03-16", "2020-05-11")

_COUNT = pl.Int64()
_SHARE = pl.Float64()
#: Declared columns of each usage frame (the page formats by dtype; a library change that
#: drops a column is reported in French instead of failing in a figure).
USAGE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    # egn_analytics.usage.daily_table: day × académie × profile
    "daily": {
        "jour": pl.Date(),
        "code_academie": pl.String(),
        "profil": pl.String(),
        "evenements": _COUNT,
        "visites": _COUNT,
        "utilisateurs": _COUNT,
    },
    # usage_by(by=[code_region_academique, profil]): exact distinct users per région
    "regions": {
        "jour": pl.Date(),
        "code_region_academique": pl.String(),
        "profil": pl.String(),
        "evenements": _COUNT,
        "visites": _COUNT,
        "utilisateurs": _COUNT,
    },
    # national_daily: exact distinct users for France
    "national": {
        "jour": pl.Date(),
        "profil": pl.String(),
        "evenements": _COUNT,
        "visites": _COUNT,
        "utilisateurs": _COUNT,
    },
    # indicators.hourly_events
    "hourly": {
        "jour": pl.Date(),
        "code_academie": pl.String(),
        "profil": pl.String(),
        "heure": pl.Int8(),
        "evenements": _COUNT,
    },
    # indicators.error_rates
    "errors": {
        "jour": pl.Date(),
        "projet_ent": pl.String(),
        "evenements": _COUNT,
        "erreurs_4xx": _COUNT,
        "erreurs_5xx": _COUNT,
        "part_4xx": _SHARE,
        "part_5xx": _SHARE,
    },
    # indicators.saturation (16 March 2020 against 6 January - 28 February)
    "saturation": {
        "projet_ent": pl.String(),
        "evenements_jour": _COUNT,
        "part_5xx_jour": _SHARE,
        "part_5xx_reference": _SHARE,
        "ecart_points": _SHARE,
        "ratio": _SHARE,
    },
    # indicators.closure_ratio by académie (``profil`` « tous » when profiles are pooled)
    "ratio": {
        "code_academie": pl.String(),
        "profil": pl.String(),
        "zone": pl.String(),
        "jours_reference": _COUNT,
        "reference": _SHARE,
        "jours_fermeture": _COUNT,
        "fermeture": _SHARE,
        "jours_vacances_fermeture": _COUNT,
        "ratio": _SHARE,
    },
    # indicators.desynchronisation of a territory and a profile
    "desync": {
        "profil": pl.String(),
        "periode": pl.String(),
        "evenements": _COUNT,
        "part_soir": _SHARE,
        "part_nuit": _SHARE,
        "part_weekend": _SHARE,
    },
    # models.its of a territory and a profile (one fit: by=None)
    "its": {
        "variable": pl.String(),
        "rupture": pl.Date(),
        "effet": pl.String(),
        "libelle": pl.String(),
        "evenement": pl.String(),
        "estimate": _SHARE,
        "se": _SHARE,
        "ci_lower": _SHARE,
        "ci_upper": _SHARE,
        "p_value": _SHARE,
        "relative_change": _SHARE,
        "relative_ci_lower": _SHARE,
        "relative_ci_upper": _SHARE,
        "n_days": _COUNT,
        "calendrier_complet": pl.Boolean(),
        "methode": pl.String(),
    },
    # models.its_fitted of the same fit
    "its_fitted": {
        "jour": pl.Date(),
        "observed": _SHARE,
        "fitted": _SHARE,
        "counterfactual": _SHARE,
        "vacances": _SHARE,
    },
    # indicators.cned_vs_ent: the CNED series beside the ENT national series
    "cned": {
        "jour": pl.Date(),
        "ent_evenements": _COUNT,
        "ent_visites": _COUNT,
        "ent_utilisateurs": _COUNT,
        "cned_inscriptions": _COUNT,
        "cned_utilisateurs_cumules": _COUNT,
        "cned_classes_virtuelles": _COUNT,
    },
    # établissements with an ENT project, per académie and project
    "projects": {
        "code_academie": pl.String(),
        "code_region_academique": pl.String(),
        "projet_ent": pl.String(),
        "etablissements": _COUNT,
    },
}

#: One computation of usage figures at a time (re-entrant: a derived figure reads its base
#: tables through the same cache while holding it).
_usage_lock = threading.RLock()


class UsageNotBuiltError(FileNotFoundError):
    """No ingested ENT events (or no établissements table): ``egn build`` was never run."""


class UsageError(RuntimeError):
    """A usage figure could not be computed (library missing, computation failed, bad shape)."""


class CnedNotBuiltError(FileNotFoundError):
    """No processed CNED table: the ENT figures still work, the CNED card says so."""


def usage_inputs(processed: Path) -> InputKey:
    """Relative path, mtime and size of every file the usage figures read (the caches' key).

    Every Parquet file of the events' partitions counts (a re-ingested month changes the key),
    plus the établissements table and, when present, the CNED table. Raises
    :class:`UsageNotBuiltError` when there is no event partition or no établissements table.
    """
    folder = Path(processed)
    events = folder / USAGE_EVENTS
    files = (
        sorted(
            path
            for path in events.glob("mois=*/**/*.parquet")
            if path.is_file() and not path.name.startswith(".")
        )
        if events.is_dir()
        else []
    )
    if not files:
        raise UsageNotBuiltError(f"no ENT events ({USAGE_EVENTS}/mois=…) in {folder}")
    etab = folder / USAGE_ETABLISSEMENTS
    if not etab.is_file():
        raise UsageNotBuiltError(f"no {USAGE_ETABLISSEMENTS} in {folder}")
    cned = folder / USAGE_CNED
    key = []
    for path in [*files, etab, *([cned] if cned.is_file() else [])]:
        stat = path.stat()
        key.append((path.relative_to(folder).as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def _usage_get(kind: str, params: tuple[str, ...], processed: Path | None) -> pl.DataFrame:
    folder = (Path(processed) if processed is not None else processed_dir()).resolve()
    inputs = usage_inputs(folder)
    return _usage_frame(str(folder), inputs, kind, params).clone()


def usage_daily(processed: Path | None = None) -> pl.DataFrame:
    """ENT activity per day × académie × profile (:func:`egn_analytics.usage.daily_table`).

    Events, visits and exact distinct users; definitions (local day, duplicates, 30-minute
    visits, unknown UAIs excluded) in :mod:`egn_analytics.usage.daily`.
    """
    return _usage_get("daily", (), processed)


def usage_regions(processed: Path | None = None) -> pl.DataFrame:
    """Per day × région académique × profile, distinct users exact for the région (a user
    active in two of its académies counts once, which a sum of académies would not do)."""
    return _usage_get("regions", (), processed)


def usage_national(processed: Path | None = None) -> pl.DataFrame:
    """Per day × profile for France (:func:`egn_analytics.usage.national_daily`)."""
    return _usage_get("national", (), processed)


def usage_hourly(processed: Path | None = None) -> pl.DataFrame:
    """Events per day × académie × profile × local hour (evening, night and weekend shares)."""
    return _usage_get("hourly", (), processed)


def usage_errors(processed: Path | None = None) -> pl.DataFrame:
    """HTTP 4xx and 5xx shares per day and ENT project (all profiles)."""
    return _usage_get("errors", (), processed)


def usage_saturation(processed: Path | None = None) -> pl.DataFrame:
    """5xx share of 16 March 2020 by ENT project against 6 January - 28 February."""
    return _usage_get("saturation", (), processed)


def usage_closure_ratio(
    profile: str | None = None, metric: str = "visites", processed: Path | None = None
) -> pl.DataFrame:
    """Closure / reference ratio of ``metric`` by académie for ``profile`` (« élève »…;
    None: all profiles pooled, ``profil`` « tous »). Null for an académie whose school
    calendar is unknown (DROM), never invented."""
    return _usage_get("ratio", (metric, profile or ""), processed)


def usage_desynchronisation(
    academies: tuple[str, ...] = (), profile: str | None = None, processed: Path | None = None
) -> pl.DataFrame:
    """Evening, night and weekend shares before and during the closure, for the events of
    ``academies`` (empty: all) and ``profile`` (None: all profiles, ``profil`` « tous »)."""
    return _usage_get("desync", (profile or "", *sorted(academies)), processed)


def usage_its(
    academies: tuple[str, ...] = (),
    profile: str | None = None,
    value: str = "visites",
    processed: Path | None = None,
) -> pl.DataFrame:
    """Interrupted time series of daily ``value`` summed over ``academies`` (empty: France)
    and ``profile`` (None: all), breaks :data:`USAGE_BREAKS`: level and slope changes with
    their 95 % intervals (:func:`egn_analytics.usage.models.its`, one fit)."""
    return _usage_get("its", (value, profile or "", *sorted(academies)), processed)


def usage_its_fitted(
    academies: tuple[str, ...] = (),
    profile: str | None = None,
    value: str = "visites",
    processed: Path | None = None,
) -> pl.DataFrame:
    """Observed, fitted and counterfactual values of the :func:`usage_its` fit, per day."""
    return _usage_get("its_fitted", (value, profile or "", *sorted(academies)), processed)


def usage_cned(processed: Path | None = None) -> pl.DataFrame:
    """The CNED daily series beside the ENT national one (:func:`cned_vs_ent`).

    Raises :class:`CnedNotBuiltError` when the processed CNED table is missing.
    """
    folder = (Path(processed) if processed is not None else processed_dir()).resolve()
    if not (folder / USAGE_CNED).is_file():
        raise CnedNotBuiltError(f"no {USAGE_CNED} in {folder}")
    return _usage_get("cned", (), folder)


def usage_projects(processed: Path | None = None) -> pl.DataFrame:
    """Établissements with an ENT project, counted per académie and project (which ENTs serve
    a territory: the incidents card keeps those)."""
    return _usage_get("projects", (), processed)


@dataclass(frozen=True, slots=True)
class _UsageSource:
    """Where a usage frame is computed from: the processed folder and its input key."""

    folder: Path
    inputs: InputKey

    @property
    def events(self) -> Path:
        return self.folder / USAGE_EVENTS

    @property
    def etablissements(self) -> Path:
        return self.folder / USAGE_ETABLISSEMENTS

    def base(self, kind: str) -> pl.DataFrame:
        """Another (cached) usage frame of the same inputs; not to be mutated."""
        return _usage_frame(str(self.folder), self.inputs, kind, ())

    def daily_of(self, profile: str, academies: Sequence[str]) -> pl.DataFrame:
        """The daily table of one profile (« »: all) and some académies (none: all).

        The models lay a series on the days from its first to its last row, and a day
        without events has no row: a sparse selection (a few connections of one profile in a
        small académie) would lose its empty weeks. Two zero rows, on the first and the last
        day of the whole table, keep it on the data's full period (absent days are zeros).
        """
        whole = self.base("daily")
        daily = whole
        if profile:
            daily = daily.filter(pl.col("profil") == profile)
        if academies:
            daily = daily.filter(pl.col("code_academie").is_in(list(academies)))
        if daily.is_empty():
            raise ValueError("aucune activité ENT pour ce profil sur ce territoire")
        first = daily.row(0, named=True)
        edges = pl.DataFrame(
            {
                "jour": [whole["jour"].min(), whole["jour"].max()],
                "code_academie": [first["code_academie"]] * 2,
                "profil": [first["profil"]] * 2,
            },
            schema={"jour": pl.Date, "code_academie": pl.String, "profil": pl.String},
        ).with_columns(
            pl.lit(0, pl.Int64).alias(c) for c in ("evenements", "visites", "utilisateurs")
        )
        return pl.concat([daily, edges.select(daily.columns)], how="vertical_relaxed")


def _usage_daily_raw(src: _UsageSource, _params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage import daily_table

    return daily_table(src.events, src.etablissements)


def _usage_regions_raw(src: _UsageSource, _params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage import usage_by

    return usage_by(src.events, src.etablissements, by=["code_region_academique", "profil"])


def _usage_national_raw(src: _UsageSource, _params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage import national_daily

    return national_daily(src.events, src.etablissements)


def _usage_hourly_raw(src: _UsageSource, _params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage.indicators import hourly_events

    return hourly_events(src.events, src.etablissements)


def _usage_errors_raw(src: _UsageSource, _params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage.indicators import error_rates

    return error_rates(src.events, src.etablissements)


def _usage_saturation_raw(src: _UsageSource, _params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage.indicators import saturation

    return saturation(src.base("errors"))


def _usage_ratio_raw(src: _UsageSource, params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage.indicators import closure_ratio

    metric, profile = params
    ratio = closure_ratio(src.base("daily"), metric, by_profil=bool(profile))
    if profile:
        return ratio.filter(pl.col("profil") == profile)
    return ratio.with_columns(pl.lit("tous").alias("profil"))


def _usage_desync_raw(src: _UsageSource, params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage.indicators import desynchronisation

    profile, *academies = params
    hourly = src.base("hourly")
    if academies:
        hourly = hourly.filter(pl.col("code_academie").is_in(academies))
    hourly = (
        hourly.filter(pl.col("profil") == profile)
        if profile
        else hourly.with_columns(pl.lit("tous").alias("profil"))
    )
    return desynchronisation(hourly=hourly)


def _usage_its_raw(src: _UsageSource, params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage.models import its

    value, profile, *academies = params
    return its(src.daily_of(profile, academies), value, by=None, breaks=USAGE_BREAKS)


def _usage_its_fitted_raw(src: _UsageSource, params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage.models import its_fitted

    value, profile, *academies = params
    return its_fitted(src.daily_of(profile, academies), value, by=None, breaks=USAGE_BREAKS)


def _usage_cned_raw(src: _UsageSource, _params: tuple[str, ...]) -> pl.DataFrame:
    from egn_analytics.usage.indicators import cned_vs_ent

    return cned_vs_ent(src.folder / USAGE_CNED, src.base("national"))


def _usage_projects_raw(src: _UsageSource, _params: tuple[str, ...]) -> pl.DataFrame:
    columns = ["code_academie", "code_region_academique", "projet_ent"]
    return (
        pl.read_parquet(src.etablissements, columns=columns)
        .filter(pl.col("projet_ent").is_not_null())
        .group_by(columns)
        .agg(pl.len().alias("etablissements"))
        .sort("code_academie", "projet_ent")
    )


#: How each usage frame is computed (kind → function of the source and the parameters).
_USAGE_COMPUTE: dict[str, Callable[[_UsageSource, tuple[str, ...]], pl.DataFrame]] = {
    "daily": _usage_daily_raw,
    "regions": _usage_regions_raw,
    "national": _usage_national_raw,
    "hourly": _usage_hourly_raw,
    "errors": _usage_errors_raw,
    "saturation": _usage_saturation_raw,
    "ratio": _usage_ratio_raw,
    "desync": _usage_desync_raw,
    "its": _usage_its_raw,
    "its_fitted": _usage_its_fitted_raw,
    "cned": _usage_cned_raw,
    "projects": _usage_projects_raw,
}


def _compute_usage(
    folder: Path, inputs: InputKey, kind: str, params: tuple[str, ...]
) -> pl.DataFrame:
    """The library call behind each usage frame (looked up at each call: tests wrap it)."""
    return _USAGE_COMPUTE[kind](_UsageSource(folder, inputs), params)


@lru_cache(maxsize=512)
def _usage_frame(folder: str, inputs: InputKey, kind: str, params: tuple[str, ...]) -> pl.DataFrame:
    """Memory cache over the disk cache over the computation (like :func:`_indicator_frame`).

    Callers must not mutate the result (the public getters hand out clones).
    """

    def compute() -> pl.DataFrame:
        try:
            raw = _compute_usage(Path(folder), inputs, kind, params)
        except UsageError:
            raise
        except ImportError as exc:
            raise UsageError(
                f"le module d'analyse des usages n'est pas disponible ({exc})"
            ) from exc
        except ValueError as exc:  # the library's own French message (short series…)
            raise UsageError(str(exc)) from exc
        except Exception as exc:  # the page shows the reason, never a traceback
            raise UsageError(f"le calcul a échoué ({type(exc).__name__} : {exc})") from exc
        return _conform_usage(raw, USAGE_SCHEMAS[kind])

    return _through_disk(folder, _usage_disk_key(kind, inputs, params), _usage_lock, compute)


def _conform_usage(frame: object, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The declared columns in the declared order and dtypes, or :class:`UsageError`."""
    return _conform_to(frame, schema, UsageError)


@lru_cache(maxsize=1)
def _usage_fingerprint() -> str:
    """Hash of the usage code (``.py`` and ``.csv`` of :data:`_USAGE_CODE`) and of this
    module, so that a changed definition, calendar or model invalidates the disk cache."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{__version__}|{_USAGE_DISK_FORMAT}".encode())
    _hash_code(digest, _USAGE_CODE)
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _usage_disk_key(kind: str, inputs: InputKey, params: tuple[str, ...]) -> str:
    payload = json.dumps([_USAGE_DISK_FORMAT, kind, inputs, params, _usage_fingerprint()])
    return f"egn-usages-{kind}-" + hashlib.blake2b(payload.encode(), digest_size=20).hexdigest()


def warm_usage(processed: Path | None = None) -> None:
    """Compute the base usage tables and the page's default view (server start-up).

    Raises what the getters raise (the caller decides whether to ignore it).
    """
    usage_daily(processed)
    usage_regions(processed)
    usage_national(processed)
    usage_hourly(processed)
    usage_saturation(processed)
    usage_projects(processed)
    for profile in (None, "élève"):
        usage_closure_ratio(profile, processed=processed)
        usage_desynchronisation((), profile, processed)
        usage_its((), profile, processed=processed)
        usage_its_fitted((), profile, processed=processed)
    with contextlib.suppress(CnedNotBuiltError):
        usage_cned(processed)


# ------------------------------------------------------------------ consultation texts -----
#
# The « Concertation et RETEX » page reads every contribution of the consultation with the
# theme and the propositions that :func:`egn_analytics.text.pipeline.analyse_corpus` gives it
# (about ten seconds at scale 1: a held-out evaluation, then a classifier fitted on the labelled
# examples). Like the survey indicators, the result is computed once per state of its inputs and
# kept in memory and on disk (``diskcache`` under the settings' ``cache_dir``), keyed on the
# names, modification times and sizes of the four processed text tables and of the labels file
# of the raw folder (``textes/verite_terrain*.csv``: a new file changes the classifier), and on
# a fingerprint of the text code. The tokens (one row per kept word, about 300 000 rows at scale
# 1) and the specificities of each partition and choice of sources (a fraction of a second each,
# once the tokens are there) are cached the same way, so the page only ever filters them.

#: Processed tables the contributions are read from (:func:`egn_analytics.text.load_texts`).
TEXT_TABLES = (
    "documents.parquet",
    "consultation_reponses.parquet",
    "consultation_propositions.parquet",
    "consultation_commentaires.parquet",
)
#: Partitions of the specificities: URL value → column of the contributions.
TEXT_PARTITIONS: dict[str, str] = {
    "themes": "theme",
    "regions": "code_region_academique",
    "sources": "source",
}
#: Terms seen fewer times in the whole corpus carry no evidence (and cost time): left out.
SPECIFICITY_MIN_FREQUENCY = 10
#: Packages whose source the text values depend on (classifier, lexicons, reference tables).
_TEXT_CODE = ("egn_analytics.text", "egn_analytics.reference")
#: Bump when the stored format of the text frames changes.
_TEXT_DISK_FORMAT = 1
#: Prefix of the labels file in the inputs key (it lives in the raw folder, not the processed).
_LABELS_KEY = "raw:"

#: Columns of ``TextAnalysis.evaluation`` (one row per method: seed only, seed + examples).
TEXT_EVALUATION_SCHEMA: dict[str, pl.DataType] = {
    "methode": pl.String(),
    "textes": pl.Int64(),
    "f1_macro_themes": pl.Float64(),
    "exactitude_themes": pl.Float64(),
    "f1_macro_propositions": pl.Float64(),
    "f1_micro_propositions": pl.Float64(),
    "part_non_classes": pl.Float64(),
    "part_a_verifier": pl.Float64(),
}
#: Columns of :func:`egn_analytics.text.normalise.tokens_long` (accents kept, for display).
TEXT_TOKENS_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "position": pl.Int64(),
    "form": pl.String(),
    "term": pl.String(),
}
#: Columns of :func:`egn_analytics.text.specificities` (Lafon's scores).
TEXT_SPECIFICITY_SCHEMA: dict[str, pl.DataType] = dict(SPECIFICITY_SCHEMA)
_TEXT_META_SCHEMA: dict[str, pl.DataType] = {
    "method": pl.String(),
    "n_examples": pl.Int64(),
    "evaluated": pl.Boolean(),
}

#: One text computation at a time (re-entrant: the tokens read the contributions through the
#: same cache while holding it).
_text_lock = threading.RLock()


class TextsNotBuiltError(FileNotFoundError):
    """A processed text table is missing: ``egn build`` was never run on the texts."""


class TextsError(RuntimeError):
    """The texts could not be analysed (library missing, bad labels file, bad shape)."""


@dataclass(frozen=True, slots=True, eq=False)
class TextCorpus:
    """Every contribution with its classes, and how they were obtained and measured.

    ``texts``: one row per contribution (:func:`text_schema`); ``method``: the library's French
    sentence; ``n_examples``: labelled examples learnt from (0: seed channel only);
    ``evaluation``: :data:`TEXT_EVALUATION_SCHEMA` rows, None without a labels file.
    """

    texts: pl.DataFrame
    method: str
    n_examples: int
    evaluation: pl.DataFrame | None


def text_schema() -> dict[str, pl.DataType]:
    """Columns of :attr:`TextCorpus.texts`: the corpus, its classes and the theme's label."""
    from egn_analytics.text.classify import CLASSIFICATION_SCHEMA
    from egn_analytics.text.corpus import TEXTS_SCHEMA

    return {**TEXTS_SCHEMA, **CLASSIFICATION_SCHEMA, "theme_libelle": pl.String()}


def text_inputs(processed: Path, raw: Path) -> InputKey:
    """Name, mtime and size of the text tables and of the labels file (the caches' key).

    Raises :class:`TextsNotBuiltError` when a processed text table is missing.
    """
    from egn_analytics.text.corpus import find_labels

    folder = Path(processed)
    missing = [name for name in TEXT_TABLES if not (folder / name).is_file()]
    if missing:
        raise TextsNotBuiltError(
            f"table(s) {', '.join(missing)} absente(s) du dossier des données : lancez "
            "« egn build » (ou « make build »)"
        )
    key = []
    for name in TEXT_TABLES:
        stat = (folder / name).stat()
        key.append((name, stat.st_mtime_ns, stat.st_size))
    labels = find_labels(raw) if Path(raw).is_dir() else None
    if labels is not None and labels.is_file():
        stat = labels.stat()
        key.append((f"{_LABELS_KEY}{labels.name}", stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def _text_get(
    kind: str, params: tuple[str, ...], processed: Path | None, raw: Path | None
) -> pl.DataFrame:
    folder = (Path(processed) if processed is not None else processed_dir()).resolve()
    raw_folder = (Path(raw) if raw is not None else raw_dir()).resolve()
    inputs = text_inputs(folder, raw_folder)
    return _text_frame(str(folder), str(raw_folder), inputs, kind, params)


def text_corpus(processed: Path | None = None, raw: Path | None = None) -> TextCorpus:
    """The classified contributions of the data folder (default: the running app's).

    Computed once per state of the text tables and of the labels file; the caller gets its
    own copies.
    """
    texts = _text_get("texts", (), processed, raw).clone()
    meta = _text_get("meta", (), processed, raw).row(0, named=True)
    evaluation = _text_get("evaluation", (), processed, raw).clone() if meta["evaluated"] else None
    return TextCorpus(
        texts=texts,
        method=str(meta["method"]),
        n_examples=int(meta["n_examples"]),
        evaluation=evaluation,
    )


def text_tokens(processed: Path | None = None, raw: Path | None = None) -> pl.DataFrame:
    """One row per kept word of every contribution (:data:`TEXT_TOKENS_SCHEMA`), accents kept.

    Not cloned (about 300 000 rows): callers must not mutate it.
    """
    return _text_get("tokens", (), processed, raw)


def text_specificities(
    partition: str,
    processed: Path | None = None,
    raw: Path | None = None,
    *,
    sources: Sequence[str] = (),
) -> pl.DataFrame:
    """Specificity of every term in every part of ``partition`` (a key of
    :data:`TEXT_PARTITIONS`): :data:`TEXT_SPECIFICITY_SCHEMA`, ``part`` being the theme
    number, the région académique code or the source as text.

    ``sources`` restricts the corpus to those sources (none: every contribution), so « what
    the RETEX of a région say more than the other RETEX » is one call. Contributions without a
    part (« non classé », no région) are left out of that partition.
    """
    if partition not in TEXT_PARTITIONS:
        raise ValueError(f"unknown partition {partition!r}")
    params = (partition, *sorted(set(sources)))
    return _text_get("specificities", params, processed, raw).clone()


@lru_cache(maxsize=2)
def _text_analysis(folder: str, raw: str, _inputs: InputKey) -> Any:
    """``analyse_corpus`` once per state of the inputs (the three frames it gives share it)."""
    from egn_analytics.text.corpus import CorpusNotBuiltError
    from egn_analytics.text.pipeline import analyse_corpus

    try:
        return analyse_corpus(Path(folder), Path(raw))
    except CorpusNotBuiltError as exc:
        raise TextsNotBuiltError(str(exc)) from exc


def _text_texts_raw(folder: str, raw: str, inputs: InputKey, _params: tuple[str, ...]) -> object:
    return _text_analysis(folder, raw, inputs).texts


def _text_meta_raw(folder: str, raw: str, inputs: InputKey, _params: tuple[str, ...]) -> object:
    analysis = _text_analysis(folder, raw, inputs)
    return pl.DataFrame(
        {
            "method": [analysis.method],
            "n_examples": [analysis.n_examples],
            "evaluated": [analysis.evaluation is not None],
        }
    )


def _text_evaluation_raw(
    folder: str, raw: str, inputs: InputKey, _params: tuple[str, ...]
) -> object:
    evaluation = _text_analysis(folder, raw, inputs).evaluation
    return pl.DataFrame(schema=TEXT_EVALUATION_SCHEMA) if evaluation is None else evaluation


def _text_tokens_raw(folder: str, raw: str, inputs: InputKey, _params: tuple[str, ...]) -> object:
    from egn_analytics.text.normalise import tokens_long

    texts = _text_frame(folder, raw, inputs, "texts", ())
    return tokens_long(texts.select("id", "texte"), fold_accents=False)


def _text_specificities_raw(
    folder: str, raw: str, inputs: InputKey, params: tuple[str, ...]
) -> object:
    from egn_analytics.text.specificities import specificities, term_counts

    column, sources = TEXT_PARTITIONS[params[0]], list(params[1:])
    texts = _text_frame(folder, raw, inputs, "texts", ())
    if sources:
        texts = texts.filter(pl.col("source").cast(pl.String).is_in(sources))
    tokens = _text_frame(folder, raw, inputs, "tokens", ())
    parts = texts.select("id", pl.col(column).cast(pl.String).alias("_part"))
    counts = term_counts(tokens.join(parts, on="id", how="inner"), "_part", "term")
    return specificities(counts, min_frequency=SPECIFICITY_MIN_FREQUENCY)


#: How each text frame is computed (kind → function of the folders, inputs and parameters).
_TEXT_COMPUTE: dict[str, Callable[[str, str, InputKey, tuple[str, ...]], object]] = {
    "texts": _text_texts_raw,
    "meta": _text_meta_raw,
    "evaluation": _text_evaluation_raw,
    "tokens": _text_tokens_raw,
    "specificities": _text_specificities_raw,
}


def _compute_text(
    folder: str, raw: str, inputs: InputKey, kind: str, params: tuple[str, ...]
) -> object:
    """The library call behind each text frame (looked up at each call: tests wrap it)."""
    return _TEXT_COMPUTE[kind](folder, raw, inputs, params)


def _text_frame_schema(kind: str) -> dict[str, pl.DataType]:
    return {
        "texts": text_schema,
        "meta": lambda: _TEXT_META_SCHEMA,
        "evaluation": lambda: TEXT_EVALUATION_SCHEMA,
        "tokens": lambda: TEXT_TOKENS_SCHEMA,
        "specificities": lambda: TEXT_SPECIFICITY_SCHEMA,
    }[kind]()


@lru_cache(maxsize=32)
def _text_frame(
    folder: str, raw: str, inputs: InputKey, kind: str, params: tuple[str, ...]
) -> pl.DataFrame:
    """Memory cache over the disk cache over the computation (like :func:`_usage_frame`).

    Callers must not mutate the result (the public getters hand out clones, but the tokens).
    """

    def compute() -> pl.DataFrame:
        try:
            result = _compute_text(folder, raw, inputs, kind, params)
        except (TextsError, TextsNotBuiltError):
            raise
        except ImportError as exc:
            raise TextsError(
                f"le module d'analyse des textes n'est pas disponible ({exc})"
            ) from exc
        except ValueError as exc:  # the library's own French message (bad labels file…)
            raise TextsError(str(exc)) from exc
        except Exception as exc:  # the page shows the reason, never a traceback
            raise TextsError(f"l'analyse a échoué ({type(exc).__name__} : {exc})") from exc
        return _conform_to(result, _text_frame_schema(kind), TextsError)

    return _through_disk(folder, _text_disk_key(kind, inputs, params), _text_lock, compute)


@lru_cache(maxsize=1)
def _text_fingerprint() -> str:
    """Hash of the text code and data (``.py``, ``.csv`` and the ``.txt`` stop words of
    :data:`_TEXT_CODE`) and of this module, so that a changed classifier, lexicon or
    definition invalidates the disk cache."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{__version__}|{_TEXT_DISK_FORMAT}|{SPECIFICITY_MIN_FREQUENCY}".encode())
    _hash_code(digest, _TEXT_CODE)
    spec = importlib.util.find_spec("egn_analytics.text")
    for root in list(spec.submodule_search_locations or []) if spec else []:
        for path in sorted(Path(root).rglob("*.txt")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _text_disk_key(kind: str, inputs: InputKey, params: tuple[str, ...]) -> str:
    payload = json.dumps([_TEXT_DISK_FORMAT, kind, inputs, params, _text_fingerprint()])
    return f"egn-textes-{kind}-" + hashlib.blake2b(payload.encode(), digest_size=20).hexdigest()


def warm_texts(processed: Path | None = None, raw: Path | None = None) -> None:
    """Analyse the contributions, tokenise them and compute the specificities of every
    partition (server start-up; the specificities take the longest).

    Raises what the getters raise (the caller decides whether to ignore it).
    """
    text_corpus(processed, raw)
    text_tokens(processed, raw)
    for partition in TEXT_PARTITIONS:
        text_specificities(partition, processed, raw)


__all__ = [
    "CONFIG_KEY",
    "GAP_SCHEMA",
    "INDICATOR_INPUTS",
    "INDICATOR_SCHEMA",
    "MANIFEST_SCHEMA",
    "QUALITY_NAME",
    "SPECIFICITY_MIN_FREQUENCY",
    "TEXT_EVALUATION_SCHEMA",
    "TEXT_PARTITIONS",
    "TEXT_SPECIFICITY_SCHEMA",
    "TEXT_TABLES",
    "TEXT_TOKENS_SCHEMA",
    "USAGE_BREAKS",
    "USAGE_CNED",
    "USAGE_ETABLISSEMENTS",
    "USAGE_EVENTS",
    "USAGE_SCHEMAS",
    "CnedNotBuiltError",
    "IndicatorsError",
    "IndicatorsNotBuiltError",
    "Manifest",
    "ManifestError",
    "ManifestNotFoundError",
    "QualityReport",
    "QualityReportError",
    "QualityReportNotFoundError",
    "TableQuality",
    "TextCorpus",
    "TextsError",
    "TextsNotBuiltError",
    "UsageError",
    "UsageNotBuiltError",
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
    "text_corpus",
    "text_inputs",
    "text_schema",
    "text_specificities",
    "text_tokens",
    "usage_closure_ratio",
    "usage_cned",
    "usage_daily",
    "usage_desynchronisation",
    "usage_errors",
    "usage_hourly",
    "usage_inputs",
    "usage_its",
    "usage_its_fitted",
    "usage_national",
    "usage_projects",
    "usage_regions",
    "usage_saturation",
    "warm_texts",
    "warm_usage",
]
