"""SurveyDesign beyond the R fixtures: hand-computed designs, the secret, contrasts, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from egn_analytics.survey import (
    MASKED,
    PUBLISHED,
    ReplicateDesign,
    SecretRule,
    SurveyDesign,
    SurveyDesignError,
    depp_design,
)

OPEN = SecretRule(min_respondents=0, max_cv=None)
API = Path(__file__).parent / "r_reference"

# Two strata of N_h = 4 and 5 PSUs, two PSUs sampled in each, two pupils per PSU.
TINY = pl.DataFrame(
    {
        "h": ["a", "a", "a", "a", "b", "b", "b", "b"],
        "psu": [1, 1, 2, 2, 3, 3, 4, 4],
        "w": [2.0, 2.0, 2.0, 2.0, 2.5, 2.5, 2.5, 2.5],
        "N": [4, 4, 4, 4, 5, 5, 5, 5],
        "y": [1.0, 3.0, 2.0, 6.0, 4.0, 4.0, 0.0, 2.0],
        "g": ["x", "y", "x", "y", "x", "x", "y", "y"],
    }
)


def _by_hand_total_variance(z: np.ndarray) -> float:
    """Σ_h (1 - n_h/N_h) n_h/(n_h - 1) Σ_i (Z_hi - Z̄_h)² with PSU totals of z, n_h = 2."""
    psu_tot = {1: z[0] + z[1], 2: z[2] + z[3], 3: z[4] + z[5], 4: z[6] + z[7]}
    var = 0.0
    for (p1, p2), big_n in (((1, 2), 4), ((3, 4), 5)):
        zbar = (psu_tot[p1] + psu_tot[p2]) / 2
        ss = (psu_tot[p1] - zbar) ** 2 + (psu_tot[p2] - zbar) ** 2
        var += (1 - 2 / big_n) * 2 / (2 - 1) * ss
    return var


def test_total_and_mean_by_hand() -> None:
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w", fpc="N", secret=OPEN)
    w, y = TINY["w"].to_numpy(), TINY["y"].to_numpy()
    total = d.total("y").row(0, named=True)
    assert total["estimate"] == pytest.approx(float((w * y).sum()))  # 2·12 + 2.5·10 = 49
    assert total["estimate"] == pytest.approx(49.0)
    assert total["se"] == pytest.approx(math.sqrt(_by_hand_total_variance(w * y)))
    mean = d.mean("y").row(0, named=True)
    ybar = 49.0 / 18.0
    assert mean["estimate"] == pytest.approx(ybar)
    assert mean["se"] == pytest.approx(math.sqrt(_by_hand_total_variance(w * (y - ybar) / 18.0)))


def test_domain_keeps_the_full_design() -> None:
    """A domain's influence is zero outside it; PSU counts stay those of the full sample."""
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w", fpc="N", secret=OPEN)
    w, y = TINY["w"].to_numpy(), TINY["y"].to_numpy()
    inside = (TINY["g"] == "x").to_numpy()
    n_hat = float(w[inside].sum())
    ybar = float((w * y)[inside].sum()) / n_hat
    z = np.where(inside, w * (y - ybar) / n_hat, 0.0)
    by = d.mean("y", by="g").filter(pl.col("g") == "x").row(0, named=True)
    sub = d.subset(pl.col("g") == "x").mean("y").row(0, named=True)
    for got in (by, sub):
        assert got["estimate"] == pytest.approx(ybar)
        assert got["se"] == pytest.approx(math.sqrt(_by_hand_total_variance(z)))
        assert got["n"] == 4


def test_categorical_levels_sum_to_one_and_carry_labels() -> None:
    d = SurveyDesign(
        TINY, ids="psu", strata="h", weights="w", secret=OPEN, value_labels={"g": {"x": "Ixe"}}
    )
    out = d.proportion("g")
    assert out["level"].to_list() == ["x", "y"]
    assert out["level_label"].to_list() == ["Ixe", None]
    assert out["estimate"].sum() == pytest.approx(1.0)
    assert out["se"][0] == pytest.approx(out["se"][1])  # two levels: same SE, as in R


