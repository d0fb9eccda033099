"""Design-based logistic regression (R's ``svyglm(family = quasibinomial)``).

Why statsmodels plus our variance: statsmodels fits the weighted likelihood (the pseudo-maximum
likelihood estimate is the same whatever the design) but its standard errors assume
independent observations. The design-based covariance is the sandwich ``A⁻¹ V(U) A⁻¹`` where
``U`` totals the scores ``w x (y − μ)`` and ``V`` is the design variance of that total — the
same Taylor engine as every other estimate, so strata, clusters, fpc, domains and calibration
are all honoured, exactly as ``svy.varcoef`` does in R. On a :class:`ReplicateDesign` the
model is refitted under every replicate weight and the covariance is the replicates' spread
(``scale``, ``rscales``, ``mse``), as R's ``svyglm`` on a ``svrepdesign`` does.

Categorical covariates use treatment coding with the first level (sorted) as reference, as R
does for a factor; coefficients are named as R names them (``(Intercept)``, ``stypeH``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

from egn_analytics.survey._engine import SurveyDesignError
from egn_analytics.survey.design import SurveyDesign, model_matrix
from egn_analytics.survey.replicate import ReplicateDesign

_OUTCOME = "__egn_outcome"
FloatArray = npt.NDArray[np.float64]


def _irls(x: FloatArray, y: FloatArray, w: FloatArray, start: FloatArray) -> FloatArray:
    """Weighted logistic fit by Newton steps (IRLS) from ``start``, to full convergence.

    Why not statsmodels for the replicate fits: there are as many fits as replicates, each
    starting next to the answer (R's ``glm.fit(start = beta0)``), so a few plain Newton
    steps beat a model object per replicate.
    """
    beta = start.copy()
    for _ in range(100):
        mu = 1 / (1 + np.exp(-(x @ beta)))
        info = x.T @ (x * (w * mu * (1 - mu))[:, None])
        step = np.linalg.solve(info, x.T @ (w * (y - mu)))
        beta = beta + step
        if np.max(np.abs(step)) <= 1e-13 * (1 + np.max(np.abs(beta))):
            break
    return beta


def logistic(
    design: SurveyDesign | ReplicateDesign,
    outcome: str | pl.Expr,
    covariates: Sequence[str],
    *,
    categorical: Sequence[str] = (),
    reference: Mapping[str, Any] | None = None,
    level: float = 0.95,
) -> pl.DataFrame:
    """Fit ``logit P(outcome) = Xβ`` on the design; one row per coefficient.

    ``reference`` sets the reference level of a categorical covariate (R's ``relevel``), e.g.
    ``{"ep": 3}`` to compare REP+ and REP with « hors EP ».

    ``outcome`` is a 0/1 or Boolean column, or a Polars expression giving one (e.g.
    ``pl.col("ordinateur") == 3``). Rows with a missing outcome or covariate, or outside the
    design's domain, get zero influence (R's ``na.action`` on a subset design). Columns:
    ``term``, ``estimate`` (log-odds), ``se``, ``t``, ``df`` (``degf − p + 1`` as R's
    summary), ``p_value``, ``ci_lower``, ``ci_upper`` (Wald, normal, as ``confint``),
    ``odds_ratio`` and its interval ``or_lower``, ``or_upper``.
    """
    expr = pl.col(outcome) if isinstance(outcome, str) else outcome
    data = design.data.with_columns(expr.cast(pl.Float64).alias(_OUTCOME))
    missing = [c for c in covariates if c not in data.columns]
    if missing:
        raise SurveyDesignError(f"logistic() : colonne(s) absente(s) : {', '.join(missing)}")
    domain = design.domain.to_numpy()
    complete = (
        data.select(pl.all_horizontal(pl.col([_OUTCOME, *covariates]).is_not_null()))
        .to_series()
        .to_numpy()
    )
    keep = domain & complete & (design.weights.to_numpy() > 0)
    used = data.filter(pl.Series(keep))
    y = used.get_column(_OUTCOME).to_numpy()
    if not np.isin(y, (0.0, 1.0)).all():
        raise SurveyDesignError("logistic() : la variable expliquée doit valoir 0 ou 1")
    cats = set(categorical) | {c for c in covariates if not data.schema[c].is_numeric()}
    x, names = model_matrix(used, covariates, cats, reference or {})
    w = design.weights.to_numpy()[keep]
    w = w / w.mean()  # R rescales the weights to mean 1; estimates and variances do not move
    import statsmodels.api as sm  # 0.7 s to import: only when a model is fitted

    fit = sm.GLM(y, x, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-12)
    beta = np.asarray(fit.params)
    mu = 1 / (1 + np.exp(-(x @ beta)))
    if isinstance(design, ReplicateDesign):
        # R refits under every replicate weight, IRLS started at the full-sample estimate.
        cov = design.replicate_covariance(lambda wr: _irls(x, y, wr / wr.sum(), beta), beta, keep)
    else:
        bread = np.linalg.inv(x.T @ (x * (w * mu * (1 - mu))[:, None]))
        scores = np.zeros((design.data.height, len(names)))
        scores[keep] = (x * (w * (y - mu))[:, None]) @ bread
        cov = design.covariance(scores)
    se = np.sqrt(np.diag(cov))
    df = design.degf() - len(names) + 1
    tstat = beta / se
    p = 2 * stats.t.sf(np.abs(tstat), df)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    lo, hi = beta - z * se, beta + z * se
    return pl.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "se": se,
            "t": tstat,
            "df": [df] * len(names),
            "p_value": p,
            "ci_lower": lo,
            "ci_upper": hi,
            "odds_ratio": np.exp(beta),
            "or_lower": np.exp(lo),
            "or_upper": np.exp(hi),
        }
    )
