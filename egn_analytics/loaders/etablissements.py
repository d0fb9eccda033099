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

Two layouts of the export are recognised by their header (:func:`annuaire_layout`). The 2023
one (``../shared/real-world/education/fr-en-annuaire-education_2023.csv``) writes
``etablissement_multi_lignes`` and ``coordonnee_X``/``coordonnee_Y``/``epsg``. The current one,
as published on data.education.gouv.fr (dataset ``fr-en-annuaire-education``, field list of its
export and API), renamed these ``multi_uai``, ``coordX_origine``/``coordY_origine``/
``epsg_origine`` and added ``code_circonscription``, ``code_zone_animation_pedagogique`` and
``libelle_zone_animation_pedagogique``; the other columns we read keep their names
(``Identifiant_de_l_etablissement``, ``Type_etablissement``, ``Statut_public_prive``,
``code_nature``, ``Code_type_contrat_prive``…; the API export writes them in lower case, which
matches too). Sources consulted: the current field list bound by the public
``EnEtablissementDataset`` CSV reader of an « annuaire éducation » project (guillaumegasnier),
the data.gouv.fr mirror of the dataset on Hugging Face (``Data-Gouv-ML/annuaire-de-leducation``:
``multi_uai``, ``coordx_origine``, ``epsg_origine``) and several public API clients selecting
``multi_uai`` from ``fr-en-annuaire-education``. Of the renamed columns, only the multi-line
flag matters here: both names play the role ``multi_lignes``.

