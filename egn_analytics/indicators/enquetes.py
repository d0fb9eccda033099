"""The survey indicator table of ``egn build``: every indicator by every breakdown.

The catalogue (:func:`egn_analytics.indicators.compute_catalogue`) is enumerable, so it is
computed once per build; only the gap between two arbitrary domains, which needs the
microdata, stays on demand (:func:`egn_analytics.indicators.gap`).
"""

from __future__ import annotations

import polars as pl

from egn_analytics.indicators._dy import schema_from
from egn_analytics.indicators.catalogue import OUTPUT_SCHEMA
from egn_analytics.indicators.stage import IndicatorSpec, StageContext

#: ``enquetes_catalogue``: the columns of ``compute_catalogue`` (proportions as fractions 0-1;
#: ``status`` « published », « fragile » or « masked », masked rows with null values).
CatalogueSchema = schema_from(
    "CatalogueSchema",
    OUTPUT_SCHEMA,
    required=("indicator", "breakdown", "status"),
    doc="``enquetes_catalogue``: one row per indicator × breakdown × domain.",
)


def compute_enquetes_catalogue(context: StageContext) -> pl.DataFrame:
    """The whole catalogue from the generation's survey tables."""
    from egn_analytics.indicators import compute_catalogue

    return compute_catalogue(processed_dir=context.generation)


def _secret_settings() -> dict[str, object]:
    """The statistical-secret thresholds: a changed threshold changes what is masked."""
    from egn_analytics.config import get_settings

    settings = get_settings()
    return {
        "secret_min_respondents": settings.secret_min_respondents,
        "secret_max_cv": settings.secret_max_cv,
    }


SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        name="enquetes_catalogue",
        schema=CatalogueSchema,
        compute=compute_enquetes_catalogue,
        inputs=("enquete_*.parquet", "etablissements.parquet"),
        required=("enquete_*.parquet",),
        absent="pas de table d'enquête (enquete_*.parquet) dans cette construction",
        code=("egn_analytics.indicators", "egn_analytics.survey"),
        options=_secret_settings,
    ),
)
