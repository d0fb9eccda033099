# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version,-jupytext.text_representation.format_version
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Enquêtes DEPP 2020 sur la continuité pédagogique : estimer avec le plan de sondage
#
# L'enquête auprès des élèves du second degré, traitée comme un statisticien de la DEPP la
# traite en R avec le paquet `survey` : plan stratifié à deux degrés, proportions et moyennes
# avec intervalles de confiance, domaines, comparaisons, régression logistique, calage, secret
# statistique, puis un graphique et des exports pour une note.
#
# **Le graphique est celui du tableau de bord** : la page « Équipement et continuité
# (enquêtes) » et ce notebook le construisent par la même fonction de la bibliothèque,
# `egn_analytics.cards.build_card("enquetes.estimations", vue, tables)`, à partir de la table
# d'indicateurs qu'écrit `egn build` (même titre, même « Lecture », mêmes données, même
# secret statistique). Les estimations refaites ici à la main, avec le plan de sondage, sont
# ce que la page ne montre pas : la méthode, les domaines, les modèles, le calage.
#
# **Données synthétiques.** Les microdonnées réelles sont confidentielles : ce notebook tourne
# sur le jeu **synthétique** embarqué (généré, calé sur des chiffres publiés). Les chiffres
# ci-dessous illustrent la méthode ; ils ne décrivent aucun élève ni aucun établissement réel.

# %%
import math
import tempfile
from pathlib import Path

import polars as pl
import statsmodels.api as sm

from egn_analytics import SYNTHETIC_NOTICE, reference
from egn_analytics.cards import Tables, build_card
from egn_analytics.cards.enquetes import PERCENT, fmt_difference, fmt_interval, gap_summary
from egn_analytics.config import get_settings
from egn_analytics.generations import current_generation
from egn_analytics.indicators import gap as catalogue_gap
from egn_analytics.loaders.registry import build
from egn_analytics.survey import (
    STATUS_LABELS,
    SecretRule,
    SurveyDesign,
    codebook_labels,
    depp_design,
    logistic,
)
from egn_analytics.synth import generate
from egn_analytics.viz import (
    RenderUnavailableError,
    apply_theme,
    csv_bytes,
    export_data,
    export_png,
    fmt_bytes,
    fmt_number,
    fmt_pct,
)
from egn_analytics.viz.formats import MISSING, NBSP, fmt_p_value

apply_theme()

pl.Config.set_fmt_str_lengths(90)
pl.Config.set_tbl_rows(40)
print(SYNTHETIC_NOTICE)

# %% [markdown]
# ## 1. Charger les tables validées
#
# `egn build` (ou `make build`) écrit dans `data/processed/` une table de répondants par
# enquête et son dictionnaire des variables (`*_dictionnaire.parquet` : libellés, modalités).
# Pour ses propres fichiers (CSV, SPSS, SAS, Stata, Excel), `egn ingest survey FICHIER --out
# DOSSIER` ou `egn_analytics.loaders.survey.load_result(chemin)` produisent les mêmes tables,
# colonnes de plan renommées `strate`, `uai`, `poids`, `fpc`.
#
# `egn build` calcule aussi, dans son étape d'indicateurs, la table de tous les indicateurs
# d'enquête par toutes leurs ventilations (`indicateurs/enquetes_catalogue.parquet`) : ce
# que lit la page, et la carte de la partie 7.
#
# Si les tables d'indicateurs n'ont pas encore été construites sur cette machine
# (intégration continue), la cellule suivante génère le jeu embarqué (même graine, même
# échelle : l'annuaire et les enquêtes) dans un dossier temporaire et y lance la même
# construction (`egn_analytics.loaders.registry.build`, ce que fait `egn build`).

# %%
settings = get_settings()
processed = current_generation(settings.processed_dir)  # one build, pinned for the notebook
needed = [
    "enquete_eleves_2d.parquet",
    "enquete_eleves_2d_dictionnaire.parquet",
    "etablissements.parquet",
    "indicateurs/enquetes_catalogue.parquet",
]
if not all((processed / name).is_file() for name in needed):
    build_dir = tempfile.TemporaryDirectory(prefix="egn-notebook-01-")  # removed at exit
    work = Path(build_dir.name)
    raw, processed = work / "raw", work / "processed"
    generate(raw, seed=settings.seed, scale=settings.scale, families=("etablissements", "enquetes"))
    failed = [s for s in build(raw, processed) if "erreur" in s]
    assert not failed, failed
