"""Exact values on a tiny handmade survey: the weighted proportion and its Taylor SE by hand.

The design (see ``conftest.tiny``): stratum A has N = 4 établissements, stratum B N = 10; two
are sampled in each; every person of a sampled établissement answers, so the second stage
contributes no variance and the textbook one-stage formula applies:

    V = Σ_h (1 − n_h/N_h) · n_h/(n_h − 1) · Σ_i (z_hi − z̄_h)²,  z_hi = Σ_{j∈i} w_j (y_j − p̂)/Ŵ

with y_j the 0/1 answer, Ŵ the weight of those who answered (in the domain), and z = 0
outside the domain (the full design is kept for domains, as R's ``subset``).
"""

from __future__ import annotations

import math
import re

import numpy as np
import polars as pl
import pytest

from egn_analytics.indicators import OUTPUT_SCHEMA, compute_catalogue, gap, lecture_for
from egn_analytics.indicators._french import NBSP, NNBSP, de_elided, fmt_decimal, lower_first
from egn_analytics.indicators.catalogue import resolve_domain
from egn_analytics.survey import SecretRule
from egn_analytics.viz import formats

OPEN = SecretRule(min_respondents=0, max_cv=None)


def _linearized_se(
    psus: dict[str, tuple[str, list[float], list[float | None]]],
    fpc: dict[str, float],
) -> tuple[float, float]:
    """(estimate, SE) of a weighted mean from per-PSU (stratum, weights, values) lists."""
    pairs = [(w, y) for _, ws, ys in psus.values() for w, y in zip(ws, ys, strict=True)]
    total_w = sum(w for w, y in pairs if y is not None)
    est = sum(w * y for w, y in pairs if y is not None) / total_w
    z = {
        psu: sum(w * (y - est) / total_w for w, y in zip(ws, ys, strict=True) if y is not None)
        for psu, (_, ws, ys) in psus.items()
    }
    var = 0.0
    for stratum, n_pop in fpc.items():
        values = [z[p] for p, (s, _, _) in psus.items() if s == stratum]
        n = len(values)
        mean = sum(values) / n
        var += (1 - n / n_pop) * n / (n - 1) * sum((v - mean) ** 2 for v in values)
    return est, math.sqrt(var)


