"""The app and the « Données » page, without a browser: layouts and callbacks called directly."""

from __future__ import annotations

import base64
import importlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import pytest
from dash import Dash, dcc, html, no_update
from dash.development.base_component import Component

from dashboards import catalogue, data_access, ids
from dashboards.components.navbar import nav_pages
from dashboards.components.shell import app_shell
from egn_analytics.viz import RenderUnavailableError

AppFactory = Callable[[Path], Dash]
WriteManifest = Callable[[Path, dict[str, Any] | str], Path]


# ----------------------------------------------------------------------------- helpers -----


def walk(node: Any) -> Iterator[Component]:
    """Every component of a layout tree, depth first."""
    if isinstance(node, Component):
        yield node
        for prop in [*getattr(node, "_children_props", []), "children"]:
            yield from walk(getattr(node, prop, None))
    elif isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)


def by_id(tree: Any, component_id: str) -> Component:
    found = [c for c in walk(tree) if getattr(c, "id", None) == component_id]
    assert len(found) == 1, f"{component_id}: {len(found)} components"
    return found[0]


def text_of(tree: Any) -> str:
    parts: list[str] = []

    def _collect(node: Any) -> None:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, Component):
            _collect(getattr(node, "children", None))
        elif isinstance(node, list | tuple):
            for child in node:
                _collect(child)

    _collect(tree)
    return "".join(parts)  # as the browser shows it: adjacent elements, no added space


def table_rows(tree: Any) -> list[list[str]]:
    table = by_id(tree, ids.DONNEES_TABLE)
    body = next(c for c in walk(table) if isinstance(c, html.Tbody))
    return [[cell.children for cell in row.children] for row in body.children]


def decode_download(payload: dict[str, Any]) -> bytes:
    assert payload["base64"] is True
    return base64.b64decode(payload["content"])


@pytest.fixture
def app(make_app: AppFactory, data_dir: Path) -> Dash:
    return make_app(data_dir)


@pytest.fixture
def page(app: Dash) -> ModuleType:
    """The page module as Dash executed it (import it only after create_app)."""
    return importlib.import_module("dashboards.pages.donnees")


# --------------------------------------------------------------------------------- app -----


def test_create_app(app: Dash, data_dir: Path) -> None:
    assert isinstance(app, Dash)
    assert app.config.serve_locally is True
    assert app.title == "EGN Analytics"
    assert app.server.config[data_access.CONFIG_KEY] == str(data_dir.resolve())
    assert app.config.assets_folder == str(Path("dashboards/assets").resolve())
    assert Path(app.config.pages_folder).name == "pages"
    paths = {page["path"] for page in dash.page_registry.values()}
    assert "/" in paths


def test_create_app_defaults_to_settings(make_app: AppFactory) -> None:
    from egn_analytics.config import get_settings

    app = make_app(None)  # type: ignore[arg-type]
    assert app.server.config[data_access.CONFIG_KEY] == str(get_settings().data_dir)


def test_index_is_french_and_local(app: Dash) -> None:
    client = app.server.test_client()
    response = client.get("/")
    assert response.status_code == 200
    html_text = response.get_data(as_text=True)
    assert '<html lang="fr">' in html_text
    refs = re.findall(r'(?:src|href)="([^"]+)"', html_text)
    assert refs, "no script or stylesheet at all?"
    assert all(not ref.startswith(("http:", "https:", "//")) for ref in refs), refs
    assert any("style.css" in ref for ref in refs)
    assert "cdn.plot.ly" not in html_text


def test_local_assets_are_served(app: Dash) -> None:
    client = app.server.test_client()
    with client.get("/assets/style.css") as response:
        assert response.status_code == 200
        assert b"--egn-blue: #000091" in response.get_data()
        assert b"http" not in response.get_data()  # no remote font or image in the CSS


def test_donnees_alias_keeps_the_query(app: Dash) -> None:
    response = app.server.test_client().get("/donnees?famille=ent")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?famille=ent"


def test_app_layout_and_page_layouts_serialise(app: Dash) -> None:
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    response = client.get("/_dash-layout")
    assert response.status_code == 200
    assert "EGN Analytics" in response.get_data(as_text=True)
    deps = client.get("/_dash-dependencies").get_json()
    outputs = " ".join(d["output"] for d in deps)
    assert ids.DONNEES_URL in outputs and ids.DONNEES_DOWNLOAD in outputs


# ------------------------------------------------------------------------------- shell -----


def test_shell_has_header_banner_nav_footer(app: Dash, manifest: dict[str, Any]) -> None:
    shell = app_shell()
    text = text_of(shell)
    assert "EGN Analytics — États généraux du numérique pour l'éducation" in text
    banner = by_id(shell, ids.SYNTHETIC_BANNER)
    head, rest = manifest["notice"].split(" :", 1)
    assert text_of(banner).endswith(f"{head}\u00a0:{rest}")
    assert banner.role == "note"
    nav = by_id(shell, ids.NAVBAR)
    links = [c for c in walk(nav) if isinstance(c, dcc.Link)]
    assert [link.children for link in links] == ["Données"]
    assert links[0].href == "/"
    assert any(c is dash.page_container for c in walk(shell))