tables = Tables(processed)  # the indicator tables of that build, pinned to its generation
processed = tables.folder
print(f"Tables lues dans : {processed}")

# %%
eleves = pl.read_parquet(processed / "enquete_eleves_2d.parquet")
codebook = pl.read_parquet(processed / "enquete_eleves_2d_dictionnaire.parquet")
print(
    f"{fmt_number(eleves.height)} élèves répondants dans "
    f"{fmt_number(eleves['uai'].n_unique())} établissements et "
    f"{fmt_number(eleves['strate'].n_unique())} strates ; "
    f"population représentée : {fmt_number(eleves['poids'].sum())} élèves."
)

# %% [markdown]
# Les variables sont des codes entiers ; le dictionnaire en donne les libellés.

# %%
(
    codebook.filter(pl.col("variable").is_in(["ep", "ordinateur", "milieu_social", "densite"]))
    .explode("modalites")
    .with_columns(pl.col("modalites").struct.rename_fields(["code", "modalite"]))
    .unnest("modalites")
    .select("variable", "libelle", "code", "modalite")
)

# %% [markdown]
# ## 2. Le plan de sondage
#
# Tirage stratifié à deux degrés : établissements (`uai`) tirés dans des strates (région
# académique × type × secteur × éducation prioritaire, `fpc` = nombre d'établissements de la
# strate), puis élèves (`id`) dans chaque établissement (`nb_unites_etab` = élèves de
# l'établissement) ; `poids` est le poids final, corrigé de la non-réponse. En R :
#
# ```r
# library(survey)
# d <- svydesign(ids = ~uai + id, strata = ~strate, weights = ~poids,
#                fpc = ~fpc + nb_unites_etab, data = eleves)
# ```
#
# `depp_design` construit ce même plan à partir d'une table DEPP et de son dictionnaire
# (variables catégorielles et libellés des modalités).

# %%
d = depp_design(eleves, codebook=codebook)
print(d)
print(f"Degrés de liberté du plan (unités primaires − strates) : {fmt_number(d.degf())}")
print(f"Secret statistique appliqué : {d.secret}")

# %% [markdown]
# `depp_design` n'est qu'un raccourci : `SurveyDesign` prend les arguments de `svydesign`,
# avec le même sens, et un script R se traduit ligne à ligne.

# %%
categorical, value_labels = codebook_labels(codebook)
explicit = SurveyDesign(
    eleves,
    ids=["uai", "id"],
    strata="strate",
    weights="poids",
    fpc=["fpc", "nb_unites_etab"],
    categorical=categorical,
    value_labels=value_labels,
)
assert explicit.proportion("ordinateur").equals(d.proportion("ordinateur"))

# %% [markdown]
# **Conformité à R.** Les calculs reproduisent R 4.2 / `survey` 4.1-1 : linéarisation de
# Taylor avec la récurrence multi-degrés des fpc (`svyrecvar`), domaines comme `svyby` /
# `subset`, effets de plan, intervalles (`confint`, `svyciprop`), quantiles (`svyquantile`),
# `svyglm`, `postStratify` et `rake`. Le test `tests/survey/test_r_reference.py` compare chaque
# estimation, erreur-type, borne et effet de plan aux valeurs calculées par R lui-même sur les
# données de manuel `api` et `scd` (écart relatif ≤ 10⁻⁹).
#
# | Python (`egn_analytics.survey`) | R (`survey`) |
# |---|---|
# | `d.proportion("ordinateur", by="ep")` | `svyby(~factor(ordinateur), ~ep, d, svymean, na.rm = TRUE)` |
# | `d.mean("x", by="ep", deff=True)` | `svyby(~x, ~ep, d, svymean, deff = TRUE, na.rm = TRUE)` |
# | `ci="logit"` | `svyciprop(~x, d, method = "logit")` |
# | `d.quantile("x", [0.25, 0.5, 0.75])` | `svyquantile(~x, d, c(.25, .5, .75), na.rm = TRUE)` |
# | `d.subset(pl.col("niveau") == 4)` | `subset(d, niveau == 4)` |
# | `d.compare("x", by="ep", a=1, b=3)` | `svycontrast(svyby(..., covmat = TRUE), c(1, 0, -1))` |
# | `logistic(d, ...)` | `svyglm(..., family = quasibinomial)` |
# | `d.post_stratify(...)`, `d.rake([...])` | `postStratify(...)`, `rake(...)` |

