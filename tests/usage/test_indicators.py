"""Continuity indicators on handmade data, expected values computed by hand.

Calendar facts used (reference 2019-2020): winter holidays zone A 22 Feb - 8 Mar, zone B
15 Feb - 1 Mar, zone C 8 - 23 Feb; spring holidays zone A 18 Apr - 3 May, zone B
11 - 26 Apr, zone C 4 - 19 Apr; public holidays in the closure: 13 April (Easter Monday),
1 and 8 May (Fridays).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.usage import DAILY_SCHEMA, national_daily
from egn_analytics.usage import indicators as ind
from tests.usage.conftest import U1, U2, U3, Row

D = dt.date


def _daily_by_hand() -> pl.DataFrame:
    """Académies 02 (zone B) and 03 (zone A), pupils, every weekday from 6 Jan to 10 May:
    10 users a day, 100 in the week of 17-21 Feb (zone B on holiday, zone A at school),
    20 a day in the closure, 1 on the closure's holiday days."""
    days = pl.DataFrame({"jour": pl.date_range(D(2020, 1, 6), D(2020, 5, 10), eager=True)})
    acads = pl.DataFrame({"code_academie": ["02", "03"]})
    spring = {"02": (D(2020, 4, 11), D(2020, 4, 26)), "03": (D(2020, 4, 18), D(2020, 5, 3))}
    in_spring = pl.lit(False)
    for code, (a, b) in spring.items():
        in_spring = in_spring | (
            (pl.col("code_academie") == code) & pl.col("jour").is_between(a, b)
        )
    users = (
        pl.when(pl.col("jour").is_between(D(2020, 2, 17), D(2020, 2, 21)))
        .then(100)
        .when(pl.col("jour") >= D(2020, 3, 16))
        .then(pl.when(in_spring).then(1).otherwise(20))
        .otherwise(10)
    )
    return (
        acads.join(days, how="cross")
        .filter(pl.col("jour").dt.weekday() <= 5)
        .with_columns(
            pl.lit("élève").alias("profil"),
            users.alias("utilisateurs"),
        )
        .with_columns(
            pl.col("utilisateurs").alias("evenements"), pl.col("utilisateurs").alias("visites")
        )
        .select(DAILY_SCHEMA.names())
        .cast(DAILY_SCHEMA)  # type: ignore[arg-type]
        .sort("jour", "code_academie", "profil")
    )


def test_baseline_excludes_each_zones_winter_holidays() -> None:
    base = ind.baseline(_daily_by_hand())
    # 40 weekdays 6 Jan - 28 Feb. Zone B loses 17-28 Feb (10): 30 days at 10.
    # Zone A loses 24-28 Feb (5): 30 days at 10 and 5 at 100 → 800 / 35.
    assert base.select("code_academie", "jours_reference").rows() == [("02", 30), ("03", 35)]
    ref = dict(base.select("code_academie", "utilisateurs_reference").iter_rows())
    assert ref["02"] == pytest.approx(10.0)
    assert ref["03"] == pytest.approx(800 / 35)


def test_closure_ratio_counts_school_days_only() -> None:
    ratio = ind.closure_ratio(_daily_by_hand())
    rows = {r["code_academie"]: r for r in ratio.iter_rows(named=True)}
    # School days 16 Mar - 10 May: 40 weekdays - 10 spring weekdays - 2 public holidays
    # outside the break (zone B: 1 and 8 May; zone A: Easter Monday and 8 May) = 28.
    assert rows["02"]["jours_fermeture"] == 28 and rows["03"]["jours_fermeture"] == 28
    assert rows["02"]["jours_vacances_fermeture"] == 16  # 11-26 April
    assert rows["03"]["jours_vacances_fermeture"] == 16  # 18 April - 3 May
    assert rows["02"]["fermeture"] == pytest.approx(20.0)  # the holiday 1s are not drops
    assert rows["02"]["ratio"] == pytest.approx(2.0)
    assert rows["03"]["ratio"] == pytest.approx(20 / (800 / 35))


