"""Key messages on handmade frames: intervals, gap verdicts, masked and fragile cells."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from egn_analytics.indicators import OUTPUT_SCHEMA
from egn_analytics.notes import messages as m
from egn_analytics.notes.build import scope_of
from egn_analytics.viz import fmt_date
from egn_analytics.viz.formats import NBSP, NNBSP

ORDI = "eleves_ordinateur_perso"
LECTURE = "en 2020, {v} des élèves du second degré{who} disposent d'un ordinateur personnel."
LILLE = scope_of(academie="09")
FRANCE = scope_of(national=True)
BREAKDOWNS = {"ensemble": "Ensemble", "ep": "Éducation prioritaire", "academie": "Académie"}


def row(
    breakdown: str,
    code: str,
    domain: str,
    estimate: float,
    status: str = "published",
    se: float = 0.006,
    who: str = "",
) -> dict[str, Any]:
    """One row of the survey table; a masked row KEEPS its values here, as a faulty table
    would: the messages must blank them themselves."""
    value = f"{estimate * 100:.1f}".replace(".", ",") + f"{NNBSP}%"
    return {
        "indicator": ORDI,
        "label": "Élèves disposant d'un ordinateur personnel",
        "theme": "equipement",
        "population": "eleves_2d",
        "unit": "%",
        "breakdown": breakdown,
        "breakdown_label": BREAKDOWNS[breakdown],
        "domain_code": code,
        "domain": domain,
        "estimate": estimate,
        "se": se,
        "ci_lower": estimate - 1.96 * se,
        "ci_upper": estimate + 1.96 * se,
        "n": 900,
        "cv": se / estimate,
        "status": status,
        "champ": "Élèves de collège et de lycée, France, 2020.",
        "source": "DEPP, enquête 2020.",
        "lecture": LECTURE.format(v=value, who=who),
    }


def table(*, lille: str = "published", rep_plus: str = "published") -> pl.DataFrame:
    rows = [
        row("ensemble", "ensemble", "Ensemble", 0.42),
        row("ep", "1", "REP+", 0.0945, rep_plus),
        row("ep", "2", "REP", 0.21),
        row("ep", "3", "Hors éducation prioritaire", 0.4447),
        row("academie", "09", "Lille", 0.777, lille, who=" de l'académie de Lille"),
        row("academie", "01", "Paris", 0.5),
    ]
    return pl.DataFrame(rows, schema=OUTPUT_SCHEMA)


def gap_row(difference: float, p_value: float, status: str = "published") -> dict[str, Any]:
    return {
        "a": "1",
        "b": "3",
        "domain_a": "REP+",
        "domain_b": "Hors éducation prioritaire",
        "estimate_a": 0.0945,
        "estimate_b": 0.0945 - difference,
        "difference": difference,
        "ci_lower": difference - 0.02,
        "ci_upper": difference + 0.02,
        "p_value": p_value,
        "status": status,
    }


def fixed_gap(gap: dict[str, Any] | None) -> tuple[m.GapFunction, list[tuple[str, ...]]]:
    calls: list[tuple[str, ...]] = []

    def compute(indicator: str, breakdown: str, a: str, b: str) -> dict[str, Any] | None:
        calls.append((indicator, breakdown, a, b))
        return gap

    return compute, calls


FOCUS = m.SurveyFocus(ORDI, "ep")


def test_fmt_ci_is_the_house_style() -> None:
    assert m.fmt_ci(0.408, 0.432, "%") == f"IC à 95{NNBSP}%{NBSP}: 40,8–43,2"
    assert m.fmt_ci(36.5, 38.04, "heures") == f"IC à 95{NNBSP}%{NBSP}: 36,5–38,0"
    assert m.fmt_ci(None, 0.4, "%").endswith("n.d.")


def test_national_message_states_a_significant_gap_as_a_difference() -> None:
    compute, calls = fixed_gap(gap_row(-0.3502, 0.0001))
    message = m.survey_message(table(), FOCUS, FRANCE, compute)
    assert message is not None
    assert calls == [(ORDI, "ep", "1", "3")]
    assert message.text == (
        "En 2020, 42,0\u202f% des élèves du second degré disposent d'un ordinateur personnel "
        f"(IC à 95{NNBSP}%{NBSP}: 40,8–43,2){NBSP}; 9,5{NNBSP}% en REP+, soit 35,0{NNBSP}points "
        "de moins que hors éducation prioritaire (écart significatif)."
    )
    assert message.status == "published" and message.card == "enquetes.estimations"


def test_a_non_significant_gap_is_never_stated_as_a_difference() -> None:
    compute, _ = fixed_gap(gap_row(-0.012, 0.41))
    message = m.survey_message(table(), FOCUS, FRANCE, compute)
    assert message is not None
    assert "écart non significatif" in message.text
    assert "aucune différence établie" in message.text
    for claim in ("de moins", "de plus", "points", "écart significatif"):
        assert claim not in message.text.replace("écart non significatif", "")
    assert "contre" in message.text


def test_a_masked_cell_is_never_quoted() -> None:
    compute, _ = fixed_gap(gap_row(-0.35, 0.0001))
    message = m.survey_message(table(lille="masked"), FOCUS, LILLE, compute)
    assert message is not None
    assert "non diffusé (secret statistique)" in message.text
    for value in ("77,7", "0,777", "76,", "78,"):
        assert value not in message.text
    # the national gap is still said, from France's rows
    assert "en France, 9,5" in message.text


def test_a_masked_domain_of_the_gap_gives_no_gap_and_no_value() -> None:
    compute, calls = fixed_gap(gap_row(-0.35, 0.0001))
    message = m.survey_message(table(rep_plus="masked"), FOCUS, FRANCE, compute)
    assert message is not None
    assert calls == []  # never computed between a masked and a published domain
    assert "n'est pas diffusé (secret statistique)" in message.text
    assert "9,5" not in message.text and "9,4" not in message.text
    assert "écart significatif" not in message.text


def test_a_fragile_estimate_is_flagged() -> None:
    compute, _ = fixed_gap(gap_row(-0.35, 0.0001))
    message = m.survey_message(table(lille="fragile"), FOCUS, LILLE, compute)
    assert message is not None
    assert message.status == "fragile"
    assert "77,7" in message.text and "estimation fragile, CV > 20" in message.text


def test_a_fragile_gap_is_flagged_too() -> None:
    compute, _ = fixed_gap(gap_row(-0.35, 0.0001, status="fragile"))
    message = m.survey_message(table(), FOCUS, FRANCE, compute)
    assert message is not None
    assert message.status == "fragile"
    assert f"(écart significatif{NBSP}; estimation fragile, CV > 20" in message.text


def test_an_academie_without_its_own_row_gets_france_saying_so() -> None:
    compute, _ = fixed_gap(None)  # the gap cannot be computed: said nothing of it
    message = m.survey_message(table(), FOCUS, scope_of(academie="03"), compute)
    assert message is not None
    assert message.text.startswith(
        f"Faute d'estimation de l'enquête pour l'académie de Besançon, chiffre de la France{NBSP}:"
    )
    assert "42,0" in message.text and "écart" not in message.text


def test_an_academie_message_quotes_its_own_row_and_the_national_gap() -> None:
    compute, _ = fixed_gap(gap_row(-0.35, 0.0001))
    message = m.survey_message(table(), FOCUS, LILLE, compute)
    assert message is not None
    assert message.text.startswith("En 2020, 77,7\u202f% des élèves du second degré de l'académie")
    assert f"{NBSP}; en France, 9,5" in message.text


def its_table(level: float, low: float, high: float) -> pl.DataFrame:
    day = dt.date(2020, 3, 16)
    return pl.DataFrame(
        [
            {
                "rupture": day,
                "effet": "niveau",
                "libelle": f"Changement de niveau au {fmt_date(day)}",
                "estimate": 0.0,
                "ci_lower": 0.0,
                "ci_upper": 0.0,
                "p_value": 0.0004 if low > 0 or high < 0 else 0.6,
                "relative_change": level,
                "relative_ci_lower": low,
                "relative_ci_upper": high,
            }
        ]
    )


def test_its_message_carries_its_interval_and_says_when_it_is_not_significant() -> None:
    significant = m.its_message(its_table(0.85, 0.6, 1.1), LILLE)
    assert significant is not None
    assert significant.text.startswith("Au 16 mars 2020, les visites des élèves de l'académie")
    assert "augmenté de 85" in significant.text
    assert f"de +60{NNBSP}% à +110{NNBSP}%" in significant.text
    assert "pas significatif" not in significant.text
    weak = m.its_message(its_table(0.05, -0.1, 0.2), LILLE)
    assert weak is not None and "le changement n'est pas significatif" in weak.text


def test_concertation_message_counts_the_region_and_its_top_theme() -> None:
    texts = pl.DataFrame(
        {
            "source": ["retex", "retex", "synthese", "questionnaire", "retex"],
            "code_region_academique": ["32", "32", "32", "32", "11"],
            "theme": [3, 3, 1, None, 2],
        },
        schema_overrides={"theme": pl.Int8},
    )
    message = m.concertation_message(texts, LILLE, "F1 macro thèmes 0,90")
    assert message is not None
    assert message.text.startswith(
        "La région académique Hauts-de-France, dont relève l'académie de Lille, a adressé "
        "4 contributions"
    )
    assert f"(50,0{NNBSP}% des contributions{NBSP}; classification automatique, F1" in message.text
    national = m.concertation_message(texts, FRANCE)
    assert national is not None and "5 contributions" in national.text


def test_region_of_an_academie() -> None:
    region = m.region_of(LILLE)
    assert region is not None and region.code == "32"
    assert m.region_of(FRANCE) is None


@pytest.mark.parametrize("kind", ["academie", "region"])
def test_scope_row_of_a_territory(kind: str) -> None:
    scope = LILLE if kind == "academie" else scope_of(region="32")
    found, own = m.scope_row(table(), ORDI, scope)
    assert found is not None
    assert own is (kind == "academie")  # the handmade table has no région breakdown


def test_domains_are_said_in_words() -> None:
    assert m._in_domain("ep", "REP+") == "en REP+"
    assert m._in_domain("ep", "Hors éducation prioritaire") == "hors éducation prioritaire"
    assert m._in_domain("milieu_social", "Très favorisé") == "en milieu très favorisé"
    assert m._in_domain("sexe", "Filles") == f"pour «{NBSP}Filles{NBSP}»"
