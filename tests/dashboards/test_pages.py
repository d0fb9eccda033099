"""The app and the « Données » page, without a browser: layouts and callbacks called directly."""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import polars as pl
import pytest
from dash import Dash, dcc, html, no_update
from dash.dash_table.DataTable import DataTable
from plotly.utils import PlotlyJSONEncoder

from dashboards import data_access, ids
from dashboards.components.navbar import nav_pages
from dashboards.components.shell import app_shell
from egn_analytics import sources
from egn_analytics.cards import donnees as catalogue
from tests.dashboards.browser_support import NEEDS_PNG_RENDERER
from tests.dashboards.download_support import decode_download
from tests.dashboards.layout_tree import by_id, text_of, walk

AppFactory = Callable[[Path], Dash]
WriteManifest = Callable[[Path, dict[str, Any] | str], Path]
WriteQuality = Callable[[Path, dict[str, Any] | str], Path]


# ----------------------------------------------------------------------------- helpers -----


DETAIL_KEYS = ("famille", "fichier", "description", "format", "lignes", "taille")
N = "\u202f"  # narrow no-break space: thousands separator, before units and after counts


def table_rows(tree: Any) -> list[list[str]]:
    """Rows of the per-file detail (a DataTable: all rows are in ``data``, pages or not)."""
    table = by_id(tree, ids.DONNEES_TABLE)
    assert isinstance(table, DataTable)
    return [[row[key] for key in DETAIL_KEYS] for row in table.data]


def dataset_table(tree: Any) -> list[list[str]]:
    """Rows of « Sources embarquées », the family (spanning its rows) repeated on each."""
    table = by_id(tree, ids.DONNEES_DATASETS)
    rows: list[list[str]] = []
    for body in (c for c in walk(table) if isinstance(c, html.Tbody)):
        family = ""
        for line in body.children:
            cells = [cell.children for cell in line.children]
            if isinstance(line.children[0], html.Th):
                family = cells.pop(0)
            rows.append([family, *cells])
    return rows


def quality_table(tree: Any) -> list[list[str | list[str]]]:
    """Rows of « Qualité des données »: cell texts, a list of lines for a multi-line cell."""
    table = by_id(tree, ids.DONNEES_QUALITY_TABLE)
    body = next(c for c in walk(table) if isinstance(c, html.Tbody))
    rows: list[list[str | list[str]]] = []
    for line in body.children:
        cells: list[str | list[str]] = []
        for cell in line.children:
            items = [c for c in walk(cell) if isinstance(c, html.Li)]
            cells.append([text_of(li) for li in items] if items else text_of(cell))
        rows.append(cells)
    return rows


def frame(payload: dict[str, Any]) -> pl.DataFrame:
    """The ``files`` of a manifest as the data door gives them."""
    return pl.DataFrame(payload["files"], schema=sources.MANIFEST_SCHEMA)


def entry(path: str, family: str, fmt: str, rows: int | None, size: int, text: str = "") -> dict:
    return {"path": path, "family": family, "description": text, "format": fmt, "rows": rows,
            "bytes": size, "sha256": ""}  # fmt: skip


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
    # « Données » first (order 0); other pages follow by their ``order`` (test_enquetes.py)
    assert links[0].children == "Données"
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


def test_layout_reads_top_down(page: ModuleType) -> None:
    """Key figures, then datasets, then the chart, then the paged per-file detail."""
    tree = page.layout()
    expected = [
        ids.DONNEES_KEY_FIGURES,
        ids.DONNEES_DATASETS,
        ids.DONNEES_QUALITY,
        ids.DONNEES_SIZES_CARD,
        ids.DONNEES_DETAIL,
    ]
    order = [c.id for c in walk(tree) if getattr(c, "id", None) in set(expected)]
    assert order == expected
    headings = [c.children for c in walk(tree) if isinstance(c, html.H2)]
    assert headings[:5] == [
        "Chiffres clés",
        "Sources embarquées",
        "Qualité des données (dernière construction)",
        "Taille des fichiers embarqués, par famille de sources",
        "Détail des fichiers",
    ]
    detail = by_id(tree, ids.DONNEES_DETAIL)
    # the filter, the summary line and the download belong to the detail
    for inner in (ids.DONNEES_FAMILY, ids.DONNEES_SUMMARY, ids.DONNEES_DOWNLOAD_BUTTON):
        by_id(detail, inner)
    table = by_id(detail, ids.DONNEES_TABLE)
    assert isinstance(table, DataTable)
    assert table.page_action == "native"
    assert table.page_size == page.DETAIL_PAGE_SIZE == 15
    assert table.sort_action == "custom"
    assert [c["name"] for c in table.columns] == [
        "Famille",
        "Fichier",
        "Description",
        "Format",
        "Lignes",
        "Taille",
    ]