The social-position index comes from DEPP's own files (:func:`load_ips_result`, one row per
établissement and rentrée), « IPS des collèges », « IPS des écoles » and « IPS des lycées »,
recognised by their header (:func:`ips_kind`): ``load_result(..., ips=[paths])`` fills ``ips``
and ``classe_ips`` by UAI with each établissement's latest rentrée (see :func:`ips_by_uai`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    read_delimited_with_header,
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
from egn_analytics.schemas.etablissements import CLASSES_IPS, EtablissementSchema, IpsSchema

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
    "etablissement_multi_lignes": "multi_lignes",  # 2023 layout
    "multi_uai": "multi_lignes",  # current layout (renamed since 2023)
}
#: Header columns (lower case) that tell each layout of the export; see the module docstring.
LAYOUT_MARKERS: dict[str, tuple[str, ...]] = {
    "2023": ("etablissement_multi_lignes", "coordonnee_x", "coordonnee_y"),
    "actuelle": ("multi_uai", "coordx_origine", "coordy_origine", "epsg_origine"),
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
IPS_TABLE = "ips"
#: DEPP « IPS des écoles / collèges / lycées » column → our column; headers are lower-cased
#: before matching. The words are those of the downloaded files (up to the 2022 editions, and
#: the lycées' 2023 one: « IPS de l'établissement », « Ecart-type établissement »); the
#: snake-case names are the API field names of the same datasets.
IPS_COLUMNS = {
    "rentrée scolaire": "rentree",
    "rentree_scolaire": "rentree",
    "uai": "uai",
    "nom de l'établissment": "nom",  # sic: the DEPP header drops the « e »
    "nom de l'établissement": "nom",
    "nom_de_l_etablissment": "nom",
    "nom_de_l_etablissement": "nom",
    "code du département": "code_departement",
    "code_du_departement": "code_departement",
    "secteur": "secteur",
    "effectifs": "effectifs",
    "ips": "ips",
    "ecart-type de l'ips": "ips_ecart_type",
    "ecart_type_de_l_ips": "ips_ecart_type",
    # Lycées: one IPS per track and one for the whole établissement (our ``ips``).
    "type de lycée": "type_lycee",
    "type_de_lycee": "type_lycee",
    "effectifs ensemble gt-pro": "effectifs",
    "effectifs_ensemble_gt_pro": "effectifs",
    "ips ensemble gt-pro": "ips",
    "ips_ensemble_gt_pro": "ips",
    "ips de l'établissement": "ips",
    "ips_etab": "ips",
    "ecart-type établissement": "ips_ecart_type",
    "ips voie gt": "ips_voie_gt",
    "ips_voie_gt": "ips_voie_gt",
    "ips voie pro": "ips_voie_pro",
    "ips_voie_pro": "ips_voie_pro",
}
#: Roles a ``--map``/``--set`` of the IPS file may name.
IPS_ROLES = tuple(dict.fromkeys(IPS_COLUMNS.values()))
#: Columns (ours) whose presence tells the kind of IPS file; the first kind matched wins.
IPS_KIND_MARKERS: dict[str, tuple[str, ...]] = {
    "lycée": ("ips_voie_gt", "ips_voie_pro", "type_lycee"),
    "collège": ("effectifs", "ips_ecart_type"),
}
IPS_NUMBERS = ("ips", "effectifs", "ips_ecart_type", "ips_voie_gt", "ips_voie_pro")
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

    #: Layout of the export recognised by its header (:func:`annuaire_layout`), if any.
    disposition: str | None = None

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
        if self.disposition is not None:
            out["disposition"] = f"annuaire de l'éducation ({self.disposition})"
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


def ips_kind(columns: Iterable[str]) -> str:
    """« école », « collège » or « lycée »: which DEPP IPS file the (renamed) header is.

    Why by header: the three files share their key columns but not their IPS ones. A lycée
    file gives an IPS per track (« IPS voie GT », « IPS voie PRO ») and a « Type de lycée »; a
    collège file gives « Effectifs » and « Ecart-type de l'IPS »; an école file gives one IPS
    and nothing else.
    """
    present = set(columns)
    for kind, markers in IPS_KIND_MARKERS.items():
        if present & set(markers):
            return kind
    return "école"


def load_ips_result(
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """Read a DEPP « IPS des écoles / collèges / lycées » file (one row per UAI and rentrée).

    Why a source of its own: the annuaire export no longer carries the social-position index;
    DEPP publishes it per UAI and school year (headers in words, counts written ``540.0``,
    sector « privé sous contrat »). The kind (:func:`ips_kind`) goes into ``niveau``. For a
    lycée, ``ips`` is the établissement's overall IPS (« IPS Ensemble GT-PRO », from 2023
    « IPS de l'établissement »), the one DEPP gives for the whole lycée whatever its tracks;
    the per-track values stay in ``ips_voie_gt``/``ips_voie_pro``. Key: UAI and rentrée; a row
    without an IPS is rejected. ``mapping``/``constants``: another layout (roles
    :data:`IPS_ROLES`; a file of one rentrée without that column:
    ``constants={"rentree": "2022-2023"}``).
    """
    declared = declare(mapping, constants, IPS_ROLES, path=path)
    raw = read_delimited(
        path,
        required=["uai", "rentree", "ips"],
        encoding=encoding,
        separator=separator,
        rename=IPS_COLUMNS,
        declared=declared,
    )
    kind = ips_kind(raw.columns)
    raw = raw.select(
        *(c for c in raw.columns if c not in META_COLS),
        *(pl.lit(None, dtype=pl.String).alias(c) for c in IPS_ROLES if c not in raw.columns),
        *(c for c in META_COLS if c in raw.columns),
    )
    sectors = secteurs().select("key", pl.col("secteur").alias("_secteur"))
    typed = raw.with_columns(
        *(pl.col(c).alias(f"_{c}_brut") for c in IPS_NUMBERS),
        null_if_empty("uai").str.to_uppercase().alias("uai"),
        null_if_empty("rentree").alias("rentree"),
        null_if_empty("nom").alias("nom"),
        null_if_empty("type_lycee").alias("type_lycee"),
        pl.lit(kind).alias("niveau"),
        departement_code_expr("code_departement").alias("code_departement"),
        academie_key_expr(null_if_empty("secteur")).alias("_secteur_key"),
        *(french_number(c).alias(c) for c in IPS_NUMBERS if c != "effectifs"),
        french_number("effectifs").alias("_effectifs_n"),
    ).join(sectors, left_on="_secteur_key", right_on="key", how="left", maintain_order="left")
    typed = typed.with_columns(
        pl.col("_secteur").alias("secteur"),
        finite_or_null(pl.col("_effectifs_n")).alias("_effectifs_f"),
    ).with_columns(to_int64(pl.col("_effectifs_f")).alias("effectifs"))
    checks = [
        *unreadable_checks({c: f"_{c}_brut" for c in IPS_NUMBERS}),
        *range_checks({"effectifs": pl.col("_effectifs_n")}),
        *(
            (f"nombre hors limites ({c})", pl.col(c).is_infinite() | pl.col(c).is_nan())
            for c in IPS_NUMBERS
            if c != "effectifs"
        ),
        (
            "secteur inconnu",
            pl.col("_secteur_key").is_not_null() & pl.col("secteur").is_null(),
        ),
        ("effectif non entier", pl.col("_effectifs_f") % 1 != 0),
    ]
    result = validate(raw, typed, IpsSchema, key=["uai", "rentree"], checks=checks, table=IPS_TABLE)
    result.layout = declared.record()
    return result


def latest_ips(ips: pl.DataFrame) -> pl.DataFrame:
    """``uai``, ``ips``, ``rentree_ips``: each établissement's IPS of its latest rentrée."""
    return (
        ips.sort("uai", "rentree")
        .group_by("uai", maintain_order=True)
        .agg(pl.col("ips").last(), pl.col("rentree").last().alias("rentree_ips"))
    )


def ips_classes(ips: pl.DataFrame) -> pl.Series:
    """The ``classe_ips`` of each row of an IPS table: its quartile, « Q1 » (lowest) to « Q4 ».

    Why quartiles: DEPP breaks its indicators down by IPS class as the quarters of the
    distribution of the établissements of one kind (« le quart des collèges les plus
    défavorisés »…); the IPS files and the pages consulted give no fixed national thresholds,
    so the classes are computed, per ``niveau`` and ``rentree``, over the établissements of the
    file(s) read. Quartiles as R's default ``quantile(type = 7)`` (Polars ``linear``); a value
    equal to a quartile falls in the lower class (Q1: ips ≤ q1, Q2: ≤ median, Q3: ≤ q3).
    """
    by = ["niveau", "rentree"]
    q = [pl.col("ips").quantile(p, interpolation="linear").over(by) for p in (0.25, 0.5, 0.75)]
    return ips.select(
        pl.when(pl.col("ips") <= q[0])
        .then(pl.lit(CLASSES_IPS[0]))
        .when(pl.col("ips") <= q[1])
        .then(pl.lit(CLASSES_IPS[1]))
        .when(pl.col("ips") <= q[2])
        .then(pl.lit(CLASSES_IPS[2]))
        .when(pl.col("ips").is_not_null())
        .then(pl.lit(CLASSES_IPS[3]))
        .alias("classe_ips")
    ).to_series()


def ips_by_uai(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """``uai``, ``ips``, ``classe_ips``, ``rentree_ips``, ``niveau``: one row per UAI.

    Each table (one per IPS file read) gets its classes first (:func:`ips_classes`), then each
    UAI keeps its latest rentrée; a UAI in two files (never in DEPP's: écoles, collèges and
    lycées have their own UAIs) keeps the latest rentrée, the first file on a tie.
    """
    parts = [
        frame.with_columns(ips_classes(frame), pl.lit(i).alias("_fichier"))
        for i, frame in enumerate(frames)
    ]
    if not parts:
        schema = {"uai": pl.String, "ips": pl.Float64, "classe_ips": pl.String}
        return pl.DataFrame(schema={**schema, "rentree_ips": pl.String, "niveau": pl.String})
    both = pl.concat(
        [p.select("uai", "ips", "classe_ips", "rentree", "niveau", "_fichier") for p in parts]
    )
    return (
        both.sort("uai", "rentree", pl.col("_fichier"), descending=[False, False, True])
        .group_by("uai", maintain_order=True)
        .agg(
            pl.col("ips").last(),
            pl.col("classe_ips").last(),
            pl.col("rentree").last().alias("rentree_ips"),
            pl.col("niveau").last(),
        )
    )


def annuaire_layout(columns: Iterable[str]) -> str | None:
    """« 2023 » or « actuelle »: which layout of the export a header is (None: neither).

    Why: the export renamed some columns since 2023 (see the module docstring); reading both is
    a matter of aliases, but the summary says which was read, so a surprise is visible.
    """
    present = {c.replace("\ufeff", "").strip().lower() for c in columns}
    for layout, markers in LAYOUT_MARKERS.items():
        if present & set(markers):
            return layout
    return None


def load_result(
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    ips: str | Path | Sequence[str | Path] | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> EtablissementResult:
    """Read, clean and validate a directory export; see the module docstring.

    ``ips``: one or several DEPP IPS files, écoles, collèges or lycées
    (:func:`load_ips_result`). Their IPS of the latest rentrée fills ``ips`` by UAI, over the
    export's own column (the 2023 export has none), with its ``classe_ips``
    (:func:`ips_by_uai`); their rejects are their own and do not touch the directory's counts.
    Without an IPS file ``classe_ips`` is empty.

    ``mapping`` (``{role: column}``) and ``constants`` (``{role: value}``): another layout,
    see :mod:`~egn_analytics.loaders._mapping` (roles: :data:`ROLES`). The key columns
    (:data:`KEY_COLUMNS`) must be there, read or declared: a file without them is refused
    naming them; a header alone gives no row and the summary says so.
    """
    declared = declare(mapping, constants, ROLES, path=path)
    raw, header = read_delimited_with_header(
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
    ips_files = [] if ips is None else [ips] if isinstance(ips, str | Path) else list(ips)
    if ips_files:
        by_uai = ips_by_uai([load_ips_result(f).data for f in ips_files]).select(
            "uai", pl.col("ips").alias("_ips_depp"), pl.col("classe_ips").alias("_classe_depp")
        )
        typed = typed.join(by_uai, on="uai", how="left", maintain_order="left").with_columns(
            pl.coalesce("_ips_depp", "ips").alias("ips"),
            pl.when(pl.col("_ips_depp").is_not_null()).then("_classe_depp").alias("classe_ips"),
        )
    else:
        typed = typed.with_columns(pl.lit(None, dtype=pl.String).alias("classe_ips"))
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
        declared.record(), annuaire_layout(header or raw.columns),
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
