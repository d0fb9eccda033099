"""The PDF of a briefing note: its text layer (pypdf) has the sections, the numbered charts, the
key messages and no masked value; its pages, rendered to PNG by ``pdftoppm`` (Debian
poppler-utils), are A4 and not blank; two renders give the same bytes; user text with Typst's
special characters comes out as typed.

Tests that draw charts need Chromium (kaleido): ``@pytest.mark.browser``, skipped without it
(a missing Chromium fails under CI). Page images need ``pdftoppm`` (``make chromium``
installs it), skipped without it outside CI.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest
from pypdf import PdfReader

from egn_analytics.notes import Note, NoteFigure
from egn_analytics.notes._images import FigureImage, stable_svg
from egn_analytics.notes.docx import FRAGILE_FLAG
from egn_analytics.notes.pdf import pdf_bytes, render_pdf, typst_source, typst_string
from egn_analytics.viz import ChartCard
from egn_analytics.viz.render import find_browser
from tests.notes.docx_pdf_support import (
    MASKED_TEXTS,
    MESSAGES,
    hand_note,
    note_data_dir,
    text_note,
)

__all__ = ["hand_note", "note_data_dir"]  # fixtures imported for pytest

needs_chromium = pytest.mark.skipif(
    find_browser() is None and not os.environ.get("CI"),
    reason="no Chromium (apt-get install chromium, or BROWSER_PATH)",
)
needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not os.environ.get("CI"),
    reason="no pdftoppm (apt-get install poppler-utils, or make chromium)",
)

A4_POINTS = (595.28, 841.89)
SPECIAL = "Taux #1 : 5 $ * 2 _x_ @ref <tag> `code` \\ fin « guillemets » « œuvre » 94,2\u202f%"


def _text(data: bytes) -> str:
    """The text layer, lines joined, with PDF line breaks undone for phrase searches."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pages_as_grey(pdf: Path, out: Path) -> list[np.ndarray]:
    """Each page rendered at 50 dpi in grey levels (PGM, read without any image library)."""
    subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", str(pdf), str(out / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = []
    for file in sorted(out.glob("page*.pgm")):
        raw = file.read_bytes()
        fields = raw.split(maxsplit=4)  # P5, width, height, maxval, pixels
        assert fields[0] == b"P5"
        width, height = int(fields[1]), int(fields[2])
        pixels = np.frombuffer(fields[4][: width * height], dtype=np.uint8)
        pages.append(pixels.reshape(height, width))
    return pages


