"""ENT raw event logs → pseudonymised, validated events, streamed into partitioned Parquet.

Input: one file or a folder of files (searched recursively; hidden files and non-data files
such as a ``LISEZMOI.txt`` are skipped), each CSV (``;`` ``,`` tab, UTF-8 with or without BOM,
or cp1252), CSV gzip, JSON lines (gzip or not) or Parquet. The format is recognised from the
first bytes (gzip, ``PAR1``, ``{``), not trusted from the suffix. The encoding is decided from
the lines of the file's head (the majority of those that tell UTF-8 from cp1252); a line in
the other encoding further down stops the ingestion with its number (a stream cannot reject
one line of a Polars scan, and reading it in the wrong encoding would be silent mojibake).
A CSV with CR-only line ends is refused (« fins de ligne CR seules ») unless a column mapping
is declared (below). Columns: ``horodatage``, ``login``, ``profil``, ``uai``, ``statut_http``
(required), ``projet_ent``, ``service``, ``url``, ``duree_ms`` (optional); a few usual export
names are mapped (``timestamp``, ``user``, ``status``…, see :data:`ALIASES`); other columns are
ignored, never copied (an IP address column stays behind) and listed in the summary.

Other layouts (another platform's export, e.g. a Moodle standard log): ``mapping`` says which
file column plays which role (``egn ingest ent-logs FILE --map horodatage=Time --map
"id_utilisateur=User full name"``; ``id_utilisateur`` is the identity, pseudonymised like a
login), ``constants`` fills a role the file lacks with one value (``--set uai=0750001U --set
profil=élève --set statut_http=200``: a platform-wide établissement, a single audience, a
request that was served; ``--set code_academie=01`` for a platform of one académie, without
an établissement table: the dataset is then partitioned by académie as with one, and the daily
table takes that académie). ``--set annee=2018`` is the year of dates written without one
(« 11 May, 09:44 », English month names, read as Paris wall-clock time): it is declared, never
guessed, and without it such rows are rejected « date sans année ». The declaration is checked
before reading (unknown target, constant identity or time, a role both mapped and set: one
``ValueError``), a mapped column that is absent is one line naming it (« colonne « Role »
absente (--map profil=Role) »), never the header, and the other columns are still recognised
by name. A file read through a mapping that has no status column and declares none (a Moodle
log records events, not HTTP requests) takes ``statut_http`` = :data:`DEFAULT_STATUS` (200, an
event the platform recorded is one it served), listed in the summary under
``statut_http_par_defaut``. A mapping is an explicit statement about the file, so a CR-only
file is then read as lines (its CRs read as LFs while streaming, :class:`_CrAsLf`); without
one it stays
refused, quoting nothing. Mapping and constants are recorded in the summary and, through the
registry's options, in the cache key.

Output (:func:`ingest`, also ``egn ingest ent-logs PATH``)::

    out_dir/ent_evenements/mois=2020-03/part-0002-00001.parquet      (code_academie=NN/ too
    out_dir/ent_evenements.rejects.parquet                            when etablissements=…)
    out_dir/ent_evenements.meta.json

Streaming: files are read in batches of ``batch_rows`` rows (default 1,000,000), never whole:
CSV and JSON lines with Polars' streaming scan (``scan_csv(...).collect_batches()``, which
decompresses gzip as it goes; Polars 2.1 has no ``read_csv_batched``), cp1252 CSV through a
gzip/text stream cut into line-aligned blocks, Parquet with ``pyarrow.parquet.ParquetFile
.iter_batches``. Each batch is parsed, checked, pseudonymised, then written and dropped, so the
memory depends on ``batch_rows``, not on the size of the history.

Per batch (vectorised; string clean-up and checks run on the DISTINCT values of a column, a
few thousand per million rows, and are spread back only when they changed something):

* ``horodatage``: local ISO 8601 time with its UTC offset (``2020-03-29T03:00:00+02:00``), the
  offset changing at the DST switch → ``Datetime("us", "Europe/Paris")``. Also accepted: a
  space instead of ``T``, fractional seconds, ``Z``, ``+0100``; and times without offset, read
  as Paris wall-clock time (a time that does not exist, 29 March 2020 at 02:30, is rejected;
  an ambiguous one, in October, is taken as the earlier). Parquet timestamps are converted.
* ``login`` → ``id_utilisateur`` with :func:`egn_analytics.privacy.pseudonymise` (keyed
  BLAKE2b); the raw login is dropped before anything else happens to the batch, so it is never
  written anywhere, not even in the rejects (which keep the pseudonym).
* checks, each a rejects reason (``_motif``; several are joined by `` ; ``): « date
  impossible », « date sans année » (no ``annee`` declared), « date hors période plausible » (before 2000 or in the future), « profil
  inconnu », « statut HTTP invalide » (not an integer in 100..599), « UAI invalide », « clé de
  contrôle de l'UAI invalide », « durée négative », « durée invalide », « valeur manquante
  (col) », and « UAI absent de l'annuaire » when an établissement reference is given.
  Rejected rows keep their raw text (pseudonym instead of login), ``_source`` (file) and
  ``_ligne`` (line in a CSV file, header = 1; line in a JSON lines file; row in a Parquet file).
  Always: rows read = accepted + rejected.

Raw logins never leave the loader, errors included: a message names the file, the line and
the column and says what is wrong (« en-tête attendu absent », « fins de ligne CR seules »,
« CSV mal formé (ligne N) : 10 champs pour 9 colonnes d'en-tête »…), never the content. Polars
errors quote whole rows, so they are classified and rewritten (:func:`_read_error`), the first
faulty line being found again with the csv module; an error while processing a batch is
rewritten too, without chaining the original (a traceback would print it). In a CSV file,
two layouts could move a login out of its column: a field holding a line break (a quote left
open swallows the next lines, « champ sur plusieurs lignes » : its raw text is not kept in
the rejects) and a record shorter than the header (Polars pads it, so a missing field before
the login shifts the login left): a rejected row whose last field is empty keeps no raw text
in the columns that come before the login in the file.

Atomic: everything is written into ``out_dir/.ent_evenements.tmp-<pid>-<random>/``; at the end
the new dataset folder is swapped with the old one (``renameat2(RENAME_EXCHANGE)`` on Linux: one
atomic step; elsewhere two renames, with the previous dataset kept aside and restored by the
next run if the process dies in between), then the rejects file and the meta file are replaced.
A killed ingestion leaves the previous dataset intact; its temporary folder is removed by the
next run. Two ingestions into the same folder at once are refused (``flock`` on the folder).
Reading the next batch and writing the previous one run in two threads beside the main one
(one-slot queues: at most a few batches in memory). An unreadable file (empty, truncated
gzip, random bytes, missing columns, malformed CSV or JSON) raises :class:`LoadError` in one
line and nothing is written. All files are checked (format, header) before the first batch.

Cache: ``ent_evenements.meta.json`` carries the registry's cache key. The key's fingerprint
(:attr:`PseudoKey.fingerprint`) is part of ``CODE_VERSION``, so a new pseudonymisation key
never reuses pseudonyms computed with the previous one. The établissement reference is named
by its path in that key, not by its content: re-ingest with ``--force`` after replacing it.

Memory: about 1.3-1.6 GB at the default 1,000,000 rows a batch (three batches in flight and
the Polars and Arrow runtimes), about 0.3 GB at 100,000, whatever the number of events.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import gzip
import io
import json
import os
import queue
import re
import secrets
import shutil
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from egn_analytics.io import exchange_paths, exclusive_lock, write_text_atomic
from egn_analytics.loaders._core import (
    CR_ONLY_MESSAGE,
    LINE_COL,
    REASON_COL,
    SOURCE_COL,
    LoadError,
    LoadResult,
    cr_only,
    encoding_label,
    io_reason,
    polars_reason,
    refuse_duplicates,
    utf8_evidence,
)
from egn_analytics.loaders._mapping import Declared, declare, match_columns
from egn_analytics.loaders.ent_audience import profil_expr
from egn_analytics.privacy import PseudoKey, load_key, pseudonymise
from egn_analytics.schemas.ent import (
    EVENT_PARTITIONS,
    TIMEZONE,
    EntEvenementAcademieSchema,
    EntEvenementSchema,
)
from egn_analytics.stages import Stage

TABLE = "ent_evenements"
_CODE_VERSION = "1"
REQUIRED = ("horodatage", "login", "profil", "uai", "statut_http")
OPTIONAL = ("projet_ent", "service", "url", "duree_ms")
#: Usual export names (lower-cased) → our column.
ALIASES = {
    "timestamp": "horodatage", "date_heure": "horodatage", "datetime": "horodatage",
    "date": "horodatage", "time": "horodatage",
    "user": "login", "user_id": "login", "userid": "login", "uid": "login",
    "identifiant": "login", "utilisateur": "login",
    "profile": "profil", "role": "profil",
    "rne": "uai", "code_uai": "uai", "etablissement": "uai",
    "status": "statut_http", "statut": "statut_http", "code_http": "statut_http",
    "http_status": "statut_http",
    "projet": "projet_ent", "ent": "projet_ent",
    "duree": "duree_ms", "duration_ms": "duree_ms", "response_time_ms": "duree_ms",
    "temps_reponse_ms": "duree_ms",
}  # fmt: skip
#: ``--map``/``--set`` targets: our columns; ``id_utilisateur`` is the identity (read as ``login``).
TARGETS = (*REQUIRED, *OPTIONAL)
#: Targets a constant may fill: never the identity or the time, which are per event.
CONSTANT_TARGETS = ("profil", "uai", "statut_http", "projet_ent", "service", "url")
#: ``statut_http`` of a file read through a mapping that has no status column and declares
#: none (a Moodle log records events, not HTTP requests): an event the platform recorded is
#: one it served. Recorded in the summary (``statut_http_par_defaut``), never silent.
DEFAULT_STATUS = "200"
#: Our column → the name users give it in ``--map`` (the identity is not a login everywhere).
_NAMES = {"login": "id_utilisateur"}
#: ``--set annee=AAAA``: the year of dates written without one (Moodle's « 11 May, 09:44 »).
YEAR = "annee"
#: ``--set code_academie=NN``: the académie of a platform serving one académie, given without an
#: établissement table (the dataset is then partitioned by académie as with one).
ACADEMIE = "code_academie"
#: Dates without a year, read once a year is declared (English month names, as Moodle writes).
_YEARLESS_FORMATS = (
    "%Y %d %b, %H:%M", "%Y %d %b %H:%M", "%Y %d %B, %H:%M", "%Y %d %B %H:%M",
    "%Y %d %b, %H:%M:%S", "%Y %d %b %H:%M:%S",
)  # fmt: skip
_NO_YEAR = "date sans année (déclarer --set annee=AAAA)"
DEFAULT_BATCH_ROWS = 1_000_000
DATA_SUFFIXES = (".csv", ".tsv", ".gz", ".jsonl", ".ndjson", ".json", ".parquet", ".pq")
PLAUSIBLE_START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_OFFSET = re.compile(r"^(?:Z|([+-])(\d{2}):?(\d{2}))$")
_REJECT_COLUMNS = ("horodatage", "id_utilisateur", *REQUIRED[2:], *OPTIONAL)
_REJECT_SCHEMA = pa.schema(
    [(c, pa.large_string()) for c in _REJECT_COLUMNS]
    + [(SOURCE_COL, pa.large_string()), (LINE_COL, pa.int64()), (REASON_COL, pa.large_string())]
)
_REJECT_PL_SCHEMA = pl.Schema(
    {**dict.fromkeys(_REJECT_COLUMNS, pl.String()), SOURCE_COL: pl.String(),
     LINE_COL: pl.Int64(), REASON_COL: pl.String()}
)  # fmt: skip
_REJECT_BUFFER_ROWS = 100_000
_SCAN_CHUNK_ROWS = 250_000
_FREE_TEXT = ("projet_ent", "service", "url")
#: Batch column: the CSV record's last field is empty (it may be a record shorter than the
#: header, padded by Polars: see the module docstring).
_END_EMPTY = "_fin_vide"
_MULTILINE = "champ sur plusieurs lignes (guillemet mal fermé ?)"
#: The first faulty line of a file Polars refused is looked for in this much text at most.
_DIAGNOSE_BYTES = 1 << 30


def __getattr__(name: str) -> str:
    """``CODE_VERSION`` names the code AND the pseudonymisation key (cache keys change with it).

    Computed on access (PEP 562) because the registry reads it to build the cache key, and a
    result pseudonymised with another key must never be reused.
    """
    if name == "CODE_VERSION":
        return f"{_CODE_VERSION}+cle-{load_key().fingerprint}"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- input files


@dataclass(slots=True)
class _Source:
    """One input file as checked before streaming: its format and its column mapping."""

    path: Path
    name: str  # relative to the input folder (shown in ``_source`` and messages)
    kind: str  # "csv" | "jsonl" | "parquet"
    gzip: bool = False
    encoding: str = "utf-8"
    separator: str = ";"
    columns: dict[str, str] = field(default_factory=dict)  # file column → our column
    ignored: list[str] = field(default_factory=list)
    size: int = 0
    est_rows: int = 0  # for the progress bar
    line_bytes: int = 100  # mean line length (block size of the decoding reader)
    last_column: str | None = None  # CSV: the file's last column (short-record flag)
    before_login: tuple[str, ...] = ()  # CSV: our columns placed before the login in the file
    constants: dict[str, str] = field(default_factory=dict)  # our column → declared value
    year: int | None = None  # declared year of dates written without one
    cr_only: bool = False  # CR-only line ends, read as lines (only when a mapping is declared)
    default_status: bool = False  # no status column, none declared: DEFAULT_STATUS (mapping only)


@dataclass(frozen=True, slots=True)
class _Declared:
    """What the user declared about the file: ``--map`` (our column → file column) and
    ``--set`` (our column → constant; ``annee``: the year of dates without one)."""

    mapping: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    year: int | None = None


def _declared(mapping: dict[str, str] | None, constants: dict[str, str] | None) -> _Declared:
    """Check the targets of ``mapping`` and ``constants`` (``ValueError``, one French line).

    The shared check (:func:`~egn_analytics.loaders._mapping.declare`), with the ENT rules:
    ``id_utilisateur`` names the identity (the pseudonym's source, ``login`` in our files). A
    constant identity or time would make every event one user or one moment: refused, as is a
    target both mapped and set (which one wins would be a guess). The year is never guessed:
    dates without one stay rejected until ``annee`` is declared; ``code_academie`` is read here.
    """
    fixed: dict[str, str] = {}
    year = None
    others: dict[str, str] = {}
    for target, value in (constants or {}).items():
        t = target.strip()
        if t == ACADEMIE:
            if not re.fullmatch(r"\d{2}", value.strip()):
                raise ValueError(
                    f"--set {ACADEMIE}=… : code invalide (attendu deux chiffres, « 01 »)"
                )
            fixed[t] = value.strip()
        elif t == YEAR:
            if not re.fullmatch(r"\d{4}", value.strip()) or not 2000 <= int(value) <= 2100:
                raise ValueError(f"--set {YEAR}=… : année invalide (attendu AAAA, 2000 à 2100)")
            year = int(value)
        else:
            others[target] = value
    declared = declare(
        mapping, others, TARGETS, constant_roles=CONSTANT_TARGETS, names=_NAMES,
        also=(YEAR, ACADEMIE),
    )  # fmt: skip
    return _Declared(dict(declared.columns), {**fixed, **declared.constants}, year)


def inputs(path: str | Path) -> list[Path]:
    """The data files of ``path`` (a file, or every data file under a folder), sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
        and p.name.lower().endswith(DATA_SUFFIXES)
    )


