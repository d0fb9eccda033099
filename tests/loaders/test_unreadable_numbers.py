"""A number cell holding text is its row's reject, never a silent empty value.

``french_number`` casts loosely: ``abc``, ``12 élèves`` or ``1.2.3`` in a count used to become
a null that nothing told apart from an empty cell. In the ENT audience the row was accepted
with no visits (5 such rows in, 5 accepted, 0 rejected); in the CNED series a required count
written ``abc`` was rejected as « valeur manquante (inscriptions) », the wrong problem; in the
directory export an IPS ``NC`` or a latitude ``nord`` was accepted as null. Now the row is
rejected « nombre illisible (col) », naming the column and never the value, while an empty
cell stays what the schema says and every French way of writing a number read before is
still read (``1 234`` with a space, a no-break or a thin space, ``10,5``, ``94,20%``, ``540.0``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders import LoadResult, cned, ent_audience, etablissements
from egn_analytics.loaders._core import french_number, not_a_number

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "real-world" / "education"
ANNUAIRE = REAL / "fr-en-annuaire-education_2023.csv"
IPS = REAL / "fr-en-ips-colleges-ap2022.csv"
NBSP, THIN = "\u00a0", "\u202f"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _motifs(res: LoadResult) -> dict[int, str]:
    """``_ligne`` → reason of each reject."""
    return dict(zip(res.rejects["_ligne"].to_list(), res.rejects["_motif"].to_list(), strict=True))


def _balanced(res: LoadResult) -> None:
    assert res.rows_read == res.data.height + res.rejects.height


@pytest.mark.parametrize(
    ("text", "unreadable", "value"),
    [
        ("abc", True, None),
        ("12 élèves", True, None),
        ("1.2.3", True, None),
        ("n/a", True, None),
        ("NC", True, None),
        ("-", True, None),
        ("%", True, None),
        ("1_000", True, None),
        ("", False, None),
        ("   ", False, None),
        (None, False, None),
        ("1 234", False, 1234.0),
        (f"1{NBSP}234", False, 1234.0),
        (f"1{THIN}234", False, 1234.0),
        ("540.0", False, 540.0),
        ("10,5", False, 10.5),
        ("94,20%", False, 94.2),
        ("-0,37", False, -0.37),
        ("1e309", False, float("inf")),  # read, then « nombre hors limites »
    ],
)
def test_not_a_number_tells_text_from_an_empty_cell(
    text: str | None, unreadable: bool, value: float | None
) -> None:
    frame = pl.DataFrame({"x": [text]}, schema={"x": pl.String})
    got = frame.select(not_a_number("x").alias("bad"), french_number("x").alias("n")).row(0)
    assert got == (unreadable, value)


def test_audience_count_written_as_text_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "audience.csv",
        [
            "mois;projet_ent;profil;service;visites;visiteurs_uniques;pages",
            "2020-03;PCN;élève;messagerie;abc;800;5000",  # line 2
            "2020-03;PCN;élève;notes;12 élèves;;5000",
            "2020-03;PCN;élève;cahier;1.2.3;1;2",
            "2020-03;PCN;élève;agenda;1 234;1\u202f000;n/a",  # line 5: pages
            "2020-03;PCN;élève;vie;;;",  # empty counts: nullable, accepted
            f"2020-03;PCN;élève;forum;2{NBSP}500;1{THIN}200;10 000",
            "2020-03;PCN;profil ?;blog;xyz;1;1",  # two problems, both named
        ],
    )
    res = ent_audience.load_result(path)
    _balanced(res)
    assert (res.rows_read, res.data.height, res.rejects.height) == (7, 2, 5)
    assert _motifs(res) == {
        2: "nombre illisible (visites)",
        3: "nombre illisible (visites)",
        4: "nombre illisible (visites)",
        5: "nombre illisible (pages)",
        8: "nombre illisible (visites) ; profil inconnu",
    }
    assert res.data.select("service", "visites", "visiteurs_uniques", "pages").rows() == [
        ("vie", None, None, None),
        ("forum", 2500, 1200, 10000),
    ]
    # The reason names the column, never the cell (it may hold anything).
    assert not res.rejects["_motif"].str.contains("abc|élèves|1.2.3|n/a|xyz").any()


def test_cned_required_count_as_text_is_not_a_missing_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "cned.csv",
        [
            "date;inscriptions;utilisateurs_cumules;classes_virtuelles",
            "2020-03-16;abc;1;0",  # line 2: was « valeur manquante (inscriptions) »
            "2020-03-17;;1;0",  # line 3: really missing
            "2020-03-18;1 000;n/a;0",  # line 4: an optional count, written wrong
            "2020-03-19;2 000;3\u202f000;",  # accepted: thin space, empty optional
            "2020-03-20;1,0;4000;12 classes",  # line 6
        ],
    )
    res = cned.load_result(path)
    _balanced(res)
    assert (res.rows_read, res.data.height, res.rejects.height) == (5, 1, 4)
    assert _motifs(res) == {
        2: "nombre illisible (inscriptions)",
        3: "valeur manquante (inscriptions)",
        4: "nombre illisible (utilisateurs_cumules)",
        6: "nombre illisible (classes_virtuelles)",
    }
    assert res.data.select("inscriptions", "utilisateurs_cumules", "classes_virtuelles").rows() == [
        (2000, 3000, None)
    ]


def test_etablissements_number_cells_as_text_are_rejected(tmp_path: Path) -> None:
    header = (
        "identifiant_de_l_etablissement;type_etablissement;statut_public_prive;code_departement;"
        "code_academie;indice_position_sociale;nombre_d_eleves;nombre_d_enseignants;"
        "taux_salles_connectees;latitude;longitude"
    )
    path = _write(
        tmp_path / "annuaire.csv",
        [
            header,
            "0750001U;Collège;Public;075;01;92,4;540.0;34;94,20%;48,86;2,35",  # accepted
            "0750002V;Collège;Public;075;01;NC;300;20;80%;48,86;2,35",  # line 3
            "0750003W;Collège;Public;075;01;100,0;abc;20;80%;48,86;2,35",
            "0750004X;Collège;Public;075;01;100,0;300;20;x%;48,86;2,35",
            "0750005Y;Collège;Public;075;01;100,0;300;20;80%;nord;-0,37",
            "0750006Z;Collège;Public;075;01;100,0;300;vingt;80%;48,86;2°21'",
            "0750007A;Collège;Public;075;01;;;;;;",  # empty numbers: nullable, accepted
        ],
    )
    res = etablissements.load_result(path)
    _balanced(res)
    assert (res.rows_read, res.data.height, res.rejects.height) == (7, 2, 5)
    assert _motifs(res) == {
        3: "nombre illisible (ips)",
        4: "nombre illisible (eleves)",
        5: "nombre illisible (taux_salles_connectees)",
        6: "nombre illisible (latitude)",
        7: "nombre illisible (enseignants) ; nombre illisible (longitude)",
    }
    assert res.data.select("uai", "ips", "eleves", "taux_salles_connectees").rows() == [
        ("0750001U", 92.4, 540, pytest.approx(0.942)),
        ("0750007A", None, None, None),
    ]


def test_real_exports_have_no_unreadable_number() -> None:
    """The real directory and IPS exports read exactly as before: no cell is flagged, and the
    IPS file's ``540.0`` counts are numbers."""
    annuaire = etablissements.load_result(ANNUAIRE)
    _balanced(annuaire)
    assert (annuaire.rows_read, annuaire.data.height, annuaire.rejects.height) == (996, 885, 111)
    assert not any(m.startswith("nombre illisible") for m in annuaire.summary()["motifs"])
    ips = pl.read_csv(IPS, separator=";", infer_schema=False)
    cols = ["Effectifs", "IPS", "Ecart-type de l'IPS"]
    assert ips.select(pl.sum_horizontal(not_a_number(c).sum() for c in cols)).item() == 0
    assert ips.select(french_number("Effectifs").is_not_null().all()).item()
    assert ips.select(french_number("Effectifs").head(1)).item() == 540.0
