"""The door every byte comes through: sniffing, raw reading, validation, rejects, outputs.

Every loader follows the same three steps, so that users meet the same behaviour whatever the
source:

1. **read raw** (:func:`read_delimited` and friends): the file is read with every column as a
   string, plus ``_source`` (file name) and ``_ligne`` (line number in the file, header = 1).
   Encoding (UTF-8, UTF-8 with BOM, cp1252) and separator (``;`` ``,`` tab) are detected and
   can be overridden. A file that cannot be read at all raises :class:`LoadError` — one clear
   line naming the file, and the row and column where they are known — and nothing is written.
2. **clean** (loader-specific Polars expressions): trim, decimal commas, ``"94,20%"``, codes
   zero-padded, old académie names mapped…
3. **validate** (:func:`validate`): a dataframely schema checks dtypes and rules; rows that
   fail go to the *rejects* table with their reason(s) in ``_motif``, duplicated keys after the
   first occurrence too. Invariant, always: rows read = accepted + rejected.

Outputs (:func:`write_result`) are Parquet files written atomically, with a sidecar
``<table>.meta.json`` carrying the cache key (input content hash + code version) and counts,
so that re-running on unchanged inputs is near-instant.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dataframely as dy
import polars as pl

from egn_analytics import __version__
from egn_analytics.io import atomic_path, sha256_file, write_text_atomic

SOURCE_COL = "_source"
LINE_COL = "_ligne"
REASON_COL = "_motif"
SHORT_COL = "_ligne_incomplete"
#: Bookkeeping columns that ``read_delimited`` adds beside the file's own columns.
META_COLS = (SOURCE_COL, LINE_COL, SHORT_COL)
ENCODINGS = ("utf-8-sig", "utf-8", "cp1252")
SEPARATORS = (";", ",", "\t", "|")


class LoadError(ValueError):
    """An input that cannot be read at all: one line naming the file, row and column."""

    def __init__(
        self, path: str | Path, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.path = Path(path)
        # One line, always: a header or value quoted across lines must not break it.
        self.message = " ".join(message.split())
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [f"ligne {self.row}"] if self.row is not None else []
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        loc = f" ({', '.join(where)})" if where else ""
        return f"{self.path.name}{loc} : {self.message}"


@dataclass(frozen=True, slots=True)
class TextFormat:
    """What :func:`sniff` found out about a delimited text file."""

    encoding: str
    separator: str
    compressed: bool


@dataclass(slots=True)
class LoadResult:
    """A loader's output: the valid rows (typed), the rejects (raw strings) and the counts."""

    table: str
    data: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int
    sources: tuple[str, ...] = ()
    extra: dict[str, pl.DataFrame] = field(default_factory=dict)  # e.g. a codebook

    def __post_init__(self) -> None:
        if self.rows_read != self.data.height + self.rejects.height:
            raise AssertionError(
                f"{self.table} : {self.rows_read} lignes lues ≠ {self.data.height} acceptées "
                f"+ {self.rejects.height} rejetées"
            )

    def reasons(self) -> pl.DataFrame:
        """Rejected rows by reason (a row with two reasons counts once under each)."""
        if self.rejects.is_empty():
            return pl.DataFrame(schema={REASON_COL: pl.String, "lignes": pl.UInt32})
        return (
            self.rejects.select(pl.col(REASON_COL).str.split(" ; "))
            .explode(REASON_COL)
            .group_by(REASON_COL)
            .agg(pl.len().alias("lignes"))
            .sort("lignes", REASON_COL, descending=[True, False])
        )

    def summary(self) -> dict[str, Any]:
        """Counts for the CLI and the quality report."""
        return {
            "table": self.table,
            "lignes_lues": self.rows_read,
            "acceptees": self.data.height,
            "rejetees": self.rejects.height,
            "motifs": {r[REASON_COL]: r["lignes"] for r in self.reasons().iter_rows(named=True)},
            "sources": list(self.sources),
        }


# --------------------------------------------------------------------------- reading


