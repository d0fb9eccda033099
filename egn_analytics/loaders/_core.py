"""The door every byte comes through: sniffing, raw reading, validation, rejects, outputs.

Every loader follows the same three steps, so that users meet the same behaviour whatever the
source:

1. **read raw** (:func:`read_delimited` and friends): the file is read with every column as a
   string, plus ``_source`` (file name) and ``_ligne`` (the line of the file on which the
   record starts, header = 1: a quoted field may hold line breaks).
   Encoding (UTF-8, UTF-8 with BOM, cp1252) and separator (``;`` ``,`` tab) are detected and
   can be overridden. The encoding is decided for the file but checked line by line: a line
   that is not valid in it (one cp1252 line in a UTF-8 export) is rejected with « encodage
   invalide (ligne N) » instead of re-decoding the whole file, so an accepted row never holds
   mojibake (« Ã© »). A file that cannot be read at all raises :class:`LoadError` — one clear
   line naming the file, and the row and column where they are known — and nothing is written.
   Error messages describe the problem without quoting the file's content (a Polars message
   may embed whole rows, personal data included): see :func:`polars_reason`. A gzip input is
   inflated in memory up to a cap (:func:`max_inflated_bytes`, ``EGN_MAX_INFLATED_MB``).
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

import bisect
import codecs
import csv
import functools
import gzip
import hashlib
import io
import json
import math
import os
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dataframely as dy
import polars as pl

from egn_analytics import __version__
from egn_analytics.io import atomic_path, sha256_file, write_text_atomic

if TYPE_CHECKING:
    from egn_analytics.loaders._mapping import Declared

SOURCE_COL = "_source"
LINE_COL = "_ligne"
REASON_COL = "_motif"
#: The record's reading problem, when it has one: « encodage invalide (ligne N) » (a line not
#: valid in the file's encoding) or « ligne incomplète (k champs sur n) ». It explains every
#: other failure of its row, so it is that row's only reason (see :func:`validate`).
SHORT_COL = "_ligne_incomplete"
#: Bookkeeping columns that ``read_delimited`` adds beside the file's own columns.
META_COLS = (SOURCE_COL, LINE_COL, SHORT_COL)
ENCODINGS = ("utf-8-sig", "utf-8", "cp1252")
SEPARATORS = (";", ",", "\t", "|")
#: Cap on the inflated size of a gzip input read in memory: environment variable (MiB), else
#: ``[tool.egn] max_inflated_mb`` of pyproject.toml, else :data:`DEFAULT_MAX_INFLATED_MB`.
MAX_INFLATED_ENV = "EGN_MAX_INFLATED_MB"
DEFAULT_MAX_INFLATED_MB = 256
_GZIP_CHUNK = 1 << 20
_INT64_LIMIT = 2.0**63


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
    #: The declared layout (``--map``/``--set``), as :meth:`Declared.record
    #: <egn_analytics.loaders._mapping.Declared.record>` gives it: shown in the summary.
    layout: dict[str, Any] = field(default_factory=dict)

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
            **self.layout,
        }


# --------------------------------------------------------------------------- reading


@functools.cache
def _pyproject_max_inflated_mb() -> object:
    """``[tool.egn] max_inflated_mb`` as written, when running from a source checkout (read
    once); None when absent. Checked by :func:`max_inflated_bytes`, not here: a value of the
    wrong type must be reported, not turned into the default."""
    from egn_analytics.config import _pyproject_defaults

    return _pyproject_defaults().get("max_inflated_mb")


def _positive_mb(value: object, setting: str) -> float:
    """``value`` as a finite, positive number of MiB; else a French ``ValueError`` naming the
    setting and the value.

    Every way a cap can be nonsense is refused rather than mapped to something: ``0`` used to
    mean the default (256) silently, a negative value was accepted (every gzip refused with
    « plus de -3 Mo »), ``inf`` raised ``OverflowError`` (an unexpected error, type only), and
    ``nan`` or a word in pyproject a ``ValueError`` of Python's own.
    """
    if isinstance(value, str):
        try:
            mb = float(value.strip().replace(",", "."))
        except ValueError:
            mb = math.nan
    elif isinstance(value, int | float) and not isinstance(value, bool):
        mb = float(value)
    else:
        mb = math.nan
    # ``1e303`` is finite but its byte count is not (``int`` of it would raise OverflowError).
    if not (math.isfinite(mb * 1024 * 1024) and mb > 0):
        raise ValueError(f"{setting} doit être un nombre de Mo positif et fini (reçu : {value!r})")
    return mb


def max_inflated_bytes() -> int:
    """The cap on an input's inflated size, in bytes (see :data:`MAX_INFLATED_ENV`).

    A gzip inflating 10x or more is read whole in memory by the in-memory loaders (and then
    decoded and parsed, several copies): a gzip inflating to 2 GB needed 16 GiB. The
    environment variable wins so that one run can raise it without editing the project. A
    value that is not a finite number of MiB above 0, from either place, is a ``ValueError``
    naming the setting (see :func:`_positive_mb`).
    """
    env = os.environ.get(MAX_INFLATED_ENV, "")
    if env.strip():
        mb = _positive_mb(env, MAX_INFLATED_ENV)
    else:
        configured = _pyproject_max_inflated_mb()
        mb = (
            DEFAULT_MAX_INFLATED_MB
            if configured is None
            else _positive_mb(configured, "[tool.egn] max_inflated_mb (pyproject.toml)")
        )
    return int(mb * 1024 * 1024)


def io_reason(exc: BaseException) -> str:
    """Why a file could not be read, in French, never quoting its bytes.

    ``gzip.BadGzipFile`` says « Not a gzipped file (b'jd') »: the first bytes of the file,
    which may be the start of a login.
    """
    if isinstance(exc, gzip.BadGzipFile):
        return "fichier illisible ou tronqué (ce n'est pas un gzip valide)"
    if isinstance(exc, EOFError):
        return "fichier illisible ou tronqué (fin de fichier gzip prématurée)"
    if isinstance(exc, zlib.error):
        return "fichier illisible ou tronqué (données gzip corrompues)"
    if isinstance(exc, zipfile.BadZipFile):
        return "fichier illisible ou tronqué (archive corrompue)"
    if isinstance(exc, OSError) and exc.strerror:
        return f"fichier illisible ou tronqué ({exc.strerror})"
    return f"fichier illisible ou tronqué ({type(exc).__name__})"


def _gunzip(path: Path, limit: int | None) -> bytes:
    """Stream-decompress ``path``, counting: ``LoadError`` as soon as the cap is passed.

    Memory never exceeds the cap (plus one chunk): the check runs before the data is kept.
    """
    cap = max_inflated_bytes()
    out = io.BytesIO()
    total = 0
    with gzip.open(path, "rb") as fh:
        while limit is None or total < limit:
            want = _GZIP_CHUNK if limit is None else min(_GZIP_CHUNK, limit - total)
            data = fh.read(want)
            if not data:
                break
            total += len(data)
            if total > cap:
                mb = f"{cap / 1024 / 1024:g}".replace(".", ",")
                raise LoadError(
                    path,
                    f"fichier gzip trop volumineux une fois décompressé : plus de {mb} Mo "
                    f"(limite réglable par {MAX_INFLATED_ENV} ou [tool.egn] max_inflated_mb)",
                )
            out.write(data)
    return out.getvalue()


def open_bytes(path: Path, limit: int | None = None) -> bytes:
    """Bytes of a file, transparently gunzipped (up to the cap); ``LoadError`` when unreadable."""
    try:
        if path.suffix == ".gz":
            return _gunzip(path, limit)
        with path.open("rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise LoadError(path, io_reason(exc)) from None


def cr_only(head: bytes) -> bool:
    """True when the first line ends with a lone carriage return (old Mac « CSV Macintosh »).

    Polars and the streaming readers split records on ``\\n`` only: such a file reads as one
    huge header made of every row, and an error naming that header would quote all the data.
    """
    cr, lf = head.find(b"\r"), head.find(b"\n")
    return cr >= 0 and (lf < 0 or cr < lf) and head[cr + 1 : cr + 2] != b"\n"


CR_ONLY_MESSAGE = (
    "fins de ligne CR seules (ancien format Mac) : les lignes ne sont pas séparées ; "
    "enregistrez le fichier avec des fins de ligne LF ou CRLF"
)


def sniff(path: Path, encoding: str | None = None, separator: str | None = None) -> TextFormat:
    """Detect encoding (BOM, UTF-8, else cp1252) and separator from the first lines."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise LoadError(path, f"encodage inconnu : {encoding!r}") from None
    head = open_bytes(path, 64 * 1024)
    if not head.strip():
        raise LoadError(path, "fichier vide")
    if b"\x00" in head[:4096]:
        raise LoadError(path, "fichier binaire : ce n'est pas un texte délimité (CSV)")
    if cr_only(head):
        raise LoadError(path, CR_ONLY_MESSAGE, row=1)
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


