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
# # Concertation et RETEX : ce que les contributions disent, classé dans le plan des EGN
#
# Des textes de la concertation (retours d'expérience, réponses libres au questionnaire,
# propositions et commentaires du forum, synthèses) aux 5 thèmes et 40 propositions des États
# généraux du numérique pour l'éducation : normalisation du français, classement traçable
# (thème, propositions, drapeau « à vérifier »), **qualité mesurée** sur des textes étiquetés
# tenus à l'écart, couverture des propositions par les 18 régions académiques, spécificités
# lexicales, cooccurrences, recherche plein texte et classification descendante hiérarchique
# (méthode Reinert) pour explorer ce qui sort du plan.
#
# **Données synthétiques.** Les contributions réelles ne sont pas publiables : ce notebook
# tourne sur le corpus **synthétique** embarqué (généré, calé sur les volumes publiés). Ses
# textes sont construits à partir de gabarits ; ils sont plus faciles à classer que des textes
# réels, ce que la section 4 rappelle.
#
# **Les graphiques sont ceux du tableau de bord** : chaque graphique que la page
# « Concertation et RETEX » montre est construit ici par la même fonction de la bibliothèque,
# `egn_analytics.cards.build_card(clé, vue, tables)`, à partir des tables d'indicateurs
# qu'écrit `egn build` (même titre, même « Lecture », mêmes données). Le notebook y ajoute ce
# que la page ne montre pas : la normalisation sur des exemples, la qualité par source, les
# cooccurrences, la classification descendante hiérarchique.

# %%
import tempfile
from pathlib import Path

import polars as pl

from egn_analytics import SYNTHETIC_NOTICE, text
from egn_analytics.cards import Tables, build_card
from egn_analytics.cards.concertation import CARD_KEYS, classification, contributions
from egn_analytics.config import get_settings
from egn_analytics.generations import current_generation
from egn_analytics.loaders import registry
from egn_analytics.reference import propositions, regions_academiques
from egn_analytics.synth import generate
from egn_analytics.viz import (
    RenderUnavailableError,
    apply_theme,
    export_data,
    export_png,
    fmt_number,
    fmt_pct,
)

apply_theme()
pl.Config.set_fmt_str_lengths(90)
pl.Config.set_tbl_rows(12)
print(SYNTHETIC_NOTICE)

# %% [markdown]
# ## 1. Le corpus
#
# `egn build` lit les fichiers bruts de la concertation (exports CSV de la plateforme, RETEX
# en CSV et en fichiers `.md`/`.txt`, synthèses) et écrit des tables validées, puis son étape
# d'indicateurs classe chaque contribution et calcule les spécificités
# (`indicateurs/textes_*.parquet`) : ce que lit la page.
# `text.load_texts` réunit les tables validées en une table : une ligne par contribution
# portant un texte, avec son identifiant, sa source et, quand la source le dit, son académie
# et sa région académique. Sans tables d'indicateurs construites sur cette machine, la
# cellule suivante génère le corpus embarqué dans un dossier temporaire et y lance la même
# construction (`egn_analytics.loaders.registry.build`, ce que fait `egn build`).

# %%
settings = get_settings()
processed, raw = current_generation(settings.processed_dir), settings.raw_dir  # one build, pinned
if not (processed / "indicateurs" / "textes_contributions.parquet").exists():
    build_dir = tempfile.TemporaryDirectory(prefix="egn-notebook-03-")  # removed at exit
    work = Path(build_dir.name)
    raw, processed = work / "raw", work / "processed"
    generate(raw, seed=settings.seed, scale=settings.scale, families=("textes",))
    failed = [s for s in registry.build(raw, processed) if "erreur" in s]
    assert not failed, failed
tables = Tables(processed)  # the indicator tables of that build, pinned to its generation
processed = tables.folder
texts = text.load_texts(processed)
print(f"{fmt_number(texts.height)} contributions lues dans {processed}")
print("Cartes de la page :", ", ".join(f"concertation.{key}" for key in CARD_KEYS))
texts.group_by("source").agg(
    pl.len().alias("contributions"),
    pl.col("code_region_academique").is_not_null().sum().alias("avec_region"),
    pl.col("texte").str.len_chars().median().alias("caracteres_median"),
).sort("source")

# %% [markdown]
# ## 2. Normaliser le français
#
# Minuscules, apostrophes et élisions, mots vides, lemmes (simplemma, une fois par forme
# distincte) et accents repliés après lemmatisation (les contributeurs en oublient). Les termes
# du domaine restent entiers : « Ma classe à la maison », « espace numérique de travail » (→
# `ent`), « tiers-lieux », « continuité pédagogique ».

# %%
examples = [
    "Les élèves n'avaient pas d'ordinateur pour se connecter à l'espace numérique de travail.",
    "Le CNED « Ma classe à la maison » a aidé, mais les eleves sans equipement ont décroché.",
]
pl.DataFrame({"texte": examples, "normalise": text.normalise(examples)})

