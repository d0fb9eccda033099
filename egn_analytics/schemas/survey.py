"""Schemas of the DEPP survey tables: the respondents table and its codebook.

A respondents table has a fixed *design* part, declared once here
(:class:`SurveyDesignSchema`: ``strate``, ``uai`` — the primary sampling unit —, ``poids``,
``fpc``), and *answer* columns that vary from one survey to the next. Those are typed from the
survey's codebook by :func:`respondents_schema`, which derives a dataframely schema for one file:

* a variable with value labels → ``Int64`` codes restricted to the labelled codes;
* a numeric variable → ``Int64`` when every value is a whole number, else ``Float64``;
* anything else → ``String`` (dates read from SAS / SPSS / Stata keep their temporal dtype).

The codebook table (:class:`CodebookSchema`) has one row per column of the respondents table:
``variable``, ``libelle`` (variable label), ``type`` (one of :data:`KINDS`) and ``modalites``,
the value labels as a list of ``{code, libelle}`` (null when the variable is not categorical).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import dataframely as dy
import polars as pl

KIND_CATEGORICAL = "catégorielle"
KIND_NUMERIC = "numérique"
KIND_TEXT = "texte"
KIND_DATE = "date"
KINDS = (KIND_CATEGORICAL, KIND_NUMERIC, KIND_TEXT, KIND_DATE)

#: Canonical names of the design columns in every respondents table.
STRATA, PSU, WEIGHT, FPC = "strate", "uai", "poids", "fpc"
#: The respondent identifier, checked for uniqueness when the file has one.
RESPONDENT_ID = "id"

MODALITE = pl.Struct({"code": pl.Int64, "libelle": pl.String})


class SurveyDesignSchema(dy.Schema):
    """The sampling design columns every respondents table carries.

    ``fpc`` is the number of PSUs in the stratum (N_h), constant within a stratum and at least
    the number of PSUs sampled there; it may be absent from a file (null everywhere: PSUs are
    then treated as drawn with replacement).
    """

    strate = dy.String(nullable=False, description="Strate de tirage")
    uai = dy.String(nullable=False, description="Unité primaire (établissement)")
    poids = dy.Float64(nullable=False, min_exclusive=0.0, description="Poids de sondage")
    fpc = dy.Float64(
        nullable=True, min_exclusive=0.0, description="Nombre d'unités primaires de la strate"
    )

    @dy.rule()
    def fpc_coherent(cls) -> pl.Expr:
        """fpc null for the whole stratum, or one value ≥ the number of PSUs sampled in it."""
        fpc = pl.col(FPC)
        return (fpc.null_count().over(STRATA) == pl.len().over(STRATA)) | (
            (fpc.n_unique().over(STRATA) == 1) & (fpc >= pl.col(PSU).n_unique().over(STRATA))
        )


class CodebookSchema(dy.Schema):
    """One row per variable of a respondents table."""

    variable = dy.String(nullable=False, primary_key=True)
    libelle = dy.String(nullable=True)
    type = dy.String(nullable=False, regex=f"^({'|'.join(KINDS)})$")
    modalites = dy.List(
        dy.Struct({"code": dy.Int64(nullable=False), "libelle": dy.String(nullable=True)}),
        nullable=True,
    )


def _answer_column(
    dtype: pl.DataType, codes: Sequence[int] | None, name: str, label: str | None
) -> dy.Column:
    """The dataframely column of one answer variable (``alias`` keeps any name usable)."""
    if dtype == pl.Int64:
        return dy.Int64(
            nullable=True, is_in=list(codes) if codes else None, alias=name, description=label
        )
    if dtype == pl.Float64:
        return dy.Float64(nullable=True, alias=name, description=label)
    if dtype == pl.Date:
        return dy.Date(nullable=True, alias=name, description=label)
    if isinstance(dtype, pl.Datetime):
        return dy.Datetime(
            nullable=True,
            time_unit=dtype.time_unit,
            time_zone=dtype.time_zone,
            alias=name,
            description=label,
        )
    if dtype == pl.Time:
        return dy.Time(nullable=True, alias=name, description=label)
    return dy.String(nullable=True, alias=name, description=label)


def respondents_schema(
    answers: Mapping[str, pl.DataType],
    *,
    codes: Mapping[str, Sequence[int]] | None = None,
    labels: Mapping[str, str | None] | None = None,
    has_id: bool = False,
    name: str = "RespondentsSchema",
) -> type[SurveyDesignSchema]:
    """The schema of one survey file: the design part plus its answer columns.

    ``answers`` maps every non-design column to its dtype; ``codes`` gives the labelled codes
    of categorical variables; ``labels`` their variable labels (kept as descriptions);
    ``has_id`` declares the ``id`` column as the primary key (unique, non-null).
    """
    codes = codes or {}
    labels = labels or {}
    attrs: dict[str, object] = {"__module__": __name__, "__doc__": f"Schema of {name}."}
    for i, (col, dtype) in enumerate(answers.items()):
        if col == RESPONDENT_ID and has_id:
            attrs[f"c{i}"] = dy.String(
                nullable=False, primary_key=True, alias=col, description=labels.get(col)
            )
        else:
            attrs[f"c{i}"] = _answer_column(dtype, codes.get(col), col, labels.get(col))
    return cast(type[SurveyDesignSchema], type(name, (SurveyDesignSchema,), attrs))
