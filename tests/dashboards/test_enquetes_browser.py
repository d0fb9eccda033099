"""The « enquêtes » page in a real headless Chromium, on data generated and built by the tests.

Checks what only a browser can: the page renders the chart from the real indicator table,
changing the breakdown goes through the URL and redraws the chart, a click on a bar selects
its « Lecture », and nothing goes wrong in the browser (no console error, no request leaving
localhost).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from dash import Dash

from tests.dashboards.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    NEEDS_CHROMIUM,
    serve,
)

GRAPH = "#enquetes-estimations-graphique"
#: The first visit may compute the indicator table (a few seconds, then cached on disk).
FIRST_LOAD_MS = 120_000

pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
]


@pytest.fixture
def embedded_server(make_app: Callable[[Path], Dash], generated_data_dir: Path) -> Iterator[str]:
    """The app on a small generated dataset (surveys and établissements), built for real."""
    yield from serve(make_app(generated_data_dir))


def top_down(ticks: Any) -> list[str]:
    """Tick labels as the reader sees them, top to bottom (the DOM order is plotly's)."""
    boxes = ticks.evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().top, e.textContent])"
    )
    return [text for _, text in sorted(boxes)]


def test_enquetes_page_in_chromium(embedded_server: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(embedded_server + "/enquetes", timeout=FIRST_LOAD_MS)

            # the chart of the default view: priority education, one bar per domain
            graph = page.locator(f"{GRAPH} .main-svg").first
            expect(graph).to_be_visible(timeout=FIRST_LOAD_MS)
            assert page.title() == "Équipement et continuité — EGN Analytics"
            nav = page.locator("#egn-navbar")
            expect(
                nav.get_by_role("link", name="Équipement et continuité (enquêtes)")
            ).to_be_visible()
            expect(page.locator("#egn-synthetic-banner")).to_be_visible()
            ticks = page.locator(f"{GRAPH} .ytick text")
            expect(ticks).to_have_count(3)
            assert top_down(ticks) == ["REP+", "REP", "Hors éducation prioritaire"]
            expect(page.locator(f"{GRAPH} .bars path").first).to_be_visible()
            labels = page.locator(f"{GRAPH} .textpoint text")
            expect(labels.first).to_contain_text("\u202f%")
            title = page.locator("#enquetes-estimations-titre")
            expect(title).to_contain_text("par éducation prioritaire")
            gap = page.locator("#enquetes-ecart-resultat")
            expect(gap).to_contain_text("au seuil de 5\u202f%")
            expect(gap).to_contain_text("REP+")
            expect(page.locator("#enquetes-tableau tbody tr")).to_have_count(3)

            # another breakdown: through the URL, and the chart is redrawn
            page.click("#enquetes-ventilation")
            page.get_by_role("option", name="Sexe", exact=True).click()
            page.wait_for_url(re.compile(r".*ventilation=sexe"))
            expect(ticks).to_have_count(2)
            assert top_down(ticks) == ["Fille", "Garçon"]
            expect(title).to_contain_text("par sexe")
            expect(page.locator("#enquetes-tableau tbody tr")).to_have_count(2)
            expect(gap).to_contain_text("Fille")
            query = parse_qs(urlsplit(page.url).query)
            assert query["ventilation"] == ["sexe"]
            assert query["indicateur"]

            # a click on a bar selects its « Lecture » (and survives a reload: it is in the URL)
            lecture_before = page.locator(".egn-card__note").first.inner_text()
            # plotly's drag layer covers the bars: click where the bar is, as a user does
            box = page.locator(f"{GRAPH} .bars path").nth(1).bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_url(re.compile(r".*domaine=2"))
            note = page.locator(".egn-card__note").first
            expect(note).not_to_have_text(lecture_before)
            expect(note).to_contain_text("Lecture")
            page.reload()
            expect(page.locator("#enquetes-tableau tr.egn-row--selected")).to_contain_text("Garçon")

            expect(graph).to_be_visible()
            expect(page.locator(f"{GRAPH} .bars path")).to_have_count(2)
            page.screenshot(path=str(tmp_path / "enquetes.png"), full_page=True)
        finally:
            browser.close()

    assert not errors, errors
    remote = [url for url in requests if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert not remote, remote