# %% [markdown]
# ## 3. Classer : thèmes et propositions
#
# `text.classify` lit chaque texte (et, s'il est long, chacun de ses segments d'environ 60
# mots) et rend une ligne par texte, dans l'ordre : le thème (1 à 5, vide si « non classé »),
# son score, le thème suivant, le drapeau « à vérifier » quand les deux sont proches, et les
# propositions (multi-étiquettes, la meilleure d'abord) avec leurs scores.
#
# Sans exemple étiqueté, seule l'**amorce** sert : le libellé de chaque proposition, son axe,
# son thème et un lexique d'amorce écrit par l'équipe
# (`egn_analytics/text/_data/lexique_propositions.csv`, modifiable).

# %%
text.classify(examples)

# %% [markdown]
# `text.analyse_corpus` classe tout le corpus : s'il trouve des exemples étiquetés
# (`textes/verite_terrain*.csv`), il apprend sur la partie « apprentissage » et mesure sur la
# partie tenue à l'écart. `egn build` le fait une fois et écrit le résultat
# (`textes_contributions`, `textes_methode`, `textes_evaluation`) : le notebook lit ces
# tables, comme la page, plutôt que de refaire le classement.

# %%
classified = contributions(tables)
method = classification(tables)
print(method.method)
classified.select("id", "source", "theme", "theme_libelle", "theme_score", "propositions").head()

# %% [markdown]
# Les thèmes par source, la première carte de la page (vue par défaut : toutes les sources,
# France). Ses données sont la table derrière le graphique.

# %%
themes_card = build_card("concertation.themes", {}, tables)
print(f"Lecture : {themes_card.lecture}")
themes_card.figure.show()

# %%
themes_card.data.head(15)

# %% [markdown]
# ## 4. Qualité mesurée sur des textes tenus à l'écart
#
# 30 % des textes étiquetés (tirés par un hachage de leur identifiant : toujours les mêmes)
# ne servent jamais à l'apprentissage. F1 macro : la moyenne des F1 de chaque thème (ou de
# chacune des 40 propositions), pour que les thèmes rares comptent autant que les fréquents.
# Cibles du projet : 0,85 pour les thèmes, 0,6 pour les propositions.
#
# **À lire avec prudence** : l'« amorce seule » n'a vu aucun texte du corpus, c'est la mesure
# la plus proche de ce qu'on obtiendrait sur des textes réels sans étiquetage ; avec exemples,
# le score est presque parfait parce que les textes synthétiques réutilisent les mêmes
# gabarits. Sur des textes réels, il faut étiqueter un échantillon et relancer cette mesure.

# %%
print(method.evaluation)

# %%
labels_path = text.find_labels(raw)
report = text.held_out_evaluation(texts, text.load_labels(labels_path))
print(
    report.by_source.select(
        "methode", "source", "textes", "f1_macro_themes", "f1_macro_propositions"
    )
)

# %% [markdown]
# Les synthèses sont les plus difficiles : longues, elles couvrent plusieurs thèmes, et leur
# thème « principal » est une convention. Les propositions les moins bien retrouvées par
# l'amorce seule (à enrichir dans le lexique) :

# %%
weakest = report.seed_only.per_proposition.sort("f1").head(8)
weakest.join(
    propositions().select(pl.col("numero").cast(pl.Int64).alias("proposition"), "libelle"),
    on="proposition",
)

# %% [markdown]
# ## 5. Les textes « à vérifier »
#
# Quand les deux premiers thèmes sont à moins de 0,15 l'un de l'autre, ou qu'aucun n'atteint
# le seuil, le texte est signalé : c'est la file de relecture des linguistes.

# %%
to_check = classified.filter(pl.col("a_verifier"))
print(
    f"{fmt_number(to_check.height)} textes à vérifier ({fmt_pct(to_check.height / classified.height)})"
)
to_check.select("id", "source", "theme", "theme_score", "theme_2", "theme_2_score", "texte").head(5)

# %% [markdown]
# ## 6. Couverture : combien de régions académiques portent chaque proposition ?
#
# Comme les EGN l'ont publié (« proposition 18 : 12 régions académiques sur 18 »), à partir des
# **retours des régions académiques** (une synthèse par région, plus trois documents
# complémentaires), et avec les contributions derrière chaque chiffre. Une synthèse est longue :
# elle est lue segment par segment, et chaque segment peut ajouter une proposition.

# %%
returns = classified.filter(
    (pl.col("source") == "synthese") & pl.col("code_region_academique").is_not_null()
)
cov = text.coverage(returns)
cov.select("proposition", "libelle", "texte", "contributions").head(20)

# %% [markdown]
# La page montre la même couverture en matrice (propositions × régions académiques) :

# %%
coverage_card = build_card("concertation.couverture", {}, tables)
print(f"Lecture : {coverage_card.lecture}")
coverage_card.figure.show()

# %%
p18 = cov.row(by_predicate=pl.col("proposition") == 18, named=True)
print(f"Proposition 18 : {p18['texte']}, d'après les retours :")
returns.filter(pl.col("id").is_in(p18["ids_contributions"])).select("id", "region_academique")

