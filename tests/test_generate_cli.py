"""End to end: `egn synth` writes a deterministic, self-describing, synthetic raw dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app
from egn_analytics.io import sha256_file
from egn_analytics.synth import generate, read_manifest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--scale", "0.02", "--ent-events", "20000"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    result = CliRunner().invoke(app, ["synth", "--out", str(out), *SMALL])
    assert result.exit_code == 0, result.output
    assert "fichiers synthétiques écrits" in result.output
    return out


def test_manifest_describes_every_file(small: Path) -> None:
    manifest = read_manifest(small)
    assert manifest["synthetic"] is True
    assert "synthétiques" in str(manifest["notice"])
    files = manifest["files"]
    assert isinstance(files, list)
    families = {f["family"] for f in files}
    assert families == {"etablissements", "enquetes", "ent", "cned", "textes", "calendrier"}
    for f in files:
        path = small / f["path"]
        assert path.is_file(), f["path"]
        assert path.stat().st_size == f["bytes"]
        assert sha256_file(path) == f["sha256"]
        if f["family"] != "calendrier":  # the calendar holds public facts, not synthetic data
            assert "SYNTHETIQUE" in f["path"], f["path"]
    listed = {f["path"] for f in files}
    on_disk = {
        p.relative_to(small).as_posix() for p in small.rglob("*")
        if p.is_file() and p.suffix in {".csv", ".gz", ".sav", ".parquet", ".jsonl"}
    }  # fmt: skip
    assert on_disk <= listed | {p for p in on_disk if "/documents/" in p}
    assert (
        (small / "LISEZMOI_SYNTHETIQUE.txt")
        .read_text(encoding="utf-8")
        .startswith("Données synthétiques")
    )


def test_no_temporary_file_left(small: Path) -> None:
    assert not [p for p in small.rglob("*.tmp")]


def test_same_seed_same_bytes(small: Path, tmp_path: Path) -> None:
    again = generate(tmp_path, seed=2020, scale=0.02, ent_events=20_000)
    first = {f["path"]: f["sha256"] for f in read_manifest(small)["files"]}  # type: ignore[union-attr]
    assert {f.path: f.sha256 for f in again.files} == first
    assert (tmp_path / "manifest.json").read_bytes() == (small / "manifest.json").read_bytes()


def test_other_seed_other_bytes(small: Path, tmp_path: Path) -> None:
    other = generate(
        tmp_path, seed=2021, scale=0.02, ent_events=20_000, families=("etablissements",)
    )
    first = {f["path"]: f["sha256"] for f in read_manifest(small)["files"]}  # type: ignore[union-attr]
    assert other.files[0].sha256 != first[other.files[0].path]


def test_if_missing_is_a_no_op(small: Path) -> None:
    before = (small / "manifest.json").stat().st_mtime_ns
    result = CliRunner().invoke(app, ["synth", "--out", str(small), "--if-missing", *SMALL])
    assert result.exit_code == 0
    assert "rien à faire" in result.output
    assert (small / "manifest.json").stat().st_mtime_ns == before


def test_bad_options_give_one_clear_line_and_write_nothing(tmp_path: Path) -> None:
    out = tmp_path / "nothing"
    proc = subprocess.run(
        [sys.executable, "-m", "egn_analytics.cli", "synth", "--out", str(out), "--ent-format", "xml"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert (
        proc.stderr.strip() == "erreur : format ENT inconnu : 'xml' (csv.gz, csv, parquet, jsonl)"
    )
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_manifest_is_valid_json_sorted(small: Path) -> None:
    data = json.loads((small / "manifest.json").read_text(encoding="utf-8"))
    paths = [f["path"] for f in data["files"]]
    assert paths == sorted(paths)


def test_library_never_imports_dash() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from check_import_boundary import violations
    finally:
        sys.path.pop(0)
    assert violations() == []


def test_only_refuses_to_mix_seeds(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "mix"
    generate(out, seed=2020, scale=0.02, ent_events=1_000, families=("etablissements",))
    with pytest.raises(ValueError, match="graine 7"):
        generate(out, seed=7, scale=0.02, families=("enquetes",))


def test_seed_and_scale_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from egn_analytics import config

    monkeypatch.setenv("EGN_SEED", "77")
    monkeypatch.setenv("EGN_SCALE", "0.01")
    config.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["synth", "--out", str(tmp_path), "--only", "etablissements"]
        )
    finally:
        config.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    manifest = read_manifest(tmp_path)
    assert (manifest["seed"], manifest["scale"]) == (77, 0.01)


def test_ingest_ent_logs_partitions_by_academie_with_etablissements(
    small: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    etab = next(small.glob("etablissements/*.csv"))
    assert (
        runner.invoke(
            app, ["ingest", "etablissements", str(etab), "--out", str(tmp_path)]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        ["ingest", "ent-logs", str(small / "ent" / "logs"), "--out", str(tmp_path),
         "--etablissements", str(tmp_path / "etablissements.parquet")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    months = sorted((tmp_path / "ent_evenements").iterdir())
    assert months and all(p.name.startswith("mois=") for p in months)
    assert any(p.name.startswith("code_academie=") for p in months[0].iterdir())
    missing = runner.invoke(
        app, ["ingest", "ent-logs", str(small / "ent" / "logs"), "--out", str(tmp_path),
              "--etablissements", str(tmp_path / "absent.parquet")],
    )  # fmt: skip
    assert missing.exit_code == 2
