"""Tiny handmade ENT logs in the ingested layout (``mois=YYYY-MM/*.parquet``), and a tiny
établissements table, so that every expected count in the usage tests can be worked out by
hand from the rows written here.

Établissements: ``0000001A`` école in Paris (01, zone C), ``0000002B`` collège in
Aix-Marseille (02, zone B), ``0000003C`` lycée in Besançon (03, zone A, no ENT project).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.schemas.ent import PROFILS, TIMEZONE

U1, U2, U3 = "0000001A", "0000002B", "0000003C"
UNKNOWN_UAI = "9999999Z"

EVENT_SCHEMA = {
    "horodatage": pl.Datetime("us", TIMEZONE),
    "id_utilisateur": pl.String,
    "profil": pl.Enum(PROFILS),
    "uai": pl.String,
    "projet_ent": pl.String,
    "service": pl.String,
    "url": pl.String,
    "statut_http": pl.Int16,
    "duree_ms": pl.Int32,
}

Row = (
    tuple[str, str, str, str] | tuple[str, str, str, str, int] | tuple[str, str, str, str, int, str]
)


def events_frame(rows: list[Row]) -> pl.DataFrame:
    """(local wall-clock time, user, profile, UAI[, HTTP status[, service]]) → typed events.

    Times are Paris wall-clock strings (``2020-03-29 03:00:00``), as the ingestion stores
    them; the URL is ``/`` + service, so two rows differing only by service are not duplicates.
    """
    full = [(*r, *((200, "messagerie")[len(r) - 4 :])) for r in rows]
    df = pl.DataFrame(
        full,
        schema={"t": pl.String, "id_utilisateur": pl.String, "profil": pl.String,
                "uai": pl.String, "statut_http": pl.Int64, "service": pl.String},
        orient="row",
    )  # fmt: skip
    return df.select(
        pl.col("t")
        .str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us")
        .dt.replace_time_zone(TIMEZONE)
        .alias("horodatage"),
        "id_utilisateur",
        pl.col("profil").cast(pl.Enum(PROFILS)),
        "uai",
        pl.col("uai").replace_strict({U1: "P1", U2: "P2"}, default=None).alias("projet_ent"),
        "service",
        ("/" + pl.col("service")).alias("url"),
        pl.col("statut_http").cast(pl.Int16),
        pl.lit(100, pl.Int32).alias("duree_ms"),
    ).cast(EVENT_SCHEMA)  # type: ignore[arg-type]


def write_events(root: Path, events: pl.DataFrame, by_academie: pl.DataFrame | None = None) -> Path:
    """Write events as the ingestion does: one folder per LOCAL month (``mois=YYYY-MM``), and
    a ``code_academie=NN`` level when ``by_academie`` (the établissements) is given."""
    keyed = events.with_columns(pl.col("horodatage").dt.strftime("%Y-%m").alias("_mois"))
    if by_academie is not None:
        keyed = keyed.join(by_academie.select("uai", "code_academie"), on="uai", how="inner")
    keys = ["_mois", "code_academie"] if by_academie is not None else ["_mois"]
    for key, part in keyed.partition_by(keys, as_dict=True, include_key=False).items():
        folder = root / f"mois={key[0]}"
        if by_academie is not None:
            folder = folder / f"code_academie={key[1]}"
        folder.mkdir(parents=True, exist_ok=True)
        part.write_parquet(folder / "part-0000-00000.parquet")
    return root


@pytest.fixture
def etab() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "uai": [U1, U2, U3],
            "type": ["Ecole", "Collège", "Lycée"],
            "secteur": ["Public", "Public", "Privé"],
            "code_departement": ["75", "13", "25"],
            "code_academie": ["01", "02", "03"],
            "code_region_academique": ["11", "93", "27"],
            "ep": ["REP", "Hors EP", "Hors EP"],
            "eleves": [100, 200, 300],
            "enseignants": [10, 20, 30],
            "projet_ent": ["P1", "P2", None],
        }
    )


@pytest.fixture
def make_events(tmp_path: Path) -> Callable[..., Path]:
    """Write handmade rows to ``tmp_path/<name>/ent_evenements`` and return that folder."""

    def make(rows: list[Row], name: str = "ds", by_academie: pl.DataFrame | None = None) -> Path:
        return write_events(tmp_path / name / "ent_evenements", events_frame(rows), by_academie)

    return make
