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


def test_an_indicator_table_is_one_line_and_an_absent_one_says_why() -> None:
    """Nineteen indicator tables must not print nineteen blocks of « rejetées 0 »; a table
    whose inputs are not in the build is « absent », not a table of 0 rows."""
    made = {"type": "indicateurs", "table": "indicateurs/usages_ratio", "lignes": 1500}
    assert format_summary(made, Path("x")) == "indicateurs/usages_ratio : 1\u202f500 lignes"
    hit = {**made, "cache": True}
    assert format_summary(hit, Path("x")).endswith("lignes (cache : entrées inchangées)")
    absent = {
        "type": "indicateurs",
        "table": "indicateurs/usages_cned",
        "absent": "absent : tables d'entrée absentes de cette construction",
        "lignes": 0,
    }
    assert format_summary(absent, Path("x")) == (
        "indicateurs/usages_cned : absent : tables d'entrée absentes de cette construction"
    )
