"""A briefing note as a PDF: A4, selectable text, vector charts, byte-for-byte reproducible.

Why Typst (the ``typst`` package on PyPI): the wheel carries the whole compiler (Rust, no
system library, no network, no LaTeX installation), compiles a note in a fraction of a second,
embeds SVG as vector graphics with their text still selectable, writes tagged PDF, and has a
document date setting, so the same note gives the same bytes. The alternatives weighed:
WeasyPrint needs Pango/cairo from the system and renders SVG through its own partial SVG
engine; LibreOffice (converting the DOCX) is a 300 MB suite that starts slowly; Chromium's
« print to PDF » embeds the clock and cannot keep a figure with its notes on one page.

Fonts: Marianne (the State's font) is not available offline — it is distributed from the
État's design system site, not by PyPI or Debian — so the note asks Typst for Marianne first
(used if installed), then Liberation Sans (Debian ``fonts-liberation``, metric-compatible with
Arial, the fallback the charts' theme names too), DejaVu Sans, and finally Typst's own embedded
Libertinus Serif, which every wheel carries: accents, « », the no-break spaces and « œ »
render with each of them.

Escaping: every piece of user text (titles, messages, Lecture…, table cells) is written into
the Typst source only as a *string literal* passed to a function of the preamble, never as
markup, so ``#``, ``$``, ``*``, ``_``, ``@``, ``<``, `````` ` `````` and ``\\`` stay plain
characters; a string literal only needs ``\\`` and ``"`` (and control characters) escaped.

Charts are the SVG of :mod:`egn_analytics.notes._images` (Plotly's random ids made fixed),
16 cm wide.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from egn_analytics.io import write_bytes_atomic
from egn_analytics.notes._images import (
    PRINT_WIDTH_CM,
    FigureImage,
    annex_caption,
    annex_table,
    figure_images,
    footer_text,
    note_dates,
    note_timestamp,
)
from egn_analytics.notes.docx import FRAGILE_FLAG
from egn_analytics.notes.messages import needs_fragile_flag
from egn_analytics.notes.model import Note
from egn_analytics.viz.card import SYNTHETIC_LABEL
from egn_analytics.viz.formats import NBSP

#: Font families asked of Typst, first available wins (see the module docstring).
FONTS = ("Marianne", "Liberation Sans", "Arial", "DejaVu Sans", "Libertinus Serif")

_PREAMBLE = r"""
#let grey = luma(85)
#let red = rgb("#C9191E")
#let box-fill = rgb("#EEF0F7")
#set par(justify: false, leading: 0.6em)
#show heading.where(level: 1): set text(14pt, fill: rgb("#000091"))
#show heading.where(level: 1): set block(above: 1.4em, below: 0.8em)
#show heading.where(level: 2): set text(11pt)
#show heading.where(level: 2): set block(above: 1.2em, below: 0.5em)

#let note-head(title, scope, dates) = {
  text(20pt, weight: "bold", title)
  parbreak()
  text(12pt, weight: "bold", scope)
  parbreak()
  text(fill: grey, dates)
}

#let notice(body) = block(
  width: 100%, inset: 8pt, stroke: 1pt + red, text(fill: red, weight: "bold", body),
)

#let message(body, fragile) = {
  body
  if fragile != none { " "; emph(fragile) }
}

