"""Taylor-linearisation variance for stratified multistage designs, as R ``survey`` computes it.

Why a sparse-matrix engine: every design-based estimator of this package reduces to the
variance of a *total of influence values* ``z`` (one column per estimate, one row per
respondent). R's ``svyrecvar`` computes it stage by stage: PSU totals of ``z`` within each
stratum, centred on the stratum mean, scaled by ``(1 - n_h/N_h) n_h/(n_h - 1)``; then, when an
fpc is given for every stage, the same inside each PSU, multiplied by the first stage's
sampling fraction ``n_h/N_h`` (the "multistage fpc recursion"). Written with indicator
matrices (row → cluster, cluster → stratum) this is three sparse products per stage, whatever
the number of domains × variables × levels estimated at once — no loop over rows, strata or
domains, and the estimates of a whole indicator catalogue share one pass.

Domains are estimated as R does (``subset()`` keeps the full design): influence values are zero
outside the domain, and strata keep their full-sample PSU counts ``n_h``. Post-stratification
and raking replace ``z`` by its residuals on the post-strata before the stage sums, exactly as
``svyrecvar`` does (including its ten raking sweeps); a linear (GREG) calibration replaces it
by its residuals on the calibration model.

Lonely PSUs (a stratum with one PSU at some stage) follow ``options(survey.lonely.psu)``:
``fail`` (R's default) raises, ``certainty`` and ``remove`` contribute nothing, ``adjust``
centres the lonely PSU at zero (R's behaviour) and ``average`` replaces the missing strata by
the average of the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp

LonelyPSU = Literal["fail", "certainty", "remove", "adjust", "average"]
LONELY_PSU_OPTIONS: tuple[str, ...] = ("fail", "certainty", "remove", "adjust", "average")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Matrix = Any  # a dense float array or a scipy.sparse array (rows × estimates)

#: Columns of influence values estimated together (dense blocks stay below ~100 MB).
_CHUNK = 1024


class SurveyDesignError(ValueError):
    """A design description that cannot be right (one French line, like the loaders' errors)."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One sampling stage: which cluster each row belongs to, and each cluster's stratum.

    ``n`` and ``f`` are per stratum of this stage: ``n`` clusters sampled (counted on the full
    sample), ``f = 1 - n/N`` (1 without fpc), and ``mult`` the product of the sampling
    fractions of the enclosing units of earlier stages (1 at stage 1).
    """

    cluster: IntArray  # row -> cluster index
    cluster_stratum: IntArray  # cluster -> stratum index
    n: IntArray  # stratum -> sampled clusters
    f: FloatArray  # stratum -> 1 - n/N
    mult: FloatArray  # stratum -> product of earlier sampling fractions
    labels: tuple[str, ...]  # stratum -> label, for messages
    fraction: FloatArray  # stratum -> n/N (used by the next stage)


#: One calibration adjustment: the residual is ``z − psw[:, None] · S[g]`` (rows × keys).
Term = tuple[FloatArray, IntArray, FloatArray]


@dataclass(slots=True)
class Calibration:
    """Post-stratification (one grouping) or raking (several margins), for the residuals.

    R's ``svyrecvar`` projects the influence values off the post-strata row by row; here the
    projections are carried out in *group space*: every adjustment has the form
    ``psw · S[g]`` (a group mean per key, spread over the rows of the group), so the ten
    raking sweeps cost (groups × keys), not (rows × keys), and the influence matrix stays
    sparse. The result is algebraically R's.
    """

    kind: Literal["poststrat", "raking", "linear"]
    groups: list[IntArray]  # row -> group index, one array per margin
    weights: list[FloatArray]  # the weights right after each margin's adjustment
    oldweights: list[FloatArray] = field(default_factory=list)  # post-stratification, linear
    model: FloatArray | None = None  # linear (GREG) calibration: the model matrix (rows × p)

    def linear_residual(self, z: FloatArray) -> FloatArray:
        """GREG residual of ``z``: R's ``qr.resid(qr(mm √w), z / (g √w)) · g √w``.

        Why a least-squares solve and not the normal equations: it is R's QR projection
        (rank-deficient model matrices included), and ``z − g w X β`` with
        ``β = (X'WX)⁻¹ X'(z/g)`` is the same thing, written with the weights ``w`` before and
        ``g w`` after calibration.
        """
        assert self.model is not None
        after, before = self.weights[0], self.oldweights[0]
        half = np.sqrt(before)
        scale = after / np.where(half == 0, 1.0, half)  # g √w (0 where the weight is 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(scale[:, None] == 0, 0.0, z / scale[:, None])
        a = self.model * half[:, None]
        beta = np.linalg.lstsq(a, u, rcond=None)[0]
        return np.asarray((u - a @ beta) * scale[:, None], dtype=np.float64)

    def terms(self, z: Matrix, previous: Sequence[Term]) -> list[Term]:
        """The adjustments this calibration adds to the residual of ``z`` minus ``previous``."""
        if self.kind == "poststrat":
            g, psw, oldw = self.groups[0], self.weights[0].copy(), self.oldweights[0]
            zero = (psw == 0) & (oldw == 0)
            psw[zero] = 1.0
            ng = int(g.max()) + 1
            num = _group_sums(g, ng, oldw / psw, z, previous)
            den = np.bincount(g, weights=oldw, minlength=ng)
            return [(psw, g, num / den[:, None])]
        sizes = [int(g.max()) + 1 for g in self.groups]
        counts = [
            np.bincount(g, minlength=k).astype(np.float64)
            for g, k in zip(self.groups, sizes, strict=True)
        ]
        a = [
            _group_sums(g, k, 1 / psw, z, previous)
            for g, k, psw in zip(self.groups, sizes, self.weights, strict=True)
        ]
        cross = [
            [
                _cross(gm, km, gk, kk, wk / wm)
                for gk, kk, wk in zip(self.groups, sizes, self.weights, strict=True)
            ]
            for gm, km, wm in zip(self.groups, sizes, self.weights, strict=True)
        ]
        s_acc = [np.zeros((k, a[0].shape[1])) for k in sizes]
        for _ in range(10):  # R sweeps the margins ten times, whatever the convergence
            for m in range(len(sizes)):
                current = a[m] - sum(cross[m][k] @ s_acc[k] for k in range(len(sizes)))
                s_acc[m] += current / counts[m][:, None]
        return [(psw, g, s) for psw, g, s in zip(self.weights, self.groups, s_acc, strict=True)]


def _cross(g_a: IntArray, n_a: int, g_b: IntArray, n_b: int, c: FloatArray) -> FloatArray:
    """``G_a diag(c) G_bᵀ`` (groups_a × groups_b), dense: group-space coupling of two margins."""
    out = np.zeros((n_a, n_b))
    np.add.at(out, (g_a, g_b), c)
    return out


def _group_sums(
    g: IntArray, n_groups: int, c: FloatArray, z: Matrix, previous: Sequence[Term]
) -> FloatArray:
    """``G diag(c) r`` where ``r = z − Σ psw·S[g']`` over the previous adjustments."""
    ind = _indicator(g, n_groups)
    if sp.issparse(z):
        base = np.asarray((ind @ sp.csr_array(z).multiply(c[:, None])).toarray())
    else:
        base = ind @ (np.asarray(z) * c[:, None])
    for psw, g_t, s_t in previous:
        base = base - _cross(g, n_groups, g_t, s_t.shape[0], c * psw) @ s_t
    return np.asarray(base, dtype=np.float64)


def _indicator(index: IntArray, n_groups: int) -> sp.csr_array:
    """Sparse (groups × rows) 0/1 matrix: ``ind @ x`` sums the rows of ``x`` by group."""
    n = index.shape[0]
    return sp.csr_array((np.ones(n), (index, np.arange(n))), shape=(n_groups, n), dtype=np.float64)


def dense_codes(frame: pl.DataFrame, columns: Sequence[str]) -> IntArray:
    """0-based dense codes of the combinations of ``columns`` (one per row)."""
    if not columns:
        return np.zeros(frame.height, dtype=np.int64)
    codes = frame.select(pl.struct(list(columns)).rank("dense").cast(pl.Int64) - 1)
    return codes.to_series().to_numpy().astype(np.int64, copy=False)


def build_stages(
    frame: pl.DataFrame,
    ids: Sequence[str],
    strata: Sequence[str],
    fpc: Sequence[str],
) -> list[Stage]:
    """The stage structure of ``svydesign(ids, strata, fpc)`` on ``frame``.

    ``ids`` empty means one row per PSU (R's ``ids=~1``). Stage ``k``'s strata are its own
    strata column (or the last one given) crossed with the stage ``k-1`` cluster, and its
    clusters are nested in them, as ``svydesign.default`` builds them.
    """
    n_rows = frame.height
    row_ids = np.arange(n_rows, dtype=np.int64)
    n_stages = max(len(ids), 1)
    if fpc and len(fpc) != n_stages:
        raise SurveyDesignError(
            f"fpc donné pour {len(fpc)} degré(s) de tirage mais ids en décrit {n_stages} : "
            "il faut un fpc par degré (ou aucun)"
        )
    fpc_values = [frame.get_column(c).cast(pl.Float64).to_numpy() for c in fpc]
    if fpc_values:
        allv = np.concatenate(fpc_values)
        if np.isnan(allv).any():
            raise SurveyDesignError("fpc manquant sur certaines lignes")
        if (allv > 1).any() and (allv < 1).any():
            raise SurveyDesignError(
                "fpc mélange effectifs (> 1) et taux de sondage (< 1) : tous ≥ 1 ou tous ≤ 1"
            )
        as_fraction = bool((allv <= 1).all()) and not bool((allv > 1).any())
    else:
        as_fraction = False
    stages: list[Stage] = []
    prev_cluster: IntArray | None = None
    prev_fraction_by_row = np.ones(n_rows)
    for k in range(n_stages):
        s_cols = [strata[min(k, len(strata) - 1)]] if strata else []
        base = frame.select(s_cols) if s_cols else pl.DataFrame({"_": np.zeros(n_rows)})
        if prev_cluster is not None:
            base = base.with_columns(pl.Series("_prev", prev_cluster))
        stratum = dense_codes(base, base.columns)
        cl_frame = base.with_columns(pl.Series("_stratum", stratum))
        if ids:
            cl_frame = cl_frame.with_columns(frame.get_column(ids[k]).alias("_id"))
        else:
            cl_frame = cl_frame.with_columns(pl.Series("_id", row_ids))
        cluster = dense_codes(cl_frame, ["_stratum", "_id"])
        n_clusters = int(cluster.max()) + 1 if n_rows else 0
        cluster_stratum = np.zeros(n_clusters, dtype=np.int64)
        cluster_stratum[cluster] = stratum
        n_strata = int(stratum.max()) + 1 if n_rows else 0
        n_h = np.bincount(cluster_stratum, minlength=n_strata).astype(np.int64)
        first_row = np.full(n_strata, -1, dtype=np.int64)
        first_row[stratum[::-1]] = row_ids[::-1]
        if s_cols:
            label_series = frame.get_column(s_cols[0]).cast(pl.String).gather(first_row)
            labels = tuple(str(v) for v in label_series.to_list())
        else:
            labels = tuple(str(i + 1) for i in range(n_strata))
        if k > 0 and ids:  # a later-stage stratum lives inside one earlier cluster: name it
            unit = frame.get_column(ids[k - 1]).cast(pl.String).gather(first_row).to_list()
            labels = tuple(f"{lab} › {ids[k - 1]}={u}" for lab, u in zip(labels, unit, strict=True))
        if fpc_values:
            values = fpc_values[k]
            lo = np.full(n_strata, np.inf)
            hi = np.full(n_strata, -np.inf)
            np.minimum.at(lo, stratum, values)
            np.maximum.at(hi, stratum, values)
            if (hi - lo > 1e-9 * np.maximum(1.0, np.abs(hi))).any():
                bad = int(np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, np.abs(hi)))[0])
                raise SurveyDesignError(
                    f"fpc (colonne {fpc[k]}) varie dans la strate « {labels[bad]} » "
                    f"au degré {k + 1} : il doit être constant par strate"
                )
            big_n = n_h / lo if as_fraction else lo
            if (big_n < n_h - 1e-9).any():
                bad = int(np.flatnonzero(big_n < n_h - 1e-9)[0])
                raise SurveyDesignError(
                    f"fpc (colonne {fpc[k]}) inférieur au nombre d'unités tirées dans la strate "
                    f"« {labels[bad]} » au degré {k + 1} ({big_n[bad]:g} < {n_h[bad]}) : "
                    "taux de sondage > 100 %"
                )
            fraction = n_h / big_n
            f = np.where(np.isinf(big_n), 1.0, (big_n - n_h) / big_n)
        else:
            fraction = np.zeros(n_strata)
            f = np.ones(n_strata)
        mult = np.ones(n_strata)
        if k > 0:
            mult[stratum] = prev_fraction_by_row
        stages.append(
            Stage(
                cluster=cluster,
                cluster_stratum=cluster_stratum,
                n=n_h,
                f=f,
                mult=mult,
                labels=labels,
                fraction=fraction,
            )
        )
        prev_cluster = cluster
        prev_fraction_by_row = prev_fraction_by_row * fraction[stratum]
    return stages


def design_weights(stages: Sequence[Stage], n_rows: int) -> FloatArray:
    """Weights implied by the fpc when none are given: the product of ``N/n`` over stages."""
    w = np.ones(n_rows)
    for st in stages:
        stratum = st.cluster_stratum[st.cluster]
        w = w / st.fraction[stratum]
    return w


def _check_lonely(
    st: Stage,
    lonely: npt.NDArray[np.bool_],
    touched: npt.NDArray[np.bool_],
    lonely_psu: str,
    stage_number: int,
) -> None:
    """R's ``fail``: a one-PSU stratum that the estimate touches is an error.

    R only visits the strata present in the (sub)sample and returns 0 before the check for a
    census stratum (f ≈ 0), so neither raises here either.
    """
    if lonely_psu != "fail" or not lonely.any():
        return
    bad = np.flatnonzero(lonely & touched & (st.f >= 1e-7))
    if bad.size:
        raise SurveyDesignError(
            f"la strate « {st.labels[int(bad[0])]} » n'a qu'une unité primaire au degré "
            f"{stage_number} : variance impossible ; choisissez lonely_psu = "
            "'certainty', 'remove', 'adjust' ou 'average'"
        )


def _stage_variance(
    totals: Matrix, st: Stage, lonely_psu: str, stage_number: int, full: bool
) -> FloatArray:
    """Variance (or covariance when ``full``) contribution of one stage from cluster totals."""
    n_strata = st.n.shape[0]
    strat_ind = _indicator(st.cluster_stratum, n_strata)
    n = st.n.astype(np.float64)
    lonely = st.n == 1
    scale = np.where(lonely, st.f, st.f * n / np.maximum(n - 1, 1)) * st.mult
    scale = np.where(st.f < 1e-7, 0.0, scale)
    if full:
        t = np.asarray(totals.toarray() if sp.issparse(totals) else totals)
        s1 = strat_ind @ t
        _check_lonely(st, lonely, (strat_ind @ np.abs(t)).sum(axis=1) > 0, lonely_psu, stage_number)
        centred = t - (s1 / n[:, None])[st.cluster_stratum]
        if lonely_psu == "adjust":
            centred[lonely[st.cluster_stratum]] = t[lonely[st.cluster_stratum]]
        weighted = centred * scale[st.cluster_stratum][:, None]
        cov = np.asarray(centred.T @ weighted)
        if lonely_psu == "average" and lonely.any():
            cov *= n_strata / max(int((~lonely).sum()), 1)
        return cov
    if isinstance(totals, tuple):  # (s1, s2) already summed by stratum
        s1, s2 = totals
    elif sp.issparse(totals):
        s1 = np.asarray((strat_ind @ totals).toarray())
        squared = sp.csr_array(totals, copy=True)
        squared.data **= 2  # same sparsity pattern: far cheaper than an elementwise product
        s2 = np.asarray((strat_ind @ squared).toarray())
    else:
        s1 = strat_ind @ totals
        s2 = strat_ind @ (totals * totals)
    _check_lonely(st, lonely, np.abs(s2).sum(axis=1) > 0, lonely_psu, stage_number)
    per_stratum = s2 - s1 * s1 / n[:, None]
    if lonely_psu == "adjust" and lonely.any():
        per_stratum[lonely] = s2[lonely]
    if lonely_psu == "average" and lonely.any():
        per_stratum[lonely] = 0.0
        ok = int((~lonely).sum())
        return (scale @ per_stratum) * (n_strata / max(ok, 1))
    return np.asarray(scale @ per_stratum)


def linearized_variance(
    z: Matrix,
    stages: Sequence[Stage],
    *,
    calibrations: Sequence[Calibration] = (),
    lonely_psu: str = "fail",
    multistage: bool = True,
    full: bool = False,
) -> FloatArray:
    """Variances (one per column of ``z``) or, with ``full``, the covariance matrix.

    ``z`` holds weighted influence values, rows in the design's row order (zero outside a
    domain). ``multistage`` is false when the design has no fpc: R then stops at the first
    stage (the "ultimate cluster" approximation).
    """
    if lonely_psu not in LONELY_PSU_OPTIONS:
        raise SurveyDesignError(
            f"lonely_psu inconnu « {lonely_psu} » (attendu : {', '.join(LONELY_PSU_OPTIONS)})"
        )
    n_cols = z.shape[1]
    if full:
        return _variance_block(z, stages, calibrations, lonely_psu, multistage, full=True)
    out = np.empty(n_cols)
    z_csc = z.tocsc() if sp.issparse(z) else z
    for start in range(0, n_cols, _CHUNK):
        stop = min(start + _CHUNK, n_cols)
        block = z_csc[:, start:stop]
        out[start:stop] = _variance_block(
            block, stages, calibrations, lonely_psu, multistage, full=False
        )
    return out


def _variance_block(
    z: Matrix,
    stages: Sequence[Stage],
    calibrations: Sequence[Calibration],
    lonely_psu: str,
    multistage: bool,
    full: bool,
) -> FloatArray:
    if sp.issparse(z):
        z = sp.csr_array(z)
    terms: list[Term] = []
    for cal in calibrations:
        if cal.kind == "linear":  # R applies the calibrations in order: settle earlier ones
            dense = np.asarray(z.toarray() if sp.issparse(z) else z, dtype=np.float64)
            for psw, g, s_t in terms:
                dense = dense - psw[:, None] * s_t[g]
            z, terms = cal.linear_residual(dense), []
        else:
            terms += cal.terms(z, terms)
    used = stages if multistage else stages[:1]
    total: FloatArray | None = None
    for number, st in enumerate(used, start=1):
        n_clusters = st.cluster_stratum.shape[0]
        totals = _indicator(st.cluster, n_clusters) @ z
        if terms:
            by_cluster = _terms_by_cluster(st, terms) if not full else None
            if by_cluster is not None:
                totals = _calibrated_stratum_sums(sp.csr_array(totals), st, by_cluster)
            else:
                totals = np.asarray(totals.toarray() if sp.issparse(totals) else totals)
                for psw, g, s_t in terms:
                    totals = totals - _cross(st.cluster, n_clusters, g, s_t.shape[0], psw) @ s_t
        part = _stage_variance(totals, st, lonely_psu, number, full)
        total = part if total is None else total + part
    assert total is not None
    return total


#: A calibration adjustment seen from one stage's clusters: each cluster lies in one group.
ClusterTerm = tuple[FloatArray, IntArray, FloatArray]  # (Σ psw over the cluster, group, S)


def _terms_by_cluster(st: Stage, terms: Sequence[Term]) -> list[ClusterTerm] | None:
    """The adjustments per cluster when every cluster lies inside one group of each margin.

    That is the usual case (an établissement is in one académie, one sector, one EP class),
    and it lets the residual totals be summed without a dense (rows × estimates) matrix.
    None when some cluster straddles groups (then the dense path is used).
    """
    n_clusters = st.cluster_stratum.shape[0]
    out: list[ClusterTerm] = []
    for psw, g, s_t in terms:
        lo = np.full(n_clusters, np.iinfo(np.int64).max)
        hi = np.full(n_clusters, -1)
        np.minimum.at(lo, st.cluster, g)
        np.maximum.at(hi, st.cluster, g)
        if (lo != hi).any():
            return None
        p = np.bincount(st.cluster, weights=psw, minlength=n_clusters).astype(np.float64)
        out.append((p, lo.astype(np.int64), s_t))
    return out


def _calibrated_stratum_sums(
    z_totals: sp.csr_array, st: Stage, terms: Sequence[ClusterTerm]
) -> tuple[FloatArray, FloatArray]:
    """Σ and Σ² by stratum of the residual cluster totals ``T = Z − A`` without forming T.

    ``A[c] = Σ_t p_t[c] S_t[g_t(c)]``; so ``Σ T² = Σ Z² − 2 Σ Z∘A + Σ A²``, where ``Z∘A`` is
    needed only on the non-zeros of ``Z`` and ``Σ A²`` only on the distinct (stratum, group,
    group) cells — far fewer than clusters × estimates when clusters are respondents.
    """
    n_strata = st.n.shape[0]
    strat = st.cluster_stratum
    ind = _indicator(strat, n_strata)
    s1 = np.asarray((ind @ z_totals).toarray())
    for p, g, s_t in terms:
        s1 -= _cross(strat, n_strata, g, s_t.shape[0], p) @ s_t
    squared = sp.csr_array(z_totals, copy=True)
    squared.data **= 2
    s2 = np.asarray((ind @ squared).toarray())
    rows = np.repeat(np.arange(z_totals.shape[0]), np.diff(z_totals.indptr))
    cols = z_totals.indices
    a_nnz = np.zeros(rows.size)
    for p, g, s_t in terms:
        a_nnz += p[rows] * s_t[g[rows], cols]
    za = sp.csr_array((z_totals.data * a_nnz, cols, z_totals.indptr), shape=z_totals.shape)
    s2 -= 2 * np.asarray((ind @ za).toarray())
    for t, (p_t, g_t, s_t) in enumerate(terms):
        for u, (p_u, g_u, s_u) in enumerate(terms):
            if u < t:
                continue
            n_t, n_u = s_t.shape[0], s_u.shape[0]
            code = (strat * n_t + g_t) * n_u + g_u  # one int per (stratum, group, group) cell
            cells, inverse = np.unique(code, return_inverse=True)
            coef = np.bincount(inverse, weights=p_t * p_u, minlength=cells.size)
            cell_h, rest = np.divmod(cells, n_t * n_u)
            cell_t, cell_u = np.divmod(rest, n_u)
            contrib = coef[:, None] * s_t[cell_t] * s_u[cell_u]
            factor = 1.0 if u == t else 2.0
            s2 += factor * (_indicator(cell_h, n_strata) @ contrib)
    return s1, s2
