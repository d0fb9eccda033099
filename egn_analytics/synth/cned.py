"""Synthetic daily series of the CNED « Ma classe à la maison » platform, March - July 2020.

Why a daily series: the dashboards compare the ENT surge with the national fallback offered by
the CNED (sign-ups and virtual classes), and the interesting part is the timing: opened to the
Oise on 2 March, a rush after the announcement of 12 March (220,000 sign-ups in 24 hours on
14 March), about 1 million users within days, about 2.5 million early April, about 230,000
virtual classes a day at the peak; weekends and school holidays are quieter and usage fades
after the déconfinement (11 May).

The curve is built from those published anchors (piecewise, with seeded noise of a few percent)
and rescaled so that the anchors hold before noise; the file is a ``;``-separated UTF-8 table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from egn_analytics.reference import calendar, public_holidays
from egn_analytics.synth.common import SYNTHETIC_TAG, FileRecord, rng_for, write_csv_table

CNED_FILE = f"cned/ma_classe_a_la_maison_quotidien_2020_{SYNTHETIC_TAG}.csv"
START = dt.date(2020, 3, 2)
END = dt.date(2020, 7, 3)

#: Published anchors (orders of magnitude).
SIGNUPS_14_MARCH = 220_000
USERS_17_MARCH = 1_000_000  # « about 1 million users in the first days »
USERS_3_APRIL = 2_500_000  # « about 2.5 million early April »
PEAK_VIRTUAL_CLASSES = 230_000
#: Split of sign-ups by level (école, collège, lycée): a plausible hypothesis.
LEVEL_SHARES = (0.46, 0.34, 0.20)

#: Sign-ups on the days of the rush, fixed by hand around the published 14 March figure.
_RUSH = {
    dt.date(2020, 3, 12): 45_000,  # announcement at 20 h
    dt.date(2020, 3, 13): 160_000,
    dt.date(2020, 3, 14): SIGNUPS_14_MARCH,
    dt.date(2020, 3, 15): 170_000,
    dt.date(2020, 3, 16): 230_000,
}
_WEEKEND_SIGNUPS = 0.45
_WEEKEND_CLASSES = 0.15


def _holiday_share(days: list[dt.date]) -> np.ndarray:
    """Share of académies on school holidays each day (spring breaks are staggered by zone)."""
    cal = calendar(days[0], days[-1])
    share = (
        cal.group_by("date")
        .agg(pl.col("vacances").is_not_null().mean().alias("share"))
        .sort("date")
        .get_column("share")
    )
    return share.to_numpy()


def _off_days(days: list[dt.date]) -> np.ndarray:
    """Weekends and public holidays (Easter Monday, 1 and 8 May, Ascension, Whit Monday)."""
    ferie = set(public_holidays(days[0], days[-1]).get_column("date").to_list())
    return np.array([x.weekday() >= 5 or x in ferie for x in days])


def _geometric(start: float, end: float, n: int) -> np.ndarray:
    return start * (end / start) ** (np.arange(n) / max(n - 1, 1))


def _signups_curve(days: list[dt.date]) -> np.ndarray:
    """Expected daily sign-ups (no noise), calibrated on the 17 March and 3 April anchors."""
    d = np.array(days)
    weekend = _off_days(days)
    out = np.zeros(len(days))
    oise = d < dt.date(2020, 3, 12)
    out[oise] = np.where(weekend[oise], 1_500.0, 4_000.0)  # the Oise only
    for day, value in _RUSH.items():
        out[days.index(day)] = value
    # 17 March: what is left to reach 1 million users.
    i17 = days.index(dt.date(2020, 3, 17))
    out[i17] = USERS_17_MARCH - out[:i17].sum()
    # 18 March - 3 April: decay, scaled so that 2.5 million users are reached on 3 April.
    i03 = days.index(dt.date(2020, 4, 3))
    seg = slice(i17 + 1, i03 + 1)
    shape = _geometric(140_000, 55_000, i03 - i17) * np.where(weekend[seg], _WEEKEND_SIGNUPS, 1)
    out[seg] = shape * (USERS_3_APRIL - USERS_17_MARCH) / shape.sum()
    # Then a slow decline, lower on holidays, a small bump at the déconfinement.
    i_may = days.index(dt.date(2020, 5, 11))
    tail1 = slice(i03 + 1, i_may)
    out[tail1] = _geometric(50_000, 12_000, i_may - i03 - 1)
    tail2 = slice(i_may, len(days))
    out[tail2] = _geometric(12_000, 3_000, len(days) - i_may)
    out[i_may] *= 1.5
    late = np.arange(len(days)) > i03
    out[late] *= np.where(weekend[late], _WEEKEND_SIGNUPS, 1.0)
    out[late] *= 1.0 - 0.3 * _holiday_share(days)[late]
    return out


def _classes_curve(days: list[dt.date]) -> np.ndarray:
    """Expected virtual classes a day (no noise), peaking at the published ≈ 230,000."""
    n = len(days)
    t = np.array([(x - dt.date(2020, 3, 16)).days for x in days], dtype=np.float64)
    weekend = _off_days(days)
    ramp = np.clip((t + 1) / 15.0, 0.0, 1.0) ** 0.7  # two weeks to get going
    fade = np.interp(
        t,
        [0, 14, 56, 78, 98, 109],  # 16 Mar, 30 Mar, 11 May, 2 Jun, 22 Jun, 3 Jul
        [1.0, 1.0, 0.85, 0.45, 0.25, 0.10],
    )
    curve = np.where(t >= 0, ramp * fade, 0.0)
    curve = np.where((t < 0) & (t >= -12), 0.003, curve)  # a few Oise classes
    curve = curve * (1.0 - 0.6 * _holiday_share(days)) * np.where(weekend, _WEEKEND_CLASSES, 1)
    if n == 0 or curve.max() <= 0:
        return curve
    return curve * PEAK_VIRTUAL_CLASSES / curve.max()


def cned_daily(seed: int) -> pl.DataFrame:
    """The daily table (typed), with seeded noise of a few percent around the curves."""
    rng = rng_for(seed, "cned")
    days = pl.date_range(START, END, "1d", eager=True).to_list()
    signups_exp = _signups_curve(days)
    noise = np.exp(rng.normal(0.0, 0.04, len(days)))
    noise[days.index(dt.date(2020, 3, 14))] = np.exp(rng.normal(0.0, 0.02))
    signups = np.round(signups_exp * noise).astype(np.int64)
    classes = np.round(_classes_curve(days) * np.exp(rng.normal(0.0, 0.03, len(days))))
    levels = np.array([rng.multinomial(int(s), LEVEL_SHARES) for s in signups])
    return pl.DataFrame(
        {
            "date": days,
            "inscriptions": signups,
            "utilisateurs_cumules": np.cumsum(signups),
            "classes_virtuelles": classes.astype(np.int64),
            "inscriptions_ecole": levels[:, 0],
            "inscriptions_college": levels[:, 1],
            "inscriptions_lycee": levels[:, 2],
            "donnees": [SYNTHETIC_TAG] * len(days),
        },
        schema_overrides={"date": pl.Date},
    )


def write_cned(out_dir: Path, seed: int) -> list[FileRecord]:
    """Write the daily « Ma classe à la maison » table (``;``, UTF-8) atomically."""
    out_dir = Path(out_dir)
    dest = out_dir / CNED_FILE
    table = cned_daily(seed)
    description = (
        "CNED « Ma classe à la maison » : inscriptions quotidiennes (par niveau), "
        "utilisateurs cumulés et classes virtuelles par jour, mars à juillet 2020"
    )
    return [write_csv_table(table, dest, out_dir, "cned", description)]
