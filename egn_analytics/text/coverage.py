"""Coverage of the 40 propositions by the 18 régions académiques, traceable to the texts.

Why: the EGN summed up their consultation as « proposition 18 : 12 régions académiques sur
18 ». A number like that must lead back to the contributions behind it, so the coverage table
carries, for each proposition, the régions that raise it and the ids of the contributions that
do (in a list column, for a drill-down), and every proposition of the reference appears, even
one that no région raises (0 sur 18 is a finding too).
"""

from __future__ import annotations

import polars as pl

from egn_analytics.reference import propositions, regions_academiques

COVERAGE_SCHEMA = pl.Schema(
    {
        "proposition": pl.Int64(),
        "libelle": pl.String(),
        "regions": pl.Int64(),
        "regions_total": pl.Int64(),
        "codes_regions": pl.List(pl.String()),
        "contributions": pl.Int64(),
        "ids_contributions": pl.List(pl.String()),
        "texte": pl.String(),
    }
)


def coverage(
    contributions: pl.DataFrame,
    *,
    id_col: str = "id",
    region_col: str = "code_region_academique",
    propositions_col: str = "propositions",
) -> pl.DataFrame:
    """For each proposition: how many of the 18 régions académiques raise it, and where.

    ``contributions``: one row per contribution, with its id, its région académique code and
    the list of proposition numbers it was classified into (multi-label, e.g. the output of
    the classifier). A contribution without région counts in ``contributions`` but not in
    ``regions``. ``texte`` reads « 12 régions académiques sur 18 ». Columns:
    :data:`COVERAGE_SCHEMA`, sorted by proposition number.
    """
    missing = [c for c in (id_col, region_col, propositions_col) if c not in contributions.columns]
    if missing:
        raise ValueError(f"contributions sans colonne(s) : {', '.join(missing)}")
    regions = regions_academiques()
    known = set(regions["code_region_academique"].to_list())
    given = contributions.get_column(region_col).drop_nulls().cast(pl.String).unique().to_list()
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValueError(f"région(s) académique(s) inconnue(s) : {', '.join(unknown)}")
    total = regions.height
    long = (
        contributions.select(
            pl.col(id_col).cast(pl.String).alias("id"),
            pl.col(region_col).cast(pl.String).alias("region"),
            pl.col(propositions_col).alias("proposition"),
        )
        .explode("proposition")
        .drop_nulls("proposition")
        .with_columns(pl.col("proposition").cast(pl.Int64))
        .unique(["id", "proposition"], maintain_order=True)
    )
    per_prop = long.group_by("proposition").agg(
        pl.col("region").drop_nulls().unique().sort().alias("codes_regions"),
        pl.len().cast(pl.Int64).alias("contributions"),
        pl.col("id").sort().alias("ids_contributions"),
    )
    ref = propositions().select(pl.col("numero").cast(pl.Int64).alias("proposition"), "libelle")
    out = (
        ref.join(per_prop, on="proposition", how="left")
        .with_columns(
            pl.col("codes_regions").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("ids_contributions").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("contributions").fill_null(0),
        )
        .with_columns(
            pl.col("codes_regions").list.len().cast(pl.Int64).alias("regions"),
            pl.lit(total, dtype=pl.Int64).alias("regions_total"),
        )
        .with_columns(
            pl.format(
                "{} région{} académique{} sur {}",
                "regions",
                pl.when(pl.col("regions") > 1).then(pl.lit("s")).otherwise(pl.lit("")),
                pl.when(pl.col("regions") > 1).then(pl.lit("s")).otherwise(pl.lit("")),
                "regions_total",
            ).alias("texte")
        )
    )
    return out.select(list(COVERAGE_SCHEMA)).sort("proposition")
