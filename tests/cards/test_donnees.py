"""The « données » cards of the library, without Dash: datasets, key figures, quality report.

The page's own tests (layout, callbacks, downloads) and the tests that need the dashboards'
manifest fixtures are in tests/dashboards/test_pages.py.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from egn_analytics import sources
from egn_analytics.cards import donnees as cards
from egn_analytics.viz import fmt_number
from egn_analytics.viz.formats import NBSP, NNBSP

N = NNBSP
NB = NBSP
#: A full generated raw folder (``make data``), when one exists: the grouping is checked on it.
REAL_RAW = Path(os.environ.get("EGN_TEST_FULL_RAW", "/tmp/fullraw"))


def frame(payload: dict[str, Any]) -> pl.DataFrame:
    """The ``files`` of a manifest as the reader gives them."""
    return pl.DataFrame(payload["files"], schema=sources.MANIFEST_SCHEMA)


def entry(path: str, family: str, fmt: str, rows: int | None, size: int, text: str = "") -> dict:
    return {"path": path, "family": family, "description": text, "format": fmt, "rows": rows,
            "bytes": size, "sha256": ""}  # fmt: skip


def load_quality(folder: Path, payload: dict[str, Any] | str) -> sources.QualityReport:
    path = folder / "processed" / "qualite.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False),
        encoding="utf-8",
    )
    return sources.load_quality_report(folder / "processed")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "enquetes/depp_x_SYNTHETIQUE.csv",
            cards.FileKey("enquetes/depp_x", "depp_x", "donnees"),
        ),
        (
            "enquetes/depp_x_SYNTHETIQUE.sav",
            cards.FileKey("enquetes/depp_x", "depp_x", "donnees"),
        ),
        (
            "enquetes/depp_x_SYNTHETIQUE_dictionnaire.csv",
            cards.FileKey("enquetes/depp_x", "depp_x", "dictionnaire"),
        ),
        (
            "ent/logs/ent_evenements_2020-03_SYNTHETIQUE.csv.gz",
            cards.FileKey(
                "ent/logs/ent_evenements", "ent_evenements_2020-03", "donnees", date(2020, 3, 1)
            ),
        ),
        (
            "textes/syntheses/contribution_01_fnpe_SYNTHETIQUE.txt",
            cards.FileKey("textes/syntheses/", "contribution_01_fnpe", "document"),
        ),
        (
            "textes/retex/documents/RETEX-0003_SYNTHETIQUE.md",
            cards.FileKey("textes/retex/documents/", "RETEX-0003", "document"),
        ),
        (
            "textes/syntheses/index_SYNTHETIQUE.csv",
            cards.FileKey("textes/syntheses/", "index", "index"),
        ),
        ("ent/LISEZMOI_SYNTHETIQUE.txt", cards.FileKey("ent/LISEZMOI", "LISEZMOI", "notice")),
        # a school year is not a month
        (
            "calendrier/fr-en-calendrier-scolaire_2019-2020.csv",
            cards.FileKey(
                "calendrier/fr-en-calendrier-scolaire_2019-2020",
                "fr-en-calendrier-scolaire_2019-2020",
                "donnees",
            ),
        ),
        ("sans_dossier.parquet", cards.FileKey("sans_dossier", "sans_dossier", "donnees")),
    ],
)
def test_dataset_of(path: str, expected: cards.FileKey) -> None:
    assert cards.dataset_of(path) == expected


def test_datasets_group_formats_months_and_documents() -> None:
    """A handmade manifest with every case: exact lines, raw numbers."""
    survey = "Enquête DEPP 2020 — Parents : {}"
    files = frame(
        {
            "files": [
                entry("enquetes/depp_parents_SYNTHETIQUE.csv", "enquetes", "csv", 100, 1_000,
                      survey.format("microdonnées (CSV)")),
                entry("enquetes/depp_parents_SYNTHETIQUE.sav", "enquetes", "sav", 100, 3_000,
                      survey.format("microdonnées SPSS")),
                entry("enquetes/depp_parents_SYNTHETIQUE_dictionnaire.csv", "enquetes", "csv", 12,
                      200, survey.format("dictionnaire des variables")),
                entry("ent/logs/ev_2020-02.csv.gz", "ent", "csv.gz", 20, 2_000,
                      "Journaux d'événements, février 2020"),
                entry("ent/logs/ev_2020-01.csv.gz", "ent", "csv.gz", 10, 1_000,
                      "Journaux d'événements, janvier 2020"),
                entry("ent/logs/ev_2020-03.csv.gz", "ent", "csv.gz", 30, 3_000,
                      "Journaux d'événements, mars 2020"),
                entry("ent/LISEZMOI.txt", "ent", "txt", None, 500, "Notice des journaux"),
                entry("textes/notes/b.md", "textes", "md", None, 300, "Note (académie)"),
                entry("textes/notes/a.txt", "textes", "txt", None, 200, "Note (partenaire)"),
                entry("textes/notes/index.csv", "textes", "csv", 2, 50, "Index des notes"),
                entry("autre/x.json", "autre", "json", 5, 10, ""),
            ]
        }
    )  # fmt: skip
    table = cards.datasets(files)
    assert dict(table.schema) == cards.DATASET_SCHEMA
    assert table.rows() == [
        ("enquetes", "Enquêtes DEPP", "enquetes/depp_parents", "table",
         "Enquête DEPP 2020 — Parents", 3, "CSV, SPSS (.sav), dictionnaire", 100, 4_200),
        ("ent", "Journaux ENT", "ent/logs/ev", "serie",
         f"Journaux d'événements (3{N}fichiers mensuels, janvier à mars 2020)", 3,
         "CSV compressé (.csv.gz)", 60, 6_000),
        ("ent", "Journaux ENT", "ent/LISEZMOI", "notice", "Notice des journaux", 1,
         "Texte (.txt)", None, 500),
        ("textes", "Textes (RETEX, consultation)", "textes/notes/", "collection",
         f"Note (2{N}documents)", 3, "Texte (.txt), Markdown (.md), index", None, 550),
        ("autre", "autre", "autre/x", "table", "autre/x", 1, "JSON", 5, 10),
    ]  # fmt: skip


def test_datasets_never_mix_families() -> None:
    files = frame(
        {
            "files": [
                entry("commun/x.csv", "cned", "csv", 1, 10, "CNED"),
                entry("commun/x.sav", "ent", "sav", 1, 10, "ENT"),
            ]
        }
    )
    assert cards.datasets(files).select("famille", "jeu").rows() == [
        ("ent", "commun/x"),
        ("cned", "commun/x"),
    ]


def test_period_label() -> None:
    assert cards.period_label([]) == ""
    assert cards.period_label([date(2020, 3, 1)]) == "mars 2020"
    assert cards.period_label([date(2020, 7, 1), date(2020, 1, 1)]) == "janvier à juillet 2020"
    assert cards.period_label([date(2019, 12, 1), date(2020, 2, 1)]) == (
        "décembre 2019 à février 2020"
    )


@pytest.mark.skipif(
    not (REAL_RAW / "manifest.json").exists(), reason=f"no generated dataset in {REAL_RAW}"
)
def test_datasets_of_the_real_manifest() -> None:
    """The grouping holds on the generator's real output, whatever its scale."""
    payload = json.loads((REAL_RAW / "manifest.json").read_text(encoding="utf-8"))
    files = sources.load_manifest(REAL_RAW).files
    table = cards.datasets(files)
    assert table.height <= 25
    assert table.get_column("fichiers").sum() == files.height
    series = table.filter(pl.col("nature") == "serie")
    assert series.height == 1
    assert series.item(0, "lignes") == payload["ent_events"]
    surveys = table.filter(pl.col("famille") == "enquetes")
    assert set(surveys.get_column("formats")) == {"CSV, SPSS (.sav), dictionnaire"}
    figures = {f.label: f.value for f in cards.key_figures(files)}
    assert figures["Événements ENT"] == fmt_number(payload["ent_events"])
    assert set(figures) == {
        "Fichiers embarqués",
        "Taille totale",
        "Établissements",
        "Répondants aux enquêtes DEPP",
        "Événements ENT",
        "Documents texte",
    }


