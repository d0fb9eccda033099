"""What the DOCX and PDF renderers share about a figure: its image at print size, its annex table.

Why the charts are drawn without their titles and notes: in a note, « Graphique N : titre »,
the subtitle and Lecture / Champ / Source are set as text by the renderer (selectable,
searchable, in the note's font), so the image carries only the plot. The figure is the card's
publication figure (:meth:`ChartCard.to_publication_figure`: the « egn » template, the margins
and the legend placement decided there) with the title, subtitle and note annotations removed
and the margins shrunk to match.

Images go through the process-wide warm kaleido (:func:`egn_analytics.viz.render.render_image`):
one Chromium for every chart of every note, never one per chart.

* **PNG** (DOCX): rendered at the scale that gives 300 dpi at the printed width
  (:data:`PRINT_WIDTH_CM`), with a ``pHYs`` chunk saying 300 dpi so that Word and LibreOffice
  know the physical size if the image is copied out of the note.
* **SVG** (PDF): vector. Plotly names its clip paths and defs after a random id drawn at each
  render (``clipc5a523xyplot``); that id is replaced by a fixed one, so the same note gives the
  same bytes (the ids only need to be unique within one SVG, which they still are).

The annex table (:func:`annex_table`) formats each figure's data in French (``viz.formats``)
and leaves **empty** every number of a row whose status is « masqué » — the card builders
already write nulls there; this is a second lock, so a note never prints a masked value even
if a table upstream kept one.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from egn_analytics.notes.model import Note, NoteFigure
from egn_analytics.viz.card import ChartCard
from egn_analytics.viz.formats import (
    MISSING,
    NBSP,
    NNBSP,
    fmt_date,
    fmt_number,
    fmt_pct,
    is_missing,
)
from egn_analytics.viz.render import (
    ImageFormat,
    RenderJob,
    render_image,
    render_images,
    renderer,
)

#: Width of a chart on the page (A4 with 2 cm margins leaves 17 cm; 15 cm keeps two charts
#: of the usual height, with their notes, on one page).
PRINT_WIDTH_CM = 15.0
#: Print resolution of the PNG images.
PRINT_DPI = 300
#: Figure width in CSS pixels (as the dashboard's exports) and height kept for the plot.
FIGURE_WIDTH_PX = 900
PLOT_HEIGHT_PX = 340
#: Tabs of the warm Chromium a note's charts are drawn on, concurrently, from the second note
#: of a process on (:func:`render_batch`): on two cores, two warm tabs draw six charts about
#: twice as fast as one; a third tab measured no faster.
NOTE_TABS = 2
#: Annex tables show at most this many rows per figure (a daily series has 200+).
ANNEX_MAX_ROWS = 60

_PAD = 16
_BAR_PX = 17
_LEGEND_ROOM = 28
_UID = re.compile(rb'id="defs-([0-9a-f]{6})"')


@dataclass(frozen=True, slots=True)
class FigureImage:
    """The chart of one « Graphique N », as PNG (300 dpi at print width) and/or SVG."""

    number: int
    width_px: int
    height_px: int
    png: bytes | None = None
    svg: bytes | None = None

    @property
    def print_height_cm(self) -> float:
        """Height on the page when printed :data:`PRINT_WIDTH_CM` wide."""
        return PRINT_WIDTH_CM * self.height_px / self.width_px


def plot_height(card: ChartCard) -> int:
    """Height of the plotting area: :data:`PLOT_HEIGHT_PX`, or more for many bars.

    A horizontal bar chart of the 30 académies needs about 17 px per bar for its labels to
    stay apart; other charts keep the compact height that puts two figures on an A4 page.
    """
    labels = {
        str(value)
        for trace in card.figure.data
        if getattr(trace, "orientation", None) == "h" and getattr(trace, "y", None) is not None
        for value in trace.y
    }
    return max(PLOT_HEIGHT_PX, _BAR_PX * len(labels) + 40)


def chart_figure(card: ChartCard) -> go.Figure:
    """The card's publication figure without title, subtitle or bottom notes (set as text)."""
    height = plot_height(card)
    fig = card.to_publication_figure(width=FIGURE_WIDTH_PX, plot_height=height)
    for i, trace in enumerate(fig.data):  # plotly draws a random uid (an SVG class) otherwise
        trace.uid = f"t{i}"
    has_legend = sum(1 for trace in fig.data if trace.showlegend is not False) > 1
    x_title = fig.layout.xaxis.title.text if fig.layout.xaxis.title else None
    top = _PAD + (_LEGEND_ROOM if has_legend else 0)
    bottom = (64 if x_title else 40) + 8
    fig.layout.annotations = [
        a for a in fig.layout.annotations if not str(a.name or "").startswith("note-")
    ]
    fig.update_layout(
        title={"text": "", "subtitle": {"text": ""}},
        margin={"t": top, "b": bottom},
        height=height + top + bottom,
    )
    return fig