def test_layout_key_figures(page: ModuleType) -> None:
    tiles = by_id(page.layout(), ids.DONNEES_KEY_FIGURES)
    items = [c for c in walk(tiles) if isinstance(c, html.Li)]
    assert [[p.children for p in item.children] for item in items] == [
        ["Fichiers embarqués", "7", f"7{N}jeux de données, 6{N}familles de sources"],
        ["Taille totale", f"60,5{N}Mo", f"dont 45,9{N}Mo pour «\u00a0Journaux ENT\u00a0»"],
        ["Établissements", f"59{N}000", "écoles, collèges et lycées de l'annuaire"],
        ["Répondants aux enquêtes DEPP", f"4{N}200", f"dans 1{N}enquête"],
        # no « Événements ENT »: this manifest has no monthly log series
        ["Documents texte", "1", f"dont 1{N}dans textes/"],
    ]


def test_layout_dataset_table(page: ModuleType) -> None:
    tree = page.layout()
    assert dataset_table(tree) == [
        ["Établissements", "Annuaire des établissements (synthétique)", "1", "CSV",
         f"59{N}000", f"12,3{N}Mo"],
        ["Enquêtes DEPP", "Enquête DEPP enseignants (synthétique)", "1", "SPSS (.sav)",
         f"4{N}200", f"2,1{N}Mo"],
        ["Journaux ENT", "Établissements raccordés aux ENT", "1", "Parquet", f"8{N}000",
         f"300,0{N}ko"],
        ["Journaux ENT", "Journaux de connexion aux ENT", "1", "CSV compressé (.csv.gz)",
         f"1{N}234{N}567", f"45,6{N}Mo"],
        ["CNED", "Inscriptions « Ma classe à la maison »", "1", "CSV", f"1{N}500", f"95,0{N}ko"],
        ["Textes (RETEX, consultation)", f"Retours d'expérience (RETEX) (1{N}document)", "1",
         "Markdown (.md)", "n.d.", f"5,4{N}ko"],
        ["Calendrier scolaire", "Calendrier scolaire 2019-2020", "1", "CSV", "120", f"4,0{N}ko"],
    ]  # fmt: skip
    table = by_id(tree, ids.DONNEES_DATASETS)
    heads = [c for c in walk(table) if isinstance(c, html.Th) and c.scope == "rowgroup"]
    assert [(h.children, h.rowSpan) for h in heads][2] == ("Journaux ENT", 2)
    assert [c.children for c in walk(table) if isinstance(c, html.Th) and c.scope == "col"] == [
        "Famille",
        "Jeu de données",
        "Fichiers",
        "Formats",
        "Lignes",
        "Taille",
    ]


def test_layout_with_the_full_manifest(make_app: AppFactory, full_data_dir: Path) -> None:
    """142 files: about twenty dataset lines, and the detail holds them all, paged."""
    make_app(full_data_dir)
    page = importlib.import_module("dashboards.pages.donnees")
    tree = page.layout()
    assert len(dataset_table(tree)) == 20
    assert len(table_rows(tree)) == 142
    tiles = [c for c in walk(by_id(tree, ids.DONNEES_KEY_FIGURES)) if isinstance(c, html.Li)]
    assert [item.children[0].children for item in tiles] == [
        "Fichiers embarqués",
        "Taille totale",
        "Établissements",
        "Répondants aux enquêtes DEPP",
        "Événements ENT",
        "Documents texte",
    ]
    filtered = page.layout(famille="ent")
    assert len(table_rows(filtered)) == 9
    assert len(dataset_table(filtered)) == 20  # the overview does not follow the filter


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


