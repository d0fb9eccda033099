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
# # Fiche académie : vérifier chaque chiffre d'une note de synthèse
#
# Une note de synthèse (`egn export note --academie 09`) dit quelques messages clés avec leur
# incertitude et montre quatre à six graphiques numérotés. Ce notebook refait **la même
# note pour la même académie** et en montre le détail : les mêmes messages clés, dans les
# mêmes mots, les mêmes graphiques (mêmes cartes de la bibliothèque, même vue) et, sous
# chacun, les données qui le font, pour qu'on puisse vérifier n'importe quel nombre de la note.
#
# **Paramètres.** La cellule `parameters`, après les imports, choisit l'académie (son code,
# par exemple `"09"` pour Lille) et la période de la série quotidienne détaillée à la fin
# (`"référence"`, `"fermeture"` ou `"réouverture"`). Pour une autre académie :
# `papermill 04_fiche_academie.ipynb sortie.ipynb -r academie 02` (après
# `jupytext --to ipynb`), ou changer la cellule et tout relancer.
#
# **Données synthétiques.** Sans tables construites sur cette machine, le notebook génère le
# jeu embarqué à petite échelle (il ne décrit aucune personne ni aucun établissement réel) :
# les chiffres illustrent la méthode et diffèrent de ceux du tableau de bord.

# %%
import tempfile
import time
from pathlib import Path

import polars as pl

from egn_analytics import SYNTHETIC_NOTICE
from egn_analytics.cards import Tables, build_card
from egn_analytics.config import get_settings
from egn_analytics.generations import current_generation
from egn_analytics.loaders.registry import build
from egn_analytics.notes import build_note, scope_of
from egn_analytics.synth import generate
from egn_analytics.viz import apply_theme, fmt_number

apply_theme()
pl.Config.set_fmt_str_lengths(60)
pl.Config.set_tbl_rows(10)
started = time.perf_counter()

# %% tags=["parameters"]
academie = "09"  # code of the académie (09: Lille)
# Period of the daily series shown at the end: référence, fermeture or réouverture.
periode = "fermeture"

# %% [markdown]
# ## 1. Les tables d'indicateurs
#
# La note et ce notebook lisent les mêmes tables, celles qu'écrit `egn build`. Si elles n'ont
# pas été construites ici (intégration continue), la cellule génère le jeu embarqué à 5 % de
# sa taille dans un dossier temporaire et y lance la même construction : une à deux minutes.

# %%
SCALE = 0.05  # the embedded dataset at 5 % of its size: same seed, same shape
FAMILIES = ("enquetes", "etablissements", "ent", "cned", "calendrier", "textes")
settings = get_settings()
processed = current_generation(settings.processed_dir)  # one build, pinned for the notebook
needed = [
    processed / "indicateurs" / f"{name}.parquet"
    for name in ("enquetes_catalogue", "usages_ratio", "usages_its", "textes_contributions")
]
if not all(path.exists() for path in needed):
    build_dir = tempfile.TemporaryDirectory(prefix="egn-notebook-04-")  # removed at exit
    work = Path(build_dir.name)
    generate(work / "raw", seed=settings.seed, scale=SCALE, families=FAMILIES)
    failed = [s for s in build(work / "raw", work / "processed") if "erreur" in s]
    assert not failed, failed
    processed = work / "processed"
tables = Tables(processed)  # the indicator tables of that build, pinned to its generation
print(f"Tables lues dans : {tables.folder}")
if tables.synthetic:
    print(SYNTHETIC_NOTICE)

# %% [markdown]
# ## 2. La note de l'académie
#
# `scope_of(academie=…)` nomme le territoire, `build_note` décide ce que dit la note (c'est
# ce qu'appelle `egn export note`) : son titre, la date des données, les messages clés et les
# graphiques numérotés. Le même appel donne la même note : rien ne dépend de l'horloge.

# %%
scope = scope_of(academie=str(academie).zfill(2))  # papermill -p gives 2 for « 02 »
note = build_note(scope, tables)
print(note.title)
print(f"Données du {note.data_date:%d/%m/%Y} ; note du {note.created:%d/%m/%Y}")
if note.synthetic_notice:
    print(note.synthetic_notice)

# %% [markdown]
# ## 3. Les messages clés
#
# Mot pour mot ceux de la note. Un message « fragile » (estimation peu précise : peu de
# répondants ou coefficient de variation élevé) est signalé comme dans la note ; aucun ne
# cite une case masquée par le secret statistique, ni ne présente comme un écart une
# différence qui n'est pas significative.

# %%
for number, message in enumerate(note.messages, start=1):
    flag = " [fragile]" if message.status == "fragile" else ""
    source = f"  (graphique : {message.card})" if message.card else ""
    print(f"{number}. {message.text}{flag}{source}\n")

# %% [markdown]
# ## 4. Les graphiques de la note et leurs données
#
# Chaque graphique est redessiné ici par la carte de la bibliothèque que la note a prise, avec
# la même vue (`build_card(clé, vue, tables)`) : même figure, même « Lecture », même « Champ »,
# même « Source ». Sous chacun, les données qu'il montre (les cases masquées sont vides).

# %%
cards = {}
for figure in note.figures:
    card = build_card(figure.key, figure.view, tables)
    cards[figure.number] = card
    view = ", ".join(f"{k}={v}" for k, v in figure.view.items()) or "vue par défaut"
    print(f"Graphique {figure.number} : {card.title} ({figure.key} ; {view})")
    print(f"  Lecture : {card.lecture}")
    print(f"  Champ : {card.champ}")
    print(f"  Source : {card.source}\n")
print(f"{len(note.figures)} graphiques, comme dans la note.")

# %%
for figure in note.figures:
    card = cards[figure.number]
    print(f"Graphique {figure.number} : {card.title}")
    card.figure.show()
    rows = card.data  # the académie's own rows first when the chart compares académies
    if "code_academie" in rows.columns:
        rows = rows.filter(pl.col("code_academie") == scope.code)
    elif figure.view.get("ventilation") == "academie":
        rows = rows.filter(pl.col("code_domaine") == scope.code)
    print(f"{card.data.height} lignes de données ; celles de l'académie ou les premières :")
    print(rows.head(8))

# %% [markdown]
# ## 5. La série quotidienne de l'académie sur une période
#
# Les jours de la période choisie en paramètre, tirés des données du graphique « Visites et
# utilisateurs par jour » de la note (la même carte, la même vue), puis la ligne de
# l'académie dans les données du graphique des rapports fermeture / référence : de quoi
# recalculer le rapport d'un message clé (jours de classe : hors week-ends, vacances et
# jours fériés).

# %%
keys = {figure.key: figure.number for figure in note.figures}
days = pl.DataFrame()
if "usages.chronologie" in keys:
    days = cards[keys["usages.chronologie"]].data.filter(pl.col("periode") == periode)
    weekdays = days.filter(pl.col("vacances").is_null() & (pl.col("jour").dt.weekday() <= 5))
    print(
        f"{scope.label}, période « {periode} » : {days.height} jours, dont {weekdays.height} "
        f"jours de semaine hors vacances ; {fmt_number(days.get_column('visites').sum())} visites."
    )
else:
    print("La note n'a pas de série quotidienne (journaux ENT non construits).")
days.head(10)

# %%
ratios = pl.DataFrame()
if "usages.rapport" in keys:
    ratios = cards[keys["usages.rapport"]].data.filter(pl.col("code_academie") == scope.code)
ratios.head()

# %%
print(f"Notebook exécuté en {fmt_number(time.perf_counter() - started, 1)} s.")
