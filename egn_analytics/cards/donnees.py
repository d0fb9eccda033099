"""Cards of the « Données » page: the embedded sources, from the raw folder's manifest.

What the page, a notebook or a briefing note show about the data: key figures, one line per
dataset, the per-file detail, the size chart (card ``donnees.tailles``) and the last build's
data-quality report. Plain functions (manifest or report in, table / card / string out),
read through :mod:`egn_analytics.sources` (``manifest.json`` beside the tables folder,
``qualite.json`` in it); the page (:mod:`dashboards.pages.donnees`) keeps its layout, its
family filter's URL and options, and its download callbacks.

Two readings of the same manifest: a leader wants a handful of key figures and one line per
*dataset* (the seven monthly ENT files are one source, a survey shipped as CSV + SPSS +
dictionary is one survey); a statistician wants every file. :func:`datasets` groups files by a
key read from their path (:func:`dataset_of`), :func:`display_rows` keeps the per-file detail.

The last build's data-quality report (``processed/qualite.json``) becomes one line per table
(:func:`quality_rows`) and the check of its invariant, lines read = accepted + rejected
(:func:`quality_check`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from egn_analytics.sources import (
    Manifest,
    QualityReport,
    TableQuality,
    load_manifest,
    load_quality_report,
    raw_dir_of,
)
from egn_analytics.viz import ChartCard, bar_chart, fmt_bytes, fmt_month, fmt_number
from egn_analytics.viz.formats import MISSING, NBSP, NNBSP, fmt_date, fmt_pct

if TYPE_CHECKING:
    from egn_analytics.cards import Tables

#: Families of the embedded sources, in display order, with their French labels.
FAMILY_LABELS: dict[str, str] = {
    "etablissements": "Établissements",
    "enquetes": "Enquêtes DEPP",
    "ent": "Journaux ENT",
    "cned": "CNED",
    "textes": "Textes (RETEX, consultation)",
    "calendrier": "Calendrier scolaire",
}


def family_label(family: str) -> str:
    """French label of a family code (the code itself for a family we do not know)."""
    return FAMILY_LABELS.get(family, family)


def _family_rank(family: str) -> int:
    """Position of a family in display order (unknown families last)."""
    ranks = {f: i for i, f in enumerate(FAMILY_LABELS)}
    return ranks.get(family, len(FAMILY_LABELS))


def _with_label_and_rank(files: pl.DataFrame) -> pl.DataFrame:
    return files.with_columns(
        pl.col("family")
        .replace_strict(FAMILY_LABELS, default=pl.col("family"), return_dtype=pl.String)
        .alias("label"),
        pl.col("family")
        .replace_strict(
            {f: i for i, f in enumerate(FAMILY_LABELS)},
            default=len(FAMILY_LABELS),
            return_dtype=pl.Int64,
        )
        .alias("_rank"),
    )


def sorted_catalogue(files: pl.DataFrame) -> pl.DataFrame:
    """Files in display order (families as listed above, then path) with a label column."""
    return _with_label_and_rank(files).sort("_rank", "path").drop("_rank")


def parse_family(value: object, files: pl.DataFrame) -> str | None:
    """The family asked for in the URL if it exists in the catalogue, else None (all).

    A stale or hand-edited link must show the whole catalogue, not an empty page.
    """
    if isinstance(value, str) and value in set(files.get_column("family").to_list()):
        return value
    return None


def filter_catalogue(files: pl.DataFrame, family: str | None) -> pl.DataFrame:
    """Rows of one family, or all rows when ``family`` is None."""
    return files if family is None else files.filter(pl.col("family") == family)


#: Sort keys of the detail table's columns: the raw values, never the formatted strings
#: (« 12,3 Mo » must sort after « 980,0 ko »), the path breaking ties.
_SORT_COLUMNS: dict[str, str] = {
    "famille": "_rank",
    "fichier": "path",
    "description": "description",
    "format": "format",
    "lignes": "rows",
    "taille": "bytes",
}

SortBy = Sequence[Mapping[str, str]]


def sorted_detail(files: pl.DataFrame, sort_by: SortBy | None = None) -> pl.DataFrame:
    """Files in the order the detail table asks for (``sort_by`` as Dash's DataTable gives it).

    Display order when ``sort_by`` is empty or names an unknown column; missing row counts
    (free texts) always come last, whatever the direction, as « n.d. » is not a small number.
    """
    ranked = _with_label_and_rank(files)
    first = sort_by[0] if sort_by else None
    column = _SORT_COLUMNS.get(str(first.get("column_id"))) if first else None
    if first is None or column is None:
        ordered = ranked.sort("_rank", "path")
    else:
        descending = first.get("direction") == "desc"
        ordered = ranked.sort(
            [column, "path"], descending=[descending, False], nulls_last=True, maintain_order=True
        )
    return ordered.drop("_rank")


def display_rows(files: pl.DataFrame, sort_by: SortBy | None = None) -> list[dict[str, str]]:
    """Rows of the per-file detail table, every value already formatted in French."""
    return [
        {
            "famille": row["label"],
            "fichier": row["path"],
            "description": row["description"] or "–",
            "format": row["format"] or "–",
            "lignes": fmt_number(row["rows"]),
            "taille": fmt_bytes(row["bytes"]),
        }
        for row in sorted_detail(files, sort_by).iter_rows(named=True)
    ]


# ---------------------------------------------------------------------- datasets -----
#
# A dataset is what a reader calls « a source »: one table whatever its formats (CSV + SPSS
# + dictionary), one monthly series, one folder of documents. Its key is read from the path
# alone, so a file the generator adds later joins the right line without a code change.

#: What a file is within its dataset.
Role = Literal["donnees", "dictionnaire", "index", "document", "notice"]
#: What a dataset is, which decides how it is labelled and counted.
Nature = Literal["table", "serie", "collection", "notice"]

#: Labels of the manifest's formats, in the order they are listed on a dataset's line.
FORMAT_LABELS: dict[str, str] = {
    "csv": "CSV",
    "csv.gz": "CSV compressé (.csv.gz)",
    "parquet": "Parquet",
    "sav": "SPSS (.sav)",
    "json": "JSON",
    "txt": "texte (.txt)",
    "md": "Markdown (.md)",
}
#: Files that document a dataset rather than hold its data, listed after the formats.
_ROLE_LABELS: dict[str, str] = {"dictionnaire": "dictionnaire", "index": "index"}

#: Labels of the datasets whose files' descriptions do not give a good collective name
#: (folders of documents); any other dataset is named from its files' descriptions.
DATASET_LABELS: dict[str, str] = {
    "textes/syntheses/": "Documents de synthèse des partenaires et des régions académiques",
    "textes/retex/documents/": "Retours d'expérience (RETEX) au format document",
}
#: Short names of document folders, for the key figure « Documents texte ».
_COLLECTION_SHORT: dict[str, str] = {
    "textes/syntheses/": "synthèses",
    "textes/retex/documents/": "RETEX",
}

_TEXT_EXTENSIONS = frozenset({"txt", "md"})
_NOTICE_STEMS = frozenset({"LISEZMOI", "README", "NOTICE"})
_COMPRESSIONS = frozenset({"gz", "bz2", "xz", "zip", "zst"})
_SYNTHETIC_TAG = re.compile(r"[_-]SYNTHETIQUE", re.IGNORECASE)
_MONTH = re.compile(r"^(?P<base>.+?)[_-](?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
_LABEL_CUTS = (" : ", " — ", " (", ", ", " ; ")
_NATURE_RANK: dict[str, int] = {"table": 0, "serie": 0, "collection": 0, "notice": 1}


@dataclass(frozen=True, slots=True)
class FileKey:
    """Where one file belongs: its dataset, the part of it it holds, and its role there.

    ``part`` tells apart files that hold different rows (two months, two documents) from
    files that hold the same rows in another format (``x.csv`` and ``x.sav``): a dataset's
    row count adds parts up but counts each part once.
    """

    dataset: str
    part: str
    role: Role
    month: date | None = None


def _split_name(path: str) -> tuple[str, str, str]:
    """``"a/b/x_SYNTHETIQUE.csv.gz"`` → ``("a/b", "x", "csv.gz")``."""
    folder, _, name = path.rpartition("/")
    pieces = name.split(".")
    n_ext = 0
    if len(pieces) > 2 and pieces[-1].lower() in _COMPRESSIONS:
        n_ext = 2
    elif len(pieces) > 1:
        n_ext = 1
    stem = ".".join(pieces[: len(pieces) - n_ext]) if n_ext else name
    extension = ".".join(pieces[len(pieces) - n_ext :]).lower()
    return folder, _SYNTHETIC_TAG.sub("", stem), extension


def dataset_of(path: str) -> FileKey:
    """Dataset key of a file, from its path alone.

    * ``LISEZMOI``/``README`` files are their own dataset (a notice);
    * free texts (``.txt``, ``.md``) and a folder's ``index`` belong to their folder (key
      ending in ``/``): 42 synthesis documents are one collection;
    * ``x_dictionnaire.csv`` documents dataset ``x``;
    * ``x_2020-03`` is the March part of the monthly series ``x``;
    * anything else is the table named by its path without extension, so ``x.csv`` and
      ``x.sav`` are the same dataset in two formats.

    The ``_SYNTHETIQUE`` tag is ignored: it marks every generated file.
    """
    folder, stem, extension = _split_name(path)
    prefix = f"{folder}/" if folder else ""
    if stem.upper() in _NOTICE_STEMS:
        return FileKey(f"{prefix}{stem}", stem, "notice")
    if extension in _TEXT_EXTENSIONS:
        return FileKey(prefix, stem, "document")
    if stem.lower() == "index" and folder:
        return FileKey(prefix, stem, "index")
    if stem.lower().endswith("_dictionnaire"):
        base = stem[: -len("_dictionnaire")]
        return FileKey(f"{prefix}{base}", base, "dictionnaire")
    month = _MONTH.match(stem)
    if month:
        when = date(int(month["year"]), int(month["month"]), 1)
        return FileKey(f"{prefix}{month['base']}", stem, "donnees", when)
    return FileKey(f"{prefix}{stem}", stem, "donnees")


@dataclass(frozen=True, slots=True)
class Dataset:
    """One line of « Sources embarquées »: a dataset and what its files add up to."""

    key: str
    family: str
    nature: Nature
    label: str
    files: int
    formats: str
    rows: int | None  # rows of its data, each part once; None when no file has a count
    bytes: int
    documents: int  # free-text documents (collections), else 0
    months: tuple[date, ...]  # months covered (series), else ()


def _common_label(descriptions: Sequence[str]) -> str:
    """What several descriptions have in common, cut at a separator (« Enquête X : … » → X)."""
    distinct = list(dict.fromkeys(d.strip() for d in descriptions if d and d.strip()))
    if len(distinct) <= 1:
        return distinct[0] if distinct else ""
    shortest = min(distinct, key=len)
    size = next(
        (i for i, ch in enumerate(shortest) if any(d[i] != ch for d in distinct)), len(shortest)
    )
    prefix = shortest[:size]
    cut = max(prefix.rfind(sep) for sep in _LABEL_CUTS)
    return prefix[:cut].strip() if cut > 0 else ""


def period_label(months: Sequence[date]) -> str:
    """« janvier à juillet 2020 », « décembre 2019 à février 2020 », « mars 2020 »."""
    if not months:
        return ""
    first, last = min(months), max(months)
    if first == last:
        return fmt_month(first)
    start = fmt_month(first).rsplit(" ", 1)[0] if first.year == last.year else fmt_month(first)
    return f"{start} à {fmt_month(last)}"


def _plural(count: int, singular: str, plural: str) -> str:
    """« 1 document », « 42 documents » (and « 0 document »: French keeps 0 singular)."""
    return f"{fmt_number(count)}{NNBSP}{singular if abs(count) < 2 else plural}"


def _formats(entries: Sequence[tuple[str, Role]]) -> str:
    """« CSV, SPSS (.sav), dictionnaire »: data formats in a fixed order, then the metadata."""
    data = {fmt for fmt, role in entries if role not in _ROLE_LABELS and fmt}
    known = [FORMAT_LABELS[f] for f in FORMAT_LABELS if f in data]
    other = sorted(f for f in data if f not in FORMAT_LABELS)
    meta = [label for role, label in _ROLE_LABELS.items() if any(r == role for _, r in entries)]
    text = ", ".join([*known, *other, *meta])
    return text[:1].upper() + text[1:]


def _dataset(key: str, rows: Sequence[Mapping[str, Any]], keys: Sequence[FileKey]) -> Dataset:
    """Fold the files of one dataset (``rows`` and their ``keys``, in path order)."""
    roles = {k.role for k in keys}
    months = tuple(sorted({k.month for k in keys if k.month is not None}))
    documents = sum(1 for k in keys if k.role == "document")
    nature: Nature
    if "notice" in roles:
        nature = "notice"
    elif roles & {"document", "index"}:
        nature = "collection"
    elif months:
        nature = "serie"
    else:
        nature = "table"

    # rows of the data, each part once (a CSV and its SPSS copy hold the same respondents)
    by_part: dict[str, int] = {}
    for row, k in zip(rows, keys, strict=True):
        count = row["rows"]
        if k.role == "donnees" and isinstance(count, int):
            by_part[k.part] = max(by_part.get(k.part, 0), count)
    total_rows = sum(by_part.values()) if by_part else None

    data_descriptions = [
        str(row["description"] or "")
        for row, k in zip(rows, keys, strict=True)
        if k.role in {"donnees", "document", "notice"}
    ]
    base = DATASET_LABELS.get(key) or _common_label(data_descriptions) or key.rstrip("/")
    if nature == "collection":
        label = f"{base} ({_plural(documents, 'document', 'documents')})"
    elif nature == "serie":
        count = _plural(len(months), "fichier mensuel", "fichiers mensuels")
        label = f"{base} ({count}, {period_label(months)})"
    else:
        label = base

    return Dataset(
        key=key,
        family=str(rows[0]["family"]),
        nature=nature,
        label=label,
        files=len(rows),
        formats=_formats(
            [(str(row["format"] or ""), k.role) for row, k in zip(rows, keys, strict=True)]
        ),
        rows=total_rows,
        bytes=sum(int(row["bytes"] or 0) for row in rows),
        documents=documents,
        months=months,
    )


def group_datasets(files: pl.DataFrame) -> list[Dataset]:
    """The files grouped by dataset, in display order: family, notices last, then key.

    A dataset never spans two families: the family is part of the grouping, so a surprising
    manifest gives two lines rather than one line in the wrong family.
    """
    groups: dict[tuple[str, str], tuple[list[dict[str, Any]], list[FileKey]]] = {}
    for row in files.sort("path").iter_rows(named=True):
        key = dataset_of(row["path"])
        rows, keys = groups.setdefault((row["family"], key.dataset), ([], []))
        rows.append(row)
        keys.append(key)
    found = [_dataset(k, rows, keys) for (_, k), (rows, keys) in groups.items()]
    return sorted(
        found, key=lambda d: (_family_rank(d.family), d.family, _NATURE_RANK[d.nature], d.key)
    )


#: Schema of :func:`datasets` (and of its CSV, should it be downloaded one day).
DATASET_SCHEMA: dict[str, pl.DataType] = {
    "famille": pl.String(),
    "libelle_famille": pl.String(),
    "jeu": pl.String(),
    "nature": pl.String(),
    "libelle": pl.String(),
    "fichiers": pl.Int64(),
    "formats": pl.String(),
    "lignes": pl.Int64(),
    "octets": pl.Int64(),
}


def datasets(files: pl.DataFrame) -> pl.DataFrame:
    """One row per dataset, raw numbers, display order (see :func:`group_datasets`)."""
    return pl.DataFrame(
        [
            (
                d.family,
                family_label(d.family),
                d.key,
                d.nature,
                d.label,
                d.files,
                d.formats,
                d.rows,
                d.bytes,
            )
            for d in group_datasets(files)
        ],
        schema=DATASET_SCHEMA,
        orient="row",
    )


def dataset_rows(files: pl.DataFrame) -> list[dict[str, str]]:
    """Rows of the « Sources embarquées » table, every value already formatted in French."""
    return [
        {
            "famille": family_label(d.family),
            "jeu": d.label,
            "fichiers": fmt_number(d.files),
            "formats": d.formats or "–",
            "lignes": fmt_number(d.rows),
            "taille": fmt_bytes(d.bytes),
        }
        for d in group_datasets(files)
    ]


@dataclass(frozen=True, slots=True)
class KeyFigure:
    """One tile of the key figures: « Établissements / 56 400 / écoles, collèges… »."""

    label: str
    value: str
    detail: str


def _join_fr(items: Sequence[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} et {items[-1]}"


def key_figures(files: pl.DataFrame) -> list[KeyFigure]:
    """The figures a reader wants before any table: how much data, and on what.

    Files and size are always shown; the four counts (établissements, survey respondents,
    ENT events, text documents) only when the manifest holds that source, so a partial data
    folder shows fewer tiles rather than misleading zeros.
    """
    found = group_datasets(files)
    n_families = len({d.family for d in found})
    figures = [
        KeyFigure(
            "Fichiers embarqués",
            fmt_number(files.height),
            f"{_plural(len(found), 'jeu de données', 'jeux de données')}, "
            f"{_plural(n_families, 'famille de sources', 'familles de sources')}",
        )
    ]
    total = int(files.get_column("bytes").sum() or 0)
    by_family = sizes_by_family(files)
    detail = "sur disque"
    if by_family.height:
        biggest = by_family.sort("octets", descending=True).row(0, named=True)
        detail = f"dont {fmt_bytes(biggest['octets'])} pour «{NBSP}{biggest['libelle']}{NBSP}»"
    figures.append(KeyFigure("Taille totale", fmt_bytes(total), detail))

    def _rows(family: str, nature: Nature) -> int | None:
        counted = [d.rows for d in found if (d.family, d.nature) == (family, nature)]
        known = [n for n in counted if n is not None]
        return sum(known) if known else None

    etablissements = _rows("etablissements", "table")
    if etablissements is not None:
        figures.append(
            KeyFigure(
                "Établissements",
                fmt_number(etablissements),
                "écoles, collèges et lycées de l'annuaire",
            )
        )
    respondents = _rows("enquetes", "table")
    if respondents is not None:
        n_surveys = sum(1 for d in found if (d.family, d.nature) == ("enquetes", "table"))
        figures.append(
            KeyFigure(
                "Répondants aux enquêtes DEPP",
                fmt_number(respondents),
                f"dans {_plural(n_surveys, 'enquête', 'enquêtes')}",
            )
        )
    events = _rows("ent", "serie")
    if events is not None:
        months = [m for d in found if (d.family, d.nature) == ("ent", "serie") for m in d.months]
        figures.append(
            KeyFigure(
                "Événements ENT", fmt_number(events), f"journaux bruts, {period_label(months)}"
            )
        )
    collections = [d for d in found if d.family == "textes" and d.nature == "collection"]
    n_documents = sum(d.documents for d in collections)
    if n_documents:
        parts = [
            f"{fmt_number(d.documents)}{NNBSP}{_COLLECTION_SHORT[d.key]}"
            if d.key in _COLLECTION_SHORT
            else f"{fmt_number(d.documents)}{NNBSP}dans {d.key}"
            for d in collections
            if d.documents
        ]
        figures.append(
            KeyFigure("Documents texte", fmt_number(n_documents), f"dont {_join_fr(parts)}")
        )
    return figures


def summary(files: pl.DataFrame) -> str:
    """One line such as « 12 fichiers, 1 234 567 lignes, 45,6 Mo »."""
    n_files = files.height
    rows = files.get_column("rows").drop_nulls().sum()
    size = files.get_column("bytes").sum()
    word = "fichier" if n_files == 1 else "fichiers"
    return f"{fmt_number(n_files)}{NNBSP}{word}, {fmt_number(rows)} lignes, {fmt_bytes(size)}"


def sizes_by_family(files: pl.DataFrame) -> pl.DataFrame:
    """Size on disk per family (the data of the chart card), in display order."""
    return (
        sorted_catalogue(files)
        .group_by("family", "label", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("fichiers"),
            # null, not 0, for a family whose files have no row count (free texts)
            pl.when(pl.col("rows").count() > 0).then(pl.col("rows").sum()).alias("lignes"),
            pl.col("bytes").sum().alias("octets"),
        )
        .with_columns((pl.col("octets") / 1_000_000).round(3).alias("taille_mo"))
        .rename({"family": "famille", "label": "libelle"})
    )


def _format_mo(value: float | None) -> str:
    """Megabytes with one decimal; « < 0,1 » rather than a misleading « 0,0 » for small files."""
    if value is not None and 0 < value < 0.05:
        return f"<{NNBSP}0,1"
    return fmt_number(value, 1)


def source_line(manifest: Manifest) -> str:
    """« Source : » line of the cards built from the manifest."""
    if manifest.synthetic:
        details = []
        if manifest.generator_version:
            details.append(f"version {manifest.generator_version}")
        if manifest.seed is not None:
            details.append(f"graine {manifest.seed}")
        suffix = f" ({', '.join(details)})" if details else ""
        return f"EGN Analytics, générateur de données synthétiques{suffix}, manifest.json."
    return "Fichiers du dossier de données, manifest.json."


def sizes_card(manifest: Manifest, selected: str | None = None) -> ChartCard:
    """Chart card « size on disk by family », the selected family highlighted."""
    data = sizes_by_family(manifest.files)
    fig = bar_chart(
        data,
        x="taille_mo",
        y="libelle",
        orientation="h",
        highlight=None if selected is None else [family_label(selected)],
        value_format=_format_mo,
        value_label="Taille (Mo)",
        x_title="Taille sur disque (Mo)",
        y_title="",
    )
    fig.update_layout(height=max(260, 60 + 46 * data.height), margin={"t": 8})
    if data.height:
        biggest = data.sort("octets", descending=True).row(0, named=True)
        share = biggest["octets"] / max(1, data.get_column("octets").sum())
        lecture = (
            f"les fichiers de la famille «{NBSP}{biggest['libelle']}{NBSP}» occupent "
            f"{fmt_bytes(biggest['octets'])} sur disque, soit "
            f"{fmt_number(share * 100, 1)}{NNBSP}% de l'ensemble."
        )
    else:
        lecture = "aucun fichier n'est listé dans le manifeste."
    return ChartCard(
        figure=fig,
        title="Taille des fichiers embarqués, par famille de sources",
        subtitle="En mégaoctets (Mo), 1 Mo = 1 000 000 octets",
        lecture=lecture,
        champ=f"fichiers bruts listés dans le manifeste ({fmt_number(manifest.files.height)}"
        f"{NNBSP}fichiers).",
        source=source_line(manifest),
        data=data,
        synthetic=manifest.synthetic,
    )


def catalogue_export(files: pl.DataFrame) -> pl.DataFrame:
    """The catalogue as downloaded: French column names, display order, raw numbers."""
    return sorted_catalogue(files).select(
        pl.col("family").alias("famille"),
        pl.col("label").alias("libelle_famille"),
        pl.col("path").alias("fichier"),
        pl.col("description"),
        pl.col("format"),
        pl.col("rows").alias("lignes"),
        pl.col("bytes").alias("octets"),
        pl.col("sha256"),
    )


# ------------------------------------------------------------------ data-quality report -----

#: Rejection reasons shown per table; the others are counted (« et 2 autres motifs »).
TOP_MOTIFS = 3

#: « ok »: the invariant holds; « incoherent »: it does not, or the counts are missing (a bug
#: of the build); « echec »: the source could not be read at all (the report says why).
QualityStatus = Literal["ok", "incoherent", "echec"]


@dataclass(frozen=True, slots=True)
class QualityRow:
    """One line of « Qualité des données », every value formatted in French."""

    table: str
    lues: str
    acceptees: str
    rejetees: str
    part: str  # share of the lines read that were rejected
    motifs: tuple[str, ...]  # « motif (n) », most frequent first, one per line on the page
    status: QualityStatus


@dataclass(frozen=True, slots=True)
class QualityCheck:
    """The invariant's verdict, and what to say about tables the build could not make."""

    consistent: bool
    message: str
    failed: str | None  # None when every source could be read


