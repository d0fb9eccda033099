"""End to end on generated data: synth → ingest (académie partitions) → national series.

The generator makes ENT use jump about ×3 in the week of 16 March (closure of schools);
the national daily series computed from the ingested events must show it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app
from egn_analytics.usage import daily_table, national_daily

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    out = tmp_path_factory.mktemp("processed")
    runner = CliRunner()
    only = ["--only", "etablissements", "--only", "ent"]
    res = runner.invoke(
        app, ["synth", "--out", str(raw), "--scale", "0.05", "--ent-events", "200000", *only]
    )
    assert res.exit_code == 0, res.output
    etab_csv = next((raw / "etablissements").glob("*.csv"))
    res = runner.invoke(app, ["ingest", "etablissements", str(etab_csv), "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        ["ingest", "ent-logs", str(raw / "ent" / "logs"), "--out", str(out),
         "--etablissements", str(out / "etablissements.parquet")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return out


def test_week_of_16_march_jumps_about_three_times(processed: Path) -> None:
    events = processed / "ent_evenements"
    assert any(events.glob("mois=2020-03/code_academie=*"))
    nat = national_daily(events, processed / "etablissements.parquet")
    per_day = nat.group_by("jour").agg(pl.col("evenements", "utilisateurs").sum())
    weekday = pl.col("jour").dt.weekday() <= 5

    def mean(a: dt.date, b: dt.date) -> tuple[float, float]:
        sel = per_day.filter(weekday & pl.col("jour").is_between(a, b))
        return sel.get_column("evenements").mean(), sel.get_column("utilisateurs").mean()  # type: ignore[return-value]

    # Before any zone's winter holidays (zone C starts on 8 February): every zone at school.
    ev0, us0 = mean(dt.date(2020, 1, 6), dt.date(2020, 2, 7))
    ev1, us1 = mean(dt.date(2020, 3, 16), dt.date(2020, 3, 20))
    assert 2.4 < ev1 / ev0 < 3.6
    assert us1 / us0 > 1.8  # visits get longer too, so users grow less than events


def test_national_users_not_a_sum_of_academies(processed: Path) -> None:
    events = processed / "ent_evenements"
    etab = processed / "etablissements.parquet"
    daily = daily_table(events, etab)
    nat = national_daily(events, etab)
    # Events and visits add up across académies; users can only be fewer nationally.
    sums = daily.group_by("jour", "profil").agg(
        pl.col("evenements", "visites", "utilisateurs").sum()
    )
    both = nat.join(sums, on=["jour", "profil"], suffix="_acad")
    assert (both["evenements"] == both["evenements_acad"]).all()
    assert (both["visites"] == both["visites_acad"]).all()
    assert (both["utilisateurs"] <= both["utilisateurs_acad"]).all()
