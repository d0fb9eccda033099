"""School calendar: holiday periods by zone, public holidays, and school days by académie.

Why this matters: holidays differ by zone and fell *inside* the 2020 closure (zone C's spring
break started on 4 April, zone A's on 18 April), so any "continuity" indicator that compares days
must know, for each académie, which days were school days.

Sources and **coverage** (see :func:`calendar_coverage`): a zone's calendar is *known* on a day
only if every holiday period around that day is listed somewhere.

- Zones A, B, C: the team's reference file for school year 2019-2020 (2019-09-01..2020-08-31),
  and the PyPI package ``vacances-scolaires-france`` (day by day, offline) over its own range,
  read from its data file (from its first to its last day off: the file is padded with days
  that carry no holiday at both ends, e.g. to 31 December 2028 while the 2028-2029 year is
  absent). Where both exist the reference wins.
- Corse: the reference only, school year 2019-2020 up to the end of its summer break
  (reprise 3 September 2020, so 1-2 September 2020 are holidays, not school days).
- DROM (Guadeloupe, Guyane, Martinique, Réunion, Mayotte): **never covered**. The reference
  lists only a few of their 2019-2020 periods (spring breaks, Mayotte's carnival, two Réunion
  breaks; no Toussaint, Noël or summer, no Réunion austral summer). Those periods are shown, but
  other days are unknown. Dates are never invented: load the official calendar export instead.

On an uncovered day :func:`calendar` sets ``calendrier_connu`` to false and ``is_school_day``
to null unless the day is certainly not a school day (weekday outside ``weekdays``, listed
holiday or public holiday: Kleene logic). :func:`school_days` and :func:`count_school_days`
refuse uncovered days with a ``ValueError`` naming the académie, the zone and the dates.

Our copy of the reference deliberately differs from the shared file
(``shared/reference/vacances_2019_2020.csv``) on one point: the Ascension bridge of zones A/B/C
starts on Thursday 21 May 2020, not Wednesday 20 May. Wednesday 20 May was a school day (morning
classes; « pont » from Thursday to Sunday, reprise Monday 25 May), as in
``vacances-scolaires-france``, which has 21-24 May off.

Public holidays come from the ``holidays`` package, in French, with the local lists of
Alsace-Moselle and the DROM: Strasbourg (67, 68) uses subdivision ``6AE`` (Good Friday and
26 December), Moselle ``57``, Guadeloupe ``971``, Martinique ``972``, Guyane ``973``,
La Réunion ``974``, Mayotte ``976``; other départements use the metropolitan list. At académie
level a day is a public holiday only if it is one in *every* département of the académie: for
Nancy-Metz (Meurthe-et-Moselle, Meuse, Moselle, Vosges) Moselle's Good Friday and 26 December are
therefore **not** counted (use ``public_holidays(start, end, "57")`` at département level).

Conventions: a holiday period runs from ``debut`` (first day off) to the day before ``reprise``
(the day classes resume). A school day is a weekday listed in ``weekdays`` (Monday-Friday by
default) that is neither in a holiday period of the académie's zone nor a public holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

import holidays as _holidays
import polars as pl

from egn_analytics.reference.nomenclatures import (
    ZONES,
    _academies,
    _departements,
    academie_code,
)

_DATA = files("egn_analytics.reference") / "_data"
_SHARED_YEAR_START = dt.date(2019, 9, 1)
_SHARED_YEAR_END = dt.date(2020, 8, 31)
_PKG_ZONES = {"Zone A": "vacances_zone_a", "Zone B": "vacances_zone_b", "Zone C": "vacances_zone_c"}
#: Zones whose 2019-2020 periods are all listed in the reference (the DROM are not).
_REF_COMPLETE_ZONES = ("Zone A", "Zone B", "Zone C", "Corse")
_DROM_ZONES = ("Guadeloupe", "Guyane", "Martinique", "Réunion", "Mayotte")

#: Département → subdivision of the ``holidays`` package (others: metropolitan list).
_DEP_SUBDIV = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}
_METRO = "FR"  # join key for the metropolitan list (null keys never match in a join)


# --- holiday periods -------------------------------------------------------------------------


@cache
def _holidays_2019_2020() -> pl.DataFrame:
    with (_DATA / "vacances_2019_2020.csv").open("rb") as fh:
        return pl.read_csv(
            fh.read(),
            separator=";",
            schema={"zone": pl.String, "vacances": pl.String, "debut": pl.Date, "reprise": pl.Date},
        )


def holidays_2019_2020() -> pl.DataFrame:
    """Holiday periods of school year 2019-2020 for every zone: zone, vacances, debut, reprise.

    Complete for zones A/B/C and Corse; only a few periods for the DROM (see the module notes).
    """
    return _holidays_2019_2020().clone()


@cache
def _package_wide() -> pl.DataFrame:
    import vacances_scolaires_france as vsf

    path = files(vsf) / "data" / "data.csv"
    with path.open("rb") as fh:
        return pl.read_csv(
            fh.read(),
            schema={
                "date": pl.Date,
                "vacances_zone_a": pl.Boolean,
                "vacances_zone_b": pl.Boolean,
                "vacances_zone_c": pl.Boolean,
                "nom_vacances": pl.String,
            },
        )


@cache
def _package_days() -> pl.DataFrame:
    """Day-by-day zone A/B/C holiday flags of ``vacances-scolaires-france`` (long form)."""
    long = _package_wide().unpivot(
        index=["date", "nom_vacances"],
        on=list(_PKG_ZONES.values()),
        variable_name="col",
        value_name="off",
    )
    back = {v: k for k, v in _PKG_ZONES.items()}
    return (
        long.filter(pl.col("off"))
        .with_columns(pl.col("col").replace_strict(back).alias("zone"))
        .select("zone", "date", pl.col("nom_vacances").alias("vacances"))
    )


@cache
def _package_range() -> tuple[dt.date, dt.date]:
    """Dates the package's file really covers: its min/max date, narrowed to its days off."""
    wide = _package_wide()
    off = _package_days().get_column("date")
    first = max(wide.get_column("date").min(), off.min())  # type: ignore[type-var]
    last = min(wide.get_column("date").max(), off.max())  # type: ignore[type-var]
    return first, last  # type: ignore[return-value]


