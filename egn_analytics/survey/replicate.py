"""``ReplicateDesign``: variance from replicate weights, as R's ``svrepdesign``.

Why: some files (and most public-use files abroad) ship replicate weights instead of the strata
and PSUs, which are then confidential. The estimate is recomputed with each replicate weight
column and the variance is ``scale · Σ rscales_r (θ_r − θ̄)²``, centred on the mean of the
replicates (R's default, ``mse = FALSE``) or on the full-sample estimate (``mse = True``).

Scales by ``type`` as in R: ``BRR`` 1/R; ``Fay`` 1/(R (1−ρ)²); ``JK1`` (R−1)/R; ``JKn`` needs
``rscales``; ``bootstrap`` 1/(R−1); ``other`` takes ``scale`` and ``rscales`` as given.
Logit intervals take the spread of the replicate logits (R's ``svyciprop`` refits under each
replicate), and a domain's degrees of freedom are the rank of its replicate weights minus one.
Quantiles are R's ``svyquantile`` on a ``svrepdesign`` (``interval.type = "mean"``, its
default): the Woodruff interval with the replicate SE of the share below the estimate, on the
degrees of freedom of the answering rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp

from egn_analytics.survey._engine import SurveyDesignError
from egn_analytics.survey.design import Columns, _as_list, _BaseDesign, _Entries
from egn_analytics.survey.secret import SecretRule

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TYPES = ("BRR", "Fay", "JK1", "JKn", "bootstrap", "other")
_BLOCK = 16  # replicate columns per block: memory stays bounded for long entry lists


class ReplicateDesign(_BaseDesign):
    """A sample with replicate weights (``svrepdesign``); same estimators as SurveyDesign."""

    def __init__(
        self,
        data: pl.DataFrame | pl.LazyFrame,
        repweights: Columns,
        weights: str | None = None,
        *,
        type: str = "JK1",
        scale: float | None = None,
        rscales: Sequence[float] | None = None,
        rho: float | None = None,
        mse: bool = False,
        combined_weights: bool = True,
        categorical: Sequence[str] = (),
        value_labels: Mapping[str, Mapping[Any, str]] | None = None,
        secret: SecretRule | None = None,
    ) -> None:
        frame = data.collect() if isinstance(data, pl.LazyFrame) else data
        cols = _as_list(repweights)
        if len(cols) == 1 and cols[0] not in frame.columns:
            cols = [c for c in frame.columns if c.startswith(cols[0])]
        missing = [c for c in cols if c not in frame.columns]
        if not cols or missing:
            raise SurveyDesignError(
                f"poids répliqués introuvables : {', '.join(missing) or _as_list(repweights)}"
            )
        if type not in TYPES:
            raise SurveyDesignError(f"type de répliques inconnu « {type} » ({', '.join(TYPES)})")
        self._data = frame
        reps = frame.select(pl.col(cols).cast(pl.Float64)).to_numpy()
        if np.isnan(reps).any():
            raise SurveyDesignError("poids répliqués manquants")
        w = (
            frame.get_column(weights).cast(pl.Float64).to_numpy().copy()
            if weights
            else np.ones(frame.height)
        )
        if not combined_weights:
            reps = reps * w[:, None]
        r = reps.shape[1]
        rs = np.ones(r) if rscales is None else np.asarray(rscales, dtype=np.float64)
        if rs.size not in (1, r):
            raise SurveyDesignError(f"rscales a {rs.size} valeurs pour {r} répliques")
        if type == "BRR":
            scale = 1 / r
        elif type == "Fay":
            if rho is None:
                raise SurveyDesignError("type « Fay » : donner rho")
            scale = 1 / (r * (1 - rho) ** 2)
        elif type == "JK1" and scale is None:
            scale = (r - 1) / r
        elif type == "bootstrap" and scale is None:
            scale = 1 / (r - 1)
        elif type == "JKn" and rscales is None:
            raise SurveyDesignError("type « JKn » : donner rscales ((n_h − 1)/n_h)")
        self.scale = float(scale if scale is not None else 1.0)
        self.rscales = np.broadcast_to(rs, (r,)).astype(np.float64)
        self.mse = mse
        self._reps = reps
        self._w = w
        self._domain = np.ones(frame.height, dtype=bool)
        self._categorical = frozenset(categorical)
        self._value_labels = {
            col: {str(k): str(v) for k, v in labels.items()}
            for col, labels in (value_labels or {}).items()
        }
        self.secret = secret if secret is not None else SecretRule.from_settings()
        self._degf_value = int(np.linalg.matrix_rank(reps)) - 1

    def __repr__(self) -> str:
        return (
            f"ReplicateDesign({self._reps.shape[1]} répliques, échelle {self.scale:g} ; "
            f"{self._data.height} lignes, {int(self._domain.sum())} dans le domaine)"
        )

    def _replicates(self, kind: str, e: _Entries) -> FloatArray:
        """Estimates under every replicate weight: (keys × replicates)."""
        r = self._reps.shape[1]
        out = np.empty((e.n_keys, r))
        ind = sp.csr_array(
            (np.ones(e.key.size), (e.key, np.arange(e.key.size))), shape=(e.n_keys, e.key.size)
        )
        for start in range(0, r, _BLOCK):
            wr = self._reps[e.row, start : start + _BLOCK]
            sw = ind @ wr
            swy = ind @ (wr * e.y[:, None])
            with np.errstate(invalid="ignore", divide="ignore"):
                if kind == "total":
                    out[:, start : start + _BLOCK] = swy
                elif kind == "mean":
                    out[:, start : start + _BLOCK] = swy / sw
                else:
                    assert e.x is not None
                    swx = ind @ (wr * e.x[:, None])
                    out[:, start : start + _BLOCK] = swy / swx
        return out

    def _spread(self, thetas: FloatArray, est: FloatArray) -> FloatArray:
        centre = est if self.mse else thetas[:, self.rscales > 0].mean(axis=1)
        dev = thetas - centre[:, None]
        return (dev * dev) @ self.rscales * self.scale

    def _variances(self, kind: str, e: _Entries, est: FloatArray) -> FloatArray:
        return self._spread(self._replicates(kind, e), est)

    def _contrast_variances(
        self, kind: str, e: _Entries, est: FloatArray, contrasts: sp.csc_array
    ) -> FloatArray:
        c = contrasts.toarray()
        return self._spread(c.T @ self._replicates(kind, e), c.T @ est)

    def _logit_se(self, e: _Entries, est: FloatArray, se: FloatArray) -> FloatArray:
        """The spread of the replicate logits, as R's ``svyglm`` on a ``svrepdesign``.

        Why not the delta method: R's ``svyciprop(method = "logit")`` refits ``y ~ 1`` under
        every replicate weight and takes ``svrVar`` of the coefficients, ``logit(p_r)``,
        centred on their mean (or on ``logit(p)`` with ``mse``). With few replicates or a
        skewed proportion the two differ well beyond rounding.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            thetas = self._replicates("mean", e)
            logits = np.log(thetas / (1 - thetas))
            centre = np.log(est / (1 - est))
        return np.sqrt(np.maximum(self._spread(logits, centre), 0.0))

    def replicate_covariance(
        self,
        fit: Callable[[FloatArray], FloatArray],
        estimate: FloatArray,
        rows: npt.NDArray[np.bool_],
    ) -> FloatArray:
        """Covariance of a statistic refitted under every replicate weight (R's ``svrVar``).

        Why a callback: models (``svyglm`` on a ``svrepdesign``) are refitted with each
        replicate's weights of the rows they use (``rows``), then the spread of the
        coefficients around their mean (or the full-sample ``estimate`` with ``mse``) is
        scaled by ``scale`` and ``rscales``, as for every other statistic of this design.
        """
        thetas = np.array([fit(self._reps[rows, r]) for r in range(self._reps.shape[1])])
        centre = estimate if self.mse else thetas[self.rscales > 0].mean(axis=0)
        dev = thetas - centre
        return np.asarray(self.scale * (dev * self.rscales[:, None]).T @ dev, dtype=np.float64)

    def _group_degf(self, rows: IntArray, group: IntArray, n_groups: int) -> IntArray:
        """Rank of each group's replicate weights minus one.

        R's ``[.svyrep.design`` keeps only the domain's rows and recomputes ``degf`` on them,
        so a domain that touches few replicates has fewer degrees of freedom.
        """
        if rows.size == self._data.height and n_groups == 1:
            return np.array([self._degf_value], dtype=np.int64)
        return np.array(
            [int(np.linalg.matrix_rank(self._reps[rows[group == g]])) - 1 for g in range(n_groups)],
            dtype=np.int64,
        )
