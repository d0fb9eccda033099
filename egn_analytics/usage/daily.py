"""ENT usage per day, académie and profile: the core table of the continuity indicators.

Everything here reads the ingested events (``egn build`` / ``egn ingest ent-logs``:
``ent_evenements/mois=YYYY-MM[/code_academie=NN]/*.parquet``) **one month partition at a
time** (one month and up to six days of the next one for weekly figures), so the memory
depends on the busiest month, never on the length of the history. Distinct counts are exact
(no HyperLogLog): a month of events fits in memory, a year does not have to.

Definitions (these are the product's definitions; the tests check them on handmade logs)
-----------------------------------------------------------------------------------------

**Day** (``jour``): the Europe/Paris local calendar day of ``horodatage``. Durations are real
elapsed time, so 29 March 2020 (23 hours) and 25 October 2020 (25 hours) need nothing special:
01:59 and 03:00 on 29 March are one minute apart and on the same day.

**Duplicates**: events identical on (``horodatage``, ``id_utilisateur``, ``uai``, ``url``,
``statut_http``) count once (providers re-send log lines when an export is retried). A
pseudonym belongs to one profile, so ``profil`` is not part of the key; a null ``url`` equals a
null ``url``.

**Académie**: the ``code_academie`` partition when the dataset has one, else the académie of
the event's UAI in the établissements table. Events whose académie is unknown (UAI absent from
the table) are **excluded from every count** and reported apart (:class:`DailyReport`,
``unmatched_*``, and a ``logging`` warning): putting them under a null académie would make the
national total differ from the sum of académies for a reason nobody can see in the table, and
an unknown UAI is a reference problem to fix, not a territory. They are removed before visits
are built, so they neither open nor extend a visit.

**Visit** (``visites``): a user's events sorted by time (whatever the établissement); a new
visit starts at the user's first event, after **more than 30 minutes** without an event (a gap
of exactly 30:00 continues the visit), or when the local day changes (a visit running across
midnight is two visits, one per day, so a day's figures never depend on the next day). A visit
is attributed to the académie, établissement and profile of its **first** event; visits
therefore add up across académies. (Breakdowns by ``service`` in :func:`usage_by` count a visit
in every service it used, see there.)

**Users** (``utilisateurs``): exact number of distinct pseudonyms with at least one counted
event in the group and period. A user active in two académies on a day counts once in each
académie and once in the national count: national and weekly figures are computed from the
events (:func:`national_daily`, :func:`weekly`), never by summing académies or days.

**Events** (``evenements``): counted (deduplicated, matched) requests, any HTTP status;
**pages** (``pages``, :func:`usage_by`): those with ``statut_http < 400``.

**Week** (``semaine``): ISO week (Monday to Sunday, local days), given by its Monday's date.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from egn_analytics.generations import tables_folder
from egn_analytics.io import atomic_path

log = logging.getLogger(__name__)

#: Columns of the daily table (:func:`daily_partition`, :func:`daily_table`), in order.
DAILY_SCHEMA = pl.Schema(
    {
        "jour": pl.Date(),
        "code_academie": pl.String(),
        "profil": pl.String(),
        "evenements": pl.Int64(),
        "visites": pl.Int64(),
        "utilisateurs": pl.Int64(),
    }
)
DAILY_KEYS = ("jour", "code_academie", "profil")
#: What makes two events the same event (counted once).
DEDUP_KEY = ("horodatage", "id_utilisateur", "uai", "url", "statut_http")
#: Inactivity that ends a visit: a longer gap starts a new one.
VISIT_GAP = dt.timedelta(minutes=30)
METRICS = ("evenements", "pages", "visites", "utilisateurs")

Freq = Literal["day", "week"]

#: Grouping keys accepted by :func:`usage_by` → where they come from.
#: ``degre`` is derived from the établissement type (école → 1er degré, else 2nd degré).
ETAB_KEYS = ("code_academie", "code_region_academique", "code_departement", "secteur", "ep",
             "type", "degre")  # fmt: skip
EVENT_KEYS = ("profil", "projet_ent", "service", "uai")
BY_KEYS = (*EVENT_KEYS, *ETAB_KEYS)

_BASE = ("horodatage", "id_utilisateur", "profil", "uai", "url", "statut_http")
_PARTITION_DTYPES = {"code_academie": pl.String()}


# --------------------------------------------------------------------------- inputs


def default_etablissements(events_dir: str | Path | None = None) -> Path:
    """The établissements table of the build that holds ``events_dir`` (the one beside it),
    else the processed one (``data/processed`` or ``EGN_DATA_DIR``), pinned to one generation."""
    if events_dir is not None:
        beside = Path(events_dir).resolve().parent / "etablissements.parquet"
        if beside.is_file():
            return beside
    return tables_folder() / "etablissements.parquet"


def read_etablissements(
    etablissements: pl.DataFrame | str | Path | None, events_dir: str | Path | None = None
) -> pl.DataFrame:
    """The établissements table from a frame, a Parquet path, or the default one
    (:func:`default_etablissements` of ``events_dir``)."""
    if isinstance(etablissements, pl.DataFrame):
        etab = etablissements
    else:
        path = (
            Path(etablissements)
            if etablissements is not None
            else default_etablissements(events_dir)
        )
        if not path.is_file():
            raise ValueError(f"table des établissements introuvable : {path}")
        etab = pl.read_parquet(path)
    missing = {"uai", "code_academie"} - set(etab.columns)
    if missing:
        raise ValueError(f"table des établissements sans colonne(s) {', '.join(sorted(missing))}")
    return etab


def _lookup(etab: pl.DataFrame, keys: Sequence[str]) -> pl.LazyFrame:
    """UAI → the établissement attributes needed by ``keys`` (``_acad_ref`` always)."""
    cols: list[pl.Expr] = [
        pl.col("uai"),
        pl.col("code_academie").cast(pl.String).alias("_acad_ref"),
    ]
    for key in keys:
        if key == "degre":
            if "type" not in etab.columns:
                raise ValueError("table des établissements sans colonne type (degré)")
            cols.append(
                pl.when(pl.col("type").cast(pl.String) == "Ecole")
                .then(pl.lit("1er degré"))
                .when(pl.col("type").is_not_null())
                .then(pl.lit("2nd degré"))
                .alias("degre")
            )
        elif key in ETAB_KEYS and key != "code_academie":
            if key not in etab.columns:
                raise ValueError(f"table des établissements sans colonne {key}")
            cols.append(pl.col(key).cast(pl.String))
    return etab.lazy().select(cols).unique(subset=["uai"], keep="first", maintain_order=True)


def month_partitions(events_dir: str | Path) -> list[Path]:
    """The ``mois=YYYY-MM`` folders of an events dataset, in time order.

    Raises ``ValueError`` (French, one line) when the folder is missing or holds no partition,
    because an empty table would silently read as "no activity".
    """
    root = Path(events_dir)
    if not root.is_dir():
        raise ValueError(f"dossier des événements introuvable : {root}")
    parts = sorted(p for p in root.glob("mois=*") if p.is_dir())
    if not parts:
        raise ValueError(
            f"{root} : aucune partition mois=AAAA-MM (dossier ent_evenements produit par "
            f"« egn build » ou « egn ingest ent-logs »)"
        )
    for p in parts:
        try:
            dt.date.fromisoformat(p.name.removeprefix("mois=") + "-01")
        except ValueError:
            raise ValueError(f"partition mal nommée : {p} (attendu mois=AAAA-MM)") from None
    return parts


def scan_partition(part: str | Path) -> pl.LazyFrame:
    """The events of one ``mois=…`` folder, with ``code_academie`` when it is a sub-partition."""
    part = Path(part)
    files = sorted(f for f in part.rglob("*.parquet") if not f.name.startswith("."))
    if not files:
        raise ValueError(f"{part} : aucun fichier Parquet")
    for file in files:  # footers only: a broken file is named here, not deep in a query
        try:
            names = pl.read_parquet_schema(file)
        except Exception as exc:  # Polars / Arrow errors: one clear line naming the file
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"{file} : fichier Parquet illisible ou tronqué ({first})") from exc
        missing = [c for c in _BASE if c not in names]
        if missing:
            raise ValueError(f"{file} : colonne(s) absente(s) : {', '.join(missing)}")
    if any(part.glob("code_academie=*")):
        return pl.scan_parquet(part, hive_partitioning=True, hive_schema=_PARTITION_DTYPES)
    return pl.scan_parquet(files, hive_partitioning=False)


def _month_of(part: Path) -> dt.date:
    return dt.date.fromisoformat(part.name.removeprefix("mois=") + "-01")


# --------------------------------------------------------------------------- engine


def _prepared(
    events: pl.LazyFrame, etab: pl.DataFrame, keys: Sequence[str]
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(matched deduplicated events with ``jour`` and the keys' columns, unmatched summary)."""
    names = events.collect_schema().names()
    missing = [c for c in _BASE if c not in names]
    if missing:
        raise ValueError(f"événements sans colonne(s) {', '.join(missing)}")
    extra = [k for k in ("projet_ent", "service") if k in keys]
    for k in extra:
        if k not in names:
            raise ValueError(f"événements sans colonne {k}")
    has_part = "code_academie" in names
    cols = [*_BASE, *extra, *(["code_academie"] if has_part else [])]
    ev = events.select(cols).unique(subset=list(DEDUP_KEY), keep="any")
    ev = ev.join(_lookup(etab, keys), on="uai", how="left")
    acad = (
        pl.coalesce(pl.col("code_academie").cast(pl.String), pl.col("_acad_ref"))
        if has_part
        else pl.col("_acad_ref")
    )
    ev = ev.with_columns(acad.alias("code_academie")).drop("_acad_ref")
    unmatched = ev.filter(pl.col("code_academie").is_null()).select(
        pl.len().cast(pl.Int64).alias("evenements"),
        pl.col("uai").n_unique().cast(pl.Int64).alias("uai"),
    )
    matched = ev.filter(pl.col("code_academie").is_not_null()).with_columns(
        pl.col("horodatage").dt.date().alias("jour"), pl.col("profil").cast(pl.String)
    )
    return matched, unmatched