def test_sort_detail(page: ModuleType) -> None:
    rows, page_current = page.sort_detail([{"column_id": "taille", "direction": "desc"}], None)
    assert page_current == 0  # back to the first page, where the biggest file now is
    assert [r["taille"] for r in rows[:3]] == [f"45,6{N}Mo", f"12,3{N}Mo", f"2,1{N}Mo"]
    rows, _ = page.sort_detail([{"column_id": "lignes", "direction": "asc"}], "ent")
    assert [r["fichier"] for r in rows] == [
        "ent/etablissements_ent_SYNTHETIQUE.parquet",
        "ent/journaux_ent_2020_SYNTHETIQUE.csv.gz",
    ]
    rows, _ = page.sort_detail([], None)
    assert rows == catalogue.display_rows(sources.source_catalogue(data_access.raw_dir()))


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


@pytest.mark.usefixtures("no_png_renderer")
def test_download_png_without_chromium(page: ModuleType) -> None:
    data, status = page.download_sizes_png(1, None)
    assert data is no_update
    assert "Chromium" in status and "CSV" in status


@pytest.mark.browser
@NEEDS_PNG_RENDERER
def test_download_png(page: ModuleType) -> None:
    data, status = page.download_sizes_png(1, "ent")
    assert status == ""
    assert data["filename"] == "tailles_par_famille_SYNTHETIQUE.png"
    assert decode_download(data)[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------- data access -----


def test_catalogue_schema_is_declared(data_dir: Path, manifest: dict[str, Any]) -> None:
    files = sources.source_catalogue(data_dir / "raw")
    assert dict(files.schema) == sources.MANIFEST_SCHEMA
    assert files.height == len(manifest["files"])


def test_manifest_cache_follows_the_file(
    data_dir: Path, manifest: dict[str, Any], write_manifest: WriteManifest
) -> None:
    raw = data_dir / "raw"
    assert sources.source_catalogue(raw).height == 7
    smaller = manifest | {"files": manifest["files"][:2]}
    path = write_manifest(data_dir, smaller)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert sources.source_catalogue(raw).height == 2


def test_catalogue_is_a_copy(data_dir: Path) -> None:
    raw = data_dir / "raw"
    first = sources.source_catalogue(raw)
    first.drop_in_place("sha256")
    assert "sha256" in sources.source_catalogue(raw).columns


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
    sizes = catalogue.sizes_by_family(sources.source_catalogue(data_dir / "raw"))
    textes = sizes.filter(sizes["famille"] == "textes").row(0, named=True)
    assert textes["lignes"] is None
    assert sizes["famille"].to_list() == list(catalogue.FAMILY_LABELS)


# --------------------------------------------------------------------------- datasets -----


def test_datasets_of_the_full_manifest(full_manifest: dict[str, Any]) -> None:
    """The embedded dataset's 142 files make 20 lines a leader can read."""
    files = frame(full_manifest)
    rows = [
        [r["famille"], r["jeu"], r["fichiers"], r["formats"], r["lignes"]]
        for r in catalogue.dataset_rows(files)
    ]
    depp = "CSV, SPSS (.sav), dictionnaire"
    textes = "Textes (RETEX, consultation)"
    assert rows == [
        ["Établissements", "Annuaire des écoles, collèges et lycées", "1", "CSV", f"56{N}400"],
        ["Enquêtes DEPP", "Enquête DEPP 2020 — Directeurs d'école et chefs d'établissement", "3",
         depp, f"8{N}730"],
        ["Enquêtes DEPP", "Enquête DEPP 2020 — Élèves de collège et de lycée", "3", depp,
         f"24{N}125"],
        ["Enquêtes DEPP", "Enquête DEPP 2020 — Professeurs des écoles", "3", depp, f"6{N}551"],
        ["Enquêtes DEPP", "Enquête DEPP 2020 — Professeurs de collège et de lycée", "3", depp,
         f"8{N}858"],
        ["Enquêtes DEPP", "Enquête DEPP 2020 — Parents d'élèves de collège et de lycée", "3", depp,
         f"21{N}084"],
        ["Journaux ENT", "Mesure d'audience mensuelle des ENT", "1", "CSV", f"9{N}660"],
        ["Journaux ENT",
         f"Journaux bruts d'événements des ENT (7{N}fichiers mensuels, janvier à juillet 2020)",
         "7", "CSV compressé (.csv.gz)", f"2{N}000{N}000"],
        ["Journaux ENT", "Notice des journaux ENT synthétiques", "1", "Texte (.txt)", "n.d."],
        ["CNED", "CNED « Ma classe à la maison » : inscriptions quotidiennes, mars à juillet 2020",
         "1", "CSV", "124"],
        [textes, "Commentaires des propositions de la plateforme", "1", "CSV", f"2{N}380"],
        [textes, "Propositions déposées sur la plateforme", "1", "CSV", "670"],
        [textes, "Réponses au questionnaire en ligne", "1", "CSV", f"26{N}839"],
        [textes, "Soutiens (votes) des participants aux propositions", "1", "CSV", f"3{N}214"],
        [textes, f"Retours d'expérience (RETEX) au format document (65{N}documents)", "65",
         "Texte (.txt), Markdown (.md)", "n.d."],
        [textes, "Retours d'expérience (RETEX) des académies, synthétiques", "1", "CSV",
         f"1{N}300"],
        [textes,
         f"Documents de synthèse des partenaires et des régions académiques (42{N}documents)",
         "43", "Texte (.txt), index", "n.d."],
        [textes, "Vérité terrain des thèmes et propositions (évaluation seulement)", "1", "CSV",
         f"8{N}471"],
        [textes, "Avertissement : données synthétiques", "1", "Texte (.txt)", "n.d."],
        ["Calendrier scolaire",
         "Calendrier scolaire 2019-2020 (faits publics, format de l'export open data)", "1", "CSV",
         "162"],
    ]  # fmt: skip
    table = catalogue.datasets(files)
    assert table.get_column("fichiers").sum() == files.height == 142
    assert table.get_column("octets").sum() == files.get_column("bytes").sum()
    ent = table.filter(pl.col("nature") == "serie").row(0, named=True)
    assert (ent["lignes"], ent["octets"]) == (2_000_000, 28_000_000)


def test_key_figures_of_the_full_manifest(full_manifest: dict[str, Any]) -> None:
    figures = catalogue.key_figures(frame(full_manifest))
    assert [(f.label, f.value, f.detail) for f in figures] == [
        ("Fichiers embarqués", "142", f"20{N}jeux de données, 6{N}familles de sources"),
        ("Taille totale", f"59,9{N}Mo", f"dont 28,7{N}Mo pour «\u00a0Journaux ENT\u00a0»"),
        ("Établissements", f"56{N}400", "écoles, collèges et lycées de l'annuaire"),
        ("Répondants aux enquêtes DEPP", f"69{N}348", f"dans 5{N}enquêtes"),
        ("Événements ENT", f"2{N}000{N}000", "journaux bruts, janvier à juillet 2020"),
        ("Documents texte", "107", f"dont 65{N}RETEX et 42{N}synthèses"),
    ]


def test_key_figures_of_an_empty_manifest(manifest: dict[str, Any]) -> None:
    figures = catalogue.key_figures(frame(manifest | {"files": []}))
    assert [(f.label, f.value, f.detail) for f in figures] == [
        ("Fichiers embarqués", "0", f"0{N}jeu de données, 0{N}famille de sources"),
        ("Taille totale", f"0{N}o", "sur disque"),
    ]
    assert catalogue.dataset_rows(frame(manifest | {"files": []})) == []


def test_sorted_detail(manifest: dict[str, Any]) -> None:
    files = frame(manifest)
    display = catalogue.sorted_catalogue(files).get_column("path").to_list()

    def paths(sort_by: catalogue.SortBy | None) -> list[str]:
        return catalogue.sorted_detail(files, sort_by).get_column("path").to_list()

    assert paths(None) == paths([]) == display
    assert paths([{"column_id": "inconnue", "direction": "asc"}]) == display
    by_size = paths([{"column_id": "taille", "direction": "desc"}])
    assert by_size[:2] == [
        "ent/journaux_ent_2020_SYNTHETIQUE.csv.gz",
        "etablissements/fr-en-annuaire-education_SYNTHETIQUE.csv",
    ]
    assert by_size[-1] == "calendrier/vacances_2019_2020.csv"
    # « n.d. » is not a small number: last whichever way
    assert paths([{"column_id": "lignes", "direction": "asc"}])[-1] == "textes/retex_SYNTHETIQUE.md"
    assert (
        paths([{"column_id": "lignes", "direction": "desc"}])[-1] == "textes/retex_SYNTHETIQUE.md"
    )
    assert paths([{"column_id": "famille", "direction": "desc"}])[0] == (
        "calendrier/vacances_2019_2020.csv"
    )
    # the detail rows follow the sort, formatted
    rows = catalogue.display_rows(files, [{"column_id": "lignes", "direction": "desc"}])
    assert rows[0]["lignes"] == f"1{N}234{N}567"


#: The embedded dataset as generated on a developer's machine (absent under CI).
REAL_RAW = Path(os.environ.get("EGN_TEST_FULL_RAW", "/tmp/fullraw"))


# ------------------------------------------------------------------ data-quality report -----

NB = "\u00a0"  # no-break space, before a colon


def load_quality(folder: Path, payload: dict[str, Any] | str) -> data_access.QualityReport:
    path = folder / "processed" / "qualite.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False),
        encoding="utf-8",
    )
    return data_access.load_quality_report(folder / "processed")


