"""The synthetic établissement directory: raw-format quirks, UAI checksums, plausibility."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.reference import academies
from egn_analytics.synth.etablissements import (
    make_etablissements,
    to_directory_export,
    uai_check_letter,
    write_etablissements,
)

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@pytest.fixture(scope="module")
def etab() -> pl.DataFrame:
    return make_etablissements(7, 0.05)


def test_uai_are_unique_and_checksummed(etab: pl.DataFrame) -> None:
    assert etab["uai"].n_unique() == etab.height
    assert (etab["uai"].str.len_chars() == 8).all()
    ok = etab.select(
        (uai_check_letter(pl.col("uai").str.slice(0, 7)) == pl.col("uai").str.slice(7)).all()
    ).item()
    assert ok
    # Spot check the vectorised checksum against the definition.
    for uai in etab["uai"].sample(50, seed=1):
        assert LETTERS[int(uai[:7]) % 23] == uai[7]
    prefixes = dict(
        etab.select("code_departement", pl.col("uai").str.slice(0, 3)).unique().iter_rows()
    )
    assert prefixes["2A"] == "620" and prefixes["2B"] == "720"
    assert prefixes["971"] == "971" and prefixes["01"] == "001"


def test_every_academie_present_and_ep_only_public_ecoles_colleges(etab: pl.DataFrame) -> None:
    assert set(etab["code_academie"]) == set(academies()["code_academie"])
    ep = etab.filter(pl.col("ep") != "Hors EP")
    assert set(ep["type"]) <= {"Ecole", "Collège"}
    assert set(ep["secteur"]) == {"Public"}
    assert 0.08 < ep.height / etab.filter(pl.col("type").is_in(["Ecole", "Collège"])).height < 0.3


def test_ips_lower_in_ep(etab: pl.DataFrame) -> None:
    means = dict(etab.group_by("ep").agg(pl.col("ips").mean()).iter_rows())
    assert means["REP+"] < means["REP"] < means["Hors EP"]


def test_national_scale_orders_of_magnitude() -> None:
    full = make_etablissements(2020, 1.0)
    counts = dict(full.group_by("type").len().iter_rows())
    assert counts == {
        "Ecole": 45_000,
        "Collège": 7_200,
        "Lycée": 2_600,
        "Lycée professionnel": 1_600,
    }
    assert 11e6 < full["eleves"].sum() < 14e6
    assert (full["code_commune"].str.len_chars() == 5).all()
    assert full["code_postal"].str.contains(r"^\d{5}$").all()
    assert full["code_commune"].str.starts_with(full["code_departement"]).all()


def test_raw_file_has_real_world_quirks(etab: pl.DataFrame, tmp_path: Path) -> None:
    rec = write_etablissements(etab, tmp_path)
    raw = (tmp_path / rec.path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    header = raw[3:].split(b"\n", 1)[0].decode()
    assert header.split(";")[0] == "identifiant_de_l_etablissement"
    df = pl.read_csv(tmp_path / rec.path, separator=";", infer_schema=False)
    assert df.height == rec.rows == etab.height
    assert df["code_departement"].str.len_chars().min() == 3  # zero-padded "001"
    assert df["taux_salles_connectees"].str.contains(r"^\d{1,3},\d{2}%$").all()
    assert df["indice_position_sociale"].str.contains(r"^\d+,\d$").all()
    assert (df["libelle_academie"] == df["libelle_academie"].str.to_uppercase()).all()
    assert set(df["donnees"]) == {"SYNTHETIQUE"}


def test_export_round_trips_values(etab: pl.DataFrame) -> None:
    exp = to_directory_export(etab.head(50))
    back = (
        exp["taux_salles_connectees"].str.strip_suffix("%").str.replace(",", ".").cast(pl.Float64)
    )
    assert (back / 100 - etab.head(50)["taux_salles_connectees"]).abs().max() < 1e-9


def test_deterministic() -> None:
    assert make_etablissements(3, 0.02).equals(make_etablissements(3, 0.02))
    assert not make_etablissements(3, 0.02).equals(make_etablissements(4, 0.02))


# Golden content hash of a small directory export: catches drift across library versions and
# machines (same seed, same bytes is a promise to users who cite a generated file).
GOLDEN_ETAB_SHA256 = "39b72386640fde43a25ca3a39b0cd66046f763e85ab9cd69c354a20b3db3d254"


def test_golden_bytes(tmp_path: Path) -> None:
    rec = write_etablissements(make_etablissements(2020, 0.01), tmp_path)
    assert rec.sha256 == GOLDEN_ETAB_SHA256
