"""DEPP respondents tables: their design, and calibration on the établissement counts.

Why here and not in the pages: the design of the 2020 continuity surveys (stratified two-stage
sample of établissements then respondents) and the margins DEPP calibrates on (académie,
sector, éducation prioritaire) are facts about the data, the same for a notebook, the
indicator catalogue and a dashboard. Margins come from the établissements table (headcounts of
pupils or teachers by établissement, or the établissements themselves for the heads' survey),
which the loaders produce from the annuaire export.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from egn_analytics.survey._engine import SurveyDesignError
from egn_analytics.survey.design import SurveyDesign
from egn_analytics.survey.secret import SecretRule

#: Survey population → (headcount column of the établissements table, or None to count the
#: établissements; établissement types in the field, as the survey's ``type_etab`` codes).
POPULATIONS: dict[str, tuple[str | None, tuple[int, ...]]] = {
    "eleves_2d": ("eleves", (1, 2, 3)),
    "parents_2d": ("eleves", (1, 2, 3)),
    "enseignants_1d": ("enseignants", (4,)),
    "enseignants_2d": ("enseignants", (1, 2, 3)),
    "chefs_etablissement": (None, (1, 2, 3, 4)),
}
#: Codes of the survey files (see the codebooks) for the établissements table's labels.
TYPE_CODES = {"Collège": 1, "Lycée": 2, "Lycée professionnel": 3, "Ecole": 4, "École": 4}
SECTEUR_CODES = {"Public": 1, "Privé": 2, "Privé sous contrat": 2}
EP_CODES = {"REP+": 1, "REP": 2, "Hors EP": 3}
#: Calibration margins, as DEPP calibrates its weights.
MARGINS = ("code_academie", "secteur", "ep")


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
    lonely_psu: str = "adjust",
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
) -> SurveyDesign:
    """The design of a DEPP respondents table as the survey loader writes it.

    Stratified two-stage sample: établissements (``uai``) drawn in strata (``strate``, ``fpc``
    = établissements in the stratum), then respondents (``id``) in each (``nb_unites_etab`` =
    units in the établissement), final weight ``poids``. Without the second-stage columns it
    falls back to the first stage (``ids = uai``, ``fpc`` alone), R's "ultimate cluster".

    ``lonely_psu`` defaults to R's ``"adjust"`` (not ``"fail"``): DEPP samples keep
    établissements where a single teacher or head answered, and the within-établissement
    variance of one respondent cannot be estimated; ``adjust`` counts its uncentred total, the
    conservative choice R's documentation recommends.
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


def depp_margins(etablissements: pl.DataFrame, population: str) -> list[pl.DataFrame]:
    """Population counts by académie, sector and EP for one survey population.

    Each margin is a DataFrame of the margin column (coded as in the survey file) and
    ``Freq``: pupils (pupils' and parents' surveys), teachers, or établissements (heads).
    """
    if population not in POPULATIONS:
        raise SurveyDesignError(
            f"population inconnue « {population} » (attendu : {', '.join(POPULATIONS)})"
        )
    count, types = POPULATIONS[population]
    needed = ["type", "secteur", "ep", "code_academie", *([count] if count else [])]
    missing = [c for c in needed if c not in etablissements.columns]
    if missing:
        raise SurveyDesignError(f"table des établissements sans colonne(s) : {', '.join(missing)}")
    coded = etablissements.select(
        pl.col("type").cast(pl.String).replace_strict(TYPE_CODES, default=None).alias("type_etab"),
        pl.col("secteur").cast(pl.String).replace_strict(SECTEUR_CODES, default=None),
        pl.col("ep").cast(pl.String).replace_strict(EP_CODES, default=3).fill_null(3),
        pl.col("code_academie").cast(pl.String),
        (pl.col(count).cast(pl.Float64) if count else pl.lit(1.0)).alias("Freq"),
    ).filter(pl.col("type_etab").is_in(list(types)))
    return [coded.group_by(margin).agg(pl.col("Freq").sum()).sort(margin) for margin in MARGINS]


def calibrate_depp(
    design: SurveyDesign, etablissements: pl.DataFrame, population: str, *, epsilon: float = 1e-10
) -> SurveyDesign:
    """Rake ``design`` on académie, sector and EP margins, as DEPP calibrates its weights.

    Cells of the population absent from the sample (an académie without any sampled
    établissement of that kind) are ignored (``partial``), so the weights of the other cells
    still match their margins. Unlike R's ``rake`` default (stop when the table moves by less
    than one unit), raking runs until it moves by less than ``epsilon`` of the total weight, so
    published margins are met to the unit.
    """
    margins = depp_margins(etablissements, population)
    return design.rake(margins, epsilon=epsilon, maxit=100, partial=True)
