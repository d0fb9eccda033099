"""The indicator stage of ``egn build``: every table a page, a notebook or a note shows.

Why a build stage: the dashboard used to compute the indicators itself, at start-up and on
the first request (survey estimates, ENT usage series and models, the classified texts): a
slow first page, a disk cache beside the data, and numbers a notebook could only get through
the dashboard. After the tidy tables, the build now computes each indicator table once and
writes it as Parquet under ``indicateurs/`` of the new generation, with the loaders'
guarantees:

* a declared schema (a dataframely class beside the function that computes it, validated with
  ``cast=True`` before anything is written);
* atomic writes (:func:`egn_analytics.io.atomic_path`); the cache marker
  ``indicateurs/<name>.meta.json`` is removed first and written last, so a killed build never
  leaves a marker vouching for a half-written table (and the generation switch means a kill
  leaves the previous generation published whole anyway);
* a cache keyed on the *content* of the input tables, the code that computes it and the keys
  of the indicator tables it reads: a second build on unchanged inputs recomputes nothing (the
  generation already holds hard links to the previous tables);
* one summary per table in ``qualite.json`` and one French line per table that fails, the
  others still written; a table whose inputs are not in this build (no ENT events, no texts)
  is reported « absent », which is not a failure.

Specs are computed in their declared order: a spec may read earlier specs' outputs from the
generation (``depends``), so shared bases (the usage daily table) are computed once per build.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import dataframely as dy
import polars as pl

from egn_analytics.generations import raise_if_interrupted
from egn_analytics.io import atomic_path, sha256_file, write_text_atomic

#: Folder of the indicator tables inside a generation.
FOLDER = "indicateurs"
#: ``type`` of the stage's entries in ``qualite.json``.
KIND = "indicateurs"
#: Bump when the stored format (file layout, meta keys) changes: every table is recomputed.
STAGE_VERSION = 1
#: Test-only hook: seconds to sleep inside the stage before the first table is computed, so a
#: test can kill a build while it is in the stage. Unset (the normal case) it does nothing.
PAUSE_ENV = "EGN_INDICATEURS_PAUSE"
PAUSE_MARKER = ".pause-indicateurs"
_CODE_SUFFIXES = frozenset({".py", ".csv", ".txt"})


class IndicatorNotBuiltError(FileNotFoundError):
    """An indicator table is not in the tables folder: ``egn build`` has not made it."""


@dataclass
class StageContext:
    """What a compute function sees: the generation being built, the raw folder, the
    earlier indicator tables, and where to say which combinations it had to leave out."""

    generation: Path
    raw: Path
    #: Combinations left out, with their French reason (written in the table's meta).
    skipped: list[dict[str, str]] = field(default_factory=list)

    def table(self, name: str) -> pl.DataFrame:
        """An indicator table written earlier in this build (a ``depends`` of the spec)."""
        return pl.read_parquet(self.generation / FOLDER / f"{name}.parquet")


Compute = Callable[[StageContext], "pl.DataFrame | Mapping[str, pl.DataFrame]"]


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One indicator computation and the table(s) it writes.

    ``compute`` returns the frame of ``name``, or a mapping ``{table: frame}`` covering
    ``name`` and every table of ``extra`` (one computation giving several tables: an ITS fit
    gives its coefficients and its fitted values). ``inputs`` are glob patterns relative to
    the generation, whose files' content makes the key; ``required`` the patterns that must
    each match something, else the spec is « absent » with ``absent`` as its reason;
    ``raw_inputs`` the raw-folder files that enter the key (the texts' labels file);
    ``depends`` the earlier specs whose tables it reads; ``code`` the modules or packages whose
    source enters the key (the module defining ``compute`` always does).
    """

    name: str
    schema: type[dy.Schema]
    compute: Compute
    inputs: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    absent: str = "tables d'entrée absentes de cette construction"
    raw_inputs: Callable[[Path], Sequence[Path]] | None = None
    depends: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    extra: Mapping[str, type[dy.Schema]] = field(default_factory=dict)
    #: Settings the values depend on (statistical-secret thresholds), part of the key.
    options: Callable[[], Mapping[str, object]] | None = None

    @property
    def tables(self) -> dict[str, type[dy.Schema]]:
        """Every table the spec writes, its own first, with its schema."""
        return {self.name: self.schema, **self.extra}


def polars_dtypes(schema: type[dy.Schema]) -> dict[str, pl.DataType]:
    """The polars dtypes a dataframely schema declares, in its order."""
    return {name: column.dtype for name, column in schema.columns().items()}


def all_specs() -> tuple[IndicatorSpec, ...]:
    """Every spec of the product, in computation order (looked up at each call: tests
    replace a domain's ``SPECS``)."""
    from egn_analytics.indicators import enquetes, textes, usages

    return (*enquetes.SPECS, *usages.SPECS, *textes.SPECS)


