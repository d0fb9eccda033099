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
# # Prise en main d'EGN Analytics
#
# Nomenclatures embarquées, calendrier scolaire, jeu de données **synthétique** (généré, calé
# sur des chiffres publiés : il ne décrit aucune personne réelle) et les cartes du produit.

# %%
import datetime as dt
import tempfile
from pathlib import Path

import polars as pl

from egn_analytics import SYNTHETIC_NOTICE, reference
from egn_analytics.cards import Tables, build_card, card_keys
from egn_analytics.loaders.registry import build
from egn_analytics.synth import generate
from egn_analytics.viz import apply_theme

apply_theme()

print(SYNTHETIC_NOTICE)

# %% [markdown]
# ## Nomenclatures : 18 régions académiques, 30 académies, 101 départements

# %%
reference.academies()

# %%
reference.departements().group_by("region_academique").agg(pl.len().alias("departements")).sort(
    "departements", descending=True
).head()

# %% [markdown]
# ## Jours de classe pendant la fermeture : les vacances de printemps diffèrent par zone

# %%
closure = (dt.date(2020, 3, 16), dt.date(2020, 5, 10))
pl.DataFrame(
    {
        "academie": ["Créteil", "Lyon", "Normandie", "Corse"],
        "jours_de_classe": [
            reference.count_school_days(a, *closure) for a in ["Créteil", "Lyon", "Caen", "Corse"]
        ],
    }
)

# %% [markdown]
# ## Un petit jeu synthétique, construit comme `egn build`
#
# Le générateur écrit les fichiers bruts (ici l'annuaire et les enquêtes, à 5 % de leur
# taille) ; `build` en fait les tables validées puis les tables d'indicateurs que lisent les
# pages, les notebooks et les notes : quelques secondes.

# %%
build_dir = tempfile.TemporaryDirectory(prefix="egn-prise-en-main-")  # removed at exit
work = Path(build_dir.name)
generate(work / "raw", seed=2020, scale=0.05, families=("etablissements", "enquetes"))
failed = [r for r in build(work / "raw", work / "processed") if "erreur" in r]
assert not failed, failed
tables = Tables(work / "processed")  # the tables of that build, pinned to its generation
print(
    "Indicateurs :", ", ".join(p.stem for p in sorted(tables.folder.glob("indicateurs/*.parquet")))
)

# %% [markdown]
# ## Les cartes : chaque graphique du produit, construit par la bibliothèque
#
# Une carte est un graphique avec son titre, sa « Lecture », son « Champ », sa « Source » et
# ses données. Le registre les nomme toutes ; une **vue** dit les filtres comme l'adresse de
# la page (`?indicateur=eleves_sans_ordinateur&ventilation=ep`).

# %%
print(card_keys())
card = build_card(
    "enquetes.estimations", {"indicateur": "eleves_sans_ordinateur", "ventilation": "ep"}, tables
)
print(f"Lecture : {card.lecture}\nChamp : {card.champ}\nSource : {card.source}")
card.to_publication_figure()
