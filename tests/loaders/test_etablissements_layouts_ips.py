"""The current annuaire layout and the IPS files of écoles, collèges and lycées.

The current-layout file is written at test time from rows of the real 2023 export (never
copied into the repository), with the header renamed as the published field list says; the
IPS files of lycées and écoles are hand-written in their DEPP layouts with real UAIs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders.etablissements import (
    annuaire_layout,
    ips_by_uai,
    ips_classes,
    ips_kind,
    load_ips_result,
    load_result,
)

REPO = Path(__file__).resolve().parents[2]
EDUCATION = REPO.parent / "shared" / "real-world" / "education"
ANNUAIRE = EDUCATION / "fr-en-annuaire-education_2023.csv"
COLLEGES = EDUCATION / "fr-en-ips-colleges-ap2022.csv"
needs_real = pytest.mark.skipif(not ANNUAIRE.is_file(), reason="../shared/real-world absent")

#: 2023 header → current header (data.education.gouv.fr « fr-en-annuaire-education »).
RENAMED = {
    "Code postal": "Code_postal",
    "coordonnee_X": "coordX_origine",
    "coordonnee_Y": "coordY_origine",
    "epsg": "epsg_origine",
    "etablissement_multi_lignes": "multi_uai",
}
#: Columns the current layout added, before ``code_bassin_formation``.
ADDED = ["code_circonscription", "code_zone_animation_pedagogique"]
ADDED += ["libelle_zone_animation_pedagogique"]


def _rows_2023(lines: list[int]) -> tuple[list[str], list[list[str]]]:
    """Header and the given data lines (1 = first data line) of the real 2023 export."""
    with ANNUAIRE.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f, delimiter=";"))
    return table[0], [table[i] for i in lines]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    return path


def _current(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The same rows in the current layout: renamed columns, three new empty ones."""
    at = header.index("code_bassin_formation")
    new_header = [RENAMED.get(c, c) for c in header]
    new_header[at:at] = ADDED
    return new_header, [[*r[:at], "", "", "", *r[at:]] for r in rows]


#: A few data lines: écoles, collèges, lycées, services (set apart) and two établissements
#: written on two lines (one line of each is set apart through ``multi_uai``).
LINES = [*range(1, 31), 138, 161, 939, 960, *range(965, 975)]


@needs_real
@pytest.mark.parametrize("lower", [False, True], ids=["libelles", "noms-de-champs"])
def test_current_layout_gives_the_2023_table(tmp_path: Path, lower: bool) -> None:
    header, rows = _rows_2023(LINES)
    old = load_result(_write(tmp_path / "annuaire_2023.csv", header, rows))
    new_header, new_rows = _current(header, rows)
    if lower:  # the API export writes the field names in lower case
        new_header = [c.lower().replace(" ", "_") for c in new_header]
    new = load_result(_write(tmp_path / "annuaire_actuel.csv", new_header, new_rows))
    assert old.disposition == "2023" and new.disposition == "actuelle"
    assert new.summary()["disposition"] == "annuaire de l'éducation (actuelle)"
    assert new.data.equals(old.data)
    kept = ["_ligne", "_motif"]
    assert new.rejects.select(kept).equals(old.rejects.select(kept))
    assert old.summary()["ecartees"] == new.summary()["ecartees"] >= 3
    assert (old.data.height, new.summary()["erreurs"]) == (new.data.height, 0)
    secondary = new.rejects.filter(pl.col("_motif").str.starts_with("ligne secondaire"))
    # 0350852L (lines 161 and 960, the first an annexe) and 0352072M (lines 138 and 939).
    assert secondary["uai"].to_list() == ["0350852L", "0352072M"]


def test_layout_markers() -> None:
    assert annuaire_layout(["\ufeffIdentifiant_de_l_etablissement", "multi_uai"]) == "actuelle"
    assert annuaire_layout(["Identifiant_de_l_etablissement", "coordonnee_X"]) == "2023"
    assert annuaire_layout(["identifiant_de_l_etablissement", "indice_position_sociale"]) is None


