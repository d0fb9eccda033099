"""The DOCX of a briefing note, re-opened with python-docx: sections, charts, messages, no masked
value, A4 in French, same bytes twice; converted by LibreOffice when it is installed.

Tests that draw charts need Chromium (kaleido): ``@pytest.mark.browser`` and skipped on a
machine without it (a missing Chromium fails under CI), as in ``tests/viz/test_card.py``.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocumentObject

from egn_analytics.notes import Note
from egn_analytics.notes._images import PRINT_WIDTH_CM, _png_300dpi, annex_table
from egn_analytics.notes.docx import FRAGILE_FLAG, docx_bytes, render_docx
from egn_analytics.viz.formats import fmt_pct
from egn_analytics.viz.render import find_browser
from tests.notes.docx_pdf_support import (
    MASKED_TEXTS,
    MASKED_VALUE,
    MESSAGES,
    hand_note,
    note_data_dir,
    text_note,
    with_masked_value,
)

__all__ = ["hand_note", "note_data_dir"]  # fixtures imported for pytest

needs_chromium = pytest.mark.skipif(
    find_browser() is None and not os.environ.get("CI"),
    reason="no Chromium (apt-get install chromium, or BROWSER_PATH)",
)


def _all_text(document: DocumentObject) -> str:
    """Every paragraph, table cell, header and footer of the document, one per line."""
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def rendered(hand_note: Note, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hand-made note rendered twice, into two folders."""
    first = render_docx(hand_note, tmp_path_factory.mktemp("docx-a") / "note.docx")
    second = render_docx(hand_note, tmp_path_factory.mktemp("docx-b") / "note.docx")
    return first, second


# ----------------------------------------------------------------- without a browser -------


def test_text_note_sections_and_fragile_flag_in_italics() -> None:
    note = text_note("Note de test", "42,0 % des élèves (IC à 95 % : 40,8–43,2).")
    document = docx.Document(io.BytesIO(docx_bytes(note, [])))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Note de test"
    assert document.paragraphs[0].style.name == "Title"
    assert "Messages clés" in texts
    assert "Méthodologie" in texts
    assert not any(t.startswith("Annexe") for t in texts)  # no figure, no annex
    fragile = next(p for p in document.paragraphs if p.text.endswith(FRAGILE_FLAG))
    flag = [run for run in fragile.runs if run.text == FRAGILE_FLAG]
    assert flag and flag[0].italic
    assert "42,0 % des élèves (IC à 95 % : 40,8–43,2)." in texts
    assert len(document.inline_shapes) == 0


def test_annex_table_leaves_masked_numbers_empty(hand_note: Note) -> None:
    card = hand_note.figures[0].card
    table = annex_table(card)
    status = table.headers.index("Statut")
    estimation = table.headers.index("Estimation")
    masked_rows = [row for row in table.rows if row[status] == "masqué"]
    assert masked_rows
    assert all(row[estimation] == "" for row in masked_rows)
    flat = "\n".join("\t".join(row) for row in table.rows)
    assert not any(text in flat for text in MASKED_TEXTS)
    # A published row's estimation is printed, in French.
    published = card.data.filter(card.data["statut"] == "publié")
    assert fmt_pct(published["estimation"][0], 1) in flat


def _png(width: int, height: int) -> bytes:
    """A white PNG, written by hand (no image library in the dependencies)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_png_gets_a_300_dpi_phys_chunk_once() -> None:
    marked = _png_300dpi(_png_300dpi(_png(4, 3)))
    assert marked.count(b"pHYs") == 1
    start = marked.index(b"pHYs") + 4
    per_metre_x, per_metre_y, unit = struct.unpack(">IIB", marked[start : start + 9])
    assert per_metre_x == per_metre_y == 11811 and unit == 1  # 300 dpi
    picture = docx.Document()
    picture.add_picture(io.BytesIO(marked))  # python-docx reads it: 4 px at 300 dpi
    assert abs(picture.inline_shapes[0].width.mm - 4 / 300 * 25.4) < 0.01


def test_masked_value_is_really_in_the_data(hand_note: Note) -> None:
    """Guard of the masked-cell tests: the value they look for is in the card's data."""
    assert MASKED_VALUE in hand_note.figures[0].card.data["estimation"].to_list()
    assert with_masked_value  # the helper that wrote it


# ------------------------------------------------------------------------ with charts ------