@cache
def _coverage() -> pl.DataFrame:
    ref = _holidays_2019_2020().filter(pl.col("zone").is_in(_REF_COMPLETE_ZONES))
    ref_cov = ref.group_by("zone").agg(
        pl.lit(_SHARED_YEAR_START).alias("debut"),
        pl.max_horizontal(
            pl.lit(_SHARED_YEAR_END), pl.col("reprise").max() - pl.duration(days=1)
        ).alias("fin"),
        pl.lit("référence 2019-2020").alias("source"),
    )
    first, last = _package_range()
    pkg_cov = pl.DataFrame(
        {
            "zone": list(_PKG_ZONES),
            "debut": [first] * len(_PKG_ZONES),
            "fin": [last] * len(_PKG_ZONES),
            "source": ["vacances-scolaires-france"] * len(_PKG_ZONES),
        },
        schema=ref_cov.schema,
    )
    return pl.concat([ref_cov, pkg_cov]).sort("zone", "debut")


def calendar_coverage() -> pl.DataFrame:
    """Date ranges (inclusive) where a zone's school calendar is fully known.

    Columns: zone, debut, fin, source. Zones absent from the table (the DROM) are never known.
    """
    return _coverage().clone()


def _known_expr(zone: str | pl.Expr = "zone", date: str | pl.Expr = "date") -> pl.Expr:
    z = pl.col(zone) if isinstance(zone, str) else zone
    d = pl.col(date) if isinstance(date, str) else date
    known = pl.lit(False)
    for cov_zone, debut, fin in _coverage().select("zone", "debut", "fin").iter_rows():
        known = known | ((z == cov_zone) & d.is_between(debut, fin))
    return known


def _uncovered_reason(zone: str) -> str:
    if zone in _DROM_ZONES:
        return "la référence ne liste que certaines vacances des DROM"
    if zone in _PKG_ZONES:
        first, last = _package_range()
        return (
            f"la référence couvre 2019-2020 et le paquet vacances-scolaires-france "
            f"du {first} au {last} seulement"
        )
    return "la référence ne couvre que l'année scolaire 2019-2020 pour cette zone"


def holiday_days(start: dt.date, end: dt.date) -> pl.DataFrame:
    """One row per (zone, date) off school between ``start`` and ``end`` inclusive.

    Every period of the reference file (2019-2020, all zones, DROM partial), whole (a break
    running past 31 August 2020 is kept), then the package's days for zones A/B/C outside
    2019-09-01..2020-08-31. Days not listed are not necessarily school days: check
    :func:`calendar_coverage`.
    """
    periods = (
        _holidays_2019_2020()
        .with_columns(
            pl.date_ranges("debut", pl.col("reprise") - pl.duration(days=1)).alias("date")
        )
        .explode("date")
        .select("zone", "date", "vacances")
    )
    pkg = _package_days().filter(~pl.col("date").is_between(_SHARED_YEAR_START, _SHARED_YEAR_END))
    return (
        pl.concat([periods, pkg])
        .filter(pl.col("date").is_between(start, end))
        .unique(subset=["zone", "date"], keep="first", maintain_order=True)
        .sort("zone", "date")
    )