LYCEES_2022 = (
    "Rentrée scolaire;Académie;Code du département;Département;UAI;Nom de l'établissment;"
    "Code INSEE de la commune;Nom de la commune;Secteur;Type de lycée;Effectifs voie GT;"
    "Effectifs voie PRO;Effectifs Ensemble GT-PRO;IPS voie GT;IPS voie PRO;"
    "IPS Ensemble GT-PRO;Ecart-type de l'IPS voie GT;Ecart-type de l'IPS voie PRO\n"
    "2021-2022;RENNES;035;ILLE-ET-VILAINE;0350053T;LYCEE A;35238;RENNES;public;LEGT;"
    "1200.0;;1200.0;118.5;;118.5;30.1;\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0350053T;LYCEE A;35238;RENNES;public;LEGT;"
    "1210.0;;1210.0;119.2;;119.2;30.0;\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0350031U;LP B;35238;RENNES;public;LP;"
    ";400.0;400.0;;84.3;84.3;;25.2\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0352072M;LYCEE C;35238;RENNES;privé sous contrat;"
    "LPO;800.0;200.0;1000.0;125.0;95.0;119.0;28.0;26.0\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0350795Z;LYCEE D;35238;RENNES;privé sous contrat;"
    "LEGT;600.0;;600.0;131.0;;;27.0;\n"
)
LYCEES_2023 = (
    "num_ligne;Rentrée scolaire;Code région;Région académique;Code académie;Académie;"
    "Code du département;Département;Code INSEE de la commune;Nom de la commune;UAI;"
    "Nom de l'établissement;Secteur;Type de lycée;IPS voie GT;IPS voie PRO;IPS post BAC;"
    "IPS de l'établissement;Ecart type voie GT;Ecart type voie PRO;Ecart-type établissement;"
    "IPS national LEGT\n"
    "1;2023-2024;53;BRETAGNE;14;RENNES;035;ILLE-ET-VILAINE;35238;RENNES;0350053T;LYCEE A;"
    "public;LEGT;120,4;;121,0;120,5;29,9;;30,0;116,4\n"
)
ECOLES = (
    "Rentrée scolaire;Académie;Code du département;Département;UAI;Nom de l'établissment;"
    "Code INSEE de la commune;Nom de la commune;Secteur;IPS\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0350122T;ECOLE A;35016;BAULON;public;96.2\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0350165P;ECOLE B;35016;BAULON;public;104.8\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0350192U;ECOLE C;35016;BAULON;public;NC\n"
)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_lycees_file_keeps_the_overall_ips(tmp_path: Path) -> None:
    res = load_ips_result(_file(tmp_path, "ips_lycees.csv", LYCEES_2022))
    assert ips_kind(res.data.columns) == "lycée" and set(res.data["niveau"]) == {"lycée"}
    assert res.rows_read == 5 and res.data.height == 4
    assert res.rejects["_motif"].to_list() == ["valeur manquante (ips)"]  # no overall IPS
    lpo = res.data.filter(pl.col("uai") == "0352072M").row(0, named=True)
    assert (lpo["ips"], lpo["ips_voie_gt"], lpo["ips_voie_pro"]) == (119.0, 125.0, 95.0)
    assert (lpo["effectifs"], lpo["type_lycee"], lpo["secteur"]) == (1000, "LPO", "Privé")
    lp = res.data.filter(pl.col("uai") == "0350031U").row(0, named=True)
    assert (lp["ips"], lp["ips_voie_gt"], lp["ips_ecart_type"]) == (84.3, None, None)
    new = load_ips_result(_file(tmp_path, "ips_lycees_2023.csv", LYCEES_2023))
    row = new.data.row(0, named=True)
    assert (row["niveau"], row["ips"], row["ips_ecart_type"]) == ("lycée", 120.5, 30.0)
    assert (row["ips_voie_gt"], row["rentree"], row["nom"]) == (120.4, "2023-2024", "LYCEE A")


