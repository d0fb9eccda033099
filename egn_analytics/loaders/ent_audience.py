"""ENT monthly audience « as published » (visits, unique visitors, pages) → tidy table.

Input: a ``;`` (or ``,``, tab) CSV, UTF-8 (BOM or not) or cp1252, one row per month x ENT
project x profile x service. Months may be written ``2020-03``, ``2020-03-01`` or ``03/2020``;
counts may carry thousands spaces (``"1 234"``). Bad rows go to the rejects with their reason:
impossible month, unknown profile, a count written but not a number (``abc``, ``12 élèves``:
« nombre illisible (visites) »; an empty cell stays null), negative or non-integer count, a
count out of range (``1e309`` reads as infinity: « nombre hors limites (visites) »), more
unique visitors than visits, duplicate (mois, projet_ent, profil, service).

Another layout: ``mapping`` (``{role: column}``) and ``constants`` (``{role: value}``) declare
which column plays which of :data:`ROLES` (``egn ingest ent-audience FILE --map mois=Month
--set projet_ent=PCN``), see :mod:`~egn_analytics.loaders._mapping`.
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
from egn_analytics.schemas.ent import PROFILS, EntAudienceSchema

TABLE = "ent_audience"
CODE_VERSION = "1"
KEY = ["mois", "projet_ent", "profil", "service"]
COUNTS = ["visites", "visiteurs_uniques", "pages"]
#: Export header (lower-cased) → our column.
COLUMNS = {
    "periode": "mois",
    "période": "mois",
    "month": "mois",
    "projet": "projet_ent",
    "ent": "projet_ent",
    "profile": "profil",
    "nb_visites": "visites",
    "visits": "visites",
    "visiteurs": "visiteurs_uniques",
    "unique_visitors": "visiteurs_uniques",
    "pages_vues": "pages",
    "pages_views": "pages",
}
OPTIONAL = ["visiteurs_uniques", "pages", "donnees"]
#: Roles a ``--map``/``--set`` may name (our columns).
ROLES = (*KEY, *COUNTS, "donnees")


def profil_expr(col: str | pl.Expr) -> pl.Expr:
    """Profile labels as exported (``ELEVE``, ``Élève``, ``enseignants``…) → our labels."""
    expr = null_if_empty(col).str.to_lowercase()
    unaccented = (
        expr.str.replace_all("[éèê]", "e").str.replace_all("[ÉÈ]", "e").str.strip_suffix("s")
    )
    mapping = {p.replace("é", "e").replace("è", "e"): p for p in PROFILS}
    mapping |= {"eleve": "élève", "professeur": "enseignant", "prof": "enseignant"}
    return unaccented.replace_strict(mapping, default=None, return_dtype=pl.String)


def month_expr(col: str | pl.Expr) -> pl.Expr:
    """``2020-03`` / ``2020-03-01`` / ``03/2020`` → the first day of the month (Date)."""
    e = null_if_empty(col)
    return pl.coalesce(
        (e + "-01").str.to_date("%Y-%m-%d", strict=False),
        e.str.to_date("%Y-%m-%d", strict=False).dt.month_start(),
        ("01/" + e).str.to_date("%d/%m/%Y", strict=False),
    )


def load_result(
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """Read, clean and validate a monthly audience table; see the module docstring."""
    declared = declare(mapping, constants, ROLES, path=path)
    raw = read_delimited(
        path,
        declared=declared,
        required=["mois", "projet_ent", "profil", "service", "visites"],
        encoding=encoding,
        separator=separator,
        rename=COLUMNS,
        optional=OPTIONAL,
    )
    typed = raw.with_columns(
        null_if_empty("mois").alias("_mois_txt"),
        null_if_empty("profil").alias("_profil_txt"),
        month_expr("mois").alias("mois"),
        null_if_empty("projet_ent").alias("projet_ent"),
        profil_expr("profil").alias("profil"),
        null_if_empty("service").alias("service"),
        *(pl.col(c).alias(f"_{c}_brut") for c in COUNTS),
        *(french_number(c).alias(f"_{c}_n") for c in COUNTS),
        null_if_empty("donnees").alias("donnees"),
    ).with_columns(finite_or_null(pl.col(f"_{c}_n")).alias(f"_{c}_f") for c in COUNTS)
    typed = typed.with_columns(to_int64(pl.col(f"_{c}_f")).alias(c) for c in COUNTS)
    checks = [
        # « abc » or « 12 élèves » is not an empty cell: the row is rejected, naming the column.
        *unreadable_checks({c: f"_{c}_brut" for c in COUNTS}),
        # « 1e309 » reads as inf: that row is rejected, naming the column (not the whole file).
        *range_checks({c: pl.col(f"_{c}_n") for c in COUNTS}),
        ("date impossible", pl.col("mois").is_null() & pl.col("_mois_txt").is_not_null()),
        ("profil inconnu", pl.col("profil").is_null() & pl.col("_profil_txt").is_not_null()),
        ("effectif négatif", pl.any_horizontal(pl.col(f"_{c}_f") < 0 for c in COUNTS)),
        ("effectif non entier", pl.any_horizontal(pl.col(f"_{c}_f") % 1 != 0 for c in COUNTS)),
        (
            "visiteurs uniques > visites",
            (pl.col("visites") >= 0) & (pl.col("visiteurs_uniques") > pl.col("visites")),
        ),
    ]
    result = validate(raw, typed, EntAudienceSchema, key=KEY, checks=checks, table=TABLE)
    result.layout = declared.record()
    return result


def load(path: str | Path, **options: Any) -> pl.LazyFrame:
    """The validated audience table (rejects dropped; use :func:`load_result` for them)."""
    return load_result(path, **options).data.lazy()
