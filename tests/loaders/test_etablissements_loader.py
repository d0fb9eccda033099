"""Établissement loader on handmade fixtures carrying the real export's quirks."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders import LoadError
from egn_analytics.loaders.etablissements import load, load_result

FIX = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name", ["annuaire_bom_utf8.csv", "annuaire_cp1252_tab.csv"])
def test_quirks_and_rejects(name: str) -> None:
    res = load_result(FIX / name)
    assert res.rows_read == 7
    assert res.rows_read == res.data.height + res.rejects.height
    ok = {r["uai"]: r for r in res.data.iter_rows(named=True)}
    assert set(ok) == {"0750001U", "0140002B", "0760003R"}
    paris = ok["0750001U"]
    assert paris["code_academie"] == "01" and paris["code_departement"] == "75"
    assert paris["ips"] == pytest.approx(92.4)
    assert paris["taux_salles_connectees"] == pytest.approx(0.942)
    assert paris["ep"] == "REP" and paris["nom"] == "Collège Jean Jaurès"
    # Caen (old code 05) and Rouen (label only) both land in Normandie (70).
    assert ok["0140002B"]["code_academie"] == "70"
    assert ok["0140002B"]["academie"] == "Normandie"
    assert ok["0140002B"]["longitude"] == pytest.approx(-0.37)
    assert ok["0760003R"]["code_academie"] == "70"
    assert ok["0760003R"]["eleves"] == 1204  # "1 204" with a thousands space
    assert ok["0140002B"]["ep"] == "Hors EP" and ok["0140002B"]["secteur"] == "Privé"
    reasons = dict(res.rejects.select("nom", "_motif").iter_rows())
    assert reasons["Collège Inconnu"] == "académie inconnue"
    assert reasons["Doublon"] == "clé en double (uai)"
    assert reasons["Mauvaise clé"] == "clé de contrôle de l'UAI invalide"
    assert reasons["Effectif négatif"] == "effectif négatif"
    assert res.rejects["_ligne"].to_list() == [5, 6, 7, 8]
    assert res.summary()["motifs"]["académie inconnue"] == 1


def test_load_is_lazy_and_typed() -> None:
    lf = load(FIX / "annuaire_bom_utf8.csv")
    assert isinstance(lf, pl.LazyFrame)
    schema = lf.collect_schema()
    assert schema["eleves"] == pl.Int64
    assert schema["ips"] == pl.Float64
    assert isinstance(schema["type"], pl.Enum)


def test_unreadable_inputs_give_one_clear_line(tmp_path: Path) -> None:
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match=r"^vide\.csv : fichier vide$"):
        load_result(empty)
    wrong = tmp_path / "autre.csv"
    wrong.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(
        LoadError, match=r"autre\.csv \(ligne 1\) : colonne\(s\) attendue\(s\) absente\(s\) : uai"
    ):
        load_result(wrong)
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(LoadError, match="fichier binaire"):
        load_result(binary)
    with pytest.raises(LoadError, match="introuvable"):
        load_result(tmp_path / "absent.csv")


def test_generated_directory_loads_without_rejects(tmp_path: Path) -> None:
    from egn_analytics.synth.etablissements import make_etablissements, write_etablissements

    etab = make_etablissements(2020, 0.02)
    rec = write_etablissements(etab, tmp_path)
    res = load_result(tmp_path / rec.path)
    assert res.rejects.height == 0
    assert res.data.height == etab.height
    assert res.data["uai"].to_list() == etab["uai"].to_list()
    assert (res.data["eleves"] == etab["eleves"]).all()
