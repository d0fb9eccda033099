"""The daily table on a Dask cluster equals the single-process one (``daily_table``).

Events: a few thousand random but seeded events over three months, several académies, with
what the definitions care about (duplicates, gaps on both sides of 30 minutes and of exactly
30, visits across midnight, the DST night, an unknown UAI), written in the ingested layout by
the helper of ``tests/usage/conftest.py``. A local cluster of two worker processes must give
exactly the same frame (values, dtypes, row order).
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from egn_analytics.schemas.ent import PROFILS, TIMEZONE
from egn_analytics.usage import DAILY_SCHEMA, daily_table
from egn_analytics.usage.distributed import daily_table_dask
from tests.usage.conftest import EVENT_SCHEMA, UNKNOWN_UAI, write_events

pytestmark = pytest.mark.integration
pytest.importorskip("distributed")

REPO = Path(__file__).resolve().parents[2]
MONTHS = ((2020, 3), (2020, 4), (2020, 5))
#: (uai, code_academie): three académies, several établissements each.
ETAB = [(f"{i:07d}{'ABCDEFGHJ'[i % 9]}", f"{1 + i % 4:02d}") for i in range(1, 13)]
#: Gaps between a user's events within a visit (seconds): both sides of 30 minutes, and 30:00.
GAPS = np.array([5, 40, 300, 1_740, 1_800, 1_801, 1_860, 7_200])


def random_events(seed: int = 7, n_users: int = 150) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    users = [f"{rng.integers(0, 2**63):032x}" for _ in range(n_users)]
    uais = [u for u, _ in ETAB] + [UNKNOWN_UAI]
    user_uai = rng.integers(0, len(uais), n_users)
    user_profil = rng.integers(0, len(PROFILS), n_users)
    rows: dict[str, list[object]] = {"t": [], "u": [], "p": [], "uai": [], "url": [], "s": []}
    for year, month in MONTHS:
        for k in range(n_users):
            for _ in range(rng.integers(0, 4)):  # sessions this month
                day = int(rng.integers(1, 27))
                # Late evenings often, so that sessions cross midnight; the DST night too.
                hour = int(rng.choice([1, 8, 10, 14, 20, 23]))
                t = dt.datetime(year, month, day, hour, int(rng.integers(0, 60)))
                for _ in range(rng.integers(1, 12)):
                    rows["t"].append(t)
                    rows["u"].append(users[k])
                    rows["p"].append(PROFILS[user_profil[k]])
                    rows["uai"].append(uais[user_uai[k]])
                    rows["url"].append(None if rng.random() < 0.05 else f"/s{rng.integers(3)}")
                    rows["s"].append(int(rng.choice([200, 200, 302, 404])))
                    t += dt.timedelta(seconds=int(rng.choice(GAPS)))
    # The DST night: 01:59 CET then 03:00 CEST on 29 March 2020 are one minute apart.
    for t in (dt.datetime(2020, 3, 29, 1, 59), dt.datetime(2020, 3, 29, 3, 0)):
        rows["t"].append(t)
        rows["u"].append(users[0])
        rows["p"].append(PROFILS[user_profil[0]])
        rows["uai"].append(uais[user_uai[0]])
        rows["url"].append("/s0")
        rows["s"].append(200)
    df = pl.DataFrame(
        {
            "horodatage": pl.Series(rows["t"], dtype=pl.Datetime("us")).dt.replace_time_zone(
                TIMEZONE, ambiguous="earliest", non_existent="null"
            ),
            "id_utilisateur": rows["u"],
            "profil": pl.Series(rows["p"], dtype=pl.Enum(PROFILS)),
            "uai": rows["uai"],
            "projet_ent": "P",
            "service": "messagerie",
            "url": rows["url"],
            "statut_http": pl.Series(rows["s"], dtype=pl.Int16),
            "duree_ms": pl.Series(rng.integers(0, 500, len(rows["t"])), dtype=pl.Int32),
        }
    ).drop_nulls("horodatage")
    # Providers re-send lines: 3 % of the events again, with another duration.
    dup = df.sample(fraction=0.03, seed=seed).with_columns(pl.col("duree_ms") + 1)
    # Sessions started late in a month stay in it (day ≤ 26), so months are whole.
    return pl.concat([df, dup]).sample(fraction=1.0, shuffle=True, seed=seed).cast(EVENT_SCHEMA)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def etab() -> pl.DataFrame:
    return pl.DataFrame(ETAB, schema=["uai", "code_academie"], orient="row").with_columns(
        pl.lit("Public").alias("secteur")
    )


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    df = random_events()
    assert 2_000 < df.height < 20_000
    return df


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory, events: pl.DataFrame) -> Path:
    """``mois=YYYY-MM/part-….parquet`` (ingested without the établissements)."""
    return write_events(tmp_path_factory.mktemp("flat") / "ent_evenements", events)


def test_local_cluster_equals_daily_table(
    flat: Path, etab: pl.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    expected = daily_table(flat, etab)
    assert expected.height > 100 and expected["code_academie"].n_unique() == 4
    assert sorted(p.name for p in flat.iterdir()) == ["mois=2020-03", "mois=2020-04",
                                                       "mois=2020-05"]  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="egn_analytics.usage.distributed"):
        got = daily_table_dask(flat, etab)  # its own LocalCluster, closed at the end
    assert_frame_equal(got, expected)
    assert got.schema == DAILY_SCHEMA
    # The unknown UAI's events are excluded on the workers and the warning comes back here.
    relayed = [r for r in caplog.records if r.name == "egn_analytics.usage.distributed"]
    assert relayed and all("mois=2020-0" in r.getMessage() for r in relayed)


def test_existing_cluster_by_client_and_by_address(
    tmp_path: Path, events: pl.DataFrame, etab: pl.DataFrame
) -> None:
    from distributed import Client, LocalCluster

    # Partitioned by académie too (ingestion with the établissements table).
    by_acad = write_events(tmp_path / "ent_evenements", events, by_academie=etab)
    assert any(by_acad.glob("mois=*/code_academie=*"))
    etab_file = tmp_path / "etablissements.parquet"
    etab.write_parquet(etab_file)
    expected = daily_table(by_acad, etab)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                     host="127.0.0.1", scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}
                     ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):  # fmt: skip
        assert_frame_equal(daily_table_dask(by_acad, etab_file, client=client), expected)
        assert client.status == "running"  # a client we were given is left open
        got = daily_table_dask(str(by_acad), etab, address=cluster.scheduler_address)
        assert_frame_equal(got, expected)
        with pytest.raises(ValueError, match="client ou address"):
            daily_table_dask(by_acad, etab, client=client, address=cluster.scheduler_address)
        # Errors of the workers come back as themselves (here: no partition at all).
        with pytest.raises(ValueError, match="aucune partition"):
            daily_table_dask(tmp_path, etab, client=client)


def test_library_imports_without_dask() -> None:
    code = (
        "import sys; sys.modules['dask'] = sys.modules['distributed'] = None\n"
        "import polars as pl\n"
        "import egn_analytics.usage.distributed as m\n"
        "etab = pl.DataFrame({'uai': ['0000001A'], 'code_academie': ['01']})\n"
        "try:\n    m.daily_table_dask('.', etab)\nexcept ImportError as e:\n    print(e)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert "egn-analytics[distributed]" in run.stdout
