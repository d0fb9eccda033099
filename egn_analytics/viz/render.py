"""Static images of Plotly figures (PNG, SVG, PDF) through kaleido 1.x, kept warm, offline.

Why not ``fig.write_image`` or ``kaleido.write_fig_sync``: each call starts and stops a whole
Chromium (one to two seconds); the dashboard's « Télécharger l'image » button and a briefing
note with twenty figures need the browser to stay up. kaleido 1.5 offers a global sync server
(``kaleido.start_sync_server``), but it has three traits we cannot accept in a web server:
if Chromium fails to start, the first call blocks forever (the worker thread is dead and the
caller waits on a queue); two threads calling it at once may receive each other's image (one
shared return queue); and it cannot be given a timeout. So :class:`WarmRenderer` owns the same
pieces explicitly: one :class:`kaleido.Kaleido` (a Chromium with ``n`` tabs) living on an
event loop in a daemon thread, calls submitted with ``asyncio.run_coroutine_threadsafe``
(thread-safe, each caller gets its own future, with a timeout), a start that reports failure
at once, a restart after a failure, and a clean stop at interpreter exit.

Offline: kaleido's default page loads MathJax from a CDN, so we pass ``mathjax=False``; the
plotly.js used is the one inside the installed ``plotly`` package.

Chromium is found from ``BROWSER_PATH`` (the variable kaleido/choreographer read), else
``chromium`` / ``chromium-browser`` / ``google-chrome`` on ``PATH``, else ``/usr/bin/chromium``.
On Debian: ``apt-get install chromium``.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import plotly
import plotly.graph_objects as go

ImageFormat = Literal["png", "svg", "pdf", "jpeg", "webp"]

_BROWSER_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_DEFAULT_BROWSER = Path("/usr/bin/chromium")


class RenderUnavailableError(RuntimeError):
    """No image could be produced (no Chromium, Chromium crashed or timed out)."""


@dataclass(frozen=True, slots=True)
class RenderJob:
    """One image of a batch (:meth:`WarmRenderer.render_many`): a figure and its options."""

    figure: go.Figure | dict[str, Any]
    format: ImageFormat = "png"
    width: int | None = None
    height: int | None = None
    scale: float = 1.0


def _options(
    format: ImageFormat, width: int | None, height: int | None, scale: float
) -> dict[str, Any]:
    opts: dict[str, Any] = {"format": format, "scale": scale}
    if width is not None:
        opts["width"] = width
    if height is not None:
        opts["height"] = height
    return opts


def find_browser() -> Path | None:
    """Path of the Chromium used for exports, or None when none is installed."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return Path(env) if Path(env).is_file() else None
    for name in _BROWSER_CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return _DEFAULT_BROWSER if _DEFAULT_BROWSER.is_file() else None


def _plotlyjs_path() -> Path:
    """plotly.js bundled with the installed plotly.py (never the CDN)."""
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


