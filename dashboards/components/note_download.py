"""« Télécharger la note de synthèse » on every page: the briefing note of the page's territory.

The note is the library's (:func:`egn_analytics.notes.build_note`, the same as
``egn export note``): the page only says which territory it shows (usages: its territory,
concertation: its région, enquêtes: France unless the view names an académie or a région,
données: France), the callback builds the note from the generation the request reads
(:func:`dashboards.data_access.processed_dir`), renders it to a temporary file and sends its
bytes. The survey gaps of the note go through the page's own gap door
(:func:`dashboards.data_access.indicator_gap`, cached), so a note costs no more microdata reads
than the enquêtes page's gap.

A failure (no Chromium for the charts, a table not built, a format whose engine is missing)
leaves the download unchanged and shows a French alert in place, never a traceback. Building a
note takes seconds: the buttons are disabled and a loading indicator shows while it runs.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboards import data_access, ids
from dashboards.catalogue import export_filename
from dashboards.components.layout import button, status
from dashboards.components.notices import alert, detail
from dashboards.components.tables import request_tables, synthetic
from egn_analytics.indicators import IndicatorNotBuiltError
from egn_analytics.notes import scope_of, scope_of_breakdown, scope_of_territory
from egn_analytics.notes.model import Note, Scope
from egn_analytics.reference import ascii_fold
from egn_analytics.viz import RenderUnavailableError

_LOG = logging.getLogger(__name__)

#: Formats offered, in button order: (key, button label, renderer module, renderer function).
FORMATS: dict[str, tuple[str, str, str]] = {
    "docx": ("DOCX", "egn_analytics.notes.docx", "render_docx"),
    "pdf": ("PDF", "egn_analytics.notes.pdf", "render_pdf"),
}
TITLE = "Note de synthèse"
INTRO = (
    "La note de synthèse du territoire affiché : messages clés avec leur incertitude, "
    "graphiques numérotés et encadré méthodologique, comme « egn export note ». "
    "Sa préparation prend quelques secondes."
)
FAILED = "La note de synthèse n'a pas pu être produite."
RENDER_UNAVAILABLE = (
    "Ses graphiques ont besoin de Chromium (sous Debian : apt-get install chromium). "
    "Les données de chaque graphique restent téléchargeables en CSV."
)
NOT_BUILT = "Une table d'indicateurs manque : lancez egn build, puis réessayez."
FORMAT_UNAVAILABLE = "Le format {label} n'est pas disponible sur ce serveur."
UNEXPECTED = "Une erreur inattendue s'est produite ; l'incident est consigné dans le journal."


def slug(text: str) -> str:
    """« Académie de Lille » → ``academie-de-lille`` (a file name without accents or spaces)."""
    kept = "".join(
        c if c.isalnum() else "-" for c in ascii_fold(text.casefold().replace("œ", "oe"))
    )
    return "-".join(part for part in kept.split("-") if part)


def note_filename(scope: Scope, synthetic: bool, fmt: str) -> str:
    """``note-egn-academie-de-lille.docx`` (``_SYNTHETIQUE`` before the suffix on synthetic
    data: a downloaded file says that it is synthetic, as every download of the app)."""
    return export_filename(f"note-egn-{slug(scope.label)}", None, synthetic, fmt)


def page_gap(indicator: str, breakdown: str, a: str, b: str) -> Mapping[str, Any] | None:
    """The note's survey gap through the page's gap door (cached); None when it cannot be
    computed, as the library's own gap function says it."""
    try:
        frame = data_access.indicator_gap(indicator, breakdown, a, b)
    except (
        data_access.GapError,
        IndicatorNotBuiltError,
        OSError,
        ValueError,
        KeyError,
        pl.exceptions.PolarsError,
    ):
        return None
    return frame.row(0, named=True) if frame.height else None


def build_page_note(scope: Scope) -> Note:
    """The note of ``scope`` from the generation the request reads (looked up at each call,
    so tests can replace it)."""
    from egn_analytics.notes import build_note

    folder = data_access.processed_dir()
    if not any((folder / "indicateurs").glob("*.parquet")):
        raise IndicatorNotBuiltError(f"aucune table d'indicateurs dans {folder}")
    return build_note(scope, request_tables(), compute_gap=page_gap)


def _failure(body: list[Component | str] | str) -> html.Div:
    return alert(FAILED, body, kind="error")


def note_renderer(fmt: str) -> Callable[[Note, Path], object]:
    """The library's renderer of ``fmt`` (``render_docx``, ``render_pdf``), imported when asked:
    the engines are heavy and optional (an ImportError says the format is missing here).
    Looked up at each call, so tests can replace it (a machine without Chromium)."""
    _label, module_name, function = FORMATS[fmt]
    renderer: Callable[[Note, Path], object] = getattr(
        importlib.import_module(module_name), function
    )
    return renderer


#: Notes kept in memory (a DOCX is about 1 MB): the same build gives the same note, so a
#: second click on a page, or a colleague's, costs nothing.
CACHE_SIZE = 8
_cache: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_cache_lock = threading.Lock()


