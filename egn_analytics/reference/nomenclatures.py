"""Territorial and EGN nomenclatures as typed Polars tables, shipped in the package (offline).

Facts come from ``_data/*.csv`` (copies of the team's reference files). Dtypes are declared, never
inferred: codes stay strings so that ``"08"`` and ``"2A"`` survive.

Every public getter returns a *clone* of a table cached by a private builder: a Polars DataFrame
can be mutated in place (``drop_in_place``, ``insert_column``, ``df[col] = ...``), so handing out
the cached object would let one caller break every later call. Cloning is cheap (column buffers
are shared, copy-on-write).

Matching académie labels: :func:`academie_key_expr` is the single folding rule (lower case, NFKD,
combining marks removed, ``œ``/``æ``/``ß`` spelled out, then only ``[a-z0-9]`` kept); the Python
helper used by :func:`academie_code` runs the very same expression, so both always agree.
"""

from __future__ import annotations

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
    """Read a ``;`` file whose LAST field may itself contain ``;`` (free French text)."""
    with (_DATA / name).open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    return _parse_last_free(text, columns, name)


def _parse_last_free(text: str, columns: list[str], name: str = "<texte>") -> pl.DataFrame:
    """Split each line of ``text`` at its first ``len(columns) - 1`` separators (all strings).

    The reference files are written by hand, unquoted; splitting this way keeps the free text of
    the last field intact. A line with too few fields is an error (named by file and line number),
    never a silent row of nulls; blank lines are skipped.
    """
    lines = text.splitlines()
    if not lines or lines[0].split(";", len(columns) - 1) != columns:
        head = lines[0] if lines else ""
        raise ValueError(f"{name}, ligne 1 : en-tête {head!r} attendu {';'.join(columns)!r}")
    rows: list[list[str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(";", len(columns) - 1)
        if len(fields) < len(columns):
            raise ValueError(
                f"{name}, ligne {number} : {len(fields)} champ(s) au lieu de {len(columns)} "
                f"({';'.join(columns)}) : {line!r}"
            )
        rows.append(fields)
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


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
def _regions_academiques() -> pl.DataFrame:
    return (
        _academies_raw()
        .select("code_region_academique", "region_academique")
        .unique()
        .sort("code_region_academique")
    )


def regions_academiques() -> pl.DataFrame:
    """The 18 régions académiques: ``code_region_academique``, ``region_academique``."""
    return _regions_academiques().clone()


@cache
def _academies() -> pl.DataFrame:
    return (
        _academies_raw()
        .drop("departements")
        .join(_zones(), on="academie", how="left")
        .select("code_academie", "academie", "code_region_academique", "region_academique", "zone")
        .sort("code_academie")
    )


def academies() -> pl.DataFrame:
    """The 30 académies (as of 1 January 2020) with their région académique and holiday zone."""
    return _academies().clone()


@cache
def _departements() -> pl.DataFrame:
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
        .join(_academies(), on="code_academie", how="left")
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


def departements() -> pl.DataFrame:
    """The 101 départements with their name, académie, région académique and zone."""
    return _departements().clone()


def departement_code_expr(column: str | pl.Expr) -> pl.Expr:
    """The official short code of a département, whatever the writing: ``"01"``, ``"2A"``, ``"971"``.

    Why: the same département reaches us as ``"001"`` or ``"02A"`` (the directory export pads
    to three characters), as ``1`` or ``1.0`` (a spreadsheet took the column for numbers and
    dropped the leading zero, as in a real copy of the INSEE COG), or as ``"2a"``. Rule: trim,
    upper-case, drop a ``.0`` tail and the leading zeros, then pad a lone digit to two
    (``"1"`` → ``"01"``); ``"2A"``/``"2B"`` and the three-digit DROM codes (``"971"``) come out
    as written. An empty cell is null; anything else is returned cleaned, for the schema's
    regex (or the join on :func:`departements`) to reject.
    """
    expr = pl.col(column) if isinstance(column, str) else column
    cleaned = (
        expr.cast(pl.String)
        .str.strip_chars()
        .str.to_uppercase()
        .str.replace(r"^(\d+)\.0*$", "$1")
        .str.replace(r"^0+(\d)", "$1")
    )
    cleaned = pl.when(cleaned == "").then(None).otherwise(cleaned)
    return pl.when(cleaned.str.contains(r"^\d$")).then("0" + cleaned).otherwise(cleaned)


#: Letters that NFKD does not decompose, spelled out (as ``str.casefold`` does for ``ß``).
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss"}


def academie_key_expr(column: str | pl.Expr) -> pl.Expr:
    """Case-, accent-, dash- and space-insensitive key of an académie label (for joins).

    Rule: lower case, Unicode NFKD, combining marks (``\\p{Mn}``) removed, ``œ``→``oe``,
    ``æ``→``ae``, ``ß``→``ss``, then every character outside ``[a-z0-9]`` dropped. The same
    expression builds :func:`academie_aliases` keys and :func:`academie_code` lookups.
    """
    expr = pl.col(column) if isinstance(column, str) else column
    return (
        expr.cast(pl.String)
        .str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_many(_LIGATURES)
        .str.replace_all(r"[^a-z0-9]", "")
    )


def _fold(text: str) -> str:
    """Python entry point to :func:`academie_key_expr` (same rule, by construction)."""
    key = pl.Series("k", [text], dtype=pl.String).to_frame().select(academie_key_expr("k"))
    return str(key.item())


@cache
def _academie_aliases() -> pl.DataFrame:
    acad = _academies().select(pl.col("academie").alias("alias"), "code_academie")
    codes = _academies().select(pl.col("code_academie").alias("alias"), "code_academie")
    extra = _read(
        "academies_alias.csv", {"alias": pl.String, "code_academie": pl.String, "note": pl.String}
    ).drop("note")
    old = _read(
        "old_academie_codes.csv",
        {"code_ancien": pl.String, "code_academie": pl.String, "note": pl.String},
    ).select(pl.col("code_ancien").alias("alias"), "code_academie")
    table = pl.concat([acad, codes, extra, old])
    return (
        table.with_columns(academie_key_expr("alias").alias("key"))
        .unique(subset=["key"], keep="first", maintain_order=True)
        .sort("key")
    )


def academie_aliases() -> pl.DataFrame:
    """Every accepted spelling of an académie (label, old label, old code) → official code.

    Why: older files still carry Caen (05) and Rouen (21), upper-case labels (``ORLEANS-TOURS``)
    or short forms; loaders join on the ``key`` column (see :func:`academie_key_expr`).
    """
    return _academie_aliases().clone()


def academie_code(label_or_code: str) -> str:
    """Official code of an académie from any accepted spelling; ``KeyError`` names the input."""
    key = _fold(label_or_code)
    hit = _academie_aliases().filter(pl.col("key") == key)
    if hit.is_empty():
        raise KeyError(f"académie inconnue : {label_or_code!r}")
    return str(hit.item(0, "code_academie"))


@cache
def _themes() -> pl.DataFrame:
    return _read("themes.csv", {"theme": pl.Int8, "libelle": pl.String, "libelle_court": pl.String})


def themes() -> pl.DataFrame:
    """The 5 EGN themes: ``theme`` (1-5), ``libelle``, ``libelle_court``."""
    return _themes().clone()


@cache
def _propositions() -> pl.DataFrame:
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


def propositions() -> pl.DataFrame:
    """The 40 EGN propositions: ``numero``, ``theme``, ``themes``, ``transverse``, ``axe``, ``libelle``.

    Propositions 39 and 40 are transverse: ``theme`` is null and ``themes`` lists the themes
    they span (read from their axe, e.g. « Transverse (thèmes 2, 3 et 4) »).
    """
    return _propositions().clone()


@cache
def _phases_covid() -> pl.DataFrame:
    raw = _read_last_free("phases_covid_2020.csv", ["date", "evenement"])
    return raw.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))


