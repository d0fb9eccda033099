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
# # Usages des ENT pendant la fermeture des écoles (2020)
#
# Des journaux de connexion aux espaces numériques de travail (ENT) aux indicateurs de
# continuité pédagogique : la table quotidienne et ses définitions, la série nationale, la
# référence de janvier-février et le rapport par académie, la désynchronisation des horaires,
# les élèves jamais revus, les incidents du 16 mars, l'effet de la fermeture estimé par séries
# temporelles interrompues (avec intervalles de confiance) et sa décomposition STL, la série
# du CNED « Ma classe à la maison » à côté, puis un graphique exporté pour une note.
#
# **Les graphiques sont ceux du tableau de bord.** Chaque graphique que la page « Continuité
# pédagogique (usages numériques) » montre est construit ici par la même fonction de la
# bibliothèque, `egn_analytics.cards.build_card(clé, vue, tables)`, à partir des tables
# d'indicateurs qu'écrit `egn build` : même titre, même « Lecture », même « Champ », mêmes
# données. Ce notebook y ajoute ce que la page ne montre pas : les définitions sur un exemple,
# les calculs refaits à partir des événements, les variantes de modèle.
#
# **Données synthétiques.** Les journaux réels des ENT sont confidentiels : ce notebook tourne
# sur le jeu **synthétique** embarqué (généré, calé sur des ordres de grandeur publiés). Les
# chiffres ci-dessous illustrent la méthode ; ils ne décrivent aucun élève ni aucun
# établissement réel.

# %%
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from egn_analytics import SYNTHETIC_NOTICE, usage
from egn_analytics.cards import Tables, build_card, default_views
from egn_analytics.cards.usages import (
    CARD_KEYS,
    effect_sentence,
    its_effects,
    level_effect,
    parse_view,
)
from egn_analytics.config import get_settings
from egn_analytics.generations import current_generation
from egn_analytics.loaders.registry import build
from egn_analytics.reference import CLOSURE, academies, academy_names
from egn_analytics.synth import generate
from egn_analytics.usage import indicators, models
from egn_analytics.viz import (
    RenderUnavailableError,
    apply_theme,
    export_data,
    export_png,
    fmt_bytes,
    fmt_number,
    fmt_pct,
)

apply_theme()
pl.Config.set_fmt_str_lengths(80)
pl.Config.set_tbl_rows(12)
print(SYNTHETIC_NOTICE)

# %% [markdown]
# ## 1. Les journaux ingérés et les tables d'indicateurs
#
# `egn build` (ou `make build`) lit les journaux bruts mois par mois, **pseudonymise** les
# identifiants de connexion par un hachage à clé (aucun identifiant brut n'est écrit) et
# écrit un jeu Parquet partitionné par mois : `data/processed/ent_evenements/mois=AAAA-MM/`.
# Une ligne par requête : horodatage (heure de Paris), pseudonyme, profil, UAI de
# l'établissement, projet ENT, service, URL, code HTTP. Puis son **étape d'indicateurs**
# calcule, une fois, toutes les tables que la page montre (`indicateurs/usages_*.parquet` :
# séries quotidiennes, rapports, horaires, modèles de chaque profil × territoire, incidents).
#
# Si les tables d'indicateurs n'ont pas encore été construites sur cette machine
# (intégration continue), la cellule suivante génère le jeu embarqué à **petite échelle**
# (un quart : 500 000 événements) dans un dossier temporaire et y lance la même construction
# (`egn_analytics.loaders.registry.build`, ce que fait `egn build`) : moins d'une minute.
# Les chiffres diffèrent donc de ceux du tableau de bord construit à pleine échelle.

# %%
SCALE = 0.25  # the embedded dataset at a quarter of its size: same seed, same shape
settings = get_settings()
processed = current_generation(settings.processed_dir)  # one build, pinned for the notebook
needed = [processed / "ent_evenements", processed / "indicateurs" / "usages_its.parquet"]
if not all(path.exists() for path in needed):
    build_dir = tempfile.TemporaryDirectory(prefix="egn-notebook-02-")  # removed at exit
    work = Path(build_dir.name)
    raw, processed = work / "raw", work / "processed"
    generate(
        raw,
        seed=settings.seed,
        scale=SCALE,
        families=("etablissements", "ent", "cned", "calendrier"),
    )
    failed = [s for s in build(raw, processed) if "erreur" in s]
    assert not failed, failed
