"""Schemas of the text tables: the document corpus and the consultation platform exports.

Codes stay strings (``"08"``). Académie columns are *nullable* in every text table: losing a
text because its académie label is unknown costs more than a missing code, so the loaders keep
the row, leave the code null and explain why in ``alerte`` (see :mod:`egn_analytics.loaders.corpus`).
"""

from __future__ import annotations

import dataframely as dy

SOURCES = ["retex", "synthese", "autre"]
FORMATS = ["csv", "json", "jsonl", "txt", "md", "docx", "pdf"]

_CODE = r"^\d{2}$"


class DocumentSchema(dy.Schema):
    """``documents``: one row per document (RETEX, synthesis or other), text and metadata."""

    id_document = dy.String(nullable=False, min_length=1)
    source = dy.Enum(SOURCES, nullable=False)
    titre = dy.String(nullable=True)
    texte = dy.String(nullable=False, min_length=1)
    academie = dy.String(nullable=True)
    code_academie = dy.String(nullable=True, regex=_CODE)
    region_academique = dy.String(nullable=True)
    code_region_academique = dy.String(nullable=True, regex=_CODE)
    type_auteur = dy.String(nullable=True)
    niveau = dy.String(nullable=True)
    date = dy.Date(nullable=True)
    fichier = dy.String(nullable=False)
    format = dy.Enum(FORMATS, nullable=False)
    alerte = dy.String(nullable=True)


class ReponseSchema(dy.Schema):
    """``consultation_reponses``: one row per questionnaire answer.

    The closed questions are not declared here: they vary from one questionnaire to the next,
    and the loader appends them after these columns as nullable strings, headed by the
    question text exactly as exported.
    """

    id_reponse = dy.String(nullable=False, min_length=1)
    date = dy.Date(nullable=False)
    profil = dy.String(nullable=True)
    academie = dy.String(nullable=True)
    code_academie = dy.String(nullable=True, regex=_CODE)
    alerte = dy.String(nullable=True)
    texte_libre = dy.String(nullable=True)


class PropositionSchema(dy.Schema):
    """``consultation_propositions``: one row per proposal posted on the platform."""

    id_proposition = dy.String(nullable=False, min_length=1)
    date = dy.Date(nullable=False)
    auteur_pseudo = dy.String(nullable=True)
    profil = dy.String(nullable=True)
    titre = dy.String(nullable=True)
    texte = dy.String(nullable=True)


class CommentaireSchema(dy.Schema):
    """``consultation_commentaires``: one row per comment; ``id_proposition`` always exists."""

    id_commentaire = dy.String(nullable=False, min_length=1)
    id_proposition = dy.String(nullable=False)
    date = dy.Date(nullable=False)
    auteur_pseudo = dy.String(nullable=True)
    texte = dy.String(nullable=False, min_length=1)


class SoutienSchema(dy.Schema):
    """``consultation_soutiens``: one row per support (vote) given to a proposal."""

    id_soutien = dy.String(nullable=False, min_length=1)
    id_proposition = dy.String(nullable=False)
    auteur_pseudo = dy.String(nullable=True)
    date = dy.Date(nullable=False)


class LabelSchema(dy.Schema):
    """Labelled contributions (``verite_terrain*.csv`` or a user's own file) for evaluation.

    ``propositions`` lists proposition numbers, the main one first; ``theme`` is the main one's.
    """

    id = dy.String(nullable=False, min_length=1)
    theme = dy.Int8(nullable=False, min=1, max=5)
    propositions = dy.List(dy.Int8(nullable=False, min=1, max=40), nullable=False, min_length=1)
