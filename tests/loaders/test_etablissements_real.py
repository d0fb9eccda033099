"""The real « Annuaire de l'éducation » export (2023 layout): every real type known, counts exact.

The file is read in place (``../shared`` beside the checkout), never copied into the repo.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders.etablissements import (
    OUT_OF_SCOPE,
    SECONDARY_LINE,
    EtablissementResult,
    load_result,
)
from egn_analytics.reference import (
    academie_key_expr,
    contrats_prive,
    natures_uai,
    secteurs,
    types_etablissement,
)

REPO = Path(__file__).resolve().parents[2]
ANNUAIRE = REPO.parent / "shared" / "real-world" / "education" / "fr-en-annuaire-education_2023.csv"


@pytest.fixture(scope="module")
def real() -> EtablissementResult:
    return load_result(ANNUAIRE)


@pytest.fixture(scope="module")
def raw() -> pl.DataFrame:
    return pl.read_csv(ANNUAIRE, separator=";", infer_schema=False)


def test_every_row_is_accepted_or_set_apart_none_unknown(real: EtablissementResult) -> None:
    summary = real.summary()
    assert summary["lignes_lues"] == 996 == real.data.height + real.rejects.height
    assert summary["acceptees"] == 885
    assert summary["rejetees"] == summary["ecartees"] == 111
    assert summary["erreurs"] == 0
    assert not [m for m in summary["motifs"] if "inconnu" in m]
    assert summary["motifs"] == {
        OUT_OF_SCOPE + "service administratif": 42,
        OUT_OF_SCOPE + "établissement médico-social": 39,
        OUT_OF_SCOPE + "maison familiale rurale (enseignement agricole)": 11,
        OUT_OF_SCOPE + "enseignement supérieur (STS ou CPGE seules)": 9,
        OUT_OF_SCOPE + "centre d'information et d'orientation": 5,
        SECONDARY_LINE: 3,
        OUT_OF_SCOPE + "EREA (enseignement adapté)": 2,
    }
    # One reason per row set apart: a service without a sector is not also « secteur inconnu ».
    assert not real.rejects["_motif"].str.contains(" ; ").any()


def test_accepted_rows_by_type_sector_and_contract(real: EtablissementResult) -> None:
    def counts(column: str) -> dict[str, int]:
        return dict(real.data.group_by(column).len().iter_rows())

    # The nature tells the 43 lycées professionnels (320) and SEP (334) from the 41 lycées.
    assert counts("type") == {"Ecole": 685, "Collège": 116, "Lycée": 41, "Lycée professionnel": 43}
    assert counts("secteur") == {"Public": 521, "Privé": 364}
    assert counts("contrat") == {
        "Sans objet": 531,
        "Contrat d'association toutes classes": 329,
        "Hors contrat": 25,
    }
    assert real.data["uai"].is_unique().all()
    assert set(real.data["code_departement"]) == {"35"}
    assert set(real.data["academie"]) == {"Rennes"}


def test_multi_line_etablissements_keep_one_line(real: EtablissementResult) -> None:
    """The 3 repeated UAIs are flagged multi-line in the export: one line kept, not an error."""
    names = dict(
        real.data.filter(pl.col("uai").is_in(["0350778F", "0350852L", "0352072M"]))
        .select("uai", "nom")
        .iter_rows()
    )
    assert names == {
        "0350778F": "Lycée Assomption",
        "0350852L": "Collège Saint-Joseph",  # listed after its annexe, still the one kept
        "0352072M": "Lycée professionnel Institution Saint Malo la Providence",
    }
    secondary = real.rejects.filter(pl.col("_motif") == SECONDARY_LINE)
    assert secondary["_ligne"].to_list() == [162, 940, 974]


def test_every_real_code_is_in_the_vocabularies(raw: pl.DataFrame) -> None:
    """Each type label, nature, sector and contract of the export is declared in ``_data``."""

    def missing(values: pl.Series, known: pl.Series) -> set[str]:
        return set(values.drop_nulls()) - set(known)

    def folded(column: str) -> pl.Series:
        return raw.select(academie_key_expr(column)).to_series()

    assert missing(folded("Type_etablissement"), types_etablissement()["key"]) == set()
    assert missing(raw["code_nature"], natures_uai()["code_nature"]) == set()
    assert natures_uai().height == raw["code_nature"].n_unique() == 24
    assert missing(folded("Statut_public_prive"), secteurs()["key"]) == set()
    assert missing(raw["Code_type_contrat_prive"], contrats_prive()["code"]) == set()
    assert missing(folded("Type_contrat_prive"), contrats_prive()["key"]) == set()


HEADER = (
    "identifiant_de_l_etablissement;nom_etablissement;type_etablissement;statut_public_prive;"
    "code_departement;code_academie;code_nature;code_type_contrat_prive;type_contrat_prive;"
    "etablissement_multi_lignes;nombre_d_eleves\n"
)


def _load(tmp_path: Path, *lines: str) -> EtablissementResult:
    path = tmp_path / "annuaire.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return load_result(path)


def test_scope_errors_and_contracts_on_handmade_rows(tmp_path: Path) -> None:
    res = _load(
        tmp_path,
        "0350122T;École;Ecole;Public;1;14;151;99;SANS OBJET;0;143",
        # A service with no sector, no académie and a bad UAI key: set apart, one reason.
        "0350001A;Rectorat;Service Administratif;;035;99;802;99;SANS OBJET;0;",
        # A type and a nature nobody knows: still an error, named.
        "0350165P;Mystère;Planétarium;Public;035;14;999;99;SANS OBJET;0;10",
        # A contract code nobody knows.
        "0350192U;Collège;Collège;Privé;035;14;340;77;;0;300",
        # The label decides when the code is missing (the export's « C0NTRAT » spelling).
        "0350196Y;Collège;Collège;Privé;035;14;340;;C0NTRAT SIMPLE POUR PARTIE DES CLASSES;0;300",
        # A repeat without the multi-line flag stays a duplicate-key error.
        "0350122T;Doublon;Ecole;Public;035;14;151;99;SANS OBJET;0;143",
    )
    assert res.rows_read == 6 == res.data.height + res.rejects.height
    reasons = dict(res.rejects.select("nom", "_motif").iter_rows())
    assert reasons == {
        "Rectorat": OUT_OF_SCOPE + "service administratif",
        "Mystère": "type d'établissement inconnu",
        "Collège": "type de contrat inconnu",
        "Doublon": "clé en double (uai)",
    }
    assert res.summary()["ecartees"] == 1 and res.summary()["erreurs"] == 3
    ok = {r["uai"]: r for r in res.data.iter_rows(named=True)}
    assert ok["0350122T"]["code_departement"] == "01"  # « 1 »: a zero lost in a spreadsheet
    assert ok["0350196Y"]["contrat"] == "Contrat simple pour partie des classes"


def test_nature_decides_over_the_type_label(tmp_path: Path) -> None:
    res = _load(
        tmp_path,
        "0350122T;LP;Lycée;Public;035;14;320;99;SANS OBJET;0;400",
        "0350165P;STS;;Privé;035;14;400;10;;0;40",
        "0350192U;Sans nature;Lycée;Public;035;14;;99;SANS OBJET;0;900",
    )
    assert dict(res.data.select("uai", "type").iter_rows()) == {
        "0350122T": "Lycée professionnel",
        "0350192U": "Lycée",
    }
    assert res.rejects["_motif"].to_list() == [
        OUT_OF_SCOPE + "enseignement supérieur (STS ou CPGE seules)"
    ]


IPS = REPO.parent / "shared" / "real-world" / "education" / "fr-en-ips-colleges-ap2022.csv"


def test_real_ips_file_loads_whole_and_joins_the_annuaire() -> None:
    from egn_analytics.loaders.etablissements import load_ips_result

    res = load_ips_result(IPS)
    assert res.summary()["lignes_lues"] == 6973 == res.data.height
    assert res.rejects.height == 0
    data = res.data
    assert data["uai"].is_unique().all()
    assert dict(data.group_by("secteur").len().iter_rows()) == {"Public": 5315, "Privé": 1658}
    assert data["code_departement"].n_unique() == 101
    assert data["effectifs"].sum() == 3_239_077  # « 540.0 » read as 540
    first = data.row(0, named=True)
    assert (first["uai"], first["code_departement"], first["effectifs"]) == ("0010005A", "01", 540)
    assert first["ips"] == pytest.approx(110.4) and first["ips_ecart_type"] == pytest.approx(31.3)
    # Joined to the annuaire: the 109 collèges of Ille-et-Vilaine in the IPS file get their IPS.
    joined = load_result(ANNUAIRE, ips=IPS)
    with_ips = joined.data.filter(pl.col("ips").is_not_null())
    assert with_ips.height == 109 == data.filter(pl.col("code_departement") == "35").height
    assert set(with_ips["type"]) == {"Collège"}
    assert joined.summary()["acceptees"] == 885 and joined.summary()["erreurs"] == 0


def test_ips_rejects_and_latest_rentree(tmp_path: Path) -> None:
    from egn_analytics.loaders.etablissements import latest_ips, load_ips_result

    path = tmp_path / "ips.csv"
    path.write_text(
        "Rentrée scolaire;UAI;Secteur;Effectifs;IPS;Ecart-type de l'IPS\n"
        "2021-2022;0350122T;public;540.0;101.5;30.0\n"
        "2022-2023;0350122T;public;541.0;102.5;30.0\n"
        "2022-2023;0350165P;privé sous contrat;200.0;NC;30.0\n"
        "2022-2023;0350192U;public;;;\n"
        "2022-2023;0350122T;public;541.0;102.5;30.0\n",
        encoding="utf-8",
    )
    res = load_ips_result(path)
    assert res.rows_read == 5 == res.data.height + res.rejects.height
    assert res.rejects["_motif"].to_list() == [
        "nombre illisible (ips)",
        "valeur manquante (ips)",
        "clé en double (uai, rentree)",
    ]
    assert latest_ips(res.data).rows() == [("0350122T", 102.5, "2022-2023")]
