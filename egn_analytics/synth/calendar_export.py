"""The 2019-2020 school calendar written in the format of the official open-data export.

These are public facts (not synthetic): the product ships them so that the calendar loader is
exercised on the same quirks as the real file — ``;``, UTF-8 with BOM, ISO timestamps with the
local offset, ``Date de fin`` = the day classes resume, and the former académies of Caen and
Rouen still listed under their own names.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from egn_analytics.io import atomic_path, sha256_file
from egn_analytics.reference import academies, holidays_2019_2020
from egn_analytics.synth.common import FileRecord, relative

CALENDAR_FILE = "calendrier/fr-en-calendrier-scolaire_2019-2020.csv"
_TZ = {
    "Guadeloupe": "America/Guadeloupe",
    "Martinique": "America/Martinique",
    "Guyane": "America/Cayenne",
    "Réunion": "Indian/Reunion",
    "Mayotte": "Indian/Mayotte",
}
_DESCRIPTIONS = {
    "Toussaint": "Vacances de la Toussaint",
    "Noël": "Vacances de Noël",
    "Hiver": "Vacances d'Hiver",
    "Printemps": "Vacances de Printemps",
    "Pont de l'Ascension": "Pont de l'Ascension",
    "Été": "Vacances d'Été",
}


_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%:z"  # 2020-04-04T00:00:00+02:00 (as datetime.isoformat)


def _iso(column: str) -> pl.Expr:
    """Midnight of a Date column in the zone's local time, as an ISO timestamp with offset."""
    midnight = pl.col(column).cast(pl.Datetime("us"))
    out = midnight.dt.replace_time_zone("Europe/Paris").dt.to_string(_ISO_FORMAT)
    for zone, tz in _TZ.items():
        local = midnight.dt.replace_time_zone(tz).dt.to_string(_ISO_FORMAT)
        out = pl.when(pl.col("zone") == zone).then(local).otherwise(out)
    return out


def calendar_export() -> pl.DataFrame:
    """One row per (holiday period, académie), old académie names (Caen, Rouen) included."""
    acad = academies().select("academie", "zone")
    acad = pl.concat(
        [acad.filter(pl.col("academie") != "Normandie"),
         pl.DataFrame({"academie": ["Caen", "Rouen"], "zone": ["Zone B", "Zone B"]})]
    )  # fmt: skip
    rows = holidays_2019_2020().join(acad, on="zone", how="inner").sort("debut", "academie")
    return rows.select(
        pl.col("vacances").replace(_DESCRIPTIONS).alias("Description"),
        pl.lit("-").alias("Population"),
        _iso("debut").alias("Date de début"),
        _iso("reprise").alias("Date de fin"),
        pl.col("academie").alias("Académies"),
        pl.col("zone").alias("Zones"),
        pl.lit("2019-2020").alias("annee_scolaire"),
    )


def write_calendar(out_dir: Path) -> FileRecord:
    """Write the calendar export atomically and describe it."""
    dest = out_dir / CALENDAR_FILE
    df = calendar_export()
    with atomic_path(dest) as tmp:
        df.write_csv(tmp, separator=";", include_bom=True)
    return FileRecord(
        path=relative(dest, out_dir),
        family="calendrier",
        description="Calendrier scolaire 2019-2020 (faits publics, format de l'export open data)",
        format="csv",
        rows=df.height,
        bytes=dest.stat().st_size,
        sha256=sha256_file(dest),
    )
