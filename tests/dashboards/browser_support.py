"""What the browser tests share: Debian's Chromium, its flags, and a throwaway local server."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

#: Browser test modules: skipped on a developer machine without Chromium; under CI a missing
#: Chromium fails.
NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="needs Debian Chromium at /usr/bin/chromium",
)
#: Publication PNG tests: any Chromium will do (``BROWSER_PATH`` or Debian's).
NEEDS_PNG_RENDERER = pytest.mark.skipif(
    not (os.environ.get("BROWSER_PATH") or CHROMIUM.exists()) and not os.environ.get("CI"),
    reason="no Chromium",
)


def serve(app: Dash) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:<free port> in a daemon thread; yield its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    httpd: BaseWSGIServer = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="egn-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


def pick_option(page: Any, dropdown: str, typed: str, option: str, attempts: int = 3) -> None:
    """Open the Dash dropdown ``dropdown`` (a CSS selector), type ``typed``, click ``option``.

    Why retried: on a loaded 2-core machine a late callback can re-render the filters while
    the menu is open, which closes it and loses the typed text (seen once in CI: the option
    never appeared in 120 s). Each attempt waits 15 s for the option, then closes the menu.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        page.click(dropdown)
        page.keyboard.type(typed)
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.wait_for(state="visible", timeout=15_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            if attempt == attempts - 1:
                raise
            continue
        choice.click()
        return