tables = Tables(processed)  # the indicator tables of that build, pinned to its generation
processed = tables.folder
events_dir = processed / "ent_evenements"
etab = pl.read_parquet(processed / "etablissements.parquet")
print(f"Tables lues dans : {processed}")
print("Cartes de la page :", ", ".join(f"usages.{key}" for key in CARD_KEYS))

# %%
partitions = usage.month_partitions(events_dir)
sizes = pl.DataFrame(
    {
        "partition": [p.name for p in partitions],
        "evenements": [
            usage.scan_partition(p).select(pl.len()).collect().item() for p in partitions
        ],
        "taille": [
            fmt_bytes(sum(f.stat().st_size for f in p.rglob("*.parquet"))) for p in partitions
        ],
    }
)
print(
    f"{fmt_number(sizes['evenements'].sum())} événements en {len(partitions)} partitions mensuelles"
)
sizes.sort("partition")

# %%
usage.scan_partition(partitions[2]).head(3).collect()

# %% [markdown]
# ## 2. La table quotidienne : jour × académie × profil
#
# `usage.daily_table` lit **une partition mensuelle à la fois** (la mémoire dépend du mois le
# plus chargé, jamais de la longueur de l'historique) et compte, par jour, académie et profil,
# les événements, les **visites** et les **utilisateurs distincts** (comptes exacts). Les
# définitions, qui sont celles du produit (`egn_analytics/usage/daily.py`) :
#
# * **jour** : le jour civil à l'heure de Paris (le 29 mars 2020, jour du passage à l'heure
#   d'été, dure 23 heures : rien de particulier à faire) ;
# * **doublons** : deux lignes identiques sur (horodatage, pseudonyme, UAI, URL, code HTTP)
#   comptent une fois (les fournisseurs renvoient des lignes quand un export est relancé) ;
# * **académie** : celle de l'UAI dans la table des établissements ; un UAI inconnu est exclu
#   de tous les comptes et signalé à part, plutôt que rangé sous une académie vide ;
# * **visite** : suite d'événements d'un même utilisateur sans interruption de **plus de
#   30 minutes**, coupée à minuit ; elle est attribuée à l'académie et au profil de son
#   premier événement, si bien que les visites s'additionnent entre académies ;
# * **utilisateurs** : pseudonymes distincts ; un utilisateur actif dans deux académies compte
#   dans chacune, et une seule fois au niveau national : les séries nationales et
#   hebdomadaires sont recalculées à partir des événements, jamais additionnées.
#
# Les définitions, sur quatre lignes faites à la main : un élève se connecte à 8 h, revient
# 20 minutes plus tard (même visite), puis 35 minutes plus tard (nouvelle visite) ; une ligne
# est renvoyée deux fois par le fournisseur.

# %%
paris = "Europe/Paris"
toy = pl.LazyFrame(
    {
        "horodatage": [
            dt.datetime(2020, 3, 16, 8, 0),
            dt.datetime(2020, 3, 16, 8, 20),
            dt.datetime(2020, 3, 16, 8, 20),  # the same line, sent twice
            dt.datetime(2020, 3, 16, 8, 55),
        ],
        "id_utilisateur": ["a1"] * 4,
        "profil": ["élève"] * 4,
        "uai": ["0590001A"] * 4,
        "url": ["/cas/login", "/cahier-de-textes", "/cahier-de-textes", "/messagerie"],
        "statut_http": [200, 200, 200, 200],
    }
).with_columns(pl.col("horodatage").dt.replace_time_zone(paris))
toy_etab = pl.DataFrame({"uai": ["0590001A"], "code_academie": ["09"]})
usage.daily_partition(toy, toy_etab)

# %% [markdown]
# Trois événements comptés (le doublon une fois), deux visites (35 minutes sans activité
# ouvrent la seconde), un utilisateur. Sur tout le jeu, recalculée à partir des événements :
# c'est la table `usages_quotidien` que la construction a écrite et que lit la page.

# %%
start = time.perf_counter()
report = usage.daily_report(events_dir, etab)
daily = report.table
print(
    f"{fmt_number(daily.height)} lignes (jour × académie × profil) en "
    f"{fmt_number(time.perf_counter() - start, 1)} s, {report.partitions} partitions ; "
    f"événements exclus (UAI inconnu) : {fmt_number(report.unmatched_events)}"
)
keys = ["jour", "code_academie", "profil"]
built = tables.table("usages_quotidien")
assert built.select(daily.columns).sort(keys).equals(daily.sort(keys))
print("Identique à la table d'indicateurs `usages_quotidien` de la construction.")
daily.head()

