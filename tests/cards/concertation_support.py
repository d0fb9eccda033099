"""A handmade corpus of the « Concertation » cards: six contributions, an evaluation table and a
specificity table, with the columns of the indicator tables (``textes_contributions``,
``textes_evaluation``, the library's specificities).

Shared by the library's card tests (``tests/cards/test_concertation.py``) and the page's
(``tests/dashboards/test_concertation.py``, which renders the same rows as Dash components), so
that both check exactly the same counts, shares and excerpts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from egn_analytics.cards import concertation as cards
from egn_analytics.indicators import polars_schema
from egn_analytics.text.specificities import SPECIFICITY_SCHEMA

_REGIONS = {"53": "Bretagne", "32": "Hauts-de-France", "11": "Île-de-France"}


def _text(
    id_: str,
    source: str,
    region: str | None,
    theme: int | None,
    propositions: list[int],
    scores: list[float],
    a_verifier: bool,
    texte: str,
) -> dict[str, Any]:
    return {
        "id": id_,
        "source": source,
        "titre": None,
        "texte": texte,
        "code_academie": None,
        "academie": None,
        "code_region_academique": region,
        "region_academique": _REGIONS.get(region or ""),
        "profil": None,
        "date": dt.date(2020, 11, 4),
        "theme": theme,
        "theme_score": None if theme is None else 0.8,
        "theme_2": None,
        "theme_2_score": None,
        "a_verifier": a_verifier,
        "propositions": propositions,
        "scores": scores,
        "theme_libelle": None,
    }


def corpus() -> pl.DataFrame:
    """Six contributions: two RETEX of Bretagne, a questionnaire answer of Hauts-de-France,
    a forum proposal and a comment (no territory), a synthesis of Île-de-France."""
    rows = [
        _text(
            "R1",
            "retex",
            "53",
            3,
            [16, 18],
            [0.9, 0.4],
            False,
            "Les élèves n'avaient pas d'ordinateur à la maison. Un Ordinateur par famille !",
        ),
        _text("R2", "retex", "53", 3, [16], [0.8], False, "Prêter des tablettes aux familles."),
        _text("Q1", "questionnaire", "32", 2, [6, 16], [0.7, 0.3], True, "Former les profs."),
        _text("P1", "proposition", None, 3, [18], [0.95], False, "Un socle numérique."),
        _text("C1", "commentaire", None, None, [], [], True, "Je plussoie."),
        _text("S1", "synthese", "11", 5, [35, 16], [0.6, 0.5], False, "Interopérabilité."),
    ]
    return pl.DataFrame(rows, schema=polars_schema("textes_contributions"))


def evaluation(learnt: float = 0.97, seed: float = 0.9, n: int = 2527) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "methode": "amorce seule",
                "textes": n,
                "f1_macro_themes": seed,
                "exactitude_themes": 0.9,
                "f1_macro_propositions": 0.74,
                "f1_micro_propositions": 0.75,
                "part_non_classes": 0.01,
                "part_a_verifier": 0.07,
            },
            {
                "methode": "amorce + exemples",
                "textes": n,
                "f1_macro_themes": learnt,
                "exactitude_themes": 0.98,
                "f1_macro_propositions": 0.86,
                "f1_micro_propositions": 0.9,
                "part_non_classes": 0.0,
                "part_a_verifier": 0.02,
            },
        ],
        schema=polars_schema("textes_evaluation"),
    )


ALL = cards.Selection()
BRETAGNE = cards.parse_selection(region="53")


def specificity_frame() -> pl.DataFrame:
    """Twelve terms in each of the five themes, scores 30, 27, …, -3 (two below the banality
    threshold)."""
    rows = [
        {
            "part": part,
            "term": f"terme_{part}_{i}",
            "f": 20 - i,
            "F": 40,
            "t": 1000,
            "T": 5000,
            "expected": 8.0,
            "score": 30.0 - 3 * i,
            "p_value": 1e-5,
        }
        for part in ("1", "2", "3", "4", "5")
        for i in range(12)
    ]
    return pl.DataFrame(rows, schema=SPECIFICITY_SCHEMA)
