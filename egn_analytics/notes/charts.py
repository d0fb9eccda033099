"""Every card of a page as files for a note: ``egn export charts --page usages --out DIR``.

Why a separate export from the note itself: whoever lays a note out by hand (Word, InDesign,
a ministry template) needs the charts as images at print resolution and their data as tables,
numbered in the order of the page so that « Graphique 3 » of the text is
``graphique-03-usages-rapport.png`` on disk and its data ``graphique-03-usages-rapport.xlsx``.

The cards are the registry's (:func:`egn_analytics.cards.build_card`): the same figure, title,
Lecture, Champ and Source as the page and the note. The view is the page's URL parameters;
:func:`page_view` derives it from an académie or a région académique the way each page says
a territory (``territoire`` of the usages, ``region`` of the concertation, the académie or
région breakdown of the surveys with that domain's « Lecture »; the data page has none).

Files are written atomically (a reader never sees half a file) and are byte-identical from
one run to the next on the same build. CSV and XLSX always: the XLSX's creation date (its
``docProps/core.xml``) is the build's date, not the clock, and xlsxwriter dates the zip
entries 1980-01-01. PNG, SVG and PDF come from Chromium (a warm kaleido, one browser for all
the figures), identical with the same Chromium: Plotly names the SVG's clip paths and traces
after random ids, replaced here by ones derived from the file's name, and Chromium stamps the
PDF with the clock, replaced by the build's date (same length: the byte offsets stay right).
Masked cells are empty in every data file: the cards' data already blank them (as the page's
« Télécharger les données »), and nulls are written as empty cells.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal, cast, get_args

from egn_analytics.cards import DOMAINS, Tables, build_card, domain
from egn_analytics.io import atomic_path
from egn_analytics.viz import ChartCard, csv_bytes
from egn_analytics.viz.render import ImageFormat, render_image

ChartFormat = Literal["png", "svg", "pdf", "csv", "xlsx"]
#: Every format, in the order the files of one chart are written.
FORMATS: tuple[ChartFormat, ...] = get_args(ChartFormat)
#: The formats drawn by Chromium (the others are the card's data).
IMAGE_FORMATS: frozenset[str] = frozenset({"png", "svg", "pdf"})
#: The pages whose cards can be exported (the domains of the card registry, in page order).
PAGES: tuple[str, ...] = DOMAINS
#: Figure width in CSS pixels (the dashboard's download width) and PNG scale: 1800 px wide,
#: 300 dpi over 15 cm, the width of a chart in an A4 note.
WIDTH = 900
PNG_SCALE = 2
#: Creation date of an XLSX whose build has no date (a plain folder): the zip entries' own.
EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
#: Name of the sheet of an XLSX file (as the card's own export).
SHEET = "donnees"


class ChartExportError(ValueError):
    """The page, the territory or a format is unknown (French message, for the command)."""


def chart_stem(number: int, key: str) -> str:
    """``graphique-03-usages-rapport``: the number as in the note, then the card key."""
    return f"graphique-{number:02d}-{key.replace('.', '-').replace('_', '-')}"


def page_cards(page: str) -> list[str]:
    """Card keys of ``page``, in the page's order."""
    if page not in PAGES:
        raise ChartExportError(f"page inconnue : {page!r} (connues : {', '.join(PAGES)})")
    return [f"{page}.{card}" for card in domain(page).CARDS]


def _region_of(academie: str) -> str:
    from egn_analytics.reference import academies

    rows = academies().select("code_academie", "code_region_academique").iter_rows()
    found = dict(rows).get(academie)
    if found is None:
        raise ChartExportError(f"académie inconnue : {academie!r}")
    return str(found)


def _check_region(region: str) -> str:
    from egn_analytics.reference import academies

    known = set(academies().get_column("code_region_academique").to_list())
    if region not in known:
        raise ChartExportError(f"région académique inconnue : {region!r}")
    return region


def page_view(
    page: str, *, academie: str | None = None, region: str | None = None
) -> dict[str, str]:
    """The view of ``page`` for an académie or a région académique (neither: France).

    - ``usages``: ``territoire`` = ``academie-09`` / ``region-32`` (the page's territory);
    - ``concertation``: ``region`` = the région académique (an académie's own région: the
      consultation is counted by région, not by académie);
    - ``enquetes``: the ``academie`` / ``region_academique`` breakdown with that domain, whose
      « Lecture » the card prints (an indicator without that breakdown shows its default one);
    - ``donnees``: no territory (the catalogue of the files).
    """
    page_cards(page)  # the page exists
    if academie is not None and region is not None:
        raise ChartExportError("donner une académie ou une région académique, pas les deux")
    code = academie.strip().zfill(2) if academie is not None else None
    region_code = _check_region(region.strip().zfill(2)) if region is not None else None
    # The région of an académie, for the pages that count by région (checks the académie).
    own_region = _region_of(code) if code is not None else region_code
    views: dict[str, dict[str, str]] = {"usages": {}, "concertation": {}, "enquetes": {}}
    if code is not None:
        views["usages"] = {"territoire": f"academie-{code}"}
        views["enquetes"] = {"ventilation": "academie", "domaine": code}
    elif region_code is not None:
        views["usages"] = {"territoire": f"region-{region_code}"}
        views["enquetes"] = {"ventilation": "region_academique", "domaine": region_code}
    if own_region is not None:
        views["concertation"] = {"region": own_region}
    return dict(views.get(page, {}))


