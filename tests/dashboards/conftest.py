"""Fixtures for the dashboard tests: a tiny handmade manifest, quality report and app factory.

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
from dashboards.components import chart_card as chart_card_component
from egn_analytics.viz import RenderUnavailableError

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


#: A handmade ``processed/qualite.json`` as ``egn build`` writes it (with keys the page ignores).
QUALITY: dict[str, Any] = {
    "tables": [
        {
            "type": "etablissements",
            "table": "etablissements",
            "lignes_lues": 56400,
            "acceptees": 56398,
            "rejetees": 2,
            "motifs": {"académie inconnue": 1, "clé en double (uai)": 1},
            "sources": ["fr-en-annuaire-education_SYNTHETIQUE.csv"],
            "cle_cache": "0123abcd",
            "cache": False,
            "secondes": 0.41,
        },
        {
            "type": "survey",
            "table": "enquete_parents_2d",
            "lignes_lues": 21084,
            "acceptees": 20000,
            "rejetees": 1084,
            "motifs": {
                "âge hors bornes": 10,
                "code postal invalide": 1000,
                "réponse manquante": 50,
                "doublon": 24,
            },
            "sources": ["depp_continuite_2020_parents_2d_SYNTHETIQUE.csv"],
            "cle_cache": "4567ef01",
            "cache": False,
            "secondes": 1.2,
        },
        {
            "type": "ent-logs",
            "table": "ent_evenements",
            "lignes_lues": 2000000,
            "acceptees": 2000000,
            "rejetees": 0,
            "motifs": {},
            "sources": [f"ent_evenements_2020-{m:02d}_SYNTHETIQUE.csv.gz" for m in range(1, 8)],
            "cle_cache": "89ab2345",
            "cache": True,
            "secondes": 0.01,
            "partitions": 7,
        },
    ],
    "genere_par": "egn build",
    "version": "0.1.0",
    "duree_totale": 1.62,
}


#: Survey populations of the DEPP 2020 surveys: (path slug, label, respondents).
_SURVEYS = (
    ("chefs_etablissement", "Directeurs d'école et chefs d'établissement", 8730),
    ("eleves_2d", "Élèves de collège et de lycée", 24125),
    ("enseignants_1d", "Professeurs des écoles", 6551),
    ("enseignants_2d", "Professeurs de collège et de lycée", 8858),
    ("parents_2d", "Parents d'élèves de collège et de lycée", 21084),
)
#: Rows of the monthly ENT logs, January to July 2020 (2 000 000 in all, as generated).
_ENT_MONTHS = (196131, 128331, 454830, 392399, 427537, 346412, 54360)
_MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet")


def _file(
    path: str, family: str, description: str, fmt: str, rows: int | None, size: int
) -> dict[str, Any]:
    return {
        "path": path,
        "family": family,
        "description": description,
        "format": fmt,
        "rows": rows,
        "bytes": size,
        "sha256": "0" * 64,
    }


def _full_manifest() -> dict[str, Any]:
    """A manifest shaped like the embedded dataset's (142 files, the generator's paths).

    Sizes are round numbers, row counts those of the generator at scale 1: enough to check the
    grouping and the page's length without the 80 Mo of real files, which CI does not have.
    """
    survey = "Enquête DEPP 2020 — {} : {}"
    files = [
        _file(
            "calendrier/fr-en-calendrier-scolaire_2019-2020.csv",
            "calendrier",
            "Calendrier scolaire 2019-2020 (faits publics, format de l'export open data)",
            "csv",
            162,
            16_000,
        ),
        _file(
            "cned/ma_classe_a_la_maison_quotidien_2020_SYNTHETIQUE.csv",
            "cned",
            "CNED « Ma classe à la maison » : inscriptions quotidiennes, mars à juillet 2020",
            "csv",
            124,
            7_000,
        ),
    ]
    for slug, label, respondents in _SURVEYS:
        stem = f"enquetes/depp_continuite_2020_{slug}_SYNTHETIQUE"
        files += [
            _file(
                f"{stem}.csv",
                "enquetes",
                survey.format(label, "microdonnées (CSV)"),
                "csv",
                respondents,
                1_000_000,
            ),
            _file(
                f"{stem}.sav",
                "enquetes",
                survey.format(label, "microdonnées SPSS"),
                "sav",
                respondents,
                2_000_000,
            ),
            _file(
                f"{stem}_dictionnaire.csv",
                "enquetes",
                survey.format(label, "dictionnaire des variables"),
                "csv",
                25,
                2_000,
            ),
        ]
    files += [
        _file(
            "ent/LISEZMOI_SYNTHETIQUE.txt",
            "ent",
            "Notice des journaux ENT synthétiques",
            "txt",
            None,
            2_000,
        ),
        _file(
            "ent/audience_mensuelle_ent_2020_SYNTHETIQUE.csv",
            "ent",
            "Mesure d'audience mensuelle des ENT",
            "csv",
            9660,
            700_000,
        ),
    ]
    for month, (name, rows) in enumerate(zip(_MONTH_NAMES, _ENT_MONTHS, strict=True), start=1):
        files.append(
            _file(
                f"ent/logs/ent_evenements_2020-{month:02d}_SYNTHETIQUE.csv.gz",
                "ent",
                f"Journaux bruts d'événements des ENT, {name} 2020 (une ligne par requête)",
                "csv.gz",
                rows,
                4_000_000,
            )
        )
    files += [
        _file(
            "etablissements/fr-en-annuaire-education_SYNTHETIQUE.csv",
            "etablissements",
            "Annuaire des écoles, collèges et lycées",
            "csv",
            56400,
            12_000_000,
        ),
        _file(
            "textes/LISEZMOI_SYNTHETIQUE.txt",
            "textes",
            "Avertissement : données synthétiques",
            "txt",
            None,
            2_000,
        ),
    ]
    for stem, label, rows in (
        ("commentaires", "Commentaires des propositions de la plateforme", 2380),
        ("propositions", "Propositions déposées sur la plateforme", 670),
        ("questionnaire", "Réponses au questionnaire en ligne", 26839),
        ("soutiens", "Soutiens (votes) des participants aux propositions", 3214),
    ):
        files.append(
            _file(
                f"textes/consultation/{stem}_SYNTHETIQUE.csv", "textes", label, "csv", rows, 500_000
            )
        )
    for i in range(65):
        ext = "md" if i % 2 == 0 else "txt"
        files.append(
            _file(
                f"textes/retex/documents/RETEX-{10 * i + 3:04d}_SYNTHETIQUE.{ext}",
                "textes",
                "RETEX au format document (copie d'une ligne du CSV)",
                ext,
                None,
                1_000,
            )
        )
    files.append(
        _file(
            "textes/retex/retex_SYNTHETIQUE.csv",
            "textes",
            "Retours d'expérience (RETEX) des académies, synthétiques",
            "csv",
            1300,
            1_700_000,
        )
    )
    for i in range(1, 22):
        files += [
            _file(
                f"textes/syntheses/contribution_{i:02d}_partenaire-{i}_SYNTHETIQUE.txt",
                "textes",
                "Document de synthèse (partenaire)",
                "txt",
                None,
                5_000,
            ),
            _file(
                f"textes/syntheses/retour_region_academique_region-{i:02d}_SYNTHETIQUE.txt",
                "textes",
                "Document de synthèse (région académique)",
                "txt",
                None,
                5_000,
            ),
        ]
    files += [
        _file(
            "textes/syntheses/index_SYNTHETIQUE.csv",
            "textes",
            "Index des documents de synthèse",
            "csv",
            42,
            10_000,
        ),
        _file(
            "textes/verite_terrain_SYNTHETIQUE.csv",
            "textes",
            "Vérité terrain des thèmes et propositions (évaluation seulement)",
            "csv",
            8471,
            200_000,
        ),
    ]
    return MANIFEST | {"files": sorted(files, key=lambda f: f["path"])}


def _write_manifest(data_dir: Path, payload: dict[str, Any] | str) -> Path:
    raw = data_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    path = raw / "manifest.json"
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def _write_quality(data_dir: Path, payload: dict[str, Any] | str) -> Path:
    processed = data_dir / "processed"
    processed.mkdir(parents=True, exist_ok=True)
    path = processed / "qualite.json"
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def quality() -> dict[str, Any]:
    """A fresh deep copy of :data:`QUALITY` (tests may change it)."""
    return json.loads(json.dumps(QUALITY))


@pytest.fixture
def write_quality() -> Callable[[Path, dict[str, Any] | str], Path]:
    """``write_quality(data_dir, payload)`` writes ``data_dir/processed/qualite.json``."""
    return _write_quality


@pytest.fixture
def built_data_dir(data_dir: Path) -> Path:
    """:func:`data_dir` after ``egn build``: its processed/qualite.json is :data:`QUALITY`."""
    _write_quality(data_dir, QUALITY)
    return data_dir


@pytest.fixture
def manifest() -> dict[str, Any]:
    """A fresh deep copy of :data:`MANIFEST` (tests may change it)."""
    return json.loads(json.dumps(MANIFEST))


@pytest.fixture
def full_manifest() -> dict[str, Any]:
    """A manifest shaped like the embedded dataset's: 142 files, the generator's paths."""
    return _full_manifest()


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
def full_data_dir(tmp_path: Path) -> Path:
    """A data folder whose manifest is :func:`_full_manifest` (the embedded dataset's shape)."""
    folder = tmp_path / "complet"
    _write_manifest(folder, _full_manifest())
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


@pytest.fixture
def no_png_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The publication PNG cannot be rendered, as on a machine without Chromium."""

    def _unavailable(*_args: object, **_kwargs: object) -> bytes:
        raise RenderUnavailableError("no Chromium")

    monkeypatch.setattr(chart_card_component, "png_bytes", _unavailable)