def test_daily_ratio_is_null_on_holidays_and_zones_differ() -> None:
    table = ind.daily_vs_baseline(_daily_by_hand())
    monday = table.filter(pl.col("jour") == D(2020, 4, 14)).sort("code_academie")
    # 14 April: zone B on spring holiday (flagged, no ratio), zone A at school.
    assert monday.select("code_academie", "vacances", "jour_scolaire").rows() == [
        ("02", "Printemps", False),
        ("03", None, True),
    ]
    assert monday.get_column("ratio").to_list()[0] is None
    assert monday.get_column("ratio").to_list()[1] == pytest.approx(20 / (800 / 35))
    weekend = table.filter(pl.col("jour") == D(2020, 3, 21))
    assert weekend.get_column("ratio").null_count() == 2
    assert weekend.get_column("valeur").to_list() == [0, 0]  # no row → 0, not missing


def test_drom_unknown_calendar_gives_null_unless_asked() -> None:
    daily = (
        _daily_by_hand()
        .with_columns(pl.lit("28").alias("code_academie"))
        .unique(["jour", "code_academie", "profil"])
    )
    assert ind.closure_ratio(daily).get_column("ratio").to_list() == [None]
    forced = ind.closure_ratio(daily, calendrier_inconnu="jours_ouvres")
    assert forced.get_column("ratio").item() is not None
    with pytest.raises(ValueError, match="calendrier_inconnu"):
        ind.closure_ratio(daily, calendrier_inconnu="peut-être")  # type: ignore[arg-type]


def test_desynchronisation_shares(make_events: Callable[..., Path], etab: pl.DataFrame) -> None:
    rows: list[Row] = [
        # before (zone C school weeks): day, evening, Saturday night
        ("2020-01-07 10:00:00", "p", "élève", U1),
        ("2020-01-07 20:00:00", "p", "élève", U1),
        ("2020-01-11 23:00:00", "p", "élève", U1),
        # zone C winter holidays (10 Feb): left out
        ("2020-02-10 20:00:00", "p", "élève", U1),
        # closure: Tuesday evening, Sunday afternoon
        ("2020-03-17 20:30:00", "p", "élève", U1),
        ("2020-03-22 14:00:00", "p", "élève", U1),
    ]
    out = ind.desynchronisation(make_events(rows), etab)
    assert out.select("profil", "periode", "evenements").rows() == [
        ("élève", "avant", 3),
        ("élève", "fermeture", 2),
    ]
    avant, ferm = out.select("part_soir", "part_nuit", "part_weekend").rows()
    assert avant == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert ferm == pytest.approx((1 / 2, 0.0, 1 / 2))


def test_incidents_and_saturation(make_events: Callable[..., Path], etab: pl.DataFrame) -> None:
    rows: list[Row] = [
        ("2020-01-07 10:00:00", "a", "élève", U1, 200),
        ("2020-01-07 10:01:00", "a", "élève", U1, 200),
        ("2020-01-07 10:02:00", "a", "élève", U1, 200),
        ("2020-01-07 10:03:00", "a", "élève", U1, 500),  # reference: 1 / 4
        ("2020-03-16 08:00:00", "a", "élève", U1, 503),
        ("2020-03-16 08:01:00", "a", "élève", U1, 502),
        ("2020-03-16 08:02:00", "a", "élève", U1, 404),
        ("2020-03-16 08:03:00", "a", "élève", U1, 200),  # 16 March: 2 / 4 in 5xx, 1 / 4 in 4xx
        ("2020-03-16 08:04:00", "b", "élève", U2, 200),  # P2: no error, no reference
    ]
    errors = ind.error_rates(make_events(rows), etab)
    p1 = errors.filter((pl.col("jour") == D(2020, 3, 16)) & (pl.col("projet_ent") == "P1"))
    assert p1.select("evenements", "erreurs_4xx", "erreurs_5xx", "part_4xx", "part_5xx").row(0) == (
        4,
        1,
        2,
        0.25,
        0.5,
    )
    sat = ind.saturation(errors)
    assert sat.get_column("projet_ent").to_list() == ["P1", "P2"]
    first = sat.row(0, named=True)
    assert first["part_5xx_reference"] == pytest.approx(0.25)
    assert first["ratio"] == pytest.approx(2.0)
    assert first["ecart_points"] == pytest.approx(25.0)
    assert sat.row(1, named=True)["ratio"] is None


