"""Review of « Reliability and security »: what the first pass left.

* Texts and JSON exports of the corpus were re-decoded whole as cp1252 when one line was not
  UTF-8: « Les Ã©lÃ¨ves ont reÃ§u… » accepted, 0 rejects. Now the encoding is decided for the
  file and checked line by line (``_core.decode_lines``): the document or record holding the
  line is rejected with « encodage invalide (ligne N) ». CSV exports of the corpus dropped the
  core's verdict and accepted the row with U+FFFD: no longer.
* A repeated column in an Excel survey was renamed « note_1 » by the reader and accepted.
* ``EGN_MAX_INFLATED_MB=inf`` raised OverflowError, ``max_inflated_mb = 0`` in pyproject meant
  256, a negative value was accepted. A zipped workbook had no inflation cap at all.
* An ENT log ASCII for its first 64 KiB is taken for UTF-8; its refusal now says the fix.
* ``_ligne`` counted records (row index + 2) while « encodage invalide (ligne N) » gave the
  physical line: after a quoted field spanning lines, 4 against 5.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl
import pytest

from egn_analytics import config
from egn_analytics.loaders import LoadError, corpus, ent_logs, survey
from egn_analytics.loaders import _core as core
from egn_analytics.loaders.registry import error_line

MOJIBAKE = "Ã|Â[\u00a0-\u00bf]|\ufffd"
UTF8_LINE = "Les élèves ont reçu le message.".encode()
CP1252_LINE = "Deuxième ligne, écrite en cp1252.".encode("cp1252")


def _texts(frame: pl.DataFrame) -> list[str]:
    return [str(v) for row in frame.select(pl.col(pl.String)).iter_rows() for v in row if v]


def _no_mojibake(frame: pl.DataFrame) -> bool:
    return not any(pl.Series(_texts(frame), dtype=pl.String).str.contains(MOJIBAKE))


# --------------------------------------------------------------------------- 1. corpus


def test_a_text_document_with_one_cp1252_line_is_rejected_not_garbled(tmp_path: Path) -> None:
    (tmp_path / "melange.txt").write_bytes(
        b"Titre : Essai\n\n" + UTF8_LINE + b"\n" + CP1252_LINE + b"\n"
    )
    (tmp_path / "propre.txt").write_bytes(b"Titre : Propre\n\n" + UTF8_LINE + b"\n")
    (tmp_path / "ancien.txt").write_bytes(
        "Titre : Ancien\n\nLes élèves, l'école, la rentrée.\n".encode("cp1252")
    )
    res = corpus.load_result(tmp_path)
    assert res.rows_read == 3 == res.data.height + res.rejects.height
    assert res.rejects.select("fichier", "_motif").rows() == [
        ("melange.txt", "encodage invalide (ligne 4)")
    ]
    # The rejected text is shown as read: UTF-8 intact, the foreign byte as U+FFFD.
    assert (
        res.rejects["texte"][0]
        == "Les élèves ont reçu le message.\nDeuxi\ufffdme ligne, \ufffdcrite en cp1252."
    )
    # A document in cp1252 throughout is still read as cp1252.
    texts = dict(res.data.select("fichier", "texte").iter_rows())
    assert texts == {
        "ancien.txt": "Les élèves, l'école, la rentrée.",
        "propre.txt": "Les élèves ont reçu le message.",
    }
    assert _no_mojibake(res.data)


def test_a_json_lines_export_rejects_only_its_cp1252_record(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(
        b'{"id": "a", "texte": "\xc3\xa9l\xc3\xa8ve pr\xc3\xaat"}\n'
        b"\n"  # a blank line: ``_ligne`` stays the line of the file
        b'{"id": "b", "texte": "deuxi\xe8me"}\n'
        b'{"id": "c", "texte": "troisi\xc3\xa8me"}\n'
    )
    res = corpus.load_result(path)
    assert res.rows_read == 3 == res.data.height + res.rejects.height
    assert res.data["texte"].to_list() == ["élève prêt", "troisième"]
    assert res.rejects.select("_ligne", "_motif").rows() == [(3, "encodage invalide (ligne 3)")]
    assert res.rejects["texte"][0] == "deuxi\ufffdme"
    # In cp1252 throughout, it is read as cp1252.
    path.write_bytes('{"id": "a", "texte": "élève prêt"}\n'.encode("cp1252"))
    assert corpus.load_result(path).data["texte"].to_list() == ["élève prêt"]


def test_a_json_export_rejects_the_record_holding_the_line(tmp_path: Path) -> None:
    records = [
        {"id": "a", "titre": "Premier", "texte": "Les élèves"},
        {"id": "b", "titre": "Deuxième", "texte": "La rentrée"},
        {"id": "c", "titre": "Troisième", "texte": "L'école"},
    ]
    text = json.dumps({"export": "retex", "documents": records}, ensure_ascii=False, indent=2)
    lines = text.encode().split(b"\n")
    at = next(i for i, ln in enumerate(lines) if b"La rentr" in ln)
    lines[at] = lines[at].decode().encode("cp1252")
    path = tmp_path / "export.json"
    path.write_bytes(b"\n".join(lines))
    res = corpus.load_result(path)
    assert res.rows_read == 3 == res.data.height + res.rejects.height
    assert res.data["id_document"].to_list() == ["a", "c"]
    assert res.data["titre"].to_list() == ["Premier", "Troisième"]
    assert res.rejects.select("id_document", "_motif").rows() == [
        ("b", f"encodage invalide (ligne {at + 1})")
    ]
    assert _no_mojibake(res.data)
    # A bare list, every record on one line: the records sharing the bad line go with it.
    path.write_bytes(
        b'[{"id": "a", "texte": "\xc3\xa9t\xc3\xa9"},\n'
        b' {"id": "b", "texte": "hiver"}, {"id": "c", "texte": "\xe9t\xe9"}]\n'
    )
    res = corpus.load_result(path)
    assert res.data["id_document"].to_list() == ["a"]
    assert set(res.rejects["_motif"]) == {"encodage invalide (ligne 2)"}


def test_a_csv_export_no_longer_accepts_the_undecodable_row(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(
        b"id;texte\na;\xc3\xa9l\xc3\xa8ve pr\xc3\xaat\nb;deuxi\xe8me\nc;troisi\xc3\xa8me\n"
    )
    res = corpus.load_result(path)
    assert res.data["texte"].to_list() == ["élève prêt", "troisième"]  # was 3, « deuxi\ufffdme »
    assert res.rejects.select("_ligne", "_motif").rows() == [(3, "encodage invalide (ligne 3)")]


def test_a_synthesis_index_with_a_bad_line_stops_the_load(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_bytes(b"Une note.\n")
    (tmp_path / "index.csv").write_bytes(
        b"fichier;titre\nautre.txt;\xc3\x89t\xc3\xa9\nnote.txt;\xc9t\xe9 \xe0 l'\xe9cole\n"
    )
    with pytest.raises(LoadError) as err:
        corpus.load_result(tmp_path)
    assert str(err.value) == "index.csv (ligne 3) : index de synthèse : encodage invalide"


# --------------------------------------------------------------------------- 2. Excel header


def _col(i: int) -> str:
    ref = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        ref = chr(65 + r) + ref
    return ref


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    """A minimal workbook (first row = header; text inline, numbers as numbers)."""
    ns = "http://schemas.openxmlformats.org"
    xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    sheet = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{_col(c)}{r}"
            if isinstance(v, int | float):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif v is not None:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        sheet.append(f'<row r="{r}">{"".join(cells)}</row>')
    rel = f"{ns}/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": f'{xml}<Types xmlns="{ns}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>',
        "_rels/.rels": f'{xml}<Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": f'{xml}<workbook xmlns="{ns}/spreadsheetml/2006/main" '
        f'xmlns:r="{rel}"><sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>",
        "xl/_rels/workbook.xml.rels": f'{xml}<Relationships xmlns="{ns}/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'{xml}<worksheet xmlns="{ns}/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(sheet)}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


HEADER: list[object] = ["id", "strate", "note", "note", "uai", "poids"]
ROWS: list[list[object]] = [["1", "A", 4, 5, "U1", 1.5], ["2", "B", 3, 2, "U2", 2]]


def test_a_repeated_excel_column_is_the_same_error_as_in_csv(tmp_path: Path) -> None:
    xlsx = tmp_path / "enquete.xlsx"
    write_xlsx(xlsx, [HEADER, *ROWS])
    with pytest.raises(LoadError) as err:
        survey.load_result(xlsx)  # was accepted: « note » = 4 and 3, « note_1 » beside it
    assert str(err.value) == (
        "enquete.xlsx (ligne 1) : colonne « note » en double (colonnes 3 et 4)"
    )
    csv = tmp_path / "enquete.csv"
    csv.write_text("\n".join(";".join(map(str, r)) for r in [HEADER, *ROWS]) + "\n")
    with pytest.raises(LoadError) as err_csv:
        survey.load_result(csv)
    assert err_csv.value.message == err.value.message
    # Case and spaces do not make two columns, as in a CSV.
    write_xlsx(xlsx, [["id", "strate", " Note", "NOTE ", "uai", "poids"], *ROWS])
    with pytest.raises(LoadError, match="colonne « note » en double"):
        survey.load_result(xlsx)


def test_an_excel_sheet_still_reads_as_before(tmp_path: Path) -> None:
    xlsx = tmp_path / "enquete.xlsx"
    write_xlsx(xlsx, [["id", "Strate ", "note", None, "uai", "poids"], *ROWS, [None] * 6])
    res = survey.load_result(xlsx)
    assert res.rows_read == 2 and res.data["id"].to_list() == ["1", "2"]
    assert res.data.columns[:5] == ["id", "strate", "note", "__unnamed__3", "uai"]
    assert res.data["__unnamed__3"].to_list() == [5, 2]  # a nameless column is kept
    # Only a header: no respondent, no error.
    write_xlsx(xlsx, [["id", "strate", "uai", "poids"]])
    assert survey.load_result(xlsx).rows_read == 0


# --------------------------------------------------------------------------- 3. the cap


@pytest.fixture
def pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A checkout whose pyproject.toml the test writes; the cached value is forgotten."""
    monkeypatch.delenv(core.MAX_INFLATED_ENV, raising=False)
    monkeypatch.setattr(config, "REPO_DIR", tmp_path)
    core._pyproject_max_inflated_mb.cache_clear()
    yield tmp_path / "pyproject.toml"
    core._pyproject_max_inflated_mb.cache_clear()


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "1e303", "0", "-1", "Mo"])
def test_a_nonsense_cap_in_the_environment_is_named(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(core.MAX_INFLATED_ENV, value)
    with pytest.raises(ValueError) as err:  # inf: OverflowError (« erreur inattendue »)
        core.max_inflated_bytes()
    assert error_line(err.value) == (
        f"EGN_MAX_INFLATED_MB doit être un nombre de Mo positif et fini (reçu : {value!r})"
    )


@pytest.mark.parametrize(
    ("toml", "shown"),
    [
        ("0", "0"),  # meant 256, silently
        ("-5", "-5"),  # accepted: every gzip refused « plus de -5 Mo »
        ("-0.5", "-0.5"),
        ("inf", "inf"),
        ("nan", "nan"),
        ('"beaucoup"', "'beaucoup'"),  # a Python ValueError
        ("true", "True"),
    ],
)
def test_a_nonsense_cap_in_pyproject_is_named(pyproject: Path, toml: str, shown: str) -> None:
    pyproject.write_text(f"[tool.egn]\nmax_inflated_mb = {toml}\n")
    with pytest.raises(ValueError) as err:
        core.max_inflated_bytes()
    assert error_line(err.value) == (
        "[tool.egn] max_inflated_mb (pyproject.toml) doit être un nombre de Mo positif et fini "
        f"(reçu : {shown})"
    )


def test_sensible_caps_still_hold(pyproject: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert core.max_inflated_bytes() == 256 * 1024 * 1024  # no pyproject: the default
    pyproject.write_text("[tool.egn]\nmax_inflated_mb = 0.5\n")
    core._pyproject_max_inflated_mb.cache_clear()
    assert core.max_inflated_bytes() == 512 * 1024
    monkeypatch.setenv(core.MAX_INFLATED_ENV, " 2,5 ")
    assert core.max_inflated_bytes() == int(2.5 * 1024 * 1024)


def _big_sheet(path: Path, rows: int) -> None:
    write_xlsx(path, [HEADER[:3] + HEADER[4:], *([f"{i}", "A", 4, "U1", 1.5] for i in range(rows))])


def _declare_small(path: Path) -> None:
    """Rewrite the archive's declared sizes of the sheet to 100 bytes: a lie calamine's
    reader does not check (``zipfile`` stops there, and then fails on the CRC)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        entry = z.getinfo("xl/worksheets/sheet1.xml")
    central = data.index(b"PK\x01\x02")
    while True:  # the central record of the sheet
        name_len = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_len] == entry.filename.encode():
            break
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    data[entry.header_offset + 22 : entry.header_offset + 26] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))


def test_a_workbook_inflating_past_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xlsx = tmp_path / "enquete.xlsx"
    _big_sheet(xlsx, 40_000)
    with zipfile.ZipFile(xlsx) as z:
        inflated = sum(e.file_size for e in z.infolist())
    assert xlsx.stat().st_size < 1024 * 1024 < 3 * 1024 * 1024 < inflated
    monkeypatch.setenv(core.MAX_INFLATED_ENV, "1")
    expected = (
        "enquete.xlsx : classeur trop volumineux une fois décompressé : plus de 1 Mo "
        "(limite réglable par EGN_MAX_INFLATED_MB ou [tool.egn] max_inflated_mb)"
    )
    with pytest.raises(LoadError) as err:
        survey.load_result(xlsx)
    assert str(err.value) == expected
    # Sizes declared smaller than they are: the inflated bytes are counted, not trusted.
    _declare_small(xlsx)
    with zipfile.ZipFile(xlsx) as z:
        assert sum(e.file_size for e in z.infolist()) < 1024 * 1024
    with pytest.raises(LoadError) as err:
        survey.load_result(xlsx)
    assert str(err.value) == expected
    # Under a higher cap the honest workbook loads.
    _big_sheet(xlsx, 40_000)
    monkeypatch.setenv(core.MAX_INFLATED_ENV, "64")
    assert survey.load_result(xlsx).rows_read == 40_000


# --------------------------------------------------------------------------- 4. ENT logs


def test_an_ent_log_ascii_at_its_head_says_how_to_read_it_as_cp1252(tmp_path: Path) -> None:
    header = "horodatage;login;profil;uai;projet_ent;service;url;statut_http;duree_ms\n"
    row = "2020-03-16T08:00:00+01:00;a{i};eleve;0750001U;PCN;vie scolaire;/u;200;5\n"
    ascii_rows = "".join(row.format(i=i) for i in range(1_200))
    accented = "2020-03-16T08:00:00+01:00;b;élève;0750001U;PCN;à faire;/u;200;5\n"
    path = tmp_path / "evenements.csv"
    path.write_bytes((header + ascii_rows + accented * 3).encode("cp1252"))
    assert len(header + ascii_rows) > 64 * 1024  # the head the encoding is decided from
    with pytest.raises(LoadError) as err:
        ent_logs.load_result(path)
    assert str(err.value) == (
        "evenements.csv : encodage invalide (UTF-8) à la ligne 1202 ; relancer avec "
        "--encoding cp1252 si le fichier est en cp1252"
    )
    res = ent_logs.load_result(path, encoding="cp1252")  # the suggested fix works
    assert res.rows_read == 1_203 and res.data.height == 1_203


# --------------------------------------------------------------------------- 5. line numbers


def test_ligne_and_the_encoding_reason_name_the_same_line(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(
        b'id;texte\na;"un\ndeux"\nb;\xc3\xa9l\xc3\xa8ve\nc;deuxi\xe8me\n'
        b'd;"premi\xc3\xa8re ligne\ncontinu\xe9e en cp1252"\ne;fin\n'
    )
    frame = core.read_delimited(path)
    assert frame.select("id", "_ligne", core.SHORT_COL).rows() == [
        ("a", 2, None),
        ("b", 4, None),  # was 3: line 3 is the second line of a's text
        ("c", 5, "encodage invalide (ligne 5)"),  # was _ligne 4 against « ligne 5 »
        ("d", 6, "encodage invalide (ligne 6)"),  # faulty line 7: the record starts on 6
        ("e", 8, None),
    ]
    res = corpus.load_result(path)
    assert res.rejects.select("_ligne", "_motif").rows() == [
        (5, "encodage invalide (ligne 5)"),
        (6, "encodage invalide (ligne 6)"),
    ]