@pytest.mark.browser
@needs_chromium
def test_docx_sections_charts_and_messages(rendered: tuple[Path, Path], hand_note: Note) -> None:
    document = docx.Document(str(rendered[0]))
    texts = [p.text for p in document.paragraphs]
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert texts[0] == hand_note.title
    assert hand_note.scope.label in texts
    assert "Données au 31 juillet 2020 · note du 1er septembre 2020" in texts
    assert styles["Messages clés"] == "Heading 1"
    assert styles["Méthodologie"] == "Heading 1"
    assert any(t.startswith("Annexe") and styles[t] == "Heading 1" for t in texts)
    for figure in hand_note.figures:
        heading = f"Graphique {figure.number}\u00a0: {figure.card.title}"
        # Once above the chart, once above its annex table.
        assert texts.count(heading) == 2
        assert figure.card.subtitle in texts
        assert any(t.startswith("Lecture") and figure.card.lecture in t for t in texts)
        assert any(t.startswith("Source") and figure.card.source in t for t in texts)
    # One picture per numbered chart, printed PRINT_WIDTH_CM wide.
    assert len(document.inline_shapes) == len(hand_note.figures) == 5
    assert all(abs(shape.width.cm - PRINT_WIDTH_CM) < 0.01 for shape in document.inline_shapes)
    # Key messages with their intervals; the fragile one flagged.
    for message in MESSAGES:
        expected = message.text + (f" {FRAGILE_FLAG}" if message.status == "fragile" else "")
        assert expected in texts
    assert "(IC à 95 % : 40,8–43,2)" in "\n".join(texts)


@pytest.mark.browser
@needs_chromium
def test_docx_methodology_box_annex_and_no_masked_value(
    rendered: tuple[Path, Path], hand_note: Note
) -> None:
    document = docx.Document(str(rendered[0]))
    box = document.tables[0]
    assert len(box.rows) == len(box.columns) == 1
    box_text = box.cell(0, 0).text
    for item in hand_note.methodology:
        assert item.title in box_text and item.text in box_text
    assert hand_note.synthetic_notice and hand_note.synthetic_notice in box_text
    assert 'w:fill="EEF0F7"' in box._tbl.xml  # the shaded box
    # One annex table per figure, after the box.
    annex = document.tables[1:]
    assert len(annex) == len(hand_note.figures)
    assert annex[0].rows[0].cells[0].text == annex_table(hand_note.figures[0].card).headers[0]
    text = _all_text(document)
    assert not any(masked in text for masked in MASKED_TEXTS)
    with zipfile.ZipFile(rendered[0]) as archive:
        xml = archive.read("word/document.xml").decode()
    assert not any(masked in xml for masked in MASKED_TEXTS)


@pytest.mark.browser
@needs_chromium
def test_docx_is_a4_french_and_dated_from_the_note(
    rendered: tuple[Path, Path], hand_note: Note
) -> None:
    document = docx.Document(str(rendered[0]))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    # Stored in twips: 210 mm is 11 906 twips, 0.01 mm off.
    assert abs(section.page_width.mm - 210) < 0.05
    assert abs(section.page_height.mm - 297) < 0.05
    props = document.core_properties
    assert props.created is not None and props.created.date() == hand_note.created
    assert props.modified is not None and props.modified.date() == hand_note.created
    assert props.language == "fr-FR"
    assert 'w:val="fr-FR"' in document.styles.element.xml
    with zipfile.ZipFile(rendered[0]) as archive:
        assert archive.testzip() is None
        assert {info.date_time for info in archive.infolist()} == {(2020, 9, 1, 0, 0, 0)}
        assert not [n for n in archive.namelist() if "thumbnail" in n]
        images = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert len(images) == 5
        # 300 dpi at the printed width (15 cm: 1772 pixels).
        png = archive.read(images[0])
        assert int.from_bytes(png[16:20], "big") == round(PRINT_WIDTH_CM / 2.54 * 300)
        assert b"pHYs" in png[:100]


@pytest.mark.browser
@needs_chromium
def test_two_renders_are_identical(rendered: tuple[Path, Path]) -> None:
    assert rendered[0].read_bytes() == rendered[1].read_bytes()


@pytest.mark.browser
@needs_chromium
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_converts_the_docx(rendered: tuple[Path, Path], tmp_path: Path) -> None:
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(rendered[0]),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert (tmp_path / "note.pdf").stat().st_size > 10_000
