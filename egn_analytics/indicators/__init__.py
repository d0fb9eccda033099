"""Indicator tables: survey indicators of equipment and continuity, from a catalogue as data.

Start with :func:`compute_catalogue` (the tidy indicator table the dashboards, notebooks and
exports read), :func:`gap` (a difference between two domains, with its SE and p-value) and
:func:`calibration_check` (the embedded data against the published figures) and
:func:`computer_model` (the design-based logit of having no computer at home). The catalogue
itself is ``_data/catalogue_enquetes.csv``, loaded and validated by :func:`load_catalogue`.

``egn build`` precomputes every indicator table a page, a notebook or a note shows (survey,
ENT usage, consultation texts: :mod:`egn_analytics.indicators.stage`); read them with
:func:`read_indicator`.
"""

from __future__ import annotations

from egn_analytics.indicators._tables import POPULATIONS, SURVEY_TABLES, questionnaire_codebooks
from egn_analytics.indicators.calibration import calibration_check
from egn_analytics.indicators.catalogue import (
    OUTPUT_SCHEMA,
    THEMES,
    CatalogueError,
    compute_catalogue,
    gap,
    lecture_for,
    load_breakdowns,
    load_catalogue,
    resolve_domain,
)
from egn_analytics.indicators.models import computer_model
from egn_analytics.indicators.stage import (
    IndicatorNotBuiltError,
    IndicatorSpec,
    polars_schema,
    read_indicator,
    run_indicators,
)

__all__ = [
    "OUTPUT_SCHEMA",
    "POPULATIONS",
    "SURVEY_TABLES",
    "THEMES",
    "CatalogueError",
    "IndicatorNotBuiltError",
    "IndicatorSpec",
    "calibration_check",
    "compute_catalogue",
    "computer_model",
    "gap",
    "lecture_for",
    "load_breakdowns",
    "load_catalogue",
    "polars_schema",
    "questionnaire_codebooks",
    "read_indicator",
    "resolve_domain",
    "run_indicators",
]