def _head(path: Path, is_gzip: bool, n: int = 64 * 1024) -> bytes:
    try:
        if is_gzip:
            with gzip.open(path, "rb") as fh:
                return fh.read(n)
        with path.open("rb") as fh:
            return fh.read(n)
    except (OSError, EOFError, zlib.error) as exc:
        raise LoadError(path, io_reason(exc)) from None


def _clean(name: str) -> str:
    return name.replace("\ufeff", "").strip()


def _declared_columns(path: Path, names: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """File column → our column for each ``--map`` (exact name, else ignoring case).

    An absent column is one line naming it as the user wrote it, never the file's header
    (which, in a file without one, is a row of data): see
    :func:`~egn_analytics.loaders._mapping.match_columns`.
    """
    found = match_columns(path, names, Declared(mapping, names=_NAMES), quote_header=False)
    return {names[pos]: ours for pos, ours in found.items()}


def _map_columns(
    path: Path,
    names: list[str],
    *,
    quote_unknown: bool,
    declared: _Declared | None = None,
) -> tuple[dict[str, str], list[str]]:
    """File columns → our columns (trimmed, BOM dropped, lower-cased, aliases); check required.

    ``declared``: the user's ``--map`` columns come first; the other columns are recognised
    by name as usual, except for a target already mapped or set (the declaration wins).

    A CSV header that names none of our columns is most likely a row of data (no header, or
    a header cut off): it is counted, never quoted — its « names » would be raw logins. Names
    of unknown columns are quoted only for JSON keys and Parquet columns (``quote_unknown``),
    which are names by construction; in a CSV header, they are given by position.
    """
    decl = declared or _Declared()
    mapping = _declared_columns(path, names, decl.mapping)
    taken = {*mapping.values(), *decl.constants}
    ignored: list[str] = []
    # The role each position plays; positions playing none get a name of their own, so only
    # two positions playing one role are « en double » (the core's check and message).
    roles = [f"\x00{pos}" for pos in range(len(names))]
    unknown: list[int] = []
    for pos, name in enumerate(names, start=1):
        if name in mapping:
            continue
        clean = _clean(name).lower()
        ours = clean if clean in REQUIRED or clean in OPTIONAL else ALIASES.get(clean)
        if ours is None or ours in taken:
            ignored.append(name)
            unknown.append(pos)
        else:
            roles[pos - 1] = ours
            mapping.setdefault(name, ours)
    refuse_duplicates(path, roles, "colonne « {} » en double")
    if not mapping:
        raise LoadError(
            path,
            f"en-tête attendu absent : la ligne 1 ne nomme aucune des colonnes attendues "
            f"({', '.join(REQUIRED)}) ; elle a {len(names)} champ(s), sans doute des données",
            row=1,
        )
    missing = [c for c in REQUIRED if c not in mapping.values() and c not in decl.constants]
    if decl.mapping and "statut_http" in missing:
        # Another platform's log (Moodle) records events, not HTTP requests: the status takes
        # its documented default (:data:`DEFAULT_STATUS`, set by :func:`_inspect`).
        missing.remove("statut_http")
    if missing:
        found = [_clean(n) for n in mapping]
        if unknown:
            others = (
                ", ".join(ignored[:12]) + ("…" if len(ignored) > 12 else "")
                if quote_unknown
                else "colonnes "
                + ", ".join(map(str, unknown[:12]))
                + ("…" if len(unknown) > 12 else "")
            )
            found.append(f"non reconnues : {others}")
        raise LoadError(
            path,
            f"colonne(s) attendue(s) absente(s) : {', '.join(missing)} "
            f"(trouvées : {', '.join(found)}) ; les déclarer avec --map CIBLE=COLONNE "
            "ou --set CIBLE=VALEUR"
            + (" (login : --map id_utilisateur=COLONNE)" if "login" in missing else ""),
            row=1,
        )
    return mapping, ignored


def _head_encoding(head: bytes) -> str:
    """UTF-8 or cp1252, by the lines of the head that tell them apart (the majority wins).

    One cp1252 line among UTF-8 ones used to make the whole file cp1252 (mojibake in every
    accented value); now that line stops the ingestion with its number (a UTF-8 stream
    refuses it), and so does a UTF-8 line in a cp1252 file (:func:`_utf8_line`).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    lines = head.split(b"\n")
    if len(lines) > 1 and len(head) >= 64 * 1024:
        lines = lines[:-1]  # cut by the end of the sample
    valid, invalid = utf8_evidence(lines)
    return "utf-8" if len(valid) >= len(invalid) else "cp1252"


#: A multi-byte UTF-8 character: in cp1252 text it would be read as mojibake (« Ã© »).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _utf8_line(block: bytes) -> int | None:
    """Index (0-based) of the first line of ``block`` that is UTF-8 with accents, if any."""
    if block.isascii() or _UTF8_SEQUENCE.search(block) is None:
        return None
    valid, _ = utf8_evidence(block.split(b"\n"))
    return valid[0] if valid else None


def _sniff_text(
    path: Path, head: bytes, encoding: str | None, separator: str | None, lines_cr: bool = False
) -> _Source:
    """A text file's format from its head. CR-only line ends are refused unless ``lines_cr``
    (a column mapping was declared: the user has looked at the file), then read as lines."""
    if b"\x00" in head[:4096]:
        raise LoadError(path, "fichier binaire : ni CSV, ni JSON lines, ni Parquet")
    is_cr = cr_only(head)
    if is_cr and not lines_cr:
        raise LoadError(
            path, f"{CR_ONLY_MESSAGE} (ou déclarer ses colonnes avec --map CIBLE=COLONNE)", row=1
        )
    if is_cr:
        head = head.replace(b"\r", b"\n")
    if encoding is None:
        encoding = _head_encoding(head)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise LoadError(path, "fichier vide")
    if lines[0].lstrip().startswith(("{", "[")):
        if is_cr:  # JSON lines are read by Polars' scan, which splits on LF only
            raise LoadError(path, CR_ONLY_MESSAGE, row=1)
        if lines[0].lstrip().startswith("["):
            raise LoadError(path, "JSON en tableau : attendu un objet JSON par ligne (JSON lines)")
        try:
            first = json.loads(lines[0])
        except json.JSONDecodeError as exc:
            raise LoadError(path, f"JSON mal formé ({exc.msg})", row=1) from exc
        if not isinstance(first, dict):
            raise LoadError(path, "JSON lines : chaque ligne doit être un objet", row=1)
        return _Source(
            path, path.name, "jsonl", encoding=encoding, columns=dict.fromkeys(first, ""),
            cr_only=is_cr,
        )  # fmt: skip
    if separator is None:
        try:
            separator = csv.Sniffer().sniff("\n".join(lines[:10]), delimiters=";,\t|").delimiter
        except csv.Error:
            counts = {s: lines[0].count(s) for s in ";,\t|"}
            separator = max(counts, key=counts.__getitem__) if max(counts.values()) else ";"
    header = next(csv.reader([lines[0]], delimiter=separator))
    return _Source(
        path, path.name, "csv", encoding=encoding, separator=separator,
        columns=dict.fromkeys(header, ""), cr_only=is_cr,
    )  # fmt: skip


def _inspect(
    path: Path,
    root: Path,
    encoding: str | None,
    separator: str | None,
    declared: _Declared | None = None,
) -> _Source:
    """Recognise a file's format and check its columns (raises LoadError; reads the head)."""
    decl = declared or _Declared()
    if not path.is_file():
        raise LoadError(path, "fichier introuvable")
    size = path.stat().st_size
    if size == 0:
        raise LoadError(path, "fichier vide")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1":
        try:
            pf = pq.ParquetFile(path)
            names = pf.schema_arrow.names
            rows = pf.metadata.num_rows
        except (OSError, pa.ArrowException) as exc:
            raise LoadError(path, f"Parquet illisible ({str(exc).splitlines()[0]})") from exc
        src = _Source(path, path.name, "parquet", columns=dict.fromkeys(names, ""), est_rows=rows)
    elif magic[:2] == b"PK":
        raise LoadError(path, "archive zip : décompressez-la avant l'ingestion")
    else:
        is_gzip = magic[:2] == b"\x1f\x8b"
        head = _head(path, is_gzip)
        src = _sniff_text(path, head, encoding, separator, lines_cr=bool(decl.mapping))
        src.gzip = is_gzip
        # Rows ≈ uncompressed size / line length (gzip's trailer gives the size mod 2^32).
        plain = size
        if is_gzip:
            with path.open("rb") as fh:
                fh.seek(-4, os.SEEK_END)
                plain = max(int.from_bytes(fh.read(4), "little"), size)
        src.line_bytes = max(1, len(head) // max(1, head.count(b"\r" if src.cr_only else b"\n")))
        src.est_rows = max(1, plain // src.line_bytes)
    names = list(src.columns)
    src.columns, src.ignored = _map_columns(
        path, names, quote_unknown=src.kind != "csv", declared=decl
    )
    src.constants, src.year = dict(decl.constants), decl.year
    if "statut_http" not in src.columns.values() and "statut_http" not in src.constants:
        src.constants["statut_http"] = DEFAULT_STATUS  # only with a mapping: see _map_columns
        src.default_status = True
    if src.kind == "csv":
        src.last_column = names[-1]
        login = next(pos for pos, n in enumerate(names) if src.columns.get(n) == "login")
        src.before_login = tuple(src.columns[n] for n in names[:login] if n in src.columns)
    src.name = path.relative_to(root).as_posix() if path != root else path.name
    src.size = size
    return src


# --------------------------------------------------------------------------- streaming readers


def _read_error(src: _Source, exc: BaseException) -> LoadError:
    """A reading error as one French line naming the file (and the line when it can be found),
    never quoting the file: Polars messages embed rows, logins included."""
    if isinstance(exc, (OSError, EOFError, zlib.error)):
        return LoadError(src.path, io_reason(exc))
    found = _diagnose(src)
    if found is not None:
        return found
    label = {"csv": "CSV", "jsonl": "JSON lines", "parquet": "Parquet"}[src.kind]
    if isinstance(exc, UnicodeDecodeError):
        return LoadError(src.path, f"encodage invalide ({encoding_label(src.encoding)})")
    return LoadError(src.path, f"{label} mal formé : {polars_reason(exc)}")


class _FaultyLine(Exception):
    """Raised by :func:`_text_lines`: a line not valid in the file's encoding."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _text_lines(fh: Any, encoding: str) -> Iterator[str]:
    """Decoded lines of a binary stream, stopping after :data:`_DIAGNOSE_BYTES`."""
    read = 0
    for n, raw in enumerate(fh, start=1):
        read += len(raw)
        if read > _DIAGNOSE_BYTES:
            return
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError:
            raise _FaultyLine(n) from None


def _first_bad_json_line(lines: Iterator[str]) -> str | None:
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            return f"JSON lines mal formé (ligne {line}) : {exc.msg} (caractère {exc.colno})"
        if not isinstance(value, dict):
            return f"JSON lines (ligne {line}) : la ligne n'est pas un objet"
    return None


def _first_bad_csv_record(lines: Iterator[str], separator: str) -> str | None:
    reader = csv.reader(lines, delimiter=separator, quotechar='"')
    expected = None
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if end > start:  # never in a log: a quote left open swallowed the next lines
                return (
                    f"CSV mal formé (ligne {start}) : un champ s'étend sur les lignes {start} "
                    f"à {end} (guillemet mal fermé ?)"
                )
            if expected is None:
                expected = len(record)
            elif len(record) > expected:
                return (
                    f"CSV mal formé (ligne {reader.line_num}) : {len(record)} champs pour "
                    f"{expected} colonnes d'en-tête (séparateur dans une valeur sans guillemets ?)"
                )
    except csv.Error:
        return (
            f"CSV mal formé (ligne {reader.line_num + 1}) : champ illisible (guillemet mal fermé ?)"
        )
    return None


def _diagnose(src: _Source) -> LoadError | None:
    """The first faulty line of a CSV or JSON lines file Polars refused, as a ``LoadError``
    naming the line and the problem (None when none is found; Parquet is not re-read).

    Runs only on the error path: it re-reads the file (up to :data:`_DIAGNOSE_BYTES`) with the
    csv / json modules, whose own messages are never copied either.
    """
    if src.kind == "parquet":
        return None
    accented = False  # a line before the faulty one was UTF-8 with accents

    def watched(lines: Iterator[str]) -> Iterator[str]:
        nonlocal accented
        for line in lines:
            accented = accented or not line.isascii()
            yield line

    try:
        with (gzip.open if src.gzip else open)(src.path, "rb") as fh:
            lines = watched(_text_lines(_lines_of(src, fh), src.encoding))
            if src.kind == "jsonl":
                message = _first_bad_json_line(lines)
            else:
                message = _first_bad_csv_record(lines, src.separator)
    except _FaultyLine as bad:
        message = f"encodage invalide ({encoding_label(src.encoding)}) à la ligne {bad.line}"
        if src.encoding == "utf-8" and not accented:
            # Everything before was ASCII: UTF-8 was a guess without evidence (a cp1252 log
            # can be ASCII for its first 64 KiB), and the stream cannot go back to re-decode.
            # After UTF-8 accents, the file is mixed and cp1252 would fail too: no hint.
            message += " ; relancer avec --encoding cp1252 si le fichier est en cp1252"
    except (OSError, EOFError, zlib.error) as exc:
        message = io_reason(exc)
    return None if message is None else LoadError(src.path, message)


class _CrAsLf(io.RawIOBase):
    """A byte stream whose lone CRs read as LFs: a CR-only file becomes lines as it streams.

    Only used on files whose line ends are CR alone (no CRLF), so every byte keeps its place;
    a CR inside a quoted field becomes a line break and that row is rejected as any field
    spanning lines (:data:`_MULTILINE`), its text not kept.
    """

    def __init__(self, raw: Any) -> None:
        super().__init__()
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data.replace(b"\r", b"\n")
        return len(data)


def _lines_of(src: _Source, fh: Any) -> Any:
    """``fh`` itself, or read through :class:`_CrAsLf` for a CR-only file."""
    return io.BufferedReader(_CrAsLf(fh), 1 << 20) if src.cr_only else fh


def _select(src: _Source) -> list[pl.Expr]:
    cols = [pl.col(orig).alias(ours) for orig, ours in src.columns.items()]
    cols += [pl.lit(value, dtype=pl.String).alias(c) for c, value in src.constants.items()]
    if src.last_column is not None:
        cols.append(pl.col(src.last_column).is_null().alias(_END_EMPTY))
    return cols


def _scan_batches(src: _Source, batch_rows: int) -> Iterator[pl.DataFrame]:
    """UTF-8 CSV and JSON lines: Polars' streaming scan (gzip decompressed as it goes)."""
    if src.kind == "csv":
        lf = pl.scan_csv(
            src.path, separator=src.separator, infer_schema=False, quote_char='"',
            row_index_name=LINE_COL, row_index_offset=2, truncate_ragged_lines=False,
            raise_if_empty=True,
        )  # fmt: skip
    else:
        lf = pl.scan_ndjson(
            src.path, schema=dict.fromkeys(src.columns, pl.String),
            row_index_name=LINE_COL, row_index_offset=1,
        )  # fmt: skip
    lf = lf.select(pl.col(LINE_COL).cast(pl.Int64), *_select(src))
    # Polars keeps several chunks in flight (≈ 3 x chunk_size of memory): read small chunks
    # and glue them (no copy) into batches of ``batch_rows``.
    pending: list[pl.DataFrame] = []
    rows = 0
    for chunk in lf.collect_batches(chunk_size=min(batch_rows, _SCAN_CHUNK_ROWS)):
        pending.append(chunk)
        rows += chunk.height
        if rows >= batch_rows:
            yield pl.concat(pending, rechunk=False)
            pending, rows = [], 0
    if pending:
        yield pl.concat(pending, rechunk=False)


def _text_blocks(fh: io.BufferedIOBase, block_bytes: int) -> Iterator[bytes]:
    """Line-aligned blocks of a byte stream (a newline inside quotes does not cut a record)."""
    rest = b""
    while True:
        data = fh.read(block_bytes)
        if not data:
            if rest.strip():
                yield rest
            return
        data = rest + data
        cut = data.rfind(b"\n")
        while cut >= 0 and data.count(b'"', 0, cut) % 2:  # that newline is inside quotes
            cut = data.rfind(b"\n", 0, cut)
        if cut < 0:
            rest = data
            continue
        yield data[: cut + 1]
        rest = data[cut + 1 :]


def _decoded_csv_batches(src: _Source, batch_rows: int) -> Iterator[pl.DataFrame]:
    """Non-UTF-8 or CR-only CSV: a gzip or file stream (CRs read as LFs) → line-aligned
    blocks → decode → ``read_csv`` (Polars' scan splits records on LF only)."""
    opener = gzip.open if src.gzip else open
    with opener(src.path, "rb") as raw:
        fh = _lines_of(src, raw)
        header = fh.readline().decode(src.encoding).lstrip("\ufeff")
        names = next(csv.reader([header], delimiter=src.separator))
        first_line = 2
        for block in _text_blocks(fh, max(1 << 16, batch_rows * src.line_bytes)):
            foreign = _utf8_line(block) if src.encoding == "cp1252" else None
            if foreign is not None:
                raise LoadError(
                    src.path,
                    f"encodage mixte à la ligne {first_line + foreign} : ligne en UTF-8 dans un "
                    "fichier en Windows-1252 (cp1252) ; réenregistrez le fichier dans un seul "
                    "encodage",
                )
            df = pl.read_csv(
                block.decode(src.encoding).encode("utf-8"), separator=src.separator,
                has_header=False, new_columns=names, infer_schema=False, quote_char='"',
                truncate_ragged_lines=False,
            )  # fmt: skip
            df = df.select(
                (pl.int_range(pl.len(), dtype=pl.Int64) + first_line).alias(LINE_COL),
                *_select(src),
            )
            first_line += df.height
            for start in range(0, df.height, batch_rows):
                yield df.slice(start, batch_rows)


def _parquet_batches(src: _Source, batch_rows: int) -> Iterator[pl.DataFrame]:
    pf = pq.ParquetFile(src.path)
    first = 1
    for batch in pf.iter_batches(batch_size=batch_rows, columns=list(src.columns)):
        df = pl.from_arrow(batch)
        assert isinstance(df, pl.DataFrame)
        yield df.select(
            (pl.int_range(pl.len(), dtype=pl.Int64) + first).alias(LINE_COL), *_select(src)
        )
        first += df.height


def _batches(src: _Source, batch_rows: int) -> Iterator[pl.DataFrame]:
    """Batches of at most ``batch_rows`` rows with our column names and ``_ligne``."""
    if src.kind == "parquet":
        reader = _parquet_batches(src, batch_rows)
    elif src.kind == "csv" and (src.encoding != "utf-8" or src.cr_only):
        reader = _decoded_csv_batches(src, batch_rows)
    else:
        reader = _scan_batches(src, batch_rows)
    try:
        for df in reader:
            if df.height:
                yield df
    except LoadError:
        raise
    except Exception as exc:
        # Not chained: the original message (Polars, Arrow, codecs) may quote a row.
        raise _read_error(src, exc) from None


# --------------------------------------------------------------------------- parsing


def _offset_seconds(text: pl.Series) -> pl.Series:
    """``+01:00`` / ``+0100`` / ``Z`` → seconds east of UTC; anything else → null."""
    distinct = text.drop_nulls().unique().to_list()
    seconds: list[int | None] = []
    for value in distinct:  # a handful of distinct offsets per batch
        m = _OFFSET.match(value)
        if m is None:
            seconds.append(None)
        elif m.group(1) is None:
            seconds.append(0)
        else:
            sec = int(m.group(2)) * 3600 + int(m.group(3)) * 60
            seconds.append(sec if m.group(1) == "+" else -sec)
    return text.replace_strict(
        pl.Series(distinct, dtype=pl.String),
        pl.Series(seconds, dtype=pl.Int64),
        default=None,
        return_dtype=pl.Int64,
    )


def _yearless(text: pl.Series, year: int) -> pl.Series:
    """Dates written without a year (« 11 May, 09:44 ») in ``year``, naive; others → null."""
    dated = f"{year} " + text.str.strip_chars()
    return pl.select(
        pl.coalesce(
            *(
                pl.lit(dated).str.to_datetime(f, time_unit="us", strict=False)
                for f in _YEARLESS_FORMATS
            )
        )
    ).to_series()


def parse_horodatage(text: pl.Series, year: int | None = None) -> pl.Series:
    """ISO 8601 local times with offsets → ``Datetime("us", "Europe/Paris")``; invalid → null.

    Fast path: the first 19 characters parsed as a naive time minus the offset that follows
    (about 3x faster than a ``%z`` format); the rows it cannot read go through the slower
    formats listed in the module docstring. ``year``: the declared year of dates written
    without one (Moodle), read as Paris wall-clock times; without it they stay null.
    """
    naive = text.str.slice(0, 19).str.to_datetime(
        "%Y-%m-%dT%H:%M:%S", time_unit="us", strict=False, cache=False
    )
    offset = _offset_seconds(text.str.slice(19))
    utc = (
        (naive.cast(pl.Int64) - offset * 1_000_000)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
    )
    todo = (utc.is_null() & text.is_not_null()).arg_true()
    if todo.len():
        sub = text.gather(todo).str.strip_chars().str.replace(" ", "T", literal=True)
        sub = sub.str.replace(r"Z$", "+00:00")
        with_offset = sub.str.to_datetime(
            "%Y-%m-%dT%H:%M:%S%.f%z", time_unit="us", strict=False
        ).dt.convert_time_zone("UTC")
        yearless = (
            pl.lit(_yearless(text.gather(todo), year))
            if year is not None
            else pl.lit(None, dtype=pl.Datetime("us"))
        )
        local = pl.coalesce(
            sub.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False),
            sub.str.to_datetime("%d/%m/%YT%H:%M:%S", time_unit="us", strict=False),
            yearless,
        ).dt.replace_time_zone(TIMEZONE, ambiguous="earliest", non_existent="null")
        fixed = pl.select(pl.coalesce(with_offset, local.dt.convert_time_zone("UTC"))).to_series()
        utc = utc.scatter(todo, fixed)
    return utc.dt.convert_time_zone(TIMEZONE).rename(text.name)


def _as_paris(col: pl.Series, year: int | None = None) -> pl.Series:
    """A Parquet timestamp column → Paris time (naive ones are Paris wall-clock times)."""
    dtype = col.dtype
    if isinstance(dtype, pl.Datetime):
        col = col.dt.cast_time_unit("us")
        if dtype.time_zone is None:
            return col.dt.replace_time_zone(TIMEZONE, ambiguous="earliest", non_existent="null")
        return col.dt.convert_time_zone(TIMEZONE)
    return parse_horodatage(col.cast(pl.String), year)


def _number(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """An integer column from text (``"200"``, ``" 12.0 "``) or from any numeric type."""
    if dtype.is_integer():
        return expr.cast(pl.Int64)
    text = expr.cast(pl.String).str.strip_chars()
    return text.cast(pl.Float64, strict=False).round(0).cast(pl.Int64, strict=False)


def _paris(moment: dt.datetime) -> pl.Expr:
    return pl.lit(moment).dt.convert_time_zone(TIMEZONE).dt.cast_time_unit("us")


def _text_expr(expr: pl.Expr) -> pl.Expr:
    """Trimmed text; empty → null."""
    e = expr.cast(pl.String).str.strip_chars()
    return pl.when(e == "").then(None).otherwise(e)


def _free_text_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`_text_expr`, but a value holding a line break becomes ``"\\n"`` alone: a quote
    left open in a CSV swallowed the next lines (raw logins) into this field; the row is
    rejected (:data:`_MULTILINE`) and the swallowed text is never kept."""
    e = expr.cast(pl.String)
    return pl.when(e.str.contains("[\r\n]")).then(pl.lit("\n")).otherwise(_text_expr(e))


def _text(name: str) -> pl.Expr:
    return _text_expr(pl.col(name))


# --------------------------------------------------------------------------- one batch


@dataclass(slots=True)
class _Batch:
    accepted: pl.DataFrame
    rejects: pl.DataFrame
    reasons: Counter[str]
    rows: int


def _reject_text(
    df: pl.DataFrame,
    hide_all: pl.Series,
    hide_before_login: pl.Series,
    before_login: tuple[str, ...],
) -> pl.DataFrame:
    """Rejected rows as they came (strings), pseudonym instead of login, for the rejects file.

    ``hide_all``: rows whose raw text is not kept at all (a field spanning lines holds other
    records, logins included); ``hide_before_login``: rows that may be short records, whose
    columns placed before the login in the file (``before_login``) may hold the shifted login.
    """
    exprs = []
    for c in _REJECT_COLUMNS:
        if c not in df.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(c))
            continue
        if isinstance(df.schema[c], pl.Datetime):
            text = pl.col(c).dt.to_string("%Y-%m-%dT%H:%M:%S%.f%:z")
        else:
            text = pl.col(c).cast(pl.String)
        hide = pl.lit(hide_all)
        if c in before_login:
            hide = hide | pl.lit(hide_before_login)
        if c != "id_utilisateur":
            text = pl.when(hide).then(None).otherwise(text)
        exprs.append(text.alias(c))
    return df.select(*exprs, pl.col(SOURCE_COL), pl.col(LINE_COL))


def _distinct_map(
    values: pl.Series, fn: Callable[[pl.Expr], pl.Expr], *, force: bool = False
) -> pl.Series:
    """``fn`` applied to each distinct value once, then spread back onto the rows.

    Log columns have few distinct values (4 profiles, a few thousand UAI, some tens of
    services and URLs) so this is several times cheaper than string work on every row. A
    column with many distinct values (over a fifth of the rows) gets ``fn`` row by row,
    unless ``force`` (the UAI checks are always built on the distinct values).
    """
    distinct = values.drop_nulls().unique()
    if not force and distinct.len() * 5 > values.len():
        return values.to_frame("v").select(fn(pl.col("v"))).to_series()
    mapped = distinct.to_frame("v").select(fn(pl.col("v"))).to_series()
    # Clean data is the usual case: nothing to spread back when ``fn`` changed nothing, or
    # when it gives null everywhere (no UAI problem at all).
    if mapped.dtype == values.dtype and mapped.equals(distinct, check_names=False):
        return values
    if mapped.null_count() == mapped.len():
        return pl.repeat(None, values.len(), dtype=mapped.dtype, eager=True)
    index = values.replace_strict(
        distinct,
        pl.Series(range(distinct.len()), dtype=pl.UInt32),
        default=None,
        return_dtype=pl.UInt32,
    )
    return mapped.gather(index)


def _uai_status(uai: pl.Expr, codes: pl.Series | None) -> pl.Expr:
    """Per distinct UAI: null when valid, else the reason (format, check letter, unknown)."""
    fmt = uai.str.contains(r"^[0-9]{7}[A-Z]$")
    digits = uai.str.slice(0, 7).cast(pl.Int64, strict=False)
    letter = pl.lit(_UAI_LETTERS).str.slice(digits.mod(23), 1)
    status = (
        pl.when(uai.is_null())
        .then(None)
        .when(fmt.not_())
        .then(pl.lit("UAI invalide"))
        .when(uai.str.slice(7, 1) != letter)
        .then(pl.lit("clé de contrôle de l'UAI invalide"))
    )
    if codes is not None:
        status = status.when(uai.is_in(codes.implode()).not_()).then(
            pl.lit("UAI absent de l'annuaire")
        )
    return status.otherwise(None)


_UAI_REASONS = ("UAI invalide", "clé de contrôle de l'UAI invalide", "UAI absent de l'annuaire")


def _process(
    df: pl.DataFrame,
    source: str,
    key: PseudoKey,
    reference: pl.DataFrame | None,
    before_login: tuple[str, ...] = (),
    year: int | None = None,
) -> _Batch:
    """Pseudonymise, parse and check one batch (vectorised; loops only over distinct values).

    ``before_login``: for a CSV file, our columns placed before the login in the file (see
    :func:`_reject_text`). ``year``: the declared year of dates written without one.
    """
    # 1. The raw login leaves the batch first: nothing below can ever write it.
    login = df.select(_text("login")).to_series()
    df = df.drop("login").with_columns(
        pseudonymise(login, key).alias("id_utilisateur"), pl.lit(source).alias(SOURCE_COL)
    )
    end_empty = (
        df.get_column(_END_EMPTY)
        if _END_EMPTY in df.columns
        else pl.repeat(False, df.height, dtype=pl.Boolean, eager=True)
    )
    for c in OPTIONAL:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    schema = df.schema
    # 2. Typed columns (``_t_`` prefix) next to the raw ones; string work on distinct values.
    col = df.get_column
    uai = _distinct_map(col("uai").cast(pl.String), lambda e: _text_expr(e).str.to_uppercase())
    codes = reference.get_column("uai") if reference is not None else None
    typed = df.with_columns(
        _as_paris(col("horodatage"), year).alias("_t_horodatage"),
        _distinct_map(col("profil").cast(pl.String), profil_expr).alias("_t_profil"),
        uai.alias("_t_uai"),
        _distinct_map(uai, lambda e: _uai_status(e, codes), force=True).alias("_uai_motif"),
        (
            pl.Series(df.select(_number(pl.col("statut_http"), schema["statut_http"])))
            if schema["statut_http"].is_integer()
            else _distinct_map(col("statut_http"), lambda e: _number(e, schema["statut_http"]))
        ).alias("_t_statut_http"),
        _number(pl.col("duree_ms"), schema["duree_ms"]).alias("_t_duree_ms"),
        # Free text is kept as it is, so a field holding swallowed lines is checked here, on
        # the distinct values; the other columns are parsed (such a field fails) and only
        # the rejected rows are looked at (step 5).
        *(_distinct_map(col(c), _free_text_expr).alias(f"_t_{c}") for c in _FREE_TEXT),
    )
    if reference is not None:
        typed = typed.join(
            reference, left_on="_t_uai", right_on="uai", how="left", maintain_order="left"
        )
    # A date that only lacks its year says so (the year is declared, never guessed).
    unread = typed.get_column("_t_horodatage").is_null() & col("horodatage").is_not_null()
    no_year = pl.repeat(False, df.height, dtype=pl.Boolean, eager=True)
    if year is None and unread.any() and schema["horodatage"] == pl.String:
        idx = unread.arg_true()
        no_year = no_year.scatter(idx, _yearless(col("horodatage").gather(idx), 2000).is_not_null())
    typed = typed.with_columns(no_year.alias("_sans_annee"))
    # 3. Checks: (reason, expression true when the row is invalid).
    h = pl.col("_t_horodatage")
    statut, duree = pl.col("_t_statut_http"), pl.col("_t_duree_ms")
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    checks: list[tuple[str, pl.Expr]] = [
        # First: its flag (``_c0``) is completed on the rejected rows in step 5.
        (_MULTILINE, pl.any_horizontal(pl.col(f"_t_{c}") == "\n" for c in _FREE_TEXT)),
        # Missing = null or blank (a blank UAI must not pass as present and break the schema).
        *(
            (
                f"valeur manquante ({c})",
                pl.col(c).cast(pl.String).str.strip_chars().fill_null("") == "",
            )
            for c in REQUIRED
            if c != "login"
        ),
        ("valeur manquante (login)", pl.col("id_utilisateur").is_null()),
        (_NO_YEAR, pl.col("_sans_annee")),
        (
            "date impossible",
            pl.col("horodatage").is_not_null() & h.is_null() & pl.col("_sans_annee").not_(),
        ),
        ("date hors période plausible", (h < _paris(PLAUSIBLE_START)) | (h > _paris(now))),
        ("profil inconnu", pl.col("profil").is_not_null() & pl.col("_t_profil").is_null()),
        (
            "statut HTTP invalide",
            pl.col("statut_http").is_not_null()
            & (statut.is_null() | (statut < 100) | (statut > 599)),
        ),
        *((r, pl.col("_uai_motif") == r) for r in _UAI_REASONS if r != _UAI_REASONS[2]),
        ("durée négative", duree < 0),
        ("durée invalide", pl.col("duree_ms").is_not_null() & duree.is_null()),
        ("durée invalide", duree > 2**31 - 1),  # stored as Int32
    ]
    if reference is not None:
        checks.append((_UAI_REASONS[2], pl.col("_uai_motif") == _UAI_REASONS[2]))
    flags = typed.select(bad.fill_null(False).alias(f"_c{i}") for i, (_, bad) in enumerate(checks))
    bad_row = flags.select(pl.any_horizontal(pl.all())).to_series()
    n_bad = int(bad_row.sum())
    # 4. Accepted rows, typed and checked against the schema (a failure there is a bug).
    academie = reference is not None or ACADEMIE in df.columns  # --set code_academie
    out_schema = EntEvenementAcademieSchema if academie else EntEvenementSchema
    accepted = typed.select(
        pl.col(f"_t_{c}").alias(c) if f"_t_{c}" in typed.columns else pl.col(c)
        for c in out_schema.columns()
    )
    if n_bad:
        accepted = accepted.filter(bad_row.not_())
    accepted = out_schema.validate(accepted, cast=True)
    # 5. Rejects: only the bad rows are turned back into text and given their reasons.
    reasons: Counter[str] = Counter()
    rejects = pl.DataFrame(schema=_REJECT_PL_SCHEMA)
    if n_bad:
        idx = bad_row.arg_true()
        bad = df.gather(idx)
        swallowed = bad.select(
            pl.any_horizontal(
                pl.lit(False),
                *(
                    pl.col(c).str.contains("[\r\n]")
                    for c, t in bad.schema.items()
                    if t == pl.String and c not in (SOURCE_COL, "id_utilisateur")
                ),
            ).fill_null(False)
        ).to_series()
        bad_flags = flags.gather(idx).with_columns(pl.col("_c0") | pl.lit(swallowed))
        for i, (reason, _) in enumerate(checks):
            n = int(bad_flags.get_column(f"_c{i}").sum())
            if n:
                reasons[reason] = n
        motif = bad_flags.select(
            pl.concat_str(
                [pl.when(pl.col(f"_c{i}")).then(pl.lit(r)) for i, (r, _) in enumerate(checks)],
                separator=" ; ",
                ignore_nulls=True,
            ).alias(REASON_COL)
        )
        text = _reject_text(bad, bad_flags["_c0"], end_empty.gather(idx), before_login)
        rejects = pl.concat([text, motif], how="horizontal")
    return _Batch(accepted, rejects, reasons, df.height)


# --------------------------------------------------------------------------- outputs


def _partition_dirs(
    accepted: pl.DataFrame, by_academie: bool
) -> Iterator[tuple[str, pl.DataFrame]]:
    """(``mois=…[/code_academie=…]``, rows without the partition columns) per partition."""
    if accepted.is_empty():
        return
    h = accepted.get_column("horodatage")
    first, last = h.min(), h.max()
    assert isinstance(first, dt.datetime) and isinstance(last, dt.datetime)
    if (first.year, first.month) == (last.year, last.month):  # the usual case: no row work
        keyed = accepted.with_columns(pl.lit(first.year * 100 + first.month).alias("_ym"))
    else:
        keyed = accepted.with_columns((h.dt.year() * 100 + h.dt.month()).alias("_ym"))
    by = ["_ym", "code_academie"] if by_academie else ["_ym"]
    for key, part in keyed.partition_by(by, as_dict=True, include_key=False).items():
        ym = int(key[0])
        rel = f"mois={ym // 100:04d}-{ym % 100:02d}"
        if by_academie:
            rel += f"/code_academie={key[1]}"
        yield rel, part


class _RejectsWriter:
    """Streams rejected rows into one Parquet file (row groups of ~100,000 rows)."""

    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(path, _REJECT_SCHEMA, compression="zstd")
        self._pending: list[pl.DataFrame] = []
        self._rows = 0

    def add(self, rejects: pl.DataFrame) -> None:
        if rejects.height:
            self._pending.append(rejects)
            self._rows += rejects.height
            if self._rows >= _REJECT_BUFFER_ROWS:
                self.flush()

    def flush(self) -> None:
        if self._pending:
            table = pl.concat(self._pending).to_arrow().cast(_REJECT_SCHEMA)
            self._writer.write_table(table)
            self._pending, self._rows = [], 0

    def close(self) -> None:
        self.flush()
        self._writer.close()


def _prefetch(items: Iterator[Any]) -> Iterator[Any]:
    """Run ``items`` one step ahead in a thread (Polars and pyarrow release the GIL, so
    reading the next batch overlaps processing this one); errors surface in the consumer."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                q.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("end", None)
        except BaseException as exc:
            put("error", exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="ent-lecture", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def _backup_dir(out_dir: Path) -> Path:
    return out_dir / f".{TABLE}.precedent"


def _recover(out_dir: Path) -> None:
    """Undo what a killed run left: restore a set-aside dataset, drop dead runs' temp folders."""
    final, backup = out_dir / TABLE, _backup_dir(out_dir)
    if backup.is_dir():
        if final.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            backup.rename(final)
    for tmp in out_dir.glob(f".{TABLE}.tmp-*"):
        pid = tmp.name.removeprefix(f".{TABLE}.tmp-").split("-")[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _publish(tmp: Path, out_dir: Path, summary: dict[str, Any]) -> None:
    """Swap the new dataset in, then replace the rejects and the meta file (the cache marker)."""
    final = out_dir / TABLE
    meta = out_dir / f"{TABLE}.meta.json"
    meta.unlink(missing_ok=True)  # no cache hit on a half-published output
    new = tmp / TABLE
    if final.exists():
        if not exchange_paths(new, final):
            backup = _backup_dir(out_dir)
            shutil.rmtree(backup, ignore_errors=True)
            final.rename(backup)
            new.rename(final)
            shutil.rmtree(backup, ignore_errors=True)
    else:
        new.rename(final)
    os.replace(tmp / f"{TABLE}.rejects.parquet", out_dir / f"{TABLE}.rejects.parquet")
    write_text_atomic(meta, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    dir_fd = os.open(out_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def _progress(total: int, enabled: bool | None) -> Iterator[Any]:
    """A rich progress bar on stderr (rows, estimated total), off when stderr is not a TTY."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    show = sys.stderr.isatty() if enabled is None else enabled
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("lignes"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), disable=not show, transient=False,
    )  # fmt: skip
    with bar:
        yield bar, bar.add_task("ENT", total=max(total, 1))


# --------------------------------------------------------------------------- entry points


def _sources(
    path: Path, encoding: str | None, separator: str | None, declared: _Declared | None = None
) -> list[_Source]:
    if not path.exists():
        raise LoadError(path, "fichier ou dossier introuvable")
    files = inputs(path)
    if not files:
        raise LoadError(path, f"aucun fichier de données ({', '.join(DATA_SUFFIXES)})")
    root = path if path.is_dir() else path.parent
    return [_inspect(p, root, encoding, separator, declared) for p in files]


def _reference(etablissements: str | Path | None) -> pl.DataFrame | None:
    if etablissements is None:
        return None
    ref_path = Path(etablissements)
    try:
        ref = pl.read_parquet(ref_path, columns=["uai", "code_academie"])
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise LoadError(
            ref_path, f"table des établissements illisible ({str(exc).splitlines()[0]})"
        ) from exc
    return ref.unique("uai", keep="first").with_columns(pl.col("code_academie").cast(pl.String))


def _read_all(sources: list[_Source], batch_rows: int) -> Iterator[tuple[int, int, pl.DataFrame]]:
    for i, src in enumerate(sources):
        for j, raw in enumerate(_batches(src, batch_rows)):
            yield i, j, raw


def _stream(
    sources: list[_Source],
    batch_rows: int,
    key: PseudoKey,
    reference: pl.DataFrame | None,
    progress: bool | None,
) -> Iterator[tuple[int, int, _Batch]]:
    """(file index, batch index, processed batch) over every file, with the progress bar."""
    total = sum(s.est_rows for s in sources)
    seen: Counter[int] = Counter()
    with _progress(total, progress) as (bar, task):
        for i, j, raw in _prefetch(_read_all(sources, batch_rows)):
            src = sources[i]
            bar.update(task, description=src.name)
            seen[i] += raw.height
            try:
                batch = _process(raw, src.name, key, reference, src.before_login, src.year)
            except LoadError:
                raise
            except Exception as exc:
                # Not chained: a Polars message may quote the batch's values (no login: it is
                # dropped first, but the other columns may hold a shifted one).
                raise LoadError(
                    src.path,
                    f"traitement d'un lot impossible ({type(exc).__name__} ; détail non affiché : "
                    "il peut citer des données)",
                ) from None
            yield i, j, batch
            done = sum(max(seen[k], s.est_rows) for k, s in enumerate(sources) if k < i)
            bar.update(task, completed=done + min(seen[i], src.est_rows))
        bar.update(task, completed=total)


def ingest(
    path: str | Path,
    out_dir: str | Path,
    *,
    cache_key: str,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    etablissements: str | Path | None = None,
    encoding: str | None = None,
    separator: str | None = None,
    progress: bool | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Stream ``path`` into ``out_dir/ent_evenements/`` (atomic); return the summary.

    ``etablissements``: path of the établissement table (``etablissements.parquet``, as
    written by ``egn ingest etablissements``) to add ``code_academie`` and partition by it.
    ``progress``: None shows the bar when stderr is a terminal. ``mapping`` and
    ``constants``: another platform's layout (see the module docstring, « Other layouts »).
    """
    src_path, out = Path(path), Path(out_dir)
    if batch_rows < 1:
        raise ValueError(f"batch_rows doit être positif : {batch_rows}")
    declared = _declared(mapping, constants)
    _one_academie_source(declared, etablissements)
    # every file checked before any write
    sources = _sources(src_path, encoding, separator, declared)
    reference = _reference(etablissements)
    key = load_key()
    out.mkdir(parents=True, exist_ok=True)
    with _exclusive(out):
        return _ingest_locked(
            sources, out, key, reference, cache_key, batch_rows, progress,
            _layout(declared, sources),
        )  # fmt: skip


def _one_academie_source(declared: _Declared, etablissements: str | Path | None) -> None:
    """The académie comes from the établissement table or from ``--set``, not both: when
    they disagree, neither could be kept without hiding the other."""
    if ACADEMIE in declared.constants and etablissements is not None:
        raise ValueError(
            f"--set {ACADEMIE} et --etablissements : l'académie vient de l'un ou de l'autre"
        )


def _layout(declared: _Declared, sources: Sequence[_Source] = ()) -> dict[str, Any]:
    """The summary's record of a declared layout (column names and constants, no data), and
    the files whose status took :data:`DEFAULT_STATUS`."""
    if not (declared.mapping or declared.constants or declared.year is not None):
        return {}
    names = {"login": "id_utilisateur"}
    out: dict[str, Any] = {
        "correspondance": {names.get(k, k): v for k, v in declared.mapping.items()},
        "constantes": {
            **declared.constants,
            **({YEAR: declared.year} if declared.year is not None else {}),
        },
    }
    defaulted = [s.name for s in sources if s.default_status]
    if defaulted:
        out["statut_http_par_defaut"] = {"valeur": int(DEFAULT_STATUS), "fichiers": defaulted}
    return out


def _exclusive(out: Path) -> contextlib.AbstractContextManager[None]:
    """One ENT ingestion at a time into a folder: a lock on the folder itself (no lock file to
    leave behind)."""
    return exclusive_lock(
        out, lambda: LoadError(out, "une autre ingestion ENT écrit déjà dans ce dossier")
    )


def _ingest_locked(
    sources: list[_Source],
    out: Path,
    key: PseudoKey,
    reference: pl.DataFrame | None,
    cache_key: str,
    batch_rows: int,
    progress: bool | None,
    layout: dict[str, Any] | None = None,
) -> dict[str, Any]:
    layout = layout or {}
    _recover(out)
    tmp = out / f".{TABLE}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    dataset = tmp / TABLE
    dataset.mkdir(parents=True)
    rows = accepted = rejected = n_batches = 0
    reasons: Counter[str] = Counter()
    partitions: set[str] = set()
    per_file: Counter[str] = Counter()
    by_academie = reference is not None or any(ACADEMIE in s.constants for s in sources)
    try:
        rejects = _RejectsWriter(tmp / f"{TABLE}.rejects.parquet")
        writer = Stage("ent-ecriture")

        def write(i: int, j: int, batch: _Batch) -> None:
            for rel, part in _partition_dirs(batch.accepted, by_academie):
                (dataset / rel).mkdir(parents=True, exist_ok=True)
                part.write_parquet(
                    dataset / rel / f"part-{i:04d}-{j:05d}.parquet",
                    compression="zstd",
                    compression_level=1,
                    statistics=True,
                )
                partitions.add(rel)
            rejects.add(batch.rejects)

        try:
            for i, j, batch in _stream(sources, batch_rows, key, reference, progress):
                writer.submit(functools.partial(write, i, j, batch))
                rows += batch.rows
                accepted += batch.accepted.height
                rejected += batch.rejects.height
                reasons.update(batch.reasons)
                per_file[sources[i].name] += batch.rows
                n_batches += 1
                del batch
        finally:
            try:
                writer.close()
            finally:
                rejects.close()
        if rows != accepted + rejected:  # pragma: no cover - a bug, never bad input
            raise AssertionError(f"{rows} lignes lues ≠ {accepted} + {rejected}")
        summary: dict[str, Any] = {
            "table": TABLE,
            "lignes_lues": rows,
            "acceptees": accepted,
            "rejetees": rejected,
            "motifs": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            "sources": [s.name for s in sources],
            "cle_cache": cache_key,
            "format": "dataset Parquet partitionné (Hive)",
            "partitions": ["mois", "code_academie"] if by_academie else ["mois"],
            "dossiers": len(partitions),
            "lots": n_batches,
            "lignes_par_lot": batch_rows,
            "lignes_par_fichier": dict(per_file),
            "colonnes_ignorees": {s.name: s.ignored for s in sources if s.ignored},
            **layout,
            "cle_pseudonymisation": key.fingerprint,
            "fichiers": [TABLE, f"{TABLE}.rejects.parquet", f"{TABLE}.meta.json"],
        }
        _publish(tmp, out, summary)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary


def load_result(
    path: str | Path,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    etablissements: str | Path | None = None,
    encoding: str | None = None,
    separator: str | None = None,
    key: PseudoKey | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """The whole input in memory (small inputs, tests); use :func:`ingest` for large ones.

    ``mapping`` (our column → the file's column) and ``constants`` (our column → value;
    ``annee`` → the year of dates without one): as ``egn ingest ent-logs --map/--set``.
    """
    declared = _declared(mapping, constants)
    _one_academie_source(declared, etablissements)
    sources = _sources(Path(path), encoding, separator, declared)
    reference = _reference(etablissements)
    k = key if key is not None else load_key()
    accepted: list[pl.DataFrame] = []
    rejects: list[pl.DataFrame] = []
    rows = 0
    for _, _, batch in _stream(sources, batch_rows, k, reference, progress=False):
        accepted.append(batch.accepted)
        rejects.append(batch.rejects)
        rows += batch.rows
    by_academie = reference is not None or any(ACADEMIE in s.constants for s in sources)
    schema = EntEvenementAcademieSchema if by_academie else EntEvenementSchema
    data = pl.concat(accepted) if accepted else schema.create_empty()
    rej = pl.concat(rejects) if rejects else pl.DataFrame(schema=_REJECT_PL_SCHEMA)
    names = tuple(s.name for s in sources)
    return LoadResult(TABLE, data, rej, rows, names, layout=_layout(declared, sources))


def scan_events(dataset: str | Path) -> pl.LazyFrame:
    """The ingested events (``out_dir/ent_evenements``) with their partition columns typed."""
    dataset = Path(dataset)
    keys = ["mois"] + (["code_academie"] if any(dataset.glob("mois=*/code_academie=*")) else [])
    files = any(dataset.rglob("*.parquet"))
    if not files:
        schema = EntEvenementSchema.create_empty().schema
        return pl.LazyFrame(schema={**schema, **{k: EVENT_PARTITIONS[k] for k in keys}})
    return pl.scan_parquet(
        dataset,
        hive_partitioning=True,
        hive_schema={k: EVENT_PARTITIONS[k] for k in keys},
    )


def load(path: str | Path, **options: Any) -> pl.LazyFrame:
    """Events as a LazyFrame: an ingested dataset folder is scanned, raw input is loaded."""
    p = Path(path)
    if p.is_dir() and any(p.glob("mois=*")):
        return scan_events(p)
    return load_result(p, **options).data.lazy()
