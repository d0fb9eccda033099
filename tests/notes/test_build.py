"""Notes built from a small build: scope, messages, numbered figures, methodology, dates."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from egn_analytics.cards import Tables, card_keys
from egn_analytics.generations import generation_id
from egn_analytics.notes import Note, ScopeError, build_note, scope_of
from egn_analytics.notes.build import MAX_FIGURES, MIN_FIGURES, data_date
from egn_analytics.notes.messages import MAX_MESSAGES, MIN_MESSAGES
from egn_analytics.survey.secret import SecretRule

SCOPES = {
    "academie": {"academie": "09"},
    "region": {"region": "32"},
    "national": {"national": True},
}


@pytest.fixture(scope="module")
def notes(tables: Tables) -> dict[str, Note]:
    return {kind: build_note(scope_of(**args), tables) for kind, args in SCOPES.items()}


def test_scope_of_each_kind() -> None:
    lille = scope_of(academie="09")
    assert (lille.kind, lille.code, lille.label) == ("academie", "09", "Académie de Lille")
    assert lille.view == {"territoire": "academie-09"}
    region = scope_of(region="32")
    assert region.label == "Région académique Hauts-de-France"
    assert region.view == {"territoire": "region-32"}
    france = scope_of(national=True)
    assert (france.kind, france.code, france.label) == ("national", None, "France")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({"academie": "99"}, "académie inconnue : «\u00a099\u00a0» (codes connus : 01, 02"),
        ({"region": "99"}, "région académique inconnue"),
        ({}, "indiquez une seule portée"),
        ({"academie": "09", "national": True}, "indiquez une seule portée"),
    ],
)
def test_scope_of_refuses_in_french(args: dict[str, object], said: str) -> None:
    with pytest.raises(ScopeError, match=re.escape(said)):
        scope_of(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(SCOPES))
def test_a_note_has_its_messages_figures_and_methodology(notes: dict[str, Note], kind: str) -> None:
    note = notes[kind]
    assert note.title.endswith(note.scope.label if kind == "national" else note.scope.label[1:])
    assert MIN_MESSAGES <= len(note.messages) <= MAX_MESSAGES
    assert {m.domain for m in note.messages} == {"enquetes", "usages", "concertation"}
    survey = [m for m in note.messages if m.domain == "enquetes"]
    assert survey and all("IC à 95\u202f%\u00a0:" in m.text for m in survey)
    assert all(m.text.endswith(".") and m.text[0].isupper() for m in note.messages)
    assert MIN_FIGURES <= len(note.figures) <= MAX_FIGURES
    assert [f.number for f in note.figures] == list(range(1, len(note.figures) + 1))
    assert all(f.key in card_keys() for f in note.figures)
    assert note.figures[0].key == "enquetes.estimations"
    titles = [item.title for item in note.methodology]
    for wanted in (
        "Sources",
        "Pondération et calage",
        "Secret statistique",
        "Visite",
        "Période de référence",
        "Rapport de fermeture",
        "Classification des contributions",
        "Données synthétiques",
    ):
        assert wanted in titles
    secret = next(item.text for item in note.methodology if item.title == "Secret statistique")
    assert f"moins de {SecretRule.from_settings().min_respondents} répondants" in secret
    quality = next(i.text for i in note.methodology if i.title.startswith("Classification"))
    assert "F1 macro thèmes" in quality
    assert note.synthetic_notice


def test_figures_follow_the_scope(notes: dict[str, Note]) -> None:
    lille = notes["academie"]
    assert lille.figures[1].view == {
        "indicateur": "eleves_ordinateur_perso",
        "ventilation": "academie",
        "domaine": "09",
    }
    usages = [f for f in lille.figures if f.key.startswith("usages.")]
    assert usages and all(f.view["territoire"] == "academie-09" for f in usages)
    themes = [f for f in lille.figures if f.key == "concertation.themes"]
    assert all(f.view == {"region": "32"} for f in themes)
    assert notes["region"].figures[1].view["ventilation"] == "region_academique"
    assert notes["national"].figures[1].view["ventilation"] == "milieu_social"


def test_messages_name_the_scope(notes: dict[str, Note]) -> None:
    lille = " ".join(m.text for m in notes["academie"].messages)
    assert "académie de Lille" in lille
    assert "région académique Hauts-de-France" in lille  # the consultation is by région
    france = notes["national"].messages[0].text
    assert "REP+" in france and ("écart significatif" in france or "non significatif" in france)


def test_dates_come_from_the_build_not_the_clock(tables: Tables, notes: dict[str, Note]) -> None:
    stamp = generation_id(tables.folder)
    assert stamp is not None
    expected = dt.datetime.strptime(stamp[:8], "%Y%m%d").date()
    assert data_date(tables) == expected
    for note in notes.values():
        assert note.data_date == expected and note.created == expected
    dated = build_note(scope_of(region="32"), tables, created=dt.date(2030, 1, 2))
    assert dated.created == dt.date(2030, 1, 2) and dated.data_date == expected


def test_the_same_build_gives_the_same_note(tables: Tables, notes: dict[str, Note]) -> None:
    again = build_note(scope_of(academie="09"), tables)
    first = notes["academie"]
    assert again.messages == first.messages
    assert again.methodology == first.methodology
    assert [(f.number, f.key, f.view, f.card.title) for f in again.figures] == [
        (f.number, f.key, f.view, f.card.title) for f in first.figures
    ]
    assert all(
        a.card.data.equals(b.card.data) for a, b in zip(again.figures, first.figures, strict=True)
    )


def test_a_masked_academie_is_said_without_its_value(tables: Tables) -> None:
    """On the small build some académies have too few respondents: the note says so."""
    import polars as pl

    catalogue = tables.table("enquetes_catalogue")
    masked = catalogue.filter(
        (pl.col("indicator") == "eleves_ordinateur_perso")
        & (pl.col("breakdown") == "academie")
        & (pl.col("status") == "masked")
    )
    if masked.is_empty():
        pytest.skip("aucune académie masquée sur ce build")
    code = masked["domain_code"][0]
    note = build_note(scope_of(academie=code), tables)
    first = note.messages[0].text
    assert "non diffusé (secret statistique)" in first
    assert first.index("non diffusé") < first.index("en France")
