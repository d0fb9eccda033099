"""Time-series models of daily ENT usage: interrupted time series (ITS) and STL decomposition.

Why these two: the question the EGN asks of the ENT logs is « how much did usage change when
schools closed on 16 March 2020, and again when they reopened on 11 May? ». A segmented
regression answers it with a number and an interval; STL shows the same series as trend +
weekly pattern + remainder, without any assumption about where the breaks are.

Input: the daily usage table (``jour`` Date, ``code_academie``, ``profil``, ``evenements``,
``visites``, ``utilisateurs``), or any frame with a ``jour`` column and a numeric value column.
``jour`` is the local (Europe/Paris) calendar day, built upstream: Sunday 29 March 2020 (change
to summer time) has 23 hours, which shows as a small negative residual and is not modelled.

Series construction (shared by :func:`its`, :func:`its_fitted` and :func:`decompose`)
---------------------------------------------------------------------------------------
- Rows are **summed** per group and day: over académies for a national fit (``by=None``), and
  over profiles always. Filter the profile first (``daily.filter(pl.col("profil") == "élève")``)
  unless the all-profile total is what you want. Events and visits add up across académies;
  distinct users do not quite (a user active in two académies counts in each): for national
  ``utilisateurs`` fit ``usage.national_daily`` (exact distinct counts) with ``by=None``.
- **Absent days are zeros.** The table is aggregated from an event log, in which a day with no
  event leaves no row: zero is the observation, and interpolating would invent activity. Every
  group is laid on the same grid of days, from the first to the last ``jour`` of the input.
- **Null values are unknown**, not zero (a logging outage declared upstream): a day whose value
  is null in any contributing row is dropped from the ITS fit and interpolated linearly for STL.

ITS specification (one ordinary least-squares fit per group)
------------------------------------------------------------
::

    y_t = b0 + b1·t + Σ_k [ c_k·S_k(t) + d_k·(t − T_k)·S_k(t) ] + Σ_{j=2..7} g_j·D_j(t) + h·H(t) + e_t

- ``y_t = log(value_t + 1)`` (``log=True``, default: effects are relative, ``exp(c) − 1``), or
  the value itself (``log=False``: effects in units of the value);
- ``t`` = days since the first day of the series; ``T_k`` = day of break ``k``;
  ``S_k(t) = 1`` from the break day on (0 before);
- ``c_k`` (« niveau ») is the jump at the break relative to the segment before it, extended;
  ``d_k`` (« pente ») is the change in daily trend from the break on;
- ``D_j`` = day-of-week dummies, Monday the reference (weekends are handled here, no separate
  weekend term);
- ``H(t)`` = holiday indicator: 1 on a day of school holidays of the académie's zone or on a
  public holiday of the académie (:func:`egn_analytics.reference.calendar`, weekends inside a
  holiday period included). A single ``h`` holds for the whole series (the same relative
  holiday drop before, during and after the closure). For a group that pools several académies
  (``by=None`` or another ``by``), the holiday *share* ``s(t)`` of the group's activity is
  computed, each académie weighted by its share of the group's total value over the series
  (equal weights over the 30 académies if the input has no ``code_academie`` column), and
  ``h·H(t)`` becomes one indicator per 5 %-bin of ``s(t)`` (bin 0, below 2.5 %, the
  reference). Why bins and not ``s`` itself: the log of a sum is not linear in the share
  (``log(1 − s + s·e^h)``), and with zones on holiday in turn (zone C from 4 April, B from 11,
  A from 18) a linear term in ``s`` biased the level changes by about 0.01 on the log scale in
  simulations (a −45 % holiday drop, five académies), ten times the Monte Carlo error; the
  bins remove that bias for a few degrees of freedom. The DROM calendars are incomplete in
  the reference: only their listed periods count, and ``calendrier_complet`` is false for them. ``holidays=False`` drops the term (to show what
  ignoring the calendar does, not for real use);
- ``e_t``: by default (``errors="ar1"``) AR(1) errors, fitted by feasible GLS (statsmodels
  ``GLSAR``, iterated Cochrane–Orcutt; the first day is lost to the whitening): daily usage is
  correlated from one day to the next, by habit and by holiday blocks. Intervals and p-values
  use Student's t with ``n − k`` degrees of freedom. ``errors="hac"`` keeps OLS with
  Newey–West standard errors (``cov_type="HAC"``, Bartlett kernel, ``maxlags=7`` by default,
  ``n/(n − k)`` correction), the textbook choice, kept for comparison.

**Why AR(1) and not HAC by default** (measured by ``tests/usage/test_models.py``): with about
180 days, some 13 parameters and step and trend regressors, Newey–West standard errors are too
small. In simulations with AR(1) errors (ρ = 0 to 0.6) the HAC 95 % intervals covered the
truth 80 to 90 % of the time, and a *larger* ``maxlags`` makes it worse (the residuals are
orthogonal to persistent regressors, which biases their long-run variance downwards) — the
known finite-sample behaviour of HAC in interrupted time series. GLS with AR(1) errors gave 90
to 95 % coverage in the same simulations; it is right when the errors are close to AR(1)
(check the residuals of :func:`its_fitted`).

Each segment (before the first break, between breaks, after the last) needs at least
:data:`MIN_SEGMENT_DAYS` days, so that its level, its slope and the weekly pattern are all
identified from data rather than from extrapolation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np
import polars as pl
import statsmodels.api as sm
from statsmodels.tsa.seasonal import STL

from egn_analytics.reference import ITS_BREAKS, academies, calendar, phases_covid

#: Default breaks: closure of all schools (Monday 16 March 2020), first reopening (11 May).
#: Read from the shipped Covid phases (:mod:`egn_analytics.reference.periods`).
DEFAULT_BREAKS: tuple[str, ...] = ITS_BREAKS
#: Fewest days a segment may have: two full weeks (level, slope and day-of-week identified).
MIN_SEGMENT_DAYS = 14
#: Default Newey–West truncation lag (one week of daily data).
DEFAULT_MAXLAGS = 7
#: How the errors are handled: Newey–West (HAC) covariance of OLS, or GLS with AR(1) errors.
Errors = Literal["hac", "ar1"]

_GROUP = "__groupe"
_NATIONAL = "national"
_DAY = "jour"
_ACADEMIE = "code_academie"
_EFFECTS = ("niveau", "pente")
_EFFECT_LABELS = {"niveau": "Changement de niveau", "pente": "Changement de pente"}
_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_WEEKDAYS = ("mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _fr_date(day: dt.date) -> str:
    """« 16 mars 2020 », « 1er juin 2020 »: labels are French (no plotting dependency here)."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_MONTHS[day.month - 1]} {day.year}"


