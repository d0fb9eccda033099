"""School calendar: the official open-data export → ``calendrier_scolaire``, one row per period.

The export (``fr-en-calendrier-scolaire``) is ``;``-separated UTF-8 with a BOM, header
``Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire``, one row per
(period, académie). Its quirks, and what the loader does with them:

* **dates are ISO timestamps with an offset** (``2020-04-18T00:00:00+02:00``, or the same
  instant in UTC, ``2020-04-17T22:00:00+00:00``): they are converted to the *local date of the
  académie* — Europe/Paris for metropolitan France and Corse, the académie's own time zone
  overseas (Réunion, Mayotte, Antilles, Guyane). Plain dates and offset-less timestamps are
  taken as local already.
* **``Date de fin`` is the day classes resume**: it becomes ``reprise`` (so a period is
  ``debut <= day < reprise``). ``reprise <= debut`` is rejected (« reprise ≤ début »).
* **old académie names** (Caen, Rouen, codes 05/21) map to Normandie (70); the two rows of one
  period then become identical and the second is rejected as « période en double (Caen/Rouen →
  Normandie) » — rows read = accepted + rejected, so the merge shows in the counts rather than
  vanishing. Any other identical period is « période en double ».
* an académie that is not one of the 30 (vice-rectorats of the Pacific…) is rejected
  (« académie inconnue »); an unknown zone label likewise (« zone inconnue »). An empty zone
  takes the académie's zone from the reference.
* ``Description`` → ``vacances`` without its « Vacances de (la) » prefix (« Toussaint »,
  « Noël », « Hiver », « Été »… as in :func:`egn_analytics.reference.holidays_2019_2020`);
  ``Population`` ``-`` (everyone) → null; an empty ``annee_scolaire`` is derived from ``debut``.
* **a line the core could not read** — not valid in the file's encoding (one cp1252 line in
  the UTF-8 export), or cut short — is rejected « encodage invalide (ligne N) » or « ligne
  incomplète (k champs sur n) », never accepted with « � » or empty cells; a readable copy of
  its period after it is kept, not taken for a duplicate.

Input: one export file, or a folder whose ``.csv`` files are stacked (one export per year).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from egn_analytics.loaders._core import (
    LINE_COL,
    META_COLS,
    SHORT_COL,
    SOURCE_COL,
    LoadError,
    LoadResult,
    null_if_empty,
    validate,
)
from egn_analytics.loaders._mapping import Declared, apply_mapping, declare
from egn_analytics.loaders.corpus import (
    attach_academie,
    check_encoding,
    read_table_with_headers,
)
from egn_analytics.reference import ZONES, academie_key_expr, academies
from egn_analytics.schemas.calendar import CalendrierSchema

TABLE = "calendrier_scolaire"
CODE_VERSION = "1"
#: Export column (folded) → raw column; the first four are required.
COLUMNS = {
    "description": "vacances",
    "date_de_debut": "debut",
    "date_de_fin": "reprise",
    "academies": "academie",
    "zones": "zone",
    "population": "population",
    "annee_scolaire": "annee_scolaire",
}
ALIASES = {"academie": "academies", "zone": "zones", "debut": "date_de_debut",
           "fin": "date_de_fin", "date_debut": "date_de_debut", "date_fin": "date_de_fin"}  # fmt: skip
REQUIRED = ("description", "date_de_debut", "date_de_fin", "academies")
#: Roles a ``--map``/``--set`` may name (the calendar's own columns).
ROLES = tuple(COLUMNS.values())
#: Zone → time zone of its local dates (default Europe/Paris).
TIME_ZONES = {
    "Guadeloupe": "America/Guadeloupe",
    "Martinique": "America/Martinique",
    "Guyane": "America/Cayenne",
    "Réunion": "Indian/Reunion",
    "Mayotte": "Indian/Mayotte",
}
DEFAULT_TZ = "Europe/Paris"
KEY = ("code_academie", "zone", "vacances", "debut", "reprise", "population", "annee_scolaire")


def _files(path: Path) -> list[Path]:
    if not path.exists():
        raise LoadError(path, "fichier ou dossier introuvable")
    if path.is_file():
        return [path]
    files = sorted(
        p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith((".csv", ".csv.gz"))
    )
    if not files:
        raise LoadError(path, "aucun export du calendrier scolaire (.csv) dans ce dossier")
    return files


def _read(
    path: Path, encoding: str | None, separator: str | None, declared: Declared | None = None
) -> pl.DataFrame:
    frames = []
    files = _files(path)
    check_encoding(path, encoding)
    export_of = {role: col for col, role in COLUMNS.items()}
    for file in files:
        frame, originals = read_table_with_headers(file, encoding=encoding, separator=separator)
        written = [originals.get(c, c) for c in frame.columns if c not in META_COLS]
        frame = frame.rename({a: c for a, c in ALIASES.items() if a in frame.columns})
        if declared:  # every export of the folder has one layout: each must have the columns
            frame = apply_mapping(frame, file, declared, written, column_of=export_of)
        missing = [c for c in REQUIRED if c not in frame.columns]
        if missing:
            found = ", ".join(originals.values())
            raise LoadError(
                file,
                f"colonne(s) attendue(s) absente(s) : {', '.join(missing)} (trouvées : {found})",
                row=1,
            )
        frames.append(
            frame.select(
                *(
                    (pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.String)).alias(r)
                    for c, r in COLUMNS.items()
                ),
                # The core's reading verdict too: without it a line not valid in the file's
                # encoding was accepted with « � » in its cells (« Vacances d'�t� »).
                SOURCE_COL,
                LINE_COL,
                SHORT_COL,
            )
        )
    return pl.concat(frames, how="vertical")


def local_date(col: str, tz: pl.Expr) -> pl.Expr:
    """Local date of an ISO timestamp with offset (``tz`` names the zone per row)."""
    text = null_if_empty(col)
    aware = pl.coalesce(
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", time_zone="UTC", strict=False),
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_zone="UTC", strict=False),
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%#z", time_zone="UTC", strict=False),
    )
    local = aware.dt.convert_time_zone(DEFAULT_TZ).dt.date()
    for name in sorted(set(TIME_ZONES.values())):
        local = (
            pl.when(tz == name).then(aware.dt.convert_time_zone(name).dt.date()).otherwise(local)
        )
    naive = text.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$", 1)
    return pl.coalesce(local, naive.str.to_date("%Y-%m-%d", strict=False))


def _vacances(col: str) -> pl.Expr:
    text = null_if_empty(col).str.replace(
        r"(?i)^vacances\s+(?:de\s+la\s+|de\s+l['’]|de\s+|d['’]|du\s+|des\s+)", ""
    )
    return text.str.slice(0, 1).str.to_uppercase() + text.str.slice(1)


def load_result(
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """Read, clean and validate a calendar export; see the module docstring.

    ``mapping`` (``{role: column}``) and ``constants`` (``{role: value}``): another layout,
    roles :data:`ROLES` (``--map debut=Start --map reprise=End --set zone="Zone A"``), see
    :mod:`~egn_analytics.loaders._mapping`.
    """
    declared = declare(mapping, constants, ROLES, path=path)
    raw = _read(Path(path), encoding, separator, declared)
    ref = academies().select("code_academie", pl.col("zone").alias("_zone_ref"))
    zones = pl.DataFrame({"_zone_ok": list(ZONES)}).with_columns(
        academie_key_expr("_zone_ok").alias("_zone_key")
    )
    typed = raw.with_columns(
        pl.lit(None, dtype=pl.String).alias("code_academie"),
        pl.col("academie").alias("_academie_brute"),
        pl.col("zone").alias("_zone_brute"),
        pl.col("debut").alias("_debut_brut"),
        pl.col("reprise").alias("_reprise_brut"),
        academie_key_expr(null_if_empty("zone")).alias("_zone_key"),
        _vacances("vacances").alias("vacances"),
        pl.when(null_if_empty("population").is_in(["-", "–"]))
        .then(None)
        .otherwise(null_if_empty("population"))
        .alias("population"),
    )
    typed = (
        attach_academie(typed, "code_academie", "academie")
        .join(ref, on="code_academie", how="left", maintain_order="left")
        .join(zones, on="_zone_key", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_zone_ok", "_zone_ref").alias("zone"))
    )
    tz = pl.col("_zone_ref").replace_strict(TIME_ZONES, default=DEFAULT_TZ)
    typed = typed.with_columns(
        local_date("debut", tz).alias("debut"),
        local_date("reprise", tz).alias("reprise"),
    )
    start_year = pl.col("debut").dt.year() - (pl.col("debut").dt.month() < 8).cast(pl.Int32)
    typed = typed.with_columns(
        pl.coalesce(
            null_if_empty("annee_scolaire"),
            start_year.cast(pl.String) + "-" + (start_year + 1).cast(pl.String),
        ).alias("annee_scolaire")
    )
    old_name = (pl.col("code_academie") == "70") & ~academie_key_expr("_academie_brute").is_in(
        ["normandie", "70"]
    )
    # A row that could not be read as written (encoding, truncated) is never the first copy
    # of a period: it is rejected for that, and the readable copy after it must stay.
    readable = pl.col(SHORT_COL).is_null()
    duplicate = (
        pl.struct([*KEY, readable]).is_first_distinct().not_()
        & readable
        & pl.all_horizontal(pl.col(c).is_not_null() for c in KEY if c != "population")
    )
    checks = [
        ("académie manquante", null_if_empty("_academie_brute").is_null()),
        ("académie inconnue", pl.col("_acad_inconnue").is_not_null()),
        (
            "zone inconnue",
            null_if_empty("_zone_brute").is_not_null() & pl.col("_zone_ok").is_null(),
        ),
        ("date impossible", _bad_date("debut") | _bad_date("reprise")),
        ("reprise ≤ début", pl.col("reprise") <= pl.col("debut")),
        ("période en double (Caen/Rouen → Normandie)", duplicate & old_name),
        ("période en double", duplicate & old_name.not_()),
    ]
    result = validate(raw, typed, CalendrierSchema, checks=checks, table=TABLE)
    result.layout = declared.record()
    return result


def _bad_date(col: str) -> pl.Expr:
    """A date was written but is not a date (« 2020-02-31T00:00:00+01:00 »)."""
    written = "_debut_brut" if col == "debut" else "_reprise_brut"
    return null_if_empty(written).is_not_null() & pl.col(col).is_null()


def load(path: str | Path, **options: Any) -> pl.LazyFrame:
    """The validated calendar table (rejects dropped; use :func:`load_result` for them)."""
    return load_result(path, **options).data.lazy()