def open_bytes(path: Path, limit: int | None = None) -> bytes:
    """Bytes of a file, transparently gunzipped; ``LoadError`` on a truncated gzip."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read() if limit is None else fh.read(limit)
        with path.open("rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise LoadError(path, f"fichier illisible ou tronqué ({exc})") from exc


def sniff(path: Path, encoding: str | None = None, separator: str | None = None) -> TextFormat:
    """Detect encoding (BOM, UTF-8, else cp1252) and separator from the first lines."""
    head = open_bytes(path, 64 * 1024)
    if not head.strip():
        raise LoadError(path, "fichier vide")
    if b"\x00" in head[:4096]:
        raise LoadError(path, "fichier binaire : ce n'est pas un texte délimité (CSV)")
    if encoding is None:
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            # A multi-byte character may be cut at the end of a partial sample: decode it
            # incrementally, final only when the sample is the whole file.
            sample_is_whole = len(head) < 64 * 1024
            try:
                codecs.getincrementaldecoder("utf-8")().decode(head, final=sample_is_whole)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "cp1252"
    text = head.decode(encoding, errors="replace")
    if separator is None:
        lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
        try:
            separator = (
                csv.Sniffer().sniff("\n".join(lines[:10]), delimiters="".join(SEPARATORS)).delimiter
            )
        except csv.Error:
            counts = {s: lines[0].count(s) for s in SEPARATORS} if lines else {}
            separator = max(counts, key=counts.__getitem__) if counts else ";"
            if not counts or counts[separator] == 0:
                separator = ";"
    return TextFormat(encoding=encoding, separator=separator, compressed=path.suffix == ".gz")


def read_delimited(
    path: str | Path,
    *,
    required: Sequence[str] = (),
    optional: Iterable[str] = (),
    encoding: str | None = None,
    separator: str | None = None,
    rename: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Read a CSV-like file with every column as a string, plus ``_source`` and ``_ligne``.

    ``required`` columns must all be present (after ``rename``, case- and space-insensitive
    matching of headers), else :class:`LoadError` names the missing ones; ``optional`` ones
    are added empty when absent.
    """
    path = Path(path)
    if not path.is_file():
        raise LoadError(path, "fichier introuvable")
    fmt = sniff(path, encoding, separator)
    raw = open_bytes(path)
    try:
        text = raw.decode(fmt.encoding)
    except UnicodeDecodeError as exc:
        if encoding is None and fmt.encoding.startswith("utf-8"):
            # Detected from the first 64 KiB only: a cp1252 file may start in plain ASCII.
            text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else ""
            if not text:
                line = raw[: exc.start].count(b"\n") + 1
                raise LoadError(path, f"encodage invalide ({fmt.encoding})", row=line) from exc
        else:
            line = raw[: exc.start].count(b"\n") + 1
            raise LoadError(path, f"encodage invalide ({fmt.encoding})", row=line) from exc
    try:
        df = pl.read_csv(
            io.StringIO(text).read().encode("utf-8"),
            separator=fmt.separator,
            infer_schema=False,
            has_header=True,
            quote_char='"',
            truncate_ragged_lines=False,
            raise_if_empty=True,
        )
    except pl.exceptions.NoDataError as exc:
        raise LoadError(path, "fichier vide") from exc
    except pl.exceptions.ComputeError as exc:
        raise LoadError(path, f"CSV mal formé : {str(exc).splitlines()[0]}") from exc
    df = normalise_headers(df, rename, path)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise LoadError(
            path,
            f"colonne(s) attendue(s) absente(s) : {', '.join(missing)} "
            f"(trouvées : {', '.join(df.columns[:12])}{'…' if df.width > 12 else ''})",
            row=1,
        )
    # Optional columns absent from the file are added empty, so cleaning code can name them.
    df = df.with_columns(
        pl.lit(None, dtype=pl.String).alias(c)
        for c in dict.fromkeys(optional)
        if c not in df.columns
    )
    return df.with_columns(
        pl.lit(path.name).alias(SOURCE_COL),
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias(LINE_COL),
        _short_rows(text, fmt.separator, df.height),
    )


def _short_rows(text: str, separator: str, height: int) -> pl.Series:
    """``« ligne incomplète (k champs sur n) »`` for records shorter than the header, else null.

    Polars pads a short record with nulls, so a file cut in the middle of its last line would
    pass for a row with empty cells; the csv module (C code, quote-aware) counts the fields.
    """
    try:
        records = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"')
        counts = [len(r) for r in records]
    except csv.Error:  # a layout csv refuses (stray carriage return…): polars already read it
        counts = []
    expected, counts = (counts[0], counts[1:]) if counts else (0, [])
    if (
        not expected or len(counts) != height
    ):  # a layout the two parsers read differently: say nothing
        return pl.Series(SHORT_COL, [None] * height, dtype=pl.String)
    k = pl.Series(counts, dtype=pl.Int64)
    return pl.select(
        pl.when(k < expected)
        .then(pl.format("ligne incomplète ({} champs sur {})", k, pl.lit(expected)))
        .alias(SHORT_COL)
    ).to_series()


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def normalise_headers(
    df: pl.DataFrame, rename: dict[str, str] | None = None, path: Path | None = None
) -> pl.DataFrame:
    """Trim headers, drop a stray BOM, lower-case; then apply ``rename`` (keys lower-cased)."""
    clean = {c: c.replace("\ufeff", "").strip().lower() for c in df.columns}
    if len(set(clean.values())) != len(clean):
        dup = sorted({v for v in clean.values() if list(clean.values()).count(v) > 1})
        raise LoadError(path or "(en-tête)", f"colonnes en double : {', '.join(dup)}", row=1)
    df = df.rename(clean)
    if rename:
        lowered = {k.lower(): v for k, v in rename.items()}
        mapping = {c: lowered[c] for c in df.columns if c in lowered}
        targets = [mapping.get(c, c) for c in df.columns]
        clash = sorted({t for t in targets if targets.count(t) > 1})
        if clash:
            raise LoadError(
                path or "(en-tête)", f"plusieurs colonnes donnent {', '.join(clash)}", row=1
            )
        df = df.rename(mapping)
    return df