def holiday_periods(zone: str, school_year: str = "2019-2020") -> pl.DataFrame:
    """Holiday periods of a zone for a school year (``"2019-2020"``), with debut and reprise.

    2019-2020 comes from the reference file (every zone; only a few periods for the DROM);
    other years are rebuilt from the package's daily flags (zones A/B/C only) by grouping
    consecutive days off. ``zone`` must be one of :data:`ZONES` (e.g. ``"Zone A"``).
    """
    if zone not in ZONES:
        raise ValueError(f"zone inconnue : {zone!r} ; zones possibles : {', '.join(ZONES)}")
    y0 = _school_year_start(school_year)
    if school_year == "2019-2020":
        return _holidays_2019_2020().filter(pl.col("zone") == zone)
    if zone not in _PKG_ZONES:
        raise ValueError(f"zone {zone!r} : seules les zones A, B et C sont connues hors 2019-2020")
    start, end = dt.date(y0, 9, 1), dt.date(y0 + 1, 8, 31)
    first, last = _package_range()
    if end < first or start > last:
        raise ValueError(
            f"année scolaire {school_year} inconnue : le paquet vacances-scolaires-france "
            f"couvre du {first} au {last}"
        )
    days = _package_days().filter((pl.col("zone") == zone) & pl.col("date").is_between(start, end))
    return (
        days.sort("date")
        .with_columns(
            (pl.col("date").diff().dt.total_days().fill_null(99) > 1).cum_sum().alias("run")
        )
        .group_by("run", maintain_order=True)
        .agg(
            pl.first("vacances"),
            pl.col("date").min().alias("debut"),
            (pl.col("date").max() + pl.duration(days=1)).alias("reprise"),
        )
        .select(pl.lit(zone).alias("zone"), "vacances", "debut", "reprise")
    )


def _school_year_start(school_year: str) -> int:
    parts = school_year.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
        raise ValueError(f"année scolaire {school_year!r} : format attendu « 2019-2020 »")
    y0, y1 = int(parts[0]), int(parts[1])
    if y1 != y0 + 1:
        raise ValueError(f"année scolaire {school_year!r} : les deux années doivent se suivre")
    return y0


# --- public holidays -------------------------------------------------------------------------


def _subdiv(code: str | None) -> str:
    """``holidays`` subdivision of a département code (or a subdivision code such as ``6AE``)."""
    if code is None:
        return _METRO
    if code in _DEP_SUBDIV.values():
        return code
    if code in _departements().get_column("code_departement"):
        return _DEP_SUBDIV.get(code, _METRO)
    raise ValueError(
        f"département inconnu : {code!r} (code de département, par exemple « 57 », « 2A », "
        f"« 974 », ou subdivision « 6AE »)"
    )


@cache
def _public_holidays_years(subdiv: str, y0: int, y1: int) -> pl.DataFrame:
    fr = _holidays.country_holidays(
        "FR",
        subdiv=None if subdiv == _METRO else subdiv,
        years=range(y0, y1 + 1),
        language="fr",
    )
    rows = sorted(fr.items())
    return pl.DataFrame(
        {"date": [d for d, _ in rows], "jour_ferie": [n for _, n in rows]},
        schema={"date": pl.Date, "jour_ferie": pl.String},
    )


def public_holidays(start: dt.date, end: dt.date, subdiv: str | None = None) -> pl.DataFrame:
    """French public holidays (names in French) between two dates: date, jour_ferie.

    ``subdiv`` is a département code (``"57"``, ``"67"``, ``"971"``...) or a ``holidays``
    subdivision (``"6AE"`` for Bas-Rhin and Haut-Rhin); ``None`` (default) or any other
    département gives the metropolitan list. Moselle (``"57"``) and Alsace (``"67"``,
    ``"68"``) add Good Friday and 26 December; the DROM add their own days (abolition of
    slavery...). Caveat: this is a *département* list. :func:`calendar` works per académie and
    keeps only the days that are public holidays in every département of the académie, so
    Moselle's Good Friday is not a public holiday of Nancy-Metz there.
    """
    key = _subdiv(subdiv)
    return _public_holidays_years(key, start.year, end.year).filter(
        pl.col("date").is_between(start, end)
    )


def _academie_public_holidays(start: dt.date, end: dt.date) -> pl.DataFrame:
    """Public holidays of each académie: days off in every one of its départements."""
    deps = _departements().select(
        "code_academie",
        pl.col("code_departement").replace_strict(_DEP_SUBDIV, default=_METRO).alias("subdiv"),
    )
    n_deps = deps.group_by("code_academie").agg(pl.len().alias("n_deps"))
    lists = pl.concat(
        [
            public_holidays(start, end, None if s == _METRO else s).with_columns(
                pl.lit(s).alias("subdiv")
            )
            for s in sorted(set(deps.get_column("subdiv")))
        ]
    )
    return (
        deps.join(lists, on="subdiv", how="inner")
        .group_by("code_academie", "date")
        .agg(pl.len().alias("n"), pl.col("jour_ferie").sort().first())
        .join(n_deps, on="code_academie")
        .filter(pl.col("n") == pl.col("n_deps"))
        .select("code_academie", "date", "jour_ferie")
        .sort("code_academie", "date")
    )


