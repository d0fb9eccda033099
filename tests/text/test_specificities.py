"""Specificity scores against values computed by hand with exact binomial coefficients."""

from __future__ import annotations

import math
from fractions import Fraction

import polars as pl
import pytest

from egn_analytics.text import SPECIFICITY_SCHEMA, specificities, term_counts


def _p_at_least(f: int, big_f: int, t: int, big_t: int) -> Fraction:
    """P(X ≥ f), X ~ hypergeometric(T, F, t), as an exact fraction."""
    total = math.comb(big_t, t)
    return Fraction(
        sum(
            math.comb(big_f, k) * math.comb(big_t - big_f, t - k)
            for k in range(f, min(big_f, t) + 1)
        ),
        total,
    )


def _p_at_most(f: int, big_f: int, t: int, big_t: int) -> Fraction:
    total = math.comb(big_t, t)
    return Fraction(
        sum(math.comb(big_f, k) * math.comb(big_t - big_f, t - k) for k in range(0, f + 1)),
        total,
    )


# A tiny corpus: two régions académiques, three terms (15 + 10 tokens).
COUNTS = pl.DataFrame(
    {
        "part": ["Lille", "Lille", "Lille", "Corse", "Corse"],
        "term": ["ent", "cned", "tablette", "ent", "cned"],
        "n": [9, 1, 5, 2, 8],
    }
)


def test_scores_equal_the_hypergeometric_tails_by_hand() -> None:
    out = specificities(COUNTS)
    assert out.schema == SPECIFICITY_SCHEMA
    row = out.filter((pl.col("part") == "Lille") & (pl.col("term") == "ent")).row(0, named=True)
    assert (row["f"], row["F"], row["t"], row["T"]) == (9, 11, 15, 25)
    assert row["expected"] == pytest.approx(15 * 11 / 25)
    p = _p_at_least(9, 11, 15, 25)  # over-used: f = 9 > 6.6
    assert row["p_value"] == pytest.approx(float(p), rel=1e-9)
    assert row["score"] == pytest.approx(-math.log10(p), rel=1e-9)
    low = out.filter((pl.col("part") == "Lille") & (pl.col("term") == "cned")).row(0, named=True)
    p_low = _p_at_most(1, 9, 15, 25)  # under-used: f = 1 < 5.4
    assert low["score"] == pytest.approx(math.log10(p_low), rel=1e-9)
    assert low["score"] < 0


def test_absent_pairs_are_scored_as_zeros() -> None:
    """« tablette » never appears in Corse: an under-use that the table must show."""
    out = specificities(COUNTS)
    corse = out.filter((pl.col("part") == "Corse") & (pl.col("term") == "tablette")).row(
        0, named=True
    )
    assert corse["f"] == 0
    assert corse["score"] == pytest.approx(math.log10(_p_at_most(0, 5, 10, 25)), rel=1e-9)
    assert out.height == 2 * 3  # every part × every term


def test_order_threshold_and_errors() -> None:
    out = specificities(COUNTS)
    lille = out.filter(pl.col("part") == "Lille")["score"].to_list()
    assert lille == sorted(lille, reverse=True)
    assert set(specificities(COUNTS, min_frequency=6)["term"]) == {"ent", "cned"}
    with pytest.raises(ValueError, match="sans colonne"):
        specificities(COUNTS.drop("n"))
    with pytest.raises(ValueError, match="négatif"):
        specificities(COUNTS.with_columns(pl.lit(-1).alias("n")))


def test_very_specific_terms_keep_finite_scores() -> None:
    big = pl.DataFrame({"part": ["a", "a", "b"], "term": ["x", "y", "y"], "n": [5000, 10, 5000]})
    score = specificities(big).filter(pl.col("term") == "x")["score"].to_list()
    assert all(math.isfinite(s) for s in score)
    assert max(score) > 300  # p far below 1e-300, still a number


def test_term_counts_from_tokens() -> None:
    tokens = pl.DataFrame({"region": ["A", "A", "B", None], "lemme": ["ent", "ent", "cned", "x"]})
    counts = term_counts(tokens, "region", "lemme").sort("part", "term")
    assert counts.rows() == [("A", "ent", 2), ("B", "cned", 1)]