# %% [markdown]
# ## 3. Estimer
#
# Chaque estimateur renvoie une table Polars « longue » : les colonnes de domaine, puis
# `variable`, `level`, `level_label`, `estimate`, `se`, `ci_lower`, `ci_upper`, `n`
# (répondants ayant répondu, dans le domaine), `deff`, `cv` et `status` (secret statistique).

# %%
d.proportion("ordinateur")

# %% [markdown]
# Pour les lecteurs, les mêmes résultats mis en forme à la française (« 8,0 % », intervalles
# entre crochets, statut en clair) avec les fonctions de format des cartes
# (`fmt_pct`, `fmt_interval`) ; une petite fonction sert jusqu'à la fin.

# %%
_, LABELS = codebook_labels(codebook)  # {variable: {code: libellé}}
LABELS["code_academie"] = dict(
    reference.academies().select("code_academie", "academie").iter_rows()
)
VARIABLE_LABELS = dict(codebook.select("variable", "libelle").iter_rows())
VARIABLE_LABELS["code_academie"] = "Académie"


def for_readers(res: pl.DataFrame, by: str | None = None) -> pl.DataFrame:
    """An estimator's table as a French reader reads it (formatted strings)."""
    rows = []
    for r in res.iter_rows(named=True):
        row = {VARIABLE_LABELS[by]: LABELS[by].get(r[by], str(r[by]))} if by else {}
        if r["level_label"] is not None:
            row["Modalité"] = r["level_label"]
        row |= {
            "Estimation": fmt_pct(r["estimate"]),
            "IC à 95 %": fmt_interval(r["ci_lower"], r["ci_upper"], PERCENT),
            "Répondants": fmt_number(r["n"]),
            "CV": fmt_pct(r["cv"]),
            "Statut": STATUS_LABELS[r["status"]],
        }
        if r["deff"] is not None:
            row["Effet de plan"] = fmt_number(r["deff"], 2)
        rows.append(row)
    return pl.DataFrame(rows)


for_readers(d.proportion("ordinateur", by="ep"), by="ep")

# %% [markdown]
# ### Une variable dérivée : ne pas disposer d'un ordinateur
#
# `with_columns` ajoute une indicatrice 0/1 au plan (comme `update()` en R) ; sa moyenne est
# la part d'élèves sans ordinateur. `deff=True` donne l'**effet de plan** (variance sous le
# plan rapportée à celle d'un sondage aléatoire simple de même taille : au-dessus de 1, les
# grappes d'établissements et la dispersion des poids coûtent de la précision) ;
# `ci="logit"` calcule l'intervalle sur
# l'échelle logit, comme `svyciprop(method = "logit")`, ce qui le garde dans [0 ; 1] et le
# rend asymétrique pour les petites proportions.

# %%
d = d.with_columns((pl.col("ordinateur") == 3).cast(pl.Float64).alias("sans_ordinateur"))
sans_ordi_ep = d.mean("sans_ordinateur", by="ep", deff=True, ci="logit")
for_readers(sans_ordi_ep, by="ep")

# %% [markdown]
# ### Quantiles : le temps de travail quotidien
#
# `temps_travail` est une variable en quatre classes ordonnées ; ses quartiles pondérés
# (`svyquantile`, règle `qrule = "math"`, intervalles de Woodruff) donnent la **classe** où
# tombe chaque quartile. Sur une variable discrète, l'erreur-type d'un quantile peut valoir 0
# (l'intervalle reste dans une seule classe) : c'est attendu.

# %%
quartiles = d.quantile("temps_travail", [0.25, 0.5, 0.75], by="type_etab")
TT = LABELS["temps_travail"]


def classe(code):
    return MISSING if code is None or math.isnan(code) else TT[int(code)]


pl.DataFrame(
    {
        "Type d'établissement": [LABELS["type_etab"][c] for c in quartiles["type_etab"]],
        "Quartile": [
            {0.25: "1er quartile", 0.5: "médiane", 0.75: "3e quartile"}[q]
            for q in quartiles["quantile"]
        ],
        "Classe": [classe(v) for v in quartiles["estimate"]],
        "IC à 95 %": [
            f"[{classe(lo)}{NBSP}; {classe(hi)}]"
            for lo, hi in zip(quartiles["ci_lower"], quartiles["ci_upper"], strict=True)
        ],
    }
)