def test_quality_rows_of_a_handmade_report(tmp_path: Path, quality: dict[str, Any]) -> None:
    report = load_quality(tmp_path, quality)
    assert catalogue.quality_rows(report) == [
        catalogue.QualityRow("etablissements", f"56{N}400", f"56{N}398", "2", f"0,0{N}%",
                             ("académie inconnue (1)", "clé en double (uai) (1)"), "ok"),
        catalogue.QualityRow("enquete_parents_2d", f"21{N}084", f"20{N}000", f"1{N}084",
                             f"5,1{N}%", (f"code postal invalide (1{N}000)",
                                          "réponse manquante (50)", "doublon (24)",
                                          f"et 1{N}autre motif"), "ok"),
        catalogue.QualityRow("ent_evenements", f"2{N}000{N}000", f"2{N}000{N}000", "0",
                             f"0,0{N}%", ("–",), "ok"),
    ]  # fmt: skip
    check = catalogue.quality_check(report)
    assert check == catalogue.QualityCheck(
        True,
        f"Contrôle réussi{NB}: lignes lues = acceptées + rejetées pour chacune des 3 tables "
        f"(au total, 2{N}077{N}484 = 2{N}076{N}398 + 1{N}086).",
        None,
    )


def test_quality_check_flags_a_broken_invariant(tmp_path: Path, quality: dict[str, Any]) -> None:
    quality["tables"][1]["acceptees"] = 19999  # one line lost: a bug of the build
    del quality["tables"][2]["rejetees"]  # a count missing: cannot be checked, flagged too
    report = load_quality(tmp_path, quality)
    assert [r.status for r in catalogue.quality_rows(report)] == ["ok", "incoherent", "incoherent"]
    assert catalogue.quality_rows(report)[2].rejetees == "n.d."
    assert catalogue.quality_rows(report)[2].part == "n.d."
    check = catalogue.quality_check(report)
    assert not check.consistent
    assert check.message == (
        f"Anomalie{NB}: l'égalité «{NB}lignes lues = acceptées + rejetées{NB}» n'est pas vérifiée "
        "pour les tables enquete_parents_2d et ent_evenements. C'est un bogue de la construction "
        f"des tables{NB}: signalez-le en joignant le fichier qualite.json."
    )