# --- input checks ---------------------------------------------------------------------------


def _parse_breaks(breaks: Sequence[str | dt.date]) -> list[dt.date]:
    parsed: list[dt.date] = []
    for b in breaks:
        if isinstance(b, dt.date):
            parsed.append(b)
            continue
        try:
            parsed.append(dt.date.fromisoformat(b))
        except ValueError:
            raise ValueError(
                f"date de rupture invalide : {b!r} (format attendu AAAA-MM-JJ, "
                f"par exemple « 2020-03-16 »)"
            ) from None
    if not parsed:
        raise ValueError("au moins une date de rupture est nécessaire (par exemple 2020-03-16)")
    if any(a >= b for a, b in pairwise(parsed)):
        dates = ", ".join(_fr_date(d) for d in parsed)
        raise ValueError(f"dates de rupture non strictement croissantes : {dates}")
    return parsed


def _check_columns(frame: pl.DataFrame, value: str, by: str | None) -> None:
    needed = [_DAY, value] + ([by] if by is not None else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"colonne(s) absente(s) : {', '.join(missing)} ; colonnes présentes : "
            f"{', '.join(frame.columns)}"
        )
    if frame.schema[_DAY] != pl.Date:
        raise ValueError(
            f"la colonne « {_DAY} » doit être de type Date (jour civil local), "
            f"pas {frame.schema[_DAY]}"
        )
    if not frame.schema[value].is_numeric():
        raise ValueError(f"la colonne « {value} » doit être numérique, pas {frame.schema[value]}")
    if frame.is_empty():
        raise ValueError("série vide : aucune ligne à modéliser")
    if frame.get_column(_DAY).null_count():
        raise ValueError(f"la colonne « {_DAY} » contient des dates manquantes")
    if by is not None and frame.get_column(by).null_count():
        raise ValueError(f"la colonne de regroupement « {by} » contient des valeurs manquantes")


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"niveau de confiance invalide : {level} (attendu entre 0 et 1, ex. 0.95)")


