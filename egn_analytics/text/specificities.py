"""Term specificities (Lafon's hypergeometric model), as Lexico, TXM and Iramuteq compute them.

Why this model: a DEPP analyst reading « what does this région académique say more than the
others? » expects the specificity scores of French textometry, not tf-idf. The corpus is an urn
of ``T`` tokens, ``F`` of them the term; a part (a theme, a région académique, a source) draws
``t`` tokens without replacement and contains the term ``f`` times. Under the null hypothesis
(the part is a random draw) ``f`` follows the hypergeometric law ``H(T, F, t)``, of mean
``t·F/T``.

* over-use (``f`` ≥ the mean): score ``= −log10 P(X ≥ f)`` (positive);
* under-use (``f`` < the mean): score ``= log10 P(X ≤ f)`` (negative).

A score of +3 reads « a frequency this high or higher had a one-in-a-thousand chance »; TXM
flags |score| ≥ 2 by default (:data:`BANALITY`). Probabilities come from scipy's log survival
and distribution functions, so very specific terms (p far below 1e-300) keep finite scores.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import special

#: TXM's default banality threshold: |score| below it is not specific.
BANALITY = 2.0

SPECIFICITY_SCHEMA = pl.Schema(
    {
        "part": pl.String(),
        "term": pl.String(),
        "f": pl.Int64(),
        "F": pl.Int64(),
        "t": pl.Int64(),
        "T": pl.Int64(),
        "expected": pl.Float64(),
        "score": pl.Float64(),
        "p_value": pl.Float64(),
    }
)


def term_counts(tokens: pl.DataFrame | pl.LazyFrame, part: str, term: str) -> pl.DataFrame:
    """(part, term, n) counts from one row per token occurrence."""
    lf = tokens.lazy() if isinstance(tokens, pl.DataFrame) else tokens
    return (
        lf.select(
            pl.col(part).cast(pl.String).alias("part"), pl.col(term).cast(pl.String).alias("term")
        )
        .drop_nulls()
        .group_by("part", "term")
        .agg(pl.len().cast(pl.Int64).alias("n"))
        .collect()
    )


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)


def _log_hypergeom_tail(
    f: np.ndarray, big_t: int, big_f: np.ndarray, t: np.ndarray, *, upper: np.ndarray
) -> np.ndarray:
    """Natural log of P(X ≥ f) where ``upper``, else of P(X ≤ f), for X ~ H(T, F, t).

    Only for the tail *away from the mean* (``upper`` where f ≥ t·F/T), as
    :func:`specificities` asks: summing from ``f`` across the mode would overflow.

    Why not scipy's ``hypergeom.logsf``: it sums each tail in a Python loop, one cell at a
    time, which took 47 s for the 5 × 1,000 cells of a small lexical table. Here every cell's
    tail is summed at once, term after term, from the pmf at ``f`` (log-gamma, so a tail far
    below 1e-300 keeps a finite log) with the pmf's ratio between neighbours:
    ``p(k+1)/p(k) = (F−k)(t−k) / ((k+1)(T−F−t+k+1))``. A cell stops when its next term is below
    1e-17 of its sum past the mode, or at the end of the support: exact to machine precision.
    """
    f = np.asarray(f, dtype=np.float64)
    big_f = np.asarray(big_f, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    upper = np.broadcast_to(np.asarray(upper, dtype=bool), f.shape)
    big = float(big_t)
    log_p0 = (
        _log_choose(big_f, f)
        + _log_choose(big - big_f, t - f)
        - _log_choose(np.full_like(t, big), t)
    )
    bound = np.where(upper, np.minimum(big_f, t), np.maximum(0.0, t - (big - big_f)))
    total = np.ones_like(f)
    term = np.ones_like(f)
    k = f.copy()
    active = np.flatnonzero(k != bound)
    while active.size:
        kk, ff, tt, up = k[active], big_f[active], t[active], upper[active]
        ratio = np.where(
            up,
            (ff - kk) * (tt - kk) / ((kk + 1) * (big - ff - tt + kk + 1)),
            kk * (big - ff - tt + kk) / ((ff - kk + 1) * (tt - kk + 1)),
        )
        term[active] *= ratio
        total[active] += term[active]
        k[active] = kk + np.where(up, 1.0, -1.0)
        done = (k[active] == bound[active]) | ((ratio < 1) & (term[active] < 1e-17 * total[active]))
        active = active[~done]
    return log_p0 + np.log(total)


def specificities(counts: pl.DataFrame, *, min_frequency: int = 1) -> pl.DataFrame:
    """Specificity of every (part, term) of a lexical table, zeros included.

    ``counts``: columns ``part``, ``term``, ``n`` (occurrences of the term in the part; absent
    pairs are zeros, and are scored too: a term missing from a part can be significantly
    under-used there). ``min_frequency`` drops terms whose corpus frequency ``F`` is lower
    (hapaxes carry no evidence). Columns: :data:`SPECIFICITY_SCHEMA`; ``p_value`` is the
    one-sided probability behind the score. Sorted by part, then score descending.
    """
    missing = [c for c in ("part", "term", "n") if c not in counts.columns]
    if missing:
        raise ValueError(f"table lexicale sans colonne(s) : {', '.join(missing)}")
    if counts.height and counts["n"].min() < 0:  # type: ignore[operator]
        raise ValueError("table lexicale : effectif négatif")
    table = counts.group_by("part", "term").agg(pl.col("n").sum().cast(pl.Int64))
    big_f = table.group_by("term").agg(pl.col("n").sum().alias("F"))
    small_t = table.group_by("part").agg(pl.col("n").sum().alias("t"))
    big_t = int(table["n"].sum())
    kept = big_f.filter(pl.col("F") >= min_frequency)
    grid = (
        small_t.join(kept, how="cross")
        .join(table, on=["part", "term"], how="left")
        .with_columns(pl.col("n").fill_null(0).alias("f"), pl.lit(big_t, dtype=pl.Int64).alias("T"))
        .drop("n")
    )
    f = grid["f"].to_numpy()
    big_f_arr = grid["F"].to_numpy()
    t = grid["t"].to_numpy()
    expected = t * big_f_arr / big_t if big_t else np.zeros(len(grid))
    over = f >= expected
    log_p = _log_hypergeom_tail(f, big_t, big_f_arr, t, upper=over)
    score = np.where(over, -log_p, log_p) / np.log(10)
    return (
        grid.with_columns(
            pl.Series("expected", expected, dtype=pl.Float64),
            pl.Series("score", score + 0.0, dtype=pl.Float64),  # + 0.0: no negative zero
            pl.Series("p_value", np.exp(log_p), dtype=pl.Float64),
        )
        .select(list(SPECIFICITY_SCHEMA))
        .sort(["part", "score", "term"], descending=[False, True, False])
    )
