"""The design-based model of the catalogue: who lacks a computer at home?

Why a function and not only a notebook cell: the dashboards, the notebooks and a briefing note
all quote the same odds ratios, so they must come from one place, on the same calibrated
design as the indicator table. The outcome is « pas d'ordinateur à la maison » (pupils'
survey, ``ordinateur = 3``); covariates are social background, éducation prioritaire and the
commune's density, with the most common situation as reference (très favorisé, hors EP, urbain
dense), so each odds ratio reads as « × more likely than … ».
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from egn_analytics.indicators._tables import read_etablissements, resolve, tables_folder
from egn_analytics.indicators.catalogue import _design
from egn_analytics.survey import SecretRule, logistic

POPULATION = "eleves_2d"
OUTCOME_VARIABLE = "ordinateur"
OUTCOME_CODE = 3  # « Non »
COVARIATES = ("milieu_social", "ep", "densite")
REFERENCE = {"milieu_social": 1, "ep": 3, "densite": 1}


def computer_model(
    tables: Mapping[str, pl.DataFrame] | None = None,
    *,
    processed_dir: str | Path | None = None,
    calibrate: bool = True,
    level: float = 0.95,
) -> pl.DataFrame:
    """Odds ratios of having no computer at home, design-based (``svyglm`` quasibinomial).

    Columns of :func:`egn_analytics.survey.logistic` plus ``variable``, ``variable_label``,
    ``level_label`` and ``reference_label`` (French, from the codebook), one row per
    coefficient; the intercept has null labels.
    """
    folder = tables_folder(processed_dir)  # one build for the survey and the établissements
    frame, book = resolve([POPULATION], tables, folder)[POPULATION]
    etabs = read_etablissements(tables, folder) if calibrate else None
    design = _design(frame, SecretRule(0, None), POPULATION, etabs)
    fit = logistic(
        design,
        pl.col(OUTCOME_VARIABLE) == OUTCOME_CODE,
        list(COVARIATES),
        categorical=list(COVARIATES),
        reference=REFERENCE,
        level=level,
    )
    labels = (
        book.filter(pl.col("variable").is_in(COVARIATES))
        .select("variable", pl.col("libelle").alias("variable_label"), "modalites")
        .explode("modalites")
        .unnest("modalites")
        .select(
            "variable",
            "variable_label",
            (pl.col("variable") + pl.col("code").cast(pl.String)).alias("term"),
            pl.col("code"),
            pl.col("libelle").alias("level_label"),
        )
    )
    refs = labels.filter(
        pl.struct("variable", "code").is_in(
            [{"variable": k, "code": v} for k, v in REFERENCE.items()]
        )
    ).select("variable", pl.col("level_label").alias("reference_label"))
    return fit.join(labels.drop("code"), on="term", how="left", maintain_order="left").join(
        refs, on="variable", how="left", maintain_order="left"
    )
