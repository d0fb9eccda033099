"""The console summary of an ingestion says which rejects are set apart and which are errors."""

from __future__ import annotations

from pathlib import Path

from egn_analytics.cli import format_summary


def test_summary_splits_set_apart_rows_from_errors() -> None:
    summary = {
        "table": "etablissements",
        "lignes_lues": 996,
        "acceptees": 885,
        "rejetees": 111,
        "ecartees": 111,
        "erreurs": 0,
        "motifs": {"hors champ : service administratif": 42},
    }
    text = format_summary(summary, Path("/tmp/sortie"))
    assert "dont écartées         111" in text
    assert "dont erreurs            0" in text
    plain = format_summary({**summary, "ecartees": 0}, Path("/tmp/sortie"))
    assert "dont" not in plain
