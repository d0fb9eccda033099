"""Shared pieces of the synthetic-data generator: seeding, file records, synthetic markers.

Determinism contract: for a given (seed, scale, options) every file is byte-identical across
runs and machines. So: every component draws from its own ``numpy`` generator derived from
``(seed, component name)`` (adding a component never shifts another's numbers), nothing writes
a timestamp, and every writer sorts its rows before writing.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from egn_analytics.io import atomic_path, sha256_file

#: Put in file names, folder notices, file labels and a column of small tables.
SYNTHETIC_TAG = "SYNTHETIQUE"
SYNTHETIC_MARK = "DONNEES SYNTHETIQUES - EGN Analytics - ne decrivent aucune personne reelle"
GENERATOR_VERSION = "1"


def rng_for(seed: int, component: str) -> np.random.Generator:
    """Independent, reproducible random generator for one component of the dataset."""
    digest = hashlib.sha256(component.encode("utf-8")).digest()
    salt = int.from_bytes(digest[:8], "little")
    return np.random.default_rng(np.random.SeedSequence([seed, salt]))


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One generated raw file, as listed in ``manifest.json`` (paths relative to the output)."""

    path: str
    family: str  # "etablissements" | "enquetes" | "ent" | "cned" | "textes" | "calendrier"
    description: str  # French, shown on the « Données » page
    format: str  # "csv" | "csv.gz" | "parquet" | "sav" | "jsonl" | "txt" | "md" | ...
    rows: int | None  # data rows (None for free-text documents counted elsewhere)
    bytes: int = 0
    sha256: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def relative(path: Path, root: Path) -> str:
    """POSIX path of ``path`` relative to ``root`` (manifest entries are portable)."""
    return path.relative_to(root).as_posix()


def file_record(
    dest: Path, out_dir: Path, family: str, description: str, fmt: str, rows: int | None
) -> FileRecord:
    """Describe a file just written (size and content hash read back from disk)."""
    return FileRecord(
        path=relative(dest, out_dir),
        family=family,
        description=description,
        format=fmt,
        rows=rows,
        bytes=dest.stat().st_size,
        sha256=sha256_file(dest),
    )


def write_csv_table(
    df: pl.DataFrame,
    dest: Path,
    out_dir: Path,
    family: str,
    description: str,
    *,
    include_bom: bool = False,
) -> FileRecord:
    """Write ``df`` as a ``;`` CSV atomically and return its record (the common raw format)."""
    with atomic_path(dest) as tmp:
        df.write_csv(tmp, separator=";", include_bom=include_bom, null_value="")
    return file_record(dest, out_dir, family, description, "csv", df.height)
