"""The établissement vocabularies of ``reference/_data``: sourced, complete, consistent."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

import polars as pl
import pytest

from egn_analytics import reference as ref
from egn_analytics.schemas.etablissements import CONTRATS, SECTEURS, TYPES

DATA = files("egn_analytics.reference") / "_data"


@pytest.mark.parametrize(
    "name", ["types_etablissement.csv", "natures_uai.csv", "secteurs.csv", "contrats_prive.csv"]
)
def test_each_vocabulary_names_its_source(name: str) -> None:
    first = (DATA / name).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and "Annuaire de l'éducation" in first


@pytest.mark.parametrize("table", [ref.types_etablissement, ref.natures_uai])
def test_each_type_is_kept_or_set_apart_with_a_reason(
    table: Callable[[], pl.DataFrame],
) -> None:
    frame = table()
    kept, apart = frame["type"].is_not_null(), frame["hors_champ"].is_not_null()
    assert (kept ^ apart).all()
    assert set(frame["type"].drop_nulls()) <= set(TYPES)


def test_schema_categories_come_from_the_vocabularies() -> None:
    assert TYPES == ["Ecole", "Collège", "Lycée", "Lycée professionnel"]
    assert SECTEURS == ["Public", "Privé"]
    assert CONTRATS == [
        "Sans objet",
        "Hors contrat",
        "Contrat simple pour partie des classes",
        "Contrat d'association toutes classes",
    ]
    assert ref.natures_uai()["code_nature"].is_unique().all()
    assert set(ref.natures_uai()["hors_champ"].drop_nulls()) >= {
        "service administratif",
        "établissement médico-social",
        "centre d'information et d'orientation",
        "EREA (enseignement adapté)",
    }


def test_getters_hand_out_copies() -> None:
    ref.types_etablissement().drop_in_place("type")
    assert "type" in ref.types_etablissement().columns