def _check_academies(frame: pl.DataFrame) -> None:
    """Unknown codes would silently get no holidays at all: refuse them instead."""
    known = academies().get_column(_ACADEMIE)
    column = frame.get_column(_ACADEMIE)
    codes = column.drop_nulls().unique().sort()
    bad = codes.filter(~codes.is_in(known.implode()))
    if bad.len() or column.null_count():
        shown = ", ".join(bad.head(5).to_list()) or "valeur manquante"
        raise ValueError(
            f"code(s) d'académie inconnu(s) : {shown} (codes officiels, par exemple « 01 » pour "
            f"Paris : voir egn_analytics.reference.academies())"
        )


def _check_segments(start: dt.date, end: dt.date, breaks: list[dt.date]) -> None:
    """Breaks strictly inside the data, and every segment at least two weeks long."""
    span = f"du {_fr_date(start)} au {_fr_date(end)}"
    for b in breaks:
        if not start < b <= end:
            raise ValueError(
                f"rupture du {_fr_date(b)} hors de la période des données ({span}) : "
                f"il faut des jours observés avant et à partir de la rupture"
            )
    bounds = [start, *breaks, end + dt.timedelta(days=1)]
    lengths = [(b - a).days for a, b in pairwise(bounds)]
    n_days = (end - start).days + 1
    if min(lengths) < MIN_SEGMENT_DAYS:
        i = lengths.index(min(lengths))
        where = (
            f"avant le {_fr_date(breaks[0])}"
            if i == 0
            else f"à partir du {_fr_date(breaks[-1])}"
            if i == len(breaks)
            else f"entre le {_fr_date(breaks[i - 1])} et le {_fr_date(breaks[i])}"
        )
        raise ValueError(
            f"série trop courte : {n_days} jours ({span}), dont {lengths[i]} {where} ; il faut "
            f"au moins {MIN_SEGMENT_DAYS} jours avant, entre et après les ruptures "
            f"(niveau, pente et jours de la semaine de chaque segment)"
        )


# --- the daily grid and the holiday regressor -----------------------------------------------


def _group_expr(by: str | None) -> pl.Expr:
    return (pl.col(by) if by is not None else pl.lit(_NATIONAL)).alias(_GROUP)


def _daily_grid(frame: pl.DataFrame, value: str, by: str | None) -> pl.DataFrame:
    """One row per (group, day) over the input's full day range; see the module notes.

    Columns: ``__groupe``, ``jour``, ``y`` (Float64: the value summed over the group's rows;
    0 on an absent day, null where a contributing row is null) and ``filled`` (day absent or
    value unknown).
    """
    per_day = (
        frame.with_columns(_group_expr(by))
        .group_by(_GROUP, _DAY)
        .agg(
            pl.when(pl.col(value).null_count() > 0)
            .then(None)
            .otherwise(pl.col(value).sum())
            .cast(pl.Float64)
            .alias("y"),
            pl.lit(True).alias("present"),
        )
    )
    start, end = frame.get_column(_DAY).min(), frame.get_column(_DAY).max()
    days = pl.DataFrame({_DAY: pl.date_range(start, end, "1d", eager=True)})  # type: ignore[arg-type]
    return (
        per_day.select(_GROUP)
        .unique()
        .join(days, how="cross")
        .join(per_day, on=[_GROUP, _DAY], how="left")
        .select(
            _GROUP,
            _DAY,
            pl.when(pl.col("present").is_null()).then(0.0).otherwise(pl.col("y")).alias("y"),
            (pl.col("present").is_null() | pl.col("y").is_null()).alias("filled"),
        )
        .sort(_GROUP, _DAY)
    )


