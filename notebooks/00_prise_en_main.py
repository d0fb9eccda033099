# ---
# jupyter:
#   jupytext:
#     formats: py:percent
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
# Nomenclatures embarquées, calendrier scolaire et jeu de données **synthétique** (généré, calé
# sur des chiffres publiés : il ne décrit aucune personne réelle).

# %%
import datetime as dt
import tempfile
from pathlib import Path

import polars as pl

from egn_analytics import SYNTHETIC_NOTICE, reference
from egn_analytics.synth import generate

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
# ## Un petit jeu synthétique, et une estimation pondérée simple
# (l'estimation avec erreurs-types arrive avec le module `survey`).

# %%
out = Path(tempfile.mkdtemp())
manifest = generate(out, seed=2020, scale=0.05, ent_events=20_000, families=("enquetes",))
eleves = next(f for f in manifest.files if f.path.endswith("eleves_2d_SYNTHETIQUE.csv"))
df = pl.read_csv(out / eleves.path, separator=";", decimal_comma=True, infer_schema_length=None)
df.group_by("type_etab").agg(
    ((pl.col("temps_travail") == 1) * pl.col("poids")).sum()
    / pl.col("poids").filter(pl.col("temps_travail").is_not_null()).sum()
).sort("type_etab")