# %% [markdown]
# ### Un domaine : les élèves de 3e
#
# `subset` restreint l'estimation à un domaine **en gardant tout le plan** (comme `subset()`
# en R) : les élèves hors du domaine comptent pour zéro dans leur établissement, et l'erreur-type
# tient compte de ce que la taille du domaine est elle-même aléatoire. Filtrer la table avant
# de construire le plan perdrait cette information, et les strates sans élève du domaine :
# l'erreur classique des estimations sur sous-population.

# %%
troisieme = d.subset(pl.col("niveau") == 4)
print(troisieme)
for_readers(troisieme.mean("sans_ordinateur", deff=True, ci="logit"))

# %% [markdown]
# ### Le secret statistique
#
# Chaque estimation porte un statut, appliqué par la bibliothèque avant de rendre la table
# (une valeur masquée ne sort donc jamais, ni à l'écran ni dans un export) :
#
# * **masqué** : moins de 30 répondants dans le domaine ; estimation, erreur-type, intervalle,
#   CV et effet de plan sont vides (`null`) ;
# * **fragile** : coefficient de variation (erreur-type / estimation) supérieur à 20 % ; publié
#   avec une mise en garde ;
# * **publié** : le reste.
#
# Les deux seuils sont réglés dans `pyproject.toml` (`[tool.egn]` : `secret_min_respondents`,
# `secret_max_cv`) ; `SecretRule` les remplace pour un plan donné. Petit domaine pour le voir :
# les élèves de REP+, académie par académie.

# %%
rep_plus_acad = d.subset(pl.col("ep") == 1).mean("sans_ordinateur", by="code_academie", ci="logit")
for status, count in rep_plus_acad["status"].value_counts(sort=True).iter_rows():
    print(f"{STATUS_LABELS[status]} : {count} académies")
for_readers(rep_plus_acad.filter(pl.col("status") != "published"), by="code_academie")

# %% [markdown]
# Les intervalles logit prennent, comme `svyciprop`, les degrés de liberté **du domaine**
# (établissements moins strates) : une académie dont les élèves de REP+ viennent de deux
# collèges d'une même strate n'a qu'un degré de liberté, et son intervalle couvre presque
# tout [0 ; 1]. Ce que dit aussi son statut « fragile ».
#
# Avec une règle plus stricte (au moins 50 répondants, CV au plus 15 %), davantage de cases
# sont masquées ou fragiles :

# %%
strict = depp_design(eleves, codebook=codebook, secret=SecretRule(min_respondents=50, max_cv=0.15))
strict = strict.with_columns((pl.col("ordinateur") == 3).cast(pl.Float64).alias("sans_ordinateur"))
(
    strict.subset(pl.col("ep") == 1)
    .mean("sans_ordinateur", by="code_academie")
    .group_by("status")
    .len()
    .sort("len", descending=True)
    .select(
        pl.col("status").replace_strict(STATUS_LABELS).alias("Statut"),
        pl.col("len").alias("Académies"),
    )
)

# %% [markdown]
# ## 4. Comparer deux domaines
#
# REP+ (code 1) contre hors éducation prioritaire (code 3). Les deux estimations viennent du
# même échantillon : `compare` calcule la variance de la **différence** à partir de la
# différence des valeurs d'influence (comme `svycontrast`), pas comme la somme de deux
# variances indépendantes.

# %%
gap = d.compare("sans_ordinateur", by="ep", a=1, b=3)
gap.drop("level")  # level: null for a 0/1 mean


# %%
g = gap.row(0, named=True)
low, high = (fmt_difference(g[c], PERCENT) for c in ("ci_lower", "ci_upper"))
print(
    f"Sans ordinateur : {fmt_pct(g['estimate_a'])} en REP+ contre {fmt_pct(g['estimate_b'])} "
    f"hors éducation prioritaire, soit un écart de {fmt_difference(g['difference'], PERCENT)} "
    f"(IC à 95 % : [{low} ; {high}], erreur-type {fmt_number(100 * g['se'], 1)} points, "
    f"{fmt_p_value(g['p_value'])})."
)

