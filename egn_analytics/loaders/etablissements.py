"""Établissements: the official directory export (``fr-en-annuaire-education``) → reference.

Real-world quirks handled: ``;`` (or ``,``) separator, UTF-8 with BOM or cp1252, zero-padded
codes (``"001"`` or ``1`` département, ``"08"`` académie), upper-case labels, old académies
(Caen, Rouen, codes 05/21 → Normandie 70), decimal commas and ``"94,20%"`` values, empty EP
cells. Bad rows (unknown académie, UAI with a wrong check letter, negative headcount, a number
cell holding text such as ``NC`` — « nombre illisible (ips) », an empty cell stays null —, a
number out of range such as ``1e309``, duplicate UAI) go to the rejects table with their reason.

Types, sectors and private-school contracts are read through the nomenclatures of
``reference/_data`` (:func:`~egn_analytics.reference.types_etablissement`,
:func:`~egn_analytics.reference.natures_uai`…): the UAI nature decides when the export gives
a known one (it tells a lycée professionnel, nature 320, from a lycée, both « Lycée »), else
the type label. A real row the product does not study (service administratif, CIO,
médico-social, EREA…) is *set apart*, not in error: it goes to the rejects with the single
reason « hors champ : <motif> ». The extra lines of an établissement the export describes on
several lines (``etablissement_multi_lignes`` = 1, e.g. a site annexe with the same UAI,
pupils and position) are set apart too, as « ligne secondaire (établissement multi-lignes) »;
the UAI keeps one line, the first not named « annexe ». Rows read = accepted + rejected, and
:meth:`EtablissementResult.summary` splits the rejected into set apart and errors.

The social-position index comes from its own DEPP file, « IPS des collèges »
(:func:`load_ips_result`, one row per collège and rentrée): ``load_result(..., ips=path)``
fills ``ips`` by UAI with each collège's latest rentrée.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from egn_analytics.loaders._core import (
    META_COLS,
    REASON_COL,
    LoadError,
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
from egn_analytics.reference import (
    academie_aliases,
    academie_key_expr,
    academies,
    contrats_prive,
    departement_code_expr,
    natures_uai,
    secteurs,
    types_etablissement,
)
from egn_analytics.schemas.etablissements import EtablissementSchema, IpsCollegeSchema

TABLE = "etablissements"
CODE_VERSION = "2"
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
    "code_nature": "code_nature",
    "libelle_nature": "libelle_nature",
    "code_type_contrat_prive": "code_contrat",
    "type_contrat_prive": "contrat",
    "etablissement_multi_lignes": "multi_lignes",
}
#: Roles a ``--map``/``--set`` may name (our columns).
ROLES = tuple(dict.fromkeys(COLUMNS.values()))
#: Key columns: without one of each group, every row would be rejected for the same reason
#: (or, for the UAI, the file would be read as nothing): the file is refused in one line.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "uai": ("uai",),
    "académie": ("code_academie", "libelle_academie"),
    "type": ("type", "code_nature"),
    "secteur": ("secteur",),
    "département": ("code_departement",),
}
#: Summary warning of a file that holds its header and no row.
HEADER_ONLY = "aucune ligne de données : le fichier n'a que son en-tête"
IPS_TABLE = "ips_colleges"
#: « IPS des collèges » (DEPP) column → our column; headers are lower-cased before matching.
IPS_COLUMNS = {
    "rentrée scolaire": "rentree",
    "uai": "uai",
    "nom de l'établissment": "nom",  # sic: the DEPP header drops the « e »
    "nom de l'établissement": "nom",
    "code du département": "code_departement",
    "secteur": "secteur",
    "effectifs": "effectifs",
    "ips": "ips",
    "ecart-type de l'ips": "ips_ecart_type",
}
#: Roles a ``--map``/``--set`` of the IPS file may name.
IPS_ROLES = tuple(dict.fromkeys(IPS_COLUMNS.values()))
#: Prefix of the reason of a real row outside the product's scope (set apart, not an error).
OUT_OF_SCOPE = "hors champ : "
#: Reason of the extra lines of an établissement written on several lines (set apart).
SECONDARY_LINE = "ligne secondaire (établissement multi-lignes)"
_UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def is_set_apart(reason: pl.Expr) -> pl.Expr:
    """True when a ``_motif`` only sets the row apart (out of scope, secondary line)."""
    return reason.str.starts_with(OUT_OF_SCOPE) | (reason == SECONDARY_LINE)


@dataclass(slots=True)
class EtablissementResult(LoadResult):
    """A :class:`LoadResult` whose summary tells rows set apart from rows in error."""

    def summary(self) -> dict[str, Any]:
        """The core counts, plus ``ecartees`` (out of scope, secondary lines) and ``erreurs``.

        Why: 150 of the 996 rows of a real export are services, CIO or médico-social units;
        counted only as « rejetées », they would read as a bad file.
        """
        out = LoadResult.summary(self)
        apart = self.rejects.filter(is_set_apart(pl.col(REASON_COL))).height
        out = {**out, "ecartees": apart, "erreurs": self.rejects.height - apart}
        if self.rows_read == 0:  # a header alone is read, not refused, but never silently
            out["avertissement"] = HEADER_ONLY
        return out


def _classified(typed: pl.DataFrame) -> pl.DataFrame:
    """Add ``type``, ``_hors_champ``, ``secteur`` and ``contrat`` from the nomenclatures.

    The nature decides when it is known, else the type label (folded as académie labels are);
    ``_contrat_inconnu`` flags a contract code, or label without a code, that no entry knows.
    """
    kinds = types_etablissement().select(
        "key", pl.col("type").alias("_type_l"), pl.col("hors_champ").alias("_hc_l")
    )
    natures = natures_uai().select(
        "code_nature", pl.col("type").alias("_type_n"), pl.col("hors_champ").alias("_hc_n")
    )
    sectors = secteurs().select("key", pl.col("secteur").alias("_secteur"))
    contracts = contrats_prive()
    by_code = contracts.select("code", pl.col("contrat").alias("_contrat_c")).unique(
        subset=["code"], keep="first", maintain_order=True
    )
    by_label = contracts.select("key", pl.col("contrat").alias("_contrat_l"))
    frame = typed.with_columns(
        academie_key_expr(null_if_empty("type")).alias("_type_key"),
        null_if_empty("code_nature").str.strip_chars().alias("_nature"),
        academie_key_expr(null_if_empty("secteur")).alias("_secteur_key"),
        null_if_empty("code_contrat").str.strip_chars().alias("_code_contrat"),
        academie_key_expr(null_if_empty("contrat")).alias("_contrat_key"),
    )
    frame = (
        frame.join(kinds, left_on="_type_key", right_on="key", how="left", maintain_order="left")
        .join(natures, left_on="_nature", right_on="code_nature", how="left", maintain_order="left")
        .join(sectors, left_on="_secteur_key", right_on="key", how="left", maintain_order="left")
        .join(by_code, left_on="_code_contrat", right_on="code", how="left", maintain_order="left")
        .join(by_label, left_on="_contrat_key", right_on="key", how="left", maintain_order="left")
    )
    nature_known = pl.col("_type_n").is_not_null() | pl.col("_hc_n").is_not_null()
    return frame.with_columns(
        pl.when(nature_known).then("_type_n").otherwise("_type_l").alias("type"),
        pl.when(nature_known).then("_hc_n").otherwise("_hc_l").alias("_hors_champ"),
        pl.col("_secteur").alias("secteur"),
        pl.coalesce("_contrat_c", "_contrat_l").alias("contrat"),
        (
            (pl.col("_code_contrat").is_not_null() & pl.col("_contrat_c").is_null())
            | (
                pl.col("_code_contrat").is_null()
                & pl.col("_contrat_key").is_not_null()
                & pl.col("_contrat_l").is_null()
            )
        ).alias("_contrat_inconnu"),
    )


def _secondary_lines(frame: pl.DataFrame) -> pl.Series:
    """True on the extra lines of a multi-line établissement (one line kept per UAI).

    Why: the export writes some établissements once per site or track with one UAI (an annexe,
    the LP and LPO of one institution), flagged ``etablissement_multi_lignes`` = 1 and sharing
    pupils and position. These are not the duplicate-key errors of a broken file; the line
    kept is the first whose name does not say « annexe ». Unflagged repeats stay errors.
    """
    work = frame.select(
        "uai",
        (null_if_empty("multi_lignes").str.strip_chars() == "1").fill_null(False).alias("_multi"),
        pl.col("nom").str.to_lowercase().str.contains("annexe").fill_null(False).alias("_annexe"),
        pl.int_range(pl.len()).alias("_i"),
    )
    multi = work.filter(pl.col("_multi") & pl.col("uai").is_not_null())
    kept = multi.sort("_annexe", "_i").group_by("uai", maintain_order=True).agg(pl.first("_i"))
    return work.select(pl.col("_multi") & ~pl.col("_i").is_in(kept["_i"].implode())).to_series()


def load_ips_result(
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """Read the DEPP « IPS des collèges » file (one row per collège and rentrée).

    Why a source of its own: the annuaire export no longer carries the social-position index;
    DEPP publishes it per UAI and school year (headers in words, counts written ``540.0``,
    sector « privé sous contrat »). Key: UAI and rentrée; a row without an IPS is rejected.
    ``mapping``/``constants``: another layout (roles :data:`IPS_ROLES`; a file of one rentrée
    without that column: ``constants={"rentree": "2022-2023"}``).
    """
    declared = declare(mapping, constants, IPS_ROLES, path=path)
    raw = read_delimited(
        path,
        required=["uai", "rentree", "ips"],
        optional=IPS_COLUMNS.values(),
        encoding=encoding,
        separator=separator,
        rename=IPS_COLUMNS,
        declared=declared,
    )
    sectors = secteurs().select("key", pl.col("secteur").alias("_secteur"))
    typed = raw.with_columns(
        pl.col("ips").alias("_ips_brut"),
        pl.col("effectifs").alias("_effectifs_brut"),
        pl.col("ips_ecart_type").alias("_ips_ecart_type_brut"),
        null_if_empty("uai").str.to_uppercase().alias("uai"),
        null_if_empty("rentree").alias("rentree"),
        null_if_empty("nom").alias("nom"),
        departement_code_expr("code_departement").alias("code_departement"),
        academie_key_expr(null_if_empty("secteur")).alias("_secteur_key"),
        french_number("ips").alias("ips"),
        french_number("ips_ecart_type").alias("ips_ecart_type"),
        french_number("effectifs").alias("_effectifs_n"),
    ).join(sectors, left_on="_secteur_key", right_on="key", how="left", maintain_order="left")
    typed = typed.with_columns(
        pl.col("_secteur").alias("secteur"),
        finite_or_null(pl.col("_effectifs_n")).alias("_effectifs_f"),
    ).with_columns(to_int64(pl.col("_effectifs_f")).alias("effectifs"))
    checks = [
        *unreadable_checks({c: f"_{c}_brut" for c in ("ips", "effectifs", "ips_ecart_type")}),
        *range_checks({"effectifs": pl.col("_effectifs_n")}),
        *(
            (f"nombre hors limites ({c})", pl.col(c).is_infinite() | pl.col(c).is_nan())
            for c in ("ips", "ips_ecart_type")
        ),
        (
            "secteur inconnu",
            pl.col("_secteur_key").is_not_null() & pl.col("secteur").is_null(),
        ),
        ("effectif non entier", pl.col("_effectifs_f") % 1 != 0),
    ]
    result = validate(
        raw, typed, IpsCollegeSchema, key=["uai", "rentree"], checks=checks, table=IPS_TABLE
    )
    result.layout = declared.record()
    return result


def latest_ips(ips: pl.DataFrame) -> pl.DataFrame:
    """``uai``, ``ips``, ``rentree_ips``: each collège's IPS of its latest rentrée in ``ips``."""
    return (
        ips.sort("uai", "rentree")
        .group_by("uai", maintain_order=True)
        .agg(pl.col("ips").last(), pl.col("rentree").last().alias("rentree_ips"))
    )


