"""``SurveyDesign``: design-based estimation that reads like R's ``survey`` package.

Why this shape: DEPP statisticians write R. ``SurveyDesign(data, ids, strata, weights, fpc)``
takes the arguments of ``svydesign`` with the same meaning, so a script translates line by
line::

    # R: d <- svydesign(ids = ~uai + id, strata = ~strate, weights = ~poids,
    #                   fpc = ~fpc + nb_unites_etab, data = eleves)
    d = SurveyDesign(eleves, ids=["uai", "id"], strata="strate", weights="poids",
                     fpc=["fpc", "nb_unites_etab"])
    # R: svyby(~ordinateur, ~ep, d, svymean, na.rm = TRUE, deff = TRUE)
    d.mean("ordinateur", by="ep", deff=True)

Every estimator returns a Polars DataFrame in long form, one row per (domain, variable, level):
the ``by`` columns, ``variable``, ``level`` (the category as text, null for a numeric
variable), ``level_label`` (its value label when known), ``estimate``, ``se``, ``ci_lower``,
``ci_upper``, ``n`` (respondents with a non-missing value in the domain), ``deff``, ``cv`` and
``status`` (statistical secret, see :mod:`egn_analytics.survey.secret`).

What is R's, exactly (and tested against R 4.2 / survey 4.1-1 on the textbook ``api`` designs):

* Taylor linearisation with the multistage fpc recursion (``svyrecvar``), lonely PSUs as
  ``options(survey.lonely.psu)``;
* domains as ``svyby`` / ``subset``: the full design is kept;
* missing values as ``na.rm = TRUE``, **variable by variable** (R drops a row missing any of
  the variables of one call; call one variable at a time in R to compare);
* ``deff`` as ``deff = TRUE`` (against simple random sampling without replacement);
* intervals as ``confint()`` (normal), or ``t`` / ``logit`` / ``beta`` (Korn–Graubard) as
  ``svyciprop``, with R's ``degf(design)`` of the domain design (the subset or ``svyby``
  domain, counted before the variable's missing values are dropped); quantiles as ``svyquantile`` (``qrule = "math"``, Woodruff intervals with
  ``df = degf(design)``, which is R's default there);
* post-stratification, raking and linear (GREG) calibration, bounds included, as
  ``postStratify`` / ``rake`` / ``calibrate``, variances included.

Categorical variables: String, Categorical, Enum and Boolean columns, plus those named in
``categorical=`` (integer codes with value labels, as the survey loader produces them).
``mean`` and ``total`` of a categorical give one row per level, like R on a factor;
``proportion`` treats any variable as categorical.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp
from scipy import stats

from egn_analytics.survey._engine import (
    LONELY_PSU_OPTIONS,
    Calibration,
    Stage,
    SurveyDesignError,
    build_stages,
    dense_codes,
    design_weights,
    linearized_variance,
)
from egn_analytics.survey.intervals import critical, interval, normalise_method
from egn_analytics.survey.secret import FRAGILE, MASKED, PUBLISHED, SecretRule, apply_secret

Columns = str | Sequence[str] | None
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_R = "__egn_row"
_W = "__egn_w"
_KEY = "__egn_key"
_Y = "__egn_y"
_X = "__egn_x"
_ALL = "__egn_all"
_LV = "__egn_level"
_DBL_MAX = float(np.finfo(np.float64).max)
_CATEGORICAL_DTYPES = (pl.String, pl.Categorical, pl.Enum, pl.Boolean)

#: Column order of every estimator's result (after the ``by`` columns).
RESULT_COLUMNS = (
    "variable",
    "level",
    "level_label",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "n",
    "deff",
    "cv",
    "status",
)


def _as_list(cols: Columns) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


@dataclass(frozen=True, slots=True)
class _Entries:
    """Long form of one estimation: one entry per (row, key) with a value.

    ``keys`` has the ``by`` columns, ``variable``, ``level``, ``level_label`` (and
    ``denominator`` for ratios), one row per estimate, in key order.
    """

    keys: pl.DataFrame
    row: IntArray
    key: IntArray
    w: FloatArray
    y: FloatArray
    x: FloatArray | None
    by: list[str]

    @property
    def n_keys(self) -> int:
        return self.keys.height


class _BaseDesign:
    """Estimators shared by Taylor and replicate-weight designs (variance left abstract)."""

    _data: pl.DataFrame
    _w: FloatArray
    _domain: npt.NDArray[np.bool_]
    _categorical: frozenset[str]
    _value_labels: dict[str, dict[str, str]]
    secret: SecretRule

    # ------------------------------------------------------------------ public helpers

    @property
    def data(self) -> pl.DataFrame:
        """The respondents, every row (a subset only changes the domain, as in R)."""
        return self._data

    @property
    def weights(self) -> pl.Series:
        """Current analysis weights (after post-stratification or raking, if any)."""
        return pl.Series("poids", self._w)

    @property
    def domain(self) -> pl.Series:
        """Boolean mask of the rows in the current domain (all true for a full design)."""
        return pl.Series("domaine", self._domain)

    def subset(self, condition: pl.Expr) -> Self:
        """The design restricted to a domain: ``design.subset(pl.col("ep") == 1)``.

        As R's ``subset()``: the full design is kept, so variances stay design-based (rows
        outside the domain count as zeros in their PSUs). Rows where the condition is null are
        outside the domain.
        """
        mask = self._data.select(condition.fill_null(False)).to_series()
        if mask.dtype != pl.Boolean:
            raise SurveyDesignError("subset() attend une condition booléenne (expression Polars)")
        new = copy.copy(self)
        new._domain = self._domain & mask.to_numpy()
        return new

    def with_columns(self, *exprs: pl.Expr, **named: pl.Expr) -> Self:
        """The same design with derived variables (R's ``update(design, x = ...)``).

        For instance a 0/1 indicator ``(pl.col("ordinateur") == 3).cast(pl.Float64)`` whose
        mean is the share without a computer. Design columns must not change.
        """
        data = self._data.with_columns(*exprs, **named)
        new = copy.copy(self)
        new._data = data
        return new

    def _is_categorical(self, column: str) -> bool:
        return column in self._categorical or isinstance(
            self._data.schema[column], _CATEGORICAL_DTYPES
        )

    def _check_columns(self, columns: Sequence[str], what: str) -> None:
        missing = [c for c in columns if c not in self._data.columns]
        if missing:
            raise SurveyDesignError(
                f"{what} : colonne(s) absente(s) des données : {', '.join(missing)}"
            )

    # ------------------------------------------------------------------ entries

    def _frame(self, by: list[str]) -> pl.DataFrame:
        frame = self._data.with_columns(
            pl.Series(_R, np.arange(self._data.height, dtype=np.int64)),
            pl.Series(_W, self._w),
        ).filter(pl.Series(self._domain & (self._w != 0)))
        if not by:
            frame = frame.with_columns(pl.lit(1, dtype=pl.Int8).alias(_ALL))
        if by:
            frame = frame.filter(pl.all_horizontal(pl.col(by).is_not_null()))
        return frame

    def _entries(
        self,
        variables: Sequence[str],
        by: list[str],
        *,
        categorical: Literal["auto", "always", "never"],
        denominators: Sequence[str] | None = None,
    ) -> _Entries:
        """Long form of one call: every variable at once, a constant number of Polars passes.

        Numeric variables give one key per domain; categorical ones one key per domain ×
        level, every level of the whole sample (a level absent from a domain gets 0, as R's
        factor columns do). Keys are ordered by variable (as given), domain, then level.
        """
        variables = list(dict.fromkeys(variables))
        self._check_columns([*variables, *by, *(denominators or [])], "estimation")
        if denominators:
            return self._ratio_entries(variables, by, list(denominators))
        group = by or [_ALL]
        frame = self._frame(by)
        cats = [
            v
            for v in variables
            if categorical == "always" or (categorical == "auto" and self._is_categorical(v))
        ]
        nums = [v for v in variables if v not in cats]
        for v in nums:
            if not self._data.schema[v].is_numeric():
                raise SurveyDesignError(
                    f"la variable « {v} » n'est pas numérique ({self._data.schema[v]}) : "
                    "utilisez proportion()"
                )
        order = pl.DataFrame({"variable": variables, "_vo": list(range(len(variables)))})
        parts: list[pl.DataFrame] = []
        if nums:
            parts.append(
                frame.select(_R, _W, *group, *[pl.col(v).cast(pl.Float64) for v in nums])
                .unpivot(nums, index=[_R, _W, *group], variable_name="variable", value_name=_Y)
                .drop_nulls(_Y)
                .with_columns(pl.lit(None, dtype=pl.String).alias("level"), pl.lit(0).alias("_lo"))
            )
        if cats:
            levels = pl.concat(
                [
                    self._data.get_column(v).drop_nulls().unique().sort().cast(pl.String)
                    .to_frame("level").with_row_index("_lo")
                    .with_columns(pl.lit(v).alias("variable"), pl.col("_lo").cast(pl.Int32))
                    for v in cats
                ]
            )  # fmt: skip
            long = (
                frame.select(_R, _W, *group, *[pl.col(v).cast(pl.String) for v in cats])
                .unpivot(
                    cats, index=[_R, _W, *group], variable_name="variable", value_name="_value"
                )
                .drop_nulls("_value")
                .join(levels, on="variable", how="inner")
                .with_columns((pl.col("_value") == pl.col("level")).cast(pl.Float64).alias(_Y))
                .drop("_value")
            )
            parts.append(long)
        if not parts:
            raise SurveyDesignError("aucune variable à estimer")
        # The numeric and categorical parts are built in different column orders; Polars
        # concatenates by position, so both are put in one order first (svymean(~a+b+f) mixes
        # them in one call).
        cols = [_R, _W, *group, "variable", "level", "_lo", _Y]
        parts = [
            part.select(*cols[:-3], pl.col("level").cast(pl.String),
                        pl.col("_lo").cast(pl.Int32), pl.col(_Y).cast(pl.Float64))
            for part in parts
        ]  # fmt: skip
        entries = pl.concat(parts, how="vertical_relaxed").join(order, on="variable")
        if entries.height == 0:
            raise SurveyDesignError("aucune observation dans le domaine demandé")
        key_cols = ["_vo", *group, "_lo"]
        entries = entries.with_columns(
            (pl.struct(key_cols).rank("dense") - 1).cast(pl.Int64).alias(_KEY)
        )
        keys = (
            entries.select(_KEY, *group, "variable", "level", "_vo", "_lo").unique(_KEY).sort(_KEY)
        )
        keys = self._with_labels(keys)
        return _Entries(
            keys=keys.select(*group, "variable", "level", "level_label"),
            row=entries.get_column(_R).to_numpy().astype(np.int64, copy=False),
            key=entries.get_column(_KEY).to_numpy().astype(np.int64, copy=False),
            w=entries.get_column(_W).to_numpy().astype(np.float64, copy=False),
            y=entries.get_column(_Y).to_numpy().astype(np.float64, copy=False),
            x=None,
            by=by,
        )

    def _with_labels(self, keys: pl.DataFrame) -> pl.DataFrame:
        """Add ``level_label`` from the value labels (null where there is none)."""
        rows = [
            (var, code, label)
            for var, labels in self._value_labels.items()
            for code, label in labels.items()
        ]
        if not rows:
            return keys.with_columns(pl.lit(None, dtype=pl.String).alias("level_label"))
        table = pl.DataFrame(
            rows,
            schema={"variable": pl.String, "level": pl.String, "level_label": pl.String},
            orient="row",
        ).unique(["variable", "level"])
        return keys.join(table, on=["variable", "level"], how="left", maintain_order="left")

    def _ratio_entries(
        self, numerators: list[str], by: list[str], denominators: list[str]
    ) -> _Entries:
        """Entries of ``ratio()``: one key per (numerator, denominator, domain)."""
        group = by or [_ALL]
        frame = self._frame(by)
        keys_parts: list[pl.DataFrame] = []
        entry_parts: list[pl.DataFrame] = []
        offset = 0
        for num in numerators:
            for den in denominators:
                sub = frame.filter(pl.col(num).is_not_null() & pl.col(den).is_not_null())
                keys = (
                    sub.select(group).unique().sort(group)
                    .with_columns(
                        pl.lit(num).alias("variable"),
                        pl.lit(None, dtype=pl.String).alias("level"),
                        pl.lit(None, dtype=pl.String).alias("level_label"),
                        pl.lit(den).alias("denominator"),
                        (pl.int_range(pl.len(), dtype=pl.Int64) + offset).alias(_KEY),
                    )
                )  # fmt: skip
                long = sub.select(
                    _R,
                    _W,
                    *group,
                    pl.col(num).cast(pl.Float64).alias(_Y),
                    pl.col(den).cast(pl.Float64).alias(_X),
                ).join(keys.select(*group, _KEY), on=group, how="left", nulls_equal=True)
                entry_parts.append(long.select(_R, _W, _KEY, _Y, _X))
                keys_parts.append(keys)
                offset += keys.height
        entries = pl.concat(entry_parts)
        if entries.height == 0:
            raise SurveyDesignError("aucune observation dans le domaine demandé")
        keys_all = pl.concat(keys_parts, how="vertical_relaxed").sort(_KEY)
        return _Entries(
            keys=keys_all.select(*group, "variable", "level", "level_label", "denominator"),
            row=entries.get_column(_R).to_numpy().astype(np.int64, copy=False),
            key=entries.get_column(_KEY).to_numpy().astype(np.int64, copy=False),
            w=entries.get_column(_W).to_numpy().astype(np.float64, copy=False),
            y=entries.get_column(_Y).to_numpy().astype(np.float64, copy=False),
            x=entries.get_column(_X).to_numpy().astype(np.float64, copy=False),
            by=by,
        )

    # ------------------------------------------------------------------ statistics

    def _point(self, kind: str, e: _Entries, weights: FloatArray | None = None) -> FloatArray:
        w = e.w if weights is None else weights
        sw = _bsum(e, w)
        swy = _bsum(e, w * e.y)
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind == "total":
                return swy
            if kind == "mean":
                return swy / sw
            assert e.x is not None
            swx = _bsum(e, w * e.x)
            return swy / swx

    def _influence(self, kind: str, e: _Entries, est: FloatArray) -> FloatArray:
        sw = _bsum(e, e.w)
        if kind == "total":
            return e.w * e.y
        if kind == "mean":
            return e.w * (e.y - est[e.key]) / sw[e.key]
        assert e.x is not None
        swx = _bsum(e, e.w * e.x)
        return e.w * (e.y - est[e.key] * e.x) / swx[e.key]

    def _variances(self, kind: str, e: _Entries, est: FloatArray) -> FloatArray:
        raise NotImplementedError

    def _contrast_variances(
        self, kind: str, e: _Entries, est: FloatArray, contrasts: sp.csc_array
    ) -> FloatArray:
        raise NotImplementedError

    def _group_degf(self, rows: IntArray, group: IntArray, n_groups: int) -> IntArray:
        """R's ``degf`` of each group's design (``rows`` split by ``group``)."""
        raise NotImplementedError

    def degf(self) -> int:
        """R's ``degf`` of the design restricted to its domain: PSUs minus strata (Taylor), the
        rank of the replicate weights minus one (replicates); one group of :meth:`_group_degf`."""
        rows = np.flatnonzero(self._domain).astype(np.int64)
        return int(self._group_degf(rows, np.zeros(rows.size, np.int64), 1)[0])

    def _domain_groups(self, e: _Entries) -> tuple[IntArray, IntArray, IntArray, int]:
        """Every row of each key's domain design: ``(rows, row_group, key_group, n_groups)``.

        Why: R hands an estimator the subset (or ``svyby``'s domain) and computes the
        interval's degrees of freedom on that design, *before* the missing values of the
        variable are dropped (``confint(svymean(~x, d, na.rm = TRUE), df = degf(d))``,
        ``svyciprop(..., df = degf(design))``). The entries only hold the answering rows, so
        the domain is rebuilt here from the subset mask and the ``by`` columns.
        """
        inside = self._domain.copy()
        if e.by:
            present = self._data.select(pl.all_horizontal(pl.col(e.by).is_not_null()))
            inside &= present.to_series().to_numpy()
        rows = np.flatnonzero(inside).astype(np.int64)
        if not e.by:
            return rows, np.zeros(rows.size, np.int64), np.zeros(e.n_keys, np.int64), 1
        cells = self._data.select(e.by)[rows]
        row_group = dense_codes(cells, e.by)
        table = cells.with_columns(pl.Series(_KEY, row_group)).unique(_KEY)
        key_group = (
            e.keys.select(e.by)
            .join(table, on=e.by, how="left", maintain_order="left", nulls_equal=True)
            .get_column(_KEY)
            .to_numpy()
            .astype(np.int64)
        )
        n_groups = int(row_group.max()) + 1 if rows.size else 0
        return rows, row_group, key_group, n_groups

    def _design_degf(self, e: _Entries) -> IntArray:
        """Degrees of freedom of each key's domain design, as ``degf(subset(design, ...))``."""
        rows, row_group, key_group, n_groups = self._domain_groups(e)
        return self._group_degf(rows, row_group, n_groups)[key_group]

    def _keeps_all_rows(self) -> bool:
        """Whether R's subsets of this design zero weights instead of dropping rows."""
        return False

    def _logit_se(self, e: _Entries, est: FloatArray, se: FloatArray) -> FloatArray:
        """SE of ``logit(p)`` for the logit interval of a mean: the delta method.

        R's ``svyciprop(method = "logit")`` takes it from ``svyglm(y ~ 1)``, whose sandwich
        variance on a Taylor design is exactly the delta method's ``se / (p (1 − p))``.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(se / (est * (1 - est)), dtype=np.float64)

    def _design_rows(self, e: _Entries, *, answering: bool = False) -> IntArray:
        """R's ``nrow(design)`` of each key's domain design: Korn–Graubard's ``n − 1``.

        Why: ``svyciprop(method = "beta")`` corrects the effective n by
        ``qt(α/2, nrow(design) − 1)``, the rows of the design it is handed: every row of the
        subset or ``svyby`` domain, missing values of the variable included. ``answering``
        gives ``svyquantile``'s count instead (``na.rm`` drops the incomplete rows first). A
        calibrated design keeps all its rows in a subset (R zeroes their weights), so there
        ``nrow`` is the whole sample.
        """
        if self._keeps_all_rows():
            return np.full(e.n_keys, self._data.height, dtype=np.int64)
        rows, row_group, key_group, n_groups = self._domain_groups(e)
        if not answering:
            return np.bincount(row_group, minlength=n_groups)[key_group].astype(np.int64)
        out = np.empty(e.n_keys, dtype=np.int64)
        variables = np.asarray(e.keys.get_column("variable").to_list(), dtype=object)
        for v in dict.fromkeys(variables.tolist()):
            present = self._data.get_column(v).is_not_null().to_numpy()[rows]
            counts = np.bincount(row_group[present], minlength=n_groups)
            sel = variables == v
            out[sel] = counts[key_group[sel]]
        return out

    def _srs_variance(self, kind: str, e: _Entries, est: FloatArray) -> FloatArray:
        """R's ``vsrs`` for ``deff = TRUE`` (simple random sampling without replacement)."""
        n = np.bincount(e.key, minlength=e.n_keys).astype(np.float64)
        psum = _bsum(e, e.w)
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind == "ratio":
                assert e.x is not None
                swx = _bsum(e, e.w * e.x)
                r = (e.y - est[e.key] * e.x) / swx[e.key]
                rbar = _bsum(e, e.w * r) / psum
                dev = r - rbar[e.key]
            else:
                mean = _bsum(e, e.w * e.y) / psum
                dev = e.y - mean[e.key]
            svyvar = (_bsum(e, e.w * dev * dev) / psum) * n / (n - 1)
            if kind == "mean":
                vsrs = svyvar * (psum - n) / (psum * n)
            else:
                vsrs = svyvar * psum**2 * (psum - n) / (psum * n)
        return np.where(psum < n, np.nan, vsrs)

    # ------------------------------------------------------------------ results

    def _result(
        self,
        kind: str,
        e: _Entries,
        *,
        ci: str,
        level: float,
        deff: bool,
        proportion_like: npt.NDArray[np.bool_] | None = None,
    ) -> pl.DataFrame:
        method = normalise_method(ci)
        est = self._point(kind, e)
        var = self._variances(kind, e, est)
        se = np.sqrt(np.maximum(var, 0.0))
        n = np.bincount(e.key, minlength=e.n_keys).astype(np.int64)
        if method in ("logit", "beta") and (
            kind != "mean" or (proportion_like is not None and not proportion_like.all())
        ):
            raise SurveyDesignError(
                f"l'intervalle « {method} » ne vaut que pour des proportions "
                "(moyenne d'une variable 0/1 ou d'une modalité)"
            )
        df = self._design_degf(e) if method != "normal" else np.full(e.n_keys, np.inf)
        rows = self._design_rows(e) if method == "beta" else n
        se_logit = self._logit_se(e, est, se) if method == "logit" else None
        lo, hi = interval(est, se, method=method, level=level, df=df, n=rows, se_logit=se_logit)
        deffs = var / self._srs_variance(kind, e, est) if deff else np.full(e.n_keys, np.nan)
        out = e.keys.with_columns(
            pl.Series("estimate", est),
            pl.Series("se", se),
            pl.Series("ci_lower", lo),
            pl.Series("ci_upper", hi),
            pl.Series("n", n),
            pl.Series("deff", deffs),
        )
        out = out.with_columns(pl.col("deff").fill_nan(None))
        if not deff:
            out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("deff"))
        return self._finish(out, e.by)

    def _finish(self, out: pl.DataFrame, by: list[str]) -> pl.DataFrame:
        out = apply_secret(out, self.secret)
        if not by:
            out = out.drop(_ALL)
        extra = [c for c in ("denominator", "quantile") if c in out.columns]
        first = [*by, "variable", *extra[:1]] if "denominator" in extra else [*by, "variable"]
        rest = [c for c in RESULT_COLUMNS if c != "variable"]
        if "quantile" in extra:
            rest = ["level", "level_label", "quantile", *rest[2:]]
        return out.select(*first, *rest)

    # ------------------------------------------------------------------ estimators

    def mean(
        self,
        variables: str | Sequence[str],
        by: Columns = None,
        *,
        ci: str = "normal",
        level: float = 0.95,
        deff: bool = False,
    ) -> pl.DataFrame:
        """Weighted means (``svymean``); a categorical gives the share of each level."""
        e = self._entries(_as_list(variables), _as_list(by), categorical="auto")
        return self._result("mean", e, ci=ci, level=level, deff=deff,
                            proportion_like=self._binary(e))  # fmt: skip

    def total(
        self,
        variables: str | Sequence[str],
        by: Columns = None,
        *,
        ci: str = "normal",
        level: float = 0.95,
        deff: bool = False,
    ) -> pl.DataFrame:
        """Weighted totals (``svytotal``); a categorical gives the total of each level."""
        e = self._entries(_as_list(variables), _as_list(by), categorical="auto")
        return self._result("total", e, ci=ci, level=level, deff=deff)

    def proportion(
        self,
        variables: str | Sequence[str],
        by: Columns = None,
        *,
        ci: str = "normal",
        level: float = 0.95,
        deff: bool = False,
    ) -> pl.DataFrame:
        """Share of every level of each variable (numeric codes included), with its SE."""
        e = self._entries(_as_list(variables), _as_list(by), categorical="always")
        return self._result("mean", e, ci=ci, level=level, deff=deff,
                            proportion_like=np.ones(e.n_keys, dtype=bool))  # fmt: skip

    def ratio(
        self,
        numerator: str | Sequence[str],
        denominator: str | Sequence[str],
        by: Columns = None,
        *,
        ci: str = "normal",
        level: float = 0.95,
        deff: bool = False,
    ) -> pl.DataFrame:
        """Ratio of totals ``Σwy / Σwx`` (``svyratio``), with a ``denominator`` column."""
        nums, dens = _as_list(numerator), _as_list(denominator)
        for v in [*nums, *dens]:
            if v in self._data.columns and self._is_categorical(v):
                raise SurveyDesignError(f"ratio() : « {v} » est catégorielle")
        e = self._entries(nums, _as_list(by), categorical="never", denominators=dens)
        return self._result("ratio", e, ci=ci, level=level, deff=deff)

    def _binary(self, e: _Entries) -> npt.NDArray[np.bool_]:
        ok = (e.y == 0) | (e.y == 1)
        bad = _bsum(e, (~ok).astype(np.float64))
        return bad == 0

    # ------------------------------------------------------------------ quantiles

    def quantile(
        self,
        variables: str | Sequence[str],
        q: float | Sequence[float],
        by: Columns = None,
        *,
        ci: Literal["t", "normal", "beta", "score"] = "t",
        level: float = 0.95,
    ) -> pl.DataFrame:
        """Quantiles (``svyquantile``, ``qrule = "math"``) with Woodruff intervals.

        The estimate is the smallest value whose weighted distribution function reaches
        ``q``. The interval inverts a confidence interval for the distribution function at the
        estimate; ``se`` is its width over ``2 t``. As in R, the default uses Student
        quantiles with ``degf`` degrees of freedom (``ci="normal"`` is R's ``df = Inf``;
        ``"beta"`` is ``interval.type = "beta"``). The SE of that share is the design's:
        linearised on a ``SurveyDesign``, from the replicates on a ``ReplicateDesign`` (R's
        ``svyquantile.svyrep.design``; R ignores ``interval.type = "beta"`` there and gives
        the ``"t"`` interval, while ``"beta"`` here is Korn–Graubard with the replicate SE).
        ``ci="score"`` is R's ``interval.type = "score"`` (Francisco–Fuller): the values where
        the score test of the quantile reaches ``±t``, found by R's ``uniroot`` (R offers it
        on ``svydesign`` only; on a replicate design the score's SE is the replicates').
        """
        probs = [float(q)] if isinstance(q, int | float) else [float(p) for p in q]
        if any(not 0 <= p <= 1 for p in probs):
            raise SurveyDesignError("quantile() : les probabilités doivent être dans [0, 1]")
        method = {"t": "t", "normal": "normal", "beta": "beta", "score": "score"}.get(ci)
        if method is None:
            raise SurveyDesignError("quantile() : ci = « t », « normal », « beta » ou « score »")
        e = self._entries(_as_list(variables), _as_list(by), categorical="never")
        order = np.lexsort((e.row, e.y, e.key))
        key_s, y_s, w_s = e.key[order], e.y[order], e.w[order]
        bounds = np.searchsorted(key_s, np.arange(e.n_keys + 1))
        df_all = self._answering_degf(e)
        n_all = np.bincount(e.key, minlength=e.n_keys)
        rows_all = self._design_rows(e, answering=True)
        qhat = np.empty((e.n_keys, len(probs)))
        cum: list[tuple[FloatArray, FloatArray, float]] = []
        for k in range(e.n_keys):
            lo, hi = bounds[k], bounds[k + 1]
            xs = y_s[lo:hi]
            cw = np.cumsum(w_s[lo:hi].astype(np.longdouble)).astype(np.float64)
            total = float(np.sum(w_s[lo:hi].astype(np.longdouble)))
            cum.append((xs, cw, total))
            for j, p in enumerate(probs):
                qhat[k, j] = _qrule_math(xs, cw, total, p)
        # Woodruff: the share of the domain at or below the estimate, with its design SE.
        ind_row = np.concatenate([e.row] * len(probs))
        ind_w = np.concatenate([e.w] * len(probs))
        ind_key = np.concatenate([e.key + j * e.n_keys for j in range(len(probs))])
        ind_y = np.concatenate(
            [(e.y <= qhat[e.key, j]).astype(np.float64) for j in range(len(probs))]
        )
        ind = _Entries(
            keys=pl.concat([e.keys] * len(probs)),
            row=ind_row,
            key=ind_key,
            w=ind_w,
            y=ind_y,
            x=None,
            by=e.by,
        )
        p_ind = self._point("mean", ind)
        se_ind = np.sqrt(np.maximum(self._variances("mean", ind, p_ind), 0.0))
        df = np.tile(df_all, len(probs)).astype(np.float64)
        n = np.tile(n_all, len(probs))
        if method == "normal":
            df = np.full(df.size, np.inf)
        if method == "beta":
            rows = np.tile(rows_all, len(probs))
            p_lo, p_hi = interval(p_ind, se_ind, method="beta", level=level, df=df, n=rows)
        else:
            crit = critical(level, df)
            p_lo, p_hi = p_ind - crit * se_ind, p_ind + crit * se_ind
        lower = np.empty(ind.n_keys)
        upper = np.empty(ind.n_keys)
        for j in range(len(probs)):
            for k in range(e.n_keys):
                xs, cw, total = cum[k]
                i = j * e.n_keys + k
                pl_, pu_ = p_lo[i], p_hi[i]
                lower[i] = np.nan if (np.isnan(pl_) or pl_ < 0) else _qrule_math(xs, cw, total, pl_)
                upper[i] = np.nan if (np.isnan(pu_) or pu_ > 1) else _qrule_math(xs, cw, total, pu_)
        if method == "score":
            for k in range(e.n_keys):
                for j, p in enumerate(probs):
                    i = j * e.n_keys + k
                    lower[i], upper[i] = self._score_bounds(e, k, p, level, df[i], cum[k])
        crit_se = critical(level, df)
        se = (upper - lower) / (2 * crit_se)
        est = qhat.T.reshape(-1)
        out = ind.keys.with_columns(
            pl.Series("quantile", np.repeat(probs, e.n_keys)),
            pl.Series("estimate", est),
            pl.Series("se", se),
            pl.Series("ci_lower", lower),
            pl.Series("ci_upper", upper),
            pl.Series("n", n.astype(np.int64)),
            pl.lit(None, dtype=pl.Float64).alias("deff"),
        ).with_columns(pl.col("se", "ci_lower", "ci_upper").fill_nan(None))
        group = e.by or [_ALL]
        out = out.sort([*group, "variable", "quantile"], maintain_order=True)
        return self._finish(out, e.by)

    def _score_bounds(
        self,
        e: _Entries,
        k: int,
        p: float,
        level: float,
        df: float,
        cum: tuple[FloatArray, FloatArray, float],
    ) -> tuple[float, float]:
        """R's ``ffullerCI``: invert the score test of ``P(x ≤ θ) = p`` for key ``k``.

        Why so literal: the score ``mean(x > θ) − (1 − p)`` over its SE is a step function of
        θ, so the root that ``uniroot`` returns sits within its tolerance of a data value,
        on one side or the other; the bound then goes through the *unweighted* share
        ``mean(x ≤ root)`` and the weighted qrule. Only R's own search (``R_zeroin2``, same
        bracket ``min(x) + IQR/100 .. max(x) − IQR/100``, same tolerance
        ``1/(100 √nrow)``) lands on the same side, so it is ported step for step. ``x`` is
        the variable over R's rows of the design: the answering rows of the domain, or every
        row of a calibrated design (missing values as 0, as ``svyquantile(na.rm = TRUE)``
        leaves them there).
        """
        sel = e.key == k
        rows, w = e.row[sel], e.w[sel]
        if self._keeps_all_rows():
            variable = str(e.keys.get_column("variable")[k])
            x_design = self._data.get_column(variable).cast(pl.Float64).fill_null(0.0).to_numpy()
        else:
            x_design = e.y[sel]
        y = e.y[sel]
        sub = _Entries(
            keys=e.keys[k : k + 1],
            row=rows,
            key=np.zeros(rows.size, dtype=np.int64),
            w=w,
            y=y,
            x=None,
            by=e.by,
        )
        crit = float(critical(level, df))

        def score(theta: float, limit: float) -> float:
            u = _Entries(sub.keys, sub.row, sub.key, sub.w, (y > theta) - (1 - p), None, e.by)
            m = self._point("mean", u)
            se = np.sqrt(self._variances("mean", u, m))
            with np.errstate(divide="ignore", invalid="ignore"):
                value = float(m[0] / se[0]) - limit
            # R's zeroin replaces ±Inf (an SE of 0) by ∓ the largest double, with a warning
            return float(np.clip(value, -_DBL_MAX, _DBL_MAX)) if not np.isnan(value) else value

        q75, q25 = np.percentile(x_design, [75, 25])
        lo_t = float(x_design.min() + (q75 - q25) / 100)
        hi_t = float(x_design.max() - (q75 - q25) / 100)
        tol = 1 / (100 * np.sqrt(x_design.size))
        xs, cw, total = cum
        out = []
        for limit in (crit, -crit):
            f_lo, f_hi = score(lo_t, limit), score(hi_t, limit)
            if np.isnan(f_lo) or np.isnan(f_hi) or np.sign(f_lo) * np.sign(f_hi) > 0:
                out.append(float("nan"))  # R's uniroot stops here: no sign change
                continue
            root = _zeroin(functools.partial(score, limit=limit), lo_t, hi_t, f_lo, f_hi, tol)
            out.append(_qrule_math(xs, cw, total, float(np.mean(x_design <= root))))
        return out[0], out[1]

    def _answering_degf(self, e: _Entries) -> IntArray:
        """R's ``degf`` of each key's answering rows: ``svyquantile``'s df.

        R's ``svyquantile(na.rm = TRUE)`` drops the incomplete rows *before* it calls
        ``degf(design)``, unlike ``confint`` and ``svyciprop``: PSUs minus strata of those rows
        on a Taylor design, the rank of their replicate weights minus one on a replicate one.
        """
        return self._group_degf(e.row, e.key, e.n_keys)

    def compare(
        self,
        variable: str,
        by: str,
        a: Any,
        b: Any,
        *,
        statistic: Literal["mean", "total", "proportion"] = "mean",
        ci: str = "normal",
        level: float = 0.95,
    ) -> pl.DataFrame:
        """Difference between two domains of ``by`` (``svyby`` + ``svycontrast``).

        The two domains come from the same sample, so their estimates are correlated through
        shared strata; the variance of the difference is computed from the difference of the
        influence values, not as the sum of the two variances. One row per level: ``a``,
        ``b``, ``estimate_a``, ``estimate_b``, ``difference`` (a − b), ``se``, ``ci_lower``,
        ``ci_upper``, ``p_value`` (two-sided), ``n_a``, ``n_b``, ``status``.
        """
        self._check_columns([variable, by], "compare")
        values = self._data.get_column(by).unique().to_list()
        for v in (a, b):
            if v not in values:
                raise SurveyDesignError(f"compare() : « {v} » n'est pas une modalité de {by}")
        sub = self.subset(pl.col(by).is_in([a, b]))
        kind = "total" if statistic == "total" else "mean"
        mode: Literal["auto", "always"] = "always" if statistic == "proportion" else "auto"
        e = sub._entries([variable], [by], categorical=mode)
        est = sub._point(kind, e)
        keys = e.keys.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias(_KEY))
        ka = keys.filter(pl.col(by) == a).select("level", pl.col(_KEY).alias("ka"))
        kb = keys.filter(pl.col(by) == b).select("level", pl.col(_KEY).alias("kb"))
        pairs = ka.join(kb, on="level", how="inner", nulls_equal=True).sort("level")
        ia = pairs.get_column("ka").to_numpy()
        ib = pairs.get_column("kb").to_numpy()
        m = ia.size
        contrasts = sp.csc_array(
            (
                np.concatenate([np.ones(m), -np.ones(m)]),
                (np.concatenate([ia, ib]), np.concatenate([np.arange(m), np.arange(m)])),
            ),
            shape=(e.n_keys, m),
        )
        var = sub._contrast_variances(kind, e, est, contrasts)
        se = np.sqrt(np.maximum(var, 0.0))
        diff = est[ia] - est[ib]
        n = np.bincount(e.key, minlength=e.n_keys)
        method = normalise_method(ci)
        if method not in ("normal", "t"):
            raise SurveyDesignError("compare() : intervalle « normal » ou « t » seulement")
        df = sub._design_degf(e)
        dof = np.minimum(df[ia], df[ib]) if method == "t" else None
        crit = critical(level, dof)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.abs(diff) / se
            p = 2 * stats.t.sf(stat, dof) if dof is not None else 2 * stats.norm.sf(stat)
        # Each side's status by the same rule as the estimators (one variance pass, same kind).
        sides = pl.DataFrame(
            {"estimate": est, "se": np.sqrt(np.maximum(sub._variances(kind, e, est), 0.0)), "n": n}
        )
        key_status = apply_secret(sides, self.secret).get_column("status").to_numpy()
        va, vb = key_status[ia], key_status[ib]
        status = np.where(
            (va == MASKED) | (vb == MASKED),
            MASKED,
            np.where((va == FRAGILE) | (vb == FRAGILE), FRAGILE, PUBLISHED),
        )
        out = pl.DataFrame(
            {
                "variable": [variable] * m,
                "level": pairs.get_column("level"),
                "a": pl.Series([a] * m),
                "b": pl.Series([b] * m),
                "estimate_a": est[ia],
                "estimate_b": est[ib],
                "difference": diff,
                "se": se,
                "ci_lower": diff - crit * se,
                "ci_upper": diff + crit * se,
                "p_value": p,
                "n_a": n[ia].astype(np.int64),
                "n_b": n[ib].astype(np.int64),
                "status": status,
            }
        )
        values_cols = ["estimate_a", "estimate_b", "difference", "se", "ci_lower", "ci_upper",
                       "p_value"]  # fmt: skip
        return out.with_columns(
            pl.when(pl.col("status") == MASKED).then(None).otherwise(pl.col(c)).alias(c)
            for c in values_cols
        )