def test_compare_matches_r_svycontrast() -> None:
    """R: svycontrast(svyby(~api00, ~stype, clus1, svymean, covmat=TRUE), c(E=1, H=-1))."""
    clus1 = SurveyDesign(
        pl.read_csv(API / "apiclus1.csv"), ids="dnum", weights="pw", fpc="fpc", secret=OPEN
    )
    row = clus1.compare("api00", "stype", "E", "H").row(0, named=True)
    assert row["difference"] == pytest.approx(30.2966269841270, rel=1e-12)
    assert row["se"] == pytest.approx(30.0276061918454, rel=1e-9)
    # svycontrast(svyby(~sch_wide, ~stype, ...), c("E:sch_wideYes" = 1, "M:sch_wideYes" = -1))
    yes = clus1.compare("sch_wide", "stype", "E", "M").filter(pl.col("level") == "Yes")
    assert yes["difference"][0] == pytest.approx(0.236666666666667, rel=1e-12)
    assert yes["se"][0] == pytest.approx(0.119972484594939, rel=1e-9)
    assert yes["p_value"][0] == pytest.approx(2 * (1 - _phi(0.236666666666667 / 0.119972484594939)))


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_secret_masks_small_domains_everywhere() -> None:
    rule = SecretRule(min_respondents=3, max_cv=0.01)
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w", secret=rule)
    out = d.mean("y", by="psu")  # two respondents per PSU: all masked
    assert (out["status"] == MASKED).all()
    for col in ("estimate", "se", "ci_lower", "ci_upper", "cv"):
        assert out[col].null_count() == out.height
    assert out["n"].to_list() == [2, 2, 2, 2]  # the count stays, to explain the mask
    whole = d.mean("y").row(0, named=True)
    assert whole["status"] == "fragile"  # 8 respondents but a CV well above 1 %
    cmp = d.compare("y", "psu", 1, 2)
    assert cmp["status"][0] == MASKED and cmp["difference"][0] is None


def test_default_secret_comes_from_settings() -> None:
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w")
    assert d.secret == SecretRule(30, 0.20)
    assert d.mean("y")["status"][0] == MASKED  # 8 respondents < 30


def test_status_published_when_enough_and_precise() -> None:
    rng = np.random.default_rng(1)
    big = pl.DataFrame(
        {
            "h": np.repeat(["a", "b"], 200),
            "psu": np.repeat(np.arange(40), 10),
            "y": rng.normal(100, 5, 400),
        }
    )
    d = SurveyDesign(big, ids="psu", strata="h", secret=SecretRule(30, 0.2))
    assert d.mean("y")["status"][0] == PUBLISHED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ids": "nope"}, "colonne\\(s\\) absente\\(s\\) des données : nope"),
        ({"ids": "psu", "fpc": ["N", "N"]}, "il faut un fpc par degré"),
        ({"ids": "psu", "strata": "h", "fpc": "bad_fpc"}, "varie dans la strate « a »"),
        ({"ids": "psu", "strata": "h", "fpc": "small_fpc"}, "taux de sondage > 100 %"),
        ({"ids": "psu", "strata": "h", "weights": "neg"}, "poids négatif"),
        ({"ids": "psu", "lonely_psu": "drop"}, "lonely_psu inconnu"),
    ],
)
def test_design_errors_are_clear(kwargs: dict, message: str) -> None:
    data = TINY.with_columns(
        bad_fpc=pl.Series([4, 5, 4, 4, 5, 5, 5, 5]),
        small_fpc=pl.lit(1.5),
        neg=pl.Series([1.0, -1.0, 1, 1, 1, 1, 1, 1]),
    )
    with pytest.raises(SurveyDesignError, match=message):
        SurveyDesign(data, secret=OPEN, **kwargs)


def test_missing_design_value_names_the_line() -> None:
    data = TINY.with_columns(
        pl.when(pl.int_range(pl.len()) == 5).then(None).otherwise(pl.col("h")).alias("h")
    )
    with pytest.raises(SurveyDesignError, match="« h » \\(ligne 6\\)"):
        SurveyDesign(data, ids="psu", strata="h")