def test_active_rates_and_establishments(
    make_events: Callable[..., Path], etab: pl.DataFrame
) -> None:
    rows: list[Row] = [
        ("2020-01-07 10:00:00", "a", "élève", U1),
        ("2020-01-08 10:00:00", "b", "élève", U1),
        ("2020-01-09 10:00:00", "a", "élève", U1),  # a twice in the week: one user
        ("2020-01-07 18:00:00", "m", "parent", U1),
        ("2020-01-07 18:00:00", "z", "personnel", U1),
        ("2020-01-14 10:00:00", "a", "élève", U2),
    ]
    ds = make_events(rows)
    rate = ind.active_rate(ds, etab)
    week1 = rate.filter(pl.col("semaine") == D(2020, 1, 6))
    assert week1.select("profil", "utilisateurs", "inscrits", "taux_actifs").rows() == [
        ("parent", 1, 100, 0.01),  # parents over pupils (upper bound of families)
        ("personnel", 1, None, None),
        ("élève", 2, 100, 0.02),
    ]
    act = ind.active_etablissements(ds, etab)
    assert act.select(
        "semaine", "code_academie", "etablissements_actifs", "part_actifs"
    ).rows() == [
        (D(2020, 1, 6), "01", 1, 1.0),
        (D(2020, 1, 6), "02", 0, 0.0),
        (D(2020, 1, 6), "03", 0, 0.0),
        (D(2020, 1, 13), "01", 0, 0.0),
        (D(2020, 1, 13), "02", 1, 1.0),
        (D(2020, 1, 13), "03", 0, 0.0),
    ]
    assert (
        act.filter(pl.col("code_academie") == "03").get_column("part_actifs_ent").null_count() == 2
    )


def test_pupils_never_seen_since_16_march(
    make_events: Callable[..., Path], etab: pl.DataFrame
) -> None:
    rows: list[Row] = [
        ("2020-01-07 10:00:00", "a", "élève", U1),  # seen again on 20 March (in 02!)
        ("2020-01-07 10:00:00", "b", "élève", U1),  # seen on 13 March only: lost
        ("2020-02-03 10:00:00", "c", "élève", U1),  # seen in May: not lost
        ("2020-02-03 10:00:00", "c", "élève", U2),  # c seen in two académies
        ("2020-02-04 10:00:00", "q", "parent", U1),  # not a pupil
        ("2020-03-13 10:00:00", "b", "élève", U1),
        ("2020-03-20 10:00:00", "a", "élève", U2),
        ("2020-05-04 10:00:00", "c", "élève", U1),
        ("2020-04-01 10:00:00", "n", "élève", U3),  # new in April: not in the January-February set
    ]
    out = ind.pupils_never_seen(make_events(rows), etab)
    assert out.rows() == [
        ("académie", "01", 3, 1, 1 / 3),
        ("académie", "02", 1, 0, 0.0),
        ("France", None, 3, 1, 1 / 3),
    ]


def test_cned_beside_ent_on_a_common_day_index(
    make_events: Callable[..., Path], etab: pl.DataFrame
) -> None:
    rows: list[Row] = [
        ("2020-03-16 10:00:00", "a", "élève", U1),
        ("2020-03-16 10:00:00", "e", "enseignant", U1),
        ("2020-03-18 10:00:00", "a", "élève", U1),
    ]
    nat = national_daily(make_events(rows), etab)
    cned = pl.DataFrame(
        {"date": [D(2020, 3, 17), D(2020, 3, 19)], "inscriptions": [5, 7],
         "utilisateurs_cumules": [5, 12], "classes_virtuelles": [0, 1]}
    )  # fmt: skip
    both = ind.cned_vs_ent(cned, nat)
    assert both.select("jour", "ent_utilisateurs", "cned_inscriptions").rows() == [
        (D(2020, 3, 16), 2, None),
        (D(2020, 3, 17), None, 5),
        (D(2020, 3, 18), 1, None),
        (D(2020, 3, 19), None, 7),
    ]
