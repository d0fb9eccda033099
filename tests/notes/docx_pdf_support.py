"""Fixtures of the DOCX and PDF renderer tests: a small built folder, notes made by hand.

Why by hand: the renderers are tested on their own, from real cards of a real (small) build,
without depending on how key messages are chosen. One note carries five figures of the
académie de Lille; its first figure is the survey card by région académique, whose small
domains are masked, with a *known* value (:data:`MASKED_VALUE`) written back into a masked
row of its data: the renderers must leave it out (the annex prints empty cells there).

Fixtures are imported by the test modules (``from tests.notes.docx_pdf_support import …``);
the data folder is the session's one build (root ``tests/conftest.py``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.notes import KeyMessage, MethodItem, Note, NoteFigure, Scope
from egn_analytics.viz import ChartCard

#: The value written into a masked row: neither of its French spellings may appear in a note.
MASKED_VALUE = 0.8765
MASKED_TEXTS = ("87,7", "87,65", "0,8765", "0.8765")

VIEW = {"territoire": "academie-09"}
MASKED_VIEW = {"indicateur": "chefs_pret_materiel", "ventilation": "region_academique"}
KEYS = (
    "enquetes.estimations",
    "usages.chronologie",
    "usages.rapport",
    "usages.horaires",
    "concertation.themes",
)

MESSAGES = (
    KeyMessage(
        "42,0 % des élèves du second degré disposent d'un ordinateur personnel "
        "(IC à 95 % : 40,8–43,2).",
        "enquetes",
        card="enquetes.estimations",
    ),
    KeyMessage(
        "9,4 % en REP+ (IC à 95 % : 5,4–14,0), soit 35 points de moins que hors éducation "
        "prioritaire (écart significatif).",
        "enquetes",
        status="fragile",
        card="enquetes.estimations",
    ),
    KeyMessage(
        "Pendant la fermeture, les élèves de l'académie de Lille ont fait 1,8 fois plus de "
        "visites par jour de classe qu'en janvier-février.",
        "usages",
        card="usages.rapport",
    ),
)
METHODOLOGY = (
    MethodItem("Sources", "DEPP, enquête sur la continuité pédagogique 2020 ; journaux des ENT."),
    MethodItem(
        "Secret statistique",
        "Une estimation fondée sur moins de 30 répondants n'est pas diffusée.",
    ),
)
SYNTHETIC = (
    "Données synthétiques : générées par EGN Analytics, elles ne décrivent aucune personne "
    "ni aucun établissement réel."
)


@pytest.fixture(scope="session")
def note_data_dir(generated_data_dir: Path) -> Path:
    """The session's small build (root ``tests/conftest.py``), under the name the renderer
    tests use."""
    return generated_data_dir


def with_masked_value(card: ChartCard) -> tuple[ChartCard, str]:
    """``card`` with :data:`MASKED_VALUE` written into its first masked row's numbers.

    Returns the card and the domain of that row (a label the annex must still print).
    """
    data = card.data.with_row_index("_i")
    masked = data.filter(pl.col("statut") == "masqué")
    assert masked.height, "the survey card by région académique should have a masked row"
    row, domain = masked["_i"][0], masked["domaine"][0]
    numbers = ["estimation", "erreur_type", "ic95_bas", "ic95_haut", "cv"]
    doctored = data.with_columns(
        [
            pl.when(pl.col("_i") == row).then(pl.lit(MASKED_VALUE)).otherwise(pl.col(c)).alias(c)
            for c in numbers
        ]
    ).drop("_i")
    return (
        ChartCard(
            figure=card.figure,
            title=card.title,
            subtitle=card.subtitle,
            lecture=card.lecture,
            champ=card.champ,
            source=card.source,
            data=doctored,
            synthetic=card.synthetic,
        ),
        domain,
    )


def make_note(folder: Path, *, figures: bool = True) -> Note:
    """The five-figure note of the académie de Lille (figure 1 carries the masked value)."""
    from egn_analytics.cards import Tables, build_card

    tables = Tables(folder / "processed")
    built: list[NoteFigure] = []
    if figures:
        for number, key in enumerate(KEYS, start=1):
            view = {**VIEW, **MASKED_VIEW} if key == "enquetes.estimations" else VIEW
            card = build_card(key, view, tables)
            if key == "enquetes.estimations":
                card, _domain = with_masked_value(card)
            built.append(NoteFigure(number=number, key=key, view=view, card=card))
    return Note(
        title="Le numérique éducatif pendant la fermeture des écoles",
        scope=Scope("academie", "09", "Académie de Lille", dict(VIEW)),
        data_date=dt.date(2020, 7, 31),
        created=dt.date(2020, 9, 1),
        messages=MESSAGES,
        figures=tuple(built),
        methodology=METHODOLOGY,
        synthetic_notice=SYNTHETIC,
    )


@pytest.fixture(scope="session")
def hand_note(note_data_dir: Path) -> Note:
    return make_note(note_data_dir)


def text_note(title: str, message: str) -> Note:
    """A note without figures (no Chromium needed): for escaping and structure tests."""
    return Note(
        title=title,
        scope=Scope("national", None, "France"),
        data_date=dt.date(2020, 7, 31),
        created=dt.date(2020, 9, 1),
        messages=(
            KeyMessage(message, "usages"),
            KeyMessage("Une estimation fragile (IC à 95 % : 1,0–9,0).", "enquetes", "fragile"),
        ),
        figures=(),
        methodology=METHODOLOGY,
        synthetic_notice=None,
    )
