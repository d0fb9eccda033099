"""Continuity indicators from the ENT events and the daily table, with their definitions.

Two kinds of inputs, both bounded in memory:

* the events dataset (``ent_evenements``), read one month partition at a time through the
  engine of :mod:`egn_analytics.usage.daily` (same duplicates, académie, visit and user
  definitions; events with an unknown UAI excluded);
* the daily table (:data:`~egn_analytics.usage.daily.DAILY_SCHEMA`, a few tens of thousands of
  rows), for the ratios to a baseline, which only need daily totals.

Periods (2020, local days): **reference** (« baseline ») = 6 January - 28 February, school
days of the académie's zone only (so each zone's winter holidays are left out); **closure** =
16 March - 10 May (schools closed, déconfinement on 11 May). Holidays, weekends and public
holidays come from :func:`egn_analytics.reference.calendar` by académie zone. The spring
holidays fell inside the closure at different dates per zone: they are flagged (``vacances``)
and never counted as drops in continuity (ratios use school days only).

The DROM calendars are not fully known to the reference (see
:mod:`egn_analytics.reference.calendar`): on their unknown days ``jour_scolaire`` is null and,
by default (``calendrier_inconnu="exclure"``), those days are left out of means and ratios, so
a DROM académie gets null ratios rather than invented holidays. ``"jours_ouvres"`` treats an
unknown weekday as a school day (``calendrier_connu`` stays false on those rows as a warning).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import polars as pl

from egn_analytics.reference import calendar, periods
from egn_analytics.usage.daily import (
    _prepared,
    month_partitions,
    read_etablissements,
    scan_partition,
    usage_by,
    weekly,
)

__all__ = [
    "BASELINE",
    "CLOSURE",
    "active_etablissements",
    "active_rate",
    "baseline",
    "closure_ratio",
    "cned_vs_ent",
    "daily_vs_baseline",
    "desynchronisation",
    "error_rates",
    "hourly_events",
    "pupils_never_seen",
    "saturation",
    "school_calendar",
    "usage_by",
]

EtabArg = pl.DataFrame | str | Path | None
UnknownCalendar = Literal["exclure", "jours_ouvres"]

#: Reference period (school days only): 6 January - 28 February 2020.
BASELINE = (dt.date(2020, 1, 6), dt.date(2020, 2, 28))
#: School closure: 16 March - 10 May 2020 (from the shipped Covid phases, like every reader).
CLOSURE = periods.CLOSURE
#: Day of the national ENT overload (first day of the closure).
SATURATION_DAY = periods.INCIDENT_DAY
#: First months' pupils, for « never seen since 16 March »: January - February 2020.
SEEN_BEFORE = (dt.date(2020, 1, 1), dt.date(2020, 2, 29))
#: Enrolment column of the établissement table per profile (parents: pupils, an upper bound
#: of families; personnels: no denominator).
ENROLMENT = {"élève": "eleves", "enseignant": "enseignants", "parent": "eleves"}

_METRICS = ("evenements", "visites", "utilisateurs")


# --------------------------------------------------------------------------- calendar


def school_calendar(
    start: dt.date, end: dt.date, calendrier_inconnu: UnknownCalendar = "exclure"
) -> pl.DataFrame:
    """Académie × day: ``jour``, ``zone``, ``vacances``, ``jour_ferie``, ``jour_scolaire``,
    ``calendrier_connu`` (from :func:`egn_analytics.reference.calendar`).

    ``jour_scolaire`` is null on a DROM weekday the reference does not know, unless
    ``calendrier_inconnu="jours_ouvres"`` (then true): see the module notes.
    """
    if calendrier_inconnu not in ("exclure", "jours_ouvres"):
        raise ValueError(
            f"calendrier_inconnu : {calendrier_inconnu!r} (exclure ou jours_ouvres attendu)"
        )
    cal = calendar(start, end)
    school = pl.col("is_school_day")
    if calendrier_inconnu == "jours_ouvres":
        school = school.fill_null(True)
    return cal.select(
        "code_academie",
        pl.col("date").alias("jour"),
        "zone",
        "vacances",
        "jour_ferie",
        school.alias("jour_scolaire"),
        "calendrier_connu",
    )


def _grid(daily: pl.DataFrame, start: dt.date, end: dt.date, by_profil: bool) -> pl.DataFrame:
    """Every académie (of ``daily``) × day [× profile], so days without events count as 0."""
    acads = daily.select(pl.col("code_academie").unique().sort())
    days = pl.DataFrame({"jour": pl.date_range(start, end, "1d", eager=True)})
    grid = acads.join(days, how="cross")
    if by_profil:
        grid = grid.join(daily.select(pl.col("profil").unique().sort()), how="cross")
    return grid


def _keys(by_profil: bool) -> list[str]:
    return ["code_academie", "profil"] if by_profil else ["code_academie"]


# --------------------------------------------------------------------------- baseline


def daily_vs_baseline(
    daily: pl.DataFrame,
    metric: str = "utilisateurs",
    by_profil: bool = False,
    calendrier_inconnu: UnknownCalendar = "exclure",
) -> pl.DataFrame:
    """Each day's activity next to its académie's reference, flagged with holidays.

    ``valeur``: the day's ``metric`` (``evenements``, ``visites`` or ``utilisateurs``, summed
    over profiles unless ``by_profil``; summing distinct users over profiles is exact, a
    pseudonym having one profile), 0 on a day without events. ``reference``: mean ``valeur``
    over the académie's school days of :data:`BASELINE`. ``ratio`` = valeur / reference on
    school days only; null on weekends, public holidays and holidays (``vacances`` names the
    break), so a holiday is never read as a drop in continuity.
    """
    if metric not in _METRICS:
        raise ValueError(f"indicateur inconnu : {metric!r} ; possibles : {', '.join(_METRICS)}")
    if daily.is_empty():
        raise ValueError("table quotidienne vide")
    keys = _keys(by_profil)
    start = min(BASELINE[0], daily.get_column("jour").min())  # type: ignore[type-var]
    end = daily.get_column("jour").max()
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    values = daily.group_by("jour", *keys).agg(pl.col(metric).sum().alias("valeur"))
    cal = school_calendar(start, end, calendrier_inconnu)
    table = (
        _grid(daily, start, end, by_profil)
        .join(values, on=["jour", *keys], how="left")
        .with_columns(pl.col("valeur").fill_null(0))
        .join(cal, on=["code_academie", "jour"], how="left")
    )
    in_ref = pl.col("jour").is_between(*BASELINE) & pl.col("jour_scolaire").fill_null(False)
    ref = table.group_by(keys).agg(
        pl.col("valeur").filter(in_ref).mean().alias("reference"),
        in_ref.sum().cast(pl.Int64).alias("jours_reference"),
    )
    school = pl.col("jour_scolaire").fill_null(False)
    return (
        table.join(ref, on=keys, how="left")
        .with_columns(
            pl.when(school & (pl.col("reference") > 0))
            .then(pl.col("valeur") / pl.col("reference"))
            .alias("ratio"),
            pl.when(pl.col("jour").is_between(*CLOSURE))
            .then(pl.lit("fermeture"))
            .when(pl.col("jour").is_between(*BASELINE))
            .then(pl.lit("reference"))
            .alias("periode"),
        )
        .select(
            "jour",
            *keys,
            "zone",
            "periode",
            "vacances",
            "jour_ferie",
            "jour_scolaire",
            "calendrier_connu",
            "valeur",
            "reference",
            "jours_reference",
            "ratio",
        )
        .sort(["jour", *keys])
    )


def baseline(
    daily: pl.DataFrame,
    by_profil: bool = False,
    calendrier_inconnu: UnknownCalendar = "exclure",
) -> pl.DataFrame:
    """Mean daily events, visits and users on the académie's school days of :data:`BASELINE`.

    School days exclude weekends, public holidays and the zone's winter holidays (zone A
    22 February - 8 March, B 15 February - 1 March, C 8 - 23 February): each zone's reference
    is its own school days. Columns: code_academie [, profil], jours_reference,
    evenements_reference, visites_reference, utilisateurs_reference (Float64). A day without
    events counts as 0.
    """
    keys = _keys(by_profil)
    out: pl.DataFrame | None = None
    for m in _METRICS:
        part = (
            daily_vs_baseline(daily, m, by_profil, calendrier_inconnu)
            .group_by(keys)
            .agg(pl.first("jours_reference"), pl.first("reference").alias(f"{m}_reference"))
        )
        out = part if out is None else out.join(part.drop("jours_reference"), on=keys)
    assert out is not None
    return out.sort(keys)


def closure_ratio(
    daily: pl.DataFrame,
    metric: str = "utilisateurs",
    by_profil: bool = False,
    calendrier_inconnu: UnknownCalendar = "exclure",
) -> pl.DataFrame:
    """Closure / reference ratio by académie: mean daily ``metric`` on the school days of
    :data:`CLOSURE` over the mean on the school days of :data:`BASELINE`.

    Spring holidays inside the closure are not school days: they are left out of the mean
    and counted in ``jours_vacances_fermeture`` (they differ by zone), never treated as a drop.
    Columns: code_academie [, profil], zone, jours_reference, reference, jours_fermeture,
    fermeture, jours_vacances_fermeture, ratio.
    """
    keys = _keys(by_profil)
    table = daily_vs_baseline(daily, metric, by_profil, calendrier_inconnu)
    closure = pl.col("jour").is_between(*CLOSURE)
    school = pl.col("jour_scolaire").fill_null(False)
    return (
        table.group_by(keys)
        .agg(
            pl.first("zone"),
            pl.first("jours_reference"),
            pl.first("reference"),
            (closure & school).sum().cast(pl.Int64).alias("jours_fermeture"),
            pl.col("valeur").filter(closure & school).mean().alias("fermeture"),
            (closure & pl.col("vacances").is_not_null())
            .sum()
            .cast(pl.Int64)
            .alias("jours_vacances_fermeture"),
        )
        .with_columns(
            pl.when(pl.col("reference") > 0)
            .then(pl.col("fermeture") / pl.col("reference"))
            .alias("ratio")
        )
        .sort(keys)
    )


# --------------------------------------------------------------------------- active rates


def active_rate(events_dir: str | Path, etablissements: EtabArg = None) -> pl.DataFrame:
    """Weekly active rate by académie and profile: distinct users / enrolled users.

    ``utilisateurs``: exact distinct users of the ISO week (:func:`weekly`). ``inscrits``: sum
    over ALL établissements of the académie (with or without an ENT: the rate measures the
    reach of the population, not of the ENT's subscribers) of ``eleves`` for pupils,
    ``enseignants`` for teachers, and ``eleves`` for parents as an **upper bound of families**
    (the table has no family count; families with several children in the académie make it
    too large, two parent accounts per family can push the rate above 1, so read it as an
    order of magnitude); none for personnels (``taux_actifs`` null). Columns: semaine,
    code_academie, profil, utilisateurs, inscrits, taux_actifs.
    """
    etab = read_etablissements(etablissements)
    users = weekly(events_dir, etab, by=["code_academie", "profil"]).select(
        "semaine", "code_academie", "profil", "utilisateurs"
    )
    acad = pl.col("code_academie").cast(pl.String)
    sums = etab.group_by(acad).agg(pl.col(c).sum() for c in sorted(set(ENROLMENT.values())))
    enrolled = pl.concat(
        sums.select(
            "code_academie", pl.lit(p).alias("profil"), pl.col(c).cast(pl.Int64).alias("inscrits")
        )
        for p, c in ENROLMENT.items()
    )
    return (
        users.join(enrolled, on=["code_academie", "profil"], how="left")
        .with_columns(
            pl.when(pl.col("inscrits") > 0)
            .then(pl.col("utilisateurs") / pl.col("inscrits"))
            .alias("taux_actifs")
        )
        .sort("semaine", "code_academie", "profil")
    )


def active_etablissements(events_dir: str | Path, etablissements: EtabArg = None) -> pl.DataFrame:
    """Share of établissements with any activity, by académie and ISO week.

    An établissement is active in a week when at least one counted event (any profile, any
    HTTP status) carries its UAI. Two denominators: all établissements of the académie
    (``part_actifs``) and those with an ENT project (``part_actifs_ent``; an établissement
    without a project in the table but with events still counts as active). Every académie ×
    week of the data has a row (0 when nothing happened). Columns: semaine, code_academie,
    etablissements, etablissements_ent, etablissements_actifs, part_actifs, part_actifs_ent.
    """
    etab = read_etablissements(etablissements)
    active = (
        weekly(events_dir, etab, by=["code_academie", "uai"])
        .group_by("semaine", "code_academie")
        .agg(pl.col("uai").n_unique().cast(pl.Int64).alias("etablissements_actifs"))
    )
    has_ent = pl.col("projet_ent").is_not_null() if "projet_ent" in etab.columns else pl.lit(False)
    sizes = etab.group_by(pl.col("code_academie").cast(pl.String)).agg(
        pl.len().cast(pl.Int64).alias("etablissements"),
        has_ent.sum().cast(pl.Int64).alias("etablissements_ent"),
    )
    weeks = active.select(pl.col("semaine").unique())
    return (
        sizes.join(weeks, how="cross")
        .join(active, on=["semaine", "code_academie"], how="left")
        .with_columns(pl.col("etablissements_actifs").fill_null(0))
        .with_columns(
            (pl.col("etablissements_actifs") / pl.col("etablissements")).alias("part_actifs"),
            pl.when(pl.col("etablissements_ent") > 0)
            .then(pl.col("etablissements_actifs") / pl.col("etablissements_ent"))
            .alias("part_actifs_ent"),
        )
        .select(
            "semaine",
            "code_academie",
            "etablissements",
            "etablissements_ent",
            "etablissements_actifs",
            "part_actifs",
            "part_actifs_ent",
        )
        .sort("semaine", "code_academie")
    )


def _pupils(events: pl.LazyFrame, etab: pl.DataFrame, lo: dt.date, hi: dt.date) -> pl.LazyFrame:
    """Distinct (pupil, académie) with a counted event between two local days."""
    matched, _ = _prepared(events, etab, ["code_academie", "profil"])
    return (
        matched.filter((pl.col("profil") == "élève") & pl.col("jour").is_between(lo, hi))
        .select("id_utilisateur", "code_academie")
        .unique()
    )


def pupils_never_seen(
    events_dir: str | Path,
    etablissements: EtabArg = None,
    since: dt.date = CLOSURE[0],
    seen_before: tuple[dt.date, dt.date] = SEEN_BEFORE,
) -> pl.DataFrame:
    """Pupils seen in January-February and never again from 16 March to the end of the data.

    A proxy of lost contact (a pupil may have switched to paper, the CNED, or another tool).
    A pupil is *seen* in an académie when they have a counted event there in ``seen_before``;
    *never seen again* means no event at all (any académie, any ENT) from ``since`` to the last
    month partition. Memory: the set of January-February pupils, shrunk by an anti-join per
    later partition; events are never all loaded.

    Rows: one per académie (``niveau = "académie"``), then one national row (``niveau =
    "France"``, ``code_academie`` null; a pupil seen in two académies counts once there).
    Columns: niveau, code_academie, eleves_vus, jamais_revus, part_jamais_revus.
    """
    parts = month_partitions(events_dir)
    etab = read_etablissements(etablissements)
    seen: pl.DataFrame | None = None
    last_month = _month(parts[-1])
    if last_month < since.replace(day=1):
        raise ValueError(f"les événements s'arrêtent avant le {since:%d/%m/%Y}")
    for part in parts:
        month = _month(part)
        if not (seen_before[0].replace(day=1) <= month <= seen_before[1]):
            continue
        batch = _pupils(scan_partition(part), etab, *seen_before).collect()
        seen = batch if seen is None else pl.concat([seen, batch]).unique()
    if seen is None or seen.is_empty():
        raise ValueError(
            f"aucun élève vu du {seen_before[0]:%d/%m/%Y} au {seen_before[1]:%d/%m/%Y}"
        )
    remaining = seen
    for part in parts:
        nxt = (_month(part).replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if nxt <= since:
            continue
        again = _pupils(scan_partition(part), etab, since, dt.date.max).select("id_utilisateur")
        remaining = remaining.lazy().join(again.unique(), on="id_utilisateur", how="anti").collect()
    lost = remaining.with_columns(pl.lit(True).alias("_perdu"))
    flagged = seen.join(lost, on=["id_utilisateur", "code_academie"], how="left")
    by_acad = flagged.group_by("code_academie").agg(
        pl.len().cast(pl.Int64).alias("eleves_vus"),
        pl.col("_perdu").fill_null(False).sum().cast(pl.Int64).alias("jamais_revus"),
    )
    national = flagged.group_by("id_utilisateur").agg(pl.col("_perdu").fill_null(False).all())
    nat = national.select(
        pl.lit(None, pl.String).alias("code_academie"),
        pl.len().cast(pl.Int64).alias("eleves_vus"),
        pl.col("_perdu").sum().cast(pl.Int64).alias("jamais_revus"),
    )
    return (
        pl.concat(
            [
                by_acad.sort("code_academie").with_columns(pl.lit("académie").alias("niveau")),
                nat.with_columns(pl.lit("France").alias("niveau")),
            ]
        )
        .with_columns((pl.col("jamais_revus") / pl.col("eleves_vus")).alias("part_jamais_revus"))
        .select("niveau", "code_academie", "eleves_vus", "jamais_revus", "part_jamais_revus")
    )


def _month(part: Path) -> dt.date:
    return dt.date.fromisoformat(part.name.removeprefix("mois=") + "-01")


# --------------------------------------------------------------------------- time of day


def hourly_events(events_dir: str | Path, etablissements: EtabArg = None) -> pl.DataFrame:
    """Counted events per local day, académie, profile and local hour (0-23), month by month.

    The hour is the Europe/Paris wall-clock hour (no 02 h on 29 March 2020). Columns: jour,
    code_academie, profil, heure (Int8), evenements.
    """
    etab = read_etablissements(etablissements)
    tables = []
    for part in month_partitions(events_dir):
        matched, _ = _prepared(scan_partition(part), etab, ["code_academie", "profil"])
        tables.append(
            matched.group_by(
                "jour",
                "code_academie",
                "profil",
                pl.col("horodatage").dt.hour().cast(pl.Int8).alias("heure"),
            )
            .agg(pl.len().cast(pl.Int64).alias("evenements"))
            .collect()
        )
    return pl.concat(tables).sort("jour", "code_academie", "profil", "heure")


def desynchronisation(
    events_dir: str | Path | None = None,
    etablissements: EtabArg = None,
    hourly: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Share of events in the evening, at night and on weekends, before vs during the closure.

    Definitions (local time): **soir** 19 h - 22 h (19:00 ≤ t < 22:00), **nuit** 22 h - 6 h,
    **week-end** Saturday and Sunday (any hour: a Saturday evening event counts in both soir and
    week-end). Periods: **avant** = :data:`BASELINE` (6 January - 28 February), **fermeture** =
    :data:`CLOSURE` (16 March - 10 May), in both cases the days outside the académie's school
    holidays (weekends included: keeping only school days would make the weekend share 0 by
    construction, and keeping holidays would mix in zone-dependent breaks). Days with an unknown
    calendar (DROM) are left out. Shares are pooled over days and académies (events of the
    period in the class / all events of the period).

    ``hourly`` (from :func:`hourly_events`) avoids reading the events again. Columns: profil,
    periode, evenements, part_soir, part_nuit, part_weekend.
    """
    if hourly is None:
        if events_dir is None:
            raise ValueError("donnez le dossier des événements ou la table horaire")
        hourly = hourly_events(events_dir, etablissements)
    cal = school_calendar(BASELINE[0], CLOSURE[1]).select(
        "code_academie", "jour", "vacances", "calendrier_connu"
    )
    period = (
        pl.when(pl.col("jour").is_between(*BASELINE))
        .then(pl.lit("avant"))
        .when(pl.col("jour").is_between(*CLOSURE))
        .then(pl.lit("fermeture"))
    )
    h = pl.col("heure")
    n = pl.col("evenements")
    return (
        hourly.lazy()
        .with_columns(period.alias("periode"))
        .filter(pl.col("periode").is_not_null())
        .join(cal.lazy(), on=["code_academie", "jour"], how="left")
        .filter(pl.col("vacances").is_null() & pl.col("calendrier_connu").fill_null(False))
        .group_by("profil", "periode")
        .agg(
            n.sum().alias("evenements"),
            (n.filter(h.is_between(19, 21)).sum() / n.sum()).alias("part_soir"),
            (n.filter((h >= 22) | (h < 6)).sum() / n.sum()).alias("part_nuit"),
            (n.filter(pl.col("jour").dt.weekday() >= 6).sum() / n.sum()).alias("part_weekend"),
        )
        .sort("profil", "periode")
        .collect()
    )


# --------------------------------------------------------------------------- incidents


def error_rates(events_dir: str | Path, etablissements: EtabArg = None) -> pl.DataFrame:
    """HTTP error rates per local day and ENT project (``projet_ent`` of the request).

    ``part_5xx`` = events with 500 ≤ statut_http ≤ 599 / all counted events; ``part_4xx`` the
    same for 400-499 (404s are mostly stale links, 5xx are server failures: saturation).
    Columns: jour, projet_ent, evenements, erreurs_4xx, erreurs_5xx, part_4xx, part_5xx.
    """
    etab = read_etablissements(etablissements)
    tables = []
    s = pl.col("statut_http")
    for part in month_partitions(events_dir):
        matched, _ = _prepared(scan_partition(part), etab, ["projet_ent"])
        tables.append(
            matched.group_by("jour", "projet_ent")
            .agg(
                pl.len().cast(pl.Int64).alias("evenements"),
                s.is_between(400, 499).sum().cast(pl.Int64).alias("erreurs_4xx"),
                s.is_between(500, 599).sum().cast(pl.Int64).alias("erreurs_5xx"),
            )
            .collect()
        )
    return (
        pl.concat(tables)
        .with_columns(
            (pl.col("erreurs_4xx") / pl.col("evenements")).alias("part_4xx"),
            (pl.col("erreurs_5xx") / pl.col("evenements")).alias("part_5xx"),
        )
        .sort("jour", "projet_ent", nulls_last=True)
    )


def saturation(
    errors: pl.DataFrame,
    day: dt.date = SATURATION_DAY,
    reference: tuple[dt.date, dt.date] = BASELINE,
) -> pl.DataFrame:
    """The 5xx share of ``day`` (16 March 2020) against the reference period, by ENT project.

    ``errors`` is :func:`error_rates`. ``part_5xx_reference`` is pooled over every day of
    ``reference`` (5xx events / events: days weigh by their volume). ``ecart_points`` = the
    difference in percentage points, ``ratio`` = day share / reference share. Sorted by
    decreasing ratio (the most saturated project first). Columns: projet_ent, evenements_jour,
    part_5xx_jour, part_5xx_reference, ecart_points, ratio.
    """
    ref = (
        errors.filter(pl.col("jour").is_between(*reference))
        .group_by("projet_ent")
        .agg((pl.col("erreurs_5xx").sum() / pl.col("evenements").sum()).alias("part_5xx_reference"))
    )
    today = errors.filter(pl.col("jour") == day).select(
        "projet_ent",
        pl.col("evenements").alias("evenements_jour"),
        pl.col("part_5xx").alias("part_5xx_jour"),
    )
    if today.is_empty():
        raise ValueError(f"aucun événement le {day:%d/%m/%Y}")
    return (
        today.join(ref, on="projet_ent", how="left", nulls_equal=True)
        .with_columns(
            ((pl.col("part_5xx_jour") - pl.col("part_5xx_reference")) * 100).alias("ecart_points"),
            pl.when(pl.col("part_5xx_reference") > 0)
            .then(pl.col("part_5xx_jour") / pl.col("part_5xx_reference"))
            .alias("ratio"),
        )
        .sort("ratio", "projet_ent", descending=[True, False], nulls_last=True)
    )


# --------------------------------------------------------------------------- CNED


def cned_vs_ent(
    cned: pl.DataFrame | str | Path,
    national: pl.DataFrame,
) -> pl.DataFrame:
    """The CNED daily series beside the ENT national series, on one calendar day index.

    ``cned`` is the processed ``cned_quotidien`` table (or its path); ``national`` is
    :func:`national_daily` (per day × profile; summed over profiles here, exact for users since
    a pseudonym has one profile). The index runs from the first to the last day of either
    series; a day missing from one source is null there (not 0: absent is not zero). Columns:
    jour, ent_evenements, ent_visites, ent_utilisateurs, cned_inscriptions,
    cned_utilisateurs_cumules, cned_classes_virtuelles.
    """
    if not isinstance(cned, pl.DataFrame):
        path = Path(cned)
        if not path.is_file():
            raise ValueError(f"table CNED introuvable : {path}")
        cned = pl.read_parquet(path)
    ent = national.group_by("jour").agg(
        pl.col(c).sum().alias(f"ent_{c}") for c in ("evenements", "visites", "utilisateurs")
    )
    wanted = ("inscriptions", "utilisateurs_cumules", "classes_virtuelles")
    cn = cned.select(
        pl.col("date").alias("jour"),
        *(pl.col(c).alias(f"cned_{c}") for c in wanted if c in cned.columns),
    )
    bounds = pl.concat([ent.select("jour"), cn.select("jour")]).select(
        pl.col("jour").min().alias("a"), pl.col("jour").max().alias("b")
    )
    a, b = bounds.row(0)
    if a is None:
        raise ValueError("séries ENT et CNED vides")
    days = pl.DataFrame({"jour": pl.date_range(a, b, "1d", eager=True)})
    return days.join(ent, on="jour", how="left").join(cn, on="jour", how="left").sort("jour")
