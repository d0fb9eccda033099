"""Établissements: the official directory export (``fr-en-annuaire-education``) → reference.

Real-world quirks handled: ``;`` (or ``,``) separator, UTF-8 with BOM or cp1252, zero-padded
codes (``"001"`` département, ``"08"`` académie), upper-case labels, old académies (Caen,
Rouen, codes 05/21 → Normandie 70), decimal commas and ``"94,20%"`` values, empty EP cells.
Bad rows (unknown académie, UAI with a wrong check letter, negative headcount, a number cell
holding text such as ``NC`` — « nombre illisible (ips) », an empty cell stays null —, a number
out of range such as ``1e309``, duplicate UAI) go to the rejects table with their reason.
"""

from __future__ import annotations

from pathlib import Path

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
from egn_analytics.reference import (
    academie_aliases,
    academie_key_expr,
    academies,
    departement_code_expr,
)
from egn_analytics.schemas.etablissements import EtablissementSchema

TABLE = "etablissements"
CODE_VERSION = "1"
#: Columns read with :func:`french_number`: a cell that is not a number rejects its row.
NUMBERS = ["ips", "eleves", "enseignants", "taux_salles_connectees", "latitude", "longitude"]
#: Directory export column → our column. Only the identifier is required.
COLUMNS = {
    "identifiant_de_l_etablissement": "uai",
    "nom_etablissement": "nom",
    "type_etablissement": "type",
    "statut_public_prive": "secteur",
    "code_departement": "code_departement",
    "code_academie": "code_academie",
    "libelle_academie": "libelle_academie",
    "code_commune": "code_commune",
    "nom_commune": "commune",
    "appartenance_education_prioritaire": "ep",
    "indice_position_sociale": "ips",
    "nombre_d_eleves": "eleves",
    "nombre_d_enseignants": "enseignants",
    "taux_salles_connectees": "taux_salles_connectees",
    "projet_ent": "projet_ent",
    "latitude": "latitude",
    "longitude": "longitude",
}
_UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_TYPES = {
    "ecole": "Ecole", "école": "Ecole", "ecole primaire": "Ecole", "ecole maternelle": "Ecole",
    "ecole elementaire": "Ecole", "collège": "Collège", "college": "Collège", "lycée": "Lycée",
    "lycee": "Lycée", "lycée professionnel": "Lycée professionnel",
    "lycee professionnel": "Lycée professionnel", "lp": "Lycée professionnel",
}  # fmt: skip


def load_result(
    path: str | Path, *, encoding: str | None = None, separator: str | None = None
) -> LoadResult:
    """Read, clean and validate a directory export; see the module docstring."""
    raw = read_delimited(
        path,
        required=["uai"],
        optional=COLUMNS.values(),
        encoding=encoding,
        separator=separator,
        rename=COLUMNS,
    )
    aliases = academie_aliases().select("key", pl.col("code_academie").alias("_code_alias"))
    acad = academies().select("code_academie", "academie", "code_region_academique")
    # Académie: the code when it is known (old 05/21 → 70), else the label (Caen → 70).
    typed = raw.with_columns(
        *(pl.col(c).alias(f"_{c}_brut") for c in NUMBERS),
        null_if_empty("uai").str.to_uppercase().alias("uai"),
        null_if_empty("nom").alias("nom"),
        null_if_empty("type").str.to_lowercase().replace_strict(_TYPES, default=None).alias("type"),
        pl.when(null_if_empty("secteur").str.to_lowercase().str.starts_with("pub"))
        .then(pl.lit("Public"))
        .when(null_if_empty("secteur").str.to_lowercase().str.starts_with("priv"))
        .then(pl.lit("Privé"))
        .alias("secteur"),
        departement_code_expr("code_departement").alias("code_departement"),
        academie_key_expr(
            pl.coalesce(
                null_if_empty("code_academie").str.zfill(2), null_if_empty("libelle_academie")
            )
        ).alias("_acad_key"),
        academie_key_expr(null_if_empty("libelle_academie")).alias("_acad_label_key"),
        null_if_empty("code_commune").alias("code_commune"),
        null_if_empty("commune").str.to_uppercase().alias("commune"),
        pl.coalesce(null_if_empty("ep").str.to_uppercase(), pl.lit("Hors EP"))
        .replace({"REP PLUS": "REP+", "HORS EP": "Hors EP", "": "Hors EP"})
        .alias("ep"),
        french_number("ips").alias("ips"),
        french_number("eleves").alias("_eleves_n"),
        french_number("enseignants").alias("_enseignants_n"),
        (french_number("taux_salles_connectees") / 100).alias("taux_salles_connectees"),
        null_if_empty("projet_ent").alias("projet_ent"),
        french_number("latitude").alias("latitude"),
        french_number("longitude").alias("longitude"),
    )
    typed = (
        typed.join(aliases, left_on="_acad_key", right_on="key", how="left", maintain_order="left")
        .join(
            aliases.rename({"_code_alias": "_code_label"}),
            left_on="_acad_label_key",
            right_on="key",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.coalesce("_code_alias", "_code_label").alias("code_academie"))
        .join(acad, on="code_academie", how="left", maintain_order="left")
        .with_columns(
            finite_or_null(pl.col("_eleves_n")).alias("_eleves_f"),
            finite_or_null(pl.col("_enseignants_n")).alias("_enseignants_f"),
        )
        .with_columns(
            to_int64(pl.col("_eleves_f")).alias("eleves"),
            to_int64(pl.col("_enseignants_f")).alias("enseignants"),
        )
    )
    uai_digits = pl.col("uai").str.slice(0, 7)
    expected_letter = pl.lit(_UAI_LETTERS).str.slice(
        uai_digits.cast(pl.Int64, strict=False).mod(23), 1
    )
    checks = [
        # « abc » or « NC » is not an empty cell: the row is rejected, naming the column.
        *unreadable_checks({c: f"_{c}_brut" for c in NUMBERS}),
        # « 1e309 » reads as inf: that row is rejected, naming the column (not the whole file).
        *range_checks({"eleves": pl.col("_eleves_n"), "enseignants": pl.col("_enseignants_n")}),
        *(
            (f"nombre hors limites ({c})", pl.col(c).is_infinite() | pl.col(c).is_nan())
            for c in ("ips", "taux_salles_connectees", "latitude", "longitude")
        ),
        ("académie inconnue", pl.col("academie").is_null()),
        ("type d'établissement inconnu", pl.col("type").is_null()),
        ("secteur inconnu", pl.col("secteur").is_null()),
        (
            "clé de contrôle de l'UAI invalide",
            pl.col("uai").str.contains(r"^\d{7}[A-Z]$")
            & (pl.col("uai").str.slice(7, 1) != expected_letter),
        ),
        ("effectif négatif", (pl.col("_eleves_f") < 0) | (pl.col("_enseignants_f") < 0)),
        (
            "effectif non entier",
            (pl.col("_eleves_f") % 1 != 0) | (pl.col("_enseignants_f") % 1 != 0),
        ),
    ]
    return validate(raw, typed, EtablissementSchema, key=["uai"], checks=checks, table=TABLE)


def load(path: str | Path, **options: str | None) -> pl.LazyFrame:
    """The validated établissement table (rejects dropped; use :func:`load_result` for them)."""
    return load_result(path, **options).data.lazy()
