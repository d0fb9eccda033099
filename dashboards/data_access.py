"""The pages' only door to data: cached, read-only getters.

Why one door: pages never open files, so the app can be pointed at another data folder in
one place (``create_app(data_dir)`` or ``EGN_DATA_DIR``), tests can hand it a tiny fixture, and
caching is decided here rather than in globals that callbacks would mutate.

Caching: results are cached in memory keyed on the file's path, modification time and size,
so a regenerated manifest (``make data`` while the app runs) is picked up on the next page
load without a restart, and an unchanged one is parsed once per process. Getters return
values that callers must treat as read-only (polars frames are cloned, which is cheap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import flask
import polars as pl

from egn_analytics import SYNTHETIC_NOTICE
from egn_analytics.config import Settings, get_settings

#: Key of the data folder in the Flask config of the app built by ``create_app``.
CONFIG_KEY = "EGN_DATA_DIR"
MANIFEST_NAME = "manifest.json"

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


__all__ = [
    "CONFIG_KEY",
    "MANIFEST_SCHEMA",
    "Manifest",
    "ManifestError",
    "ManifestNotFoundError",
    "configure",
    "data_dir",
    "load_manifest",
    "manifest_path",
    "raw_dir",
    "source_catalogue",
    "synthetic_notice",
]