def test_no_banner_without_manifest(make_app: AppFactory, empty_data_dir: Path) -> None:
    make_app(empty_data_dir)
    assert not [c for c in walk(app_shell()) if getattr(c, "id", None) == ids.SYNTHETIC_BANNER]


def test_no_banner_for_real_data(
    make_app: AppFactory, tmp_path: Path, manifest: dict[str, Any], write_manifest: WriteManifest
) -> None:
    folder = tmp_path / "reel"
    write_manifest(folder, manifest | {"synthetic": False})
    make_app(folder)
    assert not [c for c in walk(app_shell()) if getattr(c, "id", None) == ids.SYNTHETIC_BANNER]


def test_alert_without_id() -> None:
    from dashboards.components.notices import alert

    box = alert("Titre", "Texte", kind="error")
    assert box.role == "alert"
    assert "id" not in box.to_plotly_json()["props"]
    assert text_of(box) == "TitreTexte"


def test_navbar_skips_404() -> None:
    registry = {
        "a": {"module": "x.pages.a", "name": "A", "order": 1, "relative_path": "/a"},
        "b": {"module": "x.pages.not_found_404", "name": "404", "relative_path": "/404"},
        "c": {"module": "x.pages.c", "name": "C", "order": 0, "relative_path": "/c"},
    }
    assert [p["name"] for p in nav_pages(registry)] == ["C", "A"]


# ------------------------------------------------------------------------ page layout -----


def test_layout_lists_every_source(page: ModuleType, manifest: dict[str, Any]) -> None:
    tree = page.layout()
    rows = table_rows(tree)
    assert len(rows) == len(manifest["files"])
    # display order: families as on the page, then path
    assert [r[0] for r in rows] == [
        "Établissements",
        "Enquêtes DEPP",
        "Journaux ENT",
        "Journaux ENT",
        "CNED",
        "Textes (RETEX, consultation)",
        "Calendrier scolaire",
    ]
    first = rows[0]
    assert first[1] == "etablissements/fr-en-annuaire-education_SYNTHETIQUE.csv"
    assert first[4] == "59\u202f000"
    assert first[5] == "12,3\u202fMo"
    textes = rows[5]
    assert textes[4] == "n.d."
    assert textes[5] == "5,4\u202fko"
    assert "Données synthétiques : jeu de test" in text_of(tree)


def test_layout_has_filter_download_and_card(page: ModuleType) -> None:
    tree = page.layout()
    dropdown = by_id(tree, ids.DONNEES_FAMILY)
    assert isinstance(dropdown, dcc.Dropdown)
    assert dropdown.value is None
    assert [o["value"] for o in dropdown.options] == list(catalogue.FAMILY_LABELS)
    assert by_id(tree, ids.DONNEES_DOWNLOAD_BUTTON).children.startswith("Télécharger")
    card = ids.card_ids(ids.DONNEES_SIZES_CARD)
    graph = by_id(tree, card.graph)
    assert isinstance(graph, dcc.Graph)
    assert graph.config["locale"] == "fr"
    assert graph.config["displaylogo"] is False
    assert by_id(tree, card.png_button).children == "Télécharger l'image (PNG)"
    card_text = text_of(by_id(tree, card.card))
    assert "Lecture" in card_text and "Champ" in card_text and "Source" in card_text
    summary = text_of(by_id(tree, ids.DONNEES_SUMMARY))
    assert summary == "7\u202ffichiers, 1\u202f307\u202f387 lignes, 60,5\u202fMo"


def test_layout_filtered_by_query(page: ModuleType) -> None:
    tree = page.layout(famille="ent")
    rows = table_rows(tree)
    assert {r[0] for r in rows} == {"Journaux ENT"}
    assert len(rows) == 2
    assert by_id(tree, ids.DONNEES_FAMILY).value == "ent"
    bar = by_id(tree, ids.card_ids(ids.DONNEES_SIZES_CARD).graph).figure.data[0]
    assert len(set(bar.marker.color)) == 2  # selected family highlighted


def test_layout_ignores_unknown_query(page: ModuleType, manifest: dict[str, Any]) -> None:
    tree = page.layout(famille="inconnue", autre="x")
    assert len(table_rows(tree)) == len(manifest["files"])
    assert by_id(tree, ids.DONNEES_FAMILY).value is None


def test_layout_without_manifest_says_make_data(make_app: AppFactory, empty_data_dir: Path) -> None:
    make_app(empty_data_dir)
    page = importlib.import_module("dashboards.pages.donnees")
    tree = page.layout()
    message = text_of(by_id(tree, ids.DONNEES_MISSING))
    assert "make data" in message
    assert "manifest.json" in message
    assert "Traceback" not in message
    assert not [c for c in walk(tree) if getattr(c, "id", None) == ids.DONNEES_TABLE]