def test_ecoles_file_has_one_ips(tmp_path: Path) -> None:
    res = load_ips_result(_file(tmp_path, "ips_ecoles.csv", ECOLES))
    assert set(res.data["niveau"]) == {"école"}
    assert res.data.select("uai", "ips").rows() == [("0350122T", 96.2), ("0350165P", 104.8)]
    assert res.rejects["_motif"].to_list() == ["nombre illisible (ips)"]
    assert res.data["effectifs"].null_count() == 2


def test_classes_are_r_type_7_quartiles_per_kind_and_rentree(tmp_path: Path) -> None:
    ips = [80, 90, 100, 110, 120, 130, 140, 150]  # R: quantile(ips) → 97.5, 115, 132.5
    uais = ["0352958A", "0352069J", "0350767U", "0351962T", "0350031U", "0351953H"]
    uais += ["0352072M", "0350053T"]
    text = "Rentrée scolaire;UAI;Effectifs;IPS\n" + "".join(
        f"2022-2023;{uai};100;{v}\n" for uai, v in zip(uais, ips, strict=True)
    )
    # Another rentrée with other values does not move this one's quartiles.
    text += "2021-2022;0352958A;100;200\n"
    res = load_ips_result(_file(tmp_path, "ips_colleges.csv", text))
    assert set(res.data["niveau"]) == {"collège"}
    classes = res.data.with_columns(ips_classes(res.data))
    got = classes.filter(pl.col("rentree") == "2022-2023").sort("ips")["classe_ips"]
    assert got.to_list() == ["Q1", "Q1", "Q2", "Q2", "Q3", "Q3", "Q4", "Q4"]
    latest = ips_by_uai([res.data]).filter(pl.col("uai") == "0352958A").row(0, named=True)
    assert (latest["ips"], latest["classe_ips"], latest["rentree_ips"]) == (80.0, "Q1", "2022-2023")


@needs_real
def test_real_colleges_plus_lycees_and_ecoles_join_the_annuaire(tmp_path: Path) -> None:
    lycees = _file(tmp_path, "ips_lycees.csv", LYCEES_2022)
    lycees_2023 = _file(tmp_path, "ips_lycees_2023.csv", LYCEES_2023)
    ecoles = _file(tmp_path, "ips_ecoles.csv", ECOLES)
    joined = load_result(ANNUAIRE, ips=[COLLEGES, lycees, lycees_2023, ecoles])
    summary = joined.summary()
    assert (summary["acceptees"], summary["ecartees"], summary["erreurs"]) == (885, 111, 0)
    data = joined.data.with_columns(pl.col("type").cast(pl.String))
    with_ips = data.filter(pl.col("ips").is_not_null())
    counts = dict(with_ips.group_by("type").len().iter_rows())
    # The README's 109 collèges of Ille-et-Vilaine, plus the hand-written lycées and écoles.
    assert counts == {"Collège": 109, "Lycée": 2, "Lycée professionnel": 1, "Ecole": 2}
    assert with_ips["classe_ips"].null_count() == 0
    assert data.filter(pl.col("ips").is_null())["classe_ips"].null_count() == data.height - 114
    # Lycée A: its latest rentrée (2023-2024, from the 2023 layout) wins over 2022-2023.
    a = data.filter(pl.col("uai") == "0350053T").row(0, named=True)
    assert a["ips"] == 120.5 and a["classe_ips"] == "Q1"  # alone in its rentrée: ≤ q1
    # Collèges keep the national classes of the real file (quartiles 93.7, 103.3, 113.8).
    real = load_ips_result(COLLEGES).data
    college = data.filter(pl.col("type") == "Collège", pl.col("ips").is_not_null())
    q1 = real["ips"].quantile(0.25, "linear")
    assert q1 == pytest.approx(93.7)
    low = college.filter(pl.col("ips") <= q1)
    assert low.height > 0 and set(low["classe_ips"].cast(pl.String)) == {"Q1"}
    # Without IPS files the table is the one it was: same columns, classe_ips empty.
    plain = load_result(ANNUAIRE)
    assert (
        plain.data.columns == joined.data.columns and plain.data["classe_ips"].null_count() == 885
    )
    assert plain.data.drop("ips", "classe_ips").equals(joined.data.drop("ips", "classe_ips"))
