"""CNED « Ma classe à la maison » daily series (sign-ups, cumulative users, virtual classes).

Input: a ``;`` (or ``,``, tab) CSV, UTF-8 (BOM or not) or cp1252, one row per day. Dates may be
``2020-03-16`` or ``16/03/2020``; counts may carry thousands spaces. Only ``date`` and
``inscriptions`` are required. Bad rows go to the rejects with their reason: impossible date,
a count written but not a number (« nombre illisible (inscriptions) »; an empty optional count
stays null), negative or non-integer count, a count out of range (``1e309``), sign-ups by level
that do not add up to the total, duplicate date.

Another layout: ``mapping`` (``{role: column}``) and ``constants`` (``{role: value}``) declare
which column plays which of :data:`ROLES` (``egn ingest cned FILE --map date=Jour --map
inscriptions="Nouveaux inscrits"``), see :mod:`~egn_analytics.loaders._mapping`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from egn_analytics.loaders._core import (
    LoadResult,
    finite_or_null,
    french_number,
    null_if_empty,
    range_checks,
    read_delimited,
    to_int64,
    unreadable_checks,
    validate,
)
from egn_analytics.loaders._mapping import declare
from egn_analytics.schemas.ent import CnedQuotidienSchema

TABLE = "cned_quotidien"
CODE_VERSION = "1"
COUNTS = [
    "inscriptions",
    "utilisateurs_cumules",
    "classes_virtuelles",
    "inscriptions_ecole",
    "inscriptions_college",
    "inscriptions_lycee",
]
LEVELS = ["inscriptions_ecole", "inscriptions_college", "inscriptions_lycee"]
COLUMNS = {
    "jour": "date",
    "day": "date",
    "nb_inscriptions": "inscriptions",
    "utilisateurs": "utilisateurs_cumules",
    "classes": "classes_virtuelles",
    "nb_classes_virtuelles": "classes_virtuelles",
}

#: Roles a ``--map``/``--set`` may name (our columns).
ROLES = ("date", *COUNTS, "donnees")


def date_expr(col: str | pl.Expr) -> pl.Expr:
    """``2020-03-16`` or ``16/03/2020`` → Date; anything else (``2020-02-30``) → null."""
    e = null_if_empty(col)
    return pl.coalesce(
        e.str.to_date("%Y-%m-%d", strict=False), e.str.to_date("%d/%m/%Y", strict=False)
    )


def load_result(
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """Read, clean and validate the CNED daily series; see the module docstring."""
    declared = declare(mapping, constants, ROLES, path=path)
    raw = read_delimited(
        path, required=["date", "inscriptions"], encoding=encoding, separator=separator,
        rename=COLUMNS, optional=[*COUNTS, "donnees"], declared=declared,
    )  # fmt: skip
    typed = raw.with_columns(
        null_if_empty("date").alias("_date_txt"),
        date_expr("date").alias("date"),
        *(pl.col(c).alias(f"_{c}_brut") for c in COUNTS),
        *(french_number(c).alias(f"_{c}_n") for c in COUNTS),
        null_if_empty("donnees").alias("donnees"),
    ).with_columns(finite_or_null(pl.col(f"_{c}_n")).alias(f"_{c}_f") for c in COUNTS)
    typed = typed.with_columns(to_int64(pl.col(f"_{c}_f")).alias(c) for c in COUNTS)
    levels_sum = pl.sum_horizontal(LEVELS)
    all_levels = pl.all_horizontal(pl.col(c).is_not_null() for c in LEVELS)
    checks = [
        # « abc » or « 12 élèves » is not an empty cell: the row is rejected, naming the column.
        *unreadable_checks({c: f"_{c}_brut" for c in COUNTS}),
        # « 1e309 » reads as inf: that row is rejected, naming the column (not the whole file).
        *range_checks({c: pl.col(f"_{c}_n") for c in COUNTS}),
        ("date impossible", pl.col("date").is_null() & pl.col("_date_txt").is_not_null()),
        ("effectif négatif", pl.any_horizontal(pl.col(f"_{c}_f") < 0 for c in COUNTS)),
        ("effectif non entier", pl.any_horizontal(pl.col(f"_{c}_f") % 1 != 0 for c in COUNTS)),
        (
            "inscriptions par niveau ≠ total",
            all_levels & (levels_sum != pl.col("inscriptions")),
        ),
    ]
    result = validate(raw, typed, CnedQuotidienSchema, key=["date"], checks=checks, table=TABLE)
    result.layout = declared.record()
    return result


def load(path: str | Path, **options: Any) -> pl.LazyFrame:
    """The validated daily series (rejects dropped; use :func:`load_result` for them)."""
    return load_result(path, **options).data.lazy()