def test_quality_check_of_an_empty_report(tmp_path: Path) -> None:
    report = load_quality(tmp_path, {"tables": []})
    assert cards.quality_rows(report) == []
    check = cards.quality_check(report)
    assert check == cards.QualityCheck(
        True, f"Le rapport ne contient aucune table{NB}: rien à vérifier.", None
    )


def test_top_motifs() -> None:
    assert cards.top_motifs([]) == ()
    motifs = [("b", 5), ("a", 5), ("c", 12_000), ("d", 1), ("e", 1)]
    assert cards.top_motifs(motifs) == (
        f"c (12{N}000)",
        "b (5)",  # ties keep the report's order
        "a (5)",
        f"et 2{N}autres motifs",
    )
    assert cards.top_motifs(motifs, 1) == (f"c (12{N}000)", f"et 4{N}autres motifs")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{pas du json", "n'est pas un JSON valide"),
        ("[]", "pas de liste « tables »"),
        ('{"tables": {"etablissements": 1}}', "pas de liste « tables »"),
        ('{"tables": [1]}', "tables[0] n'est pas un objet"),
    ],
)
def test_quality_report_errors(tmp_path: Path, payload: str, message: str) -> None:
    with pytest.raises(sources.QualityReportNotFoundError):
        sources.load_quality_report(tmp_path / "processed")
    with pytest.raises(sources.QualityReportError, match=re.escape(message)):
        load_quality(tmp_path, payload)