def _holiday_share(frame: pl.DataFrame, value: str, by: str | None) -> pl.DataFrame:
    """Share of each group's activity on holiday, per day: ``__groupe``, ``jour``,
    ``vacances`` (0/1 for one académie) and ``calendrier_connu`` (every académie's calendar known).

    Weights are the académies' shares of the group's total value (a group summing to zero:
    equal weights), so that a national series is not told Paris is on holiday when only a
    small académie is.
    """
    start, end = frame.get_column(_DAY).min(), frame.get_column(_DAY).max()
    cal = calendar(start, end).select(  # type: ignore[arg-type]
        _ACADEMIE,
        pl.col("date").alias(_DAY),
        (pl.col("vacances").is_not_null() | pl.col("jour_ferie").is_not_null())
        .cast(pl.Float64)
        .alias("off"),
        "calendrier_connu",
    )
    if _ACADEMIE in frame.columns:
        _check_academies(frame)
        weights = (
            frame.with_columns(_group_expr(by))
            .group_by(_GROUP, _ACADEMIE)
            .agg(pl.col(value).sum().cast(pl.Float64).fill_null(0.0).alias("w"))
        )
    else:
        weights = (
            frame.select(_group_expr(by))
            .unique()
            .join(academies().select(_ACADEMIE), how="cross")
            .with_columns(pl.lit(1.0).alias("w"))
        )
    total = pl.col("w").sum().over(_GROUP)
    weights = weights.with_columns(
        pl.when(total > 0).then(pl.col("w") / total).otherwise(1.0 / pl.len().over(_GROUP))
    )
    return (
        weights.join(cal, on=_ACADEMIE)
        .group_by(_GROUP, _DAY)
        .agg(
            (pl.col("w") * pl.col("off")).sum().clip(0.0, 1.0).alias("vacances"),
            pl.col("calendrier_connu").all(),
        )
    )


# --- ITS fitting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fit:
    """One group's fit: its days (with regressors), design, and statsmodels results."""

    key: object
    days: pl.DataFrame  # jour, y, vacances, calendrier_connu
    design: np.ndarray
    names: list[str]
    result: object  # statsmodels RegressionResultsWrapper (untyped)
    n_days: int
    method: str  # French description of the inference, for the output table


def _design(
    t: np.ndarray,
    weekday: np.ndarray,
    holiday: np.ndarray | None,
    break_t: list[int],
) -> tuple[np.ndarray, list[str]]:
    """Columns of the segmented regression (see the module docstring), and their names."""
    columns = [np.ones_like(t, dtype=float), t.astype(float)]
    names = ["constante", "tendance"]
    for k, tk in enumerate(break_t):
        step = (t >= tk).astype(float)
        columns += [step, (t - tk) * step]
        names += [f"niveau_{k}", f"pente_{k}"]
    for j, day_name in enumerate(_WEEKDAYS, start=2):
        columns.append((weekday == j).astype(float))
        names.append(day_name)
    if holiday is not None:
        # One indicator per non-empty 5 %-bin of the holiday share (module notes); an académie's
        # 0/1 indicator gives a single column. No holiday in the window: no column at all.
        bins = np.rint(holiday * 20).astype(int)
        levels = np.unique(bins[bins > 0])
        for b in levels:
            columns.append((bins == b).astype(float))
            names.append("vacances" if levels.size == 1 and b == 20 else f"vacances_{5 * b}")
    return np.column_stack(columns), names