def test_quality_of_a_source_that_could_not_be_read(
    tmp_path: Path, quality: dict[str, Any]
) -> None:
    """``egn build`` reports a source it could not read with ``erreur`` and no counts."""
    quality["tables"].append(
        {"type": "cned", "table": "cned.csv", "erreur": "cned.csv : encodage illisible"}
    )
    report = load_quality(tmp_path, quality)
    row = catalogue.quality_rows(report)[-1]
    assert row == catalogue.QualityRow(
        "cned.csv", "n.d.", "n.d.", "n.d.", "n.d.",
        (f"Source illisible{NB}: cned.csv : encodage illisible",), "echec",
    )  # fmt: skip
    check = catalogue.quality_check(report)
    assert check.consistent  # a failed source is reported, not an invariant bug
    assert check.message.startswith(f"Contrôle réussi{NB}: ")
    assert check.failed == (
        f"La table cned.csv n'a pas pu être construite{NB}: sa source est illisible "
        "(détail dans le tableau)."
    )


def test_quality_source(tmp_path: Path, quality: dict[str, Any]) -> None:
    path = load_quality(tmp_path, quality).path
    when = datetime(2025, 3, 1, 14, 5).timestamp()
    os.utime(path, (when, when))
    report = data_access.load_quality_report(tmp_path / "processed")
    assert catalogue.quality_source(report) == (
        f"Rapport qualite.json écrit le 1er mars 2025 à 14{NB}h{NB}05 par egn build 0.1.0."
    )
    del quality["genere_par"], quality["version"]
    load_quality(tmp_path, quality)
    os.utime(path, (when, when + 60))
    report = data_access.load_quality_report(tmp_path / "processed")
    assert catalogue.quality_source(report).endswith(f"14{NB}h{NB}06 par egn build.")