# %% [markdown]
# La page dit le même écart dans son panneau de comparaison, sur les estimations **calées**
# de la construction (partie 6) : `indicators.gap` le calcule à la demande (il faut les
# microdonnées) et `gap_summary`, la fonction de la page, l'écrit en français, secret
# statistique compris.

# %%
page_gap = catalogue_gap("eleves_sans_ordinateur", "ep", 1, 3, processed_dir=processed)
ep_rows = tables.table("enquetes_catalogue", indicator="eleves_sans_ordinateur", breakdown="ep")
verdict = gap_summary(page_gap.row(0, named=True), ep_rows, PERCENT)
print(verdict.title, *verdict.sentences, sep="\n")

# %% [markdown]
# Ici les strates séparent déjà REP+ et hors EP : les deux estimations sont presque
# indépendantes et l'erreur-type de l'écart est proche de la racine de la somme des variances.
# Filles et garçons, eux, fréquentent les mêmes établissements : leurs estimations sont
# corrélées, et la variance de l'écart est plus petite que la somme naïve.

# %%
se_ep = dict(sans_ordi_ep.select("ep", "se").iter_rows())
print(
    f"REP+ − hors EP : erreur-type {fmt_number(100 * g['se'], 2)} points selon le plan, "
    f"{fmt_number(100 * math.hypot(se_ep[1], se_ep[3]), 2)} en supposant l'indépendance."
)
by_sex = d.mean("sans_ordinateur", by="sexe")
naive_se = math.sqrt((by_sex["se"] ** 2).sum())
g_sex = d.compare("sans_ordinateur", by="sexe", a=1, b=2).row(0, named=True)
print(
    f"Filles − garçons : {fmt_difference(g_sex['difference'], PERCENT)}, erreur-type "
    f"{fmt_number(100 * g_sex['se'], 2)} points selon le plan, contre "
    f"{fmt_number(100 * naive_se, 2)} en supposant les deux estimations indépendantes "
    f"({fmt_p_value(g_sex['p_value'])} : écart "
    f"{'significatif' if g_sex['p_value'] < 0.05 else 'non significatif'} au seuil de 5 %)."
)

# %% [markdown]
# ## 5. Modéliser : régression logistique
#
# Probabilité de ne pas disposer d'un ordinateur selon le milieu social, l'éducation
# prioritaire et la densité de la commune, toutes choses égales par ailleurs
# (`svyglm(family = quasibinomial)`). Les coefficients sont ceux du pseudo-maximum de
# vraisemblance pondéré ; les erreurs-types sont celles du plan (sandwich linéarisé).

# %%
COVARIATES = ["milieu_social", "ep", "densite"]
model = logistic(d, pl.col("ordinateur") == 3, COVARIATES, categorical=COVARIATES)


def logit_term(term):
    """R's term name (« milieu_social4 ») → « Milieu social : Défavorisé (réf. …) »."""
    for cov in COVARIATES:
        code = term.removeprefix(cov)
        if code != term and code.isdigit():
            ref = LABELS[cov][min(LABELS[cov])]
            return f"{VARIABLE_LABELS[cov]} : {LABELS[cov][int(code)]} (réf. {ref})"
    return "Constante"


pl.DataFrame(
    {
        "Terme": [logit_term(t) for t in model["term"]],
        "Rapport de cotes": [fmt_number(v, 2) for v in model["odds_ratio"]],
        "IC à 95 %": [
            f"[{fmt_number(lo, 2)}{NBSP}; {fmt_number(hi, 2)}]"
            for lo, hi in zip(model["or_lower"], model["or_upper"], strict=True)
        ],
        "p": [fmt_p_value(p) for p in model["p_value"]],
    }
).slice(1)  # the intercept's odds are not read

# %% [markdown]
# **Pourquoi pas les erreurs-types d'un GLM ordinaire ?** Un GLM pondéré classique (ici
# `statsmodels`, poids ramenés à une moyenne de 1) donne les **mêmes coefficients**, mais ses
# erreurs-types supposent quelque 24 000 élèves indépendants, les poids valant fréquences. Le
# plan dit autre chose. Les élèves d'un même établissement se ressemblent (effet de grappe) :
# la variance augmente. Les strates, elles, retirent la variance entre strates ; or
# l'éducation prioritaire est une variable de strate, sur-représentée au tirage (les élèves de
# REP+ ont de petits poids, que le GLM naïf prend pour un manque d'information). L'erreur-type
# naïve se trompe donc dans les deux sens : trop petite pour le milieu social, trop grande
# pour l'éducation prioritaire.