def _fit_groups(
    daily: pl.DataFrame,
    value: str,
    by: str | None,
    breaks: Sequence[str | dt.date],
    *,
    log: bool,
    holidays: bool,
    maxlags: int,
    errors: Errors,
) -> tuple[list[_Fit], list[dt.date]]:
    _check_columns(daily, value, by)
    if maxlags < 0:
        raise ValueError(f"maxlags doit être positif ou nul, pas {maxlags}")
    if errors not in ("hac", "ar1"):
        raise ValueError(f"errors inconnu : {errors!r} (« hac » ou « ar1 »)")
    parsed = _parse_breaks(breaks)
    start: dt.date = daily.get_column(_DAY).min()  # type: ignore[assignment]
    end: dt.date = daily.get_column(_DAY).max()  # type: ignore[assignment]
    _check_segments(start, end, parsed)
    if log and (daily.get_column(value) < 0).any():
        raise ValueError(
            f"« {value} » a des valeurs négatives : log(valeur + 1) impossible (log=False ?)"
        )
    grid = _daily_grid(daily, value, by).join(
        _holiday_share(daily, value, by), on=[_GROUP, _DAY], how="left"
    )
    break_t = [(b - start).days for b in parsed]
    fits: list[_Fit] = []
    for key, part in grid.partition_by(_GROUP, as_dict=True, maintain_order=True).items():
        t = part.select((pl.col(_DAY) - pl.lit(start)).dt.total_days()).to_series().to_numpy()
        weekday = part.get_column(_DAY).dt.weekday().to_numpy()
        holiday = part.get_column("vacances").to_numpy() if holidays else None
        design, names = _design(t, weekday, holiday, break_t)
        y = part.get_column("y").to_numpy()
        used = ~np.isnan(y)
        n_used = int(used.sum())
        if n_used <= len(names) + 1:
            raise ValueError(
                f"groupe {key[0]} : {n_used} jours observés seulement pour {len(names)} "
                f"paramètres (valeurs manquantes ?)"
            )
        outcome = np.log1p(y[used]) if log else y[used]
        result, method = _fit_one(outcome, design[used], errors, maxlags)
        fits.append(_Fit(key[0], part, design, names, result, n_used, method))
    return fits, parsed


def _fit_one(y: np.ndarray, x: np.ndarray, errors: Errors, maxlags: int) -> tuple[object, str]:
    """OLS with Newey–West covariance, or iterated GLS with AR(1) errors (module notes)."""
    if errors == "hac":
        result = sm.OLS(y, x).fit(
            cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": True}, use_t=True
        )
        return result, f"MCO, écarts-types de Newey–West (HAC, {maxlags} retards)"
    model = sm.GLSAR(y, x, rho=1)
    result = model.iterative_fit(maxiter=50)
    rho = f"{float(model.rho[0]):.2f}".replace(".", ",")
    return result, f"MCG, erreurs autorégressives d'ordre 1 (ρ estimé = {rho})"


