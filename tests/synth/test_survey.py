"""Synthetic DEPP surveys: design columns, labels, and calibration on the published figures.

The calibration test reads the *written CSV* back with its own parser and computes weighted
estimates independently of the generator, then compares with the figures of
``shared/reference/published_figures.md`` copied here by hand (not read from the generator's
target table), so a drift in either the targets or the pipeline is caught.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from egn_analytics.synth.etablissements import make_etablissements
from egn_analytics.synth.survey import (
    POPULATIONS,
    calibration_targets,
    domain_expr,
    make_survey,
    solve_thresholds,
    weighted_quantile,
    write_surveys,
)

# (survey, variable, codes counted, domain, published value) — DEPP 2020 figures.
PUBLISHED = [
    ("enseignants_1d", "part_classe_suivie", None, "", 94.0),
    ("enseignants_2d", "part_classe_suivie", None, "", 90.0),
    ("parents_2d", "activites_profitables", [1, 2], "", 0.80),
    ("eleves_2d", "manque_motivation", [1], "", 0.33),
    ("eleves_2d", "temps_travail", [4], "", 0.40),
    ("eleves_2d", "temps_travail", [1], "", 0.12),
    ("eleves_2d", "temps_travail", [1], "type_etab=1", 0.09),
    ("eleves_2d", "temps_travail", [1], "type_etab=2", 0.13),
    ("eleves_2d", "temps_travail", [1], "type_etab=3", 0.24),
    ("eleves_2d", "autonomie", [1], "", 0.25),
    ("eleves_2d", "aide_famille", [1], "autonomie=2|3|4", 0.85),
    ("eleves_2d", "aide_famille", [1], "autonomie=2|3|4&niveau_scolaire=4", 0.92),
    ("eleves_2d", "aide_famille", [1], "autonomie=2|3|4&niveau_scolaire=1", 0.79),
    ("eleves_2d", "aide_famille", [1], "autonomie=2|3|4&milieu_social=1|2", 0.89),
    ("eleves_2d", "aide_famille", [1], "autonomie=2|3|4&milieu_social=4", 0.81),
    ("eleves_2d", "aide_famille", [1], "sexe=2", 0.69),
    ("eleves_2d", "aide_famille", [1], "sexe=1", 0.58),
    ("eleves_2d", "travail_facile_maison", [1], "niveau=4&ep=1", 0.495),
    ("chefs_etablissement", "part_sans_contact", None, "", 6.5),
]


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    out = tmp_path_factory.mktemp("surveys")
    records = write_surveys(make_etablissements(2020, 1.0), out, seed=2020, scale=1.0)
    frames = {}
    for rec in records:
        if rec.format == "csv" and not rec.path.endswith("_dictionnaire.csv"):
            key = rec.path.split("depp_continuite_2020_")[1].removesuffix("_SYNTHETIQUE.csv")
            raw = pl.read_csv(out / rec.path, separator=";", infer_schema=False)
            frames[key] = raw.with_columns(
                pl.col("poids").str.replace(",", ".").cast(pl.Float64),
                *[pl.col(c).cast(pl.Int64) for c in raw.columns
                  if c not in {"id", "strate", "uai", "poids", "code_academie", "code_region_academique"}],
            )  # fmt: skip
    frames["_dir"] = pl.DataFrame({"dir": [str(out)]})
    return frames


def _estimate(df: pl.DataFrame, variable: str, codes: list[int] | None, domain: str) -> float:
    d = df.filter(domain_expr(domain)).filter(pl.col(variable).is_not_null())
    w = d["poids"].to_numpy()
    x = d[variable].to_numpy().astype(float) if codes is None else np.isin(d[variable], codes)
    return float(np.sum(w * x) / np.sum(w))


@pytest.mark.parametrize(("survey", "variable", "codes", "domain", "value"), PUBLISHED)
def test_weighted_estimates_land_within_two_points_of_published_figures(
    national: dict[str, pl.DataFrame], survey: str, variable: str, codes: list[int] | None,
    domain: str, value: float,
) -> None:  # fmt: skip
    est = _estimate(national[survey], variable, codes, domain)
    tolerance = 2.0 if codes is None else 0.02  # two points (means are in %)
    assert abs(est - value) <= tolerance, f"{survey}.{variable}[{domain}] = {est:.3f} vs {value}"


def test_all_teachers_learned_satisfactorily_68(national: dict[str, pl.DataFrame]) -> None:
    both = pl.concat([national["enseignants_1d"], national["enseignants_2d"]])
    assert abs(_estimate(both, "eleves_appris", [1], "") - 0.68) <= 0.02


def test_every_target_of_the_table_is_met(national: dict[str, pl.DataFrame]) -> None:
    for t in calibration_targets().iter_rows(named=True):
        codes = None if t["mesure"] == "moyenne" else [int(v) for v in t["niveaux"].split("|")]
        est = _estimate(national[t["enquete"]], t["variable"], codes, t["domaine"] or "")
        tol = 2.0 if codes is None else 0.02
        assert abs(est - t["cible"]) <= tol, (t, est)


def _check_design(df: pl.DataFrame, key: str) -> None:
    assert df["poids"].min() > 0
    assert df["id"].n_unique() == df.height
    per_stratum = df.group_by("strate").agg(
        pl.col("uai").n_unique().alias("n"), pl.col("fpc").n_unique().alias("k"), pl.first("fpc")
    )
    assert per_stratum["n"].min() >= 2, key  # variance estimable in every stratum
    assert per_stratum["k"].max() == 1  # fpc constant within a stratum
    assert (per_stratum["n"] <= per_stratum["fpc"]).all()  # never more PSUs than exist
    if key != "chefs_etablissement":
        # poids = N_h / n_h x M_i / r_i exactly, for every respondent.
        g = df.group_by("strate", "uai").agg(
            pl.len().alias("r"), pl.first("poids"), pl.first("fpc"), pl.first("nb_unites_etab")
        )
        g = g.with_columns(pl.len().over("strate").alias("n_h"))
        gap = g["poids"] * g["r"] / g["nb_unites_etab"] - g["fpc"] / g["n_h"]
        assert gap.abs().max() < 1e-4, key


def test_design_columns(national: dict[str, pl.DataFrame]) -> None:
    for pop in POPULATIONS:
        _check_design(national[pop.key], pop.key)


@pytest.mark.parametrize("scale", [0.02, 0.05])
def test_design_is_valid_at_small_scales(scale: float) -> None:
    # Small scales leave regions with one établissement of a kind: strata must still hold
    # at least two PSUs (the DROM lycées at scale 0.02 once produced N_h = 1, n_h = 2).
    etab = make_etablissements(2020, scale)
    for pop in POPULATIONS:
        _check_design(make_survey(etab, pop, 2020, scale), pop.key)


def test_strata_separate_lycees_gt_and_lp(national: dict[str, pl.DataFrame]) -> None:
    strata = national["eleves_2d"].group_by("strate").agg(pl.col("type_etab").n_unique())
    mixed = strata.filter(pl.col("type_etab") > 1)
    # Only collapsed strata (tiny regions) may mix types.
    assert mixed.height <= 5


def test_ids_unique_across_teacher_files(national: dict[str, pl.DataFrame]) -> None:
    ids = pl.concat([national["enseignants_1d"]["id"], national["enseignants_2d"]["id"]])
    assert ids.n_unique() == ids.len()


def test_weights_estimate_population_sizes(national: dict[str, pl.DataFrame]) -> None:
    # Design weights (not calibrated): unbiased for the population size, exact for heads
    # (one per établissement, reweighted within strata).
    etab = make_etablissements(2020, 1.0)
    secondary = etab.filter(pl.col("type") != "Ecole")["eleves"].sum()
    assert national["eleves_2d"]["poids"].sum() == pytest.approx(secondary, rel=0.04)
    assert national["chefs_etablissement"]["poids"].sum() == pytest.approx(etab.height, rel=1e-6)
    teachers_1d = etab.filter(pl.col("type") == "Ecole")["enseignants"].sum()
    assert national["enseignants_1d"]["poids"].sum() == pytest.approx(teachers_1d, rel=0.04)


def test_response_rates_make_weights_matter(national: dict[str, pl.DataFrame]) -> None:
    # Non-response inflates weights beyond the design weight: weights vary within strata.
    df = national["eleves_2d"]
    spread = df.group_by("strate").agg((pl.col("poids").max() / pl.col("poids").min()).alias("r"))
    assert spread["r"].max() > 1.5


def test_item_nonresponse_rates(national: dict[str, pl.DataFrame]) -> None:
    df = national["eleves_2d"]
    assert 0.005 < df["temps_travail"].null_count() / df.height < 0.02  # declared 1 %
    assert df["tablette"].null_count() == 0  # declared 0 %


def test_sav_has_labels_and_matches_csv(national: dict[str, pl.DataFrame]) -> None:
    import pyreadstat

    out = Path(national["_dir"]["dir"].item())
    sav = next(out.glob("enquetes/*eleves_2d*.sav"))
    data, meta = pyreadstat.read_sav(str(sav))
    assert meta.file_label.startswith("SYNTHETIQUE")
    assert sav.read_bytes()[92:109] == b"15 Jun 2000:00:00"  # no wall clock in the header
    assert meta.column_names_to_labels["poids"].startswith("Poids")
    assert meta.variable_value_labels["ordinateur"] == {
        1.0: "Oui, personnel",
        2.0: "Oui, partagé",
        3.0: "Non",
    }
    assert len(data) == national["eleves_2d"].height
    assert np.allclose(
        data["poids"].to_numpy(), national["eleves_2d"]["poids"].to_numpy(), rtol=1e-6
    )


def test_codebook_lists_every_column(national: dict[str, pl.DataFrame]) -> None:
    out = Path(national["_dir"]["dir"].item())
    cb = pl.read_csv(next(out.glob("enquetes/*parents_2d*_dictionnaire.csv")), separator=";")
    assert cb["variable"].to_list() == national["parents_2d"].columns
    row = cb.filter(pl.col("variable") == "activites_profitables").row(0, named=True)
    assert row["modalites"] == "1 = Tout à fait | 2 = Plutôt | 3 = Plutôt pas | 4 = Pas du tout"
    assert cb.filter(pl.col("variable") == "uai")["type"].item() == "texte"
    teachers = pl.read_csv(
        next(out.glob("enquetes/*enseignants_1d*_dictionnaire.csv")), separator=";"
    )
    sexe = teachers.filter(pl.col("variable") == "sexe")["modalites"].item()
    assert sexe == "1 = Femme | 2 = Homme"


def test_same_seed_same_bytes_small_scale(tmp_path: Path) -> None:
    etab = make_etablissements(11, 0.05)
    a = write_surveys(etab, tmp_path / "a", seed=11, scale=0.05)
    b = write_surveys(etab, tmp_path / "b", seed=11, scale=0.05)
    c = write_surveys(etab, tmp_path / "c", seed=12, scale=0.05)
    assert [r.sha256 for r in a] == [r.sha256 for r in b]
    assert [r.sha256 for r in a] != [r.sha256 for r in c]


def test_weighted_quantile_and_solver_are_exact() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(5_000)
    w = rng.uniform(0.5, 3.0, 5_000)
    q = weighted_quantile(x, w, 0.3)
    assert abs(w[x < q].sum() / w.sum() - 0.3) < 3.0 / w.sum()
    # Two overlapping domains met jointly.
    a = x > -0.5
    b = rng.random(5_000) < 0.5
    theta = solve_thresholds(x, w, [(np.ones_like(a), 0.4), (a & b, 0.7)])
    y = x < theta
    assert abs(w[y].sum() / w.sum() - 0.4) < 0.002
    assert abs(w[y & a & b].sum() / w[a & b].sum() - 0.7) < 0.002
