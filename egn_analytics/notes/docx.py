"""A briefing note as a Word document (DOCX), A4, in French, byte-for-byte reproducible.

Why python-docx: it writes plain Office Open XML that Word and LibreOffice both open, from
the built-in styles of its template (« Title », « Heading 1 », « List Bullet »…), so a reader
who restyles the note in Word finds the usual styles; it needs no office suite to run.

Layout, in reading order: title, scope and dates; the synthetic-data notice when there is one;
« Messages clés » (a fragile one followed by « (estimation fragile) » in italics); each
« Graphique N : titre » with its subtitle, the chart (PNG, 300 dpi at 16 cm, see
:mod:`egn_analytics.notes._images`) and Lecture / Champ / Source under it; « Méthodologie » as
a shaded one-cell table; « Annexe : données des graphiques » with one Word table per figure
(French number formats; the numbers of a masked row left empty).

Reproducible: python-docx stamps the core properties with the clock and the zip entries with
the time of writing. The core properties are set from ``note.created`` and the archive is
rewritten with a fixed entry date, so two renders of one note are identical.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from egn_analytics.io import write_bytes_atomic
from egn_analytics.notes._images import (
    PRINT_WIDTH_CM,
    FigureImage,
    annex_caption,
    annex_table,
    figure_images,
    footer_text,
    note_dates,
)
from egn_analytics.notes.messages import needs_fragile_flag
from egn_analytics.notes.model import Note, NoteFigure
from egn_analytics.viz.card import SYNTHETIC_LABEL
from egn_analytics.viz.formats import NBSP

FRAGILE_FLAG = "(estimation fragile)"
_LANG = "fr-FR"
_GREY = RGBColor(0x55, 0x55, 0x55)
_RED = RGBColor(0xC9, 0x19, 0x1E)  # rouge Marianne
_BOX_FILL = "EEF0F7"
_BLEU = RGBColor(0x00, 0x00, 0x91)  # bleu France
_TABLE_STYLE = "Tableau annexe"


def render_docx(note: Note, path: str | Path) -> Path:
    """Write ``note`` as a DOCX at ``path`` (atomically) and return the path."""
    images = figure_images(note, png=True)
    data = docx_bytes(note, images)
    dest = Path(path)
    write_bytes_atomic(dest, data)
    return dest


def docx_bytes(note: Note, images: list[FigureImage]) -> bytes:
    """The DOCX of ``note`` with the given chart images (one per figure, in order)."""
    doc = Document()
    _setup(doc, note)
    _title(doc, note)
    if note.synthetic_notice:
        p = doc.add_paragraph()
        run = p.add_run(note.synthetic_notice)
        run.bold = True
        run.font.color.rgb = _RED
    _messages(doc, note)
    for figure, image in zip(note.figures, images, strict=True):
        _figure(doc, figure, image)
    _methodology(doc, note)
    _annex(doc, note)
    _drop_thumbnail(doc)
    raw = io.BytesIO()
    doc.save(raw)
    return _fixed_zip(raw.getvalue(), note.created)


# --------------------------------------------------------------------------- pieces ---------


def _setup(doc: DocumentObject, note: Note) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    # The template's title and headings use its theme fonts (Calibri) at 26 pt: one font for
    # the whole note, and a title that leaves room for the key messages on page 1.
    for name, size in (("Title", 20), ("Heading 1", 14), ("Heading 2", 11)):
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = _BLEU if name != "Heading 2" else RGBColor(0, 0, 0)
        fonts = style.element.rPr.rFonts if style.element.rPr is not None else None
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if fonts is not None and qn(attr) in fonts.attrib:
                del fonts.attrib[qn(attr)]  # a theme font would win over « Arial »
    # Language of every run (spelling, hyphenation, « » spacing) through the document defaults.
    rpr = doc.styles.element.find(qn("w:docDefaults"))
    if rpr is not None:
        run_props = rpr.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if run_props is not None:
            lang = run_props.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                run_props.append(lang)
            for attr in ("w:val", "w:eastAsia", "w:bidi"):
                lang.set(qn(attr), _LANG)
    created = dt.datetime(note.created.year, note.created.month, note.created.day)
    props = doc.core_properties
    props.title = note.title
    props.subject = note.scope.label
    props.author = "EGN Analytics"
    props.last_modified_by = "EGN Analytics"
    props.language = _LANG
    props.created = created
    props.modified = created
    props.last_printed = created
    props.revision = 1
    footer = section.footer.paragraphs[0]
    footer.text = footer_text(note)
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in footer.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = _GREY


def _title(doc: DocumentObject, note: Note) -> None:
    doc.add_paragraph(note.title, style="Title")
    p = doc.add_paragraph()
    run = p.add_run(note.scope.label)
    run.bold = True
    run.font.size = Pt(12)
    p = doc.add_paragraph()
    run = p.add_run(note_dates(note))
    run.font.color.rgb = _GREY


def _messages(doc: DocumentObject, note: Note) -> None:
    doc.add_heading("Messages clés", level=1)
    for message in note.messages:
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(message.text)
        if needs_fragile_flag(message.status, message.text):
            p.add_run(" ")
            flag = p.add_run(FRAGILE_FLAG)
            flag.italic = True


def _label_paragraph(doc: DocumentObject, label: str, text: str) -> Paragraph:
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(1)
    bold = p.add_run(f"{label}{NBSP}: ")
    bold.bold = True
    p.add_run(text)
    for run in p.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = _RED if label == SYNTHETIC_LABEL else _GREY
    return p


def _figure(doc: DocumentObject, figure: NoteFigure, image: FigureImage) -> None:
    card, number = figure.card, figure.number
    heading = doc.add_heading(f"Graphique {number}{NBSP}: {card.title}", level=2)
    heading.paragraph_format.keep_with_next = True
    sub = doc.add_paragraph()
    sub.paragraph_format.keep_with_next = True
    run = sub.add_run(card.subtitle)
    run.italic = True
    run.font.size = Pt(9)
    run.font.color.rgb = _GREY
    assert image.png is not None
    doc.add_picture(io.BytesIO(image.png), width=Cm(PRINT_WIDTH_CM))
    picture = doc.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    notes = card.notes()
    for i, (label, text) in enumerate(notes):
        p = _label_paragraph(doc, label, text)
        p.paragraph_format.keep_with_next = i < len(notes) - 1


def _shade(cell_element: Any, fill: str) -> None:
    tc_pr = cell_element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _methodology(doc: DocumentObject, note: Note) -> None:
    doc.add_heading("Méthodologie", level=1)
    table = doc.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell = table.cell(0, 0)
    _shade(cell._tc, _BOX_FILL)
    first = cell.paragraphs[0]
    items: list[tuple[str | None, str]] = [(item.title, item.text) for item in note.methodology]
    if note.synthetic_notice:
        # The notice is printed whole (it names itself « Données synthétiques »), in red.
        items.append((None, note.synthetic_notice))
    for i, (title, text) in enumerate(items):
        p = first if i == 0 else cell.add_paragraph()
        p.paragraph_format.space_after = Pt(4)
        runs = []
        if title is not None:
            head = p.add_run(f"{title}{NBSP}: ")
            head.bold = True
            runs.append(head)
        body = p.add_run(text)
        runs.append(body)
        if title is None:
            body.bold = True
            body.font.color.rgb = _RED
        for run in runs:
            run.font.size = Pt(9)


def _annex(doc: DocumentObject, note: Note) -> None:
    if not note.figures:
        return
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("Annexe : données des graphiques".replace(" :", f"{NBSP}:"), level=1)
    for figure in note.figures:
        table_data = annex_table(figure.card)
        heading = doc.add_heading(f"Graphique {figure.number}{NBSP}: {figure.card.title}", level=2)
        heading.paragraph_format.keep_with_next = True
        table = doc.add_table(rows=1 + len(table_data.rows), cols=len(table_data.headers))
        table.style = "Table Grid"
        _fill_table(doc, table, table_data.headers, table_data.rows, table_data.numeric)
        caption = annex_caption(figure, table_data)
        if caption:
            p = doc.add_paragraph()
            run = p.add_run(caption)
            run.italic = True
            run.font.size = Pt(8)
            run.font.color.rgb = _GREY


def _table_style(doc: DocumentObject) -> Any:
    """The paragraph style of annex cells (7.5 pt), created once per document."""
    names = {style.name for style in doc.styles}
    if _TABLE_STYLE in names:
        return doc.styles[_TABLE_STYLE]
    style = doc.styles.add_style(_TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(7.5)
    style.paragraph_format.space_after = Pt(0)
    return style


def _cell_run(paragraph: Paragraph, text: str, *, bold: bool = False) -> None:
    """Append a run of ``text`` to a cell's paragraph, written as XML directly.

    Why not ``add_run``: an annex has thousands of cells and python-docx's run API costs
    about 0.2 ms per call in XPath lookups; a run here is always plain text on one line.
    """
    run = OxmlElement("w:r")
    if bold:
        props = OxmlElement("w:rPr")
        props.append(OxmlElement("w:b"))
        run.append(props)
    node = OxmlElement("w:t")
    node.text = " ".join(text.splitlines())
    node.set(qn("xml:space"), "preserve")
    run.append(node)
    paragraph._p.append(run)


def _fill_table(
    doc: DocumentObject,
    table: Table,
    headers: list[str],
    rows: list[list[str]],
    numeric: list[bool],
) -> None:
    # The style id, set in the XML: ``Paragraph.style = …`` looks the style up among the
    # template's hundreds at each call.
    style_id = _table_style(doc).style_id
    for r, values in enumerate([headers, *rows]):
        cells = table.rows[r].cells
        for c, value in enumerate(values):
            p = cells[c].paragraphs[0]
            p._p.get_or_add_pPr().style = style_id
            _cell_run(p, value, bold=r == 0)
            if r == 0:
                _shade(cells[c]._tc, _BOX_FILL)
            elif numeric[c]:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # The header row repeats at the top of each page of a long table.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


# -------------------------------------------------------------------- reproducibility ------


def _drop_thumbnail(doc: DocumentObject) -> None:
    """Remove the template's thumbnail: it shows python-docx's blank page, not this note."""
    rels = doc.part.package.rels
    for r_id, rel in list(rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            rels.pop(r_id)


def _fixed_zip(data: bytes, created: dt.date) -> bytes:
    """The same archive with every entry dated ``created`` (python-docx writes the clock)."""
    stamp = (max(created.year, 1980), created.month, created.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            # PNG is compressed already: deflating it again costs time and saves nothing.
            stored = info.filename.lower().endswith((".png", ".jpeg", ".jpg"))
            entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


__all__ = ["FRAGILE_FLAG", "docx_bytes", "render_docx"]