def _png_300dpi(png: bytes) -> bytes:
    """``png`` with a ``pHYs`` chunk of 300 dpi right after ``IHDR`` (Chromium writes none)."""
    signature, ihdr_end = png[:8], 8 + 8 + 13 + 4  # length, type, 13 data bytes, CRC
    if signature != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return png
    rest = png[ihdr_end:]
    rest = _drop_chunk(rest, b"pHYs")
    per_metre = round(PRINT_DPI / 0.0254)
    data = struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = (
        struct.pack(">I", len(data))
        + b"pHYs"
        + data
        + struct.pack(">I", zlib.crc32(b"pHYs" + data) & 0xFFFFFFFF)
    )
    return png[:ihdr_end] + chunk + rest


def _drop_chunk(chunks: bytes, kind: bytes) -> bytes:
    out, pos = bytearray(), 0
    while pos + 8 <= len(chunks):
        length = struct.unpack(">I", chunks[pos : pos + 4])[0]
        end = pos + 12 + length
        if chunks[pos + 4 : pos + 8] != kind:
            out += chunks[pos:end]
        pos = end
    return bytes(out)


def stable_svg(svg: bytes) -> bytes:
    """The SVG with Plotly's per-render random id replaced by a fixed one (same note, same bytes)."""
    found = _UID.search(svg)
    if found is None:
        return svg
    uid = found.group(1)
    # Not after « # »: a colour that happens to read like the id stays untouched.
    return re.sub(rb"(?<!#)" + re.escape(uid), b"egn000", svg)


def _png_scale(width: int) -> float:
    # Chromium floors the scaled width: aim half a pixel above the 300-dpi width.
    target = round(PRINT_WIDTH_CM / 2.54 * PRINT_DPI)
    return (target + 0.5) / width


#: Batches rendered by this process (the first note opens no extra tab).
_BATCHES = {"done": 0}


def render_batch(jobs: list[RenderJob]) -> list[bytes]:
    """The images of one note, submitted at once to the warm kaleido (concurrent on its tabs).

    Why the second tab waits for the second note: opening a tab loads plotly.js, which in a
    fresh process (``egn export note``) competes with the first renders and made the note
    slower than one tab (measured: +1 to +2 s for six charts). A process that renders a
    second note (the dashboard, a batch of notes) is a warm one: the tab is opened then and
    serves every later note.
    """
    if _BATCHES["done"]:
        renderer().start()
        renderer().ensure_tabs(NOTE_TABS)
    images = render_images(jobs)
    _BATCHES["done"] += 1
    return images


def figure_image(figure: NoteFigure, *, png: bool = False, svg: bool = False) -> FigureImage:
    """Render one figure of a note (PNG at 300 dpi and/or SVG) with the warm kaleido."""
    fig = chart_figure(figure.card)
    width, height = int(fig.layout.width), int(fig.layout.height)
    png_bytes = svg_bytes = None
    if png:
        png_bytes = _png_300dpi(
            render_image(fig, format="png", width=width, height=height, scale=_png_scale(width))
        )
    if svg:
        svg_bytes = stable_svg(render_image(fig, format="svg", width=width, height=height))
    return FigureImage(figure.number, width, height, png=png_bytes, svg=svg_bytes)


def figure_images(note: Note, *, png: bool = False, svg: bool = False) -> list[FigureImage]:
    """Every figure of ``note``, in order: the same images as :func:`figure_image` one by one,
    but submitted as one batch to the warm kaleido, whose :data:`NOTE_TABS` tabs draw them
    concurrently (six charts in about half the time of one after the other)."""
    figs = [chart_figure(f.card) for f in note.figures]
    kinds: list[ImageFormat] = []
    if png:
        kinds.append("png")
    if svg:
        kinds.append("svg")
    if not figs or not kinds:
        return [
            FigureImage(f.number, int(fig.layout.width), int(fig.layout.height))
            for f, fig in zip(note.figures, figs, strict=True)
        ]
    jobs = []
    for fig in figs:
        width, height = int(fig.layout.width), int(fig.layout.height)
        for kind in kinds:
            scale = _png_scale(width) if kind == "png" else 1.0
            jobs.append(RenderJob(fig, format=kind, width=width, height=height, scale=scale))
    rendered = iter(render_batch(jobs))
    images = []
    for figure, fig in zip(note.figures, figs, strict=True):
        png_bytes = _png_300dpi(next(rendered)) if png else None
        svg_bytes = stable_svg(next(rendered)) if svg else None
        images.append(
            FigureImage(
                figure.number,
                int(fig.layout.width),
                int(fig.layout.height),
                png=png_bytes,
                svg=svg_bytes,
            )
        )
    return images


# --------------------------------------------------------------------- annex tables ----------


@dataclass(frozen=True, slots=True)
class AnnexTable:
    """One figure's data as the annex prints it: headers, formatted rows, and how many exist."""

    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    total_rows: int

    @property
    def truncated(self) -> bool:
        return self.total_rows > len(self.rows)