def quality_status(table: TableQuality) -> QualityStatus:
    """Whether ``lignes lues = acceptées + rejetées`` holds for ``table`` (see QualityStatus)."""
    if table.erreur is not None:
        return "echec"
    read, kept, rejected = table.lignes_lues, table.acceptees, table.rejetees
    if read is None or kept is None or rejected is None or read != kept + rejected:
        return "incoherent"
    return "ok"


def top_motifs(motifs: Sequence[tuple[str, int]], n: int = TOP_MOTIFS) -> tuple[str, ...]:
    """« motif (12) » for the ``n`` most frequent reasons (report order breaks ties)."""
    ranked = sorted(motifs, key=lambda item: -item[1])
    shown = tuple(f"{reason} ({fmt_number(count)})" for reason, count in ranked[:n])
    rest = len(ranked) - n
    if rest > 0:
        shown += (f"et {_plural(rest, 'autre motif', 'autres motifs')}",)
    return shown


def _share(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return MISSING
    return fmt_pct(part / whole, 1)


def quality_rows(report: QualityReport) -> list[QualityRow]:
    """One row per table of the report, in the build's order."""
    rows = []
    for table in report.tables:
        status = quality_status(table)
        if status == "echec":
            motifs: tuple[str, ...] = (f"Source illisible{NBSP}: {table.erreur}",)
        else:
            motifs = top_motifs(table.motifs) or ("–",)
        rows.append(
            QualityRow(
                table=table.table,
                lues=fmt_number(table.lignes_lues),
                acceptees=fmt_number(table.acceptees),
                rejetees=fmt_number(table.rejetees),
                part=_share(table.rejetees, table.lignes_lues),
                motifs=motifs,
                status=status,
            )
        )
    return rows


def quality_check(report: QualityReport) -> QualityCheck:
    """The sentence under the table: the invariant holds for every table, or which break it."""
    by_status: dict[QualityStatus, list[TableQuality]] = {"ok": [], "incoherent": [], "echec": []}
    for table in report.tables:
        by_status[quality_status(table)].append(table)
    ok, broken, failed = by_status["ok"], by_status["incoherent"], by_status["echec"]

    failed_text = None
    if len(failed) == 1:
        failed_text = (
            f"La table {failed[0].table} n'a pas pu être construite{NBSP}: sa source est "
            "illisible (détail dans le tableau)."
        )
    elif failed:
        failed_text = (
            f"Les tables {_join_fr([t.table for t in failed])} n'ont pas pu être "
            f"construites{NBSP}: leurs sources sont illisibles (détail dans le tableau)."
        )

    if broken:
        names = _join_fr([t.table for t in broken])
        which = "la table" if len(broken) == 1 else "les tables"
        message = (
            f"Anomalie{NBSP}: l'égalité «{NBSP}lignes lues = acceptées + rejetées{NBSP}» n'est "
            f"pas vérifiée pour {which} {names}. C'est un bogue de la construction des "
            f"tables{NBSP}: signalez-le en joignant le fichier {report.path.name}."
        )
        return QualityCheck(False, message, failed_text)
    if not ok:
        message = (
            f"Aucune table n'a été construite{NBSP}: rien à vérifier."
            if report.tables
            else f"Le rapport ne contient aucune table{NBSP}: rien à vérifier."
        )
        return QualityCheck(True, message, failed_text)
    read = sum(t.lignes_lues or 0 for t in ok)
    kept = sum(t.acceptees or 0 for t in ok)
    rejected = sum(t.rejetees or 0 for t in ok)
    scope = "la table construite" if len(ok) == 1 else f"chacune des {fmt_number(len(ok))} tables"
    message = (
        f"Contrôle réussi{NBSP}: lignes lues = acceptées + rejetées pour {scope} "
        f"(au total, {fmt_number(read)} = {fmt_number(kept)} + {fmt_number(rejected)})."
    )
    return QualityCheck(True, message, failed_text)


def quality_source(report: QualityReport) -> str:
    """« Rapport qualite.json écrit le 16 mars 2025 à 14 h 05 par egn build 0.1.0. »"""
    when = report.modified
    by = " ".join(p for p in (report.genere_par or "egn build", report.version) if p)
    return (
        f"Rapport {report.path.name} écrit le {fmt_date(when)} à "
        f"{when.hour}{NBSP}h{NBSP}{when.minute:02d} par {by}."
    )


# --------------------------------------------------------------------- registry -----------


@dataclass(frozen=True, slots=True)
class View:
    """A view as the page's URL says it: the family filter (``famille``), if any.

    Which families exist depends on the manifest, so a view is resolved against it by
    :func:`parse_family` when a card is built: an unknown family means all of them.
    """

    famille: str | None = None


def parse_view(view: Mapping[str, object]) -> View:
    """The page's URL parameters, as given (only a string is a family)."""
    family = view.get("famille")
    return View(family if isinstance(family, str) else None)


def manifest_of(tables: Tables) -> Manifest:
    """The manifest of the raw folder beside the build's tables (``data/raw/manifest.json``).

    Raises :class:`egn_analytics.sources.ManifestNotFoundError` / ``ManifestError``.
    """
    return load_manifest(raw_dir_of(tables.folder))


def quality_report_of(tables: Tables) -> QualityReport:
    """The build's data-quality report (``qualite.json`` of its tables folder).

    Raises :class:`egn_analytics.sources.QualityReportNotFoundError` / ``QualityReportError``.
    """
    return load_quality_report(tables.folder)


def _tailles(view: View, tables: Tables) -> ChartCard:
    manifest = manifest_of(tables)
    return sizes_card(manifest, parse_family(view.famille, manifest.files))


#: Card builders of the page, by card key (``donnees.<key>``).
CARDS: dict[str, Callable[[View, Tables], ChartCard]] = {"tailles": _tailles}
#: Views a note or a snapshot shows (the page's default first).
VIEWS: list[dict[str, str]] = [{}, {"famille": "ent"}, {"famille": "enquetes"}]


__all__ = [
    "CARDS",
    "DATASET_LABELS",
    "DATASET_SCHEMA",
    "FAMILY_LABELS",
    "FORMAT_LABELS",
    "TOP_MOTIFS",
    "VIEWS",
    "Dataset",
    "FileKey",
    "KeyFigure",
    "QualityCheck",
    "QualityRow",
    "QualityStatus",
    "SortBy",
    "View",
    "catalogue_export",
    "dataset_of",
    "dataset_rows",
    "datasets",
    "display_rows",
    "family_label",
    "filter_catalogue",
    "group_datasets",
    "key_figures",
    "manifest_of",
    "parse_family",
    "parse_view",
    "period_label",
    "quality_check",
    "quality_report_of",
    "quality_rows",
    "quality_source",
    "quality_status",
    "sizes_by_family",
    "sizes_card",
    "sorted_catalogue",
    "sorted_detail",
    "source_line",
    "summary",
    "top_motifs",
]