class SurveyDesign(_BaseDesign):
    """A probability sample described as R's ``svydesign`` describes it.

    ``ids``: PSU column, or a list of columns for multistage designs (``None``: each row is a
    PSU, R's ``ids = ~1``). ``strata``: stratum column (or one per stage; later stages are
    nested in the earlier clusters, as in R). ``weights``: sampling weights (``None``: derived
    from the fpc, else 1). ``fpc``: population size (number of units of that stage in the
    stratum) or sampling fraction when every value is ≤ 1 — one column per stage, as R
    requires. Without fpc, R and this class use the first stage only ("with replacement").

    ``categorical`` names integer-coded columns to treat as factors; ``value_labels`` maps a
    column to ``{code: label}`` for the ``level_label`` column; ``secret`` the statistical
    secret (default: ``[tool.egn]``); ``lonely_psu`` as ``options(survey.lonely.psu)``.
    """

    def __init__(
        self,
        data: pl.DataFrame | pl.LazyFrame,
        ids: Columns = None,
        strata: Columns = None,
        weights: str | None = None,
        fpc: Columns = None,
        *,
        categorical: Sequence[str] = (),
        value_labels: Mapping[str, Mapping[Any, str]] | None = None,
        secret: SecretRule | None = None,
        lonely_psu: str = "fail",
    ) -> None:
        frame = data.collect() if isinstance(data, pl.LazyFrame) else data
        self._ids = _as_list(ids)
        self._strata = _as_list(strata)
        self._fpc = _as_list(fpc)
        design_cols = [*self._ids, *self._strata, *self._fpc, *([weights] if weights else [])]
        self._data = frame
        self._check_columns(design_cols, "plan de sondage")
        for col in design_cols:
            nulls = frame.get_column(col).is_null()
            if nulls.any():
                first = int(nulls.arg_true()[0]) + 1
                raise SurveyDesignError(
                    f"valeur manquante dans la colonne de plan « {col} » (ligne {first})"
                )
        if frame.height == 0:
            raise SurveyDesignError("aucune ligne : plan de sondage vide")
        self._stages: list[Stage] = build_stages(frame, self._ids, self._strata, self._fpc)
        if self._ids and self._stages[0].cluster_stratum.size == 1:
            raise SurveyDesignError("le plan n'a qu'une unité primaire (R : « only one PSU »)")
        if weights:
            w = frame.get_column(weights).cast(pl.Float64).to_numpy().copy()
            if (w < 0).any() or np.isnan(w).any():
                first = int(np.flatnonzero((w < 0) | np.isnan(w))[0]) + 1
                raise SurveyDesignError(f"poids négatif ou non numérique (ligne {first})")
        elif self._fpc:
            w = design_weights(self._stages, frame.height)
        else:
            w = np.ones(frame.height)
        self._w = w
        self._weights_name = weights
        self._domain = np.ones(frame.height, dtype=bool)
        self._calibrations: list[Calibration] = []
        self._multistage = bool(self._fpc)
        self._categorical = frozenset(categorical)
        self._value_labels = {
            col: {str(k): str(v) for k, v in labels.items()}
            for col, labels in (value_labels or {}).items()
        }
        self.secret = secret if secret is not None else SecretRule.from_settings()
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise SurveyDesignError(
                f"lonely_psu inconnu « {lonely_psu} » (attendu : {', '.join(LONELY_PSU_OPTIONS)})"
            )
        self.lonely_psu = lonely_psu

    def __repr__(self) -> str:
        st = self._stages
        kind = "stratifié, " if self._strata else ""
        return (
            f"SurveyDesign({kind}{len(st)} degré(s) ; {st[0].cluster_stratum.size} unités "
            f"primaires dans {st[0].n.size} strate(s) ; {self._data.height} lignes, "
            f"{int(self._domain.sum())} dans le domaine ; "
            f"{'calé' if self._calibrations else 'non calé'})"
        )

    # ------------------------------------------------------------------ variance

    def _z_matrix(self, kind: str, e: _Entries, est: FloatArray) -> sp.csc_array:
        z = self._influence(kind, e, est)
        return sp.csc_array(sp.coo_array((z, (e.row, e.key)), shape=(self._data.height, e.n_keys)))

    def _variances(self, kind: str, e: _Entries, est: FloatArray) -> FloatArray:
        return linearized_variance(
            self._z_matrix(kind, e, est),
            self._stages,
            calibrations=self._calibrations,
            lonely_psu=self.lonely_psu,
            multistage=self._multistage,
        )

    def _contrast_variances(
        self, kind: str, e: _Entries, est: FloatArray, contrasts: sp.csc_array
    ) -> FloatArray:
        z = self._z_matrix(kind, e, est) @ contrasts
        return linearized_variance(
            sp.csc_array(z),
            self._stages,
            calibrations=self._calibrations,
            lonely_psu=self.lonely_psu,
            multistage=self._multistage,
        )

    def covariance(self, influence: npt.ArrayLike) -> FloatArray:
        """Covariance matrix of totals of influence values (rows = respondents, all rows).

        The door used by models (``svyglm``-like sandwich variances) and by users who
        linearise their own statistic.
        """
        z = np.asarray(influence, dtype=np.float64)
        if z.ndim == 1:
            z = z[:, None]
        if z.shape[0] != self._data.height:
            raise SurveyDesignError("covariance() : une ligne d'influence par répondant")
        return linearized_variance(
            z,
            self._stages,
            calibrations=self._calibrations,
            lonely_psu=self.lonely_psu,
            multistage=self._multistage,
            full=True,
        )

    def _group_degf(self, rows: IntArray, group: IntArray, n_groups: int) -> IntArray:
        """PSUs minus strata of each group, rows of zero weight left out (R's ``degf``)."""
        keep = self._w[rows] != 0
        rows, group = rows[keep], group[keep]
        st = self._stages[0]
        psu = st.cluster[rows]
        n_psu = st.cluster_stratum.size
        n_strata = st.n.size
        psus = np.unique(group * n_psu + psu) // n_psu
        strata = np.unique(group * n_strata + st.cluster_stratum[psu]) // n_strata
        return (
            np.bincount(psus, minlength=n_groups) - np.bincount(strata, minlength=n_groups)
        ).astype(np.int64)

    def _keeps_all_rows(self) -> bool:
        """A calibrated design: R's ``[.survey.design2`` sets the weights of the others to 0."""
        return bool(self._calibrations)

    # ------------------------------------------------------------------ calibration

    def _calibrated(self) -> Self:
        if not self._domain.all():
            raise SurveyDesignError(
                "caler le plan complet puis restreindre au domaine (subset après le calage)"
            )
        new = copy.copy(self)
        new._calibrations = list(self._calibrations)
        return new

    def _group_codes(self, columns: list[str], what: str) -> tuple[IntArray, pl.DataFrame]:
        self._check_columns(columns, what)
        cells = self._data.select(columns)
        nulls = cells.select(pl.any_horizontal(pl.all().is_null())).to_series()
        if nulls.any():
            first = int(nulls.arg_true()[0]) + 1
            raise SurveyDesignError(f"{what} : valeur manquante (ligne {first})")
        codes = dense_codes(cells, columns)
        table = cells.with_columns(pl.Series(_KEY, codes)).unique(_KEY).sort(_KEY)
        return codes, table

    def _poststrat_factors(
        self,
        w: FloatArray,
        codes: IntArray,
        table: pl.DataFrame,
        columns: list[str],
        population: pl.DataFrame,
        count: str,
        partial: bool,
    ) -> FloatArray:
        if count not in population.columns:
            raise SurveyDesignError(f"population : colonne d'effectifs « {count} » absente")
        missing = [c for c in columns if c not in population.columns]
        if missing:
            raise SurveyDesignError(f"population : colonne(s) absente(s) : {', '.join(missing)}")
        sample = np.bincount(codes, weights=w, minlength=table.height)
        pop = population.select(
            *[pl.col(c).cast(table.schema[c]) for c in columns], pl.col(count).cast(pl.Float64)
        )
        both = table.join(pop, on=columns, how="full", coalesce=True, nulls_equal=True)
        only_pop = both.filter(pl.col(_KEY).is_null() & (pl.col(count).fill_null(0) > 0))
        if only_pop.height and not partial:
            cell = ", ".join(f"{c}={only_pop[c][0]}" for c in columns)
            raise SurveyDesignError(
                f"post-strate absente de l'échantillon ({cell}) : partial=True pour l'ignorer"
            )
        matched = both.filter(pl.col(_KEY).is_not_null()).sort(_KEY)
        pop_freq = matched.get_column(count).to_numpy()
        absent = np.isnan(pop_freq) | (pop_freq == 0)
        if (absent & (sample > 0)).any():
            i = int(np.flatnonzero(absent & (sample > 0))[0])
            cell = ", ".join(f"{c}={matched[c][i]}" for c in columns)
            raise SurveyDesignError(
                f"post-strate de l'échantillon absente de la population ({cell})"
            )
        return pop_freq / sample

    def post_stratify(
        self,
        by: str | Sequence[str],
        population: pl.DataFrame,
        *,
        count: str = "Freq",
        partial: bool = False,
    ) -> SurveyDesign:
        """Post-stratified design (R's ``postStratify``): weights sum to the known counts.

        ``population`` has the ``by`` columns and a ``count`` column (``Freq`` as in R). The
        variance uses the residuals on the post-strata, as R does.
        """
        cols = _as_list(by)
        new = self._calibrated()
        codes, table = new._group_codes(cols, "post-stratification")
        factor = new._poststrat_factors(new._w, codes, table, cols, population, count, partial)
        old = new._w.copy()
        new._w = old * factor[codes]
        new._calibrations.append(Calibration("poststrat", [codes], [new._w.copy()], [old]))
        return new

    def rake(
        self,
        margins: Sequence[pl.DataFrame],
        *,
        count: str = "Freq",
        maxit: int = 10,
        epsilon: float = 1.0,
        partial: bool = False,
    ) -> SurveyDesign:
        """Raking on several margins (R's ``rake``), e.g. académie, sector and EP.

        Each margin is a DataFrame of its variable column(s) and ``count``. Iterative
        post-stratification until the weighted cross-table moves by less than ``epsilon``
        (absolute, or relative to the total weight when < 1) or ``maxit`` passes; the variance
        uses R's ten raking sweeps of residuals. ``partial`` (not in R's ``rake``) ignores
        population cells absent from the sample, as ``postStratify(partial = TRUE)``.
        """
        new = self._calibrated()
        specs = []
        for margin in margins:
            cols = [c for c in margin.columns if c != count]
            codes, table = new._group_codes(cols, "calage (rake)")
            specs.append((cols, codes, table, margin))
        all_cols = list(dict.fromkeys(c for s in specs for c in s[0]))
        cross, _ = new._group_codes(all_cols, "calage (rake)")
        eps = epsilon * new._w.sum() if epsilon < 1 else epsilon
        w = new._w.copy()
        old_table = np.bincount(cross, weights=w)
        converged = False
        steps: list[FloatArray] = []
        for _ in range(maxit):
            steps = []
            for cols, codes, table, margin in specs:
                factor = new._poststrat_factors(w, codes, table, cols, margin, count, partial)
                w = w * factor[codes]
                steps.append(w.copy())
            new_table = np.bincount(cross, weights=w)
            delta = float(np.max(np.abs(old_table - new_table)))
            if delta < eps:
                converged = True
                break
            old_table = new_table
        if not converged:
            warnings.warn(
                f"le calage n'a pas convergé en {maxit} itérations", RuntimeWarning, stacklevel=2
            )
        new._w = w
        new._calibrations.append(Calibration("raking", [s[1] for s in specs], steps))
        return new

    def calibrate(
        self,
        variables: str | Sequence[str],
        population: Mapping[str, float],
        *,
        calfun: Literal["linear"] = "linear",
        bounds: tuple[float, float] | None = None,
        categorical: Sequence[str] = (),
        maxit: int = 50,
        epsilon: float = 1e-7,
    ) -> SurveyDesign:
        """Linear (GREG) calibration to population totals, as R's ``calibrate()``.

        ``variables`` are the columns of R's formula (``~stype + api99`` is
        ``["stype", "api99"]``); the model matrix has an intercept and factors in treatment
        coding, so ``population`` is keyed by R's coefficient names:
        ``{"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "api99": 3914069}``.
        ``bounds = (lo, hi)`` keeps the g-weights in ``[lo, hi]``: R then iterates
        (``grake`` with ``cal.linear``) until every total is met to ``epsilon`` (relative)
        and fails after ``maxit`` steps. The variances use the residuals of the calibration
        model, as R's ``svyrecvar`` does for a calibrated design.
        """
        if calfun != "linear":
            raise SurveyDesignError("calibrate() : seul calfun = « linear » est disponible")
        cols = _as_list(variables)
        new = self._calibrated()
        new._check_columns(cols, "calage (calibrate)")
        frame = new._data.select(cols)
        nulls = frame.select(pl.any_horizontal(pl.all().is_null())).to_series()
        if nulls.any():
            first = int(nulls.arg_true()[0]) + 1
            raise SurveyDesignError(f"calage (calibrate) : valeur manquante (ligne {first})")
        cats = set(categorical) | {c for c in cols if new._is_categorical(c)}
        mm, names = model_matrix(frame, cols, cats, {})
        unknown = [k for k in population if k not in names]
        absent = [k for k in names if k not in population]
        if unknown or absent:
            raise SurveyDesignError(
                "calibrate() : les totaux doivent nommer les colonnes du modèle "
                f"({', '.join(names)}) ; absents : {', '.join(absent) or '-'} ; "
                f"inconnus : {', '.join(unknown) or '-'}"
            )
        pop = np.array([float(population[k]) for k in names])
        ww = new._w.copy()
        if bounds is None:
            # R's regcalibrate: one exact step, g = 1 + X (X'WX)⁻¹ (T − t̂).
            gram = (mm * ww[:, None]).T @ mm
            g = 1 + mm @ np.linalg.solve(gram, pop - ww @ mm)
        else:
            g = _grake_linear(mm, ww, pop, bounds, maxit, epsilon)
        new._w = ww * g
        new._calibrations.append(Calibration("linear", [], [new._w.copy()], [ww], model=mm))
        return new