def test_logit_interval_only_for_proportions() -> None:
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w", secret=OPEN)
    with pytest.raises(SurveyDesignError, match="ne vaut que pour des proportions"):
        d.mean("y", ci="logit")
    with pytest.raises(ValueError, match="méthode d'intervalle inconnue"):
        d.mean("y", ci="bootstrap")
    flag = d.with_columns((pl.col("y") > 2).cast(pl.Float64).alias("big"))
    out = flag.mean("big", ci="logit").row(0, named=True)
    assert 0 < out["ci_lower"] < out["estimate"] < out["ci_upper"] < 1


def test_missing_values_are_dropped_variable_by_variable() -> None:
    data = TINY.with_columns(
        z=pl.Series([1.0, None, 2.0, None, 3.0, 3.0, None, 1.0]),
    )
    d = SurveyDesign(data, ids="psu", strata="h", weights="w", secret=OPEN)
    out = d.mean(["y", "z"])
    assert out["n"].to_list() == [8, 5]
    kept = data.filter(pl.col("z").is_not_null())
    expected = float((kept["w"] * kept["z"]).sum() / kept["w"].sum())
    assert out["estimate"][1] == pytest.approx(expected)


def test_rake_warns_when_it_does_not_converge() -> None:
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w", secret=OPEN)
    pop_g = pl.DataFrame({"g": ["x", "y"], "Freq": [10.0, 30.0]})
    pop_h = pl.DataFrame({"h": ["a", "b"], "Freq": [35.0, 5.0]})
    with pytest.warns(RuntimeWarning, match="n'a pas convergé"):
        d.rake([pop_g, pop_h], maxit=1, epsilon=1e-12)
    raked = d.rake([pop_g, pop_h], maxit=100, epsilon=1e-9)
    totals = raked.total("g")["estimate"].to_list()
    assert totals == pytest.approx([10.0, 30.0], rel=1e-6)


def test_post_stratify_errors() -> None:
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w", secret=OPEN)
    with pytest.raises(SurveyDesignError, match="absente de la population"):
        d.post_stratify("g", pl.DataFrame({"g": ["x"], "Freq": [10.0]}))
    with pytest.raises(SurveyDesignError, match="absente de l'échantillon"):
        d.post_stratify("g", pl.DataFrame({"g": ["x", "y", "z"], "Freq": [1.0, 2.0, 3.0]}))
    with pytest.raises(SurveyDesignError, match="caler le plan complet"):
        d.subset(pl.col("g") == "x").post_stratify("g", pl.DataFrame({"g": ["x"], "Freq": [1.0]}))


def test_replicate_design_errors() -> None:
    with pytest.raises(SurveyDesignError, match="poids répliqués introuvables"):
        ReplicateDesign(TINY, ["r1"], "w")
    with pytest.raises(SurveyDesignError, match="type de répliques inconnu"):
        ReplicateDesign(TINY.with_columns(r1=pl.col("w")), ["r1"], "w", type="JK3")


def test_depp_design_reads_the_loader_layout() -> None:
    data = TINY.rename({"h": "strate", "psu": "uai", "w": "poids", "N": "fpc"}).with_columns(
        id=pl.int_range(pl.len()).cast(pl.String),
        nb_unites_etab=pl.lit(20),
        ordi=pl.Series([1, 3, 1, 1, 3, 1, 1, 1]),
    )
    cb = pl.DataFrame(
        {
            "variable": ["ordi"],
            "modalites": [[{"code": 1, "libelle": "Oui"}, {"code": 3, "libelle": "Non"}]],
        }
    )
    d = depp_design(data, codebook=cb, secret=OPEN)
    out = d.mean("ordi")  # categorical thanks to the codebook: one row per level, labelled
    assert out["level"].to_list() == ["1", "3"]
    assert out["level_label"].to_list() == ["Oui", "Non"]
    assert "2 degré(s)" in repr(d)


