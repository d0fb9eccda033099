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
from pathlib import Path
from typing import Any, Literal

import plotly
import plotly.graph_objects as go

ImageFormat = Literal["png", "svg", "pdf", "jpeg", "webp"]

_BROWSER_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_DEFAULT_BROWSER = Path("/usr/bin/chromium")


class RenderUnavailableError(RuntimeError):
    """No image could be produced (no Chromium, Chromium crashed or timed out)."""


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
        opts: dict[str, Any] = {"format": format, "scale": scale}
        if width is not None:
            opts["width"] = width
        if height is not None:
            opts["height"] = height
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
    "RenderUnavailableError",
    "WarmRenderer",
    "find_browser",
    "render_image",
    "renderer",
]