def table_schemas() -> dict[str, type[dy.Schema]]:
    """Indicator table name → its declared dataframely schema."""
    return {name: schema for spec in all_specs() for name, schema in spec.tables.items()}


def polars_schema(name: str) -> dict[str, pl.DataType]:
    """The polars dtypes of indicator table ``name`` (for readers that build empty frames)."""
    schemas = table_schemas()
    if name not in schemas:
        raise ValueError(
            f"table d'indicateurs inconnue : {name!r} (connues : {', '.join(schemas)})"
        )
    return polars_dtypes(schemas[name])


# ------------------------------------------------------------------------------ the key -----


@lru_cache(maxsize=64)
def _module_hash(module: str) -> str:
    """Hash of a module's source, or of every ``.py``/``.csv``/``.txt`` file of a package."""
    digest = hashlib.sha256(module.encode())
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # not importable by name (a test's own function)
        spec = None
    if spec is None:
        return digest.hexdigest()
    roots = list(spec.submodule_search_locations or [])
    files: list[tuple[str, Path]] = []
    if roots:
        for root in roots:
            files += [
                (p.relative_to(root).as_posix(), p)
                for p in sorted(Path(root).rglob("*"))
                if p.suffix in _CODE_SUFFIXES and p.is_file()
            ]
    elif spec.origin:
        files = [(Path(spec.origin).name, Path(spec.origin))]
    for rel, path in files:
        digest.update(rel.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def code_version(spec: IndicatorSpec) -> str:
    """The stage's and the spec's code: this module, the module defining ``compute`` and the
    spec's ``code`` modules, so a changed definition recomputes its tables."""
    modules = sorted({__name__, getattr(spec.compute, "__module__", "") or "", *spec.code} - {""})
    digest = hashlib.sha256(f"{STAGE_VERSION}|{spec.name}".encode())
    for module in modules:
        digest.update(f"{module}:{_module_hash(module)}".encode())
    return f"indicateurs:{spec.name}:{digest.hexdigest()[:16]}"


class _Hashes:
    """Content hash of each input file, computed once per build (many specs share inputs)."""

    def __init__(self) -> None:
        self._known: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        if path not in self._known:
            self._known[path] = sha256_file(path)
        return self._known[path]


def _input_files(spec: IndicatorSpec, generation: Path) -> list[Path]:
    found = {
        path
        for pattern in spec.inputs
        for path in generation.glob(pattern)
        if path.is_file()
        and not path.name.startswith(".")
        and not path.name.endswith((".rejects.parquet", ".meta.json"))
    }
    return sorted(found)


def _missing(spec: IndicatorSpec, generation: Path) -> list[str]:
    return [
        pattern
        for pattern in spec.required
        if not any(p.is_file() for p in generation.glob(pattern))
    ]


def spec_key(
    spec: IndicatorSpec,
    generation: Path,
    raw: Path,
    upstream: Mapping[str, str],
    hashes: Callable[[Path], str] | None = None,
) -> str:
    """Cache key of ``spec``: content of its inputs, keys of its upstream tables, its code."""
    from egn_analytics.loaders._core import cache_key

    content = hashes or sha256_file
    files = {
        p.relative_to(generation).as_posix(): content(p) for p in _input_files(spec, generation)
    }
    raws = [Path(p) for p in (spec.raw_inputs(raw) if spec.raw_inputs else ()) if Path(p).is_file()]
    options = {
        "spec": spec.name,
        "fichiers": files,
        "brut": {p.name: content(p) for p in raws},
        "dependances": {name: upstream[name] for name in spec.depends},
        "reglages": dict(spec.options()) if spec.options else {},
    }
    return cache_key([], code_version(spec), options)


# ------------------------------------------------------------------------------ the stage ---


def _meta_path(folder: Path, table: str) -> Path:
    return folder / FOLDER / f"{table}.meta.json"


def _files_of(table: str) -> list[str]:
    return [f"{FOLDER}/{table}.parquet", f"{FOLDER}/{table}.meta.json"]


def _read_meta(folder: Path | None, table: str) -> dict[str, Any] | None:
    if folder is None:
        return None
    try:
        data = json.loads(_meta_path(folder, table).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _carry(previous: Path, generation: Path, relative: str) -> None:
    """Make ``generation/relative`` the previous build's file (a hard link, else a copy)."""
    src, dst = previous / relative, generation / relative
    if dst.is_file() and os.path.samefile(src, dst):
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dst) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copy2(src, tmp)


def _cached(
    spec: IndicatorSpec, key: str, generation: Path, previous: Path | None
) -> list[dict[str, Any]] | None:
    """The stored summaries when every table of ``spec`` was built from ``key``, else None.

    The generation starts as hard links to the previous one, so its own markers are looked at
    first; a table missing there (a generation that did not inherit it) is linked back in.
    """
    summaries = []
    for table in spec.tables:
        here = _read_meta(generation, table)
        source = generation
        if not (
            here
            and here.get("cle_cache") == key
            and (generation / FOLDER / f"{table}.parquet").is_file()
        ):
            here = _read_meta(previous, table)
            source = previous if previous is not None else generation
            if not (
                here
                and here.get("cle_cache") == key
                and (source / FOLDER / f"{table}.parquet").is_file()
            ):
                return None
        summaries.append((table, source, here))
    out = []
    for table, source, meta in summaries:
        if source != generation:
            for relative in _files_of(table):
                _carry(source, generation, relative)
        out.append(meta)
    return out


def _conform(schema: type[dy.Schema], frame: object, table: str) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise ValueError(f"{table} : le calcul a renvoyé un {type(frame).__name__}, pas une table")
    missing = [c for c in schema.column_names() if c not in frame.columns]
    if missing:
        raise ValueError(f"{table} : colonnes absentes du résultat : {', '.join(missing)}")
    try:
        validated = schema.validate(frame.select(schema.column_names()), cast=True)
    except dy.exc.ValidationError as exc:
        # dataframely names the broken rules and how many rows break them, never a value.
        rules = " ".join(" ".join(str(exc).splitlines()[1:]).split()) or type(exc).__name__
        raise ValueError(f"{table} : le résultat ne respecte pas son schéma ({rules})") from exc
    return pl.DataFrame(validated)


def _write(
    spec: IndicatorSpec,
    frames: Mapping[str, pl.DataFrame],
    generation: Path,
    key: str,
    skipped: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """Write each table, then its marker (``<table>.meta.json``: the summary without timings,
    so a table computed again from the same inputs is the same bytes, marker included)."""
    folder = generation / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for table in spec.tables:  # markers first out, last back: never vouching for a new file
        _meta_path(generation, table).unlink(missing_ok=True)
    summaries = []
    for table, frame in frames.items():
        with atomic_path(folder / f"{table}.parquet") as tmp:
            frame.write_parquet(tmp, compression="zstd")
    for table, frame in frames.items():
        summary = _summary(table, frame.height, key, spec, skipped)
        write_text_atomic(
            _meta_path(generation, table), json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
        )
        summaries.append(summary)
    return summaries


def _summary(
    table: str,
    rows: int,
    key: str,
    spec: IndicatorSpec,
    skipped: list[dict[str, str]],
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "type": KIND,
        "table": f"{FOLDER}/{table}",
        "lignes": rows,
        # The loaders' counts, so the « Données » page reconciles every entry the same way:
        # an indicator table rejects nothing (a row that breaks its schema fails the table).
        "lignes_lues": rows,
        "acceptees": rows,
        "rejetees": 0,
        "motifs": {},
        "sources": list(spec.depends),
        "cle_cache": key,
        "version_code": code_version(spec),
        "fichiers": _files_of(table),
    }
    if skipped:
        summary["ignores"] = skipped
    return summary


def _absent(table: str, reason: str) -> dict[str, Any]:
    return {
        "type": KIND,
        "table": f"{FOLDER}/{table}",
        "absent": f"absent : {reason}",
        "lignes": 0,
        "lignes_lues": 0,
        "acceptees": 0,
        "rejetees": 0,
        "motifs": {},
        "cache": False,
        "secondes": 0.0,
        "fichiers": [],
    }


def _pause(generation: Path) -> None:
    """The test-only pause of :data:`PAUSE_ENV` (ignored unless a positive number).

    While it sleeps, a hidden marker ``.pause-indicateurs`` in the generation being built says
    the build has reached the stage (a test kills it then); the marker is removed after.
    """
    try:
        seconds = float(os.environ.get(PAUSE_ENV, "") or 0)
    except ValueError:
        return
    if seconds <= 0:
        return
    marker = generation / PAUSE_MARKER
    marker.touch()
    try:
        time.sleep(min(seconds, 600.0))
    finally:
        marker.unlink(missing_ok=True)


def run_indicators(
    generation: Path,
    raw: Path,
    previous: Path | None,
    *,
    specs: Sequence[IndicatorSpec] | None = None,
    force: bool = False,
) -> list[dict[str, Any]]:
    """Compute, or take from the cache, every indicator table into ``generation``.

    Returns one summary per table (the loaders' keys plus ``lignes``; ``erreur`` for a table
    that failed, ``absent`` for one whose inputs are not in this build), in spec order.
    """
    from egn_analytics.loaders.registry import error_line

    generation, raw = Path(generation), Path(raw)
    hashes = _Hashes()
    keys: dict[str, str] = {}
    failed: dict[str, str] = {}  # spec → « erreur » or « absent » (its dependents follow it)
    absent: dict[str, str] = {}  # spec → why its inputs are not in this build
    out: list[dict[str, Any]] = []
    _pause(generation)
    for spec in specs if specs is not None else all_specs():
        start = time.perf_counter()
        tables = list(spec.tables)
        missing = _missing(spec, generation)
        broken = [d for d in spec.depends if d in failed or d not in keys]
        if missing or any(failed.get(d) == "absent" for d in broken):
            failed[spec.name] = "absent"
            # A table computed from an absent one is absent for the same reason.
            upstream = next((absent[d] for d in broken if d in absent), spec.absent)
            absent[spec.name] = spec.absent if missing else upstream
            out += [_absent(t, absent[spec.name]) for t in tables]
            continue
        if broken:
            failed[spec.name] = "erreur"
            reason = f"calcul impossible : dépend de {', '.join(f'{FOLDER}/{d}' for d in broken)}, en échec"
            out += [
                {
                    "type": KIND,
                    "table": f"{FOLDER}/{t}",
                    "cache": False,
                    "erreur": f"{FOLDER}/{t} : {reason}",
                }
                for t in tables
            ]
            continue
        try:
            key = spec_key(spec, generation, raw, keys, hashes)
            hit = None if force else _cached(spec, key, generation, previous)
            if hit is not None:
                seconds = round(time.perf_counter() - start, 3)
                out += [
                    {**meta, "cache": True, "secondes": seconds if i == 0 else 0.0}
                    for i, meta in enumerate(hit)
                ]
                keys[spec.name] = key
                continue
            context = StageContext(generation, raw)
            result = spec.compute(context)
            frames_in = result if isinstance(result, Mapping) else {spec.name: result}
            unknown = set(frames_in) - set(tables)
            if unknown or set(tables) - set(frames_in):
                raise ValueError(
                    f"le calcul de {spec.name} ne rend pas les tables déclarées ({', '.join(tables)})"
                )
            frames = {t: _conform(spec.tables[t], frames_in[t], t) for t in tables}
            seconds = time.perf_counter() - start
            written = _write(spec, frames, generation, key, context.skipped)
            # One computation: its time is counted once, on the spec's own table.
            out += [
                {**s, "cache": False, "secondes": round(seconds, 3) if i == 0 else 0.0}
                for i, s in enumerate(written)
            ]
            keys[spec.name] = key
        except Exception as exc:  # one failing table must not stop the others
            raise_if_interrupted(exc)  # but Ctrl+C, even turned into an error, stops the build
            failed[spec.name] = "erreur"
            for t in tables:
                _meta_path(generation, t).unlink(missing_ok=True)
            line = f"{FOLDER}/{spec.name} : {error_line(exc)}"
            out += [
                {
                    "type": KIND,
                    "table": f"{FOLDER}/{t}",
                    "cache": False,
                    "erreur": line,
                    "secondes": round(time.perf_counter() - start, 3),
                }
                for t in tables
            ]
    return out


# ------------------------------------------------------------------------------ the reader --


@lru_cache(maxsize=64)
def _read_cached(path: str, _mtime_ns: int, _size: int) -> pl.DataFrame:
    return pl.read_parquet(path)


def read_indicator(
    name: str, folder: str | os.PathLike[str] | None = None, **equals: object
) -> pl.DataFrame:
    """Indicator table ``name`` of the tables folder, rows where ``column == value`` for each
    keyword (``read_indicator("usages_its", territoire="france", profil="eleve")``).

    ``folder``: a tables folder or generation (default: the settings' ``data/processed``,
    pinned to its current generation). Cheap to call repeatedly: the file is read once per
    (path, modification time, size); the caller gets its own frame. Raises
    :class:`IndicatorNotBuiltError` when the table is not there.
    """
    from egn_analytics.generations import current_generation, tables_folder

    base = current_generation(folder) if folder is not None else tables_folder(None)
    path = (base / FOLDER / f"{name}.parquet").resolve()
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise IndicatorNotBuiltError(
            f"table d'indicateurs « {name} » absente de {base} : lancez egn build"
        ) from exc
    frame = _read_cached(str(path), stat.st_mtime_ns, stat.st_size)
    if not equals:
        return frame.clone()
    unknown = [c for c in equals if c not in frame.columns]
    if unknown:
        raise ValueError(f"{name} : colonne(s) inconnue(s) {', '.join(unknown)}")
    return frame.filter(
        *(pl.col(c).is_null() if v is None else pl.col(c) == v for c, v in equals.items())
    )


__all__ = [
    "FOLDER",
    "KIND",
    "PAUSE_ENV",
    "PAUSE_MARKER",
    "IndicatorNotBuiltError",
    "IndicatorSpec",
    "StageContext",
    "all_specs",
    "code_version",
    "polars_dtypes",
    "polars_schema",
    "read_indicator",
    "run_indicators",
    "spec_key",
    "table_schemas",
]
