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
#: IPS classes: quartiles of the DEPP file's établissements, Q1 the least favoured quarter.
CLASSES_IPS = ["Q1", "Q2", "Q3", "Q4"]
#: Kinds of DEPP IPS files (« IPS des écoles / des collèges / des lycées »).
NIVEAUX_IPS = ["école", "collège", "lycée"]


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
    #: Added last so the columns before it keep their order; empty without an IPS file.
    classe_ips = dy.Enum(CLASSES_IPS, nullable=True)


class IpsSchema(dy.Schema):
    """One row per établissement and school year of a DEPP IPS file (écoles, collèges, lycées).

    ``ips`` is the établissement's overall index (for a lycée « IPS Ensemble GT-PRO » or « IPS
    de l'établissement »); a lycée's per-track ones are ``ips_voie_gt``/``ips_voie_pro``.
    """

    uai = dy.String(nullable=False, regex=r"^[0-9]{7}[A-Z]$")
    rentree = dy.String(nullable=False, regex=r"^\d{4}-\d{4}$")
    niveau = dy.Enum(NIVEAUX_IPS, nullable=False)
    type_lycee = dy.String(nullable=True)
    nom = dy.String(nullable=True)
    code_departement = dy.String(nullable=True, regex=r"^(\d{2}|2[AB]|97\d)$")
    secteur = dy.Enum(SECTEURS, nullable=True)
    effectifs = dy.Int64(nullable=True, min=0)
    ips = dy.Float64(nullable=False, min=0.0, max=250.0)
    ips_ecart_type = dy.Float64(nullable=True, min=0.0)
    ips_voie_gt = dy.Float64(nullable=True, min=0.0, max=250.0)
    ips_voie_pro = dy.Float64(nullable=True, min=0.0, max=250.0)


#: Former name, when only the collèges' file was read.
IpsCollegeSchema = IpsSchema
