"""The whole catalogue on a small generated build: complete, keyed, readable, calibrated."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from egn_analytics.indicators import (
    OUTPUT_SCHEMA,
    calibration_check,
    compute_catalogue,
    gap,
    lecture_for,
    load_breakdowns,
    load_catalogue,
)
from egn_analytics.survey import SurveyDesign

pytestmark = pytest.mark.integration

KEY = ["indicator", "breakdown", "domain_code"]


@pytest.fixture(scope="module")
def table(small_processed: Path) -> pl.DataFrame:
    return compute_catalogue(processed_dir=small_processed)


def test_schema_is_exactly_the_contract(table: pl.DataFrame) -> None:
    assert table.schema == OUTPUT_SCHEMA


def test_every_indicator_has_every_applicable_breakdown(table: pl.DataFrame) -> None:
    cat = load_catalogue()
    expected = {
        (row["id"], b) for row in cat.iter_rows(named=True) for b in row["ventilations"].split("|")
    }
    got = set(table.select("indicator", "breakdown").unique().rows())
    assert got == expected


def test_no_duplicated_keys_and_sorted(table: pl.DataFrame) -> None:
    assert not table.select(KEY).is_duplicated().any()
    order = {i: k for k, i in enumerate(load_catalogue()["id"])}
    bd_order = {b: k for k, b in enumerate(load_breakdowns()["id"])}
    ranks = table.select(
        pl.col("indicator").replace_strict(order, return_dtype=pl.Int64),
        pl.col("breakdown").replace_strict(bd_order, return_dtype=pl.Int64),
    ).rows()
    assert ranks == sorted(ranks)
    whole = table.filter(pl.col("breakdown") == "ensemble")
    assert set(whole["domain_code"]) == {"ensemble"}
    assert whole.height == load_catalogue().height


def test_domains_are_labelled_from_codebooks_and_nomenclatures(table: pl.DataFrame) -> None:
    from egn_analytics import reference

    ep = table.filter(pl.col("indicator") == "eleves_sans_ordinateur", pl.col("breakdown") == "ep")
    assert ep["domain"].to_list() == ["REP+", "REP", "Hors éducation prioritaire"]
    acad = table.filter(
        pl.col("indicator") == "eleves_sans_ordinateur", pl.col("breakdown") == "academie"
    )
    names = dict(
        zip(reference.academies()["code_academie"], reference.academies()["academie"], strict=True)
    )
    assert acad.height == 30
    assert acad.select(pl.col("domain_code").replace_strict(names))["domain_code"].equals(
        acad["domain"]
    )
    degre = table.filter(
        pl.col("indicator") == "enseignants_part_classe_suivie", pl.col("breakdown") == "degre"
    )
    assert degre["domain"].to_list() == ["Premier degré", "Second degré"]
    assert degre["breakdown_label"][0] == "Degré d'enseignement"


def test_pooled_teachers_count_both_surveys(small_processed: Path, table: pl.DataFrame) -> None:
    n = table.filter(
        pl.col("indicator") == "enseignants_part_classe_suivie",
        pl.col("breakdown").is_in(["ensemble", "degre"]),
    )["n"].to_list()
    answered = [
        pl.read_parquet(small_processed / f"enquete_enseignants_{d}.parquet")[
            "part_classe_suivie"
        ].count()
        for d in ("1d", "2d")
    ]
    assert n == [sum(answered), *answered]


def test_masked_rows_carry_no_value_and_others_read_well(table: pl.DataFrame) -> None:
    masked = table.filter(pl.col("status") == "masked")
    assert masked.height > 0  # small académies at this scale
    for col in ("estimate", "se", "ci_lower", "ci_upper", "cv", "lecture"):
        assert masked[col].null_count() == masked.height, col
    assert (masked["n"] < 30).all()
    shown = table.filter(pl.col("status") != "masked")
    assert set(shown["status"]) <= {"published", "fragile"}
    assert shown["lecture"].null_count() == 0
    assert shown["lecture"].str.starts_with("en 2020, ").all()
    assert not shown["lecture"].str.contains(r"[{}]").any()
    assert not shown["lecture"].str.contains("  ").any()
    props = shown.filter(pl.col("unit") == "%")
    assert props["estimate"].is_between(0, 1).all()
    assert (props["ci_lower"] >= 0).all() and (props["ci_upper"] <= 1).all()
    assert (shown["n"] >= 30).all()


def test_one_estimation_per_population_and_breakdown(
    small_processed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, Any]] = []
    original = SurveyDesign.mean

    def counting(self: SurveyDesign, variables: Any, by: Any = None, **kw: Any) -> pl.DataFrame:
        calls.append((len(variables), by))
        return original(self, variables, by, **kw)

    monkeypatch.setattr(SurveyDesign, "mean", counting)
    start = time.perf_counter()
    compute_catalogue(processed_dir=small_processed)
    elapsed = time.perf_counter() - start
    pairs = (
        load_catalogue()
        .select("population", pl.col("ventilations").str.split("|").alias("b"))
        .explode("b")
        .unique()
    )
    assert len(calls) == pairs.height
    assert max(n for n, _ in calls) > 10  # many indicators in one call
    assert elapsed < 30


def test_gap_rep_plus_vs_outside_priority_education(
    small_processed: Path, table: pl.DataFrame
) -> None:
    res = gap(
        "eleves_sans_ordinateur",
        "ep",
        "REP+",
        "Hors éducation prioritaire",
        processed_dir=small_processed,
    )
    row = res.row(0, named=True)
    ep = table.filter(pl.col("indicator") == "eleves_sans_ordinateur", pl.col("breakdown") == "ep")
    est = dict(zip(ep["domain_code"], ep["estimate"], strict=True))
    assert row["estimate_a"] == pytest.approx(est["1"])
    assert row["estimate_b"] == pytest.approx(est["3"])
    assert row["difference"] > 0  # REP+ pupils lack a computer more often
    assert row["ci_lower"] < row["difference"] < row["ci_upper"]
    assert row["p_value"] < 0.05
    academies = gap(
        "eleves_sans_ordinateur", "academie", "02", "Lille", processed_dir=small_processed
    )
    assert academies.select("domain_a", "domain_b").row(0) == ("Aix-Marseille", "Lille")


def test_lecture_for_reproduces_the_table(table: pl.DataFrame) -> None:
    sample = table.filter(pl.col("status") != "masked").gather_every(97)
    assert sample.height > 10
    for row in sample.iter_rows(named=True):
        assert lecture_for(row) == row["lecture"]


def test_published_figures_are_inside_their_confidence_intervals(small_processed: Path) -> None:
    check = calibration_check(processed_dir=small_processed)
    assert check.height == 18  # every « publié » target of calibration_enquetes.csv
    assert check["estimate"].null_count() == 0
    outside = check.filter(~pl.col("inside_ci"))
    assert outside.is_empty(), outside.select(
        "survey", "variable", "domain", "target", "estimate", "ci_lower", "ci_upper"
    )


def test_questionnaire_codebooks_are_the_loaders(small_processed: Path) -> None:
    from egn_analytics.indicators import questionnaire_codebooks

    for name, book in questionnaire_codebooks().items():
        written = pl.read_parquet(small_processed / f"enquete_{name}_dictionnaire.parquet")
        assert book.equals(written), name


def test_computer_model_reads_as_odds_ratios_against_the_common_case(
    small_processed: Path,
) -> None:
    from egn_analytics.indicators import computer_model

    fit = computer_model(processed_dir=small_processed)
    rep_plus = fit.filter(pl.col("term") == "ep1").row(0, named=True)
    assert rep_plus["level_label"] == "REP+"
    assert rep_plus["reference_label"] == "Hors éducation prioritaire"
    assert rep_plus["or_lower"] < rep_plus["odds_ratio"] < rep_plus["or_upper"]
    low = fit.filter(pl.col("term") == "milieu_social4").row(0, named=True)
    assert low["odds_ratio"] > 1  # the synthetic data's latent model: less equipment