def test_quality_report_is_tolerant(tmp_path: Path, quality: dict[str, Any]) -> None:
    """Unknown keys are ignored; odd values become None rather than errors."""
    quality["tables"][0] |= {"nouvelle_cle": [1, 2], "secondes": "vite", "cache": "oui"}
    quality["tables"][0]["motifs"]["compte illisible"] = "beaucoup"
    quality["tables"][1]["lignes_lues"] = 21084.0  # a float that is an integer
    del quality["tables"][2]["table"]
    report = load_quality(tmp_path, quality)
    first, second, third = report.tables
    assert first == sources.TableQuality(
        table="etablissements",
        lignes_lues=56400,
        acceptees=56398,
        rejetees=2,
        motifs=(("académie inconnue", 1), ("clé en double (uai)", 1)),
        sources=("fr-en-annuaire-education_SYNTHETIQUE.csv",),
        erreur=None,
        cache=None,
        secondes=None,
    )
    assert second.lignes_lues == 21084
    assert third.table == "ent-logs"  # the type when the table has no name
    assert third.cache is True
    assert len(third.sources) == 7
    assert (report.genere_par, report.version) == ("egn build", "0.1.0")


def test_quality_report_cache_follows_the_file(
    built_data_dir: Path, quality: dict[str, Any], write_quality: WriteQuality
) -> None:
    processed = built_data_dir / "processed"
    first = data_access.load_quality_report(processed)
    assert data_access.load_quality_report(processed) is first  # parsed once
    with pytest.raises(AttributeError):
        first.tables[0].acceptees = 0  # type: ignore[misc]
    path = write_quality(built_data_dir, quality | {"tables": quality["tables"][:1]})
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert len(data_access.load_quality_report(processed).tables) == 1