# %%
used = eleves.drop_nulls(["ordinateur", *COVARIATES])
x = used.select(
    pl.lit(1.0).alias("(Intercept)"),
    *[
        (pl.col(c) == code).cast(pl.Float64).alias(f"{c}{code}")
        for c in COVARIATES
        for code in sorted(used[c].unique())[1:]
    ],
)
y = (used["ordinateur"] == 3).cast(pl.Float64).to_numpy()
w = (used["poids"] / used["poids"].mean()).to_numpy()
naive = sm.GLM(y, x.to_numpy(), family=sm.families.Binomial(), freq_weights=w).fit()
pl.DataFrame(
    {
        "Terme": [logit_term(t) for t in x.columns],
        "Coefficient (plan)": [fmt_number(v, 3) for v in model["estimate"]],
        "Coefficient (GLM naïf)": [fmt_number(v, 3) for v in naive.params],
        "Erreur-type (plan)": [fmt_number(v, 3) for v in model["se"]],
        "Erreur-type (naïve)": [fmt_number(v, 3) for v in naive.bse],
        "Rapport": [fmt_number(a / b, 2) for a, b in zip(model["se"], naive.bse, strict=True)],
    }
)

# %%
ratio = model["se"].to_numpy() / naive.bse
lo, hi = int(ratio[1:].argmin()) + 1, int(ratio[1:].argmax()) + 1  # the intercept aside
print(
    f"Erreur-type du plan / erreur-type naïve : de {fmt_number(ratio[lo], 2)} "
    f"({logit_term(x.columns[lo])}) à {fmt_number(ratio[hi], 2)} "
    f"({logit_term(x.columns[hi])})."
)

# %% [markdown]
# ## 6. Caler sur les effectifs de l'annuaire
#
# L'annuaire des établissements (`etablissements.parquet`) donne les effectifs d'élèves des
# collèges, lycées généraux et technologiques et lycées professionnels. On les somme par
# cellule pour servir de marges : post-stratification sur type × secteur × éducation
# prioritaire (`postStratify`), puis calage par raking sur l'académie, le secteur et
# l'éducation prioritaire (`rake`). Les variances tiennent compte du calage (résidus sur les
# marges), comme en R. Les codes de l'annuaire sont ramenés à ceux de l'enquête.

# %%
TYPE_ETAB = {"Collège": 1, "Lycée": 2, "Lycée professionnel": 3}  # annuaire → code enquête
SECTEUR = {"Public": 1, "Privé": 2}
EP = {"REP+": 1, "REP": 2, "Hors EP": 3}
population = (
    pl.read_parquet(processed / "etablissements.parquet")
    .filter(pl.col("type").cast(pl.String).is_in(list(TYPE_ETAB)))
    .select(
        pl.col("type")
        .cast(pl.String)
        .replace_strict(TYPE_ETAB, return_dtype=pl.Int64)
        .alias("type_etab"),
        pl.col("secteur").cast(pl.String).replace_strict(SECTEUR, return_dtype=pl.Int64),
        pl.col("ep").cast(pl.String).replace_strict(EP, return_dtype=pl.Int64),
        "code_academie",
        "eleves",
    )
)


def margin(*columns):
    """Population counts by ``columns``, with R's ``Freq`` column."""
    return population.group_by(columns).agg(pl.col("eleves").sum().alias("Freq"))


post = d.post_stratify(["type_etab", "secteur", "ep"], margin("type_etab", "secteur", "ep"))
raked = d.rake([margin("code_academie"), margin("secteur"), margin("ep")])
print(raked)

# %%
rows = []
for name, design in [("poids de l'enquête", d), ("post-stratifié", post), ("calé (raking)", raked)]:
    share = design.mean("sans_ordinateur").row(0, named=True)
    total = design.total("sans_ordinateur").row(0, named=True)
    rows.append(
        {
            "Pondération": name,
            "Élèves représentés": fmt_number(design.weights.sum()),
            "Part sans ordinateur": fmt_pct(share["estimate"], 2),
            "Erreur-type": fmt_pct(share["se"], 2),
            "Élèves sans ordinateur": fmt_number(total["estimate"]),
            "Erreur-type du total": fmt_number(total["se"]),
        }
    )
pl.DataFrame(rows)

