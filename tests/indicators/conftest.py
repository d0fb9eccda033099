"""Fixtures for the indicator tests: a tiny handmade survey and a small generated build.

The tiny survey (2 strata × 2 établissements, 10 respondents) is small enough to compute the
weighted proportion and its Taylor standard error by hand in the tests. The small build runs
the real generator (``scale=0.05``, surveys only) and the real survey loader into a temporary
folder, once per session, so integration tests never depend on the repository's ``data/``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

CODEBOOK_SCHEMA = {
    "variable": pl.String,
    "libelle": pl.String,
    "type": pl.String,
    "modalites": pl.List(pl.Struct({"code": pl.Int64, "libelle": pl.String})),
}


def _labels(pairs: dict[int, str]) -> list[dict[str, object]]:
    return [{"code": k, "libelle": v} for k, v in pairs.items()]


@pytest.fixture
def tiny() -> pl.DataFrame:
    """Two strata (N_A = 4, N_B = 10 établissements), two sampled PSUs each, all of each
    PSU's people answering (so the second stage adds no variance); one missing answer."""
    return pl.DataFrame(
        {
            "id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"],
            "strate": ["A", "A", "A", "A", "A", "B", "B", "B", "B", "B"],
            "uai": ["a1", "a1", "a1", "a2", "a2", "b1", "b1", "b1", "b2", "b2"],
            "poids": [10.0, 10.0, 10.0, 15.0, 15.0, 20.0, 20.0, 20.0, 5.0, 5.0],
            "fpc": [4.0] * 5 + [10.0] * 5,
            "nb_unites_etab": [3, 3, 3, 2, 2, 3, 3, 3, 2, 2],
            "code_academie": ["02", "02", "02", "02", "02", "09", "09", "09", "09", "09"],
            "ep": [1, 1, 1, 3, 3, 3, 3, 3, 1, 1],
            "ordinateur": [3, 1, 3, 2, 3, 1, None, 1, 3, 2],
            "heures": [2, 4, 6, 1, 3, 5, 5, 7, 0, 2],
        },
        schema_overrides={"ordinateur": pl.Int64, "heures": pl.Int64, "ep": pl.Int64},
    )


@pytest.fixture
def tiny_codebook() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "variable": ["code_academie", "ep", "ordinateur", "heures"],
            "libelle": ["Académie", "Éducation prioritaire", "Ordinateur", "Heures"],
            "type": ["texte", "catégorielle", "catégorielle", "numérique"],
            "modalites": [
                None,
                _labels({1: "REP+", 2: "REP", 3: "Hors éducation prioritaire"}),
                _labels({1: "Oui, personnel", 2: "Oui, partagé", 3: "Non"}),
                None,
            ],
        },
        schema=CODEBOOK_SCHEMA,
    )


@pytest.fixture
def tiny_catalogue() -> pl.DataFrame:
    """Two indicators on the tiny survey: a proportion (answer 3) and a mean."""
    common = {
        "theme": "equipement",
        "population": "eleves_2d",
        "unite": "%",
        "ventilations": "ensemble|ep|academie",
        "champ": "Champ de test.",
        "source": "Source de test.",
    }
    return pl.DataFrame(
        [
            {
                **common,
                "id": "sans_ordinateur",
                "libelle": "Élèves sans ordinateur",
                "variable": "ordinateur",
                "niveaux": "3",
                "mesure": "proportion",
                "lecture": "en 2020, {valeur} des élèves{domaine} n'ont pas d'ordinateur.",
            },
            {
                **common,
                "id": "heures_moyennes",
                "libelle": "Heures de travail",
                "variable": "heures",
                "niveaux": None,
                "mesure": "moyenne",
                "unite": "heures",
                "lecture": "en 2020, les élèves{domaine} travaillent {valeur} (de {ic_bas} à {ic_haut}).",
            },
        ],
        schema={
            c: pl.String
            for c in (
                "id", "libelle", "theme", "population", "variable", "niveaux", "mesure",
                "unite", "ventilations", "champ", "source", "lecture",
            )
        },
    )  # fmt: skip


@pytest.fixture(scope="session")
def small_processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The survey tables of a small generated dataset, built by the real survey loader."""
    from egn_analytics.loaders import registry
    from egn_analytics.synth import generate

    raw = tmp_path_factory.mktemp("raw")
    out = tmp_path_factory.mktemp("processed")
    generate(raw, seed=2020, scale=0.05, families=("enquetes",))
    for kind, path in registry.build_plan(raw):
        summary = registry.ingest(kind, path, out)
        assert "erreur" not in summary, summary
    return out


@pytest.fixture(scope="session")
def stage_data(generated_data_dir: Path) -> Path:
    """A data folder as ``egn build`` leaves it, with every source the indicator stage reads:
    the session's small build (root ``tests/conftest.py``). Read-only: a test that builds
    again uses :func:`private_data`."""
    return generated_data_dir


@pytest.fixture
def private_data(stage_data: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`stage_data` that a test may build into (the published link and
    its generations copied as such)."""
    import shutil

    return Path(shutil.copytree(stage_data, tmp_path / "data", symlinks=True))
