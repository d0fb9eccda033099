"""Synthetic établissement directory, in the style of the open-data ``fr-en-annuaire-education``.

Why a generated directory: every other synthetic source (survey sampling frame, ENT users,
headcounts for active rates) hangs off the same établissements, as real files do. The typed
frame (:func:`make_etablissements`) feeds the other generators; the raw file written by
:func:`write_etablissements` carries the quirks of the real export (``;``, UTF-8 with BOM,
zero-padded codes, upper-case labels, decimal commas and ``"94,20%"`` values).

Orders of magnitude (scale 1): about 45,000 écoles, 7,200 collèges, 2,600 lycées and 1,600
lycées professionnels, 12.4 million pupils; EP only in public écoles and collèges (≈ 6 % REP+,
≈ 14 % REP), more frequent in Créteil, Lille, Aix-Marseille and the DROM. These are plausible
hypotheses, not published figures (see ``_data/academies_hypotheses.csv``).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl

from egn_analytics.reference import departements
from egn_analytics.synth.common import SYNTHETIC_TAG, FileRecord, rng_for, write_csv_table

ETAB_FILE = f"etablissements/fr-en-annuaire-education_{SYNTHETIC_TAG}.csv"

#: type, national count at scale 1, private share, log-mean and log-sd of pupils, pupils/teacher
_TYPES: tuple[tuple[str, int, float, float, float, float], ...] = (
    ("Ecole", 45_000, 0.12, 4.80, 0.62, 23.0),
    ("Collège", 7_200, 0.24, 6.15, 0.38, 15.5),
    ("Lycée", 2_600, 0.38, 6.75, 0.45, 12.5),
    ("Lycée professionnel", 1_600, 0.45, 5.95, 0.40, 9.5),
)
_NAMES = (
    "Jean Jaurès", "Jules Ferry", "Victor Hugo", "Louis Pasteur", "Jean Moulin", "Jacques Prévert",
    "Marie Curie", "Paul Langevin", "Jean de La Fontaine", "Albert Camus", "Simone Veil",
    "Pierre et Marie Curie", "Antoine de Saint-Exupéry", "Louise Michel", "Condorcet", "Voltaire",
    "Jean Macé", "Paul Éluard", "Anatole France", "Émile Zola", "Georges Brassens", "Les Tilleuls",
    "Les Marronniers", "Le Bourg", "Du Centre", "Les Cèdres", "Pablo Picasso", "Claude Monet",
    "Olympe de Gouges", "Germaine Tillion", "Lucie Aubrac", "Jean Rostand", "Marcel Pagnol",
    "Arthur Rimbaud", "Gustave Eiffel", "Joliot-Curie", "René Cassin", "Charles Péguy",
)  # fmt: skip
_PRIVATE_NAMES = (
    "Saint-Joseph", "Notre-Dame", "Sainte-Marie", "Saint-Michel", "Jeanne d'Arc", "La Salle",
    "Sainte-Thérèse", "Saint-Exupéry", "Immaculée Conception", "Saint-Louis",
)  # fmt: skip
_COMMUNE_ROOTS = (
    "BEAUMONT", "VILLENEUVE", "MONTAIGU", "FONTAINE", "CHATEAUNEUF", "BELLEVUE", "ROCHEFORT",
    "MONTFORT", "VAUCLAIR", "BOISSIERE", "LA CHAPELLE", "SAINT-MARTIN", "SAINT-DENIS", "SAINTE-MARIE",
    "NEUVILLE", "MARIGNY", "CHAMPAGNE", "BRIEUX", "VALMONT", "LONGPRE", "BEAUVOIR", "MONTREUIL",
    "VILLEFRANCHE", "FRESNES", "ROCHES", "AUBIGNY", "CHARMES", "MOULINS", "SAULX", "VERNEUIL",
)  # fmt: skip
_COMMUNE_SUFFIXES = (
    "", "", "", "-SUR-LOIRE", "-SUR-MER", "-LES-BAINS", "-EN-VALLEE", "-LE-CHATEAU", "-SUR-RIVE",
    "-DU-BOIS", "-LA-FORET", "-EN-PLAINE", "-LE-HAUT", "-LE-BAS",
)  # fmt: skip
_ENT_2D = {
    "11": "Monlycée.net / ENT Île-de-France",
    "32": "ENT Hauts-de-France",
    "84": "ENT Auvergne-Rhône-Alpes",
    "27": "Éclat-BFC",
    "53": "Toutatice",
    "24": "NetO'Centre",
    "94": "ENT Corse",
    "44": "Mon Bureau Numérique",
    "28": "L'Educ de Normandie",
    "75": "Lycée connecté",
    "76": "ENT Occitanie",
    "52": "e-lyco",
    "93": "Atrium",
}
_ENT_1D = ("ONE", "Beneylu School", "ENT 1D académique")
_ENT_DROM = "ENT Outre-mer"
_UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai_check_letter(digits: pl.Expr) -> pl.Expr:
    """Check letter of a UAI from its 7 leading characters (Corse uses 620/720 prefixes)."""
    return pl.lit(_UAI_LETTERS).str.slice(digits.cast(pl.Int64).mod(23), 1)


def _uai_prefix(code_departement: pl.Expr) -> pl.Expr:
    """Three-digit prefix of UAIs: ``0`` + département for metropolitan, 620/720 for Corse."""
    return (
        pl.when(code_departement == "2A")
        .then(pl.lit("620"))
        .when(code_departement == "2B")
        .then(pl.lit("720"))
        .when(code_departement.str.len_chars() == 3)
        .then(code_departement)
        .otherwise(pl.lit("0") + code_departement)
    )


def _hypotheses() -> pl.DataFrame:
    path = files("egn_analytics.synth") / "_data" / "academies_hypotheses.csv"
    with path.open("rb") as fh:
        return pl.read_csv(
            fh.read(),
            separator=";",
            schema={
                "code_academie": pl.String,
                "part_eleves": pl.Float64,
                "propension_ep": pl.Float64,
                "lat": pl.Float64,
                "lon": pl.Float64,
            },
        )


def make_etablissements(seed: int, scale: float = 1.0) -> pl.DataFrame:
    """Typed synthetic directory (one row per établissement), the frame other generators use.

    Columns: uai, nom, type, secteur, code_departement, departement, code_academie, academie,
    code_region_academique, region_academique, zone, code_commune, commune, code_postal, densite,
    ep ("REP+", "REP", "Hors EP"), ips, eleves, enseignants, ordinateurs_100, taux_salles_connectees,
    tres_haut_debit, projet_ent, latitude, longitude.
    """
    rng = rng_for(seed, "etablissements")
    deps = departements().join(_hypotheses(), on="code_academie", how="left")
    # Départements of one académie share its weight with random (but seeded) proportions.
    dep_w = rng.gamma(4.0, 1.0, deps.height)
    deps = deps.with_columns(pl.Series("w", dep_w))
    deps = deps.with_columns(
        (pl.col("part_eleves") * pl.col("w") / pl.col("w").sum().over("code_academie")).alias("w")
    )
    probs = deps.get_column("w").to_numpy()
    probs = probs / probs.sum()

    parts: list[pl.DataFrame] = []
    for type_, n_nat, priv, lmu, lsd, ratio in _TYPES:
        n = max(len(probs), round(n_nat * scale))
        dep_idx = rng.choice(deps.height, size=n, p=probs)
        private = rng.random(n) < priv
        pupils = np.maximum(8, np.round(rng.lognormal(lmu, lsd, n))).astype(np.int64)
        teachers = np.maximum(1, np.round(pupils / (ratio * rng.uniform(0.85, 1.15, n))))
        parts.append(
            pl.DataFrame(
                {
                    "type": [type_] * n,
                    "dep_idx": dep_idx,
                    "secteur": np.where(private, "Privé", "Public"),
                    "eleves": pupils,
                    "enseignants": teachers.astype(np.int64),
                    "u_ep": rng.random(n),
                    "u_ips": rng.standard_normal(n),
                    "u_dens": rng.random(n),
                    "u_name": rng.integers(0, 1_000_000, n),
                    "u_commune": rng.integers(0, 1_000_000, n),
                    "u_eq": rng.standard_normal(n),
                    "u_geo": rng.standard_normal((n, 2)).tolist(),
                }
            )
        )
    df = pl.concat(parts).with_row_index("row")
    df = df.join(
        deps.with_row_index("dep_idx").with_columns(pl.col("dep_idx").cast(pl.Int64)),
        on="dep_idx",
        how="left",
    )

    # Density: écoles are more often rural; lycées sit in towns.
    rural_p = pl.col("type").replace_strict(
        {"Ecole": 0.42, "Collège": 0.25, "Lycée": 0.08, "Lycée professionnel": 0.12},
        return_dtype=pl.Float64,
    )
    df = df.with_columns(
        pl.when(pl.col("u_dens") < rural_p)
        .then(pl.lit("Rural"))
        .when(pl.col("u_dens") < rural_p + 0.33)
        .then(pl.lit("Urbain intermédiaire"))
        .otherwise(pl.lit("Urbain dense"))
        .alias("densite")
    )
    # Éducation prioritaire: public écoles and collèges only, urban more than rural.
    is_ep_type = pl.col("type").is_in(["Ecole", "Collège"]) & (pl.col("secteur") == "Public")
    dens_mult = pl.col("densite").replace_strict(
        {"Urbain dense": 1.5, "Urbain intermédiaire": 0.9, "Rural": 0.35}, return_dtype=pl.Float64
    )
    p_rep_plus = (0.055 * pl.col("propension_ep") * dens_mult).clip(0, 0.6)
    p_rep = (0.13 * pl.col("propension_ep").sqrt() * dens_mult).clip(0, 0.35)
    df = df.with_columns(
        pl.when(is_ep_type & (pl.col("u_ep") < p_rep_plus))
        .then(pl.lit("REP+"))
        .when(is_ep_type & (pl.col("u_ep") < p_rep_plus + p_rep))
        .then(pl.lit("REP"))
        .otherwise(pl.lit("Hors EP"))
        .alias("ep")
    )
    # Social-position index (IPS): mean ~103, lower in EP, higher in private schools.
    ips_mean = (
        pl.col("ep").replace_strict(
            {"REP+": 76.0, "REP": 86.0, "Hors EP": 104.0}, return_dtype=pl.Float64
        )
        + pl.when(pl.col("secteur") == "Privé").then(12.0).otherwise(0.0)
        + pl.when(pl.col("code_academie").is_in(["28", "31", "32", "33", "43"]))
        .then(-10.0)
        .otherwise(0.0)
    )
    df = df.with_columns((ips_mean + 11.0 * pl.col("u_ips")).clip(45, 160).round(1).alias("ips"))
    # Equipment and connectivity: better in lycées, in dense areas and with higher IPS.
    base_pc = pl.col("type").replace_strict(
        {"Ecole": 9.0, "Collège": 22.0, "Lycée": 38.0, "Lycée professionnel": 45.0},
        return_dtype=pl.Float64,
    )
    df = df.with_columns(
        (base_pc * (1 + 0.25 * pl.col("u_eq"))).clip(0.5, 120).round(1).alias("ordinateurs_100"),
        (
            0.75
            + 0.08 * pl.col("u_eq")
            + pl.when(pl.col("densite") == "Rural").then(-0.15).otherwise(0.05)
            + pl.when(pl.col("type") == "Ecole").then(-0.12).otherwise(0.0)
        )
        .clip(0.0, 1.0)
        .round(4)
        .alias("taux_salles_connectees"),
        (
            pl.col("densite").replace_strict(
                {"Urbain dense": 0.85, "Urbain intermédiaire": 0.62, "Rural": 0.33},
                return_dtype=pl.Float64,
            )
            > (pl.col("u_dens") * 7919 % 1)
        ).alias("tres_haut_debit"),
    )
    # ENT project: regional ENT for secondary schools, patchy ENT in écoles.
    ent_2d = pl.col("code_region_academique").replace_strict(
        _ENT_2D, default=pl.lit(_ENT_DROM), return_dtype=pl.String
    )
    ent_1d = (
        pl.when(pl.col("u_name") % 10 < 4)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("u_name") % 10 < 7)
        .then(pl.lit(_ENT_1D[0]))
        .when(pl.col("u_name") % 10 < 8)
        .then(pl.lit(_ENT_1D[1]))
        .otherwise(pl.lit(_ENT_1D[2]) + " " + pl.col("academie"))
    )
    df = df.with_columns(
        pl.when(pl.col("type") == "Ecole").then(ent_1d).otherwise(ent_2d).alias("projet_ent")
    )
    # Names, communes and codes.
    names = pl.Series(_NAMES)
    pnames = pl.Series(_PRIVATE_NAMES)
    prefix = pl.col("type").replace_strict(
        {
            "Ecole": "Ecole primaire",
            "Collège": "Collège",
            "Lycée": "Lycée général et technologique",
            "Lycée professionnel": "Lycée professionnel",
        },
        return_dtype=pl.String,
    )
    df = df.with_columns(
        pl.when(pl.col("secteur") == "Privé")
        .then(
            pl.concat_str(
                [prefix, pl.lit(" privé "), pl.lit(pnames).gather(pl.col("u_name") % len(pnames))]
            )
        )
        .otherwise(
            pl.concat_str(
                [prefix, pl.lit(" "), pl.lit(names).gather(pl.col("u_name") % len(names))]
            )
        )
        .alias("nom"),
        # About 12 communes per 100 schools, at least 5 per département.
        # DROM codes have 2 digits left for the commune (97411), others 3 (01005).
        (
            pl.col("u_commune")
            % pl.min_horizontal(
                pl.len().over("code_departement") // 8 + 5,
                pl.when(pl.col("code_departement").str.len_chars() == 3).then(98).otherwise(998),
            )
        ).alias("commune_no"),
    )
    roots = pl.Series(_COMMUNE_ROOTS)
    sufs = pl.Series(_COMMUNE_SUFFIXES)
    # Not ``Expr.hash``: its values may change between Polars versions (determinism promise).
    dep_hash = (pl.col("dep_idx") * 7919 + seed) % 997
    df = df.with_columns(
        pl.concat_str(
            [
                pl.lit(roots).gather((pl.col("commune_no") * 7 + dep_hash) % len(roots)),
                pl.lit(sufs).gather((pl.col("commune_no") * 3 + dep_hash) % len(sufs)),
                pl.when(pl.col("commune_no") >= len(roots))
                .then(
                    pl.concat_str(
                        [pl.lit(" "), (pl.col("commune_no") // len(roots) + 1).cast(pl.String)]
                    )
                )
                .otherwise(pl.lit("")),
            ]
        ).alias("commune"),
        pl.concat_str(
            [
                pl.col("code_departement"),
                (pl.col("commune_no") + 1)
                .cast(pl.String)
                .str.zfill(5 - pl.col("code_departement").str.len_chars()),
            ]
        ).alias("code_commune"),
    )
    df = df.with_columns(
        pl.concat_str(
            [
                pl.col("code_departement")
                .str.replace("2A", "20")
                .str.replace("2B", "20")
                .str.slice(0, 2),
                pl.when(pl.col("code_departement").str.len_chars() == 3)
                .then(
                    pl.col("code_departement").str.slice(2, 1)
                    + ((pl.col("commune_no") % 9) * 10).cast(pl.String).str.zfill(2)
                )
                .otherwise(((pl.col("commune_no") % 99) * 10).cast(pl.String).str.zfill(3)),
            ]
        ).alias("code_postal"),
        (pl.col("lat") + 0.35 * pl.col("u_geo").list.get(0)).round(5).alias("latitude"),
        (pl.col("lon") + 0.45 * pl.col("u_geo").list.get(1)).round(5).alias("longitude"),
    )
    # UAI: département prefix + 4-digit sequence within the département + check letter.
    df = df.sort("row").with_columns(
        (
            _uai_prefix(pl.col("code_departement"))
            + (pl.int_range(pl.len()).over("code_departement") + 1).cast(pl.String).str.zfill(4)
        ).alias("uai7")
    )
    if df.group_by("code_departement").len()["len"].max() > 9_999:  # type: ignore[operator]
        raise ValueError(
            "échelle trop grande : plus de 9 999 établissements dans un département "
            "(le numéro d'UAI n'a que 4 chiffres)"
        )
    df = df.with_columns((pl.col("uai7") + uai_check_letter(pl.col("uai7"))).alias("uai"))
    return df.select(
        "uai", "nom", "type", "secteur", "code_departement", "departement", "code_academie",
        "academie", "code_region_academique", "region_academique", "zone", "code_commune",
        "commune", "code_postal", "densite", "ep", "ips", "eleves", "enseignants",
        "ordinateurs_100", "taux_salles_connectees", "tres_haut_debit", "projet_ent",
        "latitude", "longitude",
    ).sort("uai")  # fmt: skip


def _decimal_comma(expr: pl.Expr, decimals: int) -> pl.Expr:
    """Fixed-decimals string with a decimal comma (``103,4``), as French open data writes it."""
    scaled = (expr * 10**decimals).round(0).cast(pl.Int64)
    whole = (scaled // 10**decimals).cast(pl.String)
    frac = (scaled % 10**decimals).cast(pl.String).str.zfill(decimals)
    return whole + "," + frac


def to_directory_export(df: pl.DataFrame) -> pl.DataFrame:
    """Typed frame → columns and string conventions of the official directory export."""
    return df.select(
        pl.col("uai").alias("identifiant_de_l_etablissement"),
        pl.col("nom").alias("nom_etablissement"),
        pl.col("type").alias("type_etablissement"),
        pl.col("secteur").alias("statut_public_prive"),
        pl.col("code_postal"),
        pl.col("code_commune"),
        pl.col("commune").alias("nom_commune"),
        pl.col("code_departement").str.zfill(3).alias("code_departement"),
        pl.col("departement").str.to_uppercase().alias("libelle_departement"),
        pl.col("code_academie"),
        pl.col("academie").str.to_uppercase().alias("libelle_academie"),
        pl.col("code_region_academique"),
        pl.col("region_academique").str.to_uppercase().alias("libelle_region_academique"),
        pl.col("ep").replace({"Hors EP": None}).alias("appartenance_education_prioritaire"),
        _decimal_comma(pl.col("ips"), 1).alias("indice_position_sociale"),
        pl.col("densite").alias("densite_commune"),
        pl.col("eleves").alias("nombre_d_eleves"),
        pl.col("enseignants").alias("nombre_d_enseignants"),
        _decimal_comma(pl.col("ordinateurs_100"), 1).alias("ordinateurs_pour_100_eleves"),
        (_decimal_comma(pl.col("taux_salles_connectees") * 100, 2) + "%").alias(
            "taux_salles_connectees"
        ),
        pl.when(pl.col("tres_haut_debit"))
        .then(pl.lit("OUI"))
        .otherwise(pl.lit("NON"))
        .alias("acces_tres_haut_debit"),
        pl.col("projet_ent"),
        pl.col("latitude"),
        pl.col("longitude"),
        pl.lit(SYNTHETIC_TAG).alias("donnees"),
    )


def write_etablissements(df: pl.DataFrame, out_dir: Path) -> FileRecord:
    """Write the directory export (``;``, UTF-8 with BOM) atomically and describe it."""
    return write_csv_table(
        to_directory_export(df),
        out_dir / ETAB_FILE,
        out_dir,
        "etablissements",
        "Annuaire des écoles, collèges et lycées (format fr-en-annuaire-education)",
        include_bom=True,
    )
