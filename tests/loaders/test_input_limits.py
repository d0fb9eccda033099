"""Values and files at the limits: ``1e309``, a repeated header, a gzip that inflates a lot.

* ``1e309`` overflows float64 to ``inf``: three loaders (audience, CNED, établissements)
  failed on the whole file at the Int64 cast; it is now that row's reject, naming the column.
* A repeated column header was accepted, its first copy silently winning: it is now an error
  naming the column and both positions.
* A gzip was inflated whole in memory with no cap (200 MB inflated needed 1.7 GiB, 2 GB
  needed 16 GiB): the inflated size is now capped (``EGN_MAX_INFLATED_MB``, ``[tool.egn]
  max_inflated_mb``), counted while stream-decompressing, so memory stays near the cap.
"""

from __future__ import annotations

import gzip
import tomllib
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from egn_analytics.loaders import LoadError, cned, ent_audience, ent_logs, etablissements, survey
from egn_analytics.loaders import _core as core

REPO = Path(__file__).resolve().parents[2]
FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def pseudo_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGN_PSEUDO_KEY", "5e" * 32)


# --------------------------------------------------------------------------- 1e309


@pytest.mark.parametrize(
    ("module", "header", "rows", "column"),
    [
        (
            ent_audience,
            "mois;projet_ent;profil;service;visites;visiteurs_uniques",
            ["2020-03;PCN;élève;messagerie;12;10", "2020-04;PCN;élève;messagerie;1e309;1",
             "2020-05;PCN;élève;messagerie;7;-1e400", "2020-06;PCN;élève;messagerie;1e19;1"],
            ["visites", "visiteurs_uniques", "visites"],
        ),
        (
            cned,
            "date;inscriptions;classes_virtuelles",
            ["2020-03-16;12;1", "2020-03-17;1e309;2", "2020-03-18;5;NaN", "2020-03-19;4;3"],
            ["inscriptions", "classes_virtuelles"],
        ),
        (
            etablissements,
            "uai;type;secteur;code_departement;code_academie;eleves;enseignants;ips",
            ["0750001U;Collège;Public;75;01;500;30;100", "0140002B;Collège;Public;14;70;1e309;3;90",
             "0760003R;Collège;Public;76;70;300;25;inf",
             "0750002V;Collège;Public;75;01;200;-1e999;95"],
            ["eleves", "ips", "enseignants"],
        ),
    ],
)  # fmt: skip
def test_an_overflowing_number_rejects_its_row_not_the_file(
    tmp_path: Path, module: Any, header: str, rows: list[str], column: list[str]
) -> None:
    path = tmp_path / "donnees.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    res = module.load_result(path)
    assert res.rows_read == len(rows) == res.data.height + res.rejects.height
    assert res.data.height == len(rows) - len(column)
    motifs = res.rejects.sort("_ligne")["_motif"].to_list()
    assert [m.split(" ; ")[0] for m in motifs] == [f"nombre hors limites ({c})" for c in column]
    # Nothing else fires on those values (negative, not whole…): one reason, the right one.
    assert all(" ; " not in m for m in motifs)


def test_survey_weights_and_answers_at_the_limits_stay_row_level(tmp_path: Path) -> None:
    path = tmp_path / "enquete.csv"
    path.write_text(
        "id;strate;uai;poids;note\n1;S;U1;2,5;3\n2;S;U2;1e309;4\n3;S;U3;1,5;1e309\n4;S;U4;1;2\n",
        encoding="utf-8",
    )
    res = survey.load_result(path)
    assert (res.rows_read, res.data.height) == (4, 2)
    assert dict(res.rejects.select("_ligne", "_motif").iter_rows()) == {
        3: "type invalide (poids)",
        4: "type invalide (note)",
    }


# --------------------------------------------------------------------------- repeated headers