def its(
    daily: pl.DataFrame,
    value: str = "visites",
    *,
    by: str | None = "code_academie",
    breaks: Sequence[str | dt.date] = DEFAULT_BREAKS,
    log: bool = True,
    level: float = 0.95,
    holidays: bool = True,
    maxlags: int = DEFAULT_MAXLAGS,
    errors: Errors = "ar1",
) -> pl.DataFrame:
    """Interrupted time series (segmented regression) of a daily series, one fit per group.

    Why a regression and not a before/after ratio: usage was already trending, the week has a
    strong pattern and the holidays of each zone fell inside the closure; the model separates
    the break from all three (specification in the module docstring).

    ``by`` names the grouping column (``"code_academie"``: one fit per académie); ``None`` fits
    one national series, the sum of all rows per day. Profiles are always summed: filter the
    profile first (``daily.filter(pl.col("profil") == "élève")``).

    Returns one row per (group, break, effect): the ``by`` column (absent if ``by=None``),
    ``variable``, ``rupture`` (Date), ``effet`` (« niveau » or « pente »), ``libelle``
    (« Changement de niveau au 16 mars 2020 »), ``evenement`` (the key date's description in
    :func:`egn_analytics.reference.phases_covid`, or null), ``estimate``, ``se``, ``ci_lower``,
    ``ci_upper``, ``p_value`` (t test), ``relative_change`` with
    ``relative_ci_lower`` / ``relative_ci_upper`` (log models only: ``exp(b) − 1`` as a
    proportion, −0.4 for −40 %; for « pente » it is the change in daily growth rate),
    ``n_days`` (days in the fit), ``calendrier_complet`` (false if some académie's holiday
    calendar is only partly known: DROM) and ``methode`` (the inference, in French).

    ``errors="ar1"`` (default): GLS with AR(1) errors, close to nominal coverage in series
    this short (``maxlags`` unused); ``errors="hac"``: OLS with Newey–West standard errors,
    ``maxlags`` lags — too-narrow intervals here, see the caveat in the module docstring.

    Raises ``ValueError`` (in French) for missing columns, a break outside the data, a segment
    shorter than :data:`MIN_SEGMENT_DAYS` days, unknown académie codes or negative values
    under ``log=True``.
    """
    _check_level(level)
    fits, parsed = _fit_groups(
        daily, value, by, breaks, log=log, holidays=holidays, maxlags=maxlags, errors=errors
    )
    events = dict(phases_covid().select("date", "evenement").iter_rows())
    alpha = 1.0 - level
    rows: list[dict[str, object]] = []
    for fit in fits:
        res = fit.result
        params, bse, pvalues = res.params, res.bse, res.pvalues  # type: ignore[attr-defined]
        ci = res.conf_int(alpha=alpha)  # type: ignore[attr-defined]
        complete = bool(fit.days.get_column("calendrier_connu").all())
        for k, b in enumerate(parsed):
            for effect in _EFFECTS:
                i = fit.names.index(f"{effect}_{k}")
                rows.append(
                    {
                        _GROUP: fit.key,
                        "variable": value,
                        "rupture": b,
                        "effet": effect,
                        "libelle": f"{_EFFECT_LABELS[effect]} au {_fr_date(b)}",
                        "evenement": events.get(b),
                        "estimate": float(params[i]),
                        "se": float(bse[i]),
                        "ci_lower": float(ci[i, 0]),
                        "ci_upper": float(ci[i, 1]),
                        "p_value": float(pvalues[i]),
                        "n_days": fit.n_days,
                        "calendrier_complet": complete,
                        "methode": fit.method,
                    }
                )
    schema = {
        _GROUP: daily.schema[by] if by is not None else pl.String,
        "variable": pl.String,
        "rupture": pl.Date,
        "effet": pl.String,
        "libelle": pl.String,
        "evenement": pl.String,
        "estimate": pl.Float64,
        "se": pl.Float64,
        "ci_lower": pl.Float64,
        "ci_upper": pl.Float64,
        "p_value": pl.Float64,
        "n_days": pl.Int64,
        "calendrier_complet": pl.Boolean,
        "methode": pl.String,
    }
    out = pl.DataFrame(rows, schema=schema, orient="row")

    def relative(col: str) -> pl.Expr:
        return (pl.col(col).exp() - 1.0) if log else pl.lit(None, dtype=pl.Float64)

    out = out.with_columns(
        relative("estimate").alias("relative_change"),
        relative("ci_lower").alias("relative_ci_lower"),
        relative("ci_upper").alias("relative_ci_upper"),
    ).select(
        _GROUP,
        "variable",
        "rupture",
        "effet",
        "libelle",
        "evenement",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "p_value",
        "relative_change",
        "relative_ci_lower",
        "relative_ci_upper",
        "n_days",
        "calendrier_complet",
        "methode",
    )
    return out.rename({_GROUP: by}) if by is not None else out.drop(_GROUP)


