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
#: Data rows of the per-file detail (a Dash DataTable: the header row has no ``td``).
DETAIL_ROWS = "#donnees-table tr:has(td.dash-cell)"
#: Sort button of the detail's « Taille » column (the sixth).
SORT_SIZE = "#donnees-table th.column-5 .column-header--sort"

pytestmark = [
    pytest.mark.browser,
    # Skipped on a developer machine without Chromium; under CI a missing Chromium fails.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian Chromium at /usr/bin/chromium",
    ),
]


def _serve(app: Dash) -> Iterator[str]:
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


@pytest.fixture
def server(make_app: Callable[[Path], Dash], data_dir: Path) -> Iterator[str]:
    """The app on the small handmade manifest."""
    yield from _serve(make_app(data_dir))


@pytest.fixture
def full_server(make_app: Callable[[Path], Dash], full_data_dir: Path) -> Iterator[str]:
    """The app on a manifest shaped like the embedded dataset's (142 files)."""
    yield from _serve(make_app(full_data_dir))


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
            page.wait_for_selector(DETAIL_ROWS)
            assert page.title() == "Données — EGN Analytics"
            header = page.locator("#egn-header")
            assert "EGN Analytics — États généraux du numérique pour l'éducation" in (
                header.inner_text()
            )
            banner = page.locator("#egn-synthetic-banner")
            sync_api.expect(banner).to_be_visible()
            assert "Données synthétiques" in banner.inner_text()
            rows = page.locator(DETAIL_ROWS)
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
            page.wait_for_selector(DETAIL_ROWS)
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


def test_full_catalogue_is_short_and_summarised(full_server: str) -> None:
    """142 files: key figures and one line per dataset on top, the detail paged below."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page.goto(full_server + "/")
            page.wait_for_selector(DETAIL_ROWS)
            page.wait_for_selector("#donnees-tailles-graphique .main-svg")

            figures = page.locator("#donnees-chiffres-cles li")
            sync_api.expect(figures).to_have_count(6)
            sync_api.expect(figures.first).to_be_in_viewport()  # seen without scrolling
            assert "2\u202f000\u202f000" in figures.nth(4).inner_text()
            summary = page.locator("#donnees-jeux")
            sync_api.expect(summary).to_be_visible()
            sync_api.expect(summary.locator("tbody tr")).to_have_count(20)
            assert "7\u202ffichiers mensuels" in summary.inner_text()
            assert "CSV, SPSS (.sav), dictionnaire" in summary.inner_text()
            sync_api.expect(page.get_by_role("heading", name="Détail des fichiers")).to_be_visible()

            rows = page.locator(DETAIL_ROWS)
            sync_api.expect(rows).to_have_count(15)  # one page, not 142 rows
            height = page.evaluate("document.body.scrollHeight")
            assert height < 4000, f"page is {height} px long"

            # sorted by the server on raw sizes: the biggest file first, back on page 1
            page.locator(".next-page").click()
            page.locator(SORT_SIZE).click()  # ascending
            page.locator(SORT_SIZE).click()  # descending
            sync_api.expect(rows.first).to_contain_text("etablissements/fr-en-annuaire")
            sync_api.expect(rows.first).to_contain_text("12,0\u202fMo")

            # the family filter still lives in the URL, and filters the detail only
            page.click("#donnees-famille")
            page.get_by_role("option", name="Journaux ENT").click()
            page.wait_for_url("**/?famille=ent")
            sync_api.expect(rows).to_have_count(9)
            sync_api.expect(summary.locator("tbody tr")).to_have_count(20)
        finally:
            browser.close()


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
