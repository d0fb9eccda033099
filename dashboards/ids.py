"""Every component id of the app, in one place: a typo becomes an ImportError, not a silent bug.

Ids are prefixed by their page (``donnees-…``) so that two pages never collide.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- shell ---------------------------------------------------------------------------------
SHELL = "egn-shell"
HEADER = "egn-header"
SYNTHETIC_BANNER = "egn-synthetic-banner"
NAVBAR = "egn-navbar"
MAIN = "egn-main"
FOOTER = "egn-footer"

# --- page « Données » ------------------------------------------------------------------------
DONNEES_URL = "donnees-url"
DONNEES_FAMILY = "donnees-famille"
DONNEES_KEY_FIGURES = "donnees-chiffres-cles"
DONNEES_DATASETS = "donnees-jeux"
DONNEES_DETAIL = "donnees-detail"
DONNEES_SUMMARY = "donnees-resume"
DONNEES_TABLE = "donnees-table"
DONNEES_DOWNLOAD_BUTTON = "donnees-catalogue-bouton"
DONNEES_DOWNLOAD = "donnees-catalogue-telechargement"
DONNEES_MISSING = "donnees-manquantes"
DONNEES_SIZES_CARD = "donnees-tailles"
DONNEES_QUALITY = "donnees-qualite"
DONNEES_QUALITY_TABLE = "donnees-qualite-table"
DONNEES_QUALITY_CHECK = "donnees-qualite-controle"
DONNEES_QUALITY_MISSING = "donnees-qualite-absente"


# --- page « Équipement et continuité (enquêtes) » -------------------------------------------
ENQUETES_URL = "enquetes-url"
ENQUETES_INDICATOR = "enquetes-indicateur"
ENQUETES_BREAKDOWN = "enquetes-ventilation"
ENQUETES_CARD = "enquetes-estimations"
ENQUETES_TABLE = "enquetes-tableau"
ENQUETES_GAP = "enquetes-ecart"
ENQUETES_GAP_A = "enquetes-ecart-a"
ENQUETES_GAP_B = "enquetes-ecart-b"
ENQUETES_GAP_RESULT = "enquetes-ecart-resultat"
ENQUETES_MISSING = "enquetes-indisponible"


# --- page « Continuité pédagogique (usages numériques) » -------------------------------------
USAGES_URL = "usages-url"
USAGES_PROFILE = "usages-profil"
USAGES_TERRITORY = "usages-territoire"
USAGES_MISSING = "usages-indisponible"
USAGES_TIMELINE_CARD = "usages-chronologie"
USAGES_CNED_CARD = "usages-cned"
USAGES_RATIO_CARD = "usages-rapport"
USAGES_DESYNC_CARD = "usages-horaires"
USAGES_ITS_EFFECTS = "usages-its-effets"
USAGES_ITS_CARD = "usages-its"
USAGES_INCIDENTS_CARD = "usages-incidents"


# --- page « Concertation et RETEX » ----------------------------------------------------------
CONCERTATION_URL = "concertation-url"
CONCERTATION_STATE = "concertation-selection"
CONCERTATION_SOURCES = "concertation-sources"
CONCERTATION_REGION = "concertation-region"
CONCERTATION_THEME = "concertation-theme"
CONCERTATION_QUERY = "concertation-recherche"
CONCERTATION_MISSING = "concertation-indisponible"
CONCERTATION_KEY_FIGURES = "concertation-chiffres-cles"
CONCERTATION_METHOD = "concertation-methode"
CONCERTATION_SEARCH = "concertation-resultats"
CONCERTATION_THEMES_CARD = "concertation-themes"
CONCERTATION_PROPOSITIONS_CARD = "concertation-propositions"
CONCERTATION_DRILLDOWN = "concertation-detail"
CONCERTATION_PROPOSITION = "concertation-proposition"
CONCERTATION_DRILLDOWN_BUTTON = "concertation-detail-bouton"
CONCERTATION_DRILLDOWN_DOWNLOAD = "concertation-detail-telechargement"
CONCERTATION_COVERAGE_CARD = "concertation-couverture"
CONCERTATION_SPECIFICITIES = "concertation-specificites"
CONCERTATION_PARTS = "concertation-parties"
CONCERTATION_SPECIFICITIES_TABLE = "concertation-specificites-table"


@dataclass(frozen=True, slots=True)
class CardIds:
    """Ids of the parts of one chart card, derived from the card's id."""

    card: str
    graph: str
    data_button: str
    data_download: str
    png_button: str
    png_download: str
    status: str


def card_ids(card_id: str) -> CardIds:
    """Ids of the card ``card_id`` (the layout factory and the page callbacks both use this)."""
    return CardIds(
        card=card_id,
        graph=f"{card_id}-graphique",
        data_button=f"{card_id}-donnees-bouton",
        data_download=f"{card_id}-donnees-telechargement",
        png_button=f"{card_id}-png-bouton",
        png_download=f"{card_id}-png-telechargement",
        status=f"{card_id}-statut",
    )


@dataclass(frozen=True, slots=True)
class NoteIds:
    """Ids of a page's « note de synthèse » block, derived from the page's prefix."""

    section: str
    docx_button: str
    pdf_button: str
    download: str
    status: str


def note_ids(prefix: str) -> NoteIds:
    """Ids of the note block of the page ``prefix`` (``usages`` → ``usages-note-…``)."""
    return NoteIds(
        section=f"{prefix}-note",
        docx_button=f"{prefix}-note-docx-bouton",
        pdf_button=f"{prefix}-note-pdf-bouton",
        download=f"{prefix}-note-telechargement",
        status=f"{prefix}-note-statut",
    )
