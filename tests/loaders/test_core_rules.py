"""Core rules found in review: duplicate keys, encoding fallback, cache marker, build errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders import registry
from egn_analytics.loaders.etablissements import load_result

FIX = Path(__file__).parent / "fixtures"
HEADER = (
    "identifiant_de_l_etablissement;nom_etablissement;type_etablissement;statut_public_prive;"
    "code_departement;code_academie;nombre_d_eleves"
)


def test_first_occurrence_rejected_for_another_reason_keeps_the_valid_duplicate(
    tmp_path: Path,
) -> None:
    path = tmp_path / "annuaire.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                "0750001U;Effectif faux;Collège;Public;075;01;-5",
                "0750001U;Bon;Collège;Public;075;01;300",
                ";Sans UAI 1;Collège;Public;075;01;300",
                ";Sans UAI 2;Collège;Public;075;01;300",
            ]
        ),
        encoding="utf-8",
    )
    res = load_result(path)
    assert res.data["nom"].to_list() == ["Bon"]
    reasons = dict(res.rejects.select("nom", "_motif").iter_rows())
    assert reasons["Effectif faux"] == "effectif négatif"
    assert reasons["Sans UAI 1"] == reasons["Sans UAI 2"] == "valeur manquante (uai)"


def test_cp1252_after_a_long_ascii_start(tmp_path: Path) -> None:
    line = "0750001U;Collège Victor Hugo;Collège;Public;075;01;300"
    rows = [HEADER] + [line.replace("0750001U", f"07{i:05d}X") for i in range(1500)]
    rows.append("0750001U;Collège Émile Zola;Collège;Public;075;01;300")
    path = tmp_path / "long.csv"
    path.write_bytes("\n".join(rows).encode("cp1252"))
    assert path.stat().st_size > 64 * 1024
    res = load_result(path)
    assert res.rows_read == 1501
    assert "Collège Émile Zola" in res.data["nom"].to_list() + res.rejects["nom"].to_list()


def test_a_new_write_removes_the_old_cache_marker_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = FIX / "annuaire_bom_utf8.csv"
    registry.ingest("etablissements", src, tmp_path)
    assert (tmp_path / "etablissements.meta.json").is_file()

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("coupure")

    monkeypatch.setattr("polars.DataFrame.write_parquet", boom)
    with pytest.raises(RuntimeError):
        registry.ingest("etablissements", src, tmp_path, force=True)
    # No marker vouches for tables that may be half replaced: the next run rebuilds.
    assert not (tmp_path / "etablissements.meta.json").exists()


def test_build_reports_any_failure_and_goes_on(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "etablissements").mkdir(parents=True)
    (raw / "etablissements" / "a.csv").write_text(
        "identifiant_de_l_etablissement;uai\n0750001U;0750001U\n", encoding="utf-8"
    )
    (raw / "cned").mkdir()
    (raw / "cned" / "vide.csv").write_bytes(b"")
    summaries = registry.build(raw, tmp_path / "out")
    assert [s["type"] for s in summaries] == ["etablissements", "cned"]
    assert all("erreur" in s for s in summaries)
    assert "plusieurs colonnes donnent uai" in summaries[0]["erreur"]
    assert "a.csv" in summaries[0]["erreur"]
    report = json.loads((tmp_path / "out" / "qualite.json").read_text(encoding="utf-8"))
    assert len(report["tables"]) == 2


def test_code_change_changes_the_cache_key() -> None:
    module = registry.loader("etablissements")
    v1 = registry.code_version(module)
    assert v1.startswith("egn_analytics.loaders.etablissements:")
    assert len(v1.rsplit(":", 1)[1]) == 16
    assert pl.Series([v1]).str.contains(":").all()


def test_a_file_cut_inside_its_last_row_rejects_that_row(tmp_path: Path) -> None:
    full = (FIX / "annuaire_bom_utf8.csv").read_bytes()
    cut = tmp_path / "coupe.csv"
    cut.write_bytes(full[:520])  # inside the third line's latitude
    res = load_result(cut)
    assert res.rows_read == 2 and res.data.height == 1
    assert res.rejects["_motif"].to_list() == ["ligne incomplète (16 champs sur 17)"]
    assert res.rejects["_ligne"].to_list() == [3]


def test_survey_truncated_row_is_rejected(tmp_path: Path) -> None:
    from egn_analytics.loaders.survey import load_result as load_survey

    path = tmp_path / "enquete.csv"
    path.write_text("id;strate;uai;poids;note\n1;S;U1;2,5;3\n2;S;U2;1,5", encoding="utf-8")
    res = load_survey(path)
    assert res.data["id"].to_list() == ["1"] or res.data["id"].to_list() == [1]
    assert res.rejects["_motif"].to_list() == ["ligne incomplète (4 champs sur 5)"]


def test_error_messages_stay_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "entete.csv"
    path.write_text('"a\nb";c\n1;2\n', encoding="utf-8")
    with pytest.raises(Exception, match="colonne") as info:
        load_result(path)
    assert "\n" not in str(info.value)


def test_survey_duplicate_ids_follow_the_shared_rule(tmp_path: Path) -> None:
    from egn_analytics.loaders.survey import load_result as load_survey

    path = tmp_path / "enquete.csv"
    path.write_text(
        "id;strate;uai;poids;note\n1;S;U1;0;3\n1;S;U2;1,5;4\n2;S;U3;1;5\n2;S;U4;1;6\n",
        encoding="utf-8",
    )
    res = load_survey(path)
    assert [str(i) for i in res.data["id"].to_list()] == ["1", "2"]
    assert res.rejects["_motif"].to_list() == ["poids ≤ 0 ou manquant", "clé en double (id)"]
