"""« Télécharger la note de synthèse » in a real headless Chromium, on the generated data.

What only a browser shows: the buttons are found by their accessible names, they are disabled
while the note is built (seconds), the file arrives under its French name, and without Chromium
for the charts the French alert appears in place of the download.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dash import Dash

from dashboards.components import note_download as component
from egn_analytics.viz import RenderUnavailableError
from tests.dashboards.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    NEEDS_CHROMIUM,
    serve,
)

#: The first visit may compute the usage tables, the first note starts Chromium for its charts.
TIMEOUT_MS = 120_000
DOCX = "Télécharger la note de synthèse (DOCX)"
PDF = "Télécharger la note de synthèse (PDF)"

pytestmark = [pytest.mark.browser, pytest.mark.integration, NEEDS_CHROMIUM]


@pytest.fixture
def note_server(make_app: Callable[[Path], Dash], generated_data_dir: Path) -> Iterator[str]:
    component.clear_cache()
    yield from serve(make_app(generated_data_dir))
    component.clear_cache()


def test_note_of_an_academie_in_chromium(
    note_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True
            )
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(note_server + "/usages?profil=eleve&territoire=academie-09")
            block = page.get_by_role("region", name="Note de synthèse")
            docx = block.get_by_role("button", name=DOCX)
            pdf = block.get_by_role("button", name=PDF)
            expect(docx).to_be_enabled()

            start = time.perf_counter()
            with page.expect_download(timeout=TIMEOUT_MS) as download_info:
                docx.click()
                expect(pdf).to_be_disabled()  # both buttons, while the note is built
            download = download_info.value
            seconds = time.perf_counter() - start
            assert download.suggested_filename == "note-egn-academie-de-lille_SYNTHETIQUE.docx"
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            with zipfile.ZipFile(path) as archive:
                assert "word/document.xml" in archive.namelist()
            expect(docx).to_be_enabled()
            expect(pdf).to_be_enabled()

            # without Chromium for the charts: the French alert, in place
            component.clear_cache()

            def _unavailable(*_args: object) -> object:
                raise RenderUnavailableError("no Chromium")

            monkeypatch.setattr(component, "note_renderer", lambda _fmt: _unavailable)
            pdf.click()
            alert = block.get_by_role("alert")
            expect(alert).to_contain_text("La note de synthèse n'a pas pu être produite.")
            expect(alert).to_contain_text("Chromium")
        finally:
            browser.close()

    print({"note DOCX, académie de Lille": f"{seconds:.1f} s"})
    assert not errors, errors
    remote = [url for url in requests if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert not remote, remote
