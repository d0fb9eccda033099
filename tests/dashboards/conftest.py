"""Fixtures for the dashboard tests: a tiny handmade manifest and an app factory.

No ``__init__.py`` in this folder on purpose: with pytest's default import mode a package
named ``dashboards`` here would shadow the real one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from dash import _callback as dash_callback

from dashboards.app import create_app

MANIFEST: dict[str, Any] = {
    "synthetic": True,
    "notice": "Données synthétiques : jeu de test, aucune personne réelle.",
    "generator_version": "1",
    "seed": 2020,
    "scale": 1.0,
    "files": [
        {
            "path": "etablissements/fr-en-annuaire-education_SYNTHETIQUE.csv",
            "family": "etablissements",
            "description": "Annuaire des établissements (synthétique)",
            "format": "csv",
            "rows": 59000,
            "bytes": 12_345_678,
            "sha256": "a" * 64,
        },
        {
            "path": "enquetes/depp_enseignants_SYNTHETIQUE.sav",
            "family": "enquetes",
            "description": "Enquête DEPP enseignants (synthétique)",
            "format": "sav",
            "rows": 4200,
            "bytes": 2_100_000,
            "sha256": "b" * 64,
        },
        {
            "path": "ent/journaux_ent_2020_SYNTHETIQUE.csv.gz",
            "family": "ent",
            "description": "Journaux de connexion aux ENT",
            "format": "csv.gz",
            "rows": 1_234_567,
            "bytes": 45_600_000,
            "sha256": "c" * 64,
        },
        {
            "path": "ent/etablissements_ent_SYNTHETIQUE.parquet",
            "family": "ent",
            "description": "Établissements raccordés aux ENT",
            "format": "parquet",
            "rows": 8000,
            "bytes": 300_000,
            "sha256": "d" * 64,
        },
        {
            "path": "cned/ma_classe_a_la_maison_SYNTHETIQUE.csv",
            "family": "cned",
            "description": "Inscriptions « Ma classe à la maison »",
            "format": "csv",
            "rows": 1500,
            "bytes": 95_000,
            "sha256": "e" * 64,
        },
        {
            "path": "textes/retex_SYNTHETIQUE.md",
            "family": "textes",
            "description": "Retours d'expérience (RETEX)",
            "format": "md",
            "rows": None,
            "bytes": 5_432,
            "sha256": "f" * 64,
        },
        {
            "path": "calendrier/vacances_2019_2020.csv",
            "family": "calendrier",
            "description": "Calendrier scolaire 2019-2020",
            "format": "csv",
            "rows": 120,
            "bytes": 4_000,
            "sha256": "0" * 64,
        },
    ],
}


def _write_manifest(data_dir: Path, payload: dict[str, Any] | str) -> Path:
    raw = data_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    path = raw / "manifest.json"
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def manifest() -> dict[str, Any]:
    """A fresh deep copy of :data:`MANIFEST` (tests may change it)."""
    return json.loads(json.dumps(MANIFEST))


@pytest.fixture
def write_manifest() -> Callable[[Path, dict[str, Any] | str], Path]:
    """``write_manifest(data_dir, payload)`` writes ``data_dir/raw/manifest.json``."""
    return _write_manifest


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder whose raw/manifest.json is :data:`MANIFEST`."""
    folder = tmp_path / "data"
    _write_manifest(folder, MANIFEST)
    return folder


@pytest.fixture
def empty_data_dir(tmp_path: Path) -> Path:
    """A data folder where ``make data`` was never run."""
    folder = tmp_path / "vide"
    folder.mkdir()
    return folder


@pytest.fixture
def make_app() -> Iterator[Callable[[Path], Dash]]:
    """``create_app`` with Dash's global callback registry reset first.

    Dash executes the page modules at each ``create_app``, and their ``@callback``s pile up
    in a process-global list until the first request; a test process creates many apps, so
    we start each one from an empty list (our components define no callbacks: only pages do).
    """

    def _make(folder: Path) -> Dash:
        dash_callback.GLOBAL_CALLBACK_LIST.clear()
        dash_callback.GLOBAL_CALLBACK_MAP.clear()
        return create_app(folder)

    yield _make
    dash_callback.GLOBAL_CALLBACK_LIST.clear()
    dash_callback.GLOBAL_CALLBACK_MAP.clear()
