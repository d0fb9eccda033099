"""The calendar loader keeps the core's reading verdict: a line it could not read is rejected.

The loader selected only ``_source`` and ``_ligne`` from what the core read, dropping
``_ligne_incomplete``: in the official export (UTF-8 with BOM) one line saved in cp1252 was
accepted as the period « �t� » of Lyon (11 rows: 6 accepted, 5 rejected, none for the
encoding), a line cut short was accepted with its missing cells empty, and either one, coming
first, pushed the correct copy of its period out as « période en double ». Now such a line is
rejected « encodage invalide (ligne N) » or « ligne incomplète (k champs sur n) », as in the
other loaders, and the readable copy after it is kept.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from egn_analytics.loaders.calendar import load_result

EXPORT = Path(__file__).parent / "fixtures" / "calendar" / "calendrier_bom.csv"
HEADER = "\ufeffDescription;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire"
PERIOD = "Vacances de Printemps;-;2020-04-18T00:00:00+02:00;2020-05-04T00:00:00+02:00;Lyon;Zone A"


def _no_replacement_char(frame: pl.DataFrame) -> bool:
    text = frame.select(pl.col(pl.String, pl.Enum, pl.Categorical).cast(pl.String))
    return not text.select(pl.any_horizontal(pl.all().str.contains("\ufffd").any())).item()


def test_one_cp1252_line_in_the_official_export(tmp_path: Path) -> None:
    clean = load_result(EXPORT)
    lines = EXPORT.read_bytes().splitlines(keepends=True)
    assert "Été".encode() in lines[6]  # line 7: « Vacances d'Été » of Lyon
    lines[6] = lines[6].decode("utf-8").encode("cp1252")
    path = tmp_path / EXPORT.name
    path.write_bytes(b"".join(lines))
    res = load_result(path)
    assert res.rows_read == clean.rows_read == 11 == res.data.height + res.rejects.height
    assert (res.data.height, res.rejects.height) == (5, 6)
    assert _no_replacement_char(res.data)
    got = res.rejects.filter(pl.col("_motif").str.starts_with("encodage"))
    assert got.select("_ligne", "_motif").rows() == [(7, "encodage invalide (ligne 7)")]
    # Every other row is read exactly as in the clean file.
    assert res.data.equals(clean.data.filter(pl.col("vacances") != "Été"))
    assert res.rejects.filter(pl.col("_ligne") != 7)["_motif"].equals(clean.rejects["_motif"])


def test_one_cp1252_line_in_an_export_without_bom(tmp_path: Path) -> None:
    """Without a BOM, the header was re-read in an encoding guessed from the first 64 KiB: one
    cp1252 line made it « Date de dÃ©but » and the whole file failed « colonne(s) attendue(s)
    absente(s) ». The header is now read in the encoding decided for the file."""
    lines = EXPORT.read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    lines[6] = lines[6].decode("utf-8").encode("cp1252")
    path = tmp_path / "calendrier.csv"
    path.write_bytes(b"".join(lines))
    res = load_result(path)
    assert (res.rows_read, res.data.height, res.rejects.height) == (11, 5, 6)
    assert _no_replacement_char(res.data)
    assert "encodage invalide (ligne 7)" in res.rejects["_motif"].to_list()


def test_unreadable_first_copy_does_not_push_out_the_readable_one(tmp_path: Path) -> None:
    """A line whose only foreign byte is in a column the loader does not keep, then the same
    period written correctly: the first is rejected for its encoding, the second accepted."""
    header = HEADER + ";Commentaire\n"
    bad = f"{PERIOD};2019-2020;modifié\n".encode("cp1252")
    good = f"{PERIOD};2019-2020;modifié\n".encode()
    path = tmp_path / "calendrier.csv"
    path.write_bytes(header.encode() + bad + good)
    res = load_result(path)
    assert (res.rows_read, res.data.height, res.rejects.height) == (2, 1, 1)
    assert res.rejects.select("_ligne", "_motif").rows() == [(2, "encodage invalide (ligne 2)")]
    assert res.data["academie"].to_list() == ["Lyon"]


def test_truncated_line_is_rejected_not_completed(tmp_path: Path) -> None:
    """A line cut after its zone (6 fields of 7) used to be accepted with a derived school
    year, and its complete copy rejected as « période en double »."""
    path = tmp_path / "calendrier.csv"
    path.write_text(f"{HEADER}\n{PERIOD}\n{PERIOD};2019-2020\n", encoding="utf-8")
    res = load_result(path)
    assert (res.rows_read, res.data.height, res.rejects.height) == (2, 1, 1)
    assert res.rejects.select("_ligne", "_motif").rows() == [
        (2, "ligne incomplète (6 champs sur 7)")
    ]
    assert res.data.select("academie", "annee_scolaire").rows() == [("Lyon", "2019-2020")]
