"""School calendar facts and school-day helpers (holidays fall inside the 2020 closure)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from egn_analytics import reference as ref

D = dt.date


def test_zone_c_spring_2020() -> None:
    spring = ref.holiday_periods("Zone C").filter(pl.col("vacances") == "Printemps")
    assert spring.row(0, named=True) == {
        "zone": "Zone C", "vacances": "Printemps", "debut": D(2020, 4, 4), "reprise": D(2020, 4, 20)
    }  # fmt: skip


def test_spring_holidays_differ_by_zone() -> None:
    starts = dict(
        ref.holidays_2019_2020().filter(pl.col("vacances") == "Printemps")
        .select("zone", "debut").iter_rows()
    )  # fmt: skip
    assert starts["Zone A"] == D(2020, 4, 18)
    assert starts["Zone B"] == D(2020, 4, 11)
    assert starts["Zone C"] == D(2020, 4, 4)


def test_school_days_of_creteil_during_closure() -> None:
    # 16 March - 8 May 2020: 8 weeks = 40 weekdays, minus zone C spring break (10 weekdays of
    # 6-17 April), minus 1 May and 8 May (Fridays) = 28.
    days = ref.school_days("Créteil", D(2020, 3, 16), D(2020, 5, 8))
    assert days.len() == 28
    assert D(2020, 4, 6) not in days.to_list()  # zone C spring break
    assert D(2020, 4, 20) in days.to_list()  # zone C back to (distance) school
    assert D(2020, 5, 1) not in days.to_list()  # public holiday


def test_same_count_but_different_days_in_zone_b() -> None:
    creteil = set(ref.school_days("Créteil", D(2020, 3, 16), D(2020, 5, 8)).to_list())
    caen = set(ref.school_days("Caen", D(2020, 3, 16), D(2020, 5, 8)).to_list())
    assert len(caen) == 28
    assert D(2020, 4, 6) in caen and D(2020, 4, 20) not in caen
    assert creteil != caen


def test_easter_monday_and_ascension_are_not_school_days() -> None:
    lyon = ref.school_days("Lyon", D(2020, 4, 13), D(2020, 5, 22)).to_list()
    assert D(2020, 4, 13) not in lyon  # lundi de Pâques
    assert D(2020, 5, 21) not in lyon and D(2020, 5, 22) not in lyon  # pont de l'Ascension


def test_calendar_grid_shape_and_flags() -> None:
    cal = ref.calendar(D(2020, 1, 1), D(2020, 1, 31))
    assert cal.height == 30 * 31
    assert cal.filter(pl.col("date") == D(2020, 1, 1))["is_school_day"].sum() == 0
    # 6 January 2020 (Monday): every académie back to school.
    assert cal.filter(pl.col("date") == D(2020, 1, 6))["is_school_day"].all()


def test_other_years_come_from_the_package() -> None:
    periods = ref.holiday_periods("Zone A", "2021-2022")
    assert periods.height >= 5
    spring = periods.filter(pl.col("vacances").str.contains("printemps"))
    assert spring["debut"].item() == D(2022, 4, 16)


def test_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="période vide"):
        ref.calendar(D(2020, 2, 1), D(2020, 1, 1))
    with pytest.raises(ValueError, match="zones A, B et C"):
        ref.holiday_periods("Corse", "2021-2022")
