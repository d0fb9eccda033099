"""Calendar loader on a handmade export (BOM, UTC and local offsets, Caen/Rouen, overseas)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders import LoadError
from egn_analytics.loaders.calendar import load, load_result
from egn_analytics.loaders.registry import ingest

FIX = Path(__file__).parent / "fixtures" / "calendar"
EXPORT = FIX / "calendrier_bom.csv"

EXPECTED = [
    # UTC timestamps: 2020-04-03T22:00:00+00:00 is 4 April in Paris.
    ("01", "Paris", "Zone C", "Printemps", date(2020, 4, 4), date(2020, 4, 20), None),
    # Caen (+02:00) → Normandie; its Rouen twin is rejected as a duplicate period.
    ("70", "Normandie", "Zone B", "Printemps", date(2020, 4, 11), date(2020, 4, 27), None),
    # Overseas: the local date of the académie (UTC+4 and UTC+3), not the Paris one.
    ("28", "La Réunion", "Réunion", "Après 3e période", date(2020, 3, 7), date(2020, 3, 23), None),
    ("43", "Mayotte", "Mayotte", "Printemps", date(2020, 5, 2), date(2020, 5, 11), None),
    ("10", "Lyon", "Zone A", "Été", date(2020, 7, 4), date(2020, 8, 31), "Enseignants"),
    # Plain dates; empty zone → the académie's zone; empty school year → from the dates.
    ("17", "Nantes", "Zone B", "Pont de l'Ascension", date(2020, 5, 21), date(2020, 5, 25), None),
]
REJECTS = [
    (4, "Rouen", "période en double (Caen/Rouen → Normandie)"),
    (8, "Polynésie", "académie inconnue ; zone inconnue"),
    (9, "Lyon", "reprise ≤ début"),
    (10, "Lille", "date impossible"),
    (12, "Lille", "zone inconnue"),
]


def _check(res_path: Path) -> None:
    res = load_result(res_path)
    assert res.rows_read == 11 == res.data.height + res.rejects.height
    got = res.data.select(
        "code_academie", "academie", pl.col("zone").cast(pl.String), "vacances", "debut",
        "reprise", "population",
    ).rows()  # fmt: skip
    assert got == EXPECTED
    assert set(res.data["annee_scolaire"]) == {"2019-2020"}
    assert res.rejects.select("_ligne", "academie", "_motif").rows() == REJECTS
    # Rejects keep the raw strings, as written.
    assert res.rejects["debut"][0] == "2020-04-11T00:00:00+02:00"


def test_official_export_quirks() -> None:
    _check(EXPORT)


def test_cp1252_without_bom_gives_the_same_table(tmp_path: Path) -> None:
    text = EXPORT.read_bytes().decode("utf-8-sig")
    dest = tmp_path / "calendrier_cp1252.csv"
    dest.write_bytes(text.encode("cp1252"))
    _check(dest)


def test_small_utf8_file_ending_in_an_accent_is_not_read_as_cp1252(tmp_path: Path) -> None:
    # Columns in another order, no BOM, the file's last bytes are « Été\n »: a check on a
    # sample cut 4 bytes short would split the « É » and fall back to cp1252 (mojibake).
    dest = tmp_path / "calendrier.csv"
    dest.write_text(
        "Académies;Zones;Date de début;Date de fin;annee_scolaire;Population;Description\n"
        "Lyon;Zone A;2020-07-04T00:00:00+02:00;2020-09-01T00:00:00+02:00;2019-2020;-;"
        "Vacances d'Été\n",
        encoding="utf-8",
    )
    res = load_result(dest)
    assert res.data.select("academie", "vacances").rows() == [("Lyon", "Été")]


def test_load_is_lazy_and_typed() -> None:
    schema = load(EXPORT).collect_schema()
    assert schema["debut"] == pl.Date and schema["reprise"] == pl.Date
    assert isinstance(schema["zone"], pl.Enum)


def test_folder_of_exports_and_errors(tmp_path: Path) -> None:
    folder = tmp_path / "calendrier"
    folder.mkdir()
    (folder / "a.csv").write_bytes(EXPORT.read_bytes())
    lines = EXPORT.read_text(encoding="utf-8-sig").splitlines()
    (folder / "b.csv").write_text(
        "\n".join([lines[0], lines[1].replace("Paris", "Créteil")]) + "\n", encoding="utf-8"
    )
    res = load_result(folder)
    assert (res.rows_read, res.data.height) == (12, 7)
    assert res.sources == ("a.csv", "b.csv")

    bad = tmp_path / "sans_dates.csv"
    bad.write_text("Description;Académies\nNoël;Paris\n", encoding="utf-8")
    with pytest.raises(
        LoadError, match=r"^sans_dates\.csv \(ligne 1\) : colonne\(s\) attendue\(s\) absente\(s\)"
    ):
        load_result(bad)
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match=r"^vide\.csv : fichier vide$"):
        load_result(empty)
    nothing = tmp_path / "rien"
    nothing.mkdir()
    with pytest.raises(LoadError, match="aucun export du calendrier"):
        load_result(nothing)


def test_ingest_writes_table_and_rejects(tmp_path: Path) -> None:
    summary = ingest("calendar", EXPORT, tmp_path)
    assert summary["table"] == "calendrier_scolaire"
    assert (summary["lignes_lues"], summary["acceptees"], summary["rejetees"]) == (11, 6, 5)
    assert pl.read_parquet(tmp_path / "calendrier_scolaire.parquet").height == 6
    assert pl.read_parquet(tmp_path / "calendrier_scolaire.rejects.parquet").height == 5


def test_generated_calendar_matches_the_reference(tmp_path: Path) -> None:
    from egn_analytics.reference import academies, holidays_2019_2020
    from egn_analytics.synth.calendar_export import write_calendar

    record = write_calendar(tmp_path)
    res = load_result(tmp_path / record.path)
    zone_b_periods = holidays_2019_2020().filter(pl.col("zone") == "Zone B").height
    assert (record.rows, zone_b_periods) == (162, 6)
    # Caen and Rouen are both listed: one of each pair is the Normandie period, the other a
    # merged duplicate — the only rejects, so rows read = accepted + rejected still holds.
    assert (res.rows_read, res.data.height, res.rejects.height) == (162, 156, 6)
    assert res.summary()["motifs"] == {"période en double (Caen/Rouen → Normandie)": 6}
    assert set(res.rejects["academie"]) == {"Rouen"}
    expected = (
        academies()
        .select("code_academie", "academie", "zone")
        .join(holidays_2019_2020(), on="zone")
        .sort("code_academie", "debut")
    )
    got = res.data.with_columns(pl.col("zone").cast(pl.String)).sort("code_academie", "debut")
    assert got.select(expected.columns).equals(expected)
    assert got["population"].null_count() == got.height
    assert set(got["annee_scolaire"]) == {"2019-2020"}