@pytest.fixture(scope="module")
def rendered(hand_note: Note, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hand-made note rendered twice, into two folders."""
    first = render_pdf(hand_note, tmp_path_factory.mktemp("pdf-a") / "note.pdf")
    second = render_pdf(hand_note, tmp_path_factory.mktemp("pdf-b") / "note.pdf")
    return first, second


# ----------------------------------------------------------------- without a browser -------


def test_typst_string_is_a_literal_for_any_text() -> None:
    assert typst_string('a"b\\c') == '"a\\"b\\\\c"'
    assert typst_string("ligne 1\nligne 2") == '"ligne 1\\nligne 2"'
    assert typst_string("#$*_@<`") == '"#$*_@<`"'  # plain characters inside a string


def test_special_characters_come_out_as_typed() -> None:
    note = text_note(f"Note {SPECIAL}", f"Message {SPECIAL}")
    source = typst_source(note, [])
    assert "#" + "set" in source  # the markup is ours …
    data = pdf_bytes(note, [])
    text = _flat(_text(data))
    # … and the user's text is text, whatever it contains.
    assert f"Note {SPECIAL}".replace("\u202f", " ") in text.replace("\u202f", " ")
    assert f"Message {SPECIAL}".replace("\u202f", " ") in text.replace("\u202f", " ")
    assert "Messages clés" in text and "Méthodologie" in text
    assert "Annexe" not in text  # no figure, no annex
    assert f"Une estimation fragile (IC à 95 % : 1,0–9,0). {FRAGILE_FLAG}" in text
    assert pdf_bytes(note, []) == data


def test_text_note_is_a4_and_dated_from_the_note() -> None:
    note = text_note("Note de test", "Un message.")
    reader = PdfReader(io.BytesIO(pdf_bytes(note, [])))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_POINTS
    meta = reader.metadata
    assert meta is not None and meta.title == "Note de test"
    assert meta.creation_date is not None and meta.creation_date.date() == note.created


# ------------------------------------------------------------------------ with charts ------


@pytest.mark.browser
@needs_chromium
def test_pdf_text_layer(rendered: tuple[Path, Path], hand_note: Note) -> None:
    text = _flat(_text(rendered[0].read_bytes()))
    assert _flat(hand_note.title) in text
    assert "Académie de Lille" in text
    assert "Données au 31 juillet 2020 · note du 1er septembre 2020" in text
    for section in ("Messages clés", "Méthodologie", "Annexe"):
        assert section in text
    for figure in hand_note.figures:
        assert f"Graphique {figure.number} : {_flat(figure.card.title)}" in text.replace(
            "\u00a0", " "
        )
    for message in MESSAGES:
        expected = message.text + (f" {FRAGILE_FLAG}" if message.status == "fragile" else "")
        assert _flat(expected) in text
    for item in hand_note.methodology:
        assert _flat(item.text) in text
    assert hand_note.synthetic_notice and _flat(hand_note.synthetic_notice) in text
    assert not any(masked in text for masked in MASKED_TEXTS)


@pytest.mark.browser
@needs_chromium
def test_pdf_charts_are_vector_with_selectable_text(
    rendered: tuple[Path, Path], hand_note: Note
) -> None:
    reader = PdfReader(str(rendered[0]))
    # The SVG charts become vector drawings: no raster image in the file …
    assert not any(page.images for page in reader.pages)
    # … and their labels are text: figure 1's category labels, between its heading and its
    # « Lecture », on the first page.
    first = reader.pages[0].extract_text() or ""
    chart = first[first.index("Graphique 1") : first.index("Lecture")]
    labels = {
        str(value)
        for trace in hand_note.figures[0].card.figure.data
        if getattr(trace, "orientation", None) == "h"
        for value in trace.y
    }
    assert labels and all(label in chart for label in labels)


@pytest.mark.browser
@needs_chromium
def test_two_renders_are_identical(rendered: tuple[Path, Path]) -> None:
    assert rendered[0].read_bytes() == rendered[1].read_bytes()


@pytest.mark.browser
@needs_chromium
@needs_pdftoppm
def test_pages_are_a4_and_not_blank(rendered: tuple[Path, Path], tmp_path: Path) -> None:
    pages = _pages_as_grey(rendered[0], tmp_path)
    assert 3 <= len(pages) <= 20
    for page in pages:
        height, width = page.shape
        assert abs(height / width - 297 / 210) < 0.01
        assert (width, height) in {(413, 585), (414, 585), (413, 584)}  # 50 dpi
        # Ink on the page, not a blank sheet (a blank A4 at 50 dpi has std 0 and no dark pixel;
        # the lightest page of this note, the end of the annex, has about 0.3 % dark pixels).
        assert float(page.std()) > 5
        assert (page < 128).mean() > 0.001
    # The first page holds the title block and a chart: a lot more ink than text alone.
    assert (pages[0] < 250).mean() > 0.05


def test_stable_svg_fixes_plotly_random_ids_and_keeps_colours() -> None:
    svg = (
        b'<svg><defs id="defs-3fa9c1"><clipPath id="clip3fa9c1xyplot"/></defs>'
        b'<g clip-path="url(#clip3fa9c1xyplot)" style="fill: #3fa9c1"/></svg>'
    )
    fixed = stable_svg(svg)
    assert b"3fa9c1" not in fixed.replace(b"#3fa9c1", b"")
    assert b'id="defs-egn000"' in fixed and b"url(#clipegn000xyplot)" in fixed
    assert b"fill: #3fa9c1" in fixed  # a colour that reads like the id is left alone
    assert stable_svg(fixed) == fixed


def test_a_figure_without_data_gets_a_caption_not_an_empty_table() -> None:
    card = ChartCard(
        figure=go.Figure(),
        title="Graphique vide",
        subtitle="Sous-titre",
        lecture="Lecture.",
        champ="Champ.",
        source="Source.",
        data=pl.DataFrame({"valeur": pl.Series([], dtype=pl.Float64)}),
    )
    note = replace(
        text_note("Note", "Message."),
        figures=(NoteFigure(number=1, key="test.vide", view={}, card=card),),
    )
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="500"><rect width="900" height="500" fill="#eee"/></svg>'
    image = FigureImage(1, 900, 500, svg=svg)
    text = _flat(_text(pdf_bytes(note, [image])))
    assert "Graphique 1 : Graphique vide" in text.replace("\u00a0", " ")
    assert "Aucune donnée pour ce graphique." in text
