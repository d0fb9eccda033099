"""A briefing note as ONE self-contained HTML file: text, inline SVG charts, annex tables.

Why self-contained: a note is mailed, archived and opened offline; it must not fetch a font,
a script or an image. The charts are the cards' publication figures (title, *Lecture*,
*Champ*, *Source*: :meth:`egn_analytics.viz.ChartCard.to_publication_figure`) rendered to SVG
by the warm kaleido of :mod:`egn_analytics.viz.render` (one Chromium for the whole note) and
pasted inline; the styles are in the page; nothing refers to a URL.

Why byte-identical: plotly names the clip paths of an SVG with a random id; it is replaced by
the figure's number (which also keeps the ids of two inline SVGs apart), and nothing else in
the file depends on the clock or the machine, so two builds of one note compare equal.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from egn_analytics.io import write_text_atomic
from egn_analytics.notes._images import render_batch
from egn_analytics.notes.messages import needs_fragile_flag
from egn_analytics.notes.model import KeyMessage, Note, NoteFigure
from egn_analytics.viz.card import SYNTHETIC_LABEL
from egn_analytics.viz.formats import NBSP, fmt_date, fmt_number, is_missing
from egn_analytics.viz.render import RenderJob, render_image, start_in_background

#: Width of the charts (pixels of the SVG's viewBox; the page scales them to its column).
FIGURE_WIDTH = 900
#: Height of a chart's plotting area (pixels) when its card sets none, and its bounds.
DEFAULT_PLOT_HEIGHT, MIN_PLOT_HEIGHT, MAX_PLOT_HEIGHT = 420, 300, 1400
#: Rows of a figure's data printed in the annex (the CSV export has them all).
ANNEX_ROWS = 400
_SVG_UID = re.compile(r'id="defs-([0-9a-z]+)"')
_XMLNS = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')

STYLE = """
body{font-family:Marianne,Arial,"Helvetica Neue",sans-serif;color:#161616;margin:0;
background:#f6f6f6;line-height:1.45}
main{max-width:960px;margin:0 auto;background:#fff;padding:32px 40px 48px}
h1{font-size:1.6rem;margin:0 0 .4rem;color:#000091}
h2{font-size:1.2rem;margin:2rem 0 .6rem;color:#000091;border-bottom:2px solid #000091;
padding-bottom:.2rem}
h3{font-size:1rem;margin:1.2rem 0 .3rem}
.meta{color:#3a3a3a;margin:.2rem 0}
.synthetique{border-left:4px solid #e1000f;background:#fef4f4;padding:.6rem .9rem;
margin:1rem 0;color:#161616}
ol.messages li{margin:.5rem 0}
.fragile{display:inline-block;font-size:.8rem;font-weight:bold;color:#b34000;
border:1px solid #b34000;border-radius:3px;padding:0 .3rem;margin-left:.3rem}
figure{margin:1.5rem 0;page-break-inside:avoid}
figcaption{font-weight:bold;margin-bottom:.4rem}
figure svg{width:100%;height:auto;display:block}
aside.methodologie{background:#eef;border:1px solid #cacafb;padding:.4rem 1.2rem 1rem;
margin-top:2rem}
aside.methodologie dt{font-weight:bold;margin-top:.6rem}
aside.methodologie dd{margin:0}
table{border-collapse:collapse;font-size:.78rem;margin:.4rem 0 1rem;width:100%}
th,td{border:1px solid #ddd;padding:2px 5px;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap}
th{background:#f0f0f0}
.constantes{font-size:.8rem;color:#3a3a3a;margin:.2rem 0}
.tronque{font-size:.8rem;color:#3a3a3a}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


# -------------------------------------------------------------------------- charts -------


def warm_renderer() -> threading.Thread:
    """Start the Chromium of the charts in the background while the note is being built (the
    start is the slowest step of a note); the renders wait for it. Returns the thread."""
    return start_in_background()


def plot_height(figure: NoteFigure) -> int:
    """Height of the plotting area: the card's own (30 académies need more room than three
    bars), within print bounds."""
    height = figure.card.figure.layout.height
    if not height:
        return DEFAULT_PLOT_HEIGHT
    return int(min(MAX_PLOT_HEIGHT, max(MIN_PLOT_HEIGHT, height - 40)))


def _chart(figure: NoteFigure, width: int) -> Any:
    """The figure's publication chart with deterministic trace uids (the SVG's input)."""
    fig = figure.card.to_publication_figure(width=width, plot_height=plot_height(figure))
    for i, trace in enumerate(fig.data):  # plotly draws a random uid for a trace without one
        trace.uid = f"g{figure.number}t{i}"
    return fig


def _inline_svg(figure: NoteFigure, svg_bytes: bytes) -> str:
    """Kaleido's SVG made inline: random ids replaced by the figure's number, no namespace
    URLs, an accessible name."""
    svg = svg_bytes.decode("utf-8")
    found = _SVG_UID.search(svg)
    if found:
        svg = svg.replace(found.group(1), f"graphique{figure.number}x")
    svg = _XMLNS.sub("", svg, count=2)
    title = f"Graphique {figure.number}{NBSP}: {figure.card.title}"
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_e(title)}" ', 1)


def figure_svg(figure: NoteFigure, *, width: int = FIGURE_WIDTH) -> str:
    """The figure's publication chart as inline SVG: its random ids replaced by the figure's
    number and the traces' uids set from it (deterministic, and unique within the page),
    without namespace URLs."""
    fig = _chart(figure, width)
    svg = render_image(fig, format="svg", width=fig.layout.width, height=fig.layout.height)
    return _inline_svg(figure, svg)


def figure_svgs(note: Note, *, width: int = FIGURE_WIDTH) -> list[str]:
    """:func:`figure_svg` of every figure of ``note``, submitted as one batch to the warm
    Chromium (:func:`egn_analytics.notes._images.render_batch`: concurrent on its tabs)
    instead of one after the other; same strings."""
    figs = [_chart(f, width) for f in note.figures]
    if not figs:
        return []
    svgs = render_batch(
        [
            RenderJob(fig, format="svg", width=fig.layout.width, height=fig.layout.height)
            for fig in figs
        ]
    )
    return [_inline_svg(f, svg) for f, svg in zip(note.figures, svgs, strict=True)]


# -------------------------------------------------------------------------- tables -------


def fmt_cell(value: object) -> tuple[str, bool]:  # noqa: PLR0911 - one case per type
    """A data cell in French (« 0,425 », « 1 234 », « 16/03/2020 » as ISO date), and whether it
    is numeric (right-aligned)."""
    if value is None or is_missing(value):
        return "", False
    if isinstance(value, bool):
        return ("oui" if value else "non"), False
    if isinstance(value, int):
        return fmt_number(value), True
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 10:
            return fmt_number(value), True
        return fmt_number(value, 3 if abs(value) < 10 else 1), True
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(), False
    if isinstance(value, list | tuple | pl.Series):
        return ", ".join(fmt_cell(v)[0] for v in value), False
    return str(value), False


def data_table(data: pl.DataFrame, *, limit: int = ANNEX_ROWS) -> str:
    """The figure's data as an HTML table; columns with one value for every row are said
    once above it (« indicateur : … »), the rest are the table."""
    constant = [
        c
        for c in data.columns
        if data.height > 1 and data.get_column(c).cast(pl.String, strict=False).n_unique() == 1
    ]
    shown = data.drop(constant)
    parts = []
    if constant:
        first = data.row(0, named=True)
        said = f"{NBSP}; ".join(f"{_e(c)}{NBSP}: {_e(fmt_cell(first[c])[0])}" for c in constant)
        parts.append(f'<p class="constantes">{said}</p>')
    head = "".join(f"<th>{_e(c)}</th>" for c in shown.columns)
    rows = []
    for record in shown.head(limit).iter_rows():
        cells = []
        for value in record:
            text, numeric = fmt_cell(value)
            cells.append(f'<td class="n">{_e(text)}</td>' if numeric else f"<td>{_e(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if shown.height > limit:
        parts.append(
            f'<p class="tronque">{fmt_number(limit)} premières lignes sur '
            f"{fmt_number(shown.height)}{NBSP}: les données complètes sont dans l'export CSV "
            "du graphique.</p>"
        )
    return "".join(parts)


# --------------------------------------------------------------------------- page --------


def _message(message: KeyMessage) -> str:
    fragile = needs_fragile_flag(message.status, message.text)
    flag = ' <span class="fragile">estimation fragile</span>' if fragile else ""
    return f"<li>{_e(message.text)}{flag}</li>"


def _figure(figure: NoteFigure, svg: str) -> str:
    return (
        f'<figure id="graphique-{figure.number}">'
        f"<figcaption>Graphique {figure.number}</figcaption>"
        f"{svg}</figure>"
    )


def _annex(figures: Sequence[NoteFigure]) -> str:
    parts = ["<h2>Annexe – données des graphiques</h2>"]
    for figure in figures:
        parts.append(
            f'<h3 id="annexe-{figure.number}">Graphique {figure.number}{NBSP}: '
            f"{_e(figure.card.title)}</h3>"
        )
        parts.append(data_table(figure.card.data))
    return "".join(parts)


def note_html(note: Note, svgs: Sequence[str] | None = None) -> str:
    """The note's page as a string; ``svgs`` (one per figure) default to the rendered charts."""
    charts = list(svgs) if svgs is not None else figure_svgs(note)
    banner = ""
    if note.synthetic_notice:
        notice = note.synthetic_notice
        lead = f"{SYNTHETIC_LABEL}{NBSP}: "
        if notice.startswith(SYNTHETIC_LABEL):  # the manifest's notice names itself
            head, _, rest = notice.partition(":")
            lead, notice = f"{head.strip()}{NBSP}: ", rest.strip()
        banner = (
            f'<p class="synthetique" role="note"><strong>{_e(lead.rstrip())}</strong> '
            f"{_e(notice)}</p>"
        )
    methodology = "".join(
        f"<dt>{_e(item.title)}</dt><dd>{_e(item.text)}</dd>" for item in note.methodology
    )
    body = [
        f"<header><h1>{_e(note.title)}</h1>",
        f'<p class="meta">Champ{NBSP}: {_e(note.scope.label)}</p>',
        f'<p class="meta">Données{NBSP}: construction du {_e(fmt_date(note.data_date))}'
        f"{NBSP}— note du {_e(fmt_date(note.created))}</p>",
        f"{banner}</header>",
        '<section><h2>Messages clés</h2><ol class="messages">',
        *(_message(m) for m in note.messages),
        "</ol></section>",
        "<section><h2>Graphiques</h2>",
        *(_figure(f, s) for f, s in zip(note.figures, charts, strict=True)),
        "</section>",
        f'<aside class="methodologie"><h2>Méthodologie</h2><dl>{methodology}</dl></aside>',
        f"<section>{_annex(note.figures)}</section>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(note.title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{''.join(body)}\n</main>\n</body>\n</html>\n"
    )


def render_html(note: Note, path: str | Path) -> Path:
    """Write the note as one self-contained HTML file (atomic: no half-written note)."""
    dest = Path(path)
    write_text_atomic(dest, note_html(note))
    return dest


__all__ = [
    "ANNEX_ROWS",
    "FIGURE_WIDTH",
    "data_table",
    "figure_svg",
    "figure_svgs",
    "fmt_cell",
    "note_html",
    "render_html",
    "warm_renderer",
]
