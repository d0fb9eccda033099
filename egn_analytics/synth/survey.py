"""Synthetic DEPP survey microdata (May-June 2020), with a real sampling design and codebooks.

What a DEPP statistician receives, and so what we generate, per population:

* a stratified two-stage sample: établissements drawn by simple random sampling within strata
  (région académique × type × sector × éducation prioritaire, REP+ and REP over-sampled), then
  people within each sampled établissement; non-response at the second stage (≈ 25 % response
  for pupils, parents and teachers, ≈ 72 % for school heads);
* design columns: ``strate``, ``uai`` (PSU), ``poids`` = (N_h / n_h) × (M_i / r_i) — the
  inverse inclusion probability corrected for non-response within the établissement (school
  heads, one per établissement: ``poids`` = N_h / r_h) — and ``fpc`` = N_h (établissements in
  the stratum), plus ``nb_unites_etab`` = M_i for a two-stage fpc. In R, the recommended
  design is ``svydesign(ids=~uai, strata=~strate, weights=~poids)`` (PSUs treated as drawn
  with replacement: slightly conservative). Adding ``fpc=~fpc`` alone *underestimates* the
  variance, since the second stage is then ignored (strata sampled exhaustively contribute
  nothing); the full two-stage form ``ids=~uai+id, fpc=~fpc+nb_unites_etab`` needs
  ``options(survey.lonely.psu="adjust")`` because many établissements have one respondent;
* answers coded as integers with value labels (1 = Oui, 2 = Non…), some item non-response, in a
  ``;`` CSV with decimal commas and in an SPSS ``.sav`` carrying variable and value labels, plus
  a codebook CSV.

Calibration: answers come from a latent-score model (covariates such as social background, EP,
level, sex, rurality, plus shared latent factors so that answers correlate as they should).
Thresholds are then solved so that the *weighted* estimates computed from the respondents hit the
targets of ``_data/calibration_enquetes.csv`` (published DEPP figures, or stated hypotheses where
no figure is published). Several targets on overlapping domains of one variable are met jointly
by cyclic coordinate updates (the same idea as raking), each update being an exact weighted
quantile, so the solution needs no optimiser and is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl

from egn_analytics.io import atomic_path
from egn_analytics.synth.common import SYNTHETIC_TAG, FileRecord, file_record, rng_for

SURVEY_DIR = "enquetes"
YES_NO = {1: "Oui", 2: "Non"}
SATISFACTION = {1: "Très satisfait", 2: "Plutôt satisfait", 3: "Plutôt pas satisfait", 4: "Pas du tout satisfait"}  # fmt: skip
AGREEMENT = {1: "Tout à fait", 2: "Plutôt", 3: "Plutôt pas", 4: "Pas du tout"}
FREQUENCY = {
    1: "Tous les jours", 2: "Plusieurs fois par semaine", 3: "Une fois par semaine",
    4: "Moins souvent", 5: "Jamais",
}  # fmt: skip
TYPE_ETAB = {
    1: "Collège",
    2: "Lycée général et technologique",
    3: "Lycée professionnel",
    4: "École",
}
_TYPE_CODE = {"Collège": 1, "Lycée": 2, "Lycée professionnel": 3, "Ecole": 4}
SECTEUR = {1: "Public", 2: "Privé sous contrat"}
EP = {1: "REP+", 2: "REP", 3: "Hors éducation prioritaire"}
DENSITE = {1: "Urbain dense", 2: "Urbain intermédiaire", 3: "Rural"}
SEXE = {1: "Fille", 2: "Garçon"}
SEXE_ADULTE = {1: "Femme", 2: "Homme"}
MILIEU = {1: "Très favorisé", 2: "Favorisé", 3: "Moyen", 4: "Défavorisé"}
NIVEAU_SCOLAIRE = {1: "Très bon élève", 2: "Bon élève", 3: "Élève moyen", 4: "Élève en difficulté"}
NIVEAU = {
    1: "6e", 2: "5e", 3: "4e", 4: "3e", 5: "Seconde générale et technologique", 6: "Première",
    7: "Terminale", 8: "CAP", 9: "Seconde professionnelle", 10: "Première professionnelle",
    11: "Terminale professionnelle",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Item:
    """One questionnaire variable: its label, value labels, latent model and default shares."""

    name: str
    label: str
    values: dict[int, str] | None  # None for a numeric variable
    base: tuple[float, ...] = ()  # default share of each level when no target pins a cut
    effects: Callable[[pl.DataFrame], np.ndarray] | None = None  # propensity for LOW codes
    factor: str | None = None  # shared latent factor ("equip", "engage", "school")
    loading: float = 0.0
    missing: float = 0.0  # item non-response rate
    numeric: tuple[str, float, float, float] | None = None  # (kind, scale, lo, hi)


@dataclass(frozen=True, slots=True)
class Population:
    """A surveyed population: frame, units per établissement, sample sizes and questionnaire."""

    key: str
    title: str
    frame_types: tuple[str, ...]
    unit_col: str | None  # column of établissement counts (None: one unit per établissement)
    n_psu: int  # établissements sampled at scale 1
    m_per_psu: int  # people sampled per établissement
    response: float
    items: tuple[Item, ...] = field(default_factory=tuple)
    covariates: Callable[[pl.DataFrame, np.random.Generator], pl.DataFrame] | None = None


def _col(df: pl.DataFrame, name: str) -> np.ndarray:
    return df.get_column(name).to_numpy()


def _pupil_covariates(df: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Sex, class level, social background (from the school's IPS) and perceived level."""
    n = df.height
    type_code = _col(df, "type_etab")
    ips = _col(df, "ips")
    u = rng.random(n)
    niveau = np.select(
        [type_code == 1, type_code == 2],
        [1 + np.floor(u * 4), 5 + np.floor(u * 3)],
        default=8 + np.floor(u * 4),
    ).astype(np.int64)
    latent = (ips - 103.0) / 14.0 + rng.standard_normal(n)
    milieu = (
        1 + (latent < 0.75).astype(int) + (latent < 0.35).astype(int) + (latent < -0.35).astype(int)
    )
    ability = 0.35 * (2.5 - milieu) + rng.standard_normal(n)
    niveau_scolaire = (
        1 + (ability < 1.0).astype(int) + (ability < 0.0).astype(int) + (ability < -1.1).astype(int)
    )
    sexe = np.where(rng.random(n) < 0.49, 1, 2)
    return df.with_columns(
        pl.Series("sexe", sexe, dtype=pl.Int64),
        pl.Series("niveau", niveau, dtype=pl.Int64),
        pl.Series("milieu_social", milieu, dtype=pl.Int64),
        pl.Series("niveau_scolaire", niveau_scolaire, dtype=pl.Int64),
    )


