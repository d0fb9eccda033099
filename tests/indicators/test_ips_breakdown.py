"""The breakdown by IPS class of the établissement (``classe_ips``) in ``enquetes_catalogue``.

A small generated folder is built twice: with DEPP-like IPS files for its collèges and lycées
(hand-made values, some établissements left without IPS) and without them. Only the first
build may have the breakdown; its four classes partition the respondents whose établissement
has an IPS, and those without one are still in « ensemble ».
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.cards import enquetes as cards
from egn_analytics.generations import tables_folder
from egn_analytics.indicators import compute_catalogue, gap
from egn_analytics.indicators.catalogue import IPS_BREAKDOWN, IPS_CLASS_LABELS, IPS_POPULATIONS
from egn_analytics.loaders import registry
from egn_analytics.synth import generate

INDICATOR = "eleves_ordinateur_perso"  # pupils: attached to their collège or lycée by UAI
KEYS = "Rentrée scolaire;Académie;Code du département;Département;UAI;Nom de l'établissment;"
PLACE = "Code INSEE de la commune;Nom de la commune;Secteur"
COLLEGES = f"{KEYS}{PLACE};Effectifs;IPS;Ecart-type de l'IPS\n"
LYCEES = f"{KEYS}{PLACE};Type de lycée;IPS voie GT;IPS voie PRO;IPS Ensemble GT-PRO\n"


def _ips_value(i: int) -> float:
    """A hand-made IPS between 70 and 150, spread over the établissements."""
    return round(70.0 + (i * 37) % 80 + (i % 10) / 10, 1)


def _write_ips(raw: Path) -> set[str]:
    """IPS files for the annuaire's collèges and lycées, every 7th left out; the UAIs with IPS."""
    annuaire = next((raw / "etablissements").glob("*.csv"))
    etabs = pl.read_csv(annuaire, separator=";", infer_schema=False)
    folder = raw / registry.IPS_DIR
    folder.mkdir(parents=True)
    with_ips: set[str] = set()
    colleges, lycees = [COLLEGES], [LYCEES]
    second = etabs.filter(pl.col("type_etablissement") != "Ecole").sort(
        "identifiant_de_l_etablissement"
    )
    for i, row in enumerate(second.iter_rows(named=True)):
        if i % 7 == 3:
            continue  # no IPS published for this one
        uai, ips = row["identifiant_de_l_etablissement"], _ips_value(i)
        place = f"2022-2023;ACAD;001;DEPT;{uai};ETAB {i};01001;COMMUNE;public"
        if row["type_etablissement"] == "Collège":
            colleges.append(f"{place};400.0;{ips};30.0\n")
        else:
            lycees.append(f"{place};LEGT;{ips};{ips};{ips}\n")
        with_ips.add(uai)
    (folder / "ips_colleges.csv").write_text("".join(colleges), encoding="utf-8")
    (folder / "ips_lycees.csv").write_text("".join(lycees), encoding="utf-8")
    return with_ips


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("ips_breakdown")
    plain = base / "raw_plain"
    generate(plain, seed=2020, scale=0.05, families=("enquetes", "etablissements"))
    with_ips = base / "raw_ips"
    shutil.copytree(plain, with_ips)
    uais = _write_ips(with_ips)
    registry.build(plain, base / "out_plain")
    registry.build(with_ips, base / "out_ips")
    return {"uais": uais, "plain": base / "out_plain", "ips": base / "out_ips"}


def _catalogue(out: object) -> pl.DataFrame:
    folder = tables_folder(Path(str(out)))
    return pl.read_parquet(folder / "indicateurs" / "enquetes_catalogue.parquet")