# %% [markdown]
# ## 3. La série nationale
#
# `usage.national_daily` compte les utilisateurs distincts **de la France**, à partir des
# événements. La somme des académies les compte une fois de trop chaque fois qu'un utilisateur
# se connecte dans deux académies le même jour (un enseignant sur deux établissements, un
# parent dont les enfants sont scolarisés dans deux académies) : l'écart est petit mais réel,
# et il grandit avec la période (une semaine, un mois).

# %%
national = usage.national_daily(events_dir, etab)
by_day = national.group_by("jour").agg(pl.col("visites", "utilisateurs").sum()).sort("jour")
summed = daily.group_by("jour").agg(pl.col("visites", "utilisateurs").sum()).sort("jour")
check = by_day.join(summed, on="jour", suffix="_somme_academies")
assert (check["visites"] == check["visites_somme_academies"]).all()  # visits add up
extra = (check["utilisateurs_somme_academies"] - check["utilisateurs"]).sum()
print(
    f"Visites : identiques. Utilisateurs-jours : {fmt_number(check['utilisateurs'].sum())} "
    f"comptés au niveau national, {fmt_number(extra)} de plus en additionnant les académies."
)
if extra == 0:
    print(
        "(Dans ce jeu synthétique, personne ne se connecte dans deux académies le même jour ; "
        "sur des journaux réels, il peut ne pas l'être.)"
    )

# %%
weekly = usage.weekly(events_dir, etab, by=["profil"])
weekly.filter(pl.col("profil") == "élève").select("semaine", "visites", "utilisateurs").head(12)

# %% [markdown]
# La série quotidienne de la page : une **vue** dit le profil et le territoire comme l'adresse
# de la page (`?profil=eleve&territoire=france`), la carte lit les tables de la construction.
# Pour la France, elle lit la série nationale ci-dessus, jamais la somme des académies.

# %%
timeline = build_card("usages.chronologie", {"profil": "eleve", "territoire": "france"}, tables)
print(f"{timeline.title}\nLecture : {timeline.lecture}\nChamp : {timeline.champ}")
timeline.figure.show()

# %% [markdown]
# ## 4. Référence de janvier-février et rapport par académie
#
# La **référence** est la moyenne par **jour de classe** du 6 janvier au 28 février : du lundi
# au vendredi, hors jours fériés et hors vacances de la zone de l'académie (les vacances
# d'hiver tombent à des dates différentes en zones A, B et C, chacune garde ses propres jours).
# Le **rapport** divise la moyenne par jour de classe de la fermeture (16 mars - 10 mai, hors
# vacances de printemps, elles aussi décalées par zone) par la référence. Un jour de vacances
# n'est donc jamais lu comme une baisse de la continuité. Jour par jour, pour l'académie de
# Lille (zone B, vacances de printemps du 4 au 19 avril) :

# %%
pupils = daily.filter(pl.col("profil") == "élève")
lille = indicators.daily_vs_baseline(pupils, "visites").filter(pl.col("code_academie") == "09")
lille.filter(pl.col("jour").is_between(dt.date(2020, 4, 6), dt.date(2020, 4, 14))).select(
    "jour", "vacances", "jour_ferie", "jour_scolaire", "valeur", "reference", "ratio"
)

# %% [markdown]
# Le rapport par académie est une carte de la page ; ses données sont une table (`card.data`),
# la même que le CSV que la page télécharge.

# %%
ratio_card = build_card("usages.rapport", {"profil": "eleve", "territoire": "academie-09"}, tables)
ratios = ratio_card.data.sort("rapport_fermeture_reference", descending=True, nulls_last=True)
ratios.select(
    "academie",
    "zone",
    "jours_reference",
    "visites_par_jour_reference",
    "jours_fermeture",
    "visites_par_jour_fermeture",
    "rapport_fermeture_reference",
)

# %% [markdown]
# Les académies des DROM n'ont pas de rapport : la référence n'y connaît pas toutes les
# vacances, et aucun jour de vacances n'est inventé (`calendrier_inconnu="jours_ouvres"` les
# compterait comme jours de classe, avec un avertissement dans `calendrier_connu`).