def _created(tables: Tables) -> dt.datetime:
    """The build's date (its generation id starts with its UTC time), never the clock."""
    from egn_analytics.generations import generation_id

    gid = generation_id(tables.folder)
    if gid:
        try:
            return dt.datetime.strptime(gid[:15], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    return EPOCH


def write_xlsx(card: ChartCard, dest: Path, *, created: dt.datetime) -> None:
    """Write the card's data as XLSX to ``dest`` with a fixed creation date.

    Polars writes into a workbook we open, so that its document properties can be set (by
    default xlsxwriter stamps ``dcterms:created`` with the clock, and two runs differ).
    """
    try:
        from xlsxwriter import Workbook
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ChartExportError("l'export .xlsx demande le paquet xlsxwriter") from exc
    workbook = Workbook(str(dest))
    workbook.set_properties(
        {"created": created.replace(tzinfo=None), "title": card.title, "comments": card.source}
    )
    try:
        card.data.write_excel(workbook, worksheet=SHEET)
    finally:
        workbook.close()


_SVG_UID = re.compile(rb'<defs id="defs-([0-9a-f]+)"')
_PDF_DATES = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")


def stable_svg(data: bytes, name: str) -> bytes:
    """The SVG with Plotly's random figure id (``defs-66c22d``, ``clip66c22dxy``…) replaced
    by one derived from ``name``: the same figure gives the same file, and two figures of one
    note keep distinct ids if their SVGs are pasted into one HTML page."""
    found = _SVG_UID.search(data)
    if found is None:
        return data
    uid = found.group(1)
    stable = hashlib.sha1(name.encode()).hexdigest()[: len(uid)].encode()
    # Only where the id follows a letter or a hyphen (``defs-``, ``clip``, ``legend``…): a
    # colour « #66c22d » is left alone.
    return re.sub(rb"(?<=[A-Za-z-])" + re.escape(uid), stable, data)


def stable_pdf(data: bytes, created: dt.datetime) -> bytes:
    """The PDF with its creation and modification dates set to ``created`` (the same number
    of bytes, so the cross-reference table stays valid)."""
    stamp = created.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S").encode()
    return _PDF_DATES.sub(lambda m: b"/%s (D:%s%s)" % (m.group(1), stamp, m.group(3)), data)


def _write_bytes(dest: Path, data: bytes) -> Path:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return dest


def _check_formats(formats: Iterable[str]) -> tuple[ChartFormat, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ChartExportError(
            f"format inconnu : {', '.join(unknown) or '(aucun)'} (connus : {', '.join(FORMATS)})"
        )
    return tuple(f for f in FORMATS if f in wanted)


def export_card_files(
    card: ChartCard,
    stem: Path,
    *,
    formats: Sequence[ChartFormat] = FORMATS,
    created: dt.datetime = EPOCH,
) -> list[Path]:
    """Write one card as ``<stem>.<format>`` for each format; the paths in format order.

    The publication figure is built once and rendered by the warm renderer for each image
    format (no browser per file).
    """
    written: list[Path] = []
    figure = None
    for fmt in formats:
        dest = stem.with_name(f"{stem.name}.{fmt}")
        if fmt in IMAGE_FORMATS:
            if figure is None:
                figure = card.to_publication_figure(width=WIDTH)
                # Plotly names each trace's SVG elements after a random uid: fix them.
                for index, trace in enumerate(figure.data):
                    trace.uid = f"{stem.name}-{index}"
            data = render_image(
                figure,
                format=cast("ImageFormat", fmt),
                width=figure.layout.width,
                height=figure.layout.height,
                scale=PNG_SCALE if fmt == "png" else 1,
            )
            if fmt == "svg":
                data = stable_svg(data, dest.stem)
            elif fmt == "pdf":
                data = stable_pdf(data, created)
            written.append(_write_bytes(dest, data))
        elif fmt == "csv":
            written.append(_write_bytes(dest, csv_bytes(card.data)))
        else:
            with atomic_path(dest) as tmp:
                write_xlsx(card, tmp, created=created)
            written.append(dest)
    return written


def export_charts(
    page: str,
    out_dir: str | Path,
    *,
    view: Mapping[str, object] | None = None,
    tables: Tables | None = None,
    formats: Iterable[str] = FORMATS,
) -> list[Path]:
    """Write every card of ``page`` for ``view`` into ``out_dir``, numbered in page order.

    ``graphique-01-usages-chronologie.png``, ``…-01-….csv``, ``graphique-02-usages-cned.png``…
    ``view``: the page's URL parameters (see :func:`page_view`; default: the page's default
    view). ``tables``: the build (default: the configured one), pinned once so that every
    card comes from the same build. Every card is built before any file is written: a card
    that cannot be built (table not built, model not fitted) raises and leaves ``out_dir``
    as it was. Returns the written paths, card by card, in format order.
    """
    keys = page_cards(page)
    wanted = _check_formats(formats)
    if any(fmt in IMAGE_FORMATS for fmt in wanted):
        from egn_analytics.notes.html import warm_renderer

        warm_renderer()  # Chromium starts (its slowest step) while the cards are built
    tables = tables if tables is not None else Tables()
    cards = [(key, build_card(key, dict(view or {}), tables)) for key in keys]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    created = _created(tables)
    written: list[Path] = []
    for number, (key, card) in enumerate(cards, start=1):
        stem = out / chart_stem(number, key)
        written += export_card_files(card, stem, formats=wanted, created=created)
    return written


__all__ = [
    "EPOCH",
    "FORMATS",
    "IMAGE_FORMATS",
    "PAGES",
    "ChartExportError",
    "ChartFormat",
    "chart_stem",
    "export_card_files",
    "export_charts",
    "page_cards",
    "page_view",
    "stable_pdf",
    "stable_svg",
    "write_xlsx",
]