def test_a_repeated_header_names_the_column_and_both_positions(tmp_path: Path) -> None:
    path = tmp_path / "audience.csv"
    path.write_text(
        "mois;projet_ent;profil;service;visites;pages;Visites \n"
        "2020-03;PCN;élève;messagerie;12;3;99\n",
        encoding="utf-8",
    )
    with pytest.raises(
        LoadError,
        match=r"^audience\.csv \(ligne 1\) : colonne « visites » en double \(colonnes 5 et 7\)$",
    ):
        ent_audience.load_result(path)
    # Two export names for one column are the same mistake, said the same way.
    path.write_text("uai;UAI;nom\n0750001U;0750001U;x\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"colonne « uai » en double \(colonnes 1 et 2\)"):
        etablissements.load_result(path)
    path.write_text("mois;periode;projet_ent;profil;service;visites\n", encoding="utf-8")
    with pytest.raises(
        LoadError,
        match=r"plusieurs colonnes donnent mois \(colonnes 1 et 2 : « mois », « periode »",
    ):
        ent_audience.load_result(path)


def test_a_repeated_ent_log_column_names_both_positions(tmp_path: Path) -> None:
    path = tmp_path / "evenements.csv"
    path.write_text(
        "horodatage;login;profil;uai;statut_http;user\n"
        "2020-03-16T08:00:00+01:00;a;élève;0750001U;200;b\n",
        encoding="utf-8",
    )
    with pytest.raises(
        LoadError,
        match=r"^evenements\.csv \(ligne 1\) : colonne « login » en double \(colonnes 2 et 6\)$",
    ):
        ent_logs.load_result(path)


# --------------------------------------------------------------------------- gzip cap


def _gzip_of(path: Path, header: bytes, row: bytes, inflated_mb: float) -> int:
    """Write a gzip whose content inflates to about ``inflated_mb`` MiB; its size in bytes."""
    n = int(inflated_mb * 1024 * 1024 / len(row)) + 1
    with gzip.open(path, "wb", compresslevel=6) as fh:
        fh.write(header)
        for _ in range(0, n, 10_000):
            fh.write(row * min(10_000, n))
    return path.stat().st_size


def test_the_inflated_size_cap_stops_early_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audience.csv.gz"
    size = _gzip_of(
        path, b"mois;projet_ent;profil;service;visites\n", b"2020-03;PCN;parent;messagerie;1\n", 40
    )
    assert size < 1024 * 1024  # about 40 MiB once inflated: over 40 times its size
    monkeypatch.setenv(core.MAX_INFLATED_ENV, "2")
    tracemalloc.start()
    try:
        with pytest.raises(LoadError) as err:
            ent_audience.load_result(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(err.value) == (
        "audience.csv.gz : fichier gzip trop volumineux une fois décompressé : plus de 2 Mo "
        "(limite réglable par EGN_MAX_INFLATED_MB ou [tool.egn] max_inflated_mb)"
    )
    assert peak < 8 * 1024 * 1024  # the cap, a chunk and buffers: never the 40 MiB
    # Raised, the same file loads (every row read; the repeated key rejected as such).
    monkeypatch.setenv(core.MAX_INFLATED_ENV, "64")
    res = ent_audience.load_result(path)
    assert res.data.height == 1 and res.rows_read > 1_000_000


def test_the_cap_has_a_project_default_and_refuses_nonsense(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(core.MAX_INFLATED_ENV, raising=False)
    with (REPO / "pyproject.toml").open("rb") as fh:
        configured = tomllib.load(fh)["tool"]["egn"]["max_inflated_mb"]
    assert core.max_inflated_bytes() == int(configured * 1024 * 1024)
    monkeypatch.setenv(core.MAX_INFLATED_ENV, "1,5")
    assert core.max_inflated_bytes() == int(1.5 * 1024 * 1024)
    for bad in ("0", "-3", "beaucoup"):
        monkeypatch.setenv(core.MAX_INFLATED_ENV, bad)
        with pytest.raises(ValueError, match="EGN_MAX_INFLATED_MB doit être un nombre de Mo"):
            core.max_inflated_bytes()


def test_small_gzips_still_load_and_broken_ones_quote_no_bytes(tmp_path: Path) -> None:
    good = tmp_path / "cned.csv.gz"
    good.write_bytes(gzip.compress(b"date;inscriptions\n2020-03-16;12\n"))
    assert cned.load_result(good).data.height == 1
    fake = tmp_path / "faux.csv.gz"
    fake.write_bytes(b"jdupont42;eleve\n")
    with pytest.raises(LoadError) as err:
        ent_audience.load_result(fake)
    assert "jd" not in str(err.value) and "pas un gzip valide" in str(err.value)
    cut = tmp_path / "coupe.csv.gz"
    cut.write_bytes(gzip.compress(b"date;inscriptions\n2020-03-16;12\n" * 500)[:-40])
    with pytest.raises(LoadError, match=r"^coupe\.csv\.gz : fichier illisible ou tronqué"):
        cned.load_result(cut)
