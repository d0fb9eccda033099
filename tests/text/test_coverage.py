"""Coverage of propositions by régions académiques: exact counts and traceability."""

from __future__ import annotations

import polars as pl
import pytest

from egn_analytics.text import COVERAGE_SCHEMA, coverage

CONTRIBUTIONS = pl.DataFrame(
    {
        "id": ["c1", "c2", "c3", "c4", "c5"],
        "code_region_academique": ["32", "32", "11", None, "01"],
        "propositions": [[18, 3], [18], [18, 18], [7], []],
    }
)


def test_counts_regions_and_keeps_the_contributions() -> None:
    out = coverage(CONTRIBUTIONS)
    assert out.schema == COVERAGE_SCHEMA
    assert out.height == 40  # every proposition of the reference, raised or not
    p18 = out.filter(pl.col("proposition") == 18).row(0, named=True)
    assert p18["regions"] == 2 and p18["regions_total"] == 18
    assert p18["codes_regions"] == ["11", "32"]
    assert p18["contributions"] == 3  # c3 lists 18 twice: counted once
    assert p18["ids_contributions"] == ["c1", "c2", "c3"]
    assert p18["texte"] == "2 régions académiques sur 18"
    p7 = out.filter(pl.col("proposition") == 7).row(0, named=True)
    assert (p7["regions"], p7["contributions"], p7["texte"]) == (0, 1, "0 région académique sur 18")
    assert out.filter(pl.col("proposition") == 3)["texte"][0] == "1 région académique sur 18"


def test_clear_errors() -> None:
    with pytest.raises(ValueError, match="sans colonne"):
        coverage(CONTRIBUTIONS.drop("propositions"))
    with pytest.raises(ValueError, match="inconnue"):
        coverage(CONTRIBUTIONS.with_columns(pl.lit("99").alias("code_region_academique")))
