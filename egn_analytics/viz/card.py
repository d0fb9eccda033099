"""The chart-card contract: a figure never travels without its title, reading aid and source.

Why a contract: a chart in a briefing note (note de synthèse) for the ministry is read without
the dashboard around it. French official statistics (INSEE, DEPP) print every figure with
« Lecture : » (how to read one value), « Champ : » (who or what is covered) and « Source : »;
:class:`ChartCard` refuses to exist without them, and the data behind the figure go with it
so that the reader can check a number.

:meth:`ChartCard.to_publication_figure` builds a *new* figure (the card's figure is never
mutated: it is shown on screen at the same time) with title and subtitle at the top and the
notes at the bottom; the ``export_*`` functions write it as PNG/SVG and the data as CSV, each
file written atomically.

Layout arithmetic: Plotly cannot wrap text, so titles and notes are wrapped here from an
average glyph width (0.55 em for Arial/Marianne) and margins are computed from the number of
lines; the plotting area keeps ``plot_height`` pixels whatever the length of the notes.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from egn_analytics.io import atomic_path
from egn_analytics.viz.formats import NBSP
from egn_analytics.viz.render import render_image
from egn_analytics.viz.theme import GREY_MUTED, GREY_TEXT, ROUGE_MARIANNE, template

#: Label of the note added to every figure made from synthetic data.
SYNTHETIC_LABEL = "Données synthétiques"
SYNTHETIC_NOTE = (
    f"{SYNTHETIC_LABEL}{NBSP}: générées par EGN Analytics, elles ne décrivent aucune personne "
    "ni aucun établissement réel."
)

_TEXT_FIELDS = ("title", "subtitle", "lecture", "champ", "source")

# Publication layout constants (pixels at scale 1).
_TITLE_SIZE = 18
_SUBTITLE_SIZE = 13
_NOTE_SIZE = 11.5
_LINE_HEIGHT = 1.35  # line height as a multiple of the font size
_GLYPH_EM = 0.55  # average glyph width of Arial/Marianne, as a multiple of the font size
_PAD = 16
_TICK_SIZE = 12  # tick labels, as set by the template
_ASCII_SPACES = re.compile(r"[ \t\r\n\f\v]+")


@dataclass(frozen=True, slots=True, eq=False)
class ChartCard:
    """A figure with the texts and the data that must accompany it anywhere it is shown.

    ``title`` says what is measured, ``subtitle`` the unit and scope, ``lecture`` how to read
    one value, ``champ`` the population covered, ``source`` where the data come from. ``data``
    is the table plotted (what « Télécharger les données » gives). ``synthetic`` adds the
    « Données synthétiques » note (True by default: the embedded data are synthetic).

    ``eq=False``: two cards are compared by identity, a DataFrame has no boolean equality.
    """

    figure: go.Figure
    title: str
    subtitle: str
    lecture: str
    champ: str
    source: str
    data: pl.DataFrame
    synthetic: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.figure, go.Figure):
            raise TypeError(
                f"ChartCard.figure must be a plotly Figure, got {type(self.figure).__name__}"
            )
        if not isinstance(self.data, pl.DataFrame):
            raise TypeError(
                f"ChartCard.data must be a polars DataFrame, got {type(self.data).__name__}"
            )
        empty = [
            name
            for name in _TEXT_FIELDS
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip()
        ]
        if empty:
            raise ValueError(
                "ChartCard needs a non-empty title, subtitle, lecture, champ and source; "
                f"empty or missing: {', '.join(empty)}"
            )

    def notes(self) -> list[tuple[str, str]]:
        """The bottom notes as (label, text), in print order."""
        notes = [("Lecture", self.lecture), ("Champ", self.champ), ("Source", self.source)]
        if self.synthetic:
            notes.append((SYNTHETIC_LABEL, SYNTHETIC_NOTE.split(f"{NBSP}: ", 1)[1]))
        return notes

    def to_publication_figure(self, *, width: int = 900, plot_height: int = 420) -> go.Figure:
        """A new, self-contained figure for briefing notes: titles on top, notes at the bottom.

        ``width`` is the figure width, ``plot_height`` the height kept for the plotting area;
        the total height grows with the text. The card's own figure is left untouched.
        """
        return _publication_figure(self, width=width, plot_height=plot_height)


def _wrap(text: str, font_size: float, width_px: float) -> list[str]:
    """Split ``text`` into lines that fit ``width_px`` (estimated), keeping words whole.

    Only ASCII whitespace breaks a line: the no-break spaces of French typography (U+00A0
    before « : », U+202F in « 94,2 % ») keep their words together, as they should.
    """
    chars = max(20, int(width_px / (font_size * _GLYPH_EM)))
    return textwrap.wrap(_ASCII_SPACES.sub(" ", text).strip(), width=chars) or [""]


def _escape(text: str) -> str:
    """Plotly text is pseudo-HTML: user text must not be read as tags."""
    return html.escape(text, quote=False)


def _line_px(font_size: float) -> float:
    return font_size * _LINE_HEIGHT


def _left_margin(fig: go.Figure, width: int) -> int:
    """Left margin wide enough for the y tick labels, estimated from category labels.

    Generous on purpose: Plotly's automargin only ever *widens* a margin, so an estimate at
    least as wide as the labels keeps the plotting area where we computed it, and the notes
    (positioned relative to it) land exactly at the figure's left padding.
    """
    labels = [
        str(value)
        for trace in fig.data
        if getattr(trace, "orientation", None) == "h" and getattr(trace, "y", None) is not None
        for value in trace.y
    ]
    longest = max((len(label) for label in labels), default=0)
    y_title = fig.layout.yaxis.title.text if fig.layout.yaxis.title else None
    estimate = longest * _TICK_SIZE * _GLYPH_EM * 1.1 + 24 + (24 if y_title else 0)
    return round(min(max(estimate, 80), width * 0.45))


def _publication_figure(card: ChartCard, *, width: int, plot_height: int) -> go.Figure:
    fig = go.Figure(card.figure.to_dict())  # deep copy: the card's figure is never mutated
    # One look for every published figure: the "egn" template, whatever the figure was built
    # with (its explicit layout settings still win over the template's).
    fig.update_layout(template=template())
    text_width = width - 3 * _PAD
    margin_l = _left_margin(fig, width)

    # --- top: title (bold, via the template), subtitle, then the legend if any -------------
    title_lines = _wrap(card.title, _TITLE_SIZE, text_width)
    subtitle_lines = _wrap(card.subtitle, _SUBTITLE_SIZE, text_width)
    has_legend = sum(1 for trace in fig.data if trace.showlegend is not False) > 1
    top = (
        _PAD
        + len(title_lines) * _line_px(_TITLE_SIZE)
        + 6
        + len(subtitle_lines) * _line_px(_SUBTITLE_SIZE)
        + _PAD
        + (28 if has_legend else 0)
    )

    # --- bottom: room for the x axis, then one annotation per note ------------------------
    x_title = fig.layout.xaxis.title.text if fig.layout.xaxis.title else None
    axis_room = 64 if x_title else 40
    annotations: list[go.layout.Annotation] = []
    offset = float(axis_room)
    for label, text in card.notes():
        # No-break spaces inside the label: it can never be split, so the first wrapped line
        # starts with it and it can be set in bold.
        prefix = f"{label.replace(' ', NBSP)}{NBSP}:"
        lines = _wrap(f"{prefix} {text}", _NOTE_SIZE, text_width)
        first = f"<b>{_escape(prefix)}</b>{_escape(lines[0][len(prefix) :])}"
        html_text = "<br>".join([first, *(_escape(line) for line in lines[1:])])
        is_synthetic = label == SYNTHETIC_LABEL
        annotations.append(
            go.layout.Annotation(
                text=html_text,
                name=f"note-{label.lower()}",
                # Annotations only know the plotting area ("paper"): shift left by the margin
                # to start at the figure's padding, like the title.
                xref="paper",
                yref="paper",
                x=0,
                y=0,
                xshift=-(margin_l - _PAD),
                yshift=-offset,
                xanchor="left",
                yanchor="top",
                align="left",
                showarrow=False,
                font={
                    "size": _NOTE_SIZE,
                    "color": ROUGE_MARIANNE if is_synthetic else GREY_MUTED,
                },
            )
        )
        offset += len(lines) * _line_px(_NOTE_SIZE) + 4
    bottom = offset + _PAD

    title_text = "<br>".join(_escape(line) for line in title_lines)
    subtitle_text = "<br>".join(_escape(line) for line in subtitle_lines)
    fig.update_layout(
        width=width,
        height=round(plot_height + top + bottom),
        margin={"t": round(top), "b": round(bottom), "l": margin_l, "r": 32, "autoexpand": True},
        title={
            "text": title_text,
            "subtitle": {"text": subtitle_text},
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": _PAD, "l": _PAD},
            "automargin": False,
            "font": {"color": GREY_TEXT},
        },
    )
    if has_legend:
        fig.update_layout(legend={"y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"})
    for annotation in annotations:
        fig.add_annotation(annotation)
    return fig


# --------------------------------------------------------------------------- exports --------


def export_png(card: ChartCard, path: str | Path, *, width: int = 900, scale: float = 2) -> Path:
    """Write the publication figure as PNG (``scale=2`` for print-quality briefing notes)."""
    return _export_image(card, path, "png", width=width, scale=scale)


def export_svg(card: ChartCard, path: str | Path, *, width: int = 900) -> Path:
    """Write the publication figure as SVG (vector, for layout software)."""
    return _export_image(card, path, "svg", width=width, scale=1)


def png_bytes(card: ChartCard, *, width: int = 900, scale: float = 2) -> bytes:
    """PNG of the publication figure, in memory (dashboard downloads)."""
    fig = card.to_publication_figure(width=width)
    return render_image(
        fig, format="png", width=fig.layout.width, height=fig.layout.height, scale=scale
    )


def _export_image(card: ChartCard, path: str | Path, fmt: str, *, width: int, scale: float) -> Path:
    fig = card.to_publication_figure(width=width)
    data = render_image(
        fig,
        format=fmt,  # type: ignore[arg-type]
        width=fig.layout.width,
        height=fig.layout.height,
        scale=scale,
    )
    return _write_document(Path(path), data)


def _write_document(dest: Path, data: bytes) -> Path:
    """Write atomically (``atomic_path`` leaves the file readable by others, mode 0644)."""
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return dest


def csv_bytes(df: pl.DataFrame) -> bytes:
    """CSV for Excel in French: ``;`` separator, decimal comma, UTF-8 with BOM.

    Excel FR reads ``,`` as the decimal mark and guesses the encoding from the BOM: without
    these three choices accents break and numbers become text. Text cells that begin with
    ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) get a leading apostrophe, as OWASP
    advises: a contribution written « =HYPERLINK(...) » must stay text, not run as a formula.
    """
    text_cols = [name for name, dtype in df.schema.items() if dtype == pl.String]
    if text_cols:
        df = df.with_columns(
            pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]"))
            .then(pl.lit("'") + pl.col(c))
            .otherwise(pl.col(c))
            .alias(c)
            for c in text_cols
        )
    buffer = io.BytesIO()
    df.write_csv(buffer, separator=";", include_bom=True, decimal_comma=True)
    return buffer.getvalue()


def export_data(card: ChartCard, path: str | Path) -> Path:
    """Write the card's data: ``.xlsx`` if the path says so (needs ``xlsxwriter``), else CSV.

    CSV is the default because it needs no extra dependency; see :func:`csv_bytes`.
    """
    dest = Path(path)
    with atomic_path(dest) as tmp:
        if dest.suffix.lower() == ".xlsx":
            try:
                import xlsxwriter  # noqa: F401
            except ImportError as exc:
                raise RuntimeError(
                    "Writing .xlsx needs the optional package xlsxwriter; export to .csv instead."
                ) from exc
            card.data.write_excel(tmp, worksheet="donnees")
        else:
            tmp.write_bytes(csv_bytes(card.data))
    return dest


__all__ = [
    "SYNTHETIC_LABEL",
    "SYNTHETIC_NOTE",
    "ChartCard",
    "csv_bytes",
    "export_data",
    "export_png",
    "export_svg",
    "png_bytes",
]