# --- académie calendar -----------------------------------------------------------------------


def _calendar(
    start: dt.date, end: dt.date, weekdays: Iterable[int], codes: list[str] | None = None
) -> pl.DataFrame:
    if end < start:
        raise ValueError(f"période vide : fin {end} avant début {start}")
    days = pl.DataFrame({"date": pl.date_range(start, end, "1d", eager=True)})
    acad = _academies().select("code_academie", "academie", "zone")
    if codes is not None:
        acad = acad.filter(pl.col("code_academie").is_in(codes))
    grid = acad.join(days, how="cross")
    off = holiday_days(start, end)
    ferie = _academie_public_holidays(start, end)
    wd = list(weekdays)
    # Kleene logic: on an uncovered day, "on holiday" is null unless a period is listed.
    on_holiday = (
        pl.when(pl.col("vacances").is_not_null())
        .then(True)
        .when(pl.col("calendrier_connu"))
        .then(False)
        .otherwise(None)
    )
    return (
        grid.join(off, on=["zone", "date"], how="left")
        .join(ferie, on=["code_academie", "date"], how="left")
        .with_columns(
            pl.col("date").dt.weekday().alias("weekday"),
            _known_expr().alias("calendrier_connu"),
        )
        .with_columns(
            (pl.col("weekday").is_in(wd) & ~on_holiday & pl.col("jour_ferie").is_null()).alias(
                "is_school_day"
            )
        )
        .select(
            "code_academie",
            "academie",
            "zone",
            "date",
            "weekday",
            "vacances",
            "jour_ferie",
            "is_school_day",
            "calendrier_connu",
        )
        .sort("code_academie", "date")
    )


def calendar(
    start: dt.date,
    end: dt.date,
    weekdays: Iterable[int] = (1, 2, 3, 4, 5),
) -> pl.DataFrame:
    """Académie × day table between two dates (inclusive) with the flags that make a school day.

    Columns: code_academie, academie, zone, date, weekday (1 = Monday), vacances (name or null),
    jour_ferie (name or null, académie-level: see the module notes), is_school_day,
    calendrier_connu. ``weekdays`` uses ISO numbers (Monday = 1).

    ``calendrier_connu`` is false where the zone's calendar is not covered (see
    :func:`calendar_coverage`: the DROM always, Corse outside 2019-2020, zones A/B/C outside
    the reference and the package); ``is_school_day`` is then null, unless the day is certainly
    not a school day (weekend, listed holiday, public holiday).
    """
    return _calendar(start, end, weekdays)


def _runs(dates: pl.Series) -> str:
    """« du 2020-01-01 au 2020-07-31 et du ... » for the consecutive runs of sorted dates."""
    runs = (
        dates.sort()
        .to_frame("date")
        .with_columns(
            (pl.col("date").diff().dt.total_days().fill_null(99) > 1).cum_sum().alias("r")
        )
        .group_by("r", maintain_order=True)
        .agg(pl.col("date").min().alias("a"), pl.col("date").max().alias("b"))
    )
    return " et ".join(f"du {a} au {b}" for a, b in runs.select("a", "b").iter_rows())


def school_days(
    academie: str, start: dt.date, end: dt.date, weekdays: Iterable[int] = (1, 2, 3, 4, 5)
) -> pl.Series:
    """School days of an académie (any accepted spelling or code) between two dates, inclusive.

    Raises ``ValueError`` if the académie's zone calendar is not known on some of these days
    (see :func:`calendar_coverage`): the answer would otherwise be silently wrong.
    """
    code = academie_code(academie)
    cal = _calendar(start, end, weekdays, [code])
    unknown = cal.filter(~pl.col("calendrier_connu"))
    if not unknown.is_empty():
        name, zone = unknown.row(0)[1:3]
        zone_label = zone if zone.startswith("Zone ") else f"zone {zone}"
        raise ValueError(
            f"calendrier scolaire inconnu pour {name} ({zone_label}) "
            f"{_runs(unknown.get_column('date'))} : {_uncovered_reason(zone)} ; "
            f"chargez l'export officiel du calendrier"
        )
    return cal.filter(pl.col("is_school_day")).get_column("date")


def count_school_days(
    academie: str, start: dt.date, end: dt.date, weekdays: Iterable[int] = (1, 2, 3, 4, 5)
) -> int:
    """Number of school days of an académie between two dates, inclusive (same errors)."""
    return school_days(academie, start, end, weekdays).len()