# --------------------------------------------------------------------------- decoding


@dataclass(slots=True)
class Decoded:
    """A file's text and the physical lines (1-based) that were not valid in its encoding.

    A file valid in UTF-8 throughout keeps only its bytes (``data``): Polars reads them as
    they are and :meth:`stream` decodes them on the fly, so no second copy of the whole file
    is held as a ``str`` beside them (the former ``decode`` then ``encode`` made two).
    """

    text: str | None
    encoding: str
    bad_lines: list[int]
    data: bytes | None = None

    def utf8(self) -> bytes:
        """UTF-8 bytes for Polars."""
        if self.data is not None:
            return self.data
        assert self.text is not None
        return self.text.encode("utf-8")

    def stream(self) -> io.TextIOBase:
        """The text, lines untranslated (as the csv module wants it)."""
        if self.text is not None:
            return io.StringIO(self.text, newline="")
        assert self.data is not None
        return io.TextIOWrapper(io.BytesIO(self.data), encoding="utf-8-sig", newline="")


_LABELS = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}


def encoding_label(encoding: str) -> str:
    """``utf-8`` → « UTF-8 », ``cp1252`` → « Windows-1252 » (messages)."""
    return _LABELS.get(encoding, encoding)


def decode_lines(raw: bytes, encoding: str | None = None) -> Decoded:
    """Decode ``raw``, deciding the encoding for the file and checking it line by line.

    Fast path: the whole file is valid UTF-8 (with or without BOM), or valid in the forced
    ``encoding``. Otherwise every line is classed: ASCII (valid anywhere, no evidence), valid
    UTF-8 with accents (evidence for UTF-8), invalid UTF-8 (evidence for cp1252). The file is
    UTF-8 when it has a BOM or at least as many UTF-8 lines as invalid ones, and each invalid
    line is a bad line (kept for the rejects, undecodable bytes shown as U+FFFD); else it is
    cp1252 throughout, and a line that is valid UTF-8 with accents is a bad line too (read as
    cp1252 it would be mojibake, « Ã© »; it is shown as the UTF-8 it is). Re-decoding the whole
    file because of one line — what this replaces — garbled every accent of a UTF-8 file.

    A forced ``encoding`` is trusted: lines invalid in it are the only bad lines.
    """
    forced = codecs.lookup(encoding).name if encoding is not None else None
    utf8_family = forced in (None, "utf-8", "utf-8-sig")
    bom = raw.startswith(codecs.BOM_UTF8)
    if utf8_family:
        try:
            _check_utf8(raw)
            return Decoded(None, "utf-8", [], raw)
        except UnicodeDecodeError:
            pass
    else:
        assert forced is not None
        try:
            return Decoded(raw.decode(forced), forced, [])
        except UnicodeDecodeError:
            pass
    lines = raw.splitlines(keepends=True)
    if bom and lines:
        lines[0] = lines[0][len(codecs.BOM_UTF8) :]
    if not utf8_family:
        assert forced is not None
        return _decode_each(lines, forced, [])
    valid_utf8, invalid_utf8 = utf8_evidence(lines)
    if forced is not None or bom or len(valid_utf8) >= len(invalid_utf8):
        return _decode_each(lines, "utf-8", invalid_utf8)
    return _decode_each(lines, "cp1252", valid_utf8)