def test_layout_with_the_quality_report(make_app: AppFactory, built_data_dir: Path) -> None:
    make_app(built_data_dir)
    assert data_access.processed_dir() == built_data_dir.resolve() / "processed"
    page = importlib.import_module("dashboards.pages.donnees")
    tree = page.layout()
    section = by_id(tree, ids.DONNEES_QUALITY)
    assert section.children[0].children == "Qualité des données (dernière construction)"
    table = by_id(section, ids.DONNEES_QUALITY_TABLE)
    assert [c.children for c in walk(table) if isinstance(c, html.Th) and c.scope == "col"] == [
        "Table", "Lignes lues", "Acceptées", "Rejetées", "Part rejetée", "Principaux motifs",
    ]  # fmt: skip
    assert quality_table(tree) == [
        ["etablissements", f"56{N}400", f"56{N}398", "2", f"0,0{N}%",
         ["académie inconnue (1)", "clé en double (uai) (1)"]],
        ["enquete_parents_2d", f"21{N}084", f"20{N}000", f"1{N}084", f"5,1{N}%",
         [f"code postal invalide (1{N}000)", "réponse manquante (50)", "doublon (24)",
          f"et 1{N}autre motif"]],
        ["ent_evenements", f"2{N}000{N}000", f"2{N}000{N}000", "0", f"0,0{N}%", "–"],
    ]  # fmt: skip
    check = by_id(section, ids.DONNEES_QUALITY_CHECK)
    assert text_of(check).startswith(
        f"Contrôle réussi{NB}: lignes lues = acceptées + rejetées pour chacune des 3 tables"
    )
    assert "egn-quality__check--ok" in check.className
    assert "Rapport qualite.json écrit le " in text_of(section)
    assert not [c for c in walk(tree) if getattr(c, "id", None) == ids.DONNEES_QUALITY_MISSING]
    # the layout goes through Dash's JSON encoder (what the browser receives)
    assert "enquete_parents_2d" in json.dumps(tree.to_plotly_json(), cls=PlotlyJSONEncoder)


def test_layout_flags_a_broken_invariant_in_red(
    make_app: AppFactory, data_dir: Path, quality: dict[str, Any], write_quality: WriteQuality
) -> None:
    quality["tables"][0]["rejetees"] = 3
    write_quality(data_dir, quality)
    make_app(data_dir)
    page = importlib.import_module("dashboards.pages.donnees")
    tree = page.layout()
    table = by_id(tree, ids.DONNEES_QUALITY_TABLE)
    lines = [c for c in walk(table) if isinstance(c, html.Tr)][1:]
    assert [line.className for line in lines] == ["egn-quality--incoherent", None, None]
    assert quality_table(tree)[0][0] == "etablissements (incohérente)"
    check = by_id(tree, ids.DONNEES_QUALITY_CHECK)
    assert "egn-quality__check--bad" in check.className
    assert check.role == "alert"
    assert text_of(check).startswith(f"Anomalie{NB}: ")
    assert "pour la table etablissements." in text_of(check)


def test_layout_without_the_quality_report(page: ModuleType) -> None:
    tree = page.layout()
    section = by_id(tree, ids.DONNEES_QUALITY)
    message = by_id(section, ids.DONNEES_QUALITY_MISSING)
    assert text_of(message) == (
        f"Les tables n'ont pas encore été construites{NB}: lancez make build (ou egn build)."
    )
    assert [c.children for c in walk(message) if isinstance(c, html.Code)] == [
        "make build",
        "egn build",
    ]
    assert not [c for c in walk(tree) if getattr(c, "id", None) == ids.DONNEES_QUALITY_TABLE]
    assert len(table_rows(tree)) == 7  # the rest of the page is unchanged


def test_layout_with_a_broken_quality_report(
    make_app: AppFactory, data_dir: Path, write_quality: WriteQuality
) -> None:
    write_quality(data_dir, "{pas du json")
    make_app(data_dir)
    page = importlib.import_module("dashboards.pages.donnees")
    tree = page.layout()
    message = text_of(by_id(tree, ids.DONNEES_QUALITY_MISSING))
    assert "Le rapport de qualité est illisible" in message
    assert "qualite.json" in message and "make build" in message
    assert "n'est pas un JSON valide" in message
    assert "Traceback" not in message
    assert not [c for c in walk(tree) if getattr(c, "id", None) == ids.DONNEES_QUALITY_TABLE]
    assert len(table_rows(tree)) == 7