class WarmRenderer:
    """One Chromium kept open for all renders of the process; thread-safe.

    ``tabs`` renders can run at once; further calls queue inside kaleido. ``timeout`` bounds
    one render; ``start_timeout`` bounds Chromium's start.
    """

    def __init__(self, *, tabs: int = 1, timeout: float = 60.0, start_timeout: float = 60.0):
        self._tabs = tabs
        self._timeout = timeout
        self._start_timeout = start_timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._open_tabs = 0
        self._atexit_registered = False

    @property
    def running(self) -> bool:
        """True when a Chromium is up and waiting for figures."""
        return self._kaleido is not None

    def start(self) -> None:
        """Start Chromium if it is not running (idempotent); raise at once if it cannot."""
        with self._lock:
            if self._kaleido is not None:
                return
            browser = find_browser()
            if browser is None:
                raise RenderUnavailableError(
                    "No Chromium found for image export: install it (Debian: "
                    "`apt-get install chromium`) or set BROWSER_PATH to its executable."
                )
            import kaleido  # imported here: it starts logging machinery we only need now

            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="egn-kaleido", daemon=True)
            thread.start()

            async def _open() -> Any:
                k = kaleido.Kaleido(
                    n=self._tabs,
                    timeout=self._timeout,
                    mathjax=False,
                    plotlyjs=str(_plotlyjs_path()),
                    path=str(browser),
                    headless=True,
                )
                await k.open()
                return k

            future = asyncio.run_coroutine_threadsafe(_open(), loop)
            try:
                self._kaleido = future.result(timeout=self._start_timeout)
            except BaseException as exc:
                future.cancel()
                _stop_loop(loop, thread)
                raise RenderUnavailableError(f"Chromium did not start ({browser}): {exc}") from exc
            self._loop, self._thread = loop, thread
            self._open_tabs = self._tabs
            if not self._atexit_registered:
                atexit.register(self.stop)
                self._atexit_registered = True

    def render(
        self,
        figure: go.Figure | dict[str, Any],
        *,
        format: ImageFormat = "png",
        width: int | None = None,
        height: int | None = None,
        scale: float = 1.0,
    ) -> bytes:
        """Image bytes of ``figure``; starts Chromium on first use, restarts it after a crash."""
        self.start()
        fig_dict = figure.to_dict() if isinstance(figure, go.Figure) else figure
        opts = _options(format, width, height, scale)
        loop, k = self._loop, self._kaleido
        if loop is None or k is None:  # stopped by another thread in between
            raise RenderUnavailableError("The renderer was stopped during the call.")
        future = asyncio.run_coroutine_threadsafe(k.calc_fig(fig_dict, opts=opts), loop)
        try:
            return bytes(future.result(timeout=self._timeout + 5))
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            self.stop()  # a stuck Chromium is not reused
            raise RenderUnavailableError(f"Image export timed out after {self._timeout} s") from exc
        except Exception as exc:
            # A render error may come from the figure or from a dead browser: restart to be safe.
            self.stop()
            raise RenderUnavailableError(f"Image export failed: {exc}") from exc

    def render_many(self, jobs: Sequence[RenderJob]) -> list[bytes]:
        """Images of every job, in order, rendered concurrently on the renderer's tabs.

        Why: a note draws six charts; submitted one after the other, each waits for the
        previous one and for kaleido's reload of its tab. Submitted all at once, the tabs
        (:meth:`ensure_tabs`) work in parallel and the figures' serialisation overlaps the
        renders. Same bytes as :meth:`render` job by job; same errors (the renderer is
        stopped after a failure or a timeout and restarted by the next call).
        """
        if not jobs:
            return []
        self.start()
        loop, k = self._loop, self._kaleido
        if loop is None or k is None:  # stopped by another thread in between
            raise RenderUnavailableError("The renderer was stopped during the call.")
        futures = []
        for job in jobs:
            fig = job.figure
            fig_dict = fig.to_dict() if isinstance(fig, go.Figure) else fig
            opts = _options(job.format, job.width, job.height, job.scale)
            futures.append(asyncio.run_coroutine_threadsafe(k.calc_fig(fig_dict, opts=opts), loop))
        # Each render is bounded by kaleido's timeout; the batch by that many, queued.
        deadline = time.monotonic() + self._timeout * len(jobs) + 5
        results: list[bytes] = []
        try:
            for future in futures:
                remaining = max(0.0, deadline - time.monotonic())
                results.append(bytes(future.result(timeout=remaining)))
        except concurrent.futures.TimeoutError as exc:
            for future in futures:
                future.cancel()
            self.stop()
            raise RenderUnavailableError(f"Image export timed out after {self._timeout} s") from exc
        except Exception as exc:
            for future in futures:
                future.cancel()
            self.stop()
            raise RenderUnavailableError(f"Image export failed: {exc}") from exc
        return results

    def ensure_tabs(self, tabs: int) -> None:
        """Open more tabs in the running Chromium, up to ``tabs``, without waiting for them.

        Why not at start: the Chromium of a dashboard serves one image at a time and a
        second tab would slow every start; a note (six charts) asks for more tabs when it
        needs them, and each new tab joins kaleido's queue of free tabs as soon as it is
        ready, so renders already submitted start on the first tab meanwhile. Uses
        kaleido's tab creation (``Kaleido._create_kaleido_tab``, kaleido 1.x); with a kaleido
        without it, the renderer keeps its tabs (renders still queue correctly).
        """
        with self._lock:
            loop, k = self._loop, self._kaleido
            missing = tabs - self._open_tabs
            create = getattr(k, "_create_kaleido_tab", None)
            if loop is None or k is None or missing <= 0 or create is None:
                return
            self._open_tabs = tabs

        async def _create() -> None:
            # Best effort: a tab that cannot open leaves the others serving.
            await asyncio.gather(*(create() for _ in range(missing)), return_exceptions=True)

        asyncio.run_coroutine_threadsafe(_create(), loop)

    def stop(self) -> None:
        """Close Chromium and the loop thread (idempotent; registered with :mod:`atexit`)."""
        with self._lock:
            loop, thread, k = self._loop, self._thread, self._kaleido
            self._loop = self._thread = self._kaleido = None
        if loop is None or thread is None:
            return
        if k is not None:
            # Best effort: a dead or stuck Chromium cannot be closed politely; its process
            # group is ended by choreographer anyway when the loop stops.
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(k.close(), loop).result(timeout=15)
        _stop_loop(loop, thread)


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=15)
    if not thread.is_alive():
        loop.close()


_RENDERER = WarmRenderer()


def renderer() -> WarmRenderer:
    """The process-wide renderer (one Chromium per process, started on first render)."""
    return _RENDERER


def start_in_background() -> threading.Thread:
    """Start the process-wide Chromium in a background thread and return at once.

    Why: Chromium's start (2–4 s) is the slowest step of a command that draws charts; started
    before the command imports and computes what it draws, it is ready by the first render,
    which waits for it. A failure is left for that render to report (with its French message).
    """

    def _start() -> None:
        with contextlib.suppress(Exception):
            renderer().start()

    thread = threading.Thread(target=_start, name="egn-chromium-start", daemon=True)
    thread.start()
    return thread


def render_images(jobs: Sequence[RenderJob]) -> list[bytes]:
    """Render a batch concurrently with the process-wide renderer (:meth:`WarmRenderer.render_many`)."""
    return _RENDERER.render_many(jobs)


def render_image(
    figure: go.Figure | dict[str, Any],
    *,
    format: ImageFormat = "png",
    width: int | None = None,
    height: int | None = None,
    scale: float = 1.0,
) -> bytes:
    """Render with the process-wide warm renderer (see :class:`WarmRenderer`)."""
    return _RENDERER.render(figure, format=format, width=width, height=height, scale=scale)


__all__ = [
    "ImageFormat",
    "RenderJob",
    "RenderUnavailableError",
    "WarmRenderer",
    "find_browser",
    "render_image",
    "render_images",
    "renderer",
]
