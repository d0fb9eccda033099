"""``egn export note``: one file per call, errors in one French line."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app

runner = CliRunner()


def _export(processed: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["export", "note", *args, "--processed", str(processed)])
    return result.exit_code, result.output


def test_export_note_html_for_an_academie(
    processed: Path, tmp_path: Path, needs_chromium: None
) -> None:
    out = tmp_path / "note-09.html"
    code, output = _export(processed, "--academie", "09", "--out", str(out), "--date", "2030-01-02")
    assert code == 0, output
    assert output.startswith(f"note écrite : {out} (Académie de Lille, ")
    text = out.read_text(encoding="utf-8")
    assert "note du 2 janvier 2030" in text and "Graphique 1" in text


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--academie", "99"], "erreur : académie inconnue : « 99 »"),
        (["--region", "99"], "erreur : région académique inconnue"),
        ([], "erreur : indiquez une seule portée"),
        (["--national", "--region", "32"], "erreur : indiquez une seule portée"),
        (["--national", "--format", "odt"], "erreur : format inconnu : « odt »"),
        (["--national", "--date", "2030-13-01"], "erreur : date invalide : « 2030-13-01 »"),
    ],
)
def test_errors_are_one_french_line(
    processed: Path, tmp_path: Path, args: list[str], said: str
) -> None:
    out = tmp_path / "note.html"
    code, output = _export(processed, *args, "--out", str(out))
    assert code == 2
    assert output.replace("\u00a0", " ").startswith(said)
    assert output.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize(("fmt", "magic"), [("docx", b"PK"), ("pdf", b"%PDF")])
def test_export_note_in_the_other_formats(
    processed: Path, tmp_path: Path, fmt: str, magic: bytes, needs_chromium: None
) -> None:
    """DOCX and PDF are written by their own renderers (tested with them); here the CLI
    only routes to them, when they are installed."""
    try:
        module = importlib.import_module(f"egn_analytics.notes.{fmt}")
    except ImportError:
        pytest.skip(f"pas de moteur {fmt} ici")
    if not hasattr(module, f"render_{fmt}"):
        pytest.skip(f"render_{fmt} absent")
    out = tmp_path / f"note.{fmt}"
    code, output = _export(processed, "--region", "32", "--format", fmt, "--out", str(out))
    assert code == 0, output
    assert out.read_bytes().startswith(magic)
