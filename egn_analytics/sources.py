"""What a data folder says about itself: the raw manifest and the last build's quality report.

Two files, read by the « Données » page, its cards (:mod:`egn_analytics.cards.donnees`), a
notebook or a note alike: the raw folder's ``manifest.json`` (what the embedded sources are,
whether they are synthetic; written by the generator, :mod:`egn_analytics.synth.common`) and
the processed folder's ``qualite.json`` (what the last ``egn build`` read, kept and rejected).

Caching: each is parsed once per (path, modification time, size), so a regenerated file is
picked up on the next read without a restart and an unchanged one is parsed once per process.
Results are read-only for callers (the manifest's frame is cloned for each caller, which is
cheap; the quality report is made of frozen dataclasses and tuples).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from egn_analytics import SYNTHETIC_NOTICE

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


def raw_dir_of(tables: str | os.PathLike[str]) -> Path:
    """The raw folder beside a tables folder (``data/raw`` for ``data/processed`` or one of its
    generations): where the manifest of the sources those tables were built from lives."""
    from egn_analytics.generations import data_dir_of

    return data_dir_of(tables) / "raw"


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


__all__ = [
    "MANIFEST_NAME",
    "MANIFEST_SCHEMA",
    "QUALITY_NAME",
    "Manifest",
    "ManifestError",
    "ManifestNotFoundError",
    "QualityReport",
    "QualityReportError",
    "QualityReportNotFoundError",
    "TableQuality",
    "load_manifest",
    "load_quality_report",
    "manifest_path",
    "quality_report_path",
    "raw_dir_of",
    "source_catalogue",
    "synthetic_notice",
]
