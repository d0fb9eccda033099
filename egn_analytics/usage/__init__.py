"""ENT and CNED usage: continuity indicators computed from the ingested event logs.

The daily table (:func:`daily_table`, one row per day × académie × profile) is the core;
definitions of days, duplicates, visits and users are in :mod:`egn_analytics.usage.daily`.
Everything reads one month partition at a time (bounded memory).
"""

from egn_analytics.usage.daily import (
    BY_KEYS,
    DAILY_KEYS,
    DAILY_SCHEMA,
    DailyReport,
    daily_partition,
    daily_report,
    daily_table,
    month_partitions,
    national_daily,
    scan_partition,
    usage_by,
    usage_report,
    weekly,
    write_daily,
)

__all__ = [
    "BY_KEYS",
    "DAILY_KEYS",
    "DAILY_SCHEMA",
    "DailyReport",
    "daily_partition",
    "daily_report",
    "daily_table",
    "month_partitions",
    "national_daily",
    "scan_partition",
    "usage_by",
    "usage_report",
    "weekly",
    "write_daily",
]