def _with_visits(
    ev: pl.LazyFrame, *, visit_ids: bool = False, by_hash: bool = True
) -> pl.LazyFrame:
    """Add ``_nouvelle`` (the event opens a visit) and, if asked, ``_visite`` (visit id).

    One sort by (user, time) and shifts over the whole frame: no window per user, no loop.
    The sort key is the 64-bit hash of the pseudonym (sorting 64-character strings was 40 % of
    the time); a change of user is still detected on the text itself, so counts stay exact,
    and :func:`_run` redoes a month with the text key in the (astronomically unlikely) case two
    pseudonyms share a hash.
    """
    prev_user = pl.col("id_utilisateur").shift(1)
    new = (
        prev_user.is_null()
        | (pl.col("id_utilisateur") != prev_user)
        | (pl.col("jour") != pl.col("jour").shift(1))
        | ((pl.col("horodatage") - pl.col("horodatage").shift(1)) > VISIT_GAP)
    )
    if by_hash:
        h = pl.col("_h")
        # Two pseudonyms sharing a hash end up side by side: flag it, _run then redoes the month.
        collision = ((h == h.shift(1)) & (pl.col("id_utilisateur") != prev_user)).fill_null(False)
        out = (
            ev.with_columns(pl.col("id_utilisateur").hash().alias("_h"))
            .sort("_h", "horodatage")
            .with_columns(new.fill_null(True).alias("_nouvelle"), collision.alias("_collision"))
            .drop("_h")
        )
    else:
        out = ev.sort("id_utilisateur", "horodatage").with_columns(
            new.fill_null(True).alias("_nouvelle"), pl.lit(False).alias("_collision")
        )
    if visit_ids:
        out = out.with_columns(pl.col("_nouvelle").cum_sum().alias("_visite"))
    return out


