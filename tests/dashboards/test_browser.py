"""The app in a real headless Chromium (Debian's), served from a thread on a free local port.

Checks what only a browser can: the page renders, the plotly graph draws, the filter updates
the URL and the table, the data-quality section shows the last build (and flags a broken
invariant in red), and no request leaves localhost (no CDN, no telemetry).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from dash import Dash
from werkzeug.serving import make_server

from tests.dashboards.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    NEEDS_CHROMIUM,
    serve,
)

#: Data rows of the per-file detail (a Dash DataTable: the header row has no ``td``).
DETAIL_ROWS = "#donnees-table tr:has(td.dash-cell)"
#: Sort button of the detail's « Taille » column (the sixth).
SORT_SIZE = "#donnees-table th.column-5 .column-header--sort"
#: Rows of the « Qualité des données » table.
QUALITY_ROWS = "#donnees-qualite-table tbody tr"
QUALITY_TITLE = "Qualité des données (dernière construction)"
#: --egn-error and --egn-warning-bg of style.css, as the browser computes them.
RED = "rgb(206, 5, 0)"
RED_BG = "rgb(255, 233, 230)"

pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
]


@pytest.fixture
def server(make_app: Callable[[Path], Dash], data_dir: Path) -> Iterator[str]:
    """The app on the small handmade manifest."""
    yield from serve(make_app(data_dir))


@pytest.fixture
def full_server(make_app: Callable[[Path], Dash], full_data_dir: Path) -> Iterator[str]:
    """The app on a manifest shaped like the embedded dataset's (142 files)."""
    yield from serve(make_app(full_data_dir))


def test_donnees_page_in_chromium(
    server: str,
    tmp_path: Path,
    data_dir: Path,
    quality: dict[str, Any],
    write_quality: Callable[[Path, dict[str, Any] | str], Path],
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    write_quality(data_dir, quality)  # as after `egn build` (the page reads it on each load)
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

            # the last build's quality, between the sources summary and the chart
            section = page.locator("#donnees-qualite")
            sync_api.expect(page.get_by_role("heading", name=QUALITY_TITLE)).to_be_visible()
            quality_rows = page.locator(QUALITY_ROWS)
            sync_api.expect(quality_rows).to_have_count(3)
            second = quality_rows.nth(1).inner_text()
            assert "enquete_parents_2d" in second and "5,1\u202f%" in second
            assert "code postal invalide (1\u202f000)" in second
            check = page.locator("#donnees-qualite-controle")
            sync_api.expect(check).to_contain_text("lignes lues = acceptées + rejetées")
            sync_api.expect(check).to_contain_text("Contrôle réussi")
            assert check.evaluate("e => getComputedStyle(e).color") != RED
            tops = [
                page.locator(sel).bounding_box()["y"]  # type: ignore[index]
                for sel in ("#donnees-jeux", "#donnees-qualite", "#donnees-tailles")
            ]
            assert tops == sorted(tops), tops
            sync_api.expect(section.locator("#donnees-qualite-absente")).to_have_count(0)

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

            # a build whose counts do not add up (a bug) is flagged in red, in words too
            quality["tables"][1]["acceptees"] -= 1
            report = write_quality(data_dir, quality)
            stat = report.stat()
            os.utime(report, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
            page.reload()
            page.wait_for_selector(QUALITY_ROWS)
            broken = page.locator(QUALITY_ROWS).nth(1)
            sync_api.expect(broken).to_contain_text("(incohérente)")
            assert broken.evaluate("e => getComputedStyle(e.cells[1]).color") == RED
            assert broken.evaluate("e => getComputedStyle(e).backgroundColor") == RED_BG
            check = page.locator("#donnees-qualite-controle")
            sync_api.expect(check).to_contain_text("Anomalie")
            assert check.evaluate("e => getComputedStyle(e).color") == RED
            assert (
                page.locator(QUALITY_ROWS).first.evaluate("e => getComputedStyle(e.cells[1]).color")
                != RED
            )

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
            # no `egn build` yet in this folder: the quality section says how to run it
            not_built = page.locator("#donnees-qualite-absente")
            sync_api.expect(not_built).to_be_visible()
            sync_api.expect(not_built).to_contain_text("make build")
            sync_api.expect(page.locator(QUALITY_ROWS)).to_have_count(0)

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