def test_ips_classes_are_domains_with_estimates_ses_and_statuses(
    builds: dict[str, object],
) -> None:
    table = _catalogue(builds["ips"])
    rows = table.filter((pl.col("indicator") == INDICATOR) & (pl.col("breakdown") == IPS_BREAKDOWN))
    assert rows["domain_code"].to_list() == list(IPS_CLASS_LABELS)
    assert rows["domain"].to_list() == list(IPS_CLASS_LABELS.values())
    assert rows["breakdown_label"].unique().to_list() == ["Classe d'IPS de l'établissement"]
    assert set(rows["status"]) <= {"published", "fragile", "masked"}
    shown = rows.filter(pl.col("status") != "masked")
    assert shown.height >= 2
    assert shown["estimate"].is_between(0.0, 1.0).all() and (shown["se"] > 0).all()
    masked = rows.filter(pl.col("status") == "masked")
    assert masked["estimate"].is_null().all()  # the secret as for any domain
    lecture = shown["lecture"][0]
    assert "dans un établissement du " in lecture
    # Only the collège/lycée populations get it.
    pops = set(table.filter(pl.col("breakdown") == IPS_BREAKDOWN)["population"])
    assert pops == set(IPS_POPULATIONS)


def test_classes_partition_the_respondents_with_an_ips(builds: dict[str, object]) -> None:
    folder = tables_folder(Path(str(builds["ips"])))
    pupils = pl.read_parquet(folder / "enquete_eleves_2d.parquet")
    etabs = pl.read_parquet(folder / "etablissements.parquet")
    assert set(etabs.filter(pl.col("classe_ips").is_not_null())["uai"]) == builds["uais"]
    table = _catalogue(builds["ips"]).filter(pl.col("indicator") == INDICATOR)
    answered = pupils.filter(pl.col("ordinateur").is_not_null())
    with_ips = answered.filter(pl.col("uai").is_in(sorted(builds["uais"])))
    assert 0 < with_ips.height < answered.height  # some établissements have no IPS
    classes = table.filter(pl.col("breakdown") == IPS_BREAKDOWN)
    assert classes["n"].sum() == with_ips.height
    # « IPS non renseigné » is no domain, but those respondents stay in « ensemble ».
    ensemble = table.filter(pl.col("breakdown") == "ensemble")
    assert ensemble["n"].to_list() == [answered.height]


def test_page_picker_and_gap_offer_the_breakdown(builds: dict[str, object]) -> None:
    table = _catalogue(builds["ips"])
    assert (IPS_BREAKDOWN, "Classe d'IPS de l'établissement") in cards.breakdowns(table, INDICATOR)
    folder = tables_folder(Path(str(builds["ips"])))
    res = gap(
        INDICATOR, IPS_BREAKDOWN, "Q4", "1er quart (IPS le plus faible)", processed_dir=folder
    )
    assert res["n_a"][0] > 0 and res["n_b"][0] > 0


def test_without_ips_files_there_is_no_such_breakdown(builds: dict[str, object]) -> None:
    table = _catalogue(builds["plain"])
    assert table.filter(pl.col("breakdown") == IPS_BREAKDOWN).is_empty()
    assert IPS_BREAKDOWN not in dict(cards.breakdowns(table, INDICATOR))
    folder = tables_folder(Path(str(builds["plain"])))
    with pytest.raises(ValueError, match="non applicable"):
        gap(INDICATOR, IPS_BREAKDOWN, "Q1", "Q4", processed_dir=folder)
    # The other breakdowns are the same with or without IPS files (none uses the IPS).
    with_ips = _catalogue(builds["ips"]).filter(pl.col("breakdown") != IPS_BREAKDOWN)
    assert with_ips.drop("lecture").equals(table.drop("lecture"))


def test_restricting_breakdowns_keeps_it_optional(builds: dict[str, object]) -> None:
    folder = tables_folder(Path(str(builds["ips"])))
    only = compute_catalogue(
        processed_dir=folder, indicators=[INDICATOR], breakdowns=[IPS_BREAKDOWN]
    )
    assert set(only["breakdown"]) == {IPS_BREAKDOWN}
    assert only.height == len(IPS_CLASS_LABELS)