# %%
missing = ratios.filter(pl.col("rapport_fermeture_reference").is_null())["academie"]
print("Sans rapport :", ", ".join(missing))
print(f"Lecture : {ratio_card.lecture}")

# %% [markdown]
# Au-delà de la page : le même rapport, calculé par `indicators.closure_ratio` sur les
# **utilisateurs** plutôt que sur les visites. Un rapport des visites plus fort que celui des
# utilisateurs dit que ce sont surtout les mêmes élèves qui reviennent plus souvent (dans ce
# jeu synthétique, un élève fait rarement plus d'une visite par jour : les deux sont proches).

# %%
names = academy_names()
by_users = indicators.closure_ratio(pupils, "utilisateurs").select(
    pl.col("code_academie").replace_strict(names).alias("academie"),
    pl.col("ratio").alias("rapport_utilisateurs"),
)
ratios.select("academie", pl.col("rapport_fermeture_reference").alias("rapport_visites")).join(
    by_users, on="academie"
).drop_nulls().head(8)

# %% [markdown]
# ## 5. Désynchronisation : le soir, la nuit, le week-end
#
# Part des requêtes le soir (19 h - 22 h), la nuit (22 h - 6 h) et le week-end, avant
# (6 janvier - 28 février) et pendant la fermeture, hors vacances de la zone (week-ends
# compris : sans eux, la part du week-end serait nulle par construction). La page montre
# chaque profil sur chaque territoire :

# %%
desync_card = build_card("usages.horaires", {"profil": "eleve", "territoire": "france"}, tables)
print(f"Lecture : {desync_card.lecture}")
desync_card.figure.show()

# %% [markdown]
# Au-delà de la page, qui ne connaît que la France, les régions et les académies : la table
# horaire (jour × académie × profil × heure) se calcule une fois à partir des événements, et
# la désynchronisation s'en déduit pour n'importe quel regroupement d'académies. Ici, les
# académies de la zone C (Paris, Créteil, Versailles, Montpellier, Toulouse).

# %%
hourly = indicators.hourly_events(events_dir, etab)
zone_c = academies().filter(pl.col("zone") == "Zone C")["code_academie"]
indicators.desynchronisation(
    hourly=hourly.filter(pl.col("code_academie").is_in(zone_c.implode()))
).with_columns(pl.col("part_soir", "part_nuit", "part_weekend").map_elements(fmt_pct, pl.String))

# %% [markdown]
# ## 6. Les élèves jamais revus
#
# Élèves vus en janvier-février et plus jamais du 16 mars à la fin des données, dans aucune
# académie ni aucun ENT. C'est un **indicateur indirect** de contact perdu, pas une mesure du
# décrochage : un élève a pu passer au papier, au CNED ou à un autre outil. Le calcul garde
# l'ensemble des élèves de janvier-février et le réduit partition par partition (jamais tous
# les événements en mémoire).

# %%
never = indicators.pupils_never_seen(events_dir, etab)
france = never.filter(pl.col("niveau") == "France").row(0, named=True)
print(
    f"{fmt_number(france['jamais_revus'])} élèves jamais revus sur "
    f"{fmt_number(france['eleves_vus'])} vus en janvier-février "
    f"({fmt_pct(france['part_jamais_revus'])})."
)
never.filter(pl.col("niveau") == "académie").sort("part_jamais_revus", descending=True).head(5)

# %% [markdown]
# ## 7. Les incidents du 16 mars
#
# Le premier jour de la fermeture, plusieurs ENT ont saturé. Part des requêtes en erreur
# serveur (codes 500 à 599) ce jour-là, par projet ENT, contre la même part du 6 janvier au
# 28 février (tous les jours, chaque jour pesant son volume). La carte ne dessine que les
# projets qui ont reçu au moins 30 requêtes ce jour-là ; ses données les gardent tous
# (colonne `affiche`).

# %%
incidents = build_card("usages.incidents", {"territoire": "france"}, tables)
print(f"Lecture : {incidents.lecture}")
incidents.figure.show()

# %%
incidents.data.head(8)

