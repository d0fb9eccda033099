"""The daily table and its definitions, on handmade logs whose counts are worked out by hand.

Every row of ``ROWS`` is commented with what it tests; the expected tables below were
computed by hand from those comments, not by running the code.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from egn_analytics import usage
from egn_analytics.usage import (
    DAILY_SCHEMA,
    daily_partition,
    daily_report,
    daily_table,
    national_daily,
    scan_partition,
    usage_by,
    weekly,
    write_daily,
)
from tests.usage.conftest import U1, U2, U3, UNKNOWN_UAI, Row

ROWS: list[Row] = [
    # a: one pupil in two académies on the same day (one visit, opened in 01)
    ("2020-01-07 10:00:00", "a", "élève", U1),
    ("2020-01-07 10:05:00", "a", "élève", U2),
    # b: 10:29 → 11:00 is a 31-minute gap (new visit); 11:00 → 11:30 is exactly 30 (same visit)
    ("2020-01-07 10:00:00", "b", "élève", U1),
    ("2020-01-07 10:29:00", "b", "élève", U1),
    ("2020-01-07 11:00:00", "b", "élève", U1),
    ("2020-01-07 11:30:00", "b", "élève", U1),
    # c: the same event twice (counted once), and one differing by status (counted)
    ("2020-01-07 09:00:00", "c", "parent", U1),
    ("2020-01-07 09:00:00", "c", "parent", U1),
    ("2020-01-07 09:00:00", "c", "parent", U1, 304),
    # d: a visit across midnight (15 minutes) is cut into two days
    ("2020-01-08 23:50:00", "d", "enseignant", U2),
    ("2020-01-09 00:05:00", "d", "enseignant", U2),
    # e: unknown UAI, excluded and reported
    ("2020-01-07 10:00:00", "e", "élève", UNKNOWN_UAI),
    # h: ISO week of Monday 27 January runs into February (another partition)
    ("2020-01-27 08:00:00", "h", "enseignant", U1),
    ("2020-02-01 08:00:00", "h", "enseignant", U1),
    # f: DST, 29 March 2020: 01:59 CET and 03:00 CEST are one minute apart, same day, one visit
    ("2020-03-29 01:59:00", "f", "élève", U3),
    ("2020-03-29 03:00:00", "f", "élève", U3),
    ("2020-03-29 03:20:00", "f", "élève", U3),
]

D = dt.date
EXPECTED_DAILY = pl.DataFrame(
    [
        (D(2020, 1, 7), "01", "parent", 2, 1, 1),  # c: duplicate dropped, 304 kept
        (D(2020, 1, 7), "01", "élève", 5, 3, 2),  # a (1 event, its visit) + b (4 events, 2 visits)
        (D(2020, 1, 7), "02", "élève", 1, 0, 1),  # a: counted as a user here, visit opened in 01
        (D(2020, 1, 8), "02", "enseignant", 1, 1, 1),
        (D(2020, 1, 9), "02", "enseignant", 1, 1, 1),
        (D(2020, 1, 27), "01", "enseignant", 1, 1, 1),
        (D(2020, 2, 1), "01", "enseignant", 1, 1, 1),
        (D(2020, 3, 29), "03", "élève", 3, 1, 1),
    ],
    schema=DAILY_SCHEMA,
    orient="row",
)


@pytest.fixture
def events_dir(make_events: Callable[..., Path]) -> Path:
    return make_events(ROWS)


def test_daily_table_counts_by_hand(events_dir: Path, etab: pl.DataFrame) -> None:
    table = daily_table(events_dir, etab)
    assert table.schema == DAILY_SCHEMA
    assert_frame_equal(table, EXPECTED_DAILY)


def test_unknown_uai_is_excluded_and_reported(
    events_dir: Path, etab: pl.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="egn_analytics.usage.daily"):
        report = daily_report(events_dir, etab)
    assert (report.unmatched_events, report.unmatched_uai, report.partitions) == (1, 1, 3)
    assert "1 événement(s) exclu(s)" in caplog.text
    assert report.table.get_column("code_academie").null_count() == 0


def test_national_counts_a_two_academie_user_once(events_dir: Path, etab: pl.DataFrame) -> None:
    nat = national_daily(events_dir, etab).filter(pl.col("jour") == D(2020, 1, 7))
    expected = pl.DataFrame(
        [(D(2020, 1, 7), "parent", 2, 2, 1, 1), (D(2020, 1, 7), "élève", 6, 6, 3, 2)],
        schema={"jour": pl.Date, "profil": pl.String, "evenements": pl.Int64,
                "pages": pl.Int64, "visites": pl.Int64, "utilisateurs": pl.Int64},
        orient="row",
    )  # fmt: skip
    assert_frame_equal(nat, expected)
    # Sum of académies: 2 élève users; the national count is 2 as well but a is counted once:
    # 01 has {a, b}, 02 has {a} → 3 académie-users, 2 national users.
    day = EXPECTED_DAILY.filter((pl.col("jour") == D(2020, 1, 7)) & (pl.col("profil") == "élève"))
    assert day.get_column("utilisateurs").sum() == 3


def test_weekly_distinct_users_across_a_month_boundary(
    events_dir: Path, etab: pl.DataFrame
) -> None:
    week = weekly(events_dir, etab, by=[])
    expected = pl.DataFrame(
        [
            # 6-12 Jan: a, b, c, d (a counted once); visits 3 + 1 + 1 + 1
            (D(2020, 1, 6), 10, 10, 6, 4),
            # 27 Jan - 2 Feb: h on Monday (January) and Saturday (February): one user
            (D(2020, 1, 27), 2, 2, 2, 1),
            (D(2020, 3, 23), 3, 3, 1, 1),
        ],
        schema={"semaine": pl.Date, "evenements": pl.Int64, "pages": pl.Int64,
                "visites": pl.Int64, "utilisateurs": pl.Int64},
        orient="row",
    )  # fmt: skip
    assert_frame_equal(week, expected)
    by_acad = weekly(events_dir, etab).filter(pl.col("semaine") == D(2020, 1, 6))
    assert by_acad.select("code_academie", "profil", "utilisateurs").rows() == [
        ("01", "parent", 1),
        ("01", "élève", 2),
        ("02", "enseignant", 1),
        ("02", "élève", 1),
    ]


def test_dst_day_hours(events_dir: Path, etab: pl.DataFrame) -> None:
    day = daily_table(events_dir, etab).filter(pl.col("jour") == D(2020, 3, 29))
    assert day.select("evenements", "visites", "utilisateurs").row(0) == (3, 1, 1)


def test_daily_partition_reads_one_month(events_dir: Path, etab: pl.DataFrame) -> None:
    part = daily_partition(scan_partition(events_dir / "mois=2020-03"), etab)
    assert_frame_equal(part, EXPECTED_DAILY.filter(pl.col("jour").dt.month() == 3))


def test_daily_table_runs_month_by_month(
    events_dir: Path, etab: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bounded memory: each partition is scanned on its own, never the whole history."""
    seen: list[str] = []
    original = usage.daily.scan_partition

    def spy(part: str | Path) -> pl.LazyFrame:
        seen.append(Path(part).name)
        return original(part)

    monkeypatch.setattr(usage.daily, "scan_partition", spy)
    daily_table(events_dir, etab)
    assert seen == ["mois=2020-01", "mois=2020-02", "mois=2020-03"]


