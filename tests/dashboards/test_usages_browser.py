"""The « usages numériques » page in a real headless Chromium, on data generated and built by
the tests (ENT events, établissements, CNED).

Checks what only a browser can: the six charts draw from the real usage tables, choosing
another profile (a click on its radio button) and another territory (the picker, then the
URL) goes through the URL and redraws the charts, a CSV download works, and nothing goes
wrong in the browser (no console error, no request leaving localhost). The load times are
printed (``pytest -s``): the first visit computes the usage tables, later ones read caches.
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

CARDS = (
    "usages-chronologie",
    "usages-cned",
    "usages-rapport",
    "usages-horaires",
    "usages-its",
    "usages-incidents",
)
TIMELINE_TITLE = "#usages-chronologie-titre"
#: The first visit may compute the usage tables (seconds, then cached on disk).
FIRST_LOAD_MS = 120_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    NEEDS_CHROMIUM,
]


@pytest.fixture
def usage_server(make_app: Callable[[Path], Dash], generated_data_dir: Path) -> Iterator[str]:
    """The app on the small generated dataset, built for real."""
    yield from serve(make_app(generated_data_dir))


def test_usages_page_in_chromium(usage_server: str, tmp_path: Path) -> None:
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

            start = time.perf_counter()
            page.goto(usage_server + "/usages", timeout=FIRST_LOAD_MS)
            all_charts_drawn()
            timings["premier chargement"] = time.perf_counter() - start

            assert page.title() == "Continuité pédagogique (usages numériques) — EGN Analytics"
            nav = page.locator("#egn-navbar")
            expect(
                nav.get_by_role("link", name="Continuité pédagogique (usages numériques)")
            ).to_be_visible()
            expect(page.locator("#egn-synthetic-banner")).to_be_visible()
            title = page.locator(TIMELINE_TITLE)
            expect(title).to_contain_text("élèves, France")
            timeline = page.locator("#usages-chronologie-graphique")
            expect(timeline.locator(".scatterlayer .trace")).to_have_count(2)
            expect(page.locator("#usages-its-effets")).to_contain_text(
                "Changement de niveau au 16 mars 2020"
            )
            ratio_ticks = page.locator("#usages-rapport-graphique .ytick text")
            expect(ratio_ticks.first).to_be_visible()
            assert ratio_ticks.count() >= 20  # one bar per académie with a known calendar
            expect(page.locator("#usages-rapport-graphique .textpoint text").first).to_contain_text(
                "×"
            )

            # another profile: a click on its radio button, through the URL, charts redrawn
            lecture_before = page.locator("#usages-rapport .egn-card__note").first.inner_text()
            page.locator("#usages-profil").get_by_text("Parents", exact=True).click()
            page.wait_for_url(re.compile(r".*profil=parent"))
            expect(title).to_contain_text("parents, France")
            expect(page.locator("#usages-rapport .egn-card__note").first).not_to_have_text(
                lecture_before
            )
            expect(page.locator("#usages-rapport .egn-card__note").first).to_contain_text(
                "les parents ont fait"
            )
            all_charts_drawn()

            # another territory: through the picker (search, then the option)
            pick_option(page, "#usages-territoire", "Lille", "Académie de Lille")
            page.wait_for_url(re.compile(r".*territoire=academie-09"))
            expect(title).to_contain_text("parents, académie de Lille")
            query = parse_qs(urlsplit(page.url).query)
            assert query == {"profil": ["parent"], "territoire": ["academie-09"]}
            all_charts_drawn()
            expect(page.locator("#usages-horaires .egn-card__note").first).to_contain_text(
                "des parents de l'académie de Lille"
            )

            # a bookmarked view, loaded again from the URL: the tables are cached by now
            start = time.perf_counter()
            page.goto(usage_server + "/usages?profil=tous&territoire=region-32")
            all_charts_drawn()
            timings["chargement suivant (caches)"] = time.perf_counter() - start
            expect(title).to_contain_text("tous les profils, région académique Hauts-de-France")
            expect(page.locator("#usages-profil input[value='tous']")).to_be_checked()

            # the CSV of a card
            with page.expect_download() as download_info:
                page.click("#usages-rapport-donnees-bouton")
            download = download_info.value
            assert download.suggested_filename == ("usages_rapport_tous_region-32_SYNTHETIQUE.csv")
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            assert path.read_bytes().startswith(b"\xef\xbb\xbfcode_academie;academie;")

            page.screenshot(path=str(tmp_path / "usages.png"), full_page=True)
        finally:
            browser.close()

    print({name: f"{seconds:.1f} s" for name, seconds in timings.items()})
    assert not errors, errors
    remote = [url for url in requests if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert not remote, remote
