"""The « Concertation et RETEX » page in a real headless Chromium, on texts generated, built and
classified by the tests.

Checks what only a browser can: the three charts draw, the table of specific words arrives
through its callback, a query typed in the search box (then Enter) goes through the URL and
lists contributions with the words highlighted (``<mark>``), a click on a proposition's bar
opens its drill-down, a région chosen in the picker outlines its column, and nothing goes wrong
in the browser (no console error, no request leaving localhost). The load times are printed
(``pytest -s``): the first visit classifies the texts, later ones read the caches.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from dash import Dash

from tests.dashboards.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    NEEDS_CHROMIUM,
    pick_option,
    serve,
)

CARDS = ("concertation-themes", "concertation-propositions", "concertation-couverture")
#: The first visit may classify the texts and compute the specificities (seconds, then cached).
FIRST_LOAD_MS = 120_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    NEEDS_CHROMIUM,
]


@pytest.fixture
def texts_server(make_app: Callable[[Path], Dash], generated_data_dir: Path) -> Iterator[str]:
    """The app on the small generated dataset, built for real."""
    yield from serve(make_app(generated_data_dir))


def test_concertation_page_in_chromium(texts_server: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    requests: list[str] = []
    errors: list[str] = []
    timings: dict[str, float] = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True
            )
            # Every wait (URL changes, expectations) gets the first load's margin: on a loaded
            # 2-core CI machine a callback can take longer than Playwright's 30 s default.
            page.set_default_timeout(FIRST_LOAD_MS)
            expect.set_options(timeout=FIRST_LOAD_MS)
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            def all_charts_drawn(timeout: float = FIRST_LOAD_MS) -> None:
                for card in CARDS:
                    graph = page.locator(f"#{card}-graphique .main-svg").first
                    expect(graph).to_be_visible(timeout=timeout)

            specific_words = page.locator("#concertation-specificites-table table")

            start = time.perf_counter()
            page.goto(texts_server + "/concertation", timeout=FIRST_LOAD_MS)
            all_charts_drawn()
            timings["premier chargement"] = time.perf_counter() - start
            expect(specific_words).to_be_visible(timeout=FIRST_LOAD_MS)
            timings["mots spécifiques"] = time.perf_counter() - start

            assert page.title() == "Concertation et RETEX — EGN Analytics"
            nav = page.locator("#egn-navbar")
            expect(nav.get_by_role("link", name="Concertation et RETEX")).to_be_visible()
            expect(page.locator("#egn-synthetic-banner")).to_be_visible()
            expect(page.locator("#concertation-chiffres-cles .egn-kpi")).to_have_count(4)
            expect(page.locator("#concertation-methode")).to_contain_text("F1 macro thèmes")
            # themes by source: six stacked series (five themes, « non classé »)
            themes = page.locator("#concertation-themes-graphique")
            expect(themes.locator(".barlayer .trace")).to_have_count(6)
            # 40 propositions, one tick each; the coverage heatmap with its « N/18 » labels
            ticks = page.locator("#concertation-propositions-graphique .ytick text")
            expect(ticks).to_have_count(40)
            coverage = page.locator("#concertation-couverture-graphique")
            expect(coverage.locator(".ytick text").first).to_contain_text("/18)")
            expect(specific_words.locator("tbody")).to_have_count(5)

            # a search: typed, then Enter; through the URL, results highlighted
            start = time.perf_counter()
            page.fill("#concertation-recherche", "familles")
            page.press("#concertation-recherche", "Enter")
            page.wait_for_url(re.compile(r".*q=familles"))
            results = page.locator("#concertation-resultats")
            expect(results.locator("mark").first).to_be_visible()
            timings["recherche"] = time.perf_counter() - start
            expect(results.locator(".egn-summary")).to_contain_text("«\u00a0familles\u00a0»")
            marks = results.locator("mark").all_inner_texts()
            assert marks and all(m.casefold().startswith("famille") for m in marks)
            assert results.locator("li").count() <= 50

            # a click on the widest bar of the propositions chart opens its drill-down
            start = time.perf_counter()
            bars = page.locator("#concertation-propositions-graphique .bars path").all()
            widest = max(bars, key=lambda bar: (bar.bounding_box() or {"width": 0})["width"])
            widest.click(force=True)
            page.wait_for_url(re.compile(r".*proposition=\d+"))
            number = parse_qs(urlsplit(page.url).query)["proposition"][0]
            detail = page.locator("#concertation-detail")
            expect(detail.locator("h3")).to_contain_text(f"Proposition {number}\u00a0:")
            timings["clic sur une proposition"] = time.perf_counter() - start
            expect(detail).to_contain_text("sur 18")
            expect(detail.locator("li").first).to_contain_text("score")
            expect(page.locator("#concertation-proposition")).to_contain_text(f"{number}.")
            assert parse_qs(urlsplit(page.url).query)["q"] == ["familles"]  # the search stays

            # the CSV of the drill-down
            with page.expect_download() as download_info:
                page.click("#concertation-detail-bouton")
            download = download_info.value
            assert download.suggested_filename == (
                f"concertation_proposition-{number}_SYNTHETIQUE.csv"
            )
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            assert path.read_bytes().startswith(b"\xef\xbb\xbfproposition;id;source;")

            # a région through its picker: its column outlined, the partition follows
            start = time.perf_counter()
            page.evaluate("window.scrollTo(0, 0)")  # back to the filters, as a reader would
            pick_option(page, "#concertation-region", "Bretagne", "Bretagne")
            page.wait_for_url(re.compile(r".*region=53"))
            all_charts_drawn()
            timings["changement de région"] = time.perf_counter() - start
            expect(page.locator("#concertation-themes-titre")).to_contain_text("Bretagne")
            expect(page.locator("#concertation-parties input[value='regions']")).to_be_checked()
            expect(coverage.locator(".layer-above path, .shapelayer path").first).to_be_attached()

            page.screenshot(path=str(tmp_path / "concertation.png"), full_page=True)
        finally:
            browser.close()

    print({name: f"{seconds:.1f} s" for name, seconds in timings.items()})
    assert not errors, errors
    remote = [url for url in requests if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert not remote, remote