def test_academie_partition_layout_gives_the_same_table(
    make_events: Callable[..., Path], etab: pl.DataFrame
) -> None:
    """With ``code_academie=NN`` folders (ingestion with a reference: unknown UAIs rejected)."""
    nested = make_events(ROWS, name="nested", by_academie=etab)
    assert any(nested.glob("mois=2020-01/code_academie=01/*.parquet"))
    report = daily_report(nested, etab)
    assert report.unmatched_events == 0
    assert_frame_equal(report.table, EXPECTED_DAILY)


def test_partition_academie_wins_over_the_reference(
    make_events: Callable[..., Path], etab: pl.DataFrame
) -> None:
    """The académie written at ingestion is kept even if the reference changed since."""
    nested = make_events(ROWS, name="nested", by_academie=etab)
    moved = etab.with_columns(
        pl.when(pl.col("uai") == U3)
        .then(pl.lit("70"))
        .otherwise("code_academie")
        .alias("code_academie")
    )
    table = daily_table(nested, moved)
    assert table.filter(pl.col("jour") == D(2020, 3, 29)).get_column("code_academie").to_list() == [
        "03"
    ]


def test_write_daily_is_atomic_and_equal(
    events_dir: Path, etab: pl.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "quotidien.parquet"
    report = write_daily(events_dir, out, etab)
    assert_frame_equal(pl.read_parquet(out), EXPECTED_DAILY)
    assert report.table.height == EXPECTED_DAILY.height
    assert [p.name for p in out.parent.iterdir()] == ["quotidien.parquet"]


def test_usage_by_degree_and_pages(make_events: Callable[..., Path], etab: pl.DataFrame) -> None:
    rows: list[Row] = [
        ("2020-01-10 10:00:00", "s", "élève", U1, 200, "accueil"),
        ("2020-01-10 10:01:00", "s", "élève", U1, 404, "messagerie"),
        ("2020-01-10 10:02:00", "s", "élève", U1, 200, "accueil"),
        ("2020-01-10 10:03:00", "t", "enseignant", U2, 503, "accueil"),
        ("2020-01-10 12:00:00", "s", "élève", U2, 200, "accueil"),  # s: second visit, in 02
    ]
    ds = make_events(rows)
    deg = usage_by(ds, etab, by=["degre"])
    assert deg.rows() == [
        # jour, degre, evenements, pages (< 400), visites, utilisateurs
        (D(2020, 1, 10), "1er degré", 3, 2, 1, 1),
        (D(2020, 1, 10), "2nd degré", 2, 1, 2, 2),
    ]
    # By service a visit counts in every service it used: s's first visit used both.
    svc = usage_by(ds, etab, by=["service"], freq="week")
    assert svc.rows() == [
        (D(2020, 1, 6), "accueil", 4, 3, 3, 2),
        (D(2020, 1, 6), "messagerie", 1, 0, 1, 1),
    ]
    more = usage_by(ds, etab, by=["code_region_academique", "secteur", "ep", "projet_ent"])
    assert more.select("code_region_academique", "projet_ent", "utilisateurs").rows() == [
        ("11", "P1", 1),
        ("93", "P2", 2),
    ]


def test_bad_arguments_are_french_one_liners(
    tmp_path: Path, etab: pl.DataFrame, events_dir: Path
) -> None:
    with pytest.raises(ValueError, match="dossier des événements introuvable"):
        daily_table(tmp_path / "absent", etab)
    (tmp_path / "vide").mkdir()
    with pytest.raises(ValueError, match="aucune partition mois=AAAA-MM"):
        daily_table(tmp_path / "vide", etab)
    with pytest.raises(ValueError, match="ventilation inconnue : couleur"):
        usage_by(tmp_path, etab, by=["couleur"])
    with pytest.raises(ValueError, match="table des établissements introuvable"):
        daily_table(events_dir, tmp_path / "etab.parquet")


def test_hash_sort_and_text_sort_give_the_same_visits(events_dir: Path, etab: pl.DataFrame) -> None:
    """The fallback used when two pseudonyms share a hash gives the very same counts."""
    from egn_analytics.usage import daily

    lf = usage.scan_partition(next(iter(usage.month_partitions(events_dir))))
    matched, _ = daily._prepared(lf, etab, ("code_academie", "profil"))
    by = ("code_academie", "profil")
    fast = daily._aggregate(daily._with_visits(matched), by, "day").collect().drop("_collisions")
    text = daily._aggregate(daily._with_visits(matched, by_hash=False), by, "day")
    text = text.collect().drop("_collisions")
    keys = ["jour", *by]
    assert_frame_equal(fast.sort(keys), text.sort(keys))


def test_a_hash_collision_falls_back_to_the_text_sort(
    events_dir: Path, etab: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Force every pseudonym onto one hash: the month is redone and the counts do not move."""
    from egn_analytics.usage import daily

    expected = daily_table(events_dir, etab)
    real = daily._with_visits

    def colliding(ev: pl.LazyFrame, **kw: bool) -> pl.LazyFrame:
        if kw.get("by_hash", True):
            ev = ev.with_columns(pl.col("id_utilisateur").alias("_vrai_id"))
            out = real(ev.with_columns(pl.lit("x").alias("id_utilisateur")), **kw)
            flagged = out.with_columns(pl.lit(True).alias("_collision"))
            return flagged.with_columns(pl.col("_vrai_id").alias("id_utilisateur"))
        return real(ev, **kw)

    monkeypatch.setattr(daily, "_with_visits", colliding)
    assert_frame_equal(daily_table(events_dir, etab), expected)


def test_broken_partition_files_are_named(
    tmp_path: Path, events_dir: Path, etab: pl.DataFrame
) -> None:
    """Empty, truncated or foreign files in a partition: one line naming the file."""
    good = next(iter(sorted(events_dir.rglob("*.parquet"))))
    cases = {
        "vide": b"",
        "tronque": good.read_bytes()[: max(1, good.stat().st_size // 2)],
        "texte": "horodatage;login\né;x\n".encode("cp1252"),
    }
    for name, content in cases.items():
        part = tmp_path / name / "mois=2020-03"
        part.mkdir(parents=True)
        (part / "part-0.parquet").write_bytes(content)
        with pytest.raises(
            ValueError, match=r"part-0\.parquet : fichier Parquet illisible ou tronqué"
        ):
            daily_table(tmp_path / name, etab)
    other = tmp_path / "autre" / "mois=2020-03"
    other.mkdir(parents=True)
    pl.DataFrame({"a": [1]}).write_parquet(other / "p.parquet")
    with pytest.raises(ValueError, match=r"p\.parquet : colonne\(s\) absente\(s\) : horodatage"):
        daily_table(tmp_path / "autre", etab)