def phases_covid() -> pl.DataFrame:
    """Key dates of the 2020 closure and reopening: ``date`` (Date), ``evenement``."""
    return _phases_covid().clone()


# --------------------------------------------------------------------------- établissements
#
# The vocabularies of the « Annuaire de l'éducation » export, declared once in ``_data`` (each
# file names its source in a ``#`` first line). Every spelling maps either to what the product
# keeps (``type``, ``secteur``, ``contrat``) or, for types, to the reason it is set apart
# (``hors_champ``): a real type of the export is never « inconnu ».


def _read_sourced(name: str, columns: list[str]) -> pl.DataFrame:
    """A ``;`` file of strings whose ``#`` line(s) name its source; empty cells are null."""
    with (_DATA / name).open("rb") as fh:
        return pl.read_csv(
            fh.read(),
            separator=";",
            comment_prefix="#",
            schema=dict.fromkeys(columns, pl.String),
        )


def _with_key(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """Add the folded ``key`` of ``label`` (same rule as académies) and check it is unique."""
    keyed = frame.with_columns(academie_key_expr(label).alias("key"))
    clash = keyed.filter(pl.col("key").is_duplicated())
    conflicting = clash.select(pl.exclude(label)).unique()
    if conflicting.height != clash["key"].n_unique():
        raise ValueError(f"nomenclature : libellés de sens différents confondus : {clash}")
    return keyed.unique(subset=["key"], keep="first", maintain_order=True)


@cache
def _types_etablissement() -> pl.DataFrame:
    raw = _read_sourced("types_etablissement.csv", ["libelle", "type", "hors_champ"])
    return _with_key(raw, "libelle")


def types_etablissement() -> pl.DataFrame:
    """Every known ``Type_etablissement`` label: ``libelle``, ``type`` or ``hors_champ``, ``key``.

    Why both columns: the export lists services and établissements the product does not study
    (services administratifs, CIO, médico-social, EREA…); they are real, so they are known,
    and the loader sets them apart with their ``hors_champ`` reason instead of an error.
    """
    return _types_etablissement().clone()


@cache
def _natures_uai() -> pl.DataFrame:
    return _read_sourced("natures_uai.csv", ["code_nature", "libelle_nature", "type", "hors_champ"])


def natures_uai() -> pl.DataFrame:
    """UAI natures: ``code_nature``, ``libelle_nature``, ``type`` or ``hors_champ``.

    Why: the nature is finer than the type label. The real export writes « Lycée » for a
    lycée professionnel (nature 320) and leaves the type empty for post-bac schools
    (nature 400); the nature, when known, decides.
    """
    return _natures_uai().clone()


@cache
def _secteurs() -> pl.DataFrame:
    return _with_key(_read_sourced("secteurs.csv", ["libelle", "secteur"]), "libelle")


def secteurs() -> pl.DataFrame:
    """Every known spelling of the public/private status: ``libelle``, ``secteur``, ``key``."""
    return _secteurs().clone()


@cache
def _contrats_prive() -> pl.DataFrame:
    return _with_key(_read_sourced("contrats_prive.csv", ["code", "libelle", "contrat"]), "libelle")


def contrats_prive() -> pl.DataFrame:
    """Private-school contract codes: ``code``, ``libelle`` (as the export writes it), ``contrat``.

    Why a table: the export spells one label « C0NTRAT » (a zero), so labels alone are fragile;
    the code decides and the label (folded ``key``) is the fallback when the code is missing.
    """
    return _contrats_prive().clone()


def kept_values(frame: pl.DataFrame, column: str) -> list[str]:
    """The distinct non-null values of ``column`` in file order (a schema's Enum categories)."""
    return frame[column].drop_nulls().unique(maintain_order=True).to_list()