def its_fitted(
    daily: pl.DataFrame,
    value: str = "visites",
    *,
    by: str | None = "code_academie",
    breaks: Sequence[str | dt.date] = DEFAULT_BREAKS,
    log: bool = True,
    holidays: bool = True,
    maxlags: int = DEFAULT_MAXLAGS,
    errors: Errors = "ar1",
) -> pl.DataFrame:
    """Observed, fitted and counterfactual daily values of the :func:`its` model, for plots.

    Same arguments and series as :func:`its`. Columns: the ``by`` column (absent if
    ``by=None``), ``jour``, ``observed`` (the summed value; 0 on an absent day, null where
    unknown), ``fitted``, ``counterfactual`` and ``vacances`` (holiday indicator or share).

    ``counterfactual`` is the model with every break term set to zero: the pre-closure level
    and trend extended, *with* the same weekly pattern and holidays, so that the gap between
    ``fitted`` and ``counterfactual`` is exactly the estimated effect of the breaks. For log
    models both are back-transformed with ``exp(ŷ) − 1`` (the median, not the mean, under
    log-normal errors): on the scale of ``observed``.
    """
    fits, _ = _fit_groups(
        daily, value, by, breaks, log=log, holidays=holidays, maxlags=maxlags, errors=errors
    )
    parts: list[pl.DataFrame] = []
    for fit in fits:
        params = np.asarray(fit.result.params)  # type: ignore[attr-defined]
        no_break = fit.design.copy()
        is_break = [n.startswith(("niveau_", "pente_")) for n in fit.names]
        no_break[:, is_break] = 0.0
        fitted, counterfactual = fit.design @ params, no_break @ params
        if log:
            fitted, counterfactual = np.expm1(fitted), np.expm1(counterfactual)
        parts.append(
            fit.days.select(
                _GROUP,
                _DAY,
                pl.col("y").alias("observed"),
                pl.Series("fitted", fitted),
                pl.Series("counterfactual", counterfactual),
                "vacances",
            )
        )
    out = pl.concat(parts)
    if by is not None:
        out = out.with_columns(pl.col(_GROUP).cast(daily.schema[by]))
        return out.rename({_GROUP: by})
    return out.drop(_GROUP)


# --- STL ------------------------------------------------------------------------------------


def decompose(
    series: pl.DataFrame, value: str, *, period: int = 7, robust: bool = True
) -> pl.DataFrame:
    """STL decomposition (statsmodels ``STL``) of a daily series: trend + seasonal + remainder.

    Why STL: it makes no assumption about where breaks are, so it is the descriptive
    companion of :func:`its` (the weekly pattern of ENT use, how it changed with the closure).
    ``robust=True`` (default) downweights outliers such as holidays and the closure days, so
    that they end up in ``resid`` rather than distort the weekly pattern; abrupt breaks are
    smoothed over the trend window (about two weeks for ``period=7``): estimate them with
    :func:`its`, not here.

    Several rows per day (académies, profiles) are summed: filter first. Missing days: an
    absent day is a **zero** (no event logged; see the module notes), a null value is unknown
    and **interpolated linearly** between its neighbours (nearest value at the ends), because
    STL needs a regular grid. Columns: ``jour``, ``observed`` (the series decomposed, after
    filling: ``observed = trend + seasonal + resid``), ``trend``, ``seasonal``, ``resid`` and
    ``filled`` (the day was absent or its value unknown).
    """
    _check_columns(series, value, None)
    if isinstance(period, bool) or not isinstance(period, int) or period < 2:
        raise ValueError(f"période invalide : {period!r} (entier ≥ 2, 7 pour une semaine)")
    grid = _daily_grid(series, value, None)
    if grid.height < 2 * period:
        raise ValueError(
            f"série trop courte pour STL : {grid.height} jours, il en faut au moins "
            f"2 × période = {2 * period}"
        )
    if grid.get_column("y").is_null().all():
        raise ValueError(f"« {value} » : aucune valeur connue, rien à décomposer")
    observed = grid.get_column("y").interpolate().fill_null(strategy="forward")
    observed = observed.fill_null(strategy="backward")
    res = STL(observed.to_numpy(), period=period, robust=robust).fit()
    return pl.DataFrame(
        {
            _DAY: grid.get_column(_DAY),
            "observed": observed,
            "trend": np.asarray(res.trend, dtype=float),
            "seasonal": np.asarray(res.seasonal, dtype=float),
            "resid": np.asarray(res.resid, dtype=float),
            "filled": grid.get_column("filled"),
        }
    )