# %% [markdown]
# ## 8. L'effet de la fermeture : séries temporelles interrompues
#
# Un rapport avant/après mélange la rupture avec la tendance déjà en cours, le rythme de la
# semaine et les vacances. La régression segmentée de `models.its` les sépare : sur le
# logarithme des visites, un niveau et une pente avant le 16 mars, un saut de niveau et un
# changement de pente au 16 mars puis au 11 mai, le jour de la semaine et les vacances de
# chaque zone (pondérées par le poids des académies dans la série) en variables de contrôle.
# Le saut de niveau se lit en pourcentage (`relative_change`, avec son intervalle de
# confiance à 95 %).
#
# Les erreurs d'une série quotidienne sont corrélées d'un jour à l'autre. Par défaut le modèle
# est estimé par moindres carrés généralisés avec erreurs autorégressives d'ordre 1
# (`errors="ar1"`) ; les écarts-types de Newey–West (`errors="hac"`) sont trop petits sur des
# séries aussi courtes (voir la docstring de `egn_analytics.usage.models`), ce que montre la
# comparaison des intervalles ci-dessous, mis en forme par la fonction de la carte
# (`egn_analytics.cards.usages.its_effects`).

# %%
its_ar1 = models.its(pupils, "visites", by=None)
its_hac = models.its(pupils, "visites", by=None, errors="hac")
pl.DataFrame(
    [
        {
            "méthode": method,
            "effet": effect.label,
            "estimation (IC à 95 %)": f"{effect.value} {effect.interval}",
            "p": effect.p_value,
            "significatif": effect.significant,
        }
        for method, fit in (("AR(1)", its_ar1), ("Newey–West", its_hac))
        for effect in its_effects(fit)
    ]
)

# %% [markdown]
# La carte de la page lit le modèle que la construction a ajusté pour ce profil et ce
# territoire (table `usages_its`) : c'est le modèle AR(1) ci-dessus, et sa phrase de lecture
# est celle de la carte.

# %%
pupils_france = {"profil": "eleve", "territoire": "france"}
its_card = build_card("usages.its", pupils_france, tables)
built_its = tables.table("usages_its", territoire="france", profil="eleve").sort("rupture", "effet")
assert (built_its["estimate"] - its_ar1.sort("rupture", "effet")["estimate"]).abs().max() < 1e-6
ours = effect_sentence(level_effect(its_effects(its_ar1), CLOSURE[0]), parse_view(pupils_france))
assert its_card.lecture.startswith(ours)
print(f"Lecture : {its_card.lecture}")

# %% [markdown]
# Observé, ajusté et **contrefactuel** : le modèle sans les termes de rupture, c'est-à-dire la
# tendance d'avant le 16 mars prolongée avec le même rythme de la semaine et les mêmes
# vacances. L'écart entre l'ajusté et le contrefactuel est exactement l'effet estimé.

# %%
its_card.figure.show()

# %% [markdown]
# Le même modèle, académie par académie (`by="code_academie"`) : un saut par académie, chacune
# avec ses propres vacances. La page en montre une à la fois ; le tableau les range toutes.

# %%
by_academie = (
    models.its(pupils, "visites", by="code_academie")
    .filter((pl.col("effet") == "niveau") & (pl.col("rupture") == CLOSURE[0]))
    .with_columns(pl.col("code_academie").replace_strict(names).alias("academie"))
    .sort("relative_change", descending=True)
)
by_academie.select(
    "academie", "relative_change", "relative_ci_lower", "relative_ci_upper", "calendrier_complet"
).head(6)

# %% [markdown]
# ### Décomposition STL
#
# Le compagnon descriptif du modèle, que la page ne montre pas : tendance + motif hebdomadaire
# + reste (`models.decompose`, STL robuste de `statsmodels`), sans hypothèse sur les dates de
# rupture. La tendance lisse les ruptures sur deux semaines environ : c'est le modèle
# précédent qui les mesure.

# %%
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
stl = models.decompose(pupils, "visites")
weekly_pattern = stl.filter(pl.col("jour").is_between(dt.date(2020, 1, 6), dt.date(2020, 1, 12)))
print(
    "Motif hebdomadaire (janvier) :",
    ", ".join(
        f"{WEEKDAYS[d.weekday()]} {fmt_number(v, 0)}"
        for d, v in zip(weekly_pattern["jour"], weekly_pattern["seasonal"], strict=True)
    ),
)
fig = go.Figure()
for column, name in (
    ("observed", "observé"),
    ("trend", "tendance"),
    ("seasonal", "motif hebdomadaire"),
):
    fig.add_scatter(x=stl["jour"], y=stl[column], name=name, mode="lines")
