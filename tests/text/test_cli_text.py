"""``egn text classify`` / ``egn text evaluate`` on a generated corpus."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app, fmt_fr

runner = CliRunner()


@pytest.mark.integration
def test_classify_writes_every_contribution(text_data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "classes.parquet"
    result = runner.invoke(
        app,
        [
            "text",
            "classify",
            "--out",
            str(out),
            "--processed",
            str(text_data_dir / "processed"),
            "--raw",
            str(text_data_dir / "raw"),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pl.read_parquet(out)
    assert f"{fmt_fr(table.height, 0)} contributions" in result.output
    assert {"id", "theme", "propositions", "a_verifier"} <= set(table.columns)
    assert "F1 macro thèmes" in result.output
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.integration
def test_evaluate_prints_the_confusion_matrix(text_data_dir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "text",
            "evaluate",
            "--processed",
            str(text_data_dir / "processed"),
            "--raw",
            str(text_data_dir / "raw"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "matrice de confusion" in result.output
    assert "prédit 3" in result.output


def test_missing_tables_is_one_french_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["text", "classify", "--out", str(tmp_path / "x.parquet"), "--processed", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "egn build" in result.output
    assert not (tmp_path / "x.parquet").exists()


@pytest.mark.integration
def test_rejected_label_lines_are_kept_and_said(text_data_dir: Path, tmp_path: Path) -> None:
    labels = tmp_path / "etiquettes.csv"
    good = (text_data_dir / "raw" / "textes").glob("verite_terrain*.csv")
    labels.write_text(next(good).read_text("utf-8") + "commentaire;C-9999;9;16\n", "utf-8")
    out = tmp_path / "classes.parquet"
    result = runner.invoke(
        app,
        [
            "text",
            "classify",
            "--out",
            str(out),
            "--processed",
            str(text_data_dir / "processed"),
            "--labels",
            str(labels),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 ligne(s) rejetée(s)" in result.output
    rejects = pl.read_parquet(tmp_path / "classes.etiquettes.rejects.parquet")
    assert rejects["_motif"].to_list() == ["valeur trop grande (theme)"]