# %% [markdown]
# Le jeu synthétique est tiré de cet annuaire : les poids en reproduisent déjà presque les
# effectifs, et le calage déplace peu les proportions. Il ramène les **totaux** exactement sur
# les effectifs connus, et en réduit l'erreur-type.

# %% [markdown]
# ## 7. Représenter et exporter
#
# Le graphique de la page, pour une note : barres et intervalles de confiance, avec titre,
# « Lecture », « Champ » et « Source » (contrat `ChartCard` de `egn_analytics.viz`), le secret
# statistique appliqué et la mention des données synthétiques. La **vue** dit l'indicateur et
# la ventilation comme l'adresse de la page (`?indicateur=eleves_sans_ordinateur&ventilation=ep`) ;
# la carte lit la table d'indicateurs de la construction, dont les estimations sont **calées**
# (raking sur l'académie, le secteur et l'éducation prioritaire, comme en partie 6).

# %%
view = {"indicateur": "eleves_sans_ordinateur", "ventilation": "ep"}
card = build_card("enquetes.estimations", view, tables)
print(f"{card.title}\nLecture : {card.lecture}\nChamp : {card.champ}\nSource : {card.source}")
card.to_publication_figure()

# %% [markdown]
# Ses données sont celles du CSV que la page télécharge ; elles redonnent nos estimations
# calées de la partie 6, faites à la main avec le plan de sondage.

# %%
shown = card.data.filter(pl.col("code_domaine") != "ensemble")
ours = raked.mean("sans_ordinateur", by="ep").with_columns(pl.col("ep").cast(pl.String))
check = shown.join(ours, left_on="code_domaine", right_on="ep")
assert check.height == ours.height
assert (check["estimation"] - check["estimate"]).abs().max() < 1e-9
print("Identiques à nos estimations calées de la partie 6.")
shown.select("domaine", "estimation", "ic95_bas", "ic95_haut", "repondants", "statut")

# %% [markdown]
# Exports dans un dossier temporaire, effacé à l'arrêt du noyau (jamais dans le dépôt) : pour
# garder les fichiers, donner à `exports` un dossier à soi. Les CSV sont au format d'Excel en
# français (`;`, virgule décimale, UTF-8 avec BOM), valeurs masquées vides. L'image PNG passe
# par Chromium (kaleido) : sans Chromium, la cellule le dit et les CSV restent écrits.

# %%
export_dir = tempfile.TemporaryDirectory(prefix="egn-exports-")  # removed at exit
exports = Path(export_dir.name)
export_data(card, exports / "eleves_sans_ordinateur_ep.csv")
(exports / "eleves_sans_ordinateur_rep_plus_academie.csv").write_bytes(csv_bytes(rep_plus_acad))
try:
    export_png(card, exports / "eleves_sans_ordinateur_ep.png")
except RenderUnavailableError as exc:
    print(
        "Image PNG non produite : l'export d'images demande Chromium, absent ou hors service "
        "ici (Debian : apt-get install chromium, ou variable BROWSER_PATH).\n"
        f"Détail : {exc}"
    )
for path in sorted(exports.iterdir()):
    print(f"{path.name} : {fmt_bytes(path.stat().st_size)}")
print((exports / "eleves_sans_ordinateur_ep.csv").read_text(encoding="utf-8-sig")[:400])

# %% [markdown]
# ## 8. Le catalogue d'indicateurs
#
# Les tableaux de bord ne refont pas ces calculs : `egn_analytics.indicators` décrit chaque
# indicateur comme une donnée (variable, modalités, ventilations, champ, source, phrase de
# lecture) et `compute_catalogue` rend la table complète avec le même moteur, le même secret
# et, quand l'annuaire est là, le même calage. `egn build` l'écrit une fois pour tous les
# indicateurs et toutes leurs ventilations (`enquetes_catalogue`) ; la page et la carte de la
# partie 7 la lisent. Les lignes de notre indicateur, pour deux ventilations :

# %%
catalogue = tables.table("enquetes_catalogue", indicator="eleves_sans_ordinateur")
print(
    f"{fmt_number(tables.table('enquetes_catalogue').height)} lignes dans la table, "
    f"{fmt_number(catalogue.height)} pour cet indicateur."
)
catalogue.filter(pl.col("breakdown").is_in(["ensemble", "ep"])).select(
    "breakdown", "domain", "n", "status", "lecture"
)
