"""Schema of the établissement reference table every other table joins on.

The categories come from the nomenclatures shipped in ``reference/_data`` (declared once): the
types the product studies, the two sectors and the private-school contracts of the « Annuaire
de l'éducation ».
"""

from __future__ import annotations

import dataframely as dy

from egn_analytics.reference.nomenclatures import (
    contrats_prive,
    kept_values,
    secteurs,
    types_etablissement,
)

TYPES = kept_values(types_etablissement(), "type")
SECTEURS = kept_values(secteurs(), "secteur")
CONTRATS = kept_values(contrats_prive(), "contrat")
EP = ["REP+", "REP", "Hors EP"]


class EtablissementSchema(dy.Schema):
    """One row per établissement (UAI), codes as official strings, numbers typed."""

    uai = dy.String(nullable=False, regex=r"^[0-9]{7}[A-Z]$")
    nom = dy.String(nullable=True)
    type = dy.Enum(TYPES, nullable=False)
    secteur = dy.Enum(SECTEURS, nullable=False)
    contrat = dy.Enum(CONTRATS, nullable=True)
    code_departement = dy.String(nullable=False, regex=r"^(\d{2}|2[AB]|97\d)$")
    code_academie = dy.String(nullable=False, regex=r"^\d{2}$")
    academie = dy.String(nullable=False)
    code_region_academique = dy.String(nullable=False, regex=r"^\d{2}$")
    code_commune = dy.String(nullable=True)
    commune = dy.String(nullable=True)
    ep = dy.Enum(EP, nullable=False)
    ips = dy.Float64(nullable=True, min=0.0, max=250.0)
    eleves = dy.Int64(nullable=True, min=0)
    enseignants = dy.Int64(nullable=True, min=0)
    taux_salles_connectees = dy.Float64(nullable=True, min=0.0, max=1.0)
    projet_ent = dy.String(nullable=True)
    latitude = dy.Float64(nullable=True, min=-90.0, max=90.0)
    longitude = dy.Float64(nullable=True, min=-180.0, max=180.0)


class IpsCollegeSchema(dy.Schema):
    """One row per collège and school year of the « IPS des collèges » (DEPP) file."""

    uai = dy.String(nullable=False, regex=r"^[0-9]{7}[A-Z]$")
    rentree = dy.String(nullable=False, regex=r"^\d{4}-\d{4}$")
    nom = dy.String(nullable=True)
    code_departement = dy.String(nullable=True, regex=r"^(\d{2}|2[AB]|97\d)$")
    secteur = dy.Enum(SECTEURS, nullable=True)
    effectifs = dy.Int64(nullable=True, min=0)
    ips = dy.Float64(nullable=False, min=0.0, max=250.0)
    ips_ecart_type = dy.Float64(nullable=True, min=0.0)