# --------------------------------------------------------------------------- cleaning helpers


def french_number(col: str | pl.Expr) -> pl.Expr:
    """``"1 234,5"``, ``"94,20%"``, ``"12.5"`` → Float64 (``%`` kept as a number of points)."""
    expr = pl.col(col) if isinstance(col, str) else col
    return (
        expr.str.strip_chars()
        .str.replace_all(r"[\s\u00a0\u202f]", "")
        .str.strip_suffix("%")
        .str.replace(",", ".", literal=True)
        .cast(pl.Float64, strict=False)
    )


def null_if_empty(col: str | pl.Expr) -> pl.Expr:
    """Empty or blank strings become null."""
    expr = pl.col(col) if isinstance(col, str) else col
    stripped = expr.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


# --------------------------------------------------------------------------- validation


def validate(
    raw: pl.DataFrame,
    typed: pl.DataFrame,
    schema: type[dy.Schema],
    *,
    key: Sequence[str] = (),
    checks: Iterable[tuple[str, pl.Expr]] = (),
    table: str,
) -> LoadResult:
    """Split typed rows into valid ones and rejects with reasons; raw strings kept for rejects.

    ``raw`` and ``typed`` are row-aligned (same height, same order). Reasons, all vectorised:

    * a value that does not cast to the schema's dtype (« type invalide (col) »);
    * every column rule the dataframely schema declares (nullability, min, max, regex…);
    * ``checks``: (reason, expression true when the row is INVALID) pairs for rules whose
      message must be specific (« académie inconnue », « date impossible », « poids ≤ 0 »);
    * duplicate ``key`` after its first occurrence (« clé en double (…) »).

    The accepted frame is finally checked with ``schema.validate``: a row that slipped through
    is a bug in the loader, and it raises rather than publishing an invalid table.
    """
    if raw.height != typed.height:
        raise AssertionError("raw and typed frames must be row-aligned")
    columns = schema.columns()
    missing = [c for c in columns if c not in typed.columns]
    if missing:
        raise AssertionError(f"{table}: typed frame lacks schema columns {missing}")
    before = typed.select(list(columns))
    cast = before.with_columns(
        pl.col(name).cast(col.dtype, strict=False) for name, col in columns.items()
    )
    reasons: list[pl.Expr] = []
    for name, col in columns.items():
        if before.schema[name] != col.dtype:
            failed = pl.col(f"__before_{name}").is_not_null() & pl.col(name).is_null()
            reasons.append(pl.when(failed).then(pl.lit(f"type invalide ({name})")))
        for rule, ok in col.validation_rules(pl.col(name)).items():
            label = _rule_label(f"{name}|{rule}")
            reasons.append(pl.when(ok.not_().fill_null(False)).then(pl.lit(label)))
    specific: list[pl.Expr] = [
        pl.when(bad.fill_null(False)).then(pl.lit(reason)) for reason, bad in checks
    ]
    if SHORT_COL in raw.columns:
        # A truncated record explains every other failure on its row: checked first.
        specific.insert(0, pl.lit(raw[SHORT_COL]))
    frame = pl.concat(
        [
            cast,
            before.select(pl.all().name.prefix("__before_")),
            typed.select([c for c in typed.columns if c not in columns]),
        ],
        how="horizontal",
    )

    # A specific reason (« académie inconnue ») explains its consequences (missing code,
    # missing label): when one fires, the generic rule messages are left out.
    def joined(exprs: list[pl.Expr]) -> pl.Expr:
        if not exprs:
            return pl.lit(None, dtype=pl.String)
        text = pl.concat_str(exprs, separator=" ; ", ignore_nulls=True)
        return pl.when(text == "").then(None).otherwise(text)

    motif = frame.select(
        pl.coalesce(joined(specific), joined(reasons)).alias(REASON_COL)
    ).to_series()
    if key:
        motif = mark_duplicates(frame.select(list(key)), motif)
    ok_mask = motif.is_null()
    accepted = schema.validate(cast.filter(ok_mask), cast=True)
    rejects = raw.with_columns(motif).filter(pl.col(REASON_COL).is_not_null())
    sources = (
        tuple(raw[SOURCE_COL].unique(maintain_order=True).to_list())
        if SOURCE_COL in raw.columns
        else ()
    )
    return LoadResult(table, accepted, rejects, raw.height, sources)


