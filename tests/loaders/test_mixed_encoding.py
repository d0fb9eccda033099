"""One line in another encoding: that line is rejected, the file keeps its own encoding.

With one line re-encoded in cp1252 in the middle of the ENT audience file as ``egn synth``
writes it (UTF-8), the whole file used to be re-decoded as cp1252: exit 0, thousands of rows
rejected as « profil inconnu » and thousands of accepted cells with mojibake (« Ã© »). Now the
encoding is decided for the file and checked line by line (``_core.decode_lines``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders import LoadError, LoadResult, ent_audience, ent_logs, etablissements

REPO = Path(__file__).resolve().parents[2]
ANNUAIRE = REPO.parent / "shared" / "real-world" / "education" / "fr-en-annuaire-education_2023.csv"
MOJIBAKE = "Ã|Â[\u00a0-\u00bf]|\ufffd"  # « é » read as cp1252 is « Ã© »


@pytest.fixture(scope="module")
def audience(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from egn_analytics.synth.ent import AUDIENCE_FILE, write_ent
    from egn_analytics.synth.etablissements import make_etablissements

    root = tmp_path_factory.mktemp("synth")
    write_ent(make_etablissements(2020, 0.02), root, 2020, 1_000, "csv")
    return root / AUDIENCE_FILE


def _with_lines_in(raw: bytes, encoding: str, at: list[int]) -> tuple[bytes, list[int]]:
    """``raw`` (UTF-8) with the first non-ASCII line from each index of ``at`` re-encoded."""
    lines = raw.split(b"\n")
    done = []
    for start in at:
        i = next(k for k in range(start, len(lines)) if not lines[k].isascii())
        lines[i] = lines[i].decode("utf-8").encode(encoding)
        done.append(i + 1)  # physical line number
    return b"\n".join(lines), done


def _mojibake_cells(res: LoadResult) -> int:
    text = res.data.select(pl.col(pl.String, pl.Enum, pl.Categorical).cast(pl.String))
    return int(text.select(pl.sum_horizontal(pl.all().str.contains(MOJIBAKE).sum())).item())


@pytest.mark.integration
def test_one_cp1252_line_in_the_utf8_audience_file(audience: Path, tmp_path: Path) -> None:
    clean = ent_audience.load_result(audience)
    assert clean.rejects.height == 0 and _mojibake_cells(clean) == 0
    raw = audience.read_bytes()
    mixed, (line,) = _with_lines_in(raw, "cp1252", [len(raw.split(b"\n")) // 2])
    path = tmp_path / audience.name
    path.write_bytes(mixed)
    res = ent_audience.load_result(path)
    assert res.rows_read == clean.rows_read == res.data.height + res.rejects.height
    assert res.summary()["motifs"] == {f"encodage invalide (ligne {line})": 1}
    assert res.rejects["_ligne"].to_list() == [line]
    assert _mojibake_cells(res) == 0
    assert res.data.equals(clean.data.filter(pl.int_range(pl.len()) != line - 2))
    # The rejected line is shown as read (undecodable bytes as U+FFFD), never as mojibake.
    assert "\ufffd" in "".join(str(v) for v in res.rejects.row(0))


@pytest.mark.integration
def test_cp1252_throughout_and_a_few_utf8_lines_in_it(audience: Path, tmp_path: Path) -> None:
    clean = ent_audience.load_result(audience)
    cp1252 = audience.read_bytes().decode("utf-8").encode("cp1252")
    whole = tmp_path / "cp1252.csv"
    whole.write_bytes(cp1252)
    res = ent_audience.load_result(whole)
    assert res.rejects.height == 0 and res.data.equals(clean.data)
    # Mostly cp1252, three lines in UTF-8: those lines are the ones rejected.
    lines = cp1252.split(b"\n")
    picked = [k for k in range(len(lines)) if not lines[k].isascii()][100:103]
    for k in picked:
        lines[k] = lines[k].decode("cp1252").encode("utf-8")
    mixed = tmp_path / "mixte.csv"
    mixed.write_bytes(b"\n".join(lines))
    res = ent_audience.load_result(mixed)
    assert sorted(res.rejects["_ligne"].to_list()) == [k + 1 for k in picked]
    assert set(res.summary()["motifs"]) == {f"encodage invalide (ligne {k + 1})" for k in picked}
    assert _mojibake_cells(res) == 0
    assert res.rows_read == clean.rows_read == res.data.height + 3


def test_real_annuaire_with_cp1252_lines_through_another_loader(tmp_path: Path) -> None:
    """The real annuaire export (UTF-8 with BOM, CRLF) through the établissements loader."""
    clean = etablissements.load_result(ANNUAIRE)
    raw = ANNUAIRE.read_bytes()
    mixed, bad = _with_lines_in(raw, "cp1252", [200, 600])
    path = tmp_path / ANNUAIRE.name
    path.write_bytes(mixed)
    res = etablissements.load_result(path)
    assert res.rows_read == clean.rows_read == res.data.height + res.rejects.height
    got = res.rejects.filter(pl.col("_motif").str.starts_with("encodage invalide"))
    assert sorted(got["_ligne"].to_list()) == bad
    assert set(got["_motif"]) == {f"encodage invalide (ligne {n})" for n in bad}
    assert _mojibake_cells(res) == 0
    # Every other row is read exactly as in the clean file.
    others = clean.data.filter(~pl.col("uai").is_in(got["uai"].implode()))
    assert res.data.sort("uai").equals(others.sort("uai"))


def test_ent_logs_refuse_a_mixed_file_naming_the_line(tmp_path: Path) -> None:
    """The streamed ENT loader cannot reject one line of a Polars scan: it stops, naming the
    line, rather than reading the whole file as cp1252 (its former guess from the head)."""
    header = "horodatage;login;profil;uai;projet_ent;service;url;statut_http;duree_ms\n"
    row = "2020-03-16T08:00:00+01:00;a{i};élève;0750001U;PCN;vie scolaire/à faire;/u;200;5\n"
    rows = [row.format(i=i).encode() for i in range(40)]
    rows[20] = rows[20].decode().encode("cp1252")
    path = tmp_path / "evenements.csv"
    path.write_bytes(header.encode() + b"".join(rows))
    with pytest.raises(
        LoadError, match=r"^evenements\.csv : encodage invalide \(UTF-8\) à la ligne 22$"
    ):
        ent_logs.load_result(path)
    # And the other way round: a UTF-8 line in a cp1252 file.
    rows = [row.format(i=i).encode("cp1252") for i in range(40)]
    rows[30] = row.format(i=30).encode()
    path.write_bytes(header.encode() + b"".join(rows))
    with pytest.raises(LoadError, match=r"^evenements\.csv : encodage mixte à la ligne 32 "):
        ent_logs.load_result(path)
