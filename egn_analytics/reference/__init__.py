"""Nomenclatures shipped in the package: territories, holiday zones, calendar, EGN themes."""

from egn_analytics.reference.calendar import (
    calendar,
    calendar_coverage,
    count_school_days,
    holiday_days,
    holiday_periods,
    holidays_2019_2020,
    public_holidays,
    school_days,
)
from egn_analytics.reference.nomenclatures import (
    ZONES,
    academie_aliases,
    academie_code,
    academie_key_expr,
    academies,
    departement_code_expr,
    departements,
    phases_covid,
    propositions,
    regions_academiques,
    themes,
)

__all__ = [
    "ZONES",
    "academie_aliases",
    "academie_code",
    "academie_key_expr",
    "academies",
    "calendar",
    "calendar_coverage",
    "count_school_days",
    "departement_code_expr",
    "departements",
    "holiday_days",
    "holiday_periods",
    "holidays_2019_2020",
    "phases_covid",
    "propositions",
    "public_holidays",
    "regions_academiques",
    "school_days",
    "themes",
]