fig.add_vrect(x0=CLOSURE[0], x1=CLOSURE[1], fillcolor="#E3E3FD", line_width=0, layer="below")
fig.update_layout(title="Visites des élèves : décomposition STL", yaxis_tickformat=",d", height=380)

# %% [markdown]
# ## 9. Le CNED « Ma classe à la maison » à côté des ENT
#
# `indicators.cned_vs_ent` aligne la série quotidienne du CNED (inscriptions, utilisateurs
# cumulés, classes virtuelles) sur la série nationale des ENT, jour par jour ; un jour absent
# d'une source y reste vide (absent n'est pas zéro). Les jours de la ruée :

# %%
side = indicators.cned_vs_ent(processed / "cned_quotidien.parquet", national)
rush = side.filter(pl.col("jour").is_between(dt.date(2020, 3, 9), dt.date(2020, 3, 20)))
rush.select("jour", "ent_visites", "cned_inscriptions", "cned_classes_virtuelles")

# %%
cned = build_card("usages.cned", {}, tables)
print(f"Lecture : {cned.lecture}")
cned.figure.show()

# %% [markdown]
# ## 10. Un graphique pour une note : le rapport par académie
#
# Le contrat `ChartCard` de `egn_analytics.viz` : pas de graphique sans titre, « Lecture »,
# « Champ » et « Source », ni sans les données derrière lui. La carte de la partie 4 est
# celle de la page ; sa version pour une note met les textes autour du graphique. Les vues
# qu'une note montre par défaut sont déclarées avec la carte :

# %%
print(default_views("usages.rapport"))
ratio_card.to_publication_figure()

# %% [markdown]
# Exports dans un dossier temporaire, effacé à l'arrêt du noyau (jamais dans le dépôt). Le CSV
# est au format d'Excel en français (`;`, virgule décimale, UTF-8 avec BOM) et s'écrit
# toujours. L'image PNG passe par Chromium (kaleido) : sans Chromium, la cellule le dit et le
# CSV reste écrit.

# %%
export_dir = tempfile.TemporaryDirectory(prefix="egn-exports-")  # removed at exit
exports = Path(export_dir.name)
export_data(ratio_card, exports / "usages_rapport_academies.csv")
try:
    export_png(ratio_card, exports / "usages_rapport_academies.png")
except RenderUnavailableError as exc:
    print(
        "Image PNG non produite : l'export d'images demande Chromium, absent ou hors service "
        "ici (Debian : apt-get install chromium, ou variable BROWSER_PATH).\n"
        f"Détail : {exc}"
    )
for path in sorted(exports.iterdir()):
    print(f"{path.name} : {fmt_bytes(path.stat().st_size)}")
print((exports / "usages_rapport_academies.csv").read_text(encoding="utf-8-sig")[:300])

# %% [markdown]
# ## 11. Sur un export réel
#
# Avec les journaux d'un fournisseur d'ENT (CSV, CSV compressé, JSON lignes ; encodage et
# séparateur détectés), deux commandes :
#
# ```bash
# # 1. ingérer : pseudonymisation à la volée, un dossier partitionné par mois, les rejets à part
# egn ingest ent-logs journaux_ent/ --out mes_tables/
# # 2. la table quotidienne jour × académie × profil, en Parquet
# egn usage daily mes_tables/ent_evenements --out quotidien.parquet \
#     --etablissements mes_tables/etablissements.parquet
# ```
#
# La clé de pseudonymisation vient de `EGN_PSEUDO_KEY` ou du fichier `EGN_PSEUDO_KEY_FILE`
# (hors du dossier de données) : la même clé donne les mêmes pseudonymes d'un export à
# l'autre, ce qui permet de suivre un utilisateur sans jamais conserver son identifiant. La
# seconde commande, lancée ici sur les tables de ce notebook :

# %%
daily_file = exports / "quotidien.parquet"
command = [
    sys.executable,
    "-m",
    "egn_analytics.cli",
    "usage",
    "daily",
    str(events_dir),
    "--out",
    str(daily_file),
    "--etablissements",
    str(processed / "etablissements.parquet"),
]
result = subprocess.run(command, capture_output=True, text=True, check=True)
print(result.stdout)
assert pl.read_parquet(daily_file).equals(daily)
print("La table écrite par la commande est celle de la partie 2.")
