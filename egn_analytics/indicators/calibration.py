"""Do the survey tables reproduce the published figures? Design-based estimates vs targets.

Why here and not only in the generator's tests: the generator checks its own weighted shares
(a point estimate); this check goes through the product's estimation path — the processed
tables, the two-stage design, the domain as a ``subset`` of the full design — and asks the
question a reader of a briefing note would: is the published figure inside the 95 %
confidence interval of our estimate? It runs on any processed folder, so it also tells a DEPP
statistician how far the real files are from the published figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from egn_analytics.indicators._tables import read_etablissements, resolve, tables_folder
from egn_analytics.indicators.catalogue import _design
from egn_analytics.survey import SecretRule

_PREFIX = "__cible__"

#: Columns of :func:`calibration_check`'s result.
CALIBRATION_SCHEMA = pl.Schema(
    {
        "survey": pl.String,
        "variable": pl.String,
        "levels": pl.String,
        "domain": pl.String,
        "measure": pl.String,
        "statut": pl.String,
        "source": pl.String,
        "target": pl.Float64,
        "estimate": pl.Float64,
        "se": pl.Float64,
        "ci_lower": pl.Float64,
        "ci_upper": pl.Float64,
        "n": pl.Int64,
        "difference": pl.Float64,
        "inside_ci": pl.Boolean,
    }
)


def _target_expr(variable: str, levels: str | None, measure: str, name: str) -> pl.Expr:
    """0/1 success indicator (null if unanswered) for a proportion, the value for a mean."""
    source = pl.col(variable)
    if measure == "proportion" and levels:
        codes = [int(c) for c in levels.split("|")]
        value = pl.when(source.is_null()).then(None).otherwise(source.is_in(codes))
        return value.cast(pl.Float64).alias(name)
    return source.cast(pl.Float64).alias(name)


def calibration_check(
    tables: Mapping[str, pl.DataFrame] | None = None,
    *,
    processed_dir: str | Path | None = None,
    statuses: Iterable[str] = ("publié",),
    level: float = 0.95,
    secret: SecretRule | None = None,
) -> pl.DataFrame:
    """Re-estimate each target of ``calibration_enquetes.csv`` and compare it with its CI.

    ``statuses``: which targets (``publié`` by default; add ``hypothèse`` for all).
    ``secret``: none by default — this is an internal check, never published, and a small
    domain must still show its estimate. One row per target (:data:`CALIBRATION_SCHEMA`):
    the estimate, its ``level`` interval, ``difference`` = estimate − target (fractions for
    proportions, the unit for means) and ``inside_ci``.
    """
    from egn_analytics.synth.survey import calibration_targets, domain_expr

    targets = (
        calibration_targets()
        .filter(pl.col("statut").is_in(list(statuses)))
        .with_columns(pl.format(_PREFIX + "{}", pl.int_range(pl.len())).alias("column"))
    )
    rule = secret if secret is not None else SecretRule(min_respondents=0, max_cv=None)
    surveys = targets["enquete"].unique(maintain_order=True).to_list()
    folder = tables_folder(processed_dir)  # one build for the surveys and the établissements
    resolved = resolve(surveys, tables, folder)
    etabs = read_etablissements(tables, folder)
    results: list[pl.DataFrame] = []
    for survey in surveys:
        mine = targets.filter(pl.col("enquete") == survey)
        exprs = [
            _target_expr(t["variable"], t["niveaux"], t["mesure"], t["column"])
            for t in mine.iter_rows(named=True)
        ]
        design = _design(resolved[survey][0].with_columns(exprs), rule, survey, etabs)
        # One estimation per distinct domain, for all of that domain's targets at once.
        for domain, group in mine.group_by("domaine", maintain_order=True):
            where = domain[0]
            sub = design.subset(domain_expr(where).fill_null(False)) if where else design
            est = sub.mean(group["column"].to_list(), level=level)
            results.append(est.select("variable", "estimate", "se", "ci_lower", "ci_upper", "n"))
    estimates = pl.concat(results).rename({"variable": "column"})
    out = targets.join(estimates, on="column", how="left").select(
        pl.col("enquete").alias("survey"),
        "variable",
        pl.col("niveaux").alias("levels"),
        pl.col("domaine").alias("domain"),
        pl.col("mesure").alias("measure"),
        "statut",
        "source",
        pl.col("cible").alias("target"),
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        pl.col("n").cast(pl.Int64),
        (pl.col("estimate") - pl.col("cible")).alias("difference"),
        pl.col("cible").is_between(pl.col("ci_lower"), pl.col("ci_upper")).alias("inside_ci"),
    )
    return out.cast(CALIBRATION_SCHEMA)
