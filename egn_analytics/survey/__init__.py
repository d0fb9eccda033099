"""Design-based survey estimation (Taylor linearisation, replicate weights), R-compatible.

Start with :class:`SurveyDesign` (R's ``svydesign``) or :func:`depp_design` for a DEPP
respondents table as the loaders produce it; :class:`ReplicateDesign` for files that carry
replicate weights (R's ``svrepdesign``); :func:`logistic` for a design-based logistic
regression (R's ``svyglm(family = quasibinomial)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from egn_analytics.survey._engine import SurveyDesignError
from egn_analytics.survey.design import RESULT_COLUMNS, SurveyDesign
from egn_analytics.survey.model import logistic
from egn_analytics.survey.replicate import ReplicateDesign
from egn_analytics.survey.secret import (
    FRAGILE,
    MASKED,
    PUBLISHED,
    STATUS_LABELS,
    SecretRule,
    apply_secret,
)

__all__ = [
    "FRAGILE",
    "MASKED",
    "PUBLISHED",
    "RESULT_COLUMNS",
    "STATUS_LABELS",
    "ReplicateDesign",
    "SecretRule",
    "SurveyDesign",
    "SurveyDesignError",
    "apply_secret",
    "codebook_labels",
    "depp_design",
    "logistic",
]


def codebook_labels(codebook: pl.DataFrame) -> tuple[list[str], dict[str, dict[Any, str]]]:
    """Categorical columns and value labels from a loader codebook (``*_dictionnaire``)."""
    cat = codebook.filter(pl.col("modalites").is_not_null())
    labels: dict[str, dict[Any, str]] = {}
    for row in cat.select("variable", "modalites").iter_rows(named=True):
        labels[row["variable"]] = {m["code"]: m["libelle"] for m in row["modalites"]}
    return cat.get_column("variable").to_list(), labels


def depp_design(
    data: pl.DataFrame | pl.LazyFrame,
    *,
    codebook: pl.DataFrame | None = None,
    secret: SecretRule | None = None,
    lonely_psu: str = "fail",
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
) -> SurveyDesign:
    """The design of a DEPP respondents table as the survey loader writes it.

    Stratified two-stage sample: établissements (``uai``) drawn in strata (``strate``, ``fpc``
    = établissements in the stratum), then respondents (``id``) in each (``nb_unites_etab`` =
    units in the établissement), final weight ``poids``. Without the second-stage columns it
    falls back to the first stage (``ids = uai``, ``fpc`` alone), R's "ultimate cluster".
    """
    frame = data.collect() if isinstance(data, pl.LazyFrame) else data
    two_stage = (
        "id" in frame.columns
        and "nb_unites_etab" in frame.columns
        and frame.get_column("nb_unites_etab").null_count() == 0
    )
    has_fpc = "fpc" in frame.columns and frame.get_column("fpc").null_count() == 0
    categorical: list[str] = []
    labels: dict[str, dict[Any, str]] = {}
    if codebook is not None:
        categorical, labels = codebook_labels(codebook)
    labels.update({k: dict(v) for k, v in (value_labels or {}).items()})
    if two_stage and has_fpc:
        ids: list[str] = ["uai", "id"]
        fpc: list[str] | None = ["fpc", "nb_unites_etab"]
    else:
        ids = ["uai"]
        fpc = ["fpc"] if has_fpc else None
    return SurveyDesign(
        frame,
        ids=ids,
        strata="strate",
        weights="poids",
        fpc=fpc,
        categorical=[c for c in categorical if c in frame.columns],
        value_labels=labels,
        secret=secret,
        lonely_psu=lonely_psu,
    )
