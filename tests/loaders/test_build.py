"""`egn build` on the embedded layout: every source ingested, report reconciled, cache reused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app
from egn_analytics.loaders import registry

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from egn_analytics.synth import generate

    out = tmp_path_factory.mktemp("raw")
    generate(out, seed=5, scale=0.02, ent_events=30_000)
    return out


@pytest.fixture(scope="module")
def built(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    result = CliRunner().invoke(app, ["build", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "rapport de qualité" in result.output
    return out


def test_every_source_is_built_and_reconciled(raw: Path, built: Path) -> None:
    report = json.loads((built / registry.QUALITY_REPORT).read_text(encoding="utf-8"))
    # The indicator stage's entries follow the tidy tables (tests/indicators checks them).
    tables = [t for t in report["tables"] if t["type"] in registry.KINDS]
    kinds = {t["type"] for t in tables}
    assert kinds == set(registry.KINDS)
    names = {t["table"] for t in tables}
    assert {"consultation_commentaires", "consultation_soutiens", "documents"} <= names
    for t in tables:
        assert "erreur" not in t, t
        assert t["lignes_lues"] == t["acceptees"] + t["rejetees"], t
        # The embedded data are clean: the only rejects are the duplicates the raw formats
        # carry on purpose (loose copies of RETEX rows; Caen and Rouen rows of the calendar).
        expected = {"document en double", "période en double (Caen/Rouen → Normandie)"}
        assert set(t["motifs"]) <= expected, t
    assert len([t for t in tables if t["type"] == "survey"]) == 5
    for t in tables:
        assert (built / f"{t['table']}.meta.json").is_file()


def test_second_build_uses_the_cache(raw: Path, built: Path) -> None:
    summaries = registry.build(raw, built)
    assert all(s["cache"] for s in summaries)
    assert sum(s["secondes"] for s in summaries) < 5.0


def test_a_failed_write_leaves_previous_tables_intact(
    raw: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = built / "etablissements.parquet"
    before = target.read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("coupure simulée pendant l'écriture")

    monkeypatch.setattr("polars.DataFrame.write_parquet", boom)
    with pytest.raises(RuntimeError, match="coupure"):
        registry.ingest("etablissements", next(raw.glob("etablissements/*.csv")), built, force=True)
    assert target.read_bytes() == before
    assert not list(built.glob(".*.tmp"))


def test_a_failed_source_is_absent_from_the_new_generation_not_old(
    raw: Path, built: Path, tmp_path: Path
) -> None:
    """A source that fails this time leaves no older table beside the newer ones."""
    import shutil

    from egn_analytics.generations import current_generation

    mine = tmp_path / "raw"
    shutil.copytree(raw, mine)
    out = tmp_path / "processed"
    registry.build(mine, out)
    assert (out / "etablissements.parquet").is_file()
    # A user's own table, ingested into the tables folder, is not the build's: it stays.
    survey = next(mine.glob("enquetes/*eleves_2d_SYNTHETIQUE.csv"))
    codebook = survey.with_name(f"{survey.stem}_dictionnaire.csv")
    own = Path(shutil.copy(survey, tmp_path / "mon_enquete.csv"))
    shutil.copy(codebook, tmp_path / "mon_enquete_dictionnaire.csv")
    registry.ingest("survey", own, out)
    assert (out / "enquete_mon_enquete.parquet").is_file()

    annuaire = next(mine.glob("etablissements/*.csv"))
    annuaire.write_text("pas;un;annuaire\n1;2;3\n", encoding="utf-8")
    summaries = registry.build(mine, out)
    failed = [s for s in summaries if "erreur" in s]
    assert [s["type"] for s in failed] == ["etablissements"]
    folder = current_generation(out)
    names = {p.name for p in folder.iterdir()}
    assert not any(n.startswith("etablissements") for n in names), names
    assert {"enquete_mon_enquete.parquet", "enquete_mon_enquete_dictionnaire.parquet"} <= names
    report = json.loads((folder / registry.QUALITY_REPORT).read_text(encoding="utf-8"))
    for table in report["tables"]:
        if "erreur" not in table:
            meta = json.loads((folder / f"{table['table']}.meta.json").read_text("utf-8"))
            assert meta["cle_cache"] == table["cle_cache"]
            assert all((folder / name).exists() for name in table["fichiers"])


def test_a_file_given_as_an_option_is_part_of_the_cache_key(tmp_path: Path) -> None:
    """ENT logs partitioned with an établissements table: a changed table is not a cache hit."""
    import shutil

    import polars as pl

    logs = Path(__file__).parent / "fixtures" / "ent" / "evenements.jsonl"
    etab = tmp_path / "etab.parquet"
    shutil.copy(logs, tmp_path / "logs.jsonl")
    pl.DataFrame({"uai": ["0000001A"], "code_academie": ["01"]}).write_parquet(etab)
    first = registry.ingest(
        "ent-logs", tmp_path / "logs.jsonl", tmp_path / "out", etablissements=str(etab)
    )
    again = registry.ingest(
        "ent-logs", tmp_path / "logs.jsonl", tmp_path / "out", etablissements=str(etab)
    )
    assert again["cache"] and again["cle_cache"] == first["cle_cache"]
    pl.DataFrame({"uai": ["0000001A"], "code_academie": ["02"]}).write_parquet(etab)
    changed = registry.ingest(
        "ent-logs", tmp_path / "logs.jsonl", tmp_path / "out", etablissements=str(etab)
    )
    assert not changed["cache"]