def model_matrix(
    frame: pl.DataFrame,
    covariates: Sequence[str],
    categorical: set[str],
    reference: Mapping[str, Any],
) -> tuple[FloatArray, list[str]]:
    """R's ``model.matrix(~ a + b)``: an intercept, numeric columns as they are, factors in
    treatment coding (first sorted level, or ``reference``, left out), named as R names them
    (``stypeH``), so that calibration totals and coefficients read like R's.
    """
    columns = [np.ones(frame.height)]
    names = ["(Intercept)"]
    for cov in covariates:
        col = frame.get_column(cov)
        if cov in categorical or not col.dtype.is_numeric():
            levels = col.drop_nulls().unique().sort().to_list()
            if cov in reference:
                if reference[cov] not in levels:
                    raise SurveyDesignError(
                        f"modalité de référence « {reference[cov]} » absente de {cov}"
                    )
                levels = [reference[cov], *[lv for lv in levels if lv != reference[cov]]]
            for lv in levels[1:]:
                columns.append((col == lv).cast(pl.Float64).to_numpy())
                names.append(f"{cov}{lv}")
        else:
            columns.append(col.cast(pl.Float64).to_numpy())
            names.append(cov)
    return np.column_stack(columns).astype(np.float64), names


def _grake_linear(
    mm: FloatArray,
    ww: FloatArray,
    population: FloatArray,
    bounds: tuple[float, float],
    maxit: int,
    epsilon: float,
) -> FloatArray:
    """g-weights of R's ``grake(calfun = cal.linear)``: Newton steps on the bounded metric.

    Why R's loop step by step (its rescaling when every total is over 20 times the sample's,
    its generalised inverse, its stopping rule): the bounded solution is reached in a finite
    number of steps, and stopping where R stops gives R's weights.
    """
    lo, hi = float(bounds[0]), float(bounds[1])
    sample_total = ww @ mm
    scale = None
    scales = population / sample_total
    if scales.min() > 20:
        scale = float(scales.mean())
        ww = ww * scale
        sample_total = sample_total * scale

    def fm1(u: FloatArray) -> FloatArray:
        return np.minimum(np.maximum(u + 1, lo), hi) - 1

    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    deriv = ((xeta < hi - 1) & (xeta > lo - 1)).astype(np.float64)
    iteration = 1
    while True:
        tmat = (mm * (ww * deriv)[:, None]).T @ mm
        misfit = population - sample_total - ww @ (mm * fm1(xeta)[:, None])
        eta = eta + np.linalg.pinv(tmat, rcond=256 * np.finfo(np.float64).eps) @ misfit
        xeta = mm @ eta
        deriv = ((xeta < hi - 1) & (xeta > lo - 1)).astype(np.float64)
        misfit = population - sample_total - ww @ (mm * fm1(xeta)[:, None])
        if (np.abs(misfit) / (1 + np.abs(population)) < epsilon).all():
            break
        iteration += 1
        if iteration > maxit:
            achieved = float((np.abs(misfit) / (1 + np.abs(population))).max())
            raise SurveyDesignError(
                f"calibrate() : le calage borné n'a pas convergé en {maxit} itérations "
                f"(écart relatif {achieved:.2g}) ; élargir bounds"
            )
    g = 1 + fm1(xeta)
    return g * scale if scale is not None else g