def test_layout_with_broken_manifest(
    make_app: AppFactory, tmp_path: Path, write_manifest: WriteManifest
) -> None:
    folder = tmp_path / "casse"
    write_manifest(folder, "{pas du json")
    make_app(folder)
    page = importlib.import_module("dashboards.pages.donnees")
    message = text_of(by_id(page.layout(), ids.DONNEES_MISSING))
    assert "illisible" in message and "make data" in message


def test_app_serves_page_without_manifest(make_app: AppFactory, empty_data_dir: Path) -> None:
    app = make_app(empty_data_dir)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200


# ---------------------------------------------------------------------------- callbacks -----


def test_update_query(page: ModuleType) -> None:
    assert page.update_query("ent") == "?famille=ent"
    assert page.update_query(None) == ""


def test_download_catalogue(page: ModuleType, manifest: dict[str, Any]) -> None:
    payload = page.download_catalogue(1, None)
    assert payload["filename"] == "catalogue_sources_SYNTHETIQUE.csv"
    raw = decode_download(payload)
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "famille;libelle_famille;fichier;description;format;lignes;octets;sha256"
    assert len(lines) == 1 + len(manifest["files"])


def test_download_catalogue_filtered(page: ModuleType) -> None:
    payload = page.download_catalogue(1, "cned")
    assert payload["filename"] == "catalogue_sources_cned_SYNTHETIQUE.csv"
    lines = decode_download(payload).decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("cned;CNED;cned/ma_classe_a_la_maison_SYNTHETIQUE.csv;")


def test_download_sizes_data(page: ModuleType) -> None:
    payload = page.download_sizes_data(1, "ent")
    assert payload["filename"] == "tailles_par_famille_SYNTHETIQUE.csv"
    lines = decode_download(payload).decode("utf-8-sig").splitlines()
    assert lines[0] == "famille;libelle;fichiers;lignes;octets;taille_mo"
    assert "ent;Journaux ENT;2;1242567;45900000;45,9" in lines


def test_download_png_without_chromium(page: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def _unavailable(*_args: object, **_kwargs: object) -> bytes:
        raise RenderUnavailableError("no chromium")

    monkeypatch.setattr(page, "png_bytes", _unavailable)
    data, status = page.download_sizes_png(1, None)
    assert data is no_update
    assert "Chromium" in status and "CSV" in status


@pytest.mark.browser
@pytest.mark.skipif(
    not (os.environ.get("BROWSER_PATH") or Path("/usr/bin/chromium").exists())
    and not os.environ.get("CI"),
    reason="no Chromium",
)
def test_download_png(page: ModuleType) -> None:
    data, status = page.download_sizes_png(1, "ent")
    assert status == ""
    assert data["filename"] == "tailles_par_famille_SYNTHETIQUE.png"
    assert decode_download(data)[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------- data access -----


def test_catalogue_schema_is_declared(data_dir: Path, manifest: dict[str, Any]) -> None:
    files = data_access.source_catalogue(data_dir / "raw")
    assert dict(files.schema) == data_access.MANIFEST_SCHEMA
    assert files.height == len(manifest["files"])


def test_manifest_cache_follows_the_file(
    data_dir: Path, manifest: dict[str, Any], write_manifest: WriteManifest
) -> None:
    raw = data_dir / "raw"
    assert data_access.source_catalogue(raw).height == 7
    smaller = manifest | {"files": manifest["files"][:2]}
    path = write_manifest(data_dir, smaller)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert data_access.source_catalogue(raw).height == 2


def test_catalogue_is_a_copy(data_dir: Path) -> None:
    raw = data_dir / "raw"
    first = data_access.source_catalogue(raw)
    first.drop_in_place("sha256")
    assert "sha256" in data_access.source_catalogue(raw).columns


def test_manifest_errors(tmp_path: Path, write_manifest: WriteManifest) -> None:
    with pytest.raises(data_access.ManifestNotFoundError):
        data_access.load_manifest(tmp_path)
    write_manifest(tmp_path, {"files": [{"family": "ent"}]})
    with pytest.raises(data_access.ManifestError, match="path"):
        data_access.load_manifest(tmp_path / "raw")


def test_manifest_without_synthetic_flag_is_synthetic(
    tmp_path: Path, manifest: dict[str, Any], write_manifest: WriteManifest
) -> None:
    payload = {k: v for k, v in manifest.items() if k not in {"synthetic", "notice"}}
    write_manifest(tmp_path, payload)
    loaded = data_access.load_manifest(tmp_path / "raw")
    assert loaded.synthetic is True
    assert loaded.notice.startswith("Données synthétiques")


def test_sizes_by_family_keeps_unknown_rows_null(data_dir: Path) -> None:
    sizes = catalogue.sizes_by_family(data_access.source_catalogue(data_dir / "raw"))
    textes = sizes.filter(sizes["famille"] == "textes").row(0, named=True)
    assert textes["lignes"] is None
    assert sizes["famille"].to_list() == list(catalogue.FAMILY_LABELS)
