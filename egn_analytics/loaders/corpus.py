"""Text corpus: RETEX and synthesis documents → ``documents``, one row per document.

Input: a folder, read recursively — loose documents (``.txt``, ``.md``, ``.docx``, ``.pdf`` text
layer) and structured exports (``.csv``, ``.tsv``, ``.json``, ``.jsonl``) side by side — or a
single document or export file.

What happens to each file of a folder:

* **documents** (``.txt``, ``.md``, ``.docx``, ``.pdf``) give one row each. A header at the top
  (lines ``Titre :``, ``Académie :``, ``Date :``, ``Identifiant :``, ``Auteur :``… before the
  first blank line; ``# titre`` in Markdown) fills the metadata and is removed from ``texte``;
  without a header the whole file is the text and its first short line the title. A file that
  cannot be read (corrupt ``.docx``/``.pdf``, encrypted or scanned PDF without a text layer,
  binary ``.txt``) is *rejected with its reason* and the folder keeps loading. Any other file
  type is rejected as « format non pris en charge » (nothing disappears silently). The
  encoding of a ``.txt``/``.md`` is decided for the file (UTF-8, else cp1252 throughout) and
  checked line by line: a document holding a line not valid in it is rejected
  (« encodage invalide (ligne N) »), never accepted with mojibake.
* **document exports** (a table with a text column: ``texte``, ``text``, ``contenu``…) give
  one row per line. Such an export is a structured file: if it cannot be read (truncated,
  malformed, unknown encoding), the whole load fails with :class:`LoadError`; a record holding
  a line not valid in the file's encoding is that record's reject (« encodage invalide (ligne
  N) »), as a truncated CSV record is (« ligne incomplète »). ``_ligne`` is the line where the
  record starts (the rank of the record in a ``.json``, where N is the faulty line).
* **a synthesis index** (a table with a ``fichier`` column and no text) adds metadata (title,
  date, contributor type, région académique) to the documents it names; they become
  ``source = "synthese"``. A line of it not valid in its encoding stops the load (its
  metadata would reach accepted rows).
* **known foreign tables** are skipped: consultation exports (``id_reponse``,
  ``id_proposition``, ``id_commentaire``, ``id_soutien`` columns — KIND ``consultation``
  loads them) and a ground-truth file (``theme`` + ``propositions`` columns: labels for
  evaluation, never a document). Notices (``LISEZMOI*``, ``README*``), hidden files and Office
  lock files (``~$…``) are skipped too. Any other table is an error (unknown columns).

Decisions:

* **Unknown académie → row kept**, ``code_academie`` null, the reason in ``alerte``
  (« académie inconnue (« Atlantide ») »). Losing a testimony because of a bad label costs
  more than a missing code; the quality report still sees it. An *impossible date* (31/02)
  is rejected (« date impossible »): a wrong date would silently misplace the text in time.
* **Duplicates**: one row per ``id_document`` (a RETEX id from the export, the header or the
  file name; a file name otherwise, its relative path when two files share a name). The
  export row is kept (richer metadata) and the loose copy rejected as « document en double »;
  a copy that is itself invalid never pushes out a valid one.
* ``texte`` is normalised (NFC, ``\\n`` line ends, trimmed; the generator's trailing
  « DONNEES SYNTHETIQUES » footer and a closing ``---`` rule removed), so that a loose copy
  and its export row carry the same text. Empty → « texte vide ».
* Dates: ISO (``2020-04-01``, timestamps keep their written date), ``dd/mm/yyyy``, and long
  French dates (``1er octobre 2020``).

The helpers :func:`parse_date` and :func:`attach_academie` are shared with the consultation
loader.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import json
import logging
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import polars.selectors as cs

from egn_analytics.loaders._core import (
    LINE_COL,
    META_COLS,
    SHORT_COL,
    SOURCE_COL,
    Decoded,
    LoadError,
    LoadResult,
    decode_lines,
    encoding_label,
    null_if_empty,
    open_bytes,
    read_delimited_with_header,
    refuse_duplicates,
    sniff,
    validate,
)
from egn_analytics.loaders._mapping import (
    Declared,
    apply_mapping,
    declare,
    present,
    refuse_unused,
)
from egn_analytics.reference import (
    academie_aliases,
    academie_key_expr,
    academies,
    regions_academiques,
)
from egn_analytics.schemas.texts import DocumentSchema
from egn_analytics.synth.common import SYNTHETIC_MARK

TABLE = "documents"
CODE_VERSION = "1"

DOCUMENT_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf"}
TABLE_SUFFIXES = {
    ".csv": "csv", ".tsv": "csv", ".csv.gz": "csv", ".tsv.gz": "csv",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
NOTICE = re.compile(r"^(lisezmoi|readme)(_|$)")

#: Raw (string) columns of the documents table before typing; rejects keep them.
RAW_COLUMNS = (
    "id_document", "source", "titre", "texte", "academie", "code_academie", "region_academique",
    "type_auteur", "niveau", "date", "fichier", "format",
)  # fmt: skip
ERROR_COL = "_erreur"
DETAIL_COL = "_detail"
#: File-level problems (code in ``_erreur``) → reason in the rejects table.
READ_ERRORS = {
    "binaire": "fichier illisible (binaire)",
    "encodage": "fichier illisible (encodage)",
    "docx": "fichier illisible (docx)",
    "pdf": "fichier illisible (pdf)",
    "pdf_chiffre": "pdf chiffré",
    "pdf_sans_texte": "pdf sans couche texte",
    "format": "format non pris en charge",
}

#: Export column (folded: lower case, no accents, ``_`` for other characters) → raw column,
#: candidates in priority order.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id_document": ("id_document", "id_retex", "identifiant", "id", "reference"),
    "texte": ("texte", "text", "contenu", "content", "corps", "body"),
    "titre": ("titre", "title", "objet", "intitule"),
    "academie": ("academie", "libelle_academie", "nom_academie"),
    "code_academie": ("code_academie",),
    "region_academique": ("region_academique", "libelle_region_academique"),
    "type_auteur": ("type_auteur", "type_contributeur", "profil", "auteur", "type"),
    "niveau": ("niveau", "degre"),
    "date": ("date", "date_publication", "date_depot", "date_de_depot", "date_creation"),
    "source": ("source", "type_document"),
}
TEXT_COLUMNS = EXPORT_COLUMNS["texte"]
#: Roles a ``--map``/``--set`` may name (the columns of a document export).
ROLES = tuple(EXPORT_COLUMNS)
#: Header keys of loose documents (folded) → raw column.
HEADER_KEYS = {
    "titre": "titre", "title": "titre", "objet": "titre",
    "academie": "academie", "code academie": "code_academie",
    "region academique": "region_academique",
    "date": "date",
    "identifiant": "id_document", "id": "id_document", "reference": "id_document",
    "id retex": "id_document",
    "auteur": "auteur", "type d auteur": "type_auteur", "type auteur": "type_auteur",
    "profil": "type_auteur", "niveau": "niveau", "source": "source",
}  # fmt: skip
NIVEAUX = {"1er degre": "1er degré", "premier degre": "1er degré", "1er": "1er degré",
           "2nd degre": "2nd degré", "second degre": "2nd degré", "2nd": "2nd degré",
           "transversal": "transversal"}  # fmt: skip
RETEX_ID = r"(?i)\bRETEX-\d+\b"
_MOIS = {
    "janvier": "01", "fevrier": "02", "mars": "03", "avril": "04", "mai": "05", "juin": "06",
    "juillet": "07", "aout": "08", "septembre": "09", "octobre": "10", "novembre": "11",
    "decembre": "12",
}  # fmt: skip
_HEADER_LINE = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)?([^:*_]{1,40}?)(?:\*\*|__)?\s*:\s*(.*?)\s*$"
)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")


# --------------------------------------------------------------------------- shared helpers


def fold(text: str) -> str:
    """``"Date de dépôt"`` → ``"date_de_depot"``: lower case, no accents, ``_`` separators."""
    plain = unicodedata.normalize("NFKD", text.replace("\ufeff", "")).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "_", plain.decode().lower()).strip("_")


def _fold_expr(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )


def parse_date(col: str | pl.Expr) -> pl.Expr:
    """Date from ISO (timestamps keep their written date), ``dd/mm/yyyy`` or « 1er octobre 2020 ».

    Null for an empty cell *and* for an impossible date: compare with the raw cell to tell them
    apart (« date impossible »).
    """
    e = null_if_empty(col)
    iso = e.str.extract(
        r"^(\d{4}-\d{1,2}-\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$",
        1,
    ).str.to_date("%Y-%m-%d", strict=False)
    dmy = (
        e.str.extract(r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})(?:\s+\d{1,2}[:h]\d{2}(?::\d{2})?)?$", 1)
        .str.replace_all(r"[.-]", "/")
        .str.to_date("%d/%m/%Y", strict=False)
    )
    parts = _fold_expr(e).str.extract_groups(r"^(\d{1,2})(?:er)? ([a-z]+) (\d{4})$")
    long = pl.concat_str(
        parts.struct.field("1"),
        parts.struct.field("2").replace_strict(_MOIS, default=None),
        parts.struct.field("3"),
        separator="/",
    ).str.to_date("%d/%m/%Y", strict=False)
    return pl.coalesce(iso, dmy, long)


def attach_academie(
    frame: pl.DataFrame, code_col: str = "code_academie", label_col: str = "academie"
) -> pl.DataFrame:
    """Add the official ``code_academie``, ``academie``, région académique and ``_acad_inconnue``.

    The code wins when it is known (old codes 05/21 → 70), else the label (Caen, ROUEN, Orléans,
    accents and dashes ignored). ``_acad_inconnue`` holds the raw value when something was
    given but matches nothing (null otherwise); the code columns are then null.
    """
    aliases = academie_aliases().select("key", "code_academie")
    acad = academies().select(
        "code_academie", "academie", "code_region_academique", "region_academique"
    )
    code = null_if_empty(code_col)
    label = null_if_empty(label_col)
    padded = pl.when(code.str.contains(r"^\d$")).then("0" + code).otherwise(code)
    out = (
        frame.with_columns(
            academie_key_expr(padded).alias("__k_code"),
            academie_key_expr(label).alias("__k_label"),
            pl.coalesce(label, code).alias("__acad_raw"),
        )
        .join(
            aliases.rename({"code_academie": "__c_code"}),
            left_on="__k_code",
            right_on="key",
            how="left",
            maintain_order="left",
        )
        .join(
            aliases.rename({"code_academie": "__c_label"}),
            left_on="__k_label",
            right_on="key",
            how="left",
            maintain_order="left",
        )
        .drop(code_col, label_col, strict=False)
        .with_columns(pl.coalesce("__c_code", "__c_label").alias("code_academie"))
        .join(acad, on="code_academie", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("code_academie").is_null())
            .then(pl.col("__acad_raw"))
            .alias("_acad_inconnue")
        )
    )
    return out.drop("__k_code", "__k_label", "__c_code", "__c_label", "__acad_raw")


def _region_from_label(frame: pl.DataFrame, label_col: str) -> pl.DataFrame:
    """Fill the région académique from a label when the académie did not give it."""
    regions = regions_academiques().select(
        academie_key_expr("region_academique").alias("__k_region"),
        pl.col("code_region_academique").alias("__code_r"),
        pl.col("region_academique").alias("__region"),
    )
    out = frame.with_columns(academie_key_expr(null_if_empty(label_col)).alias("__k_region")).join(
        regions, on="__k_region", how="left", maintain_order="left"
    )
    given = null_if_empty(label_col)
    return out.with_columns(
        pl.coalesce("code_region_academique", "__code_r").alias("code_region_academique"),
        pl.coalesce("region_academique", "__region").alias("region_academique"),
        pl.when(given.is_not_null() & pl.col("__code_r").is_null())
        .then(given)
        .alias("_region_inconnue"),
    ).drop("__k_region", "__code_r", "__region", label_col)


# --------------------------------------------------------------------------- loose documents


def _decode(data: bytes, encoding: str | None) -> Decoded:
    """The file's text, its encoding decided once and checked line by line (see
    :func:`~egn_analytics.loaders._core.decode_lines`).

    Re-decoding the whole file as cp1252 because one line was not UTF-8 (the former rule)
    turned every accent of a UTF-8 document into mojibake (« Les Ã©lÃ¨ves »); now that line
    is a bad line and the caller rejects the document or record holding it. A file that is
    cp1252 throughout is still read as cp1252.
    """
    decoded = decode_lines(data, encoding)
    if decoded.text is None:  # valid UTF-8 throughout: only its bytes were kept
        assert decoded.data is not None
        decoded.text = decoded.data.decode("utf-8-sig")
    return decoded


def _bad_encoding(line: int) -> str:
    """The reading problem of a document or record holding a line not valid in the file's
    encoding: the same words as the delimited loaders' (``_core._row_problems``)."""
    return f"encodage invalide (ligne {line})"