#let chart(title, subtitle, file, notes) = block(breakable: false, width: 100%, {
  heading(level: 2, title)
  text(9pt, style: "italic", fill: grey, subtitle)
  v(2pt)
  align(center, image(file, width: WIDTH))
  v(2pt)
  set text(8pt)
  set par(spacing: 0.4em)
  for (label, body, synthetic) in notes {
    par(text(fill: if synthetic { red } else { grey }, [#strong(label) #body]))
  }
})

#let methodology(items) = {
  heading(level: 1, "Méthodologie")
  block(width: 100%, fill: box-fill, inset: 10pt, radius: 2pt, {
    set text(9pt)
    set par(spacing: 0.7em)
    for (label, body, synthetic) in items {
      if label == none { par(text(fill: red, weight: "bold", body)) } else {
        par([#strong(label) #body])
      }
    }
  })
}

#let annex-table(title, headers, rows, numeric, caption) = {
  heading(level: 2, title)
  set text(7pt)
  table(
    columns: headers.len(),
    inset: 3pt,
    stroke: 0.4pt + luma(160),
    fill: (x, y) => if y == 0 { box-fill },
    align: (x, y) => if y > 0 and numeric.at(x) { right } else { left },
    table.header(..headers.map(h => strong(h))),
    ..rows.flatten(),
  )
  if caption != none { text(8pt, style: "italic", fill: grey, caption) }
}
"""


def typst_string(text: str) -> str:
    """``text`` as a Typst string literal: read as plain text, never as markup or code."""
    out = ['"']
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _array(items: list[str]) -> str:
    """A Typst array of already-written expressions (trailing comma: one item stays an array)."""
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def typst_source(note: Note, image_files: list[str]) -> str:
    """The Typst source of ``note``; ``image_files`` are the charts' file names, in order."""
    s = typst_string
    created = note.created
    lines = [
        f"#set document(title: {s(note.title)}, author: {s('EGN Analytics')}, "
        f"date: datetime(year: {created.year}, month: {created.month}, day: {created.day}))",
        '#set page(paper: "a4", margin: (x: 2cm, top: 2cm, bottom: 2.2cm), footer: context {',
        "  set text(8pt, fill: luma(85))",
        f"  {s(footer_text(note))}",
        "  h(1fr)",
        '  counter(page).display("1 / 1", both: true)',
        "})",
        '#set text(lang: "fr", region: "FR", size: 10pt, font: '
        + _array([s(f) for f in FONTS])
        + ")",
        _PREAMBLE.replace("WIDTH", f"{PRINT_WIDTH_CM}cm"),
        f"#note-head({s(note.title)}, {s(note.scope.label)}, {s(note_dates(note))})",
    ]
    if note.synthetic_notice:
        lines.append(f"#notice({s(note.synthetic_notice)})")
    lines.append(f"#heading(level: 1, {s('Messages clés')})")
    items = [
        f"message({s(m.text)}, {s(FRAGILE_FLAG) if needs_fragile_flag(m.status, m.text) else 'none'})"
        for m in note.messages
    ]
    lines.append(f"#list({', '.join(items)})" if items else "")
    for figure, file in zip(note.figures, image_files, strict=True):
        card = figure.card
        notes = [
            _array([s(f"{label}{NBSP}:"), s(text), _bool(label == SYNTHETIC_LABEL)])
            for label, text in card.notes()
        ]
        title = f"Graphique {figure.number}{NBSP}: {card.title}"
        lines.append(f"#chart({s(title)}, {s(card.subtitle)}, {s(file)}, {_array(notes)})")
    method = [_array([s(f"{m.title}{NBSP}:"), s(m.text), "false"]) for m in note.methodology]
    if note.synthetic_notice:
        # The notice is printed whole (it names itself « Données synthétiques »), in red.
        method.append(_array(["none", s(note.synthetic_notice), "true"]))
    lines.append(f"#methodology({_array(method)})")
    if note.figures:
        lines.append("#pagebreak()")
        lines.append(f"#heading(level: 1, {s(f'Annexe{NBSP}: données des graphiques')})")
    for figure in note.figures:
        table = annex_table(figure.card)
        caption = annex_caption(figure, table)
        title = f"Graphique {figure.number}{NBSP}: {figure.card.title}"
        lines.append(
            f"#annex-table({s(title)}, {_array([s(h) for h in table.headers])}, "
            f"{_array([_array([s(v) for v in row]) for row in table.rows])}, "
            f"{_array([_bool(n) for n in table.numeric])}, "
            f"{s(caption) if caption else 'none'})"
        )
    return "\n".join(lines) + "\n"


def pdf_bytes(note: Note, images: list[FigureImage]) -> bytes:
    """Compile the PDF of ``note`` with the given SVG charts (one per figure, in order)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="egn-note-") as folder:
        root = Path(folder)
        files = []
        for image in images:
            if image.svg is None:
                raise ValueError(f"graphique {image.number} : pas d'image SVG à inclure")
            name = f"graphique-{image.number}.svg"
            (root / name).write_bytes(image.svg)
            files.append(name)
        main = root / "note.typ"
        main.write_text(typst_source(note, files), encoding="utf-8")
        data = typst.compile(
            str(main),
            root=str(root),
            format="pdf",
            timestamp=int(note_timestamp(note).timestamp()),
        )
    assert isinstance(data, bytes)
    return data


def render_pdf(note: Note, path: str | Path) -> Path:
    """Write ``note`` as a PDF at ``path`` (atomically) and return the path."""
    images = figure_images(note, svg=True)
    data = pdf_bytes(note, images)
    dest = Path(path)
    write_bytes_atomic(dest, data)
    return dest


__all__ = ["FONTS", "pdf_bytes", "render_pdf", "typst_source", "typst_string"]