_PROPORTION_COLUMNS = {"estimation", "erreur_type", "ic95_bas", "ic95_haut"}
_HIDDEN_COLUMNS = {"champ", "source", "unite"}  # printed under the chart already


def _is_masked_row(row: dict[str, object]) -> bool:
    status = row.get("statut")
    return isinstance(status, str) and status.strip().lower().startswith("masqu")


def _column_kind(name: str, dtype: pl.DataType, df: pl.DataFrame) -> str:
    if dtype == pl.Boolean:
        return "bool"
    if dtype in (pl.Date, pl.Datetime):
        return "date"
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        unit = df.get_column("unite")[0] if "unite" in df.columns and df.height else None
        proportion_unit = isinstance(unit, str) and unit.startswith("proportion")
        if (
            name.startswith("part")
            or name == "cv"
            or (name in _PROPORTION_COLUMNS and proportion_unit)
        ):
            return "pct"
        return "float"
    return "text"


def _format(value: object, kind: str) -> str:
    if is_missing(value):
        return "" if kind == "text" else MISSING
    formatters: dict[str, Callable[[Any], str]] = {
        "pct": lambda v: fmt_pct(v, 1),
        "float": lambda v: fmt_number(v, 2 if abs(float(v)) < 1000 else 0),
        "int": lambda v: fmt_number(v, 0),
        "date": fmt_date,
        "bool": lambda v: "oui" if v else "non",
    }
    return formatters.get(kind, str)(value)


#: Column headers that snake_case cannot spell in French.
_HEADERS = {
    "ic95_bas": f"IC à 95{NNBSP}% (bas)",
    "ic95_haut": f"IC à 95{NNBSP}% (haut)",
    "cv": "CV",
    "repondants": "Répondants",
    "periode": "Période",
    "academie": "Académie",
    "code_academie": "Code académie",
    "region_academique": "Région académique",
    "code_region_academique": "Code région académique",
    "theme": "Thème",
    "libelle": "Libellé",
}


def _header(name: str) -> str:
    if name in _HEADERS:
        return _HEADERS[name]
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _columns(df: pl.DataFrame, *, drop_constants: bool) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for name, dtype in df.schema.items():
        if name in _HIDDEN_COLUMNS:
            continue
        kind = _column_kind(name, dtype, df)
        constant = df.height > 1 and df.get_column(name).n_unique() == 1
        if drop_constants and kind == "text" and constant:
            continue
        kinds[name] = kind
    return kinds


def annex_table(card: ChartCard, *, max_rows: int = ANNEX_MAX_ROWS) -> AnnexTable:
    """The card's data for the annex: French formats, masked numbers empty, constants dropped.

    A text column with one value on every row (the indicator's name, its population…) says
    nothing a row-by-row reader needs and is dropped when there are several rows; ``champ``,
    ``source`` and ``unite`` are printed under the chart already.
    """
    df = card.data
    kinds = _columns(df, drop_constants=True) or _columns(df, drop_constants=False)
    rows: list[list[str]] = []
    for row in df.head(max_rows).iter_rows(named=True):
        masked = _is_masked_row(row)
        rows.append(
            [
                "" if masked and kind not in ("text", "date") else _format(row[name], kind)
                for name, kind in kinds.items()
            ]
        )
    numeric = [kind in ("int", "float", "pct") for kind in kinds.values()]
    return AnnexTable([_header(n) for n in kinds], rows, numeric, df.height)


def annex_caption(figure: NoteFigure, table: AnnexTable) -> str | None:
    """The line under an annex table: truncated, or empty; None when every row is shown."""
    if table.total_rows == 0:
        return "Aucune donnée pour ce graphique."
    if not table.truncated:
        return None
    return (
        f"Extrait{NBSP}: les {len(table.rows)} premières lignes sur "
        f"{fmt_number(table.total_rows)}. Toutes les données du graphique{NBSP}{figure.number} "
        "sont dans son fichier CSV (egn export charts)."
    )


def note_dates(note: Note) -> str:
    """« Données au 31 juillet 2020 · note du 1er septembre 2020 »."""
    return f"Données au {fmt_date(note.data_date)} · note du {fmt_date(note.created)}"


def footer_text(note: Note) -> str:
    """The running footer: the title, and the scope unless the title already names it."""
    if note.scope.label.casefold() in note.title.casefold():
        return note.title
    return f"{note.title} · {note.scope.label}"


def note_timestamp(note: Note) -> dt.datetime:
    """The note's date as a UTC midnight datetime (the renderers' fixed clock)."""
    return dt.datetime(note.created.year, note.created.month, note.created.day, tzinfo=dt.UTC)


__all__ = [
    "ANNEX_MAX_ROWS",
    "NOTE_TABS",
    "PRINT_DPI",
    "PRINT_WIDTH_CM",
    "AnnexTable",
    "FigureImage",
    "annex_caption",
    "annex_table",
    "chart_figure",
    "figure_image",
    "figure_images",
    "footer_text",
    "note_dates",
    "note_timestamp",
    "render_batch",
    "stable_svg",
]
