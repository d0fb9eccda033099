"""« Télécharger la note de synthèse » on every page, without a browser.

The note's content is the library's (``tests/notes``); here the pages' part: which territory
each view names, the buttons, the file sent (a DOCX is a zip with ``word/document.xml``, a PDF
starts with ``%PDF``) and its French name, and the French alert in place of a traceback when
the note cannot be made. The download functions are called directly, as the pages' other
downloads are (``download_data`` in ``test_usages.py``).
"""

from __future__ import annotations

import importlib
import io
import logging
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from dash import Dash, html, no_update

from dashboards import ids
from dashboards.components import note_download as component
from egn_analytics.notes import scope_of
from egn_analytics.notes.model import Scope
from egn_analytics.viz import RenderUnavailableError
from tests.dashboards.browser_support import NEEDS_PNG_RENDERER
from tests.dashboards.download_support import decode_download
from tests.dashboards.layout_tree import by_id, text_of, walk

AppFactory = Callable[[Path], Dash]
PAGES = ("donnees", "enquetes", "usages", "concertation")
#: Tests on the data generated and built by ``generated_data_dir`` (seconds, once a session).
on_generated_data = pytest.mark.integration


@pytest.fixture(autouse=True)
def fresh_notes() -> Iterator[None]:
    """No note kept from another test (a kept note would hide a failure)."""
    component.clear_cache()
    yield
    component.clear_cache()


@pytest.fixture
def app(make_app: AppFactory, generated_data_dir: Path) -> Dash:
    return make_app(generated_data_dir)


def page_module(name: str) -> ModuleType:
    """A page module as Dash executed it (import it only after create_app)."""
    return importlib.import_module(f"dashboards.pages.{name}")


@pytest.fixture
def no_note_renderer(no_png_renderer: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """No chart image for the note either, as on a machine without Chromium: the renderers
    fail as the library's do when its kaleido cannot start."""

    def _renderer(_fmt: str) -> Callable[[object, Path], object]:
        def _unavailable(*_args: object) -> object:
            raise RenderUnavailableError("no Chromium")

        return _unavailable

    monkeypatch.setattr(component, "note_renderer", _renderer)


def is_docx(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "word/document.xml" in archive.namelist()


# ------------------------------------------------------------------------- pure parts -----


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Académie de Lille", "academie-de-lille"),
        ("Région académique Hauts-de-France", "region-academique-hauts-de-france"),
        ("Académie d'Aix-Marseille", "academie-d-aix-marseille"),
        ("France", "france"),
    ],
)
def test_slug(label: str, expected: str) -> None:
    assert component.slug(label) == expected


def test_file_names() -> None:
    lille = scope_of(academie="09")
    assert component.note_filename(lille, False, "docx") == "note-egn-academie-de-lille.docx"
    assert component.note_filename(lille, True, "pdf") == (
        "note-egn-academie-de-lille_SYNTHETIQUE.pdf"
    )


def test_territory_scopes() -> None:
    assert component.scope_of_territory("academie", "09").label == "Académie de Lille"
    assert component.scope_of_territory("region", "32").kind == "region"
    for kind, code in (("france", None), ("academie", "99"), ("region", ""), (None, "09")):
        assert component.scope_of_territory(kind, code).kind == "national"
    assert component.scope_of_breakdown("academie", "09").code == "09"
    assert component.scope_of_breakdown("region_academique", "32").kind == "region"
    assert component.scope_of_breakdown("milieu_social", "defavorise").kind == "national"


@on_generated_data
@pytest.mark.usefixtures("app")
@pytest.mark.parametrize(
    ("page", "view", "kind", "code"),
    [
        ("usages", "?profil=eleve&territoire=academie-09", "academie", "09"),
        ("usages", "?territoire=region-32", "region", "32"),
        ("usages", "?territoire=france", "national", None),
        ("usages", None, "national", None),
        ("concertation", "?region=32", "region", "32"),
        ("concertation", "", "national", None),
        ("enquetes", "?indicateur=ecoles&ventilation=academie&domaine=09", "academie", "09"),
        ("enquetes", "?ventilation=region_academique&domaine=32", "region", "32"),
        ("enquetes", "?ventilation=milieu_social", "national", None),
        ("enquetes", "?ventilation=academie&domaine=%ff", "national", None),
        ("donnees", "?famille=enquetes", "national", None),
    ],
)
def test_each_page_names_its_territory(
    page: str, view: str | None, kind: str, code: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Scope] = []

    def _note(scope: Scope, fmt: str) -> tuple[object, str]:
        asked.append(scope)
        return no_update, ""

    monkeypatch.setattr(component, "note_download", _note)
    page_module(page).download_note("docx", view)
    assert [(s.kind, s.code) for s in asked] == [(kind, code)]


# ------------------------------------------------------------------------------ layout -----