def load_result(
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    ips: str | Path | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> EtablissementResult:
    """Read, clean and validate a directory export; see the module docstring.

    ``ips``: a DEPP « IPS des collèges » file (:func:`load_ips_result`). Its IPS of the
    latest rentrée fills ``ips`` by UAI, over the export's own column (the 2023 export has
    none); its rejects are its own and do not touch the directory's counts.

    ``mapping`` (``{role: column}``) and ``constants`` (``{role: value}``): another layout,
    see :mod:`~egn_analytics.loaders._mapping` (roles: :data:`ROLES`). The key columns
    (:data:`KEY_COLUMNS`) must be there, read or declared: a file without them is refused
    naming them; a header alone gives no row and the summary says so.
    """
    declared = declare(mapping, constants, ROLES, path=path)
    raw = read_delimited(
        path,
        required=["uai"],
        encoding=encoding,
        separator=separator,
        rename=COLUMNS,
        declared=declared,
    )
    _require_keys(Path(path), raw.columns)
    # Absent optional columns are added empty, before the bookkeeping ones as the core does.
    raw = raw.select(
        *(c for c in raw.columns if c not in META_COLS),
        *(pl.lit(None, dtype=pl.String).alias(c) for c in ROLES if c not in raw.columns),
        *(c for c in META_COLS if c in raw.columns),
    )
    aliases = academie_aliases().select("key", pl.col("code_academie").alias("_code_alias"))
    acad = academies().select("code_academie", "academie", "code_region_academique")
    # Académie: the code when it is known (old 05/21 → 70), else the label (Caen → 70).
    typed = raw.with_columns(
        *(pl.col(c).alias(f"_{c}_brut") for c in NUMBERS),
        null_if_empty("uai").str.to_uppercase().alias("uai"),
        null_if_empty("nom").alias("nom"),
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
    if ips is not None:
        by_uai = latest_ips(load_ips_result(ips).data).select(
            "uai", pl.col("ips").alias("_ips_depp")
        )
        typed = typed.join(by_uai, on="uai", how="left", maintain_order="left").with_columns(
            pl.coalesce("_ips_depp", "ips").alias("ips")
        )
    typed = _classified(typed)
    secondary = _secondary_lines(typed)
    uai_digits = pl.col("uai").str.slice(0, 7)
    expected_letter = pl.lit(_UAI_LETTERS).str.slice(
        uai_digits.cast(pl.Int64, strict=False).mod(23), 1
    )
    # An out-of-scope row or a secondary line is set apart with that single reason: its other
    # faults (a service has no sector, no pupils) do not matter to a table it will not enter.
    out_of_scope = sorted(
        {
            *types_etablissement()["hors_champ"].drop_nulls(),
            *natures_uai()["hors_champ"].drop_nulls(),
        }
    )
    set_apart = [
        *((OUT_OF_SCOPE + reason, pl.col("_hors_champ") == reason) for reason in out_of_scope),
        (SECONDARY_LINE, pl.lit(secondary) & pl.col("_hors_champ").is_null()),
    ]
    in_scope = pl.col("_hors_champ").is_null() & ~pl.lit(secondary)
    errors = [
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
        ("type de contrat inconnu", pl.col("_contrat_inconnu")),
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
    checks = [*set_apart, *((reason, bad & in_scope) for reason, bad in errors)]
    res = validate(raw, typed, EtablissementSchema, key=["uai"], checks=checks, table=TABLE)
    return EtablissementResult(
        res.table, res.data, res.rejects, res.rows_read, res.sources, res.extra,
        declared.record(),
    )  # fmt: skip


def _require_keys(path: Path, columns: list[str]) -> None:
    """``LoadError`` naming the key columns (:data:`KEY_COLUMNS`) the file lacks.

    Why: without an académie, type or sector column every row was rejected for it, and the
    file read as a bad export rather than a wrong one; the fix is a declaration, so say it.
    """
    missing = [
        " ou ".join(group) for group in KEY_COLUMNS.values() if not set(group) & set(columns)
    ]
    if missing:
        raise LoadError(
            path,
            f"colonne(s) clé(s) absente(s) : {' ; '.join(missing)} ; les déclarer avec "
            "--map CIBLE=COLONNE ou --set CIBLE=VALEUR",
            row=1,
        )


def load(path: str | Path, **options: Any) -> pl.LazyFrame:
    """The validated établissement table (rejects dropped; use :func:`load_result` for them)."""
    return load_result(path, **options).data.lazy()