def _build_key(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, mtime and size of what a note reads: the indicator tables, the quality report
    and the raw manifest (the synthetic notice). A rebuild in place changes the key."""
    read = [*sorted((folder / "indicateurs").glob("*")), folder / "qualite.json"]
    read.append(data_access.raw_dir() / "manifest.json")
    key = []
    for path in read:
        with contextlib.suppress(OSError):
            stat = path.stat()
            key.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def clear_cache() -> None:
    """Forget every note kept in memory (tests)."""
    with _cache_lock:
        _cache.clear()


def note_bytes(scope: Scope, fmt: str) -> bytes:
    """The note of ``scope`` as ``fmt`` (``docx`` or ``pdf``), written to a temporary folder
    (the renderers write files atomically) and read back; kept for the next request on the
    same build (a failure is not kept: it is tried again)."""
    renderer = note_renderer(fmt)
    folder = data_access.processed_dir()
    key = (str(folder), _build_key(folder), scope.kind, scope.code, fmt)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from egn_analytics.notes.html import warm_renderer

    warm_renderer()  # Chromium starts while the note is being built (as egn export note)
    note = build_page_note(scope)
    with tempfile.TemporaryDirectory(prefix="egn-note-") as temporary:
        path = Path(temporary) / f"note.{fmt}"
        renderer(note, path)
        content = path.read_bytes()
    with _cache_lock:
        _cache[key] = content
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return content


def note_download(scope: Scope, fmt: str) -> tuple[object, Component | str]:
    """(``dcc.Download`` data, status) of the note of ``scope`` as ``fmt``.

    On failure the download is left unchanged and the status is a French alert.
    """
    if fmt not in FORMATS:
        return no_update, ""
    label = FORMATS[fmt][0]
    try:
        content = note_bytes(scope, fmt)
    except RenderUnavailableError as exc:
        return no_update, _failure([html.P(RENDER_UNAVAILABLE), detail(exc)])
    except IndicatorNotBuiltError as exc:
        return no_update, _failure([html.P(NOT_BUILT), detail(exc)])
    except ImportError as exc:
        return no_update, _failure([html.P(FORMAT_UNAVAILABLE.format(label=label)), detail(exc)])
    except Exception:  # never a traceback on screen: the page says it failed, the log says why
        _LOG.exception("note de synthèse %s (%s) non produite", fmt, scope.label)
        return no_update, _failure(UNEXPECTED)
    return dcc.send_bytes(content, note_filename(scope, synthetic(), fmt)), ""


def note_block(prefix: str) -> html.Section:
    """The section with the two format buttons, the download and its status (ids from
    :func:`dashboards.ids.note_ids`)."""
    parts = ids.note_ids(prefix)
    heading = f"{parts.section}-titre"
    buttons: list[Component] = [
        button(f"Télécharger la note de synthèse ({label})", button_id)
        for (label, _module, _function), button_id in zip(
            FORMATS.values(), (parts.docx_button, parts.pdf_button), strict=True
        )
    ]
    extra: dict[str, Any] = {"aria-labelledby": heading}
    return html.Section(
        [
            html.H2(TITLE, id=heading, className="egn-section__title"),
            html.P(INTRO, className="egn-section__intro"),
            html.Div([*buttons, dcc.Download(id=parts.download)], className="egn-card__actions"),
            status(parts.status),
        ],
        id=parts.section,
        className="egn-section egn-note-download",
        **extra,
    )


@dataclass(frozen=True)
class NoteDownload:
    """The note download of one page: how its view's state names the note's territory.

    ``download(fmt, view)`` stays a plain function that tests call directly; :meth:`register`
    wires it to the page's two buttons.
    """

    prefix: str  # the page's id prefix (« usages »)
    scope_of: Callable[[Any], Scope]  # the view's state → the note's scope

    def download(self, fmt: str, view: Any) -> tuple[object, Component | str]:
        """The note of the view's territory as ``fmt``; a French alert on failure (a view
        that is not a search string, as a forged request sends, means France)."""
        return note_download(self.scope_of(view if isinstance(view, str) else None), fmt)

    def register(self, state: State) -> None:
        """One callback for both buttons (the one clicked says the format); the buttons are
        disabled while the note is built."""
        parts = ids.note_ids(self.prefix)
        formats = {parts.docx_button: "docx", parts.pdf_button: "pdf"}
        register: Callable[..., Callable[..., object]] = callback

        def note_callback(
            _docx: int | None, _pdf: int | None, view: Any
        ) -> tuple[object, Component | str]:
            fmt = formats.get(str(ctx.triggered_id), "docx")
            return self.download(fmt, view)

        register(
            Output(parts.download, "data"),
            Output(parts.status, "children"),
            Input(parts.docx_button, "n_clicks"),
            Input(parts.pdf_button, "n_clicks"),
            state,
            prevent_initial_call=True,
            running=[
                (Output(parts.docx_button, "disabled"), True, False),
                (Output(parts.pdf_button, "disabled"), True, False),
            ],
        )(note_callback)


def national_scope(_view: object = None) -> Scope:
    """France (the données page, and any view that names no territory)."""
    return scope_of(national=True)


__all__ = [
    "FORMATS",
    "NoteDownload",
    "build_page_note",
    "clear_cache",
    "national_scope",
    "note_block",
    "note_bytes",
    "note_download",
    "note_filename",
    "note_renderer",
    "page_gap",
    "scope_of_breakdown",
    "scope_of_territory",
    "slug",
]
