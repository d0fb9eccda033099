"""Nomenclature facts, asserted exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from egn_analytics import reference as ref
from egn_analytics.reference import nomenclatures


def test_counts_are_exact() -> None:
    assert ref.regions_academiques().height == 18
    assert ref.academies().height == 30
    assert ref.departements().height == 101
    assert ref.themes().height == 5
    assert ref.propositions().height == 40


def test_dtypes_are_declared_strings_for_codes() -> None:
    deps = ref.departements()
    assert deps.schema["code_departement"] == pl.String
    assert deps.schema["code_academie"] == pl.String
    assert set(deps["code_departement"]) >= {"01", "2A", "2B", "971", "976"}
    assert deps.null_count().sum_horizontal().item() == 0


def test_every_departement_in_one_academie_and_region() -> None:
    deps = ref.departements()
    assert deps["code_departement"].n_unique() == 101
    per_region = deps.group_by("region_academique").agg(pl.col("code_academie").n_unique())
    assert per_region.height == 18
    # Normandie is a single académie (code 70) since 1 January 2020.
    norm = deps.filter(pl.col("region_academique") == "Normandie")
    assert norm["code_academie"].unique().to_list() == ["70"]
    assert sorted(norm["code_departement"]) == ["14", "27", "50", "61", "76"]


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Caen", "70"),
        ("Rouen", "70"),
        ("05", "70"),
        ("21", "70"),
        ("ORLEANS-TOURS", "18"),
        ("orléans tours", "18"),
        ("Créteil", "24"),
        ("CRETEIL", "24"),
        ("08", "08"),
        ("Réunion", "28"),
    ],
)
def test_academie_aliases(label: str, code: str) -> None:
    assert ref.academie_code(label) == code


def test_unknown_academie_names_the_input() -> None:
    with pytest.raises(KeyError, match="Atlantide"):
        ref.academie_code("Atlantide")


def test_academie_key_expr_matches_python_folding() -> None:
    labels = ["Orléans-Tours", "CRÉTEIL", " aix-marseille ", "Clermont-Ferrand", "La Réunion"]
    keys = pl.DataFrame({"a": labels}).select(ref.academie_key_expr("a")).to_series().to_list()
    aliases = dict(ref.academie_aliases().select("key", "code_academie").iter_rows())
    assert [aliases[k] for k in keys] == ["18", "24", "02", "06", "28"]


def test_zones() -> None:
    zones = dict(ref.academies().select("academie", "zone").iter_rows())
    assert zones["Créteil"] == zones["Paris"] == zones["Versailles"] == "Zone C"
    assert zones["Lyon"] == "Zone A"
    assert zones["Normandie"] == "Zone B"
    assert zones["Corse"] == "Corse"
    assert all(z in ref.ZONES for z in zones.values())


def test_propositions_belong_to_themes() -> None:
    props = ref.propositions()
    assert props["numero"].to_list() == list(range(1, 41))
    assert set(props["theme"].drop_nulls()) == {1, 2, 3, 4, 5}
    assert props.filter(pl.col("numero") == 18)["theme"].item() == 3
    transverse = props.filter(pl.col("transverse"))
    assert transverse["numero"].to_list() == [39, 40]
    assert transverse["themes"].to_list() == [[2, 3, 4], [1, 2, 3, 4, 5]]
    assert props.filter(pl.col("numero") == 37)["libelle"].item().startswith("Créer « l'Education")


def test_free_text_with_semicolons_is_kept() -> None:
    phases = ref.phases_covid()
    first = phases.filter(pl.col("date") == pl.date(2020, 3, 2))["evenement"].item()
    assert (
        first
        == "Premières fermetures localisées (Oise) ; « Ma classe à la maison » ouverte à l'Oise"
    )


def test_phases() -> None:
    phases = ref.phases_covid()
    assert phases.schema["date"] == pl.Date
    assert "2020-03-16" in phases["date"].cast(pl.String).to_list()
    assert "2020-05-11" in phases["date"].cast(pl.String).to_list()


@pytest.mark.parametrize(
    "getter",
    [
        ref.regions_academiques,
        ref.academies,
        ref.departements,
        ref.academie_aliases,
        ref.themes,
        ref.propositions,
        ref.phases_covid,
    ],
)
def test_getters_cannot_be_mutated_through_their_result(getter: Callable[[], pl.DataFrame]) -> None:
    first = getter()
    columns = first.columns
    first.drop_in_place(columns[-1])
    first.insert_column(0, pl.Series("intrus", [None] * first.height))
    assert getter().columns == columns


def test_departements_drop_in_place_does_not_break_later_calls() -> None:
    ref.departements().drop_in_place("zone")
    assert ref.departements()["zone"].null_count() == 0
    assert ref.academie_code("Caen") == "70"


def test_folding_rule_is_shared_by_python_and_polars() -> None:
    labels = ["Œuvre", "cœur", "ÆSIR", "Ñandú", "Ÿvelines", "Straße", "Orléans-Tours", "La Réunion"]
    expected = [
        "oeuvre",
        "coeur",
        "aesir",
        "nandu",
        "yvelines",
        "strasse",
        "orleanstours",
        "lareunion",
    ]
    keys = pl.DataFrame({"a": labels}).select(ref.academie_key_expr("a")).to_series().to_list()
    assert keys == expected
    assert [nomenclatures._fold(x) for x in labels] == expected


def test_ragged_line_names_file_and_line() -> None:
    text = "date;evenement\n2020-03-02;a ; b\n\n2020-03-12\n"
    with pytest.raises(ValueError) as err:
        nomenclatures._parse_last_free(text, ["date", "evenement"], "phases.csv")
    assert str(err.value) == (
        "phases.csv, ligne 4 : 1 champ(s) au lieu de 2 (date;evenement) : '2020-03-12'"
    )
    ok = nomenclatures._parse_last_free(text.replace("\n2020-03-12", ""), ["date", "evenement"])
    assert ok.rows() == [("2020-03-02", "a ; b")]


def test_ragged_reference_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "phases_covid_2020.csv").write_text(
        "date;evenement\n2020-03-16;Fermeture\n2020-03-17\n", encoding="utf-8"
    )
    monkeypatch.setattr(nomenclatures, "_DATA", tmp_path)
    with pytest.raises(ValueError, match=r"^phases_covid_2020\.csv, ligne 3 : 1 champ\(s\)"):
        nomenclatures._read_last_free("phases_covid_2020.csv", ["date", "evenement"])
    with pytest.raises(ValueError, match=r"^phases_covid_2020\.csv, ligne 1 : en-tête"):
        nomenclatures._read_last_free("phases_covid_2020.csv", ["numero", "theme"])