@pytest.fixture
def tables(tiny: pl.DataFrame, tiny_codebook: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {"eleves_2d": tiny, "eleves_2d_dictionnaire": tiny_codebook}


def test_whole_population_proportion_and_se_by_hand(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(tables, catalogue=tiny_catalogue, secret=OPEN)
    row = out.filter(pl.col("indicator") == "sans_ordinateur", pl.col("breakdown") == "ensemble")
    # « Non » (code 3) among those who answered: weights 10+10 (a1) + 15 (a2) + 5 (b2) over
    # 30 + 30 + 40 (b1: one missing answer) + 10.
    assert row["estimate"][0] == pytest.approx(40 / 110, rel=1e-12)
    expected, se = _linearized_se(
        {
            "a1": ("A", [10, 10, 10], [1, 0, 1]),
            "a2": ("A", [15, 15], [0, 1]),
            "b1": ("B", [20, 20, 20], [0, None, 0]),
            "b2": ("B", [5, 5], [1, 0]),
        },
        {"A": 4, "B": 10},
    )
    assert expected == pytest.approx(40 / 110)
    assert row["se"][0] == pytest.approx(se, rel=1e-9)
    assert row["ci_lower"][0] == pytest.approx(40 / 110 - 1.959963984540054 * se, rel=1e-9)
    assert row["ci_upper"][0] == pytest.approx(40 / 110 + 1.959963984540054 * se, rel=1e-9)
    assert row["cv"][0] == pytest.approx(se / (40 / 110), rel=1e-9)
    assert row["n"][0] == 9  # one missing answer
    assert row["domain_code"][0] == "ensemble"
    assert row["domain"][0] == "Ensemble"


def test_domain_proportion_and_se_by_hand(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(tables, catalogue=tiny_catalogue, secret=OPEN)
    rep_plus = out.filter(
        pl.col("indicator") == "sans_ordinateur",
        pl.col("breakdown") == "ep",
        pl.col("domain_code") == "1",
    )
    # REP+ = a1 (three people, weight 10) and b2 (two, weight 5): p = (20 + 5) / (30 + 10).
    # PSU totals of z: a1 (20 − 30·0.625)/40 = 0.03125, b2 (5 − 10·0.625)/40 = −0.03125,
    # a2 = b1 = 0. Stratum A: (1 − 2/4)·2·2·0.015625² ; stratum B: (1 − 2/10)·2·2·0.015625².
    var = (0.5 * 2 + 0.8 * 2) * 2 * 0.015625**2
    assert rep_plus["estimate"][0] == pytest.approx(0.625, rel=1e-12)
    assert rep_plus["se"][0] == pytest.approx(math.sqrt(var), rel=1e-9)
    assert rep_plus["n"][0] == 5
    assert rep_plus["domain"][0] == "REP+"
    assert rep_plus["breakdown_label"][0] == "Éducation prioritaire"


def test_mean_by_hand_and_its_sentence(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(tables, catalogue=tiny_catalogue, secret=OPEN)
    row = out.filter(pl.col("indicator") == "heures_moyennes", pl.col("breakdown") == "ensemble")
    est, se = _linearized_se(
        {
            "a1": ("A", [10, 10, 10], [2, 4, 6]),
            "a2": ("A", [15, 15], [1, 3]),
            "b1": ("B", [20, 20, 20], [5, 5, 7]),
            "b2": ("B", [5, 5], [0, 2]),
        },
        {"A": 4, "B": 10},
    )
    assert row["estimate"][0] == pytest.approx(est, rel=1e-12)
    assert row["se"][0] == pytest.approx(se, rel=1e-9)
    assert row["unit"][0] == "heures"
    low, high = row["ci_lower"][0], row["ci_upper"][0]
    assert row["lecture"][0] == (
        f"en 2020, les élèves travaillent {formats.fmt_number(est, 1)}{NNBSP}heures "
        f"(de {formats.fmt_number(low, 1)}{NNBSP}heures à {formats.fmt_number(high, 1)}{NNBSP}heures)."
    )


def test_output_columns_order_and_labels(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(tables, catalogue=tiny_catalogue, secret=OPEN)
    assert out.schema == OUTPUT_SCHEMA
    # Catalogue order, then breakdown order (ensemble, ep, académie), then domain order.
    keys = out.select("indicator", "breakdown", "domain_code").rows()
    assert keys[:6] == [
        ("sans_ordinateur", "ensemble", "ensemble"),
        ("sans_ordinateur", "ep", "1"),
        ("sans_ordinateur", "ep", "3"),
        ("sans_ordinateur", "academie", "02"),
        ("sans_ordinateur", "academie", "09"),
        ("heures_moyennes", "ensemble", "ensemble"),
    ]
    academies = out.filter(pl.col("breakdown") == "academie")["domain"].unique().sort()
    assert academies.to_list() == ["Aix-Marseille", "Lille"]  # names, not codes
    sentence = out.filter(pl.col("breakdown") == "academie")["lecture"][0]
    assert "des élèves de l'académie d'Aix-Marseille n'ont pas d'ordinateur" in sentence
    ep3 = out.filter(pl.col("breakdown") == "ep", pl.col("domain_code") == "3")["lecture"][0]
    assert " des élèves hors éducation prioritaire n'ont" in ep3


def test_masked_domains_never_carry_values(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    """With « at least 5 respondents », REP+ (5) is kept; « hors EP » and Lille (4 answers each) are masked."""
    out = compute_catalogue(
        tables, catalogue=tiny_catalogue, secret=SecretRule(min_respondents=5, max_cv=None)
    )
    masked = out.filter(pl.col("status") == "masked")
    assert masked.height > 0
    assert set(masked.select("indicator", "domain_code").rows()) >= {
        ("sans_ordinateur", "3"),
        ("sans_ordinateur", "09"),
    }
    for col in ("estimate", "se", "ci_lower", "ci_upper", "cv", "lecture"):
        assert masked[col].null_count() == masked.height, col
    assert (masked["n"] < 5).all()
    shown = out.filter(pl.col("status") != "masked")
    assert shown["estimate"].null_count() == 0
    assert shown["lecture"].null_count() == 0


def test_fragile_rows_are_flagged_not_hidden(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(
        tables, catalogue=tiny_catalogue, secret=SecretRule(min_respondents=0, max_cv=0.05)
    )
    fragile = out.filter(pl.col("status") == "fragile")
    assert fragile.height > 0
    assert (fragile["cv"] > 0.05).all()
    assert fragile["estimate"].null_count() == 0


def test_proportion_bounds_stay_inside_zero_one(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(tables, catalogue=tiny_catalogue, secret=OPEN)
    props = out.filter(pl.col("unit") == "%", pl.col("status") != "masked")
    assert (props["ci_lower"] >= 0).all() and (props["ci_upper"] <= 1).all()


def test_restricting_indicators_and_breakdowns(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(
        tables,
        catalogue=tiny_catalogue,
        secret=OPEN,
        indicators=["heures_moyennes"],
        breakdowns=["ep"],
    )
    assert set(out["indicator"]) == {"heures_moyennes"}
    assert set(out["breakdown"]) == {"ep"}
    none = compute_catalogue(tables, catalogue=tiny_catalogue, breakdowns=["niveau"])
    assert none.is_empty() and none.schema == OUTPUT_SCHEMA  # no indicator has that breakdown
    with pytest.raises(KeyError, match="indicateur\\(s\\) inconnu\\(s\\) : nope"):
        compute_catalogue(tables, catalogue=tiny_catalogue, indicators=["nope"])
    with pytest.raises(KeyError, match="ventilation\\(s\\) inconnue\\(s\\) : canton"):
        compute_catalogue(tables, catalogue=tiny_catalogue, breakdowns=["canton"])


def test_a_column_missing_from_the_answers_is_named(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    from egn_analytics.indicators import CatalogueError

    broken = {**tables, "eleves_2d": tables["eleves_2d"].drop("heures")}
    with pytest.raises(CatalogueError, match="colonne « heures » absente des réponses"):
        compute_catalogue(broken, catalogue=tiny_catalogue)


def test_gap_between_two_domains(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(tables, catalogue=tiny_catalogue, secret=OPEN)
    by_ep = dict(
        zip(
            *out.filter(pl.col("indicator") == "sans_ordinateur", pl.col("breakdown") == "ep")
            .select("domain_code", "estimate")
            .to_dict(as_series=False)
            .values(),
            strict=True,
        )
    )
    res = gap("sans_ordinateur", "ep", "REP+", 3, tables, catalogue=tiny_catalogue, secret=OPEN)
    assert res.height == 1
    row = res.row(0, named=True)
    assert (row["a"], row["domain_a"], row["b"], row["domain_b"]) == (
        "1",
        "REP+",
        "3",
        "Hors éducation prioritaire",
    )
    assert row["estimate_a"] == pytest.approx(by_ep["1"])
    assert row["estimate_b"] == pytest.approx(by_ep["3"])
    assert row["difference"] == pytest.approx(by_ep["1"] - by_ep["3"])
    assert row["se"] > 0
    assert row["ci_lower"] < row["difference"] < row["ci_upper"]
    assert 0 <= row["p_value"] <= 1
    with pytest.raises(ValueError, match="non applicable"):
        gap("sans_ordinateur", "ensemble", 1, 3, tables, catalogue=tiny_catalogue)
    with pytest.raises(ValueError, match="n'est pas un domaine de la ventilation ep"):
        gap("sans_ordinateur", "ep", "REP", 3, tables, catalogue=tiny_catalogue)


@pytest.mark.parametrize(
    ("a", "b", "label"),
    [("REP+", "1", "REP+"), (1, "REP+", "REP+"), ("1", 1, "REP+"), ("REP+", "REP+", "REP+"),
     ("rep+", " REP + ", "REP+"), (np.int64(1), "rep+", "REP+"),
     ("Hors éducation prioritaire", "hors education prioritaire", "Hors éducation prioritaire"),
     (3, "Hors Éducation Prioritaire", "Hors éducation prioritaire")],
)  # fmt: skip
def test_gap_refuses_one_domain_under_two_names(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame, a: object, b: object, label: str
) -> None:
    """A code and its label (or one value twice) are one domain: a French error, not a gap
    of 0 that a notebook would read as « no difference »."""
    with pytest.raises(ValueError, match=f"désignent le même domaine : {re.escape(label)}$"):
        gap("sans_ordinateur", "ep", a, b, tables, catalogue=tiny_catalogue, secret=OPEN)


def test_gap_resolves_labels_as_the_dashboard_does(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    """Labels are matched without case, accents, spaces or separators, but « + » counts."""
    by_code = gap("sans_ordinateur", "ep", 1, 3, tables, catalogue=tiny_catalogue, secret=OPEN)
    by_label = gap(
        "sans_ordinateur", "ep", " rep + ", "HORS ÉDUCATION-PRIORITAIRE", tables,
        catalogue=tiny_catalogue, secret=OPEN,
    )  # fmt: skip
    assert by_label.equals(by_code)
    domains = pl.DataFrame({"domain_code": ["1", "2", "3"], "domain": ["REP+", "REP", "Hors EP"]})
    assert [resolve_domain(domains, v) for v in ("2", "REP", "rep+", "hors-ep", 3)] == [
        "2", "2", "1", "3", "3",
    ]  # fmt: skip
    assert resolve_domain(domains, np.int64(3)) == "3"
    for unknown in (None, "", " ", "4", "01", "REP plus", "+", ["1"], True, 1.0):
        assert resolve_domain(domains, unknown) is None, unknown


def test_lecture_for_one_row_matches_the_table(
    tables: dict[str, pl.DataFrame], tiny_catalogue: pl.DataFrame
) -> None:
    out = compute_catalogue(tables, catalogue=tiny_catalogue, secret=OPEN)
    for row in out.head(5).iter_rows(named=True):
        assert lecture_for(row, catalogue=tiny_catalogue) == row["lecture"]
    first = out.row(0, named=True)
    assert lecture_for(first, catalogue=tiny_catalogue, with_label=True) == (
        f"Lecture{NBSP}: en 2020, 36,4{NNBSP}% des élèves n'ont pas d'ordinateur."
    )
    assert lecture_for({**first, "status": "masked"}, catalogue=tiny_catalogue) is None


def test_french_numbers_match_the_viz_formatters() -> None:
    values = [0.0805, 0.12345, 0.5, 0.0, 0.001, 0.9425, 12.25, 94.0, 999.95, 1234567.25, -3.44]
    frame = pl.DataFrame({"v": values}).select(
        fmt_decimal(pl.col("v"), 1).alias("number"),
        fmt_decimal(pl.col("v"), 1, times_100=True).alias("pct"),
        fmt_decimal(pl.col("v"), 0).alias("integer"),
    )
    assert frame["number"].to_list() == [formats.fmt_number(v, 1) for v in values]
    assert frame["integer"].to_list() == [formats.fmt_number(v, 0) for v in values]
    assert [p + NNBSP + "%" for p in frame["pct"]] == [formats.fmt_pct(v) for v in values]
    assert (NNBSP, NBSP) == (formats.NNBSP, formats.NBSP)


def test_french_words() -> None:
    words = pl.DataFrame({"x": ["Public", "REP+", "CAP", "6e", "Île-de-France", "Paris"]})
    out = words.select(lower_first(pl.col("x")).alias("low"), de_elided(pl.col("x")).alias("de"))
    assert out["low"].to_list() == ["public", "REP+", "CAP", "6e", "île-de-France", "paris"]
    assert out["de"][4] == "d'Île-de-France"
    assert out["de"][5] == "de Paris"