def _period(freq: Freq) -> pl.Expr:
    if freq == "day":
        return pl.col("jour")
    if freq == "week":
        return pl.col("jour").dt.truncate("1w").alias("semaine")
    raise ValueError(f"fréquence inconnue : {freq!r} (day ou week)")


def _aggregate(ev: pl.LazyFrame, by: Sequence[str], freq: Freq) -> pl.LazyFrame:
    """Counts per period × ``by`` on visit-tagged events (see the module definitions)."""
    period = "jour" if freq == "day" else "semaine"
    # A visit belongs to the group of its first event, except for the service, where a visit
    # counts in every service it used (the first event is nearly always the login page).
    visits = (pl.col("_visite").n_unique() if "service" in by else pl.col("_nouvelle").sum()).cast(
        pl.Int64
    )
    return (
        ev.with_columns(_period(freq))
        .group_by(period, *by)
        .agg(
            pl.len().cast(pl.Int64).alias("evenements"),
            (pl.col("statut_http") < 400).sum().cast(pl.Int64).alias("pages"),
            visits.alias("visites"),
            pl.col("id_utilisateur").n_unique().cast(pl.Int64).alias("utilisateurs"),
            pl.col("_collision").sum().alias("_collisions"),
        )
    )


def _check_by(by: Sequence[str]) -> list[str]:
    by = list(by)
    unknown = [k for k in by if k not in BY_KEYS]
    if unknown:
        raise ValueError(
            f"ventilation inconnue : {', '.join(unknown)} ; possibles : {', '.join(BY_KEYS)}"
        )
    if len(set(by)) != len(by):
        raise ValueError(f"ventilation en double : {', '.join(by)}")
    return by