# %% [markdown]
# Sur toutes les contributions qui ont une région (RETEX et questionnaire compris), presque
# toutes les propositions sont portées partout : le chiffre des EGN se lit sur les retours des
# régions, pas sur le volume des contributions.

# %%
everywhere = text.coverage(classified.filter(pl.col("code_region_academique").is_not_null()))
everywhere.select("proposition", "texte", "contributions").filter(pl.col("proposition") == 18)

# %% [markdown]
# ## 7. Spécificités : ce qu'un thème (ou une région) dit plus que les autres
#
# Le modèle hypergéométrique de Lafon (Lexico, TXM, Iramuteq) : un score de +3 se lit « une
# fréquence aussi forte avait une chance sur mille d'arriver au hasard ». Les termes gardent
# ici leurs accents (`fold_accents=False`) pour la lecture.

# %%
tokens = text.tokens_long(classified.select("id", "texte"), fold_accents=False)
by_theme = tokens.join(classified.select("id", "theme"), on="id").drop_nulls("theme")
spec = text.specificities(
    text.term_counts(by_theme.with_columns(pl.col("theme").cast(pl.String)), "theme", "term"),
    min_frequency=10,
)
spec.filter(pl.col("score") > 0).sort("part", "score", descending=[False, True]).group_by(
    "part", maintain_order=True
).head(6)

# %% [markdown]
# ## 8. Mots-clés et cooccurrences
#
# Quels termes vont avec « tablette » ? Les cooccurrences se comptent par segment de texte,
# avec le G² de Dunning (signé) et l'information mutuelle ponctuelle.

# %%
segs = text.segments(classified.select("id", "texte"), target_words=40).with_columns(
    pl.format("{}#{}", "id", "segment").alias("unite")
)
seg_tokens = text.tokens_long(segs.select("unite", "texte"), id_col="unite")
text.cooccurrences(seg_tokens, unit_col="unite", terms=["tablette"], min_count=5, top=10)

# %%
text.keywords(tokens.filter(pl.col("id").is_in(classified["id"].head(3).to_list())), top=5)

# %% [markdown]
# ## 9. Recherche plein texte
#
# Sans accents ni majuscules requis, par début de mot, avec des extraits où le terme est mis
# en évidence (en gras ici, surligné dans le tableau de bord).

# %%
hits = text.search(classified.select("id", "texte"), "zones blanches", max_excerpts=1)
print(f"{fmt_number(hits.height)} contributions trouvées")
hits.select("id", "n_occurrences", "extrait").head(5)

# %% [markdown]
# ## 10. Explorer au-delà du plan : classification descendante hiérarchique (Reinert)
#
# La méthode d'Alceste et d'Iramuteq : les segments de ~40 mots sont coupés en deux, puis en
# deux encore, selon le premier axe d'une analyse des correspondances sur la présence des
# termes, jusqu'à 8 classes. Chaque classe se lit par ses termes les plus liés (χ²). On la
# croise avec les thèmes pour voir ce que le plan regroupe ou sépare.

# %%
retex_segs = segs.filter(pl.col("id").str.starts_with("RETEX"))
retex_tokens = text.tokens_long(retex_segs.select("unite", "texte"), id_col="unite")
lists = (
    retex_segs.select("unite")
    .join(retex_tokens.group_by("unite").agg("term"), on="unite", how="left", maintain_order="left")
    .get_column("term")
    .fill_null([])
    .to_list()
)
dhc = text.reinert(lists, k=8, min_split_members=20)
dhc.top_terms(8)

# %%
segment_classes = retex_segs.with_columns(dhc.classes.get_column("classe")).join(
    classified.select("id", "theme"), on="id"
)
segment_classes.drop_nulls("classe").group_by("classe", "theme").len().pivot(
    on="theme", index="classe", values="len", sort_columns=True
).sort("classe")

# %% [markdown]
# ## 11. Un graphique pour une note : les propositions les plus citées
#
# Le contrat `ChartCard` : titre, « Lecture », « Champ », « Source » et les données. La carte
# est celle de la page « Concertation et RETEX » ; ici pour les retours d'expérience et les
# synthèses de la région académique d'Île-de-France (la vue dit les filtres comme l'adresse de
# la page : `?source=retex,synthese&region=11`), dans sa version pour une note.

# %%
card = build_card("concertation.propositions", {"source": "retex,synthese", "region": "11"}, tables)
card.to_publication_figure()

# %%
export_dir = tempfile.TemporaryDirectory(prefix="egn-exports-")  # removed at exit
exports = Path(export_dir.name)
export_data(card, exports / "concertation_propositions.csv")
try:
    export_png(card, exports / "concertation_propositions.png")
except RenderUnavailableError as exc:
    print(f"Image PNG non produite (Chromium absent ou hors service) : {exc}")
print(sorted(p.name for p in exports.iterdir()))
print(f"{regions_academiques().height} régions académiques de référence")
