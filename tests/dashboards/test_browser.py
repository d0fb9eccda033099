"""The app in a real headless Chromium (Debian's), served from a thread on a free local port.

Checks what only a browser can: the page renders, the plotly graph draws, the filter updates
the URL and the table, and no request leaves localhost (no CDN, no telemetry).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dash import Dash
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

pytestmark = [
    pytest.mark.browser,
    # Skipped on a developer machine without Chromium; under CI a missing Chromium fails.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian Chromium at /usr/bin/chromium",
    ),
]


@pytest.fixture
def server(make_app: Callable[[Path], Dash], data_dir: Path) -> Iterator[str]:
    """Serve the app on 127.0.0.1:<free port> in a daemon thread; yield its base URL."""
    app = make_app(data_dir)
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


def test_donnees_page_in_chromium(server: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page.on("request", lambda request: requests.append(request.url))
            page.goto(server + "/")

            # shell and page content
            page.wait_for_selector("#donnees-table tbody tr")
            assert page.title() == "Données — EGN Analytics"
            header = page.locator("#egn-header")
            assert "EGN Analytics — États généraux du numérique pour l'éducation" in (
                header.inner_text()
            )
            banner = page.locator("#egn-synthetic-banner")
            sync_api.expect(banner).to_be_visible()
            assert "Données synthétiques" in banner.inner_text()
            rows = page.locator("#donnees-table tbody tr")
            sync_api.expect(rows).to_have_count(7)
            sync_api.expect(rows.first).to_be_visible()
            assert "12,3\u202fMo" in rows.first.inner_text()
            graph = page.locator("#donnees-tailles-graphique .main-svg").first
            sync_api.expect(graph).to_be_visible()
            assert page.locator("#donnees-tailles-graphique .bars path").count() == 6

            # the filter goes to the URL, the router re-renders the page from it
            page.click("#donnees-famille")
            page.get_by_role("option", name="Journaux ENT").click()
            page.wait_for_url("**/?famille=ent")
            sync_api.expect(rows).to_have_count(2)
            assert urlsplit(page.url).query == "famille=ent"

            # the state survives a reload (it lives in the URL), and the banner is still there
            page.reload()
            page.wait_for_selector("#donnees-table tbody tr")
            sync_api.expect(rows).to_have_count(2)
            sync_api.expect(banner).to_be_visible()
            assert "Journaux ENT" in page.locator("#donnees-famille").inner_text()

            screenshot = tmp_path / "donnees.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    hosts = {
        urlsplit(url).hostname for url in requests if urlsplit(url).scheme in {"http", "https"}
    }
    assert hosts <= LOCAL_HOSTS, f"requests left localhost: {sorted(hosts - LOCAL_HOSTS)}"
    assert any("plotly.min.js" in url for url in requests)  # plotly.js served by the app


def test_missing_data_page_in_chromium(
    make_app: Callable[[Path], Dash], empty_data_dir: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    app = make_app(empty_data_dir)
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{httpd.server_port}/")
                message = page.locator("#donnees-manquantes")
                sync_api.expect(message).to_be_visible()
                assert "make data" in message.inner_text()
                assert page.locator("#egn-synthetic-banner").count() == 0
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()