def _adult_covariates(df: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Teachers and heads: sex and age band."""
    n = df.height
    female = rng.random(n) < np.where(_col(df, "type_etab") == 4, 0.84, 0.59)
    age = 1 + np.searchsorted([0.12, 0.40, 0.72], rng.random(n))
    return df.with_columns(
        pl.Series("sexe", np.where(female, 1, 2), dtype=pl.Int64),
        pl.Series("tranche_age", age, dtype=pl.Int64),
    )


def _parent_covariates(df: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    out = _pupil_covariates(df, rng)
    return out.with_columns(
        pl.Series("sexe_repondant", np.where(rng.random(df.height) < 0.78, 1, 2), dtype=pl.Int64)
    )


def _bg(df: pl.DataFrame) -> np.ndarray:
    """Social advantage score: 1.5 (très favorisé) … -1.5 (défavorisé), centred.

    Adult populations have no family background column: the school's IPS stands in for it.
    """
    if "milieu_social" in df.columns:
        return (2.5 - _col(df, "milieu_social")) * 1.0
    return (_col(df, "ips") - 100.0) / 15.0


def _ep(df: pl.DataFrame) -> np.ndarray:
    return np.select([_col(df, "ep") == 1, _col(df, "ep") == 2], [1.0, 0.5], 0.0)


def _rural(df: pl.DataFrame) -> np.ndarray:
    return (_col(df, "densite") == 3).astype(float)


def _yes(name: str, label: str, effects: Callable[[pl.DataFrame], np.ndarray] | None = None,
         factor: str | None = None, loading: float = 0.0, missing: float = 0.0, base: float = 0.5) -> Item:  # fmt: skip
    return Item(name, label, YES_NO, (base, 1 - base), effects, factor, loading, missing)


_EQUIPMENT_ITEMS: tuple[Item, ...] = (
    Item("ordinateur", "Ordinateur à la maison utilisable pour le travail scolaire",
         {1: "Oui, personnel", 2: "Oui, partagé", 3: "Non"}, (0.42, 0.50, 0.08),
         lambda d: 0.55 * _bg(d) - 0.35 * _ep(d) - 0.3 * _rural(d), "equip", 0.8, 0.01),
    _yes("tablette", "Tablette au foyer", lambda d: 0.3 * _bg(d), "equip", 0.6, base=0.55),
    _yes("smartphone", "Smartphone à disposition", lambda d: 0.1 * _bg(d), "equip", 0.3, base=0.94),
    Item("connexion", "Qualité de la connexion internet à la maison",
         {1: "Bonne", 2: "Moyenne", 3: "Mauvaise", 4: "Pas de connexion"}, (0.55, 0.30, 0.12, 0.03),
         lambda d: 0.35 * _bg(d) - 0.5 * _rural(d), "equip", 0.6, 0.01),
)  # fmt: skip

_TOOLS = (
    ("outil_ent", "A utilisé l'ENT de l'établissement"),
    ("outil_messagerie", "A utilisé la messagerie électronique"),
    ("outil_classe_virtuelle", "A participé à des classes virtuelles"),
    ("outil_telephone", "A eu des contacts par téléphone"),
    ("outil_cned", "A utilisé « Ma classe à la maison » (CNED)"),
)


def _tool_items(names: tuple[str, ...]) -> tuple[Item, ...]:
    return tuple(
        _yes(n, lbl, lambda d: 0.25 * _bg(d), "equip", 0.3, 0.005)
        for n, lbl in _TOOLS
        if n in names
    )


POPULATIONS: tuple[Population, ...] = (
    Population(
        "eleves_2d", "Élèves de collège et de lycée", ("Collège", "Lycée", "Lycée professionnel"),
        "eleves", 1_600, 60, 0.25,
        (
            *_EQUIPMENT_ITEMS,
            Item("temps_travail", "Temps consacré chaque jour au travail scolaire",
                 {1: "Moins d'une heure", 2: "D'une heure à moins de deux heures",
                  3: "De deux heures à moins de trois heures", 4: "Trois heures ou plus"},
                 (0.12, 0.20, 0.28, 0.40),
                 lambda d: -0.35 * _bg(d) + 0.4 * (_col(d, "niveau_scolaire") - 2.5), "engage", 0.8, 0.01),
            Item("autonomie", "Autonomie dans le travail scolaire",
                 {1: "Totalement autonome", 2: "Plutôt autonome", 3: "Peu autonome", 4: "Pas du tout autonome"},
                 (0.25, 0.45, 0.22, 0.08),
                 lambda d: -0.5 * (_col(d, "niveau_scolaire") - 2.5) + 0.3 * (_col(d, "sexe") == 1),
                 "engage", -0.5, 0.01),
            _yes("aide_famille", "A été aidé par sa famille", lambda d: 0.3 * _bg(d), None, 0.0, 0.01, 0.64),
            _yes("manque_motivation", "A manqué de motivation", lambda d: 0.3 * (_col(d, "niveau_scolaire") - 2.5),
                 "engage", 0.7, 0.01, 0.33),
            _yes("travail_facile_maison", "A pu travailler facilement à la maison",
                 lambda d: 0.5 * _bg(d) - 0.6 * _ep(d), "equip", -0.5, 0.01, 0.72),
            Item("contacts_enseignants", "Fréquence des contacts avec les enseignants", FREQUENCY,
                 (0.30, 0.42, 0.17, 0.08, 0.03), lambda d: 0.25 * _bg(d), "school", 0.7, 0.01),
            *_tool_items(("outil_ent", "outil_messagerie", "outil_classe_virtuelle", "outil_cned")),
            Item("satisfaction", "Satisfaction à l'égard de l'enseignement à distance", SATISFACTION,
                 (0.22, 0.48, 0.20, 0.10), lambda d: 0.15 * _bg(d), "school", 0.6, 0.02),
        ),
        _pupil_covariates,
    ),
    Population(
        "parents_2d", "Parents d'élèves de collège et de lycée", ("Collège", "Lycée", "Lycée professionnel"),
        "eleves", 1_600, 60, 0.22,
        (
            *_EQUIPMENT_ITEMS,
            Item("activites_profitables", "Les activités proposées ont été profitables à l'enfant",
                 AGREEMENT, (0.30, 0.50, 0.14, 0.06), lambda d: 0.2 * _bg(d), "school", 0.7, 0.01),
            _yes("difficulte_suivi", "A eu des difficultés à suivre la scolarité de l'enfant",
                 lambda d: -0.45 * _bg(d) + 0.3 * _ep(d), "equip", -0.5, 0.01, 0.35),
            *_tool_items(("outil_ent", "outil_messagerie", "outil_telephone", "outil_cned")),
            Item("contacts_enseignants", "Fréquence des contacts avec les enseignants", FREQUENCY,
                 (0.30, 0.42, 0.17, 0.08, 0.03), lambda d: 0.25 * _bg(d), "school", 0.7, 0.01),
            Item("satisfaction", "Satisfaction à l'égard de la continuité pédagogique", SATISFACTION,
                 (0.24, 0.50, 0.18, 0.08), lambda d: 0.15 * _bg(d), "school", 0.6, 0.02),
        ),
        _parent_covariates,
    ),
    Population(
        "enseignants_1d", "Professeurs des écoles", ("Ecole",), "enseignants", 4_000, 10, 0.24,
        (
            Item("part_classe_suivie", "Part de la classe que l'enseignant a pu suivre (en %)", None,
                 effects=lambda d: (_col(d, "ips") - 100) / 25, factor="school", loading=0.6,
                 missing=0.01, numeric=("share", 100.0, 0.0, 100.0)),
            _yes("eleves_appris", "Pense que les élèves ont appris de façon satisfaisante",
                 lambda d: (_col(d, "ips") - 100) / 40, "school", 0.6, 0.01, 0.7),
            Item("heures_semaine", "Heures travaillées par semaine", None, factor="engage", loading=0.5,
                 missing=0.02, numeric=("linear", 7.0, 5.0, 80.0)),
            _yes("ordinateur_perso", "A utilisé son ordinateur personnel", None, "equip", 0.4, 0.0, 0.95),
            *_tool_items(tuple(n for n, _ in _TOOLS)),
            _yes("formation_numerique", "Formé au numérique au cours des trois dernières années", None,
                 "equip", 0.3, 0.01, 0.3),
            Item("satisfaction", "Satisfaction à l'égard de la continuité pédagogique", SATISFACTION,
                 (0.15, 0.50, 0.25, 0.10), None, "school", 0.6, 0.02),
        ),
        _adult_covariates,
    ),
    Population(
        "enseignants_2d", "Professeurs de collège et de lycée", ("Collège", "Lycée", "Lycée professionnel"),
        "enseignants", 2_500, 16, 0.22,
        (
            Item("part_classe_suivie", "Part de la classe que l'enseignant a pu suivre (en %)", None,
                 effects=lambda d: (_col(d, "ips") - 100) / 25 - 0.4 * (_col(d, "type_etab") == 3),
                 factor="school", loading=0.6, missing=0.01, numeric=("share", 100.0, 0.0, 100.0)),
            _yes("eleves_appris", "Pense que les élèves ont appris de façon satisfaisante",
                 lambda d: (_col(d, "ips") - 100) / 40, "school", 0.6, 0.01, 0.65),
            Item("heures_semaine", "Heures travaillées par semaine", None, factor="engage", loading=0.5,
                 missing=0.02, numeric=("linear", 8.0, 5.0, 80.0)),
            _yes("ordinateur_perso", "A utilisé son ordinateur personnel", None, "equip", 0.4, 0.0, 0.96),
            *_tool_items(tuple(n for n, _ in _TOOLS)),
            _yes("formation_numerique", "Formé au numérique au cours des trois dernières années", None,
                 "equip", 0.3, 0.01, 0.35),
            Item("satisfaction", "Satisfaction à l'égard de la continuité pédagogique", SATISFACTION,
                 (0.12, 0.48, 0.28, 0.12), None, "school", 0.6, 0.02),
        ),
        _adult_covariates,
    ),
    Population(
        "chefs_etablissement", "Directeurs d'école et chefs d'établissement",
        ("Ecole", "Collège", "Lycée", "Lycée professionnel"), None, 12_000, 1, 0.72,
        (
            Item("part_sans_contact", "Part des élèves sans contact avec l'établissement (en %)", None,
                 effects=lambda d: -(_col(d, "ips") - 100) / 20, factor="school", loading=0.6,
                 missing=0.01, numeric=("share", 100.0, 0.0, 100.0)),
            _yes("ent_disponible", "L'établissement dispose d'un ENT",
                 lambda d: 1.5 * (_col(d, "type_etab") != 4), None, 0.0, 0.0, 0.75),
            _yes("incident_ent_16mars", "Difficultés d'accès aux outils numériques le 16 mars", None,
                 "school", 0.3, 0.01, 0.55),
            _yes("pret_materiel", "L'établissement a prêté du matériel aux familles",
                 lambda d: 0.8 * _ep(d), None, 0.0, 0.01, 0.45),
            Item("difficulte_equipement", "Difficultés d'équipement des familles", AGREEMENT,
                 (0.15, 0.35, 0.35, 0.15), lambda d: -(_col(d, "ips") - 100) / 25, "equip", 0.5, 0.01),
            Item("satisfaction", "Satisfaction à l'égard de la continuité pédagogique", SATISFACTION,
                 (0.20, 0.50, 0.22, 0.08), None, "school", 0.6, 0.02),
        ),
        _adult_covariates,
    ),
)  # fmt: skip

#: Design and context columns present in every survey file, with their labels.
DESIGN_LABELS: dict[str, tuple[str, dict[int, str] | None]] = {
    "id": ("Identifiant du répondant", None),
    "strate": ("Strate de tirage (région académique × type × secteur × EP)", None),
    "uai": ("UAI de l'établissement (unité primaire)", None),
    "poids": ("Poids de sondage final (corrigé de la non-réponse)", None),
    "fpc": ("Nombre d'établissements de la strate (N_h, correction de population finie)", None),
    "nb_unites_etab": ("Nombre de personnes de la population dans l'établissement (M_i)", None),
    "code_academie": ("Code de l'académie", None),
    "code_region_academique": ("Code de la région académique", None),
    "type_etab": ("Type d'établissement", TYPE_ETAB),
    "secteur": ("Secteur", SECTEUR),
    "ep": ("Éducation prioritaire", EP),
    "densite": ("Densité de la commune", DENSITE),
    "sexe": ("Sexe", SEXE),
    "sexe_repondant": ("Sexe du parent répondant", SEXE_ADULTE),
    "tranche_age": ("Tranche d'âge", {1: "Moins de 30 ans", 2: "30 à 39 ans", 3: "40 à 49 ans", 4: "50 ans ou plus"}),
    "niveau": ("Niveau de classe", NIVEAU),
    "milieu_social": ("Milieu social (PCS du responsable)", MILIEU),
    "niveau_scolaire": ("Niveau scolaire déclaré", NIVEAU_SCOLAIRE),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Target:
    """One calibration target read from ``calibration_enquetes.csv``."""

    survey: str
    variable: str
    levels: tuple[int, ...]
    domain: str
    value: float
    measure: str  # "proportion" | "moyenne"
    status: str  # "publié" | "hypothèse"
    source: str


def calibration_targets() -> pl.DataFrame:
    """The calibration targets as a table (published figures and stated hypotheses)."""
    path = files("egn_analytics.synth") / "_data" / "calibration_enquetes.csv"
    with path.open("rb") as fh:
        return pl.read_csv(
            fh.read(),
            separator=";",
            schema={
                "enquete": pl.String,
                "variable": pl.String,
                "niveaux": pl.String,
                "domaine": pl.String,
                "cible": pl.Float64,
                "mesure": pl.String,
                "statut": pl.String,
                "source": pl.String,
            },
        )


def domain_expr(domain: str | None) -> pl.Expr:
    """Parse the tiny domain language of the targets: ``var=1|2&other=3`` → Polars expression."""
    expr = pl.lit(True)
    if not domain:
        return expr
    for clause in domain.split("&"):
        var, _, vals = clause.partition("=")
        expr = expr & pl.col(var.strip()).is_in([int(v) for v in vals.split("|")])
    return expr


def domain_mask(df: pl.DataFrame, domain: str | None) -> np.ndarray:
    """Boolean numpy mask of the rows of ``df`` in ``domain`` (nulls count as outside)."""
    if not domain:
        return np.ones(df.height, dtype=bool)
    return df.select(domain_expr(domain).fill_null(False)).to_series().to_numpy()


def _targets_for(key: str) -> list[Target]:
    rows = calibration_targets().filter(pl.col("enquete") == key).to_dicts()
    return [
        Target(
            r["enquete"],
            r["variable"],
            tuple(int(v) for v in r["niveaux"].split("|")) if r["niveaux"] else (),
            r["domaine"] or "",
            r["cible"],
            r["mesure"],
            r["statut"],
            r["source"],
        )
        for r in rows
    ]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest value v such that the weighted share of ``values < v`` reaches ``q``.

    Placed halfway between two consecutive sorted values, so ``values < v`` selects exactly
    the units whose cumulated weight first reaches ``q`` (scores are continuous draws, so
    ties have probability zero; with ties the share may overshoot by the tied weight).
    """
    order = np.argsort(values, kind="stable")
    v = values[order]
    cw = np.cumsum(weights[order])
    cw /= cw[-1]
    k = int(np.searchsorted(cw, q, side="left"))
    if k >= len(v) - 1:
        return float(v[-1] + 1.0)
    if q <= 0:
        return float(v[0] - 1.0)
    return float((v[k] + v[k + 1]) / 2)


def solve_thresholds(
    score: np.ndarray,
    weights: np.ndarray,
    constraints: list[tuple[np.ndarray, float]],
    sweeps: int = 60,
) -> np.ndarray:
    """Per-unit thresholds θ_i = Σ_c δ_c·1[i ∈ D_c] so that share(score < θ | D_c) = t_c.

    Cyclic coordinate updates: each δ_c is the exact weighted quantile of the score net of the
    other offsets over its domain. Consistent targets converge (as raking does); for slightly
    inconsistent published figures it settles on a compromise within their rounding.
    """
    deltas = np.zeros(len(constraints))
    masks = [m for m, _ in constraints]
    for _ in range(sweeps):
        previous = deltas.copy()
        for c, (mask, target) in enumerate(constraints):
            other = sum(
                (deltas[j] * masks[j] for j in range(len(constraints)) if j != c),
                start=np.zeros_like(score),
            )
            deltas[c] = weighted_quantile((score - other)[mask], weights[mask], target)
        if np.max(np.abs(deltas - previous)) < 1e-9:
            break
    return sum((deltas[j] * masks[j] for j in range(len(constraints))), start=np.zeros_like(score))


#: Respondent id prefixes, distinct across files (teacher files are stacked for « all teachers »).
_ID_PREFIX = {
    "eleves_2d": "EL2",
    "parents_2d": "PA2",
    "enseignants_1d": "EN1",
    "enseignants_2d": "EN2",
    "chefs_etablissement": "CHE",
}
_TYPE_STRATUM = {"Ecole": "ECO", "Collège": "COL", "Lycée": "LGT", "Lycée professionnel": "LP"}


def _merge_singletons(frame: pl.DataFrame, within: str) -> pl.DataFrame:
    """Move the établissements of one-PSU strata into the largest stratum of ``within``."""
    largest = (
        frame.group_by(within, "strate")
        .len()
        .sort("len", "strate", descending=True)
        .group_by(within, maintain_order=True)
        .agg(pl.first("strate").alias("largest"))
    )
    return (
        frame.join(largest, on=within)
        .with_columns(
            pl.when(pl.len().over("strate") < 2)
            .then(pl.col("largest"))
            .otherwise(pl.col("strate"))
            .alias("strate")
        )
        .drop("largest")
    )


def _sample(
    frame: pl.DataFrame, pop: Population, scale: float, rng: np.random.Generator
) -> pl.DataFrame:
    """Stratified two-stage sample with non-response; returns one row per respondent."""
    ep_part = (
        pl.when(pl.col("type").is_in(["Ecole", "Collège"]) & (pl.col("secteur") == "Public"))
        .then(pl.col("ep"))
        .otherwise(pl.lit("-"))
    )
    frame = frame.with_columns(
        pl.concat_str(
            [
                pl.col("code_region_academique"),
                pl.col("type").replace_strict(_TYPE_STRATUM, return_dtype=pl.String),
                pl.col("secteur").replace_strict({"Public": "PU", "Privé": "PR"}),
                ep_part,
            ],
            separator="-",
        ).alias("strate"),
        (pl.col(pop.unit_col) if pop.unit_col else pl.lit(1)).cast(pl.Int64).alias("M"),
    )
    # Every stratum needs at least two PSUs for its variance: singletons join their region's
    # largest stratum, and (a region with a single établissement) then the national largest.
    frame = _merge_singletons(frame, "code_region_academique")
    frame = _merge_singletons(frame.with_columns(_all=pl.lit("FR")), "_all").drop("_all")
    oversample = pl.col("ep").replace_strict(
        {"REP+": 3.0, "REP": 1.5}, default=1.0, return_dtype=pl.Float64
    )
    strata = (
        frame.group_by("strate")
        .agg(pl.len().alias("N_h"), (pl.col("M") * oversample).sum().alias("size"))
        .sort("strate")
    )
    n_total = max(2 * strata.height, round(pop.n_psu * scale))
    alloc = (pl.col("size") / pl.col("size").sum() * n_total).round(0).cast(pl.Int64)
    strata = strata.with_columns(
        pl.min_horizontal(pl.max_horizontal(alloc, pl.lit(2)), pl.col("N_h")).alias("n_h")
    )
    bad = strata.filter((pl.col("N_h") < 2) | (pl.col("n_h") > pl.col("N_h")))
    if not bad.is_empty():
        raise ValueError(
            f"plan de sondage invalide (N_h < 2 ou n_h > N_h) : {', '.join(bad['strate'])}"
        )
    frame = frame.join(strata.select("strate", "N_h", "n_h"), on="strate").sort("uai")
    frame = frame.with_columns(pl.Series("key", rng.random(frame.height)))
    psu = frame.filter(pl.col("key").rank("ordinal").over("strate") <= pl.col("n_h"))
    # Second stage: m people per établissement (all of them if fewer), then response.
    psu = psu.with_columns(pl.min_horizontal(pl.col("M"), pl.lit(pop.m_per_psu)).alias("m"))
    people = psu.with_columns(pl.int_ranges(0, pl.col("m")).alias("k")).explode("k")
    responded = rng.random(people.height) < pop.response
    people = people.with_columns(pl.Series("resp", responded))
    if pop.unit_col is None:
        # One person per établissement (heads): non-response removes the PSU; keep at least two
        # respondents per stratum, and reweight within the stratum: poids = N_h / r_h.
        people = people.filter(pl.col("resp") | (pl.col("key").rank("ordinal").over("strate") <= 2))
        people = people.with_columns(pl.len().over("strate").alias("r_h"))
        return people.with_columns(
            (pl.col("N_h") / pl.col("r_h")).alias("poids"),
            pl.col("N_h").alias("fpc"),
            pl.col("M").alias("nb_unites_etab"),
        )
    # Keep at least one respondent per sampled établissement (its first sampled person).
    people = people.filter(
        pl.col("resp") | ((pl.col("k") == 0) & ~pl.col("resp").any().over("uai"))
    )
    people = people.with_columns(pl.len().over("uai").alias("r"))
    return people.with_columns(
        (pl.col("N_h") / pl.col("n_h") * pl.col("M") / pl.col("r")).alias("poids"),
        pl.col("N_h").alias("fpc"),
        pl.col("M").alias("nb_unites_etab"),
    )


def _answers(df: pl.DataFrame, pop: Population, rng: np.random.Generator) -> pl.DataFrame:
    """Draw every item from its latent model, then solve thresholds to meet the targets."""
    n = df.height
    w = _col(df, "poids").astype(float)
    factors = {k: rng.standard_normal(n) for k in ("equip", "engage", "school")}
    # Établissement-level shared component of the "school" factor (intra-class correlation).
    uai_codes = df.get_column("uai").rank("dense").to_numpy().astype(np.int64) - 1
    school_effect = rng.standard_normal(int(uai_codes.max()) + 1)[uai_codes]
    factors["school"] = 0.6 * school_effect + 0.8 * factors["school"]
    targets = _targets_for(pop.key)
    columns: dict[str, np.ndarray] = {}
    for item in pop.items:
        eta = (
            item.effects(df.with_columns(**{k: pl.Series(v) for k, v in columns.items()}))
            if item.effects
            else 0.0
        )
        noise = rng.standard_normal(n)
        common = factors[item.factor] if item.factor else np.zeros(n)
        score = eta + item.loading * common + np.sqrt(max(1 - item.loading**2, 0.2)) * noise
        current = df.with_columns(**{k: pl.Series(v) for k, v in columns.items()})
        item_targets = [t for t in targets if t.variable == item.name]
        if item.numeric:
            columns[item.name] = _numeric_item(item, score, w, current, item_targets)
        else:
            columns[item.name] = _categorical_item(item, score, w, current, item_targets)
    out = df.with_columns(**{k: pl.Series(k, v) for k, v in columns.items()})
    # Item non-response (missing completely at random), after calibration.
    missing_cols = []
    for item in pop.items:
        if item.missing > 0:
            miss = rng.random(n) < item.missing
            missing_cols.append(
                pl.when(pl.Series(miss)).then(None).otherwise(pl.col(item.name)).alias(item.name)
            )
    return out.with_columns(missing_cols) if missing_cols else out


def _categorical_item(
    item: Item, score: np.ndarray, w: np.ndarray, current: pl.DataFrame, targets: list[Target]
) -> np.ndarray:
    """Ordered levels 1..K: level > k iff score < θ_k (high score → low codes)."""
    assert item.values is not None
    k_levels = len(item.values)
    cum = np.cumsum(item.base)
    level = np.ones(len(score), dtype=np.int64)
    above_prev = np.ones(len(score), dtype=bool)
    for k in range(1, k_levels):
        # Constraints on this cut: targets whose level set is {1..k} (share ≤ k) or {k+1..K}.
        cons: list[tuple[np.ndarray, float]] = []
        for t in targets:
            lv = set(t.levels)
            mask = domain_mask(current, t.domain)
            if mask.sum() < 30:
                continue
            if lv == set(range(1, k + 1)):
                cons.append((mask, 1.0 - t.value))
            elif lv == set(range(k + 1, k_levels + 1)):
                cons.append((mask, t.value))
        if not cons or not np.logical_or.reduce([m for m, _ in cons]).all():
            # A baseline on the whole sample pins the cut where no target says otherwise.
            cons.insert(0, (np.ones(len(score), dtype=bool), float(1.0 - cum[k - 1])))
        theta = solve_thresholds(score, w, cons)
        above = (score < theta) & above_prev
        level += above
        above_prev = above
    return level


def _numeric_item(
    item: Item, score: np.ndarray, w: np.ndarray, current: pl.DataFrame, targets: list[Target]
) -> np.ndarray:
    """Numeric answers whose weighted mean over the sample equals the target (bisection)."""
    assert item.numeric is not None
    kind, spread, lo, hi = item.numeric
    target = next((t.value for t in targets if not t.domain), None)
    if target is None:
        raise ValueError(f"pas de cible pour la variable numérique {item.name}")

    def values(shift: float) -> np.ndarray:
        if kind == "share":
            return np.clip(np.round(spread / (1 + np.exp(-(shift + 1.2 * score)))), lo, hi)
        return np.clip(np.round(shift + spread * score), lo, hi)

    a, b = -50.0, 150.0
    for _ in range(100):
        mid = (a + b) / 2
        if np.average(values(mid), weights=w) < target:
            a = mid
        else:
            b = mid
    return values((a + b) / 2).astype(np.int64)


def make_survey(etab: pl.DataFrame, pop: Population, seed: int, scale: float = 1.0) -> pl.DataFrame:
    """One survey's respondents table (typed, codes as integers), sorted by ``id``."""
    rng = rng_for(seed, f"survey:{pop.key}")
    frame = etab.filter(pl.col("type").is_in(list(pop.frame_types)))
    people = _sample(frame, pop, scale, rng)
    people = people.with_columns(
        pl.col("type").replace_strict(_TYPE_CODE, return_dtype=pl.Int64).alias("type_etab"),
        pl.col("secteur").replace_strict({"Public": 1, "Privé": 2}, return_dtype=pl.Int64),
        pl.col("ep").replace_strict({"REP+": 1, "REP": 2, "Hors EP": 3}, return_dtype=pl.Int64),
        pl.col("densite").replace_strict(
            {"Urbain dense": 1, "Urbain intermédiaire": 2, "Rural": 3}, return_dtype=pl.Int64
        ),
    ).sort("uai", "k")
    assert pop.covariates is not None
    people = pop.covariates(people, rng)
    people = _answers(people, pop, rng)
    people = people.with_columns(
        (
            pl.lit(_ID_PREFIX[pop.key]) + (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(6)
        ).alias("id")
    )
    design = [c for c in DESIGN_LABELS if c in people.columns]
    return people.select(*design, *[i.name for i in pop.items])


def codebook(pop: Population, schema: pl.Schema) -> pl.DataFrame:
    """Variable labels and value labels of a survey file (one row per variable)."""
    labels = {**DESIGN_LABELS, **{i.name: (i.label, i.values) for i in pop.items}}
    if pop.covariates is _adult_covariates:
        labels["sexe"] = ("Sexe", SEXE_ADULTE)
    rows = []
    for c, dtype in schema.items():
        label, values = labels[c]
        kind = "texte" if dtype == pl.String else "numérique" if values is None else "catégorielle"
        modalites = None if values is None else " | ".join(f"{k} = {v}" for k, v in values.items())
        rows.append({"variable": c, "libelle": label, "type": kind, "modalites": modalites})
    return pl.DataFrame(
        rows,
        schema={
            "variable": pl.String,
            "libelle": pl.String,
            "type": pl.String,
            "modalites": pl.String,
        },
    )


def _to_french_csv(df: pl.DataFrame) -> pl.DataFrame:
    """Floats with a decimal comma, as DEPP CSV exports write them."""
    return df.with_columns(
        pl.col(c).round(6).cast(pl.String).str.replace(".", ",", literal=True)
        for c, dt in df.schema.items()
        if dt.is_float()
    )


def _fix_sav_timestamp(path: Path) -> None:
    """Overwrite the SPSS header's creation date/time with a fixed value (determinism).

    The ``.sav`` header (offsets 92-109) stores when the file was written; a generator that
    promises byte-identical output for a given seed cannot keep the wall clock there.
    """
    with path.open("r+b") as fh:
        head = fh.read(109)
        if head[:4] != b"$FL2":
            raise ValueError(f"{path}: en-tête SPSS inattendu")
        fh.seek(92)
        fh.write(b"15 Jun 2000:00:00")


def write_surveys(
    etab: pl.DataFrame, out_dir: Path, seed: int, scale: float = 1.0
) -> list[FileRecord]:
    """Write every survey as CSV + SPSS ``.sav`` + codebook CSV; return their file records."""
    import pyreadstat  # imported here: only the generator needs it (pandas at the edge)

    records: list[FileRecord] = []
    base = out_dir / SURVEY_DIR
    for pop in POPULATIONS:
        df = make_survey(etab, pop, seed, scale)
        stem = f"depp_continuite_2020_{pop.key}_{SYNTHETIC_TAG}"
        cb = codebook(pop, df.schema)
        csv_path = base / f"{stem}.csv"
        with atomic_path(csv_path) as tmp:
            _to_french_csv(df).write_csv(tmp, separator=";", null_value="")
        cb_path = base / f"{stem}_dictionnaire.csv"
        with atomic_path(cb_path) as tmp:
            cb.write_csv(tmp, separator=";", include_bom=True)
        sav_path = base / f"{stem}.sav"
        value_labels: dict[str, dict[int | float, str]] = {
            str(r["variable"]): {
                int(k): v for k, v in (kv.split(" = ", 1) for kv in r["modalites"].split(" | "))
            }
            for r in cb.iter_rows(named=True)
            if r["modalites"]
        }
        with atomic_path(sav_path) as tmp:
            pyreadstat.write_sav(
                df.to_pandas(),
                str(tmp),
                file_label=f"{SYNTHETIC_TAG} EGN {pop.key}"[:64],
                column_labels=dict(zip(cb["variable"], cb["libelle"], strict=True)),
                variable_value_labels=value_labels,
                note=[  # SPSS document lines hold at most 80 characters each
                    "DONNEES SYNTHETIQUES generees par EGN Analytics",
                    f"graine {seed}, echelle {scale:g} - aucune personne reelle",
                    pop.title[:80],
                ],
            )
            _fix_sav_timestamp(tmp)
        for path, fmt, rows, what in (
            (csv_path, "csv", df.height, "microdonnées (CSV ; décimale virgule)"),
            (sav_path, "sav", df.height, "microdonnées SPSS avec étiquettes"),
            (cb_path, "csv", cb.height, "dictionnaire des variables"),
        ):
            description = f"Enquête DEPP 2020 — {pop.title} : {what}"
            records.append(file_record(path, out_dir, "enquetes", description, fmt, rows))
    return records