def mark_duplicates(keys: pl.DataFrame, motif: pl.Series) -> pl.Series:
    """Add « clé en double (…) » to rows repeating a key, ``keys`` being row-aligned with ``motif``.

    Duplicates are counted among rows that have their whole key and no other reason: a first
    occurrence rejected for another cause must not push out a valid later one, and rows
    without a key are « valeur manquante », not duplicates of each other.
    """
    cols = keys.columns
    work = keys.with_columns(
        (
            motif.is_null() & keys.select(pl.all_horizontal(pl.all().is_not_null())).to_series()
        ).alias("_open"),
        pl.int_range(pl.len()).alias("_i"),
    )
    first = work.filter("_open").group_by(cols).agg(pl.col("_i").min().alias("_first"))
    dup = (
        work.join(first, on=cols, how="left", maintain_order="left")
        .select(pl.col("_open") & (pl.col("_i") != pl.col("_first")))
        .to_series()
    )
    label = f"clé en double ({', '.join(cols)})"
    return pl.select(
        pl.when(pl.lit(dup)).then(pl.lit(label)).otherwise(pl.lit(motif)).alias(motif.name)
    ).to_series()


def _rule_label(rule: str) -> str:
    """dataframely rule names (``col|min``) → French reasons."""
    col, _, kind = rule.partition("|")
    labels = {
        "nullability": "valeur manquante",
        "min": "valeur trop petite",
        "max": "valeur trop grande",
        "min_exclusive": "valeur trop petite",
        "max_exclusive": "valeur trop grande",
        "regex": "format invalide",
        "min_length": "texte trop court",
        "max_length": "texte trop long",
        "is_in": "valeur hors nomenclature",
    }
    return f"{labels.get(kind, kind)} ({col})"


# --------------------------------------------------------------------------- outputs and cache


def cache_key(
    inputs: Sequence[Path], code_version: str, options: dict[str, Any] | None = None
) -> str:
    """Content hash of the inputs + code version + options: the cache key of a table."""
    h = hashlib.sha256()
    h.update(f"{__version__}|{code_version}|{json.dumps(options or {}, sort_keys=True)}".encode())
    for p in sorted(inputs, key=lambda q: q.name):
        h.update(p.name.encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()


def cached(out_dir: Path, table: str, key: str) -> dict[str, Any] | None:
    """The stored summary if ``out_dir`` holds ``table`` built from the same key, else None."""
    meta = out_dir / f"{table}.meta.json"
    # A table is one Parquet file, or a partitioned dataset folder (ENT events).
    stored = (out_dir / f"{table}.parquet").is_file() or (out_dir / table).is_dir()
    if not meta.is_file() or not stored:
        return None
    data: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
    return data if data.get("cle_cache") == key else None


def write_result(result: LoadResult, out_dir: Path, key: str) -> dict[str, Any]:
    """Write ``<table>.parquet``, ``<table>.rejects.parquet`` (and extras) atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # The cache marker goes first and comes back last: a run killed between the writes can
    # never leave an old marker vouching for new (or half-new) tables.
    (out_dir / f"{result.table}.meta.json").unlink(missing_ok=True)
    with atomic_path(out_dir / f"{result.table}.parquet") as tmp:
        result.data.write_parquet(tmp, compression="zstd")
    with atomic_path(out_dir / f"{result.table}.rejects.parquet") as tmp:
        result.rejects.write_parquet(tmp, compression="zstd")
    for name, frame in result.extra.items():
        with atomic_path(out_dir / f"{name}.parquet") as tmp:
            frame.write_parquet(tmp, compression="zstd")
    summary = {**result.summary(), "cle_cache": key}
    write_text_atomic(
        out_dir / f"{result.table}.meta.json",
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
    )
    return summary


Loader = Callable[..., LoadResult]