def _read_document(
    path: Path, fmt: str, encoding: str | None
) -> tuple[str | None, str, str, str | None]:
    """(text, error code, detail, reading problem) of one document; never raises for a bad
    file. The reading problem, « encodage invalide (ligne N) », rejects the document while
    its text (the faulty line shown as read, U+FFFD for undecodable bytes) stays in the
    rejects."""
    try:
        if fmt in {"txt", "md"}:
            data = path.read_bytes()
            if b"\x00" in data[:4096]:
                return None, "binaire", "octets nuls : ce n'est pas un fichier texte", None
            try:
                decoded = _decode(data, encoding)
            except LookupError as exc:
                return None, "encodage", str(exc), None
            assert decoded.text is not None
            problem = _bad_encoding(decoded.bad_lines[0]) if decoded.bad_lines else None
            return decoded.text, "", "", problem
        if fmt == "docx":
            return (*_read_docx(path), None)
        return (*_read_pdf(path), None)
    except OSError as exc:
        return None, fmt if fmt in {"docx", "pdf"} else "binaire", str(exc), None


def _read_docx(path: Path) -> tuple[str | None, str, str]:
    try:
        import docx
    except ImportError:  # pragma: no cover - dependency declared in pyproject
        return None, "docx", "python-docx n'est pas installé"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = docx.Document(str(path))
            paragraphs = [p.text for p in document.paragraphs]
            for table in document.tables:
                paragraphs.extend(" | ".join(c.text for c in row.cells) for row in table.rows)
    except Exception as exc:  # corrupt zip, missing part, not a docx: all mean unreadable
        return None, "docx", f"{type(exc).__name__}: {exc}"
    return "\n".join(paragraphs), "", ""