def _run(
    events: pl.LazyFrame,
    etab: pl.DataFrame,
    by: Sequence[str],
    freq: Freq,
    days: tuple[dt.date, dt.date] | None = None,
) -> tuple[pl.DataFrame, int, int]:
    """(table, unmatched events, unmatched distinct UAIs) for one chunk of events."""
    if days is not None:
        # Whole local days only, so every visit in the chunk is complete.
        events = events.filter(pl.col("horodatage").dt.date().is_between(*days))
    matched, unmatched = _prepared(events, etab, by)
    needs_ids = "service" in by
    table_lf = _aggregate(_with_visits(matched, visit_ids=needs_ids), by, freq)
    # The in-memory engine: Polars' streaming engine is ~1.2× slower on this sort-and-shift plan.
    table, miss = pl.collect_all([table_lf, unmatched], engine="in-memory")
    if table["_collisions"].sum():  # two pseudonyms share a hash: sort on the text instead
        table_lf = _aggregate(_with_visits(matched, visit_ids=needs_ids, by_hash=False), by, freq)
        table = table_lf.collect(engine="in-memory")
    table = table.drop("_collisions")
    n_events, n_uai = miss.row(0) if miss.height else (0, 0)
    return table, int(n_events or 0), int(n_uai or 0)


@dataclass(frozen=True, slots=True)
class DailyReport:
    """A usage table with what was left out and how long it took (for the CLI and logs)."""

    table: pl.DataFrame
    unmatched_events: int = 0
    unmatched_uai: int = 0
    partitions: int = 0
    seconds: float = 0.0


def _warn_unmatched(n_events: int, n_uai: int, where: str) -> None:
    if n_events:
        log.warning(
            "%s : %d événement(s) exclu(s), UAI absent(s) de la table des établissements "
            "(%d UAI distinct(s))",
            where,
            n_events,
            n_uai,
        )


