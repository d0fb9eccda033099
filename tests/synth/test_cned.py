"""Synthetic CNED « Ma classe à la maison » daily series: published anchors and shape."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.io import sha256_file
from egn_analytics.synth.cned import CNED_FILE, cned_daily, write_cned

SCHEMA = {
    "date": pl.Date,
    "inscriptions": pl.Int64,
    "utilisateurs_cumules": pl.Int64,
    "classes_virtuelles": pl.Int64,
    "inscriptions_ecole": pl.Int64,
    "inscriptions_college": pl.Int64,
    "inscriptions_lycee": pl.Int64,
    "donnees": pl.String,
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    out = tmp_path_factory.mktemp("cned")
    records = write_cned(out, 2020)
    assert len(records) == 1
    rec = records[0]
    assert rec.path == CNED_FILE and rec.family == "cned" and rec.format == "csv"
    assert rec.sha256 == sha256_file(out / CNED_FILE)
    df = pl.read_csv(out / CNED_FILE, separator=";", schema=SCHEMA)
    assert rec.rows == df.height
    return out, df


def _on(df: pl.DataFrame, day: dt.date, col: str) -> int:
    return int(df.filter(pl.col("date") == day).get_column(col).item())


def test_period_and_consistency(written: tuple[Path, pl.DataFrame]) -> None:
    _, df = written
    assert df.get_column("date").min() == dt.date(2020, 3, 2)
    assert df.get_column("date").max() == dt.date(2020, 7, 3)
    assert df.height == 124 and df.get_column("date").is_sorted()
    assert (df.get_column("inscriptions") >= 0).all()
    levels = df.select(
        pl.sum_horizontal("inscriptions_ecole", "inscriptions_college", "inscriptions_lycee")
    ).to_series()
    assert (levels == df.get_column("inscriptions")).all()
    assert (df.get_column("utilisateurs_cumules") == df.get_column("inscriptions").cum_sum()).all()
    assert (df.get_column("donnees") == "SYNTHETIQUE").all()


def test_published_anchors(written: tuple[Path, pl.DataFrame]) -> None:
    _, df = written
    assert _on(df, dt.date(2020, 3, 14), "inscriptions") == pytest.approx(220_000, rel=0.15)
    assert _on(df, dt.date(2020, 3, 17), "utilisateurs_cumules") == pytest.approx(1e6, rel=0.15)
    assert _on(df, dt.date(2020, 4, 3), "utilisateurs_cumules") == pytest.approx(2.5e6, rel=0.15)
    assert df.get_column("classes_virtuelles").max() == pytest.approx(230_000, rel=0.15)
    # Opened to the Oise only before the national rush.
    assert (
        df.filter(pl.col("date") < dt.date(2020, 3, 12)).get_column("inscriptions").max() < 20_000
    )


def test_weekly_rhythm_and_decline(written: tuple[Path, pl.DataFrame]) -> None:
    _, df = written
    spring = df.filter(pl.col("date").is_between(dt.date(2020, 3, 23), dt.date(2020, 5, 10)))
    weekend = spring.get_column("date").dt.weekday() >= 6
    classes = spring.get_column("classes_virtuelles")
    assert classes.filter(weekend).mean() < 0.5 * classes.filter(~weekend).mean()

    def weekday_mean(start: dt.date, end: dt.date) -> float:
        part = df.filter(pl.col("date").is_between(start, end) & (pl.col("date").dt.weekday() <= 5))
        return float(part.get_column("classes_virtuelles").mean())

    peak = weekday_mean(dt.date(2020, 3, 30), dt.date(2020, 4, 3))
    assert weekday_mean(dt.date(2020, 6, 8), dt.date(2020, 6, 19)) < 0.6 * peak
    assert weekday_mean(dt.date(2020, 6, 29), dt.date(2020, 7, 3)) < 0.25 * peak


def test_deterministic(written: tuple[Path, pl.DataFrame], tmp_path: Path) -> None:
    out, _ = written
    again = write_cned(tmp_path, 2020)[0]
    assert again.sha256 == sha256_file(out / CNED_FILE)
    assert not cned_daily(2021).equals(cned_daily(2020))