@on_generated_data
@pytest.mark.usefixtures("app")
@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_the_note_block(page: str) -> None:
    tree = page_module(page).layout()
    parts = ids.note_ids(page)
    block = by_id(tree, parts.section)
    assert "Note de synthèse" in text_of(block)
    buttons: list[Any] = [c for c in walk(block) if isinstance(c, html.Button)]
    assert [b.children for b in buttons] == [
        "Télécharger la note de synthèse (DOCX)",
        "Télécharger la note de synthèse (PDF)",
    ]
    assert [b.id for b in buttons] == [parts.docx_button, parts.pdf_button]
    assert all(b.type == "button" for b in buttons)
    by_id(block, parts.download)
    assert by_id(block, parts.status).role == "status"


@on_generated_data
def test_one_callback_per_page_disables_its_buttons(app: Dash) -> None:
    app.server.test_client().get("/")  # Dash fills its callback map at the first request
    for page in PAGES:
        parts = ids.note_ids(page)
        key = next(k for k in app.callback_map if parts.download in k)
        entry = app.callback_map[key]
        assert [i["id"] for i in entry["inputs"]] == [parts.docx_button, parts.pdf_button]


# ---------------------------------------------------------------------------- downloads -----


@on_generated_data
@NEEDS_PNG_RENDERER
@pytest.mark.usefixtures("app")
def test_docx_of_an_academie() -> None:
    data, status = page_module("usages").download_note("docx", "?territoire=academie-09")
    assert status == ""
    assert data["filename"] == "note-egn-academie-de-lille_SYNTHETIQUE.docx"
    content = decode_download(data)
    assert is_docx(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "Lille" in archive.read("word/document.xml").decode("utf-8")


@on_generated_data
@NEEDS_PNG_RENDERER
@pytest.mark.usefixtures("app")
def test_pdf_of_a_region_and_of_france() -> None:
    data, status = page_module("concertation").download_note("pdf", "?region=32")
    assert status == ""
    assert data["filename"] == ("note-egn-region-academique-hauts-de-france_SYNTHETIQUE.pdf")
    assert decode_download(data).startswith(b"%PDF")
    data, status = page_module("donnees").download_note("pdf", "")
    assert status == ""
    assert data["filename"] == "note-egn-france_SYNTHETIQUE.pdf"
    assert decode_download(data).startswith(b"%PDF")


@on_generated_data
@pytest.mark.usefixtures("app")
def test_a_note_is_made_once_per_build(monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[Path] = []

    def _render(_note: object, path: Path) -> Path:
        written.append(path)
        Path(path).write_bytes(b"PK fake")
        return Path(path)

    monkeypatch.setattr(component, "note_renderer", lambda _fmt: _render)
    monkeypatch.setattr(component, "build_page_note", lambda scope: scope)
    usages = page_module("usages")
    first, _ = usages.download_note("docx", "?territoire=academie-09")
    second, _ = usages.download_note("docx", "?profil=parent&territoire=academie-09")
    assert decode_download(first) == decode_download(second) == b"PK fake"
    assert len(written) == 1
    assert not written[0].exists()  # the temporary folder is gone


# ----------------------------------------------------------------------------- failures -----


@on_generated_data
@pytest.mark.usefixtures("app", "no_note_renderer")
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_without_chromium_a_french_alert(fmt: str) -> None:
    data, status = page_module("usages").download_note(fmt, "?territoire=academie-09")
    assert data is no_update
    said = text_of(status)
    assert "La note de synthèse n'a pas pu être produite." in said
    assert "Chromium" in said and "CSV" in said
    assert status.role == "alert"


@on_generated_data
@pytest.mark.usefixtures("no_note_renderer")
def test_before_the_build_a_french_alert(make_app: AppFactory, data_dir: Path) -> None:
    make_app(data_dir)  # raw manifest only, no table built
    data, status = page_module("donnees").download_note("docx", "")
    assert data is no_update
    assert "lancez egn build" in text_of(status)


@on_generated_data
@pytest.mark.usefixtures("app")
def test_an_unexpected_failure_is_logged_not_shown(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def _broken(_scope: Scope) -> None:
        raise RuntimeError("boum")

    monkeypatch.setattr(component, "build_page_note", _broken)
    with caplog.at_level(logging.ERROR):
        data, status = page_module("enquetes").download_note("pdf", None)
    assert data is no_update
    said = text_of(status)
    assert "erreur inattendue" in said and "boum" not in said and "Traceback" not in said
    assert any("boum" in str(r.exc_info) for r in caplog.records)


@on_generated_data
@pytest.mark.usefixtures("app")
def test_a_forged_view_means_france_and_an_unknown_format_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[Scope] = []

    def _bytes(scope: Scope, _fmt: str) -> bytes:
        asked.append(scope)
        return b"PK"

    monkeypatch.setattr(component, "note_bytes", _bytes)
    page_module("usages").download_note("docx", {"territoire": "academie-09"})
    assert [s.kind for s in asked] == ["national"]
    assert page_module("usages").download_note("odt", "") == (no_update, "")


@on_generated_data
@pytest.mark.usefixtures("app")
def test_a_missing_engine_says_which_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(component.FORMATS, "pdf", ("PDF", "egn_analytics.notes.absent", "x"))
    data, status = page_module("usages").download_note("pdf", "?territoire=academie-09")
    assert data is no_update
    assert "Le format PDF n'est pas disponible sur ce serveur." in text_of(status)