def _sorted(table: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    return table.sort(list(keys), nulls_last=True)


def _daily_from(events: pl.LazyFrame, etab: pl.DataFrame) -> tuple[pl.DataFrame, int, int]:
    table, n, u = _run(events, etab, ["code_academie", "profil"], "day")
    return _sorted(table.select(DAILY_SCHEMA.names()).cast(DAILY_SCHEMA), DAILY_KEYS), n, u


def daily_partition(events: pl.LazyFrame, etablissements: pl.DataFrame) -> pl.DataFrame:
    """The daily table (:data:`DAILY_SCHEMA`) of the events of ONE month partition.

    ``events`` is a lazy scan of a partition (e.g. :func:`scan_partition`); it must hold whole
    local days (a month partition does), or visits at its edges would be cut. Events whose
    UAI is not in ``etablissements`` are excluded and logged (``logging`` warning).
    """
    table, n, u = _daily_from(events, read_etablissements(etablissements))
    _warn_unmatched(n, u, "partition")
    return table


def daily_report(
    events_dir: str | Path, etablissements: pl.DataFrame | str | Path | None = None
) -> DailyReport:
    """:func:`daily_table` with the unmatched counts, the partition count and the duration."""
    start = time.perf_counter()
    # The link resolved once: every month read from one build generation.
    events_dir = Path(events_dir).resolve()
    parts = month_partitions(events_dir)  # the caller's own argument is checked first
    etab = read_etablissements(etablissements, events_dir)
    tables: list[pl.DataFrame] = []
    n_events = n_uai = 0
    for part in parts:
        table, n, u = _daily_from(scan_partition(part), etab)
        tables.append(table)
        n_events += n
        n_uai += u  # distinct per month: an upper bound of the distinct UAIs overall
    table = _sorted(pl.concat(tables), DAILY_KEYS)
    _check_unique(table, DAILY_KEYS)
    _warn_unmatched(n_events, n_uai, str(events_dir))
    return DailyReport(table, n_events, n_uai, len(parts), time.perf_counter() - start)


def _check_unique(table: pl.DataFrame, keys: Sequence[str]) -> None:
    """A day in two month partitions would be counted twice: refuse rather than mislead."""
    if table.select(pl.struct(list(keys)).is_duplicated().any()).item():
        raise ValueError(
            "un même jour apparaît dans plusieurs partitions mois=… : "
            "les partitions doivent suivre le mois local (Europe/Paris) ; ré-ingérez les journaux"
        )


def daily_table(
    events_dir: str | Path, etablissements: pl.DataFrame | str | Path | None = None
) -> pl.DataFrame:
    """The daily table (:data:`DAILY_SCHEMA`) of a whole events dataset, month by month.

    Memory: one month of events at a time. Sorted by ``jour``, ``code_academie``, ``profil``.
    Excluded events (unknown UAI) are logged; :func:`daily_report` returns their count.
    """
    return daily_report(events_dir, etablissements).table


def write_daily(
    events_dir: str | Path,
    out_file: str | Path,
    etablissements: pl.DataFrame | str | Path | None = None,
) -> DailyReport:
    """Compute :func:`daily_table` and write it as Parquet atomically (never half a file)."""
    report = daily_report(events_dir, etablissements)
    with atomic_path(out_file) as tmp:
        report.table.write_parquet(tmp, compression="zstd", statistics=True)
    return report


# --------------------------------------------------------------------------- any breakdown


def _week_chunks(parts: list[Path]) -> Iterator[tuple[list[Path], tuple[dt.date, dt.date]]]:
    """(partitions to read, first and last day) per chunk of whole ISO weeks.

    A week belongs to the chunk of the month holding its Monday; its last days may lie in the
    next month, whose partition is then read too (filtered to those days). When the previous
    month has no partition, the chunk starts at the Monday of the month's first week instead.
    """
    months = {_month_of(p): p for p in parts}
    for month, part in months.items():
        nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        prev = (month - dt.timedelta(days=1)).replace(day=1)
        first_monday = month + dt.timedelta(days=(7 - month.weekday()) % 7)
        lo = first_monday if prev in months else month - dt.timedelta(days=month.weekday())
        last_monday = nxt - dt.timedelta(days=1)
        last_monday -= dt.timedelta(days=last_monday.weekday())
        hi = last_monday + dt.timedelta(days=6)
        read = [part] + ([months[nxt]] if nxt in months and hi >= nxt else [])
        yield read, (lo, hi)


def _concat_scans(parts: list[Path]) -> pl.LazyFrame:
    scans = [scan_partition(p) for p in parts]
    if len(scans) == 1:
        return scans[0]
    return pl.concat(scans, how="diagonal_relaxed")


def usage_report(
    events_dir: str | Path,
    etablissements: pl.DataFrame | str | Path | None = None,
    by: Sequence[str] = ("code_academie", "profil"),
    freq: Freq = "day",
) -> DailyReport:
    """:func:`usage_by` with the unmatched counts and the duration."""
    start = time.perf_counter()
    keys = _check_by(by)
    events_dir = Path(events_dir).resolve()  # one build generation for every month read
    parts = month_partitions(events_dir)
    etab = read_etablissements(etablissements, events_dir)
    if freq == "day":
        chunks: list[tuple[list[Path], tuple[dt.date, dt.date] | None]] = [
            ([p], None) for p in parts
        ]
    elif freq == "week":
        chunks = list(_week_chunks(parts))
    else:
        raise ValueError(f"fréquence inconnue : {freq!r} (day ou week)")
    tables: list[pl.DataFrame] = []
    n_events = n_uai = 0
    for read, days in chunks:
        table, n, u = _run(_concat_scans(read), etab, keys, freq, days)
        tables.append(table)
        n_events += n
        n_uai += u
    period = "jour" if freq == "day" else "semaine"
    order = [period, *keys]
    table = pl.concat(tables, how="vertical_relaxed").select(*order, *METRICS)
    table = _sorted(table, order)
    _check_unique(table, order)
    _warn_unmatched(n_events, n_uai, str(events_dir))
    return DailyReport(table, n_events, n_uai, len(parts), time.perf_counter() - start)


def usage_by(
    events_dir: str | Path,
    etablissements: pl.DataFrame | str | Path | None = None,
    by: Sequence[str] = ("code_academie", "profil"),
    freq: Freq = "day",
) -> pl.DataFrame:
    """Events, pages, visits and exact distinct users per period (``jour`` or ``semaine``) × ``by``.

    ``by``: any of :data:`BY_KEYS`: from the event ``profil``, ``projet_ent`` (the ENT that
    logged the request), ``service``, ``uai``; from the établissement ``code_academie``,
    ``code_region_academique``, ``code_departement``, ``secteur``, ``ep`` (éducation
    prioritaire), ``type``, ``degre`` (« 1er degré » for an école, « 2nd degré » otherwise).
    ``by=[]`` gives the national series. Columns: the period, ``by``, ``evenements``, ``pages``
    (``statut_http < 400``), ``visites``, ``utilisateurs``, all Int64.

    Distinct users are exact for each group and period, computed from the events (a weekly
    figure is never a sum of days). Visits are attributed to their first event's group, so
    they add up across groups, except by ``service``: there a visit counts once in every
    service it used (so they do not add up). ``freq="week"`` reads one month plus at most six
    days of the next at a time.
    """
    return usage_report(events_dir, etablissements, by, freq).table


def national_daily(
    events_dir: str | Path, etablissements: pl.DataFrame | str | Path | None = None
) -> pl.DataFrame:
    """National series per ``jour`` × ``profil``: exact distinct users, not a sum of académies.

    Columns: jour, profil, evenements, pages, visites, utilisateurs. Same exclusions as the
    daily table (unknown UAI), so national events and visits equal the sum over académies.
    """
    return usage_by(events_dir, etablissements, by=["profil"], freq="day")


def weekly(
    events_dir: str | Path,
    etablissements: pl.DataFrame | str | Path | None = None,
    by: Sequence[str] = ("code_academie", "profil"),
) -> pl.DataFrame:
    """ISO-week table (``semaine`` = Monday's date) × ``by``, distinct users exact per week."""
    return usage_by(events_dir, etablissements, by=by, freq="week")
