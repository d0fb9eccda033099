"""The 2019-2020 calendar in the official export's format (timestamps with local offsets)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from egn_analytics.synth.calendar_export import _TZ, calendar_export


def _row(df: pl.DataFrame, academie: str, description: str) -> tuple[str, str, str]:
    hit = df.filter((pl.col("Académies") == academie) & (pl.col("Description") == description))
    return hit.select("Date de début", "Date de fin", "Zones").row(0)


def test_known_rows() -> None:
    df = calendar_export()
    assert df.columns == [
        "Description", "Population", "Date de début", "Date de fin", "Académies", "Zones",
        "annee_scolaire",
    ]  # fmt: skip
    assert df.height == 162
    assert _row(df, "Créteil", "Vacances de Printemps") == (
        "2020-04-04T00:00:00+02:00", "2020-04-20T00:00:00+02:00", "Zone C"
    )  # fmt: skip
    # Summer time ends during the Toussaint break.
    assert _row(df, "Lyon", "Vacances de la Toussaint") == (
        "2019-10-19T00:00:00+02:00", "2019-11-04T00:00:00+01:00", "Zone A"
    )  # fmt: skip
    assert _row(df, "La Réunion", "Après 3e période") == (
        "2020-03-07T00:00:00+04:00", "2020-03-23T00:00:00+04:00", "Réunion"
    )  # fmt: skip
    assert _row(df, "Guadeloupe", "Vacances de Printemps") == (
        "2020-04-08T00:00:00-04:00", "2020-04-23T00:00:00-04:00", "Guadeloupe"
    )  # fmt: skip
    assert _row(df, "Mayotte", "Carnaval")[0] == "2020-02-29T00:00:00+03:00"
    assert _row(df, "Lyon", "Pont de l'Ascension")[0] == "2020-05-21T00:00:00+02:00"
    old = df.filter(pl.col("Académies").is_in(["Caen", "Rouen", "Normandie"]))
    assert sorted(set(old["Académies"])) == ["Caen", "Rouen"]
    assert old.height == 12
    assert set(df["Population"]) == {"-"} and set(df["annee_scolaire"]) == {"2019-2020"}


def test_every_timestamp_matches_python_isoformat() -> None:
    df = calendar_export()

    def iso(text: str, zone: str) -> str:
        day = dt.date.fromisoformat(text[:10])
        tz = ZoneInfo(_TZ.get(zone, "Europe/Paris"))
        return dt.datetime(day.year, day.month, day.day, tzinfo=tz).isoformat()

    for debut, fin, zone in df.select("Date de début", "Date de fin", "Zones").iter_rows():
        assert (debut, fin) == (iso(debut, zone), iso(fin, zone))