def test_calibrate_depp_meets_the_etablissement_margins() -> None:
    from egn_analytics.survey import calibrate_depp, depp_margins

    etabs = pl.DataFrame(
        {
            "type": ["Collège", "Collège", "Lycée", "Ecole"],
            "secteur": ["Public", "Privé", "Public", "Public"],
            "ep": ["REP+", None, "Hors EP", "REP"],
            "code_academie": ["01", "01", "02", "02"],
            "eleves": [500, 300, 900, 100],
        }
    )
    margins = depp_margins(etabs, "eleves_2d")  # the école is outside the field
    assert [m.columns for m in margins] == [
        ["code_academie", "Freq"],
        ["secteur", "Freq"],
        ["ep", "Freq"],
    ]
    assert margins[0]["Freq"].to_list() == [800.0, 900.0]
    assert margins[2].to_dicts() == [{"ep": 1, "Freq": 500.0}, {"ep": 3, "Freq": 1200.0}]
    sample = pl.DataFrame(
        {
            "strate": ["s1"] * 4 + ["s2"] * 4,
            "uai": ["a", "a", "b", "b", "c", "c", "d", "d"],
            "poids": [100.0] * 8,
            "code_academie": ["01", "01", "01", "01", "02", "02", "02", "02"],
            "secteur": [1, 1, 2, 2, 1, 1, 1, 1],
            "ep": [1, 1, 3, 3, 3, 3, 3, 3],
            "y": [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
        }
    )
    cal = calibrate_depp(depp_design(sample, secret=OPEN), etabs, "eleves_2d")
    assert cal.total("code_academie")["estimate"].to_list() == pytest.approx([800.0, 900.0])
    assert cal.with_columns(pl.col("ep").cast(pl.String)).total("ep")[
        "estimate"
    ].to_list() == pytest.approx([500.0, 1200.0])
    with pytest.raises(SurveyDesignError, match="population inconnue"):
        depp_margins(etabs, "inspecteurs")


STYPE = pl.DataFrame({"stype": ["E", "H", "M"], "Freq": [4421, 755, 1018]})
SCH_WIDE = pl.DataFrame({"sch_wide": ["No", "Yes"], "Freq": [1072, 5122]})


def test_calibration_when_clusters_lie_inside_groups_matches_r() -> None:
    """The group-space path (each PSU inside one post-stratum), against R survey 4.1-1.

    R: rake(svydesign(ids=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat),
            list(~sch_wide, ~comp_imp), ...); svymean(~api00, .) and svyby(... ~stype ...);
       postStratify / rake of svydesign(ids=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2).
    """
    strat = SurveyDesign(
        pl.read_csv(API / "apistrat.csv"), strata="stype", weights="pw", fpc="fpc", secret=OPEN
    )
    comp_imp = pl.DataFrame({"comp_imp": ["No", "Yes"], "Freq": [2000, 4194]})
    raked = strat.rake([SCH_WIDE, comp_imp])
    whole = raked.mean("api00").row(0, named=True)
    assert whole["estimate"] == pytest.approx(662.38774490356832, rel=1e-12)
    assert whole["se"] == pytest.approx(9.27948863990433, rel=1e-9)
    by = raked.mean("api00", by="stype")
    assert by["se"].to_list() == pytest.approx(
        [12.2844929941453, 15.4922437059172, 16.1408735986048], rel=1e-9
    )
    clus2 = SurveyDesign(
        pl.read_csv(API / "apiclus2.csv"), ids=["dnum", "snum"], fpc=["fpc1", "fpc2"], secret=OPEN
    )
    ps = clus2.post_stratify("stype", STYPE).mean("api00").row(0, named=True)
    assert (ps["estimate"], ps["se"]) == pytest.approx(
        (673.0023112744673, 28.8318088122979), rel=1e-9
    )
    rk = clus2.rake([STYPE, SCH_WIDE]).mean("api00").row(0, named=True)
    assert (rk["estimate"], rk["se"]) == pytest.approx(
        (681.7006538816387, 31.7290536988809), rel=1e-9
    )


def test_logistic_reference_level_flips_the_contrast() -> None:
    from egn_analytics.survey import logistic

    strat = SurveyDesign(
        pl.read_csv(API / "apistrat.csv"), strata="stype", weights="pw", fpc="fpc", secret=OPEN
    )
    yes = pl.col("sch_wide") == "Yes"
    by_e = logistic(strat, yes, ["ell", "stype"]).filter(pl.col("term") == "stypeH")
    by_h = logistic(strat, yes, ["ell", "stype"], reference={"stype": "H"})
    flipped = by_h.filter(pl.col("term") == "stypeE")
    assert flipped["estimate"][0] == pytest.approx(-by_e["estimate"][0], rel=1e-8)
    assert flipped["se"][0] == pytest.approx(by_e["se"][0], rel=1e-8)
    with pytest.raises(SurveyDesignError, match="référence « X » absente"):
        logistic(strat, yes, ["stype"], reference={"stype": "X"})


def test_numeric_and_categorical_in_one_call_stack_as_separate_calls() -> None:
    """svymean(~y+g) in one call: the numeric rows then the level rows, as separate calls give."""
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w", fpc="N", secret=OPEN)
    for fn in (d.mean, d.total):
        both = fn(["y", "g"], by="h", deff=True)
        apart = pl.concat([fn("y", by="h", deff=True), fn("g", by="h", deff=True)])
        assert both.equals(apart)


def test_calibrate_meets_the_totals_and_names_its_errors() -> None:
    d = SurveyDesign(TINY, ids="psu", strata="h", weights="w", fpc="N", secret=OPEN)
    totals = {"(Intercept)": 20.0, "gy": 9.0, "y": 55.0}
    cal = d.calibrate(["g", "y"], totals)
    w = cal.weights.to_numpy()
    assert w.sum() == pytest.approx(20.0, rel=1e-12)
    assert (w * TINY["y"].to_numpy()).sum() == pytest.approx(55.0, rel=1e-12)
    bounded = d.calibrate(["g", "y"], totals, bounds=(0.5, 2.0))
    g = bounded.weights.to_numpy() / TINY["w"].to_numpy()
    assert g.min() >= 0.5 - 1e-12 and g.max() <= 2.0 + 1e-12
    # the total of a calibration variable is known: its SE vanishes
    assert cal.total("y")["se"][0] == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(SurveyDesignError, match="absents : y"):
        d.calibrate(["g", "y"], {"(Intercept)": 20.0, "gy": 9.0})
    with pytest.raises(SurveyDesignError, match="n'a pas convergé"):
        d.calibrate(["g", "y"], totals, bounds=(0.99, 1.01))


def test_replicate_quantile_beta_is_korn_graubard_with_the_replicate_se() -> None:
    """R ignores interval.type="beta" on replicate designs; here it is the KG interval."""
    data = pl.read_csv(API / "apiclus1.csv").join(
        pl.read_csv(API / "clus1_jk1_repweights.csv"), on="cds", how="left", maintain_order="left"
    )
    d = ReplicateDesign(data, "rw", "pw", type="JK1", secret=OPEN)
    t = d.quantile("api00", 0.5)
    beta = d.quantile("api00", 0.5, ci="beta")
    assert t["estimate"][0] == beta["estimate"][0]
    assert beta["ci_lower"][0] <= t["estimate"][0] <= beta["ci_upper"][0]
    assert (beta["ci_lower"][0], beta["ci_upper"][0]) != (t["ci_lower"][0], t["ci_upper"][0])


def test_score_quantile_interval_without_a_sign_change_is_empty() -> None:
    """R's uniroot stops (no sign change: mu284 y1 at 0.25 and 0.75); that bound is empty."""
    d = SurveyDesign(pl.read_csv(API / "mu284.csv"), ids=["id1", "id2"], fpc=["n1", "n2"],
                     secret=OPEN)  # fmt: skip
    out = d.quantile("y1", [0.25, 0.5, 0.75], ci="score")
    assert out["estimate"].to_list() == [39.0, 45.0, 49.0]
    assert out["ci_lower"].is_null().to_list() == [True, False, False]
    assert out["ci_upper"].is_null().to_list() == [False, False, True]
    with pytest.raises(SurveyDesignError, match="score"):
        d.quantile("y1", 0.5, ci="wald")  # type: ignore[arg-type]