def utf8_evidence(lines: Iterable[bytes]) -> tuple[list[int], list[int]]:
    """(indices of lines valid in UTF-8 with accents, indices of lines invalid in UTF-8).

    ASCII lines are valid in both encodings and count for neither: a cp1252 file may be
    ASCII for thousands of lines before its first accent.
    """
    valid: list[int] = []
    invalid: list[int] = []
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            valid.append(i)
        except UnicodeDecodeError:
            invalid.append(i)
    return valid, invalid


def _check_utf8(raw: bytes) -> None:
    """``UnicodeDecodeError`` unless ``raw`` is UTF-8 (BOM allowed), checked by chunks so that
    no ``str`` copy of the whole file is ever built."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    view = memoryview(raw)
    for start in range(0, len(raw), _GZIP_CHUNK):
        decoder.decode(view[start : start + _GZIP_CHUNK])
    decoder.decode(b"", final=True)


def _decode_each(lines: list[bytes], encoding: str, foreign: list[int]) -> Decoded:
    """Decode line by line; ``foreign`` lines (indices) are bad lines shown in UTF-8."""
    bad = set(foreign)
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in bad:
            out.append(line.decode("utf-8", errors="replace"))
            continue
        try:
            out.append(line.decode(encoding))
        except UnicodeDecodeError:
            bad.add(i)
            out.append(line.decode(encoding, errors="replace"))
    return Decoded("".join(out), codecs.lookup(encoding).name, sorted(i + 1 for i in bad))


@dataclass(slots=True)
class Layout:
    """The records as the csv module (C code, quote-aware) sees them: header and field counts.

    ``ends[i]`` is the physical line (1-based) on which data record ``i`` ends; with the
    header's end it maps a physical line to its record (a quoted field may span lines).
    ``counts`` is None when the csv module refused the file after its header.
    """

    header: list[str]
    header_end: int
    counts: array[int] | None
    ends: array[int] | None

    def record_of(self, line: int) -> int | None:
        """Index of the data record holding physical ``line`` (None: the header, or unknown)."""
        if self.ends is None or line <= self.header_end:
            return None
        i = bisect.bisect_left(self.ends, line)
        return i if i < len(self.ends) else None

    def start_of(self, i: int) -> int:
        """Physical line (1-based) on which data record ``i`` starts (``ends`` known)."""
        assert self.ends is not None
        return self.header_end + 1 if i == 0 else self.ends[i - 1] + 1


def record_layout(text: io.TextIOBase, separator: str) -> Layout | None:
    """:class:`Layout` of ``text`` (None when even its header cannot be read)."""
    reader = csv.reader(text, delimiter=separator, quotechar='"')
    try:
        header = next(reader)
    except (csv.Error, StopIteration):
        return None
    header_end = reader.line_num
    counts, ends = array("l"), array("q")
    try:
        for record in reader:
            counts.append(len(record))
            ends.append(reader.line_num)
    except csv.Error:  # a layout csv refuses (stray carriage return…): polars may still read it
        return Layout(header, header_end, None, None)
    return Layout(header, header_end, counts, ends)


#: (fragments of a Polars / Arrow message, lower-cased) → what it means, first match wins.
_POLARS_REASONS = (
    (("more fields than defined", "ragged"), "une ligne a plus de champs que l'en-tête"),
    (
        ("not properly escaped", "quote"),
        'guillemet mal fermé (un champ commence par « " » sans se terminer par « " »)',
    ),
    (("utf-8", "utf8"), "encodage invalide (UTF-8 attendu)"),
    (
        ("unable to find column", "not found"),
        "en-tête illisible (colonnes introuvables : séparateur ou fins de ligne ?)",
    ),
    (("end of file", "eof", "truncated"), "fichier tronqué"),
    (("json", "tape"), "JSON mal formé"),
)


def polars_reason(exc: BaseException) -> str:
    """What a Polars (or Arrow) reading error means, in French, without its quoted content.

    Polars messages embed the offending text (« could not parse `"x;jdupont;…` as dtype
    str », « valid columns: ["duree_ms\\r2020-01-06…", "o.lefebvre53", …] ») and that text can
    be a whole row of personal data; so the message is classified, never copied.
    """
    text = str(exc).lower()
    for needles, reason in _POLARS_REASONS:
        if any(n in text for n in needles):
            return reason
    return f"lecture impossible ({type(exc).__name__} ; détail non affiché : il peut citer des données)"


def malformed_csv(path: Path, exc: BaseException, layout: Layout | None) -> LoadError:
    """A ``LoadError`` for a CSV Polars refused: the first record at fault when the csv module
    finds it (line and field counts), else the classified reason; never the content."""
    if layout is not None and layout.counts is not None and layout.ends is not None:
        expected = len(layout.header)
        for i, k in enumerate(layout.counts):
            if k > expected:
                return LoadError(
                    path,
                    f"CSV mal formé (ligne {layout.ends[i]}) : {k} champs pour {expected} "
                    "colonnes d'en-tête (séparateur dans une valeur sans guillemets ?)",
                )
    return LoadError(path, f"CSV mal formé : {polars_reason(exc)}")


def read_delimited(
    path: str | Path,
    *,
    required: Sequence[str] = (),
    optional: Iterable[str] = (),
    encoding: str | None = None,
    separator: str | None = None,
    rename: dict[str, str] | None = None,
    expected: Iterable[str] = (),
    declared: Declared | None = None,
) -> pl.DataFrame:
    """Read a CSV-like file (see :func:`read_delimited_with_header`), without its header."""
    return read_delimited_with_header(
        path,
        required=required,
        optional=optional,
        encoding=encoding,
        separator=separator,
        rename=rename,
        expected=expected,
        declared=declared,
    )[0]


def read_delimited_with_header(
    path: str | Path,
    *,
    required: Sequence[str] = (),
    optional: Iterable[str] = (),
    encoding: str | None = None,
    separator: str | None = None,
    rename: dict[str, str] | None = None,
    expected: Iterable[str] = (),
    declared: Declared | None = None,
) -> tuple[pl.DataFrame, list[str] | None]:
    """Read a CSV-like file with every column as a string, plus ``_source`` and ``_ligne``.

    ``required`` columns must all be present (after ``rename``, case- and space-insensitive
    matching of headers), else :class:`LoadError` names the missing ones; ``optional`` ones
    are added empty when absent. A repeated header is a :class:`LoadError` naming both
    positions (Polars would rename the copy and the first one would silently win). Lines not
    valid in the file's encoding become rows whose ``_ligne_incomplete`` says « encodage
    invalide (ligne N) » (see :func:`decode_lines`): rows read = accepted + rejected holds.

    ``expected``: other header names (lower-case) that mark a real header. When the caller
    names any column (``required``, ``optional``, ``rename``, ``expected``) and the first line
    holds none of them, it is taken for a row of data: error messages count its fields and
    never quote them (they could be personal data).

    ``declared``: the user's column mapping and constants
    (:mod:`~egn_analytics.loaders._mapping`), applied to the header before ``required`` is
    checked: a declared column plays its role, a constant fills one, whatever our names.

    Also returns the header as written in the file, decoded in the file's encoding (None when
    the csv module and Polars disagree on its width), for callers that show original names.
    """
    path = Path(path)
    if not path.is_file():
        raise LoadError(path, "fichier introuvable")
    fmt = sniff(path, encoding, separator)
    decoded = decode_lines(open_bytes(path), encoding)
    layout = record_layout(decoded.stream(), fmt.separator)
    if decoded.bad_lines and decoded.bad_lines[0] <= (layout.header_end if layout else 1):
        raise LoadError(
            path, f"en-tête illisible : encodage invalide ({encoding_label(decoded.encoding)})", 1
        )
    try:
        df = pl.read_csv(
            decoded.utf8(),
            separator=fmt.separator,
            infer_schema=False,
            has_header=True,
            quote_char='"',
            truncate_ragged_lines=False,
            raise_if_empty=True,
        )
    except pl.exceptions.NoDataError:
        raise LoadError(path, "fichier vide") from None
    except pl.exceptions.PolarsError as exc:
        raise malformed_csv(path, exc, layout) from None
    written = layout.header if layout is not None and len(layout.header) == df.width else None
    known = {c.lower() for c in (*required, *optional, *(rename or {}), *expected)}
    known |= set((rename or {}).values())
    header = {c.replace("\ufeff", "").strip().lower() for c in (written or df.columns)}
    # Nothing recognised: the first line is probably data, and quoting it would publish a
    # row (personal data included) in the error message.
    # A declared mapping says the first line is the header: the user has looked at it.
    recognised = not known or bool(known & header) or bool(declared)
    as_read = list(written or df.columns)
    df = normalise_headers(df, rename, path, written=written, quote=recognised)
    if declared:
        from egn_analytics.loaders._mapping import apply_mapping

        df = apply_mapping(df, path, declared, as_read)
    missing = [c for c in required if c not in df.columns]
    if missing:
        if not recognised:
            found = (
                "en-tête attendu absent : la ligne 1 ne nomme aucune colonne connue "
                f"({df.width} champs)"
            )
        else:
            found = f"trouvées : {', '.join(df.columns[:12])}{'…' if df.width > 12 else ''}"
        raise LoadError(
            path, f"colonne(s) attendue(s) absente(s) : {', '.join(missing)} ({found})", row=1
        )
    # Optional columns absent from the file are added empty, so cleaning code can name them.
    df = df.with_columns(
        pl.lit(None, dtype=pl.String).alias(c)
        for c in dict.fromkeys(optional)
        if c not in df.columns
    )
    return df.with_columns(
        pl.lit(path.name).alias(SOURCE_COL),
        _record_lines(layout, df.height),
        _row_problems(path, layout, decoded, df.height),
    ), written


def _known(layout: Layout | None, height: int) -> bool:
    """True when the csv module's records are Polars' rows, one for one (header included)."""
    return (
        layout is not None
        and layout.counts is not None
        and layout.ends is not None
        and bool(layout.header)
        and len(layout.counts) == height  # a layout the two parsers read differently: unknown
    )


def _record_lines(layout: Layout | None, height: int) -> pl.Series:
    """``_ligne``: the physical line of the file on which each record starts (header = 1).

    A quoted field holding line breaks makes a record span several lines; counting records
    instead (row index + 2, the former rule) drifted by one per extra line, so that the
    « encodage invalide (ligne N) » of a row and its ``_ligne`` disagreed. When the layout is
    unknown (see :func:`_known`) the records cannot be placed: the row index + 2 stays, which
    is the same number for a file without multi-line fields.
    """
    if not _known(layout, height):
        return pl.int_range(0, height, dtype=pl.Int64, eager=True).alias(LINE_COL) + 2
    assert layout is not None and layout.ends is not None
    starts = [layout.header_end + 1, *(e + 1 for e in layout.ends[:-1])] if height else []
    return pl.Series(LINE_COL, starts, dtype=pl.Int64)


def _row_problems(path: Path, layout: Layout | None, decoded: Decoded, height: int) -> pl.Series:
    """``_ligne_incomplete`` per row: « encodage invalide (ligne N) », else « ligne incomplète
    (k champs sur n) » for records shorter than the header (Polars pads them with nulls, so a
    file cut inside its last line would pass for a row with empty cells), else null.

    N is the row's ``_ligne``, the line on which its record starts (see :func:`_record_lines`),
    even when the faulty line is a later line of a multi-line record: one number to look for.
    """
    known = _known(layout, height)
    if decoded.bad_lines and not known:
        # The bad lines cannot be tied to rows: refuse rather than publish undecodable rows.
        raise LoadError(
            path,
            f"encodage invalide ({encoding_label(decoded.encoding)}) et mise en page CSV "
            "ambiguë : impossible de rejeter la seule ligne fautive",
            row=decoded.bad_lines[0],
        )
    if not known:
        return pl.Series(SHORT_COL, [None] * height, dtype=pl.String)
    assert layout is not None and layout.counts is not None
    k = pl.Series(layout.counts, dtype=pl.Int64)
    expected = len(layout.header)
    reasons = pl.select(
        pl.when(k < expected)
        .then(pl.format("ligne incomplète ({} champs sur {})", k, pl.lit(expected)))
        .alias(SHORT_COL)
    ).to_series()
    if decoded.bad_lines:
        rows: dict[int, int] = {}
        for line in decoded.bad_lines:
            i = layout.record_of(line)
            if i is not None:
                rows.setdefault(i, layout.start_of(i))
        idx = pl.Series(list(rows), dtype=pl.UInt32)
        text = pl.Series([f"encodage invalide (ligne {n})" for n in rows.values()], dtype=pl.String)
        reasons = reasons.scatter(idx, text)
    return reasons


def normalise_headers(
    df: pl.DataFrame,
    rename: dict[str, str] | None = None,
    path: Path | None = None,
    *,
    written: Sequence[str] | None = None,
    quote: bool = True,
) -> pl.DataFrame:
    """Trim headers, drop a stray BOM, lower-case; then apply ``rename`` (keys lower-cased).

    ``written``: the header as in the file, when known (Polars renames a repeated header
    ``x_duplicated_0``, which would hide the repetition). Two columns with one name, or
    renamed to one name, are a :class:`LoadError` naming the column and both positions;
    ``quote=False`` (a first line that looks like data) gives the positions only.
    """
    names = list(written) if written is not None and len(written) == df.width else df.columns
    clean = [c.replace("\ufeff", "").strip().lower() for c in names]
    where = path or "(en-tête)"
    refuse_duplicates(where, clean, "colonne « {} » en double", quote=quote)
    df = df.rename(dict(zip(df.columns, clean, strict=True)))
    if rename:
        lowered = {k.lower(): v for k, v in rename.items()}
        targets = [lowered.get(c, c) for c in df.columns]
        refuse_duplicates(where, targets, "plusieurs colonnes donnent {}", clean, quote=quote)
        df = df.rename({c: lowered[c] for c in df.columns if c in lowered})
    return df


def refuse_duplicates(
    path: str | Path,
    names: Sequence[str],
    what: str,
    written: Sequence[str] | None = None,
    *,
    quote: bool = True,
) -> None:
    """``LoadError`` naming each repeated name and its positions (1-based, as in a sheet).

    ``quote=False``: the header is probably a row of data, so the « names » are values: only
    the positions are given.
    """
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        seen.setdefault(name, []).append(i)
    parts = []
    for name, pos in seen.items():
        if len(pos) > 1:
            cols = ", ".join(map(str, pos[:-1])) + f" et {pos[-1]}"
            if not quote:
                parts.append(f"colonnes {cols} identiques")
                continue
            shown = f" : {', '.join(f'« {written[i - 1]} »' for i in pos)}" if written else ""
            parts.append(f"{what.format(name)} (colonnes {cols}{shown})")
    if parts and not quote:
        raise LoadError(
            path,
            "en-tête attendu absent : la ligne 1 ne nomme aucune colonne connue "
            f"({' ; '.join(parts)})",
            row=1,
        )
    if parts:
        raise LoadError(path, " ; ".join(parts), row=1)


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


def out_of_range(number: pl.Expr) -> pl.Expr:
    """True where a parsed number cannot be an Int64 count: ``1e309`` (inf), NaN, ≥ 2**63.

    Polars parses ``1e309`` as ``inf``; cast strictly to Int64 it raised for the WHOLE file,
    cast loosely it would become a silent null. Loaders reject the row instead
    (:func:`range_checks`) and type the others with :func:`to_int64`.
    """
    return number.is_not_null() & (number.is_nan() | (number.abs() >= _INT64_LIMIT))


def to_int64(number: pl.Expr) -> pl.Expr:
    """Rounded to Int64; out-of-range values (see :func:`out_of_range`) become null, never an
    error (their row is rejected by :func:`range_checks`)."""
    return pl.when(number.abs() < _INT64_LIMIT).then(number.round(0)).cast(pl.Int64)


def range_checks(numbers: dict[str, pl.Expr]) -> list[tuple[str, pl.Expr]]:
    """« nombre hors limites (col) » checks for :func:`validate`, one per column."""
    return [(f"nombre hors limites ({c})", out_of_range(e)) for c, e in numbers.items()]


def finite_or_null(number: pl.Expr) -> pl.Expr:
    """The number when it is in range, else null: checks built on it (negative, not whole…)
    stay quiet on a value already rejected as « nombre hors limites »."""
    return pl.when(out_of_range(number)).then(None).otherwise(number)


def not_a_number(col: str | pl.Expr) -> pl.Expr:
    """True where a cell holds text that :func:`french_number` cannot read (``abc``,
    ``12 élèves``, ``1.2.3``, ``n/a``); false for an empty cell and for every form it reads
    (``1 234``, ``540.0``, ``10,5``, ``94,20%``).

    ``french_number`` casts loosely, so such text became a null that nothing told apart from
    an empty cell: the row was accepted with a missing count (or rejected as « valeur
    manquante », which names the wrong problem). Loaders reject the row instead
    (:func:`unreadable_checks`); a truly empty cell is left to the schema's nullability.
    """
    return null_if_empty(col).is_not_null() & french_number(col).is_null()


def unreadable_checks(columns: dict[str, str | pl.Expr]) -> list[tuple[str, pl.Expr]]:
    """« nombre illisible (col) » checks for :func:`validate`: output column → its cell as
    read (see :func:`not_a_number`). The reason names the column, never the value: a cell
    may hold anything, personal data included."""
    return [(f"nombre illisible ({c})", not_a_number(text)) for c, text in columns.items()]


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
    # A record that could not be read as written (a line not valid in the file's encoding, a
    # truncated record) explains every other failure on its row: it is the row's only reason.
    reading = pl.lit(raw[SHORT_COL]) if SHORT_COL in raw.columns else pl.lit(None, dtype=pl.String)
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
        pl.coalesce(reading, joined(specific), joined(reasons)).alias(REASON_COL)
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
    # The files this table owns, so that a build publishes exactly the tables it made (see
    # ``registry.build``) and never an older copy of a source that failed this time.
    files = [
        f"{result.table}.parquet",
        f"{result.table}.rejects.parquet",
        *(f"{name}.parquet" for name in result.extra),
        f"{result.table}.meta.json",
    ]
    summary = {**result.summary(), "cle_cache": key, "fichiers": files}
    write_text_atomic(
        out_dir / f"{result.table}.meta.json",
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
    )
    return summary


Loader = Callable[..., LoadResult]
