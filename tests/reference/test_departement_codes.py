"""Département codes normalised whatever the writing, on the real INSEE COG 2020 files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.reference import departement_code_expr, departements

#: Real files are read in place (``../shared`` beside the checkout), never copied into the repo.
REPO = Path(__file__).resolve().parents[2]
COG = REPO.parent / "shared" / "real-world" / "nomenclature" / "insee-cog-2020"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("1", "01"),
        ("01", "01"),
        ("001", "01"),
        ("1.0", "01"),
        ("035", "35"),
        ("35", "35"),
        ("2A", "2A"),
        ("02A", "2A"),
        ("2b", "2B"),
        (" 2B ", "2B"),
        ("971", "971"),
        ("0976", "976"),
        ("", None),
        (None, None),
    ],
)
def test_departement_code_expr(written: str | None, code: str | None) -> None:
    frame = pl.DataFrame({"dep": [written]}, schema={"dep": pl.String})
    assert frame.select(departement_code_expr("dep")).item() == code


def _cog_codes(name: str) -> pl.DataFrame:
    """The file's département codes as strings (as a user's loader reads them), normalised."""
    raw = pl.read_csv(COG / name, infer_schema=False)
    return raw.select(departement_code_expr("dep").alias("code_departement"), "libelle")


def test_both_cog_files_give_the_official_codes_and_academies() -> None:
    intact = _cog_codes("departement2020.csv")
    damaged = _cog_codes("departement2020_leading_zeros_lost.csv")
    # The damage is real: 9 codes lost their zero (« 1 » for « 01 »).
    lost = pl.read_csv(COG / "departement2020_leading_zeros_lost.csv", infer_schema=False)
    assert lost.filter(pl.col("dep").str.len_chars() == 1).height == 9
    assert intact.height == damaged.height == 101
    assert damaged.equals(intact)
    assert damaged["code_departement"][:3].to_list() == ["01", "02", "03"]
    assert {"2A", "2B", "971", "976"} <= set(damaged["code_departement"])
    # Every code joins the shipped nomenclature, so each row finds its académie.
    ref = departements().select("code_departement", "code_academie")
    joined = damaged.join(ref, on="code_departement", how="left")
    assert joined["code_academie"].null_count() == 0
    assert set(joined["code_departement"]) == set(ref["code_departement"])
    assert dict(joined.select("code_departement", "code_academie").iter_rows())["01"] == "10"
