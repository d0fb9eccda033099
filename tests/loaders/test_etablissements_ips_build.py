"""IPS files in `egn build` (``etablissements/ips/*.csv``) and `egn ingest --ips`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app
from egn_analytics.loaders import registry

REPO = Path(__file__).resolve().parents[2]
EDUCATION = REPO.parent / "shared" / "real-world" / "education"
ANNUAIRE = EDUCATION / "fr-en-annuaire-education_2023.csv"
COLLEGES = EDUCATION / "fr-en-ips-colleges-ap2022.csv"
needs_real = pytest.mark.skipif(not ANNUAIRE.is_file(), reason="../shared/real-world absent")

ECOLES = (
    "Rentrée scolaire;Académie;Code du département;Département;UAI;Nom de l'établissment;"
    "Code INSEE de la commune;Nom de la commune;Secteur;IPS\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0350122T;ECOLE A;35016;BAULON;public;96.2\n"
    "2022-2023;RENNES;035;ILLE-ET-VILAINE;0350165P;ECOLE B;35016;BAULON;public;104.8\n"
)


def test_build_options_read_the_ips_folder(tmp_path: Path) -> None:
    assert registry.build_options("etablissements", tmp_path) == {}
    folder = tmp_path / registry.IPS_DIR
    folder.mkdir(parents=True)
    (folder / "lisezmoi.txt").write_text("pas un CSV", encoding="utf-8")
    assert registry.build_options("etablissements", tmp_path) == {}
    for name in ("ips_lycees.csv", "ips_colleges.csv"):
        (folder / name).write_text(ECOLES, encoding="utf-8")
    got = registry.build_options("etablissements", tmp_path)
    assert [Path(p).name for p in got["ips"]] == ["ips_colleges.csv", "ips_lycees.csv"]
    assert registry.build_options("survey", tmp_path) == {}
    # The IPS files are no annuaire of their own: the plan holds the annuaire only.
    (tmp_path / "etablissements" / "annuaire.csv").write_text("x", encoding="utf-8")
    assert registry.build_plan(tmp_path) == [
        ("etablissements", tmp_path / "etablissements" / "annuaire.csv")
    ]


@needs_real
def test_ingest_with_ips_files_and_their_content_in_the_cache_key(tmp_path: Path) -> None:
    ecoles = tmp_path / "ips_ecoles.csv"
    ecoles.write_text(ECOLES, encoding="utf-8")
    out = tmp_path / "out"
    first = registry.ingest("etablissements", ANNUAIRE, out, ips=[str(COLLEGES), str(ecoles)])
    assert (first["acceptees"], first["erreurs"], first["cache"]) == (885, 0, False)
    table = pl.read_parquet(out / "etablissements.parquet")
    assert table.filter(pl.col("ips").is_not_null()).height == 109 + 2
    assert table["classe_ips"].null_count() == 885 - 111
    again = registry.ingest("etablissements", ANNUAIRE, out, ips=[str(COLLEGES), str(ecoles)])
    assert again["cache"] is True
    ecoles.write_text(ECOLES.replace("96.2", "86.2"), encoding="utf-8")
    changed = registry.ingest("etablissements", ANNUAIRE, out, ips=[str(COLLEGES), str(ecoles)])
    assert changed["cache"] is False
    table = pl.read_parquet(out / "etablissements.parquet")
    assert table.filter(pl.col("uai") == "0350122T")["ips"].to_list() == [86.2]


@needs_real
def test_cli_ingest_ips_is_repeatable(tmp_path: Path) -> None:
    ecoles = tmp_path / "ips_ecoles.csv"
    ecoles.write_text(ECOLES, encoding="utf-8")
    out = tmp_path / "out"
    args = ["ingest", "etablissements", str(ANNUAIRE), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--ips", str(COLLEGES), "--ips", str(ecoles)])
    assert result.exit_code == 0, result.output
    table = pl.read_parquet(out / "etablissements.parquet")
    assert table.filter(pl.col("classe_ips").is_not_null()).height == 111
    missing = CliRunner().invoke(app, [*args, "--ips", str(tmp_path / "absent.csv")])
    assert missing.exit_code == 2 and "introuvable (--ips)" in missing.output
    wrong = ["ingest", "cned", str(ecoles), "--out", str(out), "--ips", str(ecoles)]
    other = CliRunner().invoke(app, wrong)
    assert other.exit_code == 2 and "etablissements" in other.output


@needs_real
def test_build_joins_the_ips_folder(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / registry.IPS_DIR).mkdir(parents=True)
    shutil.copy(ANNUAIRE, raw / "etablissements" / "annuaire.csv")
    shutil.copy(COLLEGES, raw / registry.IPS_DIR / "ips_colleges.csv")
    (raw / registry.IPS_DIR / "ips_ecoles.csv").write_text(ECOLES, encoding="utf-8")
    out = tmp_path / "processed"
    summaries = registry.build(raw, out)
    tidy = [s for s in summaries if s["type"] == "etablissements"]
    assert len(tidy) == 1 and "erreur" not in tidy[0] and tidy[0]["acceptees"] == 885
    table = pl.read_parquet(out / "etablissements.parquet")
    counts = table.group_by("classe_ips").len().sort("classe_ips").rows()
    assert sum(n for c, n in counts if c is not None) == 111
    report = json.loads((out / registry.QUALITY_REPORT).read_text(encoding="utf-8"))
    assert any(t.get("table") == "etablissements" for t in report["tables"])
