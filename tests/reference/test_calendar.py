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


# --- coverage: unknown calendars are never silently school days ------------------------------


def _rows(cal: pl.DataFrame, academie: str, *cols: str) -> list[tuple[object, ...]]:
    return cal.filter(pl.col("academie") == academie).select("date", *cols).rows()


def test_corse_summer_break_runs_past_31_august() -> None:
    # Corse resumed on 3 September 2020: 1-2 September are holidays (not clipped away), and
    # 3 September is past the known school year.
    cal = ref.calendar(D(2020, 9, 1), D(2020, 9, 3))
    assert _rows(cal, "Corse", "vacances", "is_school_day", "calendrier_connu") == [
        (D(2020, 9, 1), "Été", False, True),
        (D(2020, 9, 2), "Été", False, True),
        (D(2020, 9, 3), None, None, False),
    ]
    assert _rows(cal, "Lyon", "is_school_day", "calendrier_connu") == [
        (D(2020, 9, 1), True, True),
        (D(2020, 9, 2), True, True),
        (D(2020, 9, 3), True, True),
    ]


def test_coverage_table() -> None:
    cov = ref.calendar_coverage()
    assert cov.rows() == [
        ("Corse", D(2019, 9, 1), D(2020, 9, 2), "référence 2019-2020"),
        ("Zone A", D(1990, 10, 27), D(2028, 8, 31), "vacances-scolaires-france"),
        ("Zone A", D(2019, 9, 1), D(2020, 8, 31), "référence 2019-2020"),
        ("Zone B", D(1990, 10, 27), D(2028, 8, 31), "vacances-scolaires-france"),
        ("Zone B", D(2019, 9, 1), D(2020, 8, 31), "référence 2019-2020"),
        ("Zone C", D(1990, 10, 27), D(2028, 8, 31), "vacances-scolaires-france"),
        ("Zone C", D(2019, 9, 1), D(2020, 8, 31), "référence 2019-2020"),
    ]


def test_drom_days_are_unknown_unless_certainly_off() -> None:
    cal = ref.calendar(D(2020, 4, 4), D(2020, 4, 6))  # Saturday, Sunday, Monday
    assert _rows(cal, "Guadeloupe", "vacances", "is_school_day", "calendrier_connu") == [
        (D(2020, 4, 4), None, False, False),  # weekend: certainly not a school day
        (D(2020, 4, 5), None, False, False),
        (D(2020, 4, 6), None, None, False),  # unknown: the reference is partial
    ]
    assert _rows(cal, "Martinique", "vacances", "is_school_day") == [
        (D(2020, 4, 4), "Printemps", False),
        (D(2020, 4, 5), "Printemps", False),
        (D(2020, 4, 6), "Printemps", False),  # listed holiday
    ]
    assert cal.filter(pl.col("zone").is_in(["Zone A", "Zone B", "Zone C", "Corse"]))[
        "calendrier_connu"
    ].all()


def test_school_days_refuse_unknown_drom_calendar() -> None:
    msg = (
        "calendrier scolaire inconnu pour Guadeloupe (zone Guadeloupe) du 2020-01-01 au "
        "2020-07-31 : la référence ne liste que certaines vacances des DROM ; chargez l'export "
        "officiel du calendrier"
    )
    with pytest.raises(ValueError) as err:
        ref.count_school_days("Guadeloupe", D(2020, 1, 1), D(2020, 7, 31))
    assert str(err.value) == msg
    with pytest.raises(ValueError, match=r"^calendrier scolaire inconnu pour La Réunion \(zone"):
        ref.school_days("28", D(2020, 3, 16), D(2020, 3, 20))


def test_school_days_refuse_corse_outside_2019_2020() -> None:
    with pytest.raises(ValueError) as err:
        ref.count_school_days("Corse", D(2020, 8, 25), D(2020, 9, 10))
    assert str(err.value) == (
        "calendrier scolaire inconnu pour Corse (zone Corse) du 2020-09-03 au 2020-09-10 : "
        "la référence ne couvre que l'année scolaire 2019-2020 pour cette zone ; chargez "
        "l'export officiel du calendrier"
    )
    assert ref.count_school_days("Corse", D(2020, 8, 25), D(2020, 9, 2)) == 0


def test_zones_abc_after_the_package_are_unknown() -> None:
    with pytest.raises(ValueError) as err:
        ref.count_school_days("Lyon", D(2028, 8, 28), D(2028, 9, 8))
    assert str(err.value) == (
        "calendrier scolaire inconnu pour Lyon (Zone A) du 2028-09-01 au 2028-09-08 : la "
        "référence couvre 2019-2020 et le paquet vacances-scolaires-france du 1990-10-27 au "
        "2028-08-31 seulement ; chargez l'export officiel du calendrier"
    )
    cal = ref.calendar(D(2028, 8, 31), D(2028, 9, 1)).filter(pl.col("academie") == "Lyon")
    assert cal.select("is_school_day", "calendrier_connu").rows() == [(False, True), (None, False)]


