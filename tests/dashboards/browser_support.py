"""What the browser tests share: Debian's Chromium, its flags, and a throwaway local server."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

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
