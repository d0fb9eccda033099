"""DEPP survey microdata → a respondents table and its codebook, whatever the file format.

Formats, told apart by the file suffix:

* delimited text (``.csv``, ``.txt``, ``.tsv``, ``.tab``, optionally ``.gz``): separator
  ``;`` ``,`` or tab, UTF-8 (with or without BOM) or cp1252, decimal comma — detected by
  :func:`~egn_analytics.loaders._core.read_delimited`, overridable;
* Excel (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``; first sheet, header on row 1)
  through Polars' calamine engine (fastexcel), every cell read as text then typed here; the
  header is taken as written in the sheet (a repeated column is a :class:`LoadError`, as in
  a CSV) and a zipped workbook inflating past ``EGN_MAX_INFLATED_MB`` is refused before
  calamine reads it;
* Parquet (``.parquet``, ``.pq``);
* SPSS (``.sav``, ``.zsav``), Stata (``.dta``), SAS (``.sas7bdat``, with a ``<stem>.sas7bcat``
  or ``formats.sas7bcat`` catalog beside it for value labels; ``.xpt`` transport files) through
  pyreadstat (``output_format="polars"``, ``apply_value_formats=False``: codes stay codes), the
  variable and value labels being kept as the codebook.

**Codebook.** Labels come from the file itself (SPSS / Stata / SAS metadata) and from a
codebook CSV — given with ``codebook=``, else found beside the data as
``<stem>_dictionnaire.csv`` — with columns ``variable``, ``libelle``, ``type``
(``catégorielle`` / ``numérique`` / ``texte`` / ``date``) and ``modalites``
(``"1 = Oui | 2 = Non"``), the layout the generator writes. Where both describe a variable, the
codebook CSV wins field by field (a user who hands one over means it); the file's metadata fills
what it leaves empty. Each column is then typed:

* design columns (renamed to their canonical names, see below): strata, PSU and ``id`` →
  ``String``, weight and fpc → ``Float64``;
* a variable with value labels (or declared ``catégorielle``) → ``Int64`` codes; a code missing
  from the labels is rejected (« modalité inconnue (var=7) »);
* a variable declared ``numérique``, or stored as numbers in a binary file, or — with no
  codebook entry — a text column where most values parse as numbers and none looks like a
  zero-padded code (``"01"``) → ``Int64`` if every value is whole, else ``Float64``; a value
  that does not parse is rejected (« type invalide (var) »). ``""``, ``.``, ``NA``, ``N/A`` and
  ``NaN`` are missing values there, not errors;
* anything else → ``String`` (trimmed, empty → null); SPSS / Stata / SAS dates keep their
  temporal dtype (``date``). Value labels on string variables are ignored.

The codebook table, ``LoadResult.extra["<table>_dictionnaire"]``, has one row per column of the
respondents table (``variable``, ``libelle``, ``type``, ``modalites`` as a list of
``{code, libelle}``, null for non-categorical variables).

**Design columns.** ``weight``, ``strata``, ``psu`` and ``fpc`` name them in the file (defaults
``poids``, ``strate``, ``uai``, ``fpc``; case-insensitive); they are renamed to those canonical
names so that every respondents table speaks the same design language. Weight, strata and PSU
are required (else :class:`LoadError`); a file without fpc gets a null ``fpc`` column.

**Declared layout.** ``mapping`` (``{role: column}``) and ``constants`` (``{role: value}``),
as for every loader (``egn ingest survey FILE --map poids=Pond --map uai=RNE --set strate=1``),
name the DEPP design columns (roles :data:`ROLES`: ``poids``, ``strate``, ``uai``, ``fpc``) the
way ``weight``/``strata``/``psu``/``fpc`` do, and a constant fills one the file lacks (a single
stratum); a mapped column that is absent is one line naming it (« colonne « Pond » absente
(--map poids=Pond) »). They belong to the DEPP layout: with a declared design (below), whose
columns keep their names, they are refused.

**Declared design.** A file that is not a DEPP file (NHANES, a foreign survey) declares its
design with R's ``svydesign`` arguments: ``ids`` (PSU column, or one per stage; ``"1"``: every
row is a PSU), ``strata``, ``weights``, ``fpc`` (one per stage, counts or fractions as in R) and
``nest`` (CLI: ``--ids psu --strata strata --weights finalwgt --nest``). Then nothing is renamed
and no DEPP column is required: every column keeps its name, design columns are typed as above
(ids and strata text, weights and fpc ``Float64``), a declared column absent from the file is
one line (« nhanes2.dta : colonne « poids_final » (--weights) absente »). A row is rejected for
a missing or non-numeric design value or a negative weight (« poids < 0 ou manquant
(finalwgt) »); a zero weight is kept, as R keeps it. Without ``nest``, a PSU id found in two
strata is a :class:`LoadError` (R's « Clusters not nested in strata »); with it, PSUs are
identified by (stratum, id), R's ``nest=TRUE``. The design is then built on the accepted rows
(a design R would refuse is refused here) and recorded in the table's summary,
``<table>.meta.json``, under ``plan_de_sondage`` (``{"ids": [...], "strata": [...],
"weights": ..., "fpc": [...], "nest": ...}``): :func:`design_from_table` rebuilds the
``SurveyDesign`` from the written table, its codebook giving the value labels.

**Rows and rejects.** Rows read = accepted + rejected. A row is rejected, with every reason that
applies, for: weight ≤ 0 or missing (« poids ≤ 0 ou manquant »), weight not a number (« type
invalide (poids) »), missing strata or PSU (« valeur manquante (strate) »), missing or
duplicated ``id`` (after its first occurrence: « clé en double (id) »), an unknown code or a
value of the wrong type. ``_ligne`` is the line in a text file and the row in an Excel sheet
(header = 1, so the first respondent is 2), and the record number in Parquet / SPSS / Stata /
SAS files (the first respondent is 1). Rejects keep the values as read, as text.

**fpc is a file-level check, not a row reject.** fpc is an attribute of a stratum (N_h, the
number of PSUs in it), not of a respondent: a stratum whose fpc is ≤ 0, not constant, or smaller
than the number of PSUs sampled in it (counted over all rows with a stratum and a PSU) means the
design description itself is wrong. Dropping the rows would silently remove a stratum — and its
share of the population — from every estimate, and keeping them would produce impossible
variances; so it is a :class:`LoadError` naming the stratum, the first line and the column, and
nothing is written. Likewise fpc given on some rows only, or not a number. (fpc is read as a
count: sampling fractions, all ≤ 1, fail with a hint saying so.)

**Unreadable inputs** (missing, empty, truncated, random bytes, unknown suffix, missing design
column, malformed codebook) raise :class:`LoadError`: one French line naming the file, and the
row and column where known. Reader exceptions (pyreadstat, Polars, calamine) are wrapped.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import dataframely as dy
import polars as pl

from egn_analytics.loaders._core import (
    LINE_COL,
    MAX_INFLATED_ENV,
    META_COLS,
    REASON_COL,
    SHORT_COL,
    SOURCE_COL,
    LoadError,
    LoadResult,
    french_number,
    io_reason,
    mark_duplicates,
    max_inflated_bytes,
    normalise_headers,
    null_if_empty,
    read_delimited,
)
from egn_analytics.loaders._mapping import Declared, apply_mapping, declare, match_columns
from egn_analytics.schemas.survey import (
    FPC,
    KIND_CATEGORICAL,
    KIND_DATE,
    KIND_NUMERIC,
    KIND_TEXT,
    MODALITE,
    PSU,
    RESPONDENT_ID,
    STRATA,
    WEIGHT,
    CodebookSchema,
    _answer_column,
    respondents_schema,
)

if TYPE_CHECKING:
    from egn_analytics.survey import SurveyDesign

TABLE = "enquete"
CODE_VERSION = "1"
CODEBOOK_SUFFIX = "_dictionnaire"
#: Key of a declared design in the table's summary (``<table>.meta.json``).
DESIGN_KEY = "plan_de_sondage"
#: Roles a ``--map``/``--set`` may name: the DEPP design columns.
ROLES = (WEIGHT, STRATA, PSU, FPC)

_TEXT = (".csv", ".txt", ".tsv", ".tab")
_EXCEL = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_PARQUET = (".parquet", ".pq")
#: suffix → (pyreadstat reader, name of the format in messages)
_READSTAT = {
    ".sav": ("read_sav", "SPSS"),
    ".zsav": ("read_sav", "SPSS"),
    ".dta": ("read_dta", "Stata"),
    ".sas7bdat": ("read_sas7bdat", "SAS"),
    ".xpt": ("read_xport", "SAS transport (XPT)"),
}
_MISSING_MARKERS = ["", ".", "NA", "N/A", "NAN"]
_MAX_EXACT = 2.0**53  # beyond, a float is not a reliable integer code
_KIND_ALIASES = {
    **dict.fromkeys(
        ["catégorielle", "categorielle", "catégoriel", "categoriel", "qualitative",
         "categorical", "nominale", "ordinale"], KIND_CATEGORICAL),
    **dict.fromkeys(
        ["numérique", "numerique", "quantitative", "numeric", "nombre", "entier", "réel",
         "reel"], KIND_NUMERIC),
    **dict.fromkeys(
        ["texte", "text", "chaîne", "chaine", "string", "caractère", "caractere",
         "alphanumérique", "alphanumerique"], KIND_TEXT),
    "date": KIND_DATE,
}  # fmt: skip
_CODEBOOK_COLUMNS = {
    "libellé": "libelle",
    "label": "libelle",
    "libelle_variable": "libelle",
    "nom": "variable",
    "name": "variable",
    "nom_variable": "variable",
    "modalités": "modalites",
    "valeurs": "modalites",
    "value_labels": "modalites",
}


@dataclass(frozen=True, slots=True)
class _Variable:
    """What the codebook(s) say about one variable."""

    libelle: str | None = None
    kind: str | None = None
    labels: tuple[tuple[int, str], ...] | None = None  # None: no value labels


# --------------------------------------------------------------------------- names and files


def _family(path: Path) -> tuple[str, str]:
    """(format family, stem without the format suffixes); ``LoadError`` on an unknown suffix."""
    name = path.name
    if name.lower().endswith(".gz"):
        inner = Path(name[:-3])
        if inner.suffix.lower() in _TEXT:
            return "text", inner.stem
        raise LoadError(
            path, "format non reconnu (.gz) : seuls les fichiers CSV compressés sont lus"
        )
    suffix = path.suffix.lower()
    if suffix in _TEXT:
        return "text", path.stem
    if suffix in _EXCEL:
        return "excel", path.stem
    if suffix in _PARQUET:
        return "parquet", path.stem
    if suffix in _READSTAT:
        return "readstat", path.stem
    raise LoadError(
        path,
        f"format non reconnu ({suffix or 'sans extension'}) : attendu CSV, Excel, Parquet, "
        "SAS (.sas7bdat, .xpt), SPSS (.sav, .zsav) ou Stata (.dta)",
    )


def _stem(path: Path) -> str:
    try:
        return _family(path)[1]
    except LoadError:
        return path.stem


def table_name(path: str | Path) -> str:
    """``depp_continuite_2020_eleves_2d_SYNTHETIQUE.sav`` → ``enquete_eleves_2d``.

    The DEPP prefix and the synthetic marker are dropped; any other stem becomes a slug
    (ASCII, lower case, ``_``), prefixed with ``enquete_`` unless it already starts so.
    """
    stem = re.sub(r"^depp_continuite_\d{4}_", "", _stem(Path(path)), flags=re.IGNORECASE)
    stem = re.sub(r"_synthetique$", "", stem, flags=re.IGNORECASE)
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_stem.lower()).strip("_")
    if slug == TABLE or slug.startswith(f"{TABLE}_"):
        return slug
    return f"{TABLE}_{slug}" if slug else TABLE


def _codebook_path(path: Path, codebook: str | Path | None) -> Path | None:
    if codebook is not None:
        cb = Path(codebook)
        if not cb.is_file():
            raise LoadError(cb, "dictionnaire des variables introuvable")
        return cb
    beside = path.with_name(f"{_stem(path)}{CODEBOOK_SUFFIX}.csv")
    return beside if beside.is_file() else None


def _sas_catalog(path: Path) -> Path | None:
    if path.suffix.lower() != ".sas7bdat":
        return None
    for name in (f"{path.stem}.sas7bcat", "formats.sas7bcat"):
        if (path.parent / name).is_file():
            return path.parent / name
    return None


def inputs(path: str | Path, *, codebook: str | Path | None = None, **_: Any) -> list[Path]:
    """The files whose content makes the cache key: data, codebook CSV, SAS catalog."""
    path = Path(path)
    found = [path]
    cb = codebook if codebook is not None else _codebook_path(path, None)
    found += [Path(p) for p in (cb, _sas_catalog(path)) if p is not None]
    return found


# --------------------------------------------------------------------------- reading


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _normalise(
    path: Path, df: pl.DataFrame, header_row: int | None, written: list[str] | None = None
) -> pl.DataFrame:
    """Lower-case, trimmed headers; duplicates and reserved names are a ``LoadError``.

    ``written``: the header as in the file, when the reader renamed it (see
    :func:`_read_excel`)."""
    try:
        df = normalise_headers(df, written=written)
    except LoadError as exc:
        raise LoadError(path, exc.message, header_row, exc.column) from exc
    reserved = [c for c in (SOURCE_COL, LINE_COL, REASON_COL) if c in df.columns]
    if reserved:
        raise LoadError(path, f"nom de colonne réservé : {', '.join(reserved)}", header_row)
    return df


def _with_lines(df: pl.DataFrame, path: Path, first: int) -> pl.DataFrame:
    return df.with_columns(
        pl.lit(path.name).alias(SOURCE_COL),
        (pl.int_range(pl.len(), dtype=pl.Int64) + first).alias(LINE_COL),
    )


def _read_text(path: Path, encoding: str | None, separator: str | None) -> pl.DataFrame:
    try:
        # The design columns mark a real header: a first line without any is taken for a
        # respondent's row, and error messages do not quote it.
        return read_delimited(
            path,
            encoding=encoding,
            separator=separator,
            expected=(STRATA, PSU, WEIGHT, FPC, RESPONDENT_ID),
        )
    except LoadError as exc:
        if exc.path == path:
            raise
        raise LoadError(path, exc.message, exc.row, exc.column) from exc


def _read_excel(path: Path) -> pl.DataFrame:
    """The first sheet, every cell as text, its first row being the header as written.

    Read without a header: fastexcel renames a repeated header (« note », « note_1 »), and
    the first copy silently became « note ». Taken from the sheet's first row, a repeated
    name is the same ``LoadError`` as in a CSV (« colonne « note » en double (colonnes 3 et
    4) »). An empty header cell keeps fastexcel's name (``__UNNAMED__4``), as before.
    """
    _check_inflated(path)
    try:
        sheet = pl.read_excel(path, infer_schema_length=0, drop_empty_rows=False, has_header=False)
    except pl.exceptions.NoDataError as exc:
        raise LoadError(path, "fichier vide (aucune donnée dans la première feuille)") from exc
    except Exception as exc:  # calamine / fastexcel errors: wrapped into one clear line
        raise LoadError(path, f"classeur Excel illisible ({_first_line(exc)})") from exc
    if not isinstance(sheet, pl.DataFrame):  # pragma: no cover - one sheet asked, one returned
        raise LoadError(path, "classeur Excel illisible (plusieurs feuilles)")
    if sheet.height == 0:
        raise LoadError(path, "fichier vide (aucune donnée dans la première feuille)")
    written = [
        f"__UNNAMED__{i}" if v is None or not v.strip() else v for i, v in enumerate(sheet.row(0))
    ]
    df = sheet.slice(1)
    df = _with_lines(_normalise(path, df, 1, written), path, 2)
    data = [c for c in df.columns if c not in META_COLS]
    # Blank rows of a sheet (formatting leftovers) are not records.
    return df.filter(~pl.all_horizontal(pl.col(data).is_null())) if data else df


def _check_inflated(path: Path) -> None:
    """``LoadError`` when a zipped workbook (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.ods``) inflates
    past the cap of gzip inputs (:func:`~egn_analytics.loaders._core.max_inflated_bytes`).

    calamine inflates the sheet in memory and keeps every cell: a few MB of zip can hold GB
    of XML. The sizes the archive declares are checked first (instant); they can lie, so
    each deflated entry is then inflated and counted — as far as a reader could inflate it,
    its compressed bytes — in 1 MiB steps kept nowhere, stopping at the cap: at most the cap
    of work, no memory. A ``.xls`` (BIFF) is not compressed: its size on disk bounds it.
    """
    if not zipfile.is_zipfile(path):
        return
    cap = max_inflated_bytes()
    mb = f"{cap / 1024 / 1024:g}".replace(".", ",")
    too_big = LoadError(
        path,
        f"classeur trop volumineux une fois décompressé : plus de {mb} Mo "
        f"(limite réglable par {MAX_INFLATED_ENV} ou [tool.egn] max_inflated_mb)",
    )
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
        if sum(e.file_size for e in entries) > cap:
            raise too_big
        total = 0
        with path.open("rb") as fh:
            for entry in entries:
                total += _inflated_size(fh, entry, cap - total)
                if total > cap:
                    raise too_big
    except zlib.error:
        raise LoadError(path, "classeur Excel illisible (données compressées corrompues)") from None
    except zipfile.BadZipFile:
        raise LoadError(path, "classeur Excel illisible (archive zip corrompue)") from None
    except OSError as exc:
        raise LoadError(path, io_reason(exc)) from None


def _inflated_size(fh: BinaryIO, entry: zipfile.ZipInfo, budget: int) -> int:
    """What ``entry`` inflates to, counted up to ``budget`` + 1 MiB (then: over budget).

    Read from the raw archive, not through ``zipfile``, which stops at the declared size: a
    reader that does not (calamine's) would go on. Stored entries are their size; other
    methods than deflate (never in a workbook) count as declared.
    """
    if entry.compress_type == zipfile.ZIP_STORED:
        return entry.compress_size
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        return entry.file_size
    fh.seek(entry.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("en-tête local")
    fh.seek(int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little"), 1)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, total = entry.compress_size, 0
    while left > 0 and not inflater.eof and total <= budget:
        data = fh.read(min(left, 1 << 16))
        if not data:
            break
        left -= len(data)
        while data and total <= budget:
            total += len(inflater.decompress(data, 1 << 20))
            data = inflater.unconsumed_tail
    return total


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        df = pl.read_parquet(path)
    except Exception as exc:  # Polars / Arrow errors: wrapped into one clear line
        raise LoadError(path, f"fichier Parquet illisible ({_first_line(exc)})") from exc
    return _with_lines(_normalise(path, df, None), path, 1)


def _numeric_labels(labels: dict[Any, Any] | None) -> tuple[tuple[int, str], ...] | None:
    """pyreadstat value labels → sorted integer codes; string-keyed labels are ignored."""
    if not labels:
        return None
    out = {
        int(k): str(v)
        for k, v in labels.items()
        if isinstance(k, int | float) and not isinstance(k, bool) and float(k).is_integer()
    }
    return tuple(sorted(out.items())) if out else None


def _read_readstat(path: Path, encoding: str | None) -> tuple[pl.DataFrame, dict[str, _Variable]]:
    import pyreadstat  # imported here: only SAS / SPSS / Stata inputs need it

    reader_name, what = _READSTAT[path.suffix.lower()]
    kwargs: dict[str, Any] = {"output_format": "polars"}
    if reader_name in ("read_sav", "read_dta"):
        kwargs["apply_value_formats"] = False
    if encoding:
        kwargs["encoding"] = encoding
    try:
        df, meta = getattr(pyreadstat, reader_name)(str(path), **kwargs)
        value_labels: dict[str, Any] = dict(meta.variable_value_labels or {})
        catalog = _sas_catalog(path)
        if catalog is not None:
            _, cat = pyreadstat.read_sas7bcat(str(catalog))
            formats = cat.value_labels or {}
            value_labels = {
                var: formats[fmt]
                for var, fmt in (meta.variable_to_label or {}).items()
                if fmt in formats
            }
    except Exception as exc:  # pyreadstat raises ReadstatError / PyreadstatError / OSError
        raise LoadError(path, f"fichier {what} illisible ou tronqué ({_first_line(exc)})") from exc
    if not isinstance(df, pl.DataFrame):  # pragma: no cover - asked for polars
        raise LoadError(path, f"fichier {what} illisible")
    names = {c: c.replace("\ufeff", "").strip().lower() for c in df.columns}
    labels: dict[str, Any] = meta.column_names_to_labels or {}
    embedded = {
        names[c]: _Variable(
            libelle=(str(labels[c]).strip() or None) if labels.get(c) else None,
            labels=_numeric_labels(value_labels.get(c)),
        )
        for c in df.columns
    }
    return _with_lines(_normalise(path, df, None), path, 1), embedded


def _read(
    path: Path, family: str, encoding: str | None, separator: str | None
) -> tuple[pl.DataFrame, dict[str, _Variable]]:
    if not path.is_file():
        raise LoadError(path, "fichier introuvable")
    if path.stat().st_size == 0:
        raise LoadError(path, "fichier vide")
    if family == "text":
        return _read_text(path, encoding, separator), {}
    if family == "excel":
        return _read_excel(path), {}
    if family == "parquet":
        return _read_parquet(path), {}
    return _read_readstat(path, encoding)


def _read_codebook(path: Path) -> dict[str, _Variable]:
    """A codebook CSV (``variable;libelle;type;modalites``) → variables, vectorised parsing."""
    raw = _read_text(path, None, None)
    raw = normalise_headers(raw, _CODEBOOK_COLUMNS)
    if "variable" not in raw.columns:
        raise LoadError(
            path,
            "dictionnaire des variables sans colonne « variable » "
            f"(trouvées : {', '.join(raw.columns[:8])})",
            row=1,
        )
    raw = raw.with_columns(
        pl.lit(None, dtype=pl.String).alias(c)
        for c in ("libelle", "type", "modalites")
        if c not in raw.columns
    )
    cb = raw.select(
        null_if_empty("variable").str.to_lowercase().alias("variable"),
        null_if_empty("libelle").alias("libelle"),
        null_if_empty("type").alias("type_brut"),
        null_if_empty("type")
        .str.to_lowercase()
        .replace_strict(_KIND_ALIASES, default=None, return_dtype=pl.String)
        .alias("type"),
        null_if_empty("modalites").alias("modalites"),
        LINE_COL,
    ).filter(pl.any_horizontal(pl.exclude(LINE_COL).is_not_null()))
    problems = [
        (cb.filter(pl.col("variable").is_null()), "variable", lambda r: "nom de variable manquant"),
        (
            cb.filter(pl.col("type_brut").is_not_null() & pl.col("type").is_null()),
            "type",
            lambda r: (
                f"type inconnu « {r['type_brut']} » "
                "(attendu : catégorielle, numérique, texte ou date)"
            ),
        ),
        (
            cb.filter(~pl.col("variable").is_first_distinct() & pl.col("variable").is_not_null()),
            "variable",
            lambda r: f"variable en double « {r['variable']} »",
        ),
    ]
    for bad, column, message in problems:
        if not bad.is_empty():
            first = bad.row(0, named=True)
            raise LoadError(path, message(first), row=first[LINE_COL], column=column)
    items = (
        cb.select("variable", LINE_COL, pl.col("modalites").str.split("|").alias("m"))
        .explode("m")
        .with_columns(pl.col("m").str.strip_chars())
        .filter(pl.col("m").is_not_null() & (pl.col("m") != ""))
        .with_columns(
            pl.col("m")
            .str.extract_groups(r"^(?<code>[+-]?\d+)(?:[.,]0+)?\s*[=:]\s*(?<libelle>.*)$")
            .alias("g")
        )
        .unnest("g")
        .with_columns(
            pl.col("code").cast(pl.Int64, strict=False), pl.col("libelle").str.strip_chars()
        )
    )
    malformed = items.filter(pl.col("code").is_null())
    if not malformed.is_empty():
        first = malformed.row(0, named=True)
        raise LoadError(
            path,
            f"modalité mal formée « {first['m']} » (attendu « code = libellé »)",
            row=first[LINE_COL],
            column="modalites",
        )
    dup = items.filter(~pl.struct("variable", "code").is_first_distinct())
    if not dup.is_empty():
        first = dup.row(0, named=True)
        raise LoadError(
            path,
            f"code {first['code']} en double pour la variable « {first['variable']} »",
            row=first[LINE_COL],
            column="modalites",
        )
    labels = items.group_by("variable").agg(
        pl.struct("code", "libelle").sort_by("code").alias("modalites")
    )
    book = cb.drop("modalites").join(labels, on="variable", how="left", maintain_order="left")
    # One row per variable (a codebook, not data): building a small dict is fine.
    return {
        r["variable"]: _Variable(
            libelle=r["libelle"],
            kind=r["type"],
            labels=tuple((m["code"], m["libelle"]) for m in r["modalites"])
            if r["modalites"]
            else None,
        )
        for r in book.iter_rows(named=True)
    }


def _merge(file_book: dict[str, _Variable], embedded: dict[str, _Variable]) -> dict[str, _Variable]:
    """The codebook CSV wins field by field; the file's own metadata fills the gaps."""
    out = dict(embedded)
    for var, v in file_book.items():
        e = embedded.get(var, _Variable())
        out[var] = _Variable(
            libelle=v.libelle if v.libelle is not None else e.libelle,
            kind=v.kind if v.kind is not None else e.kind,
            labels=v.labels if v.labels is not None else e.labels,
        )
    return out


# --------------------------------------------------------------------------- typing


def _clean(col: str) -> pl.Expr:
    """A text cell about to be read as a number: trimmed; empty and NA markers → null."""
    t = pl.col(col).str.strip_chars()
    return pl.when(t.str.to_uppercase().is_in(_MISSING_MARKERS)).then(None).otherwise(t)


def _text(col: str, dtype: pl.DataType, *, trim: bool = True) -> pl.Expr:
    """Any column as text; whole floats without ``.0`` (a code read from SPSS stays ``"3"``)."""
    x = pl.col(col)
    if dtype.is_float():
        return (
            pl.when(x.is_nan())
            .then(None)
            .when((x % 1 == 0) & (x.abs() < _MAX_EXACT))
            .then(x.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(x.cast(pl.String))
        )
    text = x if dtype == pl.String else x.cast(pl.String)
    return null_if_empty(text) if trim else text


def _whole_numbers(work: pl.DataFrame, idx: dict[str, int], numeric: list[str]) -> dict[str, bool]:
    """Which numeric answers are whole in every row: they are typed Int64, the others Float64
    (one rule for the DEPP layout and for a declared design)."""
    if not numeric:
        return {}
    return work.select(
        (pl.col(f"v{idx[c]}").is_null() | _integral(pl.col(f"v{idx[c]}"))).all().alias(c)
        for c in numeric
    ).row(0, named=True)


def _integral(v: pl.Expr) -> pl.Expr:
    return (v % 1 == 0) & (v.abs() < _MAX_EXACT)


def _kinds(
    path: Path,
    raw: pl.DataFrame,
    columns: list[str],
    book: dict[str, _Variable],
    ident: tuple[str, ...] = (STRATA, PSU, RESPONDENT_ID),
    amounts: tuple[str, ...] = (WEIGHT, FPC),
) -> dict[str, str]:
    """The kind of every column: design columns fixed, then codebook, storage, inference.

    ``ident`` (strata, clusters: identifiers, never quantities) are text and ``amounts``
    (weights, fpc) numbers whatever the codebook says.
    """
    kinds: dict[str, str] = {}
    undecided: list[str] = []
    for c in columns:
        dtype = raw.schema[c]
        v = book.get(c, _Variable())
        declared = v.kind or (KIND_CATEGORICAL if v.labels else None)
        if c in ident:
            kinds[c] = KIND_TEXT
        elif c in amounts:
            kinds[c] = KIND_NUMERIC
        elif dtype.is_temporal():
            kinds[c] = KIND_DATE
        elif dtype == pl.Null:  # an all-missing column of a Parquet file
            kinds[c] = declared if declared in (KIND_NUMERIC, KIND_CATEGORICAL) else KIND_TEXT
        elif dtype.is_nested() or dtype in (pl.Binary, pl.Object):
            raise LoadError(path, f"type de colonne non pris en charge ({dtype})", column=c)
        elif declared == KIND_DATE:
            kinds[c] = KIND_TEXT  # dates written as text stay text (no guessing of formats)
        elif declared is not None:
            kinds[c] = declared
        elif dtype.is_numeric() or dtype == pl.Boolean:
            kinds[c] = KIND_NUMERIC
        elif dtype == pl.String:
            undecided.append(c)
        else:  # Categorical / Enum
            kinds[c] = KIND_TEXT
    if undecided:
        # A text column is numeric when most of its values parse and none is a padded code.
        stats = raw.select(
            pl.struct(
                null_if_empty(c).is_not_null().sum().alias("n"),
                french_number(_clean(c)).is_finite().sum().alias("ok"),
                null_if_empty(c).str.contains(r"^[+-]?0\d").any().alias("zero"),
            ).alias(c)
            for c in undecided
        ).row(0, named=True)
        for c in undecided:
            s = stats[c]
            numeric = s["n"] > 0 and 2 * s["ok"] > s["n"] and not s["zero"]
            kinds[c] = KIND_NUMERIC if numeric else KIND_TEXT
    return kinds


def _values(
    raw: pl.DataFrame,
    columns: list[str],
    kinds: dict[str, str],
    codes: dict[str, list[int]],
    fpc: str | None = FPC,
) -> pl.DataFrame:
    """Typed values ``v{i}``, bad-type flags ``b{i}``, unknown-code flags ``u{i}``.

    Computed in stages, each referring to the columns the previous one materialised: one deep
    expression per column (cleaning, parsing, finiteness, integrality, codes) makes Polars plan
    a tree that repeats its sub-expressions, ten times slower on a wide survey file.
    """
    nums = [i for i, c in enumerate(columns) if kinds[c] in (KIND_NUMERIC, KIND_CATEGORICAL)]
    text_in = {i for i in nums if raw.schema[columns[i]] == pl.String}
    lf = raw.lazy().with_columns(
        _clean(columns[i]).alias(f"s{i}")
        if i in text_in
        else pl.col(columns[i]).cast(pl.Float64, strict=False).fill_nan(None).alias(f"x{i}")
        for i in nums
    )
    # n{i}: a value was given; x{i}: the number it reads as (possibly ±inf).
    lf = lf.with_columns(
        expr
        for i in nums
        for expr in (
            (
                french_number(f"s{i}").alias(f"x{i}"),
                pl.col(f"s{i}").is_not_null().alias(f"n{i}"),
            )
            if i in text_in
            else (pl.col(f"x{i}").is_not_null().alias(f"n{i}"),)
        )
    )
    lf = lf.with_columns(
        pl.when(pl.col(f"x{i}").is_finite()).then(pl.col(f"x{i}")).alias(f"f{i}") for i in nums
    )
    lf = lf.with_columns(
        pl.when(_integral(pl.col(f"f{i}")))
        .then(pl.col(f"f{i}").cast(pl.Int64, strict=False))
        .alias(f"k{i}")
        for i in nums
        if kinds[columns[i]] == KIND_CATEGORICAL
    )
    out: list[pl.Expr] = []
    for i, c in enumerate(columns):
        kind, dtype = kinds[c], raw.schema[c]
        if kind in (KIND_TEXT, KIND_DATE):
            value = _text(c, dtype) if kind == KIND_TEXT else pl.col(c)
            out += [value.alias(f"v{i}"), pl.lit(False).alias(f"b{i}")]
            continue
        v = pl.col(f"k{i}") if kind == KIND_CATEGORICAL else pl.col(f"f{i}")
        out += [v.alias(f"v{i}"), (pl.col(f"n{i}") & v.is_null()).alias(f"b{i}")]
        if codes.get(c):
            out.append((v.is_not_null() & ~v.is_in(codes[c])).alias(f"u{i}"))
    fraw = (
        _text(fpc, raw.schema[fpc], trim=False)
        if fpc is not None and fpc in raw.columns
        else pl.lit(None, pl.String)
    )
    return lf.select(*out, fraw.alias("fraw"), LINE_COL).collect()


# --------------------------------------------------------------------------- design checks


def _fmt(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def _check_fpc(path: Path, work: pl.DataFrame, column: str) -> None:
    """fpc must be numeric, given everywhere or nowhere, > 0, constant in a stratum, ≥ n_h."""
    d = work.filter(pl.col("s").is_not_null() & pl.col("p").is_not_null())
    bad = d.filter(pl.col("fbad"))
    if not bad.is_empty():
        r = bad.row(0, named=True)
        raise LoadError(
            path, f"plan de sondage : fpc non numérique « {r['fraw']} »", r[LINE_COL], column
        )
    nulls = d.filter(pl.col("f").is_null())
    if nulls.height == d.height:
        return  # no fpc at all: PSUs treated as drawn with replacement
    if not nulls.is_empty():
        r = nulls.row(0, named=True)
        raise LoadError(
            path,
            "plan de sondage : fpc manquant alors qu'il est renseigné sur d'autres lignes",
            r[LINE_COL],
            column,
        )
    hint = (
        " (fpc doit être l'effectif N_h de la strate, pas un taux de sondage)"
        if d.select(pl.col("f").max() <= 1).item()
        else ""
    )
    nonpos = d.filter(pl.col("f") <= 0)
    if not nonpos.is_empty():
        r = nonpos.row(0, named=True)
        raise LoadError(
            path,
            f"plan de sondage : fpc ≤ 0 ({_fmt(r['f'])}) dans la strate « {r['s']} »",
            r[LINE_COL],
            column,
        )
    strata = (
        d.group_by("s")
        .agg(
            pl.col("f").n_unique().alias("nf"),
            pl.col("f").min().alias("fmin"),
            pl.col("f").max().alias("fmax"),
            pl.col("p").n_unique().alias("n"),
            pl.col(LINE_COL).min().alias("line"),
        )
        .sort("line")
    )
    varying = strata.filter(pl.col("nf") > 1)
    if not varying.is_empty():
        r = varying.row(0, named=True)
        raise LoadError(
            path,
            f"plan de sondage : fpc non constant dans la strate « {r['s']} » "
            f"({_fmt(r['fmin'])} et {_fmt(r['fmax'])})",
            r["line"],
            column,
        )
    small = strata.filter(pl.col("fmin") < pl.col("n"))
    if not small.is_empty():
        r = small.row(0, named=True)
        raise LoadError(
            path,
            f"plan de sondage incohérent : fpc = {_fmt(r['fmin'])} < {r['n']} unités primaires "
            f"tirées dans la strate « {r['s']} »{hint}",
            r["line"],
            column,
        )


# --------------------------------------------------------------------------- the loader


def _dictionary(
    columns: list[str], book: dict[str, _Variable], kinds: dict[str, str]
) -> pl.DataFrame:
    """The codebook table: one row per column, value labels on categorical columns only."""
    rows = [
        {
            "variable": c,
            "libelle": book.get(c, _Variable()).libelle,
            "type": kinds[c],
            "modalites": [
                {"code": k, "libelle": lab} for k, lab in (book.get(c, _Variable()).labels or ())
            ]
            if kinds[c] == KIND_CATEGORICAL
            else None,
        }
        for c in columns
    ]
    return CodebookSchema.validate(
        pl.DataFrame(
            rows,
            schema={
                "variable": pl.String,
                "libelle": pl.String,
                "type": pl.String,
                "modalites": pl.List(MODALITE),
            },
        ),
        cast=False,
    )


def _answer_reasons(
    columns: list[str], idx: dict[str, int], codes: dict[str, list[int]], skip: set[str]
) -> list[pl.Expr]:
    """Per-row reasons of the answer columns, in column order: bad type, unknown code."""
    reasons: list[pl.Expr] = []
    for c in columns:
        if c in skip:
            continue
        i = idx[c]
        bad_type = pl.when(pl.col(f"b{i}")).then(pl.lit(f"type invalide ({c})"))
        if not codes.get(c):
            reasons.append(bad_type)
            continue
        unknown = pl.concat_str(
            pl.lit(f"modalité inconnue ({c}="), pl.col(f"v{i}").cast(pl.String), pl.lit(")")
        )
        reasons.append(bad_type.when(pl.col(f"u{i}")).then(unknown))
    return reasons


def _design_columns(
    path: Path, raw: pl.DataFrame, names: dict[str, str], header_row: int | None
) -> tuple[pl.DataFrame, dict[str, str]]:
    """Rename the design columns to their canonical names; return (frame, canonical → given)."""
    given = {canon: name.replace("\ufeff", "").strip().lower() for canon, name in names.items()}
    missing = [given[c] for c in (WEIGHT, STRATA, PSU) if given[c] not in raw.columns]
    if missing:
        found = [c for c in raw.columns if c not in META_COLS]
        raise LoadError(
            path,
            f"colonne(s) attendue(s) absente(s) : {', '.join(missing)} "
            f"(trouvées : {', '.join(found[:12])}{'…' if len(found) > 12 else ''})",
            row=header_row,
        )
    rename = {given[c]: c for c in given if given[c] in raw.columns and given[c] != c}
    clash = [c for c in rename.values() if c in raw.columns and c not in rename]
    if clash:
        raise LoadError(
            path,
            f"la colonne « {clash[0]} » existe déjà : elle ne peut pas recevoir une autre "
            "colonne du plan de sondage",
            row=header_row,
            column=clash[0],
        )
    return raw.rename(rename), given


def load_result(
    path: str | Path,
    *,
    codebook: str | Path | None = None,
    encoding: str | None = None,
    separator: str | None = None,
    weight: str = "poids",
    strata: str | Sequence[str] | None = None,
    psu: str = "uai",
    fpc: str | Sequence[str] | None = None,
    ids: str | Sequence[str] | None = None,
    weights: str | None = None,
    nest: bool = False,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """Read, type and validate one survey file; see the module docstring.

    ``mapping``/``constants``: the DEPP design columns under other names, or one the file
    lacks (« Declared layout »).

    ``ids``, ``weights`` or ``nest`` declare the design as R's ``svydesign`` does (then
    ``strata`` and ``fpc`` are its columns, kept under their names: see « Declared design »);
    without them the file is a DEPP file and ``weight``, ``strata``, ``psu``, ``fpc`` name its
    design columns (defaults ``poids``, ``strate``, ``uai``, ``fpc``), renamed to those names.
    """
    path = Path(path)
    declared = declare(mapping, constants, ROLES, path=path)
    if declared and (ids is not None or weights is not None or nest):
        raise LoadError(
            path,
            "plan déclaré deux fois : --map/--set (colonnes DEPP) ou --ids/--weights "
            "(comme svydesign), pas les deux",
        )
    family, stem = _family(path)
    if stem.lower().endswith(CODEBOOK_SUFFIX):
        raise LoadError(path, "c'est un dictionnaire des variables, pas un fichier de microdonnées")
    raw, embedded = _read(path, family, encoding, separator)
    header_row = 1 if family in ("text", "excel") else None
    if declared:
        # The declared columns name the DEPP design columns, as weight=/strata=/psu=/fpc= do.
        header = [c for c in raw.columns if c not in META_COLS]
        found = match_columns(path, header, Declared(declared.columns))
        named = {role: header[pos] for pos, role in found.items()}
        weight, psu = named.get(WEIGHT, weight), named.get(PSU, psu)
        strata, fpc = named.get(STRATA, strata), named.get(FPC, fpc)
        raw = apply_mapping(raw, path, Declared(constants=declared.constants))
    if ids is not None or weights is not None or nest:
        design = _declared(path, raw, ids, strata, weights, fpc, nest, header_row)
        return _load_declared(path, raw, embedded, design, codebook)
    if not (isinstance(strata, str | None) and isinstance(fpc, str | None)):
        raise LoadError(
            path, "plusieurs colonnes de strates ou de fpc : déclarer le plan avec ids= (--ids)"
        )
    strata, fpc = strata or STRATA, fpc or FPC
    raw, given = _design_columns(
        path, raw, {WEIGHT: weight, STRATA: strata, PSU: psu, FPC: fpc}, header_row
    )
    back = {v: k for k, v in given.items() if v != k}
    cb_path = _codebook_path(path, codebook)
    file_book = _read_codebook(cb_path) if cb_path is not None else {}
    book = _merge(
        {back.get(k, k): v for k, v in file_book.items()},
        {back.get(k, k): v for k, v in embedded.items()},
    )
    columns = [c for c in raw.columns if c not in META_COLS]
    kinds = _kinds(path, raw, columns, book)

    # 1. Values and per-cell problems (v{i}: value, b{i}: bad type, u{i}: unknown code).
    codes = {
        c: [k for k, _ in (book.get(c, _Variable()).labels or ())]
        for c in columns
        if kinds[c] == KIND_CATEGORICAL
    }
    work = _values(raw, columns, kinds, codes)
    idx = {c: i for i, c in enumerate(columns)}

    # 2. The design is checked at file level (see the module docstring): fpc.
    if FPC in idx:
        i = idx[FPC]
        _check_fpc(
            path,
            work.select(
                pl.col(f"v{idx[STRATA]}").alias("s"),
                pl.col(f"v{idx[PSU]}").alias("p"),
                pl.col(f"v{i}").alias("f"),
                pl.col(f"b{i}").alias("fbad"),
                "fraw",
                LINE_COL,
            ),
            given[FPC],
        )

    # 3. Row reasons: design first, then the identifier, then answers in column order.
    w, bw = pl.col(f"v{idx[WEIGHT]}"), pl.col(f"b{idx[WEIGHT]}")
    # A record not read as written (truncated, or a line not valid in the file's encoding)
    # explains its other failures: it is the row's only reason.
    reading = pl.lit(raw[SHORT_COL]) if SHORT_COL in raw.columns else pl.lit(None, dtype=pl.String)
    reasons: list[pl.Expr] = [
        pl.when(bw)
        .then(pl.lit(f"type invalide ({WEIGHT})"))
        .when(w.is_null() | (w <= 0))
        .then(pl.lit("poids ≤ 0 ou manquant")),
        pl.when(pl.col(f"v{idx[STRATA]}").is_null()).then(pl.lit(f"valeur manquante ({STRATA})")),
        pl.when(pl.col(f"v{idx[PSU]}").is_null()).then(pl.lit(f"valeur manquante ({PSU})")),
    ]
    has_id = RESPONDENT_ID in idx
    if has_id:
        rid = pl.col(f"v{idx[RESPONDENT_ID]}")
        reasons.append(pl.when(rid.is_null()).then(pl.lit(f"valeur manquante ({RESPONDENT_ID})")))
    reasons += _answer_reasons(columns, idx, codes, {WEIGHT, STRATA, PSU, FPC, RESPONDENT_ID})
    text = pl.concat_str(reasons, separator=" ; ", ignore_nulls=True)
    motif = work.select(
        pl.coalesce(reading, pl.when(text == "").then(None).otherwise(text)).alias(REASON_COL)
    )
    if has_id:  # the same duplicate rule as every other loader
        id_frame = work.select(pl.col(f"v{idx[RESPONDENT_ID]}").alias(RESPONDENT_ID))
        motif = mark_duplicates(id_frame, motif.to_series()).to_frame()
    ok = motif.to_series().is_null()

    # 4. Final dtypes: numeric answers are Int64 when every value is whole, else Float64.
    numeric = [c for c in columns if kinds[c] == KIND_NUMERIC and c not in (WEIGHT, FPC)]
    whole = _whole_numbers(work, idx, numeric)
    out: list[pl.Expr] = []
    for c in columns:
        v = pl.col(f"v{idx[c]}")
        out.append((v.cast(pl.Int64, strict=False) if whole.get(c) else v).alias(c))
        if c == WEIGHT and FPC not in idx:
            out.append(pl.lit(None, dtype=pl.Float64).alias(FPC))
    typed = work.filter(ok).select(out)
    answers = {c: dt for c, dt in typed.schema.items() if c not in (STRATA, PSU, WEIGHT, FPC)}
    schema = respondents_schema(
        answers,
        codes=codes,
        labels={c: book.get(c, _Variable()).libelle for c in answers},
        has_id=has_id,
        name=f"{table_name(path)}_schema",
    )
    accepted = schema.validate(typed, cast=False).select(typed.columns)
    rejects = (
        raw.select(
            *(_text(c, raw.schema[c], trim=False).alias(c) for c in columns), SOURCE_COL, LINE_COL
        )
        .with_columns(motif.to_series())
        .filter(~ok)
    )

    # 5. The codebook table: one row per column of the respondents table (the fpc column added
    # when absent is numeric).
    dictionary = _dictionary(accepted.columns, book, {FPC: KIND_NUMERIC, **kinds})
    table = table_name(path)
    sources = (path.name, cb_path.name) if cb_path is not None else (path.name,)
    return LoadResult(
        table,
        accepted,
        rejects,
        raw.height,
        sources,
        extra={f"{table}_dictionnaire": dictionary},
        layout=declared.record(),
    )


# --------------------------------------------------------------------------- declared design


@dataclass(frozen=True, slots=True)
class DeclaredDesign:
    """A design declared with R's ``svydesign`` arguments, naming the file's own columns."""

    ids: tuple[str, ...] = ()  # empty: every row is its own PSU (R's ids = ~1)
    strata: tuple[str, ...] = ()
    weights: str | None = None
    fpc: tuple[str, ...] = ()
    nest: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON form, as recorded in ``<table>.meta.json`` under :data:`DESIGN_KEY`."""
        return {
            "ids": list(self.ids),
            "strata": list(self.strata),
            "weights": self.weights,
            "fpc": list(self.fpc),
            "nest": self.nest,
        }

    def roles(self) -> list[tuple[str, str]]:
        """(column, option that declared it), in the order of ``svydesign``'s arguments."""
        return [
            *((c, "--ids") for c in self.ids),
            *((c, "--strata") for c in self.strata),
            *(((self.weights, "--weights"),) if self.weights else ()),
            *((c, "--fpc") for c in self.fpc),
        ]


@dataclass(slots=True)
class SurveyLoadResult(LoadResult):
    """A :class:`LoadResult` whose summary also records the declared design.

    The summary is what ``<table>.meta.json`` holds, beside the table: the design travels with
    the data, so :func:`design_from_table` (or a statistician reading the JSON) rebuilds the
    same ``svydesign`` without being told the columns again.
    """

    design: DeclaredDesign | None = None

    def summary(self) -> dict[str, Any]:
        """:meth:`LoadResult.summary` plus the design under :data:`DESIGN_KEY`."""
        out = LoadResult.summary(self)
        if self.design is not None:
            out[DESIGN_KEY] = self.design.as_dict()
        return out


def _names(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"psu,id"`` or ``["psu", "id"]`` → lower-case trimmed names, as the headers are."""
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    return tuple(n for n in (p.replace("\ufeff", "").strip().lower() for p in parts) if n)


def _declared(
    path: Path,
    raw: pl.DataFrame,
    ids: str | Sequence[str] | None,
    strata: str | Sequence[str] | None,
    weights: str | None,
    fpc: str | Sequence[str] | None,
    nest: bool,
    header_row: int | None,
) -> DeclaredDesign:
    """The declared design, every column checked present (one line naming the first absent)."""
    weight_names = _names(weights)
    if len(weight_names) > 1:
        raise LoadError(path, f"une seule colonne de poids (--weights), pas {len(weight_names)}")
    design = DeclaredDesign(
        # R's ids = ~1 (or ~0): no clusters, every row is a PSU.
        ids=tuple(c for c in _names(ids) if c not in ("0", "1")),
        strata=_names(strata),
        weights=weight_names[0] if weight_names else None,
        fpc=_names(fpc),
        nest=nest,
    )
    for column, option in design.roles():
        if column not in raw.columns:
            raise LoadError(path, f"colonne « {column} » ({option}) absente", row=header_row)
    return design


def _check_nesting(path: Path, frame: pl.DataFrame, design: DeclaredDesign) -> None:
    """Without ``nest``, a PSU id may not appear in two strata: R's ``check.strata``.

    R stops there (« Clusters not nested in strata at top level; you may want nest=TRUE »):
    the same id in two strata is either one unit drawn twice (a wrong design) or, far more
    often, units numbered 1, 2… inside each stratum, which ``nest=True`` says.
    """
    if design.nest or not design.ids or not design.strata:
        return
    psu, stratum = design.ids[0], design.strata[0]
    spread = (
        frame.group_by(psu)
        .agg(pl.col(stratum).unique().sort().head(2).alias("s"), pl.col(stratum).n_unique())
        .filter(pl.col(stratum) > 1)
        .sort(psu)
    )
    if not spread.is_empty():
        r = spread.row(0, named=True)
        raise LoadError(
            path,
            f"unités primaires non emboîtées dans les strates : « {psu} » = « {r[psu]} » se "
            f"trouve dans les strates « {r['s'][0]} » et « {r['s'][1]} » ({spread.height} "
            "unité(s) dans ce cas) ; si elles sont numérotées dans chaque strate, déclarer "
            "--nest (R : nest=TRUE)",
            column=psu,
        )


def _declared_schema(
    typed: pl.DataFrame,
    design: DeclaredDesign,
    codes: dict[str, list[int]],
    book: dict[str, _Variable],
    name: str,
) -> type[dy.Schema]:
    """The dataframely schema of a table with a declared design.

    Design columns are non-null (R's ``svydesign`` stops on a missing one); weights may be 0,
    as in R, where a zero-weight row still counts in its PSU's stratum; the others are typed
    as the answers of a DEPP file.
    """
    ident = {*design.ids, *design.strata}
    attrs: dict[str, object] = {"__module__": __name__, "__doc__": f"Schema of {name}."}
    for i, (col, dtype) in enumerate(typed.schema.items()):
        label = book.get(col, _Variable()).libelle
        if col in ident:
            attrs[f"c{i}"] = dy.String(nullable=False, alias=col, description=label)
        elif col == design.weights:
            attrs[f"c{i}"] = dy.Float64(nullable=False, min=0.0, alias=col, description=label)
        elif col in design.fpc:
            attrs[f"c{i}"] = dy.Float64(
                nullable=False, min_exclusive=0.0, alias=col, description=label
            )
        else:
            attrs[f"c{i}"] = _answer_column(dtype, codes.get(col), col, label)
    return type(name, (dy.Schema,), attrs)


def _load_declared(
    path: Path,
    raw: pl.DataFrame,
    embedded: dict[str, _Variable],
    design: DeclaredDesign,
    codebook: str | Path | None,
) -> LoadResult:
    """A file whose design is declared: every column kept under its name, the design recorded.

    The same typing and row rules as a DEPP file, with the design's own columns: a row is
    rejected when a design value is missing or not a number (R's ``svydesign`` would stop on
    the whole file), or its weight is negative. The design is then built on the accepted rows,
    so a design R would refuse (fpc varying in a stratum, a single PSU…) is refused here, with
    the file's name, before anything is written.
    """
    cb_path = _codebook_path(path, codebook)
    book = _merge(_read_codebook(cb_path) if cb_path is not None else {}, embedded)
    columns = [c for c in raw.columns if c not in META_COLS]
    ident = (*design.ids, *design.strata)
    amounts = (*((design.weights,) if design.weights else ()), *design.fpc)
    kinds = _kinds(path, raw, columns, book, ident, amounts)
    codes = {
        c: [k for k, _ in (book.get(c, _Variable()).labels or ())]
        for c in columns
        if kinds[c] == KIND_CATEGORICAL
    }
    work = _values(raw, columns, kinds, codes, fpc=None)
    idx = {c: i for i, c in enumerate(columns)}

    reading = pl.lit(raw[SHORT_COL]) if SHORT_COL in raw.columns else pl.lit(None, dtype=pl.String)
    reasons: list[pl.Expr] = []
    if design.weights:
        w, bw = pl.col(f"v{idx[design.weights]}"), pl.col(f"b{idx[design.weights]}")
        reasons.append(
            pl.when(bw)
            .then(pl.lit(f"type invalide ({design.weights})"))
            .when(w.is_null() | (w < 0))
            .then(pl.lit(f"poids < 0 ou manquant ({design.weights})"))
        )
    reasons.extend(
        pl.when(pl.col(f"b{idx[c]}"))
        .then(pl.lit(f"type invalide ({c})"))
        .when(pl.col(f"v{idx[c]}").is_null())
        .then(pl.lit(f"valeur manquante ({c})"))
        for c in dict.fromkeys((*ident, *design.fpc))
    )
    reasons += _answer_reasons(columns, idx, codes, {*ident, *amounts})
    text = pl.concat_str(reasons, separator=" ; ", ignore_nulls=True)
    motif = work.select(
        pl.coalesce(reading, pl.when(text == "").then(None).otherwise(text)).alias(REASON_COL)
    )
    ok = motif.to_series().is_null()

    numeric = [c for c in columns if kinds[c] == KIND_NUMERIC and c not in amounts]
    whole = _whole_numbers(work, idx, numeric)
    typed = work.filter(ok).select(
        (
            pl.col(f"v{idx[c]}").cast(pl.Int64, strict=False)
            if whole.get(c)
            else pl.col(f"v{idx[c]}")
        ).alias(c)
        for c in columns
    )
    table = table_name(path)
    schema = _declared_schema(typed, design, codes, book, f"{table}_schema")
    accepted = schema.validate(typed, cast=False).select(typed.columns)
    if not accepted.is_empty():
        _check_nesting(path, accepted, design)
        _build_design(path, accepted, design)
    rejects = (
        raw.select(
            *(_text(c, raw.schema[c], trim=False).alias(c) for c in columns), SOURCE_COL, LINE_COL
        )
        .with_columns(motif.to_series())
        .filter(~ok)
    )
    sources = (path.name, cb_path.name) if cb_path is not None else (path.name,)
    return SurveyLoadResult(
        table,
        accepted,
        rejects,
        raw.height,
        sources,
        extra={f"{table}{CODEBOOK_SUFFIX}": _dictionary(accepted.columns, book, kinds)},
        design=design,
    )


def _build_design(path: Path, frame: pl.DataFrame, design: DeclaredDesign) -> SurveyDesign:
    """``SurveyDesign`` on ``frame``; a design the engine refuses is a :class:`LoadError`."""
    from egn_analytics.survey import SurveyDesign, SurveyDesignError

    try:
        return SurveyDesign(
            frame,
            ids=list(design.ids) or None,
            strata=list(design.strata) or None,
            weights=design.weights,
            fpc=list(design.fpc) or None,
        )
    except SurveyDesignError as exc:
        raise LoadError(path, f"plan de sondage déclaré invalide : {exc}") from exc


def design_from_table(path: str | Path, **options: Any) -> SurveyDesign:
    """The ``SurveyDesign`` of a respondents table written by ``egn ingest survey``.

    ``path`` is ``<table>.parquet``; the design is read from ``<table>.meta.json`` beside it
    (key :data:`DESIGN_KEY`: ``ids``, ``strata``, ``weights``, ``fpc``, ``nest``, the
    arguments of R's ``svydesign``) and the value labels from ``<table>_dictionnaire.parquet``,
    so the analysis names no column the loader was already told. A table without a declared
    design is a DEPP table: :func:`~egn_analytics.survey.depp_design`. ``options`` go to the
    constructor (``lonely_psu``, ``secret``…).

    ``nest`` needs no argument of its own: the engine always identifies a cluster by its
    stratum and its id, which is R's ``nest=TRUE``, and a table loaded without ``nest`` has
    been checked to have no PSU id in two strata, where both readings agree.
    """
    from egn_analytics.survey import SurveyDesign, codebook_labels, depp_design

    path = Path(path)
    table = path.name.removesuffix(".parquet")
    try:
        data = pl.read_parquet(path)
    except Exception as exc:  # Polars / Arrow / OS errors: one line naming the file
        raise LoadError(path, f"table illisible ({_first_line(exc)})") from exc
    book_path = path.with_name(f"{table}{CODEBOOK_SUFFIX}.parquet")
    codebook = pl.read_parquet(book_path) if book_path.is_file() else None
    meta_path = path.with_name(f"{table}.meta.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    declared = meta.get(DESIGN_KEY)
    if declared is None:
        return depp_design(data, codebook=codebook, **options)
    categorical, labels = codebook_labels(codebook) if codebook is not None else ([], {})
    return SurveyDesign(
        data,
        ids=declared["ids"] or None,
        strata=declared["strata"] or None,
        weights=declared["weights"],
        fpc=declared["fpc"] or None,
        categorical=[c for c in categorical if c in data.columns],
        value_labels=labels,
        **options,
    )


def load(path: str | Path, **options: Any) -> pl.LazyFrame:
    """The validated respondents table (rejects dropped; use :func:`load_result` for them)."""
    return load_result(path, **options).data.lazy()
