"""The packaged catalogue is valid, covers the brief, and faulty rows are named in errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.indicators import (
    CatalogueError,
    load_breakdowns,
    load_catalogue,
    questionnaire_codebooks,
)
from egn_analytics.indicators._tables import SURVEY_TABLES


@pytest.fixture(scope="module")
def catalogue() -> pl.DataFrame:
    return load_catalogue()


def _broken(catalogue: pl.DataFrame, row_id: str, **changes: str | None) -> pl.DataFrame:
    """The catalogue with some fields of one row replaced (the row keeps its line number)."""
    return catalogue.drop("ligne", strict=False).with_columns(
        pl.when(pl.col("id") == row_id).then(pl.lit(v)).otherwise(pl.col(k)).alias(k)
        for k, v in changes.items()
    )


def _line(catalogue: pl.DataFrame, row_id: str) -> int:
    return int(catalogue.filter(pl.col("id") == row_id)["ligne"][0])


def test_packaged_catalogue_is_valid_and_covers_the_brief(catalogue: pl.DataFrame) -> None:
    assert catalogue["id"].is_unique().all()
    assert set(catalogue["theme"]) == {"equipement", "continuite"}
    covered = set(zip(catalogue["population"], catalogue["variable"], strict=True))
    expected = {
        ("eleves_2d", "ordinateur"), ("eleves_2d", "tablette"), ("eleves_2d", "smartphone"),
        ("eleves_2d", "connexion"), ("enseignants", "ordinateur_perso"),
        ("eleves_2d", "outil_ent"), ("eleves_2d", "outil_messagerie"),
        ("eleves_2d", "outil_classe_virtuelle"), ("eleves_2d", "outil_cned"),
        ("parents_2d", "outil_telephone"), ("enseignants", "part_classe_suivie"),
        ("eleves_2d", "contacts_enseignants"), ("eleves_2d", "temps_travail"),
        ("enseignants", "heures_semaine"), ("eleves_2d", "autonomie"),
        ("eleves_2d", "aide_famille"), ("eleves_2d", "satisfaction"),
        ("chefs_etablissement", "ent_disponible"),
        ("chefs_etablissement", "incident_ent_16mars"),
        ("chefs_etablissement", "pret_materiel"),
    }  # fmt: skip
    assert expected <= covered
    work = catalogue.filter(pl.col("variable") == "temps_travail")
    assert set(work["niveaux"]) == {"1", "4"}  # less than 1 h, 3 h or more
    means = catalogue.filter(pl.col("mesure") == "moyenne")
    assert means["niveaux"].null_count() == means.height
    assert (catalogue.filter(pl.col("mesure") == "proportion")["unite"] == "%").all()


def test_every_breakdown_column_exists_in_its_population(catalogue: pl.DataFrame) -> None:
    books = questionnaire_codebooks()
    columns = {pop: set(book["variable"]) for pop, book in books.items()}
    columns["enseignants"] = columns["enseignants_1d"] | columns["enseignants_2d"] | {"degre"}
    bds = dict(zip(load_breakdowns()["id"], load_breakdowns()["column"], strict=True))
    for row in catalogue.iter_rows(named=True):
        for b in row["ventilations"].split("|"):
            assert bds[b] is None or bds[b] in columns[row["population"]], (row["id"], b)
    teachers = catalogue.filter(pl.col("population") == "enseignants")
    assert teachers["ventilations"].str.contains("degre").all()
    heads = catalogue.filter(pl.col("population") == "chefs_etablissement")
    assert not heads["ventilations"].str.contains("milieu_social|niveau|sexe").any()


def test_breakdowns_are_ordered_and_labelled_in_french() -> None:
    bds = load_breakdowns()
    assert bds["id"][0] == "ensemble"
    assert bds["order"].to_list() == list(range(bds.height))
    labels = dict(zip(bds["id"], bds["label"], strict=True))
    assert labels["ep"] == "Éducation prioritaire"
    assert labels["academie"] == "Académie"
    assert set(labels) >= {
        "ensemble", "academie", "region_academique", "degre", "secteur", "ep",
        "milieu_social", "sexe", "niveau", "type_etab",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("row_id", "changes", "message"),
    [
        ("eleves_sans_ordinateur", {"variable": "ordinateurs"}, "variable inconnue « ordinateurs »"),
        ("eleves_sans_ordinateur", {"niveaux": "3|7"}, "modalité inconnue « 7 » pour « ordinateur » (connues : 1, 2, 3)"),
        ("eleves_sans_ordinateur", {"niveaux": "trois"}, "modalité « trois » non numérique"),
        ("eleves_sans_ordinateur", {"ventilations": "ensemble|canton"}, "ventilation inconnue « canton »"),
        ("chefs_satisfaits", {"ventilations": "ensemble|milieu_social"}, "pas de colonne « milieu_social » dans la population chefs_etablissement"),
        ("eleves_sans_ordinateur", {"ventilations": "ensemble|ep|ep"}, "ventilation « ep » répétée"),
        ("eleves_sans_ordinateur", {"population": "collegiens"}, "population inconnue « collegiens »"),
        ("eleves_sans_ordinateur", {"mesure": "moyenne"}, "moyenne d'une variable catégorielle"),
        ("enseignants_heures_semaine", {"mesure": "proportion", "unite": "%"}, "proportion d'une variable sans modalités"),
        ("eleves_sans_ordinateur", {"niveaux": None}, "proportion sans niveaux"),
        ("eleves_sans_ordinateur", {"unite": "heures"}, "unité « heures » pour une proportion"),
        ("eleves_sans_ordinateur", {"theme": "usages"}, "thème inconnu « usages »"),
        ("eleves_sans_ordinateur", {"lecture": "{valeur} des élèves."}, "la marque {domaine} manque"),
        ("eleves_sans_ordinateur", {"lecture": "{valeur}{domaine} {n}"}, "marque inconnue « {n} »"),
        ("eleves_sans_ordinateur", {"id": "eleves_tablette"}, "identifiant en double"),
        ("eleves_sans_ordinateur", {"source": None}, "champ « source » vide"),
    ],
)  # fmt: skip
def test_a_faulty_row_is_named_with_its_line(
    catalogue: pl.DataFrame, row_id: str, changes: dict[str, str | None], message: str
) -> None:
    line = _line(catalogue, row_id)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_broken(catalogue, row_id, **changes))
    text = str(err.value)
    assert f"ligne {line} (" in text
    assert message in text, text


def test_all_problems_are_reported_at_once(catalogue: pl.DataFrame) -> None:
    bad = _broken(catalogue, "eleves_sans_ordinateur", variable="ordinateurs")
    bad = _broken(bad, "chefs_satisfaits", niveaux="9")
    with pytest.raises(CatalogueError, match="2 problème") as err:
        load_catalogue(bad)
    assert "ordinateurs" in str(err.value) and "« 9 »" in str(err.value)


def test_a_csv_missing_a_column_is_refused(tmp_path: Path, catalogue: pl.DataFrame) -> None:
    path = tmp_path / "catalogue.csv"
    catalogue.drop("ligne", "lecture").write_csv(path, separator=";")
    with pytest.raises(CatalogueError, match="colonne\\(s\\) absente\\(s\\) : lecture"):
        load_catalogue(path)


def test_a_csv_file_reads_like_the_packaged_one(tmp_path: Path, catalogue: pl.DataFrame) -> None:
    path = tmp_path / "catalogue.csv"
    catalogue.drop("ligne").write_csv(path, separator=";")
    assert load_catalogue(path).equals(catalogue)


def test_checked_against_other_codebooks(catalogue: pl.DataFrame) -> None:
    """A real file whose codebook lacks a level is caught (codes differ from the product's)."""
    books = questionnaire_codebooks()
    books["eleves_2d"] = books["eleves_2d"].with_columns(
        pl.when(pl.col("variable") == "ordinateur")
        .then(pl.col("modalites").list.head(2))
        .otherwise(pl.col("modalites"))
        .alias("modalites")
    )
    with pytest.raises(CatalogueError, match="modalité inconnue « 3 » pour « ordinateur »"):
        load_catalogue(codebooks=books)


def test_questionnaire_codebooks_cover_the_five_surveys() -> None:
    books = questionnaire_codebooks()
    assert set(books) == set(SURVEY_TABLES)
    eleves = books["eleves_2d"].filter(pl.col("variable") == "ordinateur")
    assert eleves["modalites"][0].to_list()[2] == {"code": 3, "libelle": "Non"}
