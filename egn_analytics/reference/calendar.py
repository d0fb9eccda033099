"""School calendar: holiday periods by zone, public holidays, and school days by académie.

Why this matters: holidays differ by zone and fell *inside* the 2020 closure (zone C's spring
break started on 4 April, zone A's on 18 April), so any "continuity" indicator that compares days
must know, for each académie, which days were school days.

Sources: the 2019-2020 periods of every zone (metropolitan zones, Corse and the DROM) come from
the team's reference file shipped in the package; other years of zones A/B/C come from the PyPI
package ``vacances-scolaires-france`` (day-by-day, offline). Public holidays come from the
``holidays`` package.

Conventions: a holiday period runs from ``debut`` (first day off) to the day before ``reprise``
(the day classes resume). A school day is a weekday listed in ``weekdays`` (Monday-Friday by
default) that is neither in a holiday period of the académie's zone nor a public holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

import holidays as _holidays
import polars as pl

from egn_analytics.reference.nomenclatures import academie_code, academies

_DATA = files("egn_analytics.reference") / "_data"
_SHARED_YEAR_START = dt.date(2019, 9, 1)
_SHARED_YEAR_END = dt.date(2020, 8, 31)
_PKG_ZONES = {"Zone A": "vacances_zone_a", "Zone B": "vacances_zone_b", "Zone C": "vacances_zone_c"}


@cache
def holidays_2019_2020() -> pl.DataFrame:
    """Holiday periods of school year 2019-2020 for every zone: zone, vacances, debut, reprise."""
    with (_DATA / "vacances_2019_2020.csv").open("rb") as fh:
        return pl.read_csv(
            fh.read(),
            separator=";",
            schema={"zone": pl.String, "vacances": pl.String, "debut": pl.Date, "reprise": pl.Date},
        )


@cache
def _package_days() -> pl.DataFrame:
    """Day-by-day zone A/B/C holiday flags of ``vacances-scolaires-france`` (long form)."""
    import vacances_scolaires_france as vsf

    path = files(vsf) / "data" / "data.csv"
    with path.open("rb") as fh:
        wide = pl.read_csv(
            fh.read(),
            schema={
                "date": pl.Date,
                "vacances_zone_a": pl.Boolean,
                "vacances_zone_b": pl.Boolean,
                "vacances_zone_c": pl.Boolean,
                "nom_vacances": pl.String,
            },
        )
    long = wide.unpivot(
        index=["date", "nom_vacances"],
        on=list(_PKG_ZONES.values()),
        variable_name="col",
        value_name="off",
    )
    back = {v: k for k, v in _PKG_ZONES.items()}
    return (
        long.filter(pl.col("off"))
        .with_columns(pl.col("col").replace_strict(back).alias("zone"))
        .select("zone", "date", pl.col("nom_vacances").alias("vacances"))
    )


def holiday_days(start: dt.date, end: dt.date) -> pl.DataFrame:
    """One row per (zone, date) off school between ``start`` and ``end`` inclusive.

    2019-2020 uses the reference periods (all zones); other dates use the package (zones A/B/C).
    """
    periods = (
        holidays_2019_2020()
        .with_columns(
            pl.date_ranges("debut", pl.col("reprise") - pl.duration(days=1)).alias("date")
        )
        .explode("date")
    )
    shared = periods.filter(pl.col("date").is_between(_SHARED_YEAR_START, _SHARED_YEAR_END)).select(
        "zone", "date", "vacances"
    )
    pkg = _package_days().filter(~pl.col("date").is_between(_SHARED_YEAR_START, _SHARED_YEAR_END))
    return (
        pl.concat([shared, pkg])
        .filter(pl.col("date").is_between(start, end))
        .unique(subset=["zone", "date"], keep="first")
        .sort("zone", "date")
    )


def public_holidays(start: dt.date, end: dt.date) -> pl.DataFrame:
    """French public holidays (metropolitan list) between two dates: date, jour_ferie."""
    years = range(start.year, end.year + 1)
    fr = _holidays.country_holidays("FR", years=years, language="fr")
    rows = sorted((d, n) for d, n in fr.items() if start <= d <= end)
    return pl.DataFrame(
        {"date": [d for d, _ in rows], "jour_ferie": [n for _, n in rows]},
        schema={"date": pl.Date, "jour_ferie": pl.String},
    )


def calendar(
    start: dt.date,
    end: dt.date,
    weekdays: Iterable[int] = (1, 2, 3, 4, 5),
) -> pl.DataFrame:
    """Académie × day table between two dates (inclusive) with the flags that make a school day.

    Columns: code_academie, academie, zone, date, weekday (1 = Monday), vacances (name or null),
    jour_ferie (name or null), is_school_day. ``weekdays`` uses ISO numbers (Monday = 1).
    """
    if end < start:
        raise ValueError(f"période vide : fin {end} avant début {start}")
    days = pl.DataFrame({"date": pl.date_range(start, end, "1d", eager=True)})
    grid = academies().select("code_academie", "academie", "zone").join(days, how="cross")
    off = holiday_days(start, end)
    ferie = public_holidays(start, end)
    wd = list(weekdays)
    return (
        grid.join(off, on=["zone", "date"], how="left")
        .join(ferie, on="date", how="left")
        .with_columns(pl.col("date").dt.weekday().alias("weekday"))
        .with_columns(
            (
                pl.col("weekday").is_in(wd)
                & pl.col("vacances").is_null()
                & pl.col("jour_ferie").is_null()
            ).alias("is_school_day")
        )
        .select(
            "code_academie",
            "academie",
            "zone",
            "date",
            "weekday",
            "vacances",
            "jour_ferie",
            "is_school_day",
        )
        .sort("code_academie", "date")
    )


def school_days(
    academie: str, start: dt.date, end: dt.date, weekdays: Iterable[int] = (1, 2, 3, 4, 5)
) -> pl.Series:
    """School days of an académie (any accepted spelling or code) between two dates, inclusive."""
    code = academie_code(academie)
    cal = calendar(start, end, weekdays).filter(
        (pl.col("code_academie") == code) & pl.col("is_school_day")
    )
    return cal.get_column("date")


def count_school_days(
    academie: str, start: dt.date, end: dt.date, weekdays: Iterable[int] = (1, 2, 3, 4, 5)
) -> int:
    """Number of school days of an académie between two dates, inclusive."""
    return school_days(academie, start, end, weekdays).len()


def holiday_periods(zone: str, school_year: str = "2019-2020") -> pl.DataFrame:
    """Holiday periods of a zone for a school year (``"2019-2020"``), with debut and reprise.

    2019-2020 comes from the reference file (every zone); other years are rebuilt from the
    package's daily flags (zones A/B/C only) by grouping consecutive days off.
    """
    if school_year == "2019-2020":
        return holidays_2019_2020().filter(pl.col("zone") == zone)
    if zone not in _PKG_ZONES:
        raise ValueError(f"zone {zone!r} : seules les zones A, B et C sont connues hors 2019-2020")
    y0 = int(school_year[:4])
    start, end = dt.date(y0, 9, 1), dt.date(y0 + 1, 8, 31)
    days = _package_days().filter((pl.col("zone") == zone) & pl.col("date").is_between(start, end))
    return (
        days.sort("date")
        .with_columns(
            (pl.col("date").diff().dt.total_days().fill_null(99) > 1).cum_sum().alias("run")
        )
        .group_by("run", maintain_order=True)
        .agg(
            pl.first("vacances"),
            pl.col("date").min().alias("debut"),
            (pl.col("date").max() + pl.duration(days=1)).alias("reprise"),
        )
        .select(pl.lit(zone).alias("zone"), "vacances", "debut", "reprise")
    )