def test_holiday_periods_validates_zone() -> None:
    with pytest.raises(ValueError, match=r"^zone inconnue : 'zone a' ; zones possibles : Zone A"):
        ref.holiday_periods("zone a")
    with pytest.raises(ValueError, match="format attendu"):
        ref.holiday_periods("Zone A", "2021")
    with pytest.raises(ValueError, match=r"année scolaire 2030-2031 inconnue"):
        ref.holiday_periods("Zone A", "2030-2031")


# --- public holidays: Alsace-Moselle and the DROM ----------------------------------------------


def test_strasbourg_good_friday_and_saint_etienne() -> None:
    assert ref.school_days("Strasbourg", D(2020, 4, 6), D(2020, 4, 10)).to_list() == [
        D(2020, 4, 6), D(2020, 4, 7), D(2020, 4, 8), D(2020, 4, 9)
    ]  # fmt: skip
    cal = ref.calendar(D(2019, 12, 26), D(2019, 12, 26))
    ferie = dict(cal.select("academie", "jour_ferie").iter_rows())
    assert ferie["Strasbourg"] == "Saint-Étienne"
    assert ferie["Nancy-Metz"] is None  # Moselle only: not every département of the académie
    assert ferie["Lyon"] is None


def test_nancy_metz_does_not_count_moselle_good_friday() -> None:
    assert ref.count_school_days("Nancy-Metz", D(2020, 4, 6), D(2020, 4, 10)) == 5
    moselle = ref.public_holidays(D(2020, 4, 1), D(2020, 4, 30), "57")
    assert moselle.rows() == [
        (D(2020, 4, 10), "Vendredi saint"),
        (D(2020, 4, 13), "Lundi de Pâques"),
    ]


def test_public_holidays_by_departement() -> None:
    year = (D(2020, 1, 1), D(2020, 12, 31))
    assert ref.public_holidays(*year).rows() == [
        (D(2020, 1, 1), "Jour de l'an"),
        (D(2020, 4, 13), "Lundi de Pâques"),
        (D(2020, 5, 1), "Fête du Travail"),
        (D(2020, 5, 8), "Fête de la Victoire"),
        (D(2020, 5, 21), "Ascension"),
        (D(2020, 6, 1), "Lundi de Pentecôte"),
        (D(2020, 7, 14), "Fête nationale"),
        (D(2020, 8, 15), "Assomption"),
        (D(2020, 11, 1), "Toussaint"),
        (D(2020, 11, 11), "Armistice"),
        (D(2020, 12, 25), "Noël"),
    ]
    assert ref.public_holidays(*year, "75").equals(ref.public_holidays(*year))
    assert ref.public_holidays(*year, "67").equals(ref.public_holidays(*year, "6AE"))
    extra = {
        "971": [(D(2020, 3, 19), "Mi-Carême"), (D(2020, 4, 10), "Vendredi saint"),
                (D(2020, 5, 27), "Abolition de l'esclavage"),
                (D(2020, 7, 21), "Fête de Victor Schoelcher")],
        "972": [(D(2020, 5, 22), "Abolition de l'esclavage"),
                (D(2020, 7, 21), "Fête de Victor Schoelcher")],
        "973": [(D(2020, 6, 10), "Abolition de l'esclavage")],
        "974": [(D(2020, 12, 20), "Abolition de l'esclavage")],
        "976": [(D(2020, 4, 27), "Abolition de l'esclavage")],
    }  # fmt: skip
    metro = set(ref.public_holidays(*year).rows())
    for dep, days in extra.items():
        assert sorted(set(ref.public_holidays(*year, dep).rows()) - metro) == days, dep
    with pytest.raises(ValueError, match="département inconnu : '99'"):
        ref.public_holidays(*year, "99")


def test_drom_public_holidays_reach_the_calendar() -> None:
    cal = ref.calendar(D(2020, 5, 27), D(2020, 5, 27))
    ferie = dict(cal.select("academie", "jour_ferie").iter_rows())
    assert ferie["Guadeloupe"] == "Abolition de l'esclavage"
    assert ferie["Martinique"] is None and ferie["Créteil"] is None


# --- Ascension bridge: Wednesday 20 May 2020 was a school day ----------------------------------


def test_ascension_bridge_starts_on_thursday() -> None:
    asc = ref.holidays_2019_2020().filter(pl.col("vacances") == "Pont de l'Ascension")
    assert asc.rows() == [
        (z, "Pont de l'Ascension", D(2020, 5, 21), D(2020, 5, 25))
        for z in ["Zone A", "Zone B", "Zone C"]
    ]
    lyon = ref.school_days("Lyon", D(2020, 5, 18), D(2020, 5, 25)).to_list()
    assert lyon == [D(2020, 5, 18), D(2020, 5, 19), D(2020, 5, 20), D(2020, 5, 25)]


def test_getters_return_copies() -> None:
    ref.holidays_2019_2020().drop_in_place("zone")
    ref.calendar_coverage().drop_in_place("zone")
    assert ref.holidays_2019_2020().columns == ["zone", "vacances", "debut", "reprise"]
    assert ref.calendar_coverage().columns == ["zone", "debut", "fin", "source"]
    assert ref.count_school_days("Créteil", D(2020, 3, 16), D(2020, 5, 8)) == 28
