"""Territorial and EGN nomenclatures as typed Polars tables, shipped in the package (offline).

Facts come from ``_data/*.csv`` (copies of the team's reference files). Dtypes are declared, never
inferred: codes stay strings so that ``"08"`` and ``"2A"`` survive. Every getter returns a fresh
DataFrame (cached underneath, Polars frames are immutable so sharing is safe).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files

import polars as pl

_DATA = files("egn_analytics.reference") / "_data"

#: Zone labels used across the product (holiday zones of metropolitan France, Corse and DROM).
ZONES: tuple[str, ...] = (
    "Zone A", "Zone B", "Zone C", "Corse",
    "Guadeloupe", "Guyane", "Martinique", "Réunion", "Mayotte",
)  # fmt: skip


def _read(name: str, schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    with (_DATA / name).open("rb") as fh:
        return pl.read_csv(fh.read(), separator=";", schema=schema)


def _read_last_free(name: str, columns: list[str]) -> pl.DataFrame:
    """Read a ``;`` file whose LAST field may itself contain ``;`` (free French text).

    The reference files are written by hand, unquoted; splitting each line at the first
    ``len(columns) - 1`` separators keeps the text intact instead of raising on ragged lines.
    """
    with (_DATA / name).open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    lines = pl.Series("line", text.splitlines()[1:]).filter(pl.Series(text.splitlines()[1:]) != "")
    parts = lines.str.splitn(";", len(columns)).struct.rename_fields(columns)
    return parts.struct.unnest()


@cache
def _academies_raw() -> pl.DataFrame:
    return _read(
        "academies.csv",
        {
            "code_region_academique": pl.String,
            "region_academique": pl.String,
            "code_academie": pl.String,
            "academie": pl.String,
            "departements": pl.String,
        },
    )


@cache
def _zones() -> pl.DataFrame:
    zones = _read("zones_academies.csv", {"zone": pl.String, "academies": pl.String})
    return (
        zones.with_columns(pl.col("academies").str.split("|"))
        .explode("academies")
        .rename({"academies": "academie"})
    )


@cache
def regions_academiques() -> pl.DataFrame:
    """The 18 régions académiques: ``code_region_academique``, ``region_academique``."""
    return (
        _academies_raw()
        .select("code_region_academique", "region_academique")
        .unique()
        .sort("code_region_academique")
    )


@cache
def academies() -> pl.DataFrame:
    """The 30 académies (as of 1 January 2020) with their région académique and holiday zone."""
    return (
        _academies_raw()
        .drop("departements")
        .join(_zones(), on="academie", how="left")
        .select("code_academie", "academie", "code_region_academique", "region_academique", "zone")
        .sort("code_academie")
    )


@cache
def departements() -> pl.DataFrame:
    """The 101 départements with their name, académie, région académique and zone."""
    names = _read(
        "departements_noms.csv", {"code_departement": pl.String, "departement": pl.String}
    )
    deps = (
        _academies_raw()
        .with_columns(pl.col("departements").str.split("|"))
        .explode("departements")
        .rename({"departements": "code_departement"})
        .select("code_departement", "code_academie")
    )
    return (
        deps.join(names, on="code_departement", how="left")
        .join(academies(), on="code_academie", how="left")
        .select(
            "code_departement",
            "departement",
            "code_academie",
            "academie",
            "code_region_academique",
            "region_academique",
            "zone",
        )
        .sort("code_departement")
    )


def _fold(text: str) -> str:
    """Case-, accent-, dash- and space-insensitive key for matching académie labels."""
    norm = unicodedata.normalize("NFKD", text)
    norm = "".join(c for c in norm if not unicodedata.combining(c))
    return "".join(c for c in norm.casefold() if c.isalnum())


@cache
def academie_aliases() -> pl.DataFrame:
    """Every accepted spelling of an académie (label, old label, old code) → official code.

    Why: older files still carry Caen (05) and Rouen (21), upper-case labels (``ORLEANS-TOURS``)
    or short forms; loaders join on the ``key`` column (see :func:`academie_key_expr`).
    """
    acad = academies().select(pl.col("academie").alias("alias"), "code_academie")
    codes = academies().select(pl.col("code_academie").alias("alias"), "code_academie")
    extra = _read(
        "academies_alias.csv", {"alias": pl.String, "code_academie": pl.String, "note": pl.String}
    ).drop("note")
    old = _read(
        "old_academie_codes.csv",
        {"code_ancien": pl.String, "code_academie": pl.String, "note": pl.String},
    ).select(pl.col("code_ancien").alias("alias"), "code_academie")
    table = pl.concat([acad, codes, extra, old])
    return (
        table.with_columns(pl.col("alias").map_elements(_fold, return_dtype=pl.String).alias("key"))
        .unique(subset=["key"], keep="first")
        .sort("key")
    )


def academie_key_expr(column: str | pl.Expr) -> pl.Expr:
    """Vectorised version of the folding used by :func:`academie_aliases` (for joins)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return (
        expr.cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace_all(r"[àâä]", "a")
        .str.replace_all(r"[éèêë]", "e")
        .str.replace_all(r"[îï]", "i")
        .str.replace_all(r"[ôö]", "o")
        .str.replace_all(r"[ùûü]", "u")
        .str.replace_all("ç", "c")
        .str.replace_all(r"[^a-z0-9]", "")
    )


def academie_code(label_or_code: str) -> str:
    """Official code of an académie from any accepted spelling; ``KeyError`` names the input."""
    key = _fold(label_or_code)
    hit = academie_aliases().filter(pl.col("key") == key)
    if hit.is_empty():
        raise KeyError(f"académie inconnue : {label_or_code!r}")
    return str(hit.item(0, "code_academie"))


@cache
def themes() -> pl.DataFrame:
    """The 5 EGN themes: ``theme`` (1-5), ``libelle``, ``libelle_court``."""
    return _read("themes.csv", {"theme": pl.Int8, "libelle": pl.String, "libelle_court": pl.String})


@cache
def propositions() -> pl.DataFrame:
    """The 40 EGN propositions: ``numero``, ``theme``, ``themes``, ``transverse``, ``axe``, ``libelle``.

    Propositions 39 and 40 are transverse: ``theme`` is null and ``themes`` lists the themes
    they span (read from their axe, e.g. « Transverse (thèmes 2, 3 et 4) »).
    """
    raw = _read_last_free("propositions.csv", ["numero", "theme", "axe", "libelle"])
    all_themes = list(range(1, 6))
    spanned = (
        pl.when(pl.col("axe").str.contains("tous"))
        .then(pl.lit(all_themes, dtype=pl.List(pl.Int8)))
        .otherwise(pl.col("axe").str.extract_all(r"\d").cast(pl.List(pl.Int8)))
    )
    return raw.select(
        pl.col("numero").cast(pl.Int8),
        pl.col("theme").cast(pl.Int8, strict=False),
        pl.when(pl.col("theme") == "transverse")
        .then(spanned)
        .otherwise(pl.concat_list(pl.col("theme").cast(pl.Int8, strict=False)))
        .alias("themes"),
        (pl.col("theme") == "transverse").alias("transverse"),
        pl.col("axe"),
        pl.col("libelle"),
    )


@cache
def phases_covid() -> pl.DataFrame:
    """Key dates of the 2020 closure and reopening: ``date`` (Date), ``evenement``."""
    raw = _read_last_free("phases_covid_2020.csv", ["date", "evenement"])
    return raw.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))
