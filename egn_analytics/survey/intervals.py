"""Confidence intervals as R ``survey`` computes them.

* ``normal`` — ``confint()``'s default: estimate ± z₁₋α/₂ · se;
* ``t`` — ``confint(x, df = degf(design))``: Student quantile with the design's degrees of
  freedom (PSUs minus strata, in the domain);
* ``logit`` — ``svyciprop(method = "logit")``: a Wald interval on the logit scale, with
  ``degf`` degrees of freedom, transformed back (stays inside [0, 1]); the logit's SE is the
  delta method on a Taylor design, the spread of the replicate logits on a replicate design;
* ``beta`` (Korn–Graubard) — ``svyciprop(method = "beta")``: Clopper–Pearson on the effective
  sample size ``p(1-p)/var``, itself corrected by ``(t_{n-1}/t_{degf})²`` where ``n`` is R's
  ``nrow(design)``, the rows of the domain design (the caller counts them, not the respondents).

``logit`` and ``beta`` are for proportions only (means of 0/1 variables or levels of a
categorical variable).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

CIMethod = Literal["normal", "t", "logit", "beta"]
CI_METHODS: tuple[str, ...] = ("normal", "t", "logit", "beta")
_ALIASES = {"korn-graubard": "beta", "korn_graubard": "beta", "wald": "normal", "z": "normal"}

FloatArray = npt.NDArray[np.float64]


def normalise_method(method: str) -> str:
    """Accept a few spellings; an unknown method is a clear error."""
    key = _ALIASES.get(method.lower(), method.lower())
    if key not in CI_METHODS:
        raise ValueError(
            f"méthode d'intervalle inconnue « {method} » (attendu : {', '.join(CI_METHODS)})"
        )
    return key


def critical(level: float, df: npt.ArrayLike | None) -> FloatArray:
    """z or t quantile at ``1 - (1 - level)/2``; ``df`` None or inf gives the normal one."""
    q = 1 - (1 - level) / 2
    if df is None:
        return np.asarray(stats.norm.ppf(q), dtype=np.float64)
    d = np.asarray(df, dtype=np.float64)
    return np.where(np.isinf(d), stats.norm.ppf(q), stats.t.ppf(q, np.where(d > 0, d, np.nan)))


def interval(
    estimate: FloatArray,
    se: FloatArray,
    *,
    method: str,
    level: float,
    df: npt.ArrayLike,
    n: npt.ArrayLike,
    se_logit: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Lower and upper bounds for each estimate (vectorised).

    ``se_logit`` is the SE of ``logit(estimate)`` for the ``logit`` method; without it, the
    delta method ``se / (p (1 − p))``, which is what R's ``svyglm`` sandwich gives on a Taylor
    design (a replicate design passes the spread of its replicate logits instead).
    """
    method = normalise_method(method)
    est = np.asarray(estimate, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    if method == "normal":
        c = critical(level, None)
        return est - c * s, est + c * s
    if method == "t":
        c = critical(level, df)
        return est - c * s, est + c * s
    if method == "logit":
        c = critical(level, df)
        with np.errstate(divide="ignore", invalid="ignore"):
            logit = np.log(est / (1 - est))
            s_logit = s / (est * (1 - est)) if se_logit is None else np.asarray(se_logit)
            lo = 1 / (1 + np.exp(-(logit - c * s_logit)))
            hi = 1 / (1 + np.exp(-(logit + c * s_logit)))
        return lo, hi
    # Korn–Graubard (R's svyciprop(method = "beta"))
    alpha = 1 - level
    nn = np.asarray(n, dtype=np.float64)
    d = np.asarray(df, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = est * (1 - est) / (s * s)
        ratio = stats.t.ppf(alpha / 2, nn - 1) / stats.t.ppf(alpha / 2, d)
        n_eff = n_eff * ratio**2
        lo = stats.beta.ppf(alpha / 2, n_eff * est, n_eff * (1 - est) + 1)
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * est + 1, n_eff * (1 - est))
    lo = np.where(est == 0, 0.0, lo)
    hi = np.where(est == 1, 1.0, hi)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