def _read_pdf(path: Path) -> tuple[str | None, str, str]:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - dependency declared in pyproject
        return None, "pdf", "pypdf n'est pas installé"
    # pypdf logs every repair it attempts; the reason goes to the rejects table instead.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path))
            if reader.is_encrypted and not reader.decrypt(""):
                return None, "pdf_chiffre", "mot de passe requis"
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # pypdf raises many types on damaged files
        return None, "pdf", f"{type(exc).__name__}: {exc}"
    finally:
        logger.setLevel(level)
    if not text.strip():
        return None, "pdf_sans_texte", "aucun texte extractible (document numérisé ?)"
    return text, "", ""


def _strip_footer(lines: list[str]) -> list[str]:
    """Drop trailing blank lines, the generator's synthetic footer and a closing rule."""
    mark = SYNTHETIC_MARK.strip()
    out = list(lines)
    while out:
        last = out[-1].strip()
        if not last or last.strip("*_ ") == mark or _RULE.match(last):
            out.pop()
        else:
            break
    return out


def parse_header(text: str) -> dict[str, str | None]:
    """Title, metadata and body of a loose document (see the module docstring)."""
    lines = _strip_footer(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    meta: dict[str, str | None] = {}
    title: str | None = None
    if i < len(lines) and re.match(r"^#\s+\S", lines[i]):
        title = lines[i].lstrip("#").strip()
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
    j = i
    while j < len(lines) and lines[j].strip():
        j += 1
    keyed: dict[str, str] = {}
    loose: list[str] = []
    for line in lines[i:j]:
        m = _HEADER_LINE.match(line)
        key = HEADER_KEYS.get(fold(m.group(1)).replace("_", " ")) if m else None
        if m and key and key not in keyed:
            keyed[key] = m.group(2).strip()
        else:
            loose.append(line.strip())
    if keyed:
        title = keyed.pop("titre", None) or title or (loose.pop(0) if loose else None)
        body = [*loose, *([""] if loose else []), *lines[j:]]
    else:
        body = lines[i:]
        if title is None and body and len(body[0].strip()) <= 200:
            title = body[0].strip()
    auteur = keyed.pop("auteur", None)
    if auteur and "type_auteur" not in keyed:
        m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", auteur)
        niveau = NIVEAUX.get(fold(m.group(2)).replace("_", " ")) if m else None
        if m and niveau:
            keyed["type_auteur"] = m.group(1)
            keyed.setdefault("niveau", niveau)
        else:
            keyed["type_auteur"] = auteur
    meta.update({k: (v or None) for k, v in keyed.items()})
    meta["titre"] = title or None
    meta["texte"] = "\n".join(body).strip()
    return meta


def _is_skipped(path: Path) -> bool:
    hidden = any(part.startswith(".") for part in path.parts)
    return hidden or path.name.startswith("~$") or NOTICE.match(fold(path.stem)) is not None


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted({*DOCUMENT_SUFFIXES, *TABLE_SUFFIXES}, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _document_rows(
    files: Sequence[Path], root: Path, encoding: str | None, synthese_hint: set[Path]
) -> pl.DataFrame:
    """One raw row per loose document (a loop over files, never over rows)."""
    names = Counter(p.name.lower() for p in files)
    rows: list[dict[str, str | None]] = []
    for path in files:
        rel = path.relative_to(root).as_posix() if path != root else path.name
        suffix = _suffix(path)
        fmt = DOCUMENT_SUFFIXES.get(suffix)
        row: dict[str, str | None] = dict.fromkeys(RAW_COLUMNS)
        row.update(fichier=rel, format=fmt, **{SOURCE_COL: rel})
        by_name = re.search(RETEX_ID, path.stem)
        default_id = path.name if names[path.name.lower()] == 1 else rel
        if fmt is None:
            row.update({ERROR_COL: "format", DETAIL_COL: f"extension « {suffix or path.name} »"})
            row.update(format=suffix.lstrip(".") or None, id_document=default_id, source="autre")
            rows.append(row)
            continue
        text, error, detail, problem = _read_document(path, fmt, encoding)
        if text is not None:
            row.update(parse_header(text))
        row.update({ERROR_COL: error or None, DETAIL_COL: detail or None, SHORT_COL: problem})
        row["id_document"] = row["id_document"] or (
            by_name.group(0).upper() if by_name else default_id
        )
        if row["source"] is None:
            if re.fullmatch(RETEX_ID, row["id_document"] or ""):
                row["source"] = "retex"
            elif path in synthese_hint or any(
                "synthese" in fold(part) for part in (root.name, *Path(rel).parts)
            ):
                row["source"] = "synthese"
            else:
                row["source"] = "autre"
        rows.append(row)
    schema = dict.fromkeys([*RAW_COLUMNS, ERROR_COL, DETAIL_COL, SOURCE_COL, SHORT_COL], pl.String)
    frame = pl.from_dicts(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias(LINE_COL))


# --------------------------------------------------------------------------- tables


#: Header names that mark a real header in a document export.
_EXPECTED = frozenset(a for aliases in EXPORT_COLUMNS.values() for a in aliases)


def read_table(
    path: Path, *, encoding: str | None = None, separator: str | None = None
) -> pl.DataFrame:
    """A CSV / JSON / JSON-lines export, every column a string, headers folded; ``LoadError``."""
    return read_table_with_headers(
        path, encoding=encoding, separator=separator, expected=_EXPECTED
    )[0]


def read_table_with_headers(
    path: Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    expected: Iterable[str] = (),
) -> tuple[pl.DataFrame, dict[str, str]]:
    """:func:`read_table` and, for each folded column, its header as written in the file.

    ``expected``: folded names that mark a real header; a first line holding none of them is
    taken for data, and a repeated « name » in it is reported by position only.
    """
    expected = set(expected)
    kind = TABLE_SUFFIXES.get(_suffix(path), "csv")
    if kind == "csv":
        # The encoding is left to read_delimited when not given: it decides it for the file
        # but checks each line (one cp1252 line must not turn a UTF-8 file into mojibake).
        frame, header = read_delimited_with_header(
            path, encoding=encoding, separator=separator, expected=expected
        )
        written = header or []  # as written, in the encoding decided for the whole file
    else:
        frame = _read_json(path, kind, encoding)
        written = [c for c in frame.columns if c not in META_COLS]
    data_cols = [c for c in frame.columns if c not in META_COLS]
    if len(written) != len(data_cols):
        written = data_cols
    # Folded from the header as written: Polars renames a repeated header, we refuse it.
    names = [fold(c) for c in written]
    quote = not expected or bool(expected & set(names))
    refuse_duplicates(path, names, "colonne « {} » en double", written, quote=quote)
    if "" in names:
        raise LoadError(path, f"colonne sans nom (colonne {names.index('') + 1})", row=1)
    originals = {n: w.replace("\ufeff", "").strip() for n, w in zip(names, written, strict=True)}
    return frame.rename(dict(zip(data_cols, names, strict=True))), originals


def _csv_header(
    path: Path, encoding: str | None, separator: str | None, width: int | None = None
) -> list[str]:
    """The header row exactly as written (``read_delimited`` lower-cases it); [] if unsure."""
    fmt = sniff(path, encoding, separator)
    head = open_bytes(path, 256 * 1024).decode(fmt.encoding, errors="replace")
    try:
        row = next(csv.reader(io.StringIO(head), delimiter=fmt.separator))
    except (StopIteration, csv.Error):
        return []
    return row if width is None or len(row) == width else []


def check_encoding(path: Path, encoding: str | None) -> None:
    """``LoadError`` for an encoding name Python does not know (``--encoding latin-9x``)."""
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise LoadError(path, f"encodage inconnu : {encoding!r}") from exc


def _read_json(path: Path, kind: str, encoding: str | None) -> pl.DataFrame:
    """A JSON (a list of objects, or an object holding one) or JSON lines export, every value a
    string, plus ``_source``, ``_ligne`` and ``_ligne_incomplete``.

    The encoding is decided for the file and checked line by line (:func:`_decode`): a record
    touching a line not valid in it gets « encodage invalide (ligne N) » in
    ``_ligne_incomplete``, so the loader rejects that record and no other (rows read =
    accepted + rejected). Its column names are not taken from it: a key read with U+FFFD
    would add a column. ``_ligne`` is the physical line of the record in a JSON lines file (N
    of the message) and the record's rank in a JSON file, where N is the faulty line.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"fichier illisible ({exc})") from exc
    if not raw.strip():
        raise LoadError(path, "fichier vide")
    try:
        decoded = _decode(raw, encoding)
    except LookupError:
        raise LoadError(path, f"encodage inconnu : {encoding!r}") from None
    assert decoded.text is not None
    text = decoded.text
    bad = set(decoded.bad_lines)
    if kind == "json":
        records, lines, problems = _json_records(path, text, bad, decoded.encoding)
    else:
        physical = _LINE_BREAK.split(text)
        numbers = [n for n, line in enumerate(physical, start=1) if line.strip()]
        records = [physical[n - 1] for n in numbers]
        lines = numbers
        problems = [_bad_encoding(n) if n in bad else None for n in numbers]
    text = "\n".join(records)  # one object per line, line k of it being ``lines[k]``
    data = text.encode("utf-8")
    good = "\n".join(r for r, p in zip(records, problems, strict=True) if p is None)
    try:
        sample = good.encode("utf-8") if good.strip() else data
        columns = pl.read_ndjson(io.BytesIO(sample), infer_schema_length=None).columns
        frame = pl.read_ndjson(io.BytesIO(data), schema=dict.fromkeys(columns, pl.String))
    except pl.exceptions.PolarsError:
        # Polars quotes the offending text (an author's name, a contribution): find the line
        # with the json module instead, whose messages never quote it.
        raise _json_lines_error(path, text, lines) from None
    if frame.width == 0:
        raise LoadError(path, "fichier vide")
    if frame.height != len(records):  # pragma: no cover - one object per line, by construction
        raise LoadError(path, "JSON mal formé (nombre d'objets incohérent)")
    return frame.with_columns(
        pl.lit(path.name).alias(SOURCE_COL),
        pl.Series(LINE_COL, lines, dtype=pl.Int64),
        pl.Series(SHORT_COL, problems, dtype=pl.String),
    )


#: Line breaks as ``bytes.splitlines`` (and so ``decode_lines``) counts them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _json_records(
    path: Path, text: str, bad: set[int], encoding: str
) -> tuple[list[str], list[int], list[str | None]]:
    """(one JSON object per record, record ranks, reading problems) of a JSON file.

    The records are the top-level list, or the first list held by a top-level object, or
    that object alone. With bad lines, each record is placed in the file (:func:`_json_spans`)
    and every record touching a bad line is rejected, named by the first one: a record on the
    same line as a bad one cannot be told apart from it.
    """
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(path, f"JSON mal formé : {exc.msg}", row=exc.lineno) from None
    if isinstance(obj, dict):
        lists = [v for v in obj.values() if isinstance(v, list)]
        obj = lists[0] if lists else [obj]
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        raise LoadError(path, "JSON inattendu : une liste d'objets (un par document) attendue")
    problems: list[str | None] = [None] * len(obj)
    if bad:
        spans = _json_spans(text)
        if spans is None or len(spans) != len(obj):
            raise LoadError(
                path,
                f"encodage invalide ({encoding_label(encoding)}) et structure JSON ambiguë : "
                "impossible de rejeter le seul enregistrement fautif",
                row=min(bad),
            )
        ends = [m.end() for m in _LINE_BREAK.finditer(text)]
        for i, (start, stop) in enumerate(spans):
            first = bisect.bisect_right(ends, start) + 1
            last = bisect.bisect_right(ends, stop - 1) + 1
            hit = [n for n in range(first, last + 1) if n in bad]
            if hit:
                problems[i] = _bad_encoding(hit[0])
    # JSON lines, so that Polars coerces every value to the declared string dtype.
    records = [json.dumps(r, ensure_ascii=False) for r in obj]
    return records, list(range(1, len(obj) + 1)), problems


def _json_spans(text: str) -> list[tuple[int, int]] | None:
    """Character spans of the records :func:`_json_records` takes, None when not found.

    ``json.loads`` gives values, not places: the document is walked again with
    ``raw_decode``, one value at a time, only when a bad line needs a record.
    """
    decoder = json.JSONDecoder()

    def skip(i: int) -> int:
        match = _JSON_SPACE.match(text, i)
        assert match is not None  # ``*``: always matches
        return match.end()

    def items(i: int) -> list[tuple[int, int]]:  # ``text[i]`` is « [ »
        spans: list[tuple[int, int]] = []
        i = skip(i + 1)
        if text.startswith("]", i):
            return spans
        while True:
            _, end = decoder.raw_decode(text, i)
            spans.append((i, end))
            i = skip(end)
            if text.startswith(",", i):
                i = skip(i + 1)
            elif text.startswith("]", i):
                return spans
            else:
                raise ValueError(i)

    try:
        i = skip(1 if text.startswith("\ufeff") else 0)
        if text.startswith("[", i):
            return items(i)
        _, end = decoder.raw_decode(text, i)
        j = skip(i + 1)  # an object: look for its first member holding a list
        while text.startswith('"', j):
            _, k = decoder.raw_decode(text, j)
            k = skip(k)
            if not text.startswith(":", k):
                return None
            k = skip(k + 1)
            value, after = decoder.raw_decode(text, k)
            if isinstance(value, list):
                return items(k)
            j = skip(after)
            j = skip(j + 1) if text.startswith(",", j) else j
        return [(i, end)]
    except (ValueError, IndexError):
        return None


def _json_lines_error(path: Path, text: str, lines: Sequence[int]) -> LoadError:
    """The first JSON line that is not an object, as a ``LoadError`` without its content
    (``lines``: the physical line of each non-blank line of ``text``)."""
    for n, line in zip(lines, (ln for ln in text.split("\n") if ln.strip()), strict=False):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            return LoadError(path, f"JSON mal formé : {exc.msg} (caractère {exc.colno})", row=n)
        if not isinstance(value, dict):
            return LoadError(path, "JSON lines : chaque ligne doit être un objet", row=n)
    return LoadError(path, "JSON mal formé (valeurs de types incompatibles ?)")


def table_role(columns: Sequence[str]) -> str:
    """What a table is, from its (folded) columns: documents, index, consultation, verite."""
    cols = set(columns)
    if cols & {"id_reponse", "id_proposition", "id_commentaire", "id_soutien"}:
        return "consultation"
    if {"theme", "propositions"} <= cols:
        return "verite"
    if cols & set(TEXT_COLUMNS):
        return "documents"
    if "fichier" in cols:
        return "index"
    return "inconnu"


def _pick(frame: pl.DataFrame, target: str) -> pl.Expr:
    for cand in EXPORT_COLUMNS.get(target, (target,)):
        if cand in frame.columns:
            return pl.col(cand).cast(pl.String).alias(target)
    return pl.lit(None, dtype=pl.String).alias(target)


def _export_rows(frame: pl.DataFrame, rel: str, fmt: str) -> pl.DataFrame:
    """Raw document rows of an export (vectorised)."""
    # The record's reading problem (a line not valid in the file's encoding, a truncated
    # record) is kept: dropping it here let a row with U+FFFD in its text be accepted.
    reading = pl.col(SHORT_COL) if SHORT_COL in frame.columns else pl.lit(None, dtype=pl.String)
    out = frame.select(
        *(_pick(frame, c) for c in RAW_COLUMNS if c not in {"fichier", "format"}),
        pl.lit(rel).alias("fichier"),
        pl.lit(fmt).alias("format"),
        pl.lit(None, dtype=pl.String).alias(ERROR_COL),
        pl.lit(None, dtype=pl.String).alias(DETAIL_COL),
        pl.lit(rel).alias(SOURCE_COL),
        pl.col(LINE_COL),
        reading.alias(SHORT_COL),
    )
    auteur = null_if_empty("type_auteur")
    split = auteur.str.extract_groups(r"^(.*?)\s*\(([^()]*)\)\s*$")
    niveau_in_auteur = _fold_expr(split.struct.field("2")).replace_strict(NIVEAUX, default=None)
    from_id = "id_retex" in frame.columns
    return out.with_columns(
        pl.coalesce(
            null_if_empty("id_document"),
            pl.lit(rel) + "#" + pl.col(LINE_COL).cast(pl.String),
        ).alias("id_document"),
        pl.coalesce(
            null_if_empty("source"),
            pl.when(pl.lit(from_id) | null_if_empty("id_document").str.contains(RETEX_ID))
            .then(pl.lit("retex"))
            .otherwise(pl.lit("autre")),
        ).alias("source"),
        pl.when(niveau_in_auteur.is_not_null())
        .then(split.struct.field("1"))
        .otherwise(auteur)
        .alias("type_auteur"),
        pl.coalesce(null_if_empty("niveau"), niveau_in_auteur).alias("niveau"),
    )


def _index_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Metadata of a synthesis index, keyed by lower-case file name."""
    return frame.select(
        pl.col("fichier").str.replace_all(r"\\", "/").str.split("/").list.last().str.to_lowercase()
        .str.strip_chars().alias("__cle"),
        *(
            _pick(frame, c).alias(f"__idx_{c}")
            for c in ("titre", "date", "type_auteur", "region_academique", "academie", "source")
        ),
    ).unique("__cle", keep="first", maintain_order=True)  # fmt: skip


# --------------------------------------------------------------------------- load


def _collect(
    path: Path, encoding: str | None, separator: str | None, declared: Declared | None = None
) -> tuple[list[pl.DataFrame], list[Path], list[pl.DataFrame], Path]:
    """Exports (raw rows), loose document paths and index tables found under ``path``.

    ``declared``: each table file takes the declared columns it has (constants are the
    caller's: they fill loose documents too); a declared column no table has is an error.
    """
    if not path.exists():
        raise LoadError(path, "fichier ou dossier introuvable")
    root = path if path.is_dir() else path.parent
    candidates = (
        sorted(p for p in path.rglob("*") if p.is_file() and not _is_skipped(p.relative_to(path)))
        if path.is_dir()
        else [path]
    )
    exports: list[pl.DataFrame] = []
    documents: list[Path] = []
    indexes: list[pl.DataFrame] = []
    tables: list[tuple[Path, str, pl.DataFrame, list[str]]] = []
    for file in candidates:
        suffix = _suffix(file)
        if suffix not in TABLE_SUFFIXES:
            documents.append(file)
            continue
        if path.is_dir() and TABLE_SUFFIXES[suffix] == "csv":
            # Skip the other loaders' tables on their header alone (no need to read them).
            head = table_role([fold(c) for c in _csv_header(file, encoding, separator)])
            if head in {"consultation", "verite"}:
                continue
        table, originals = read_table_with_headers(
            file, encoding=encoding, separator=separator, expected=_EXPECTED
        )
        written = [originals.get(c, c) for c in table.columns if c not in META_COLS]
        tables.append((file, suffix, table, written))
    if declared is not None and declared.columns:  # said before any « colonnes inconnues »
        refuse_unused(path, declared, [written for *_, written in tables])
    for file, suffix, read, written in tables:
        table = read
        if declared is not None and declared.columns:
            part = present(declared, written)
            table = apply_mapping(table, file, Declared(part.columns), written, quote_header=False)
        role = table_role(table.columns)
        if role == "documents":
            rel = file.relative_to(root).as_posix()
            exports.append(_export_rows(table, rel, TABLE_SUFFIXES[suffix]))
        elif role == "index":
            _refuse_bad_index(file, table)
            indexes.append(table)
        elif not path.is_dir() or role == "inconnu":
            hint = (
                " : c'est un export de la consultation (type « consultation »)"
                if role == "consultation"
                else ""
            )
            raise LoadError(
                file,
                "colonnes inconnues pour un corpus de textes "
                f"(trouvées : {', '.join(c for c in table.columns if not c.startswith('_'))} ; "
                f"attendu une colonne de texte : {', '.join(TEXT_COLUMNS[:3])}…){hint}",
                row=1,
            )
    if not exports and not documents:
        raise LoadError(path, "aucun document (txt, md, docx, pdf) ni export de textes trouvé")
    return exports, documents, indexes, root


def _refuse_bad_index(path: Path, table: pl.DataFrame) -> None:
    """``LoadError`` for a synthesis index holding a line not valid in its encoding.

    An index is no row of the documents table (nothing to reject), and its titles and dates
    are copied onto the documents it names: one line read with U+FFFD would put it into
    accepted rows. So, as any structured file that cannot be read, it stops the load, naming
    the line; a record of another kind (truncated) keeps its former treatment.
    """
    if SHORT_COL not in table.columns:
        return
    bad = table.filter(pl.col(SHORT_COL).str.starts_with("encodage invalide"))
    if bad.height:
        raise LoadError(path, "index de synthèse : encodage invalide", row=int(bad[LINE_COL][0]))


def load_result(
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """Read, clean and validate a corpus folder or export; see the module docstring.

    ``mapping`` (``{role: column}``) declares the columns of the *exports* (tables) among
    :data:`ROLES` (``--map texte=Verbatim --map id_document=Numéro``); a loose document has no
    columns, its header lines are read as usual. ``constants`` (``{role: value}``) fill every
    row, loose documents included (``--set source=retex --set academie=Lyon``). See
    :mod:`~egn_analytics.loaders._mapping`.
    """
    path = Path(path)
    declared = declare(mapping, constants, ROLES, path=path)
    check_encoding(path, encoding)
    exports, documents, indexes, root = _collect(path, encoding, separator, declared)
    index = pl.concat(indexes, how="diagonal_relaxed") if indexes else None
    listed: set[Path] = set()
    if index is not None:
        keys = set(_index_rows(index)["__cle"].to_list())
        listed = {p for p in documents if p.name.lower() in keys}
    docs = _document_rows(documents, root, encoding, listed)
    if index is not None and docs.height:
        idx = _index_rows(index)
        docs = (
            docs.with_columns(
                pl.col("fichier").str.split("/").list.last().str.to_lowercase().alias("__cle")
            )
            .join(idx, on="__cle", how="left", maintain_order="left")
            .with_columns(
                pl.coalesce(null_if_empty(f"__idx_{c}"), c).alias(c)
                for c in ("titre", "date", "type_auteur", "region_academique", "academie")
            )
            .with_columns(
                pl.when(pl.col("__idx_source").is_not_null())
                .then(pl.col("__idx_source"))
                .when(pl.col("__cle").is_in(list(keys)) & (pl.col("source") == "autre"))
                .then(pl.lit("synthese"))
                .otherwise(pl.col("source"))
                .alias("source")
            )
            .drop(cs.starts_with("__"))
        )
    columns = [*RAW_COLUMNS, ERROR_COL, DETAIL_COL, SOURCE_COL, LINE_COL, SHORT_COL]
    raw = pl.concat(
        [f.select(columns) for f in [*exports, docs]], how="vertical_relaxed"
    ).with_columns(pl.col(LINE_COL).cast(pl.Int64))
    raw = raw.with_columns(
        pl.lit(value, dtype=pl.String).alias(role) for role, value in declared.constants.items()
    )

    texte = pl.col("texte").str.replace_all("\r\n?", "\n").str.normalize("NFC").str.strip_chars()
    typed = raw.with_columns(
        null_if_empty("id_document").str.normalize("NFC").alias("id_document"),
        pl.when(_fold_expr(pl.col("source")).str.starts_with("retex"))
        .then(pl.lit("retex"))
        .when(_fold_expr(pl.col("source")).str.starts_with("synthese"))
        .then(pl.lit("synthese"))
        .otherwise(pl.lit("autre"))
        .alias("source"),
        null_if_empty(pl.col("titre").str.normalize("NFC")).alias("titre"),
        pl.when(texte == "").then(None).otherwise(texte).alias("texte"),
        null_if_empty("type_auteur").alias("type_auteur"),
        null_if_empty("niveau").alias("niveau"),
        parse_date("date").alias("date"),
        pl.col("date").alias("_date_brute"),
        null_if_empty("fichier").alias("fichier"),
        pl.col("format").str.to_lowercase().alias("format"),
        pl.col("region_academique").alias("_region_label"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_ordre"),
    ).drop("region_academique")
    typed = attach_academie(typed)
    typed = _region_from_label(typed, "_region_label")
    typed = typed.with_columns(
        pl.concat_str(
            pl.when(pl.col("_acad_inconnue").is_not_null()).then(
                "académie inconnue (« " + pl.col("_acad_inconnue") + " »)"
            ),
            pl.when(pl.col("_region_inconnue").is_not_null()).then(
                "région académique inconnue (« " + pl.col("_region_inconnue") + " »)"
            ),
            separator=" ; ",
            ignore_nulls=True,
        ).alias("alerte")
    ).with_columns(pl.when(pl.col("alerte") != "").then(pl.col("alerte")).alias("alerte"))

    bad_date = null_if_empty("_date_brute").is_not_null() & pl.col("date").is_null()
    empty = pl.col("texte").is_null() & pl.col(ERROR_COL).is_null()
    # One row per id: the first VALID occurrence (exports come first), else the first one.
    bad = pl.col(ERROR_COL).is_not_null() | pl.col(SHORT_COL).is_not_null() | empty | bad_date
    order = pl.col("_ordre")
    best = pl.coalesce(
        pl.when(bad.not_()).then(order).min().over("id_document"),
        order.min().over("id_document"),
    )
    checks = [
        *((reason, pl.col(ERROR_COL) == code) for code, reason in READ_ERRORS.items()),
        ("texte vide", empty),
        ("date impossible", bad_date),
        ("document en double", pl.col("id_document").is_not_null() & (order != best)),
    ]
    result = validate(raw, typed, DocumentSchema, checks=checks, table=TABLE)
    result.sources = tuple(dict.fromkeys(raw[SOURCE_COL].to_list()))
    result.layout = declared.record()
    return result


def load(path: str | Path, **options: Any) -> pl.LazyFrame:
    """The validated documents table (rejects dropped; use :func:`load_result` for them)."""
    return load_result(path, **options).data.lazy()