def _zeroin(
    f: Callable[[float], float],
    ax: float,
    bx: float,
    fa: float,
    fb: float,
    tol: float,
    maxit: int = 1000,
) -> float:
    """R's ``R_zeroin2`` (``uniroot``): Brent's root search, step for step.

    Why a port and not ``scipy.optimize.brentq``: the score interval evaluates a step
    function, whose "root" depends on the exact sequence of trial points (see
    ``_score_bounds``); scipy's variant takes other steps.
    """
    eps = np.finfo(np.float64).eps
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _bsum(e: _Entries, values: FloatArray) -> FloatArray:
    """Sum of ``values`` by estimate key (every key present, zeros included)."""
    return np.bincount(e.key, weights=values, minlength=e.n_keys).astype(np.float64)


def _qrule_math(xs: FloatArray, cumw: FloatArray, total: float, p: float) -> float:
    """R's ``qrule_math``: the smallest value whose weighted CDF reaches ``p``."""
    if xs.size == 0:
        return float("nan")
    target = p * total
    # last index with cumw <= target; R's ``last()`` answers the first index when there is none
    pos = max(int(np.searchsorted(cumw, target, side="right")) - 1, 0)
    nxt = pos if pos == xs.size - 1 else pos + 1
    wlow = p - cumw[pos] / total
    return float(xs[pos] if wlow == 0 else xs[nxt])
