"""Schemas of the ENT tables (events, monthly audience) and of the CNED daily series.

``ent_evenements`` is a Hive-partitioned Parquet dataset (``mois=YYYY-MM/`` and, when an
établissement reference was given, ``code_academie=NN/``): the partition columns live in the
folder names, not in the files; :data:`EVENT_PARTITIONS` gives their dtypes for readers
(``egn_analytics.loaders.ent_logs.scan_events``), since a reader left to guess would turn the
académie code ``"01"`` into the integer 1.
"""

from __future__ import annotations

import dataframely as dy
import polars as pl

TIMEZONE = "Europe/Paris"
PROFILS = ["élève", "parent", "enseignant", "personnel"]
#: Pseudonym of a user: keyed BLAKE2b-128 in hex (egn_analytics.privacy.pseudonymise).
PSEUDONYM_REGEX = r"^[0-9a-f]{32}$"
UAI_REGEX = r"^[0-9]{7}[A-Z]$"
EVENT_PARTITIONS: dict[str, pl.DataType] = {"mois": pl.String(), "code_academie": pl.String()}


class EntEvenementSchema(dy.Schema):
    """One row per HTTP request of an ENT; the raw login is never kept (``id_utilisateur``)."""

    horodatage = dy.Datetime(nullable=False, time_zone=TIMEZONE, time_unit="us")
    id_utilisateur = dy.String(nullable=False, regex=PSEUDONYM_REGEX)
    profil = dy.Enum(PROFILS, nullable=False)
    uai = dy.String(nullable=False, regex=UAI_REGEX)
    projet_ent = dy.String(nullable=True)
    service = dy.String(nullable=True)
    url = dy.String(nullable=True)
    statut_http = dy.Int16(nullable=False, min=100, max=599)
    duree_ms = dy.Int32(nullable=True, min=0)


class EntEvenementAcademieSchema(EntEvenementSchema):
    """The events joined to the établissement reference (partitioned by académie too)."""

    code_academie = dy.String(nullable=False, regex=r"^\d{2}$")


class EntAudienceSchema(dy.Schema):
    """National monthly audience « as published », one row per month x project x profile x
    service (key), counts as integers."""

    mois = dy.Date(nullable=False)  # first day of the month
    projet_ent = dy.String(nullable=False)
    profil = dy.Enum(PROFILS, nullable=False)
    service = dy.String(nullable=False)
    visites = dy.Int64(nullable=True, min=0)
    visiteurs_uniques = dy.Int64(nullable=True, min=0)
    pages = dy.Int64(nullable=True, min=0)
    donnees = dy.String(nullable=True)


class CnedQuotidienSchema(dy.Schema):
    """CNED « Ma classe à la maison », one row per day (key)."""

    date = dy.Date(nullable=False)
    inscriptions = dy.Int64(nullable=False, min=0)
    utilisateurs_cumules = dy.Int64(nullable=True, min=0)
    classes_virtuelles = dy.Int64(nullable=True, min=0)
    inscriptions_ecole = dy.Int64(nullable=True, min=0)
    inscriptions_college = dy.Int64(nullable=True, min=0)
    inscriptions_lycee = dy.Int64(nullable=True, min=0)
    donnees = dy.String(nullable=True)
