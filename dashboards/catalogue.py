"""What the « Données » page shows about the embedded sources, as pure functions.

Why here and not in the page module: the page's layout and its download callbacks need the
same filtered table, formatted rows and chart card; keeping them as plain functions (table in,
table/card/string out) lets tests check them without Dash and keeps callbacks to a few lines.
"""

from __future__ import annotations

from urllib.parse import urlencode

import polars as pl

from dashboards.data_access import Manifest
from egn_analytics.viz import ChartCard, bar_chart, fmt_bytes, fmt_number
from egn_analytics.viz.formats import NBSP, NNBSP

#: Families of the embedded sources, in display order, with their French labels.
FAMILY_LABELS: dict[str, str] = {
    "etablissements": "Établissements",
    "enquetes": "Enquêtes DEPP",
    "ent": "Journaux ENT",
    "cned": "CNED",
    "textes": "Textes (RETEX, consultation)",
    "calendrier": "Calendrier scolaire",
}
#: Query-string parameter of the family filter (``/?famille=ent``).
FAMILY_PARAM = "famille"


def family_label(family: str) -> str:
    """French label of a family code (the code itself for a family we do not know)."""
    return FAMILY_LABELS.get(family, family)


def sorted_catalogue(files: pl.DataFrame) -> pl.DataFrame:
    """Files in display order (families as listed above, then path) with a label column."""
    return (
        files.with_columns(
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
        .sort("_rank", "path")
        .drop("_rank")
    )


def family_options(files: pl.DataFrame) -> list[dict[str, str]]:
    """Dropdown options: the families present, in display order."""
    present = set(files.get_column("family").to_list())
    ordered = [f for f in FAMILY_LABELS if f in present] + sorted(present - set(FAMILY_LABELS))
    return [{"label": family_label(f), "value": f} for f in ordered]


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


def family_query(family: str | None) -> str:
    """Query string that encodes the filter: ``"?famille=ent"``, or ``""`` for all families."""
    return f"?{urlencode({FAMILY_PARAM: family})}" if family else ""


def display_rows(files: pl.DataFrame) -> list[dict[str, str]]:
    """Rows of the catalogue table, every value already formatted in French."""
    return [
        {
            "famille": family_label(row["family"]),
            "fichier": row["path"],
            "description": row["description"] or "–",
            "format": row["format"] or "–",
            "lignes": fmt_number(row["rows"]),
            "taille": fmt_bytes(row["bytes"]),
        }
        for row in sorted_catalogue(files).iter_rows(named=True)
    ]


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


def export_filename(stem: str, family: str | None, synthetic: bool, ext: str) -> str:
    """File name of a download, with the filter and the synthetic tag in it.

    A downloaded file leaves the app: its name must say what it holds and that it is synthetic.
    """
    parts = [stem, family or "", "SYNTHETIQUE" if synthetic else ""]
    return "_".join(p for p in parts if p) + f".{ext}"


__all__ = [
    "FAMILY_LABELS",
    "FAMILY_PARAM",
    "catalogue_export",
    "display_rows",
    "export_filename",
    "family_label",
    "family_options",
    "family_query",
    "filter_catalogue",
    "parse_family",
    "sizes_by_family",
    "sizes_card",
    "sorted_catalogue",
    "source_line",
    "summary",
]
