"""The « Continuité pédagogique (usages numériques) » page without a browser.

The cards' sentences and figures are checked on handmade frames in
``tests/cards/test_usages.py`` (the library builds them). Here, the small dataset generated and
built by ``generated_data_dir`` (ENT events, établissements, CNED) goes through the page:
layout, URL codec, pickers, downloads, and the French messages when a figure is missing or
cannot be computed; tests that break or change data work on a copy of it.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import polars as pl
import pytest
from dash import Dash, dcc, html, no_update

from dashboards import ids
from dashboards import usages_logic as logic
from dashboards.components.navbar import nav_pages
from egn_analytics import reference
from egn_analytics.cards import usages as cards
from egn_analytics.viz.formats import NBSP, NNBSP
from tests.dashboards.browser_support import NEEDS_PNG_RENDERER
from tests.dashboards.download_support import csv_rows, decode_download
from tests.dashboards.layout_tree import by_id, card_figure, card_notes, text_of, walk

AppFactory = Callable[[Path], Dash]
N = NNBSP

#: Tests on the data generated and built by ``generated_data_dir`` (seconds, once a session).
on_generated_data = pytest.mark.integration

CARD_IDS = {
    "chronologie": ids.USAGES_TIMELINE_CARD,
    "cned": ids.USAGES_CNED_CARD,
    "rapport": ids.USAGES_RATIO_CARD,
    "horaires": ids.USAGES_DESYNC_CARD,
    "its": ids.USAGES_ITS_CARD,
    "incidents": ids.USAGES_INCIDENTS_CARD,
}
LILLE = cards.parse_selection("eleve", "academie-09")

# ----------------------------------------------------------------------- fixtures -----


@pytest.fixture
def app(make_app: AppFactory, generated_data_dir: Path) -> Dash:
    return make_app(generated_data_dir)


@pytest.fixture
def page(app: Dash) -> ModuleType:
    """The page module as Dash executed it (import it only after create_app)."""
    return importlib.import_module("dashboards.pages.usages")


@pytest.fixture
def usage_copy(tmp_path: Path, generated_data_dir: Path) -> Path:
    """A private copy of the generated data folder (raw manifest and built tables): tests
    may break it."""
    folder = tmp_path / "donnees"
    (folder / "raw").mkdir(parents=True)
    shutil.copy(generated_data_dir / "raw" / "manifest.json", folder / "raw" / "manifest.json")
    shutil.copytree(generated_data_dir / "processed", folder / "processed")
    return folder


# ------------------------------------------------------------------------ helpers -----


def card_title(tree: Any, card_id: str) -> str:
    return next(text_of(c) for c in walk(by_id(tree, card_id)) if isinstance(c, html.H2))


# ------------------------------------------------------------------- registration -----


@on_generated_data
def test_page_is_registered_after_enquetes(page: ModuleType) -> None:
    entry = dash.page_registry["dashboards.pages.usages"]
    assert entry["path"] == "/usages"
    assert entry["order"] == 2
    assert entry["name"] == "Continuité pédagogique (usages numériques)"
    names = [p["name"] for p in nav_pages()]
    assert names.index("Équipement et continuité (enquêtes)") < names.index(entry["name"])


@on_generated_data
def test_app_serves_the_page_and_its_callbacks(app: Dash) -> None:
    client = app.server.test_client()
    assert client.get("/usages?profil=x&territoire=y").status_code == 200
    deps = client.get("/_dash-dependencies").get_json()
    outputs = " ".join(d["output"] for d in deps)
    assert ids.USAGES_URL in outputs
    for card_id in CARD_IDS.values():
        parts = ids.card_ids(card_id)
        assert parts.data_download in outputs and parts.png_download in outputs


# ---------------------------------------------------------------- URL and pickers -----


def test_every_view_round_trips_through_the_url() -> None:
    for profile in reference.PROFILES:
        for territory in reference.territories():
            selection = cards.Selection(profile, territory)
            assert logic.selection_from_search(logic.selection_query(selection)) == selection
    assert logic.selection_query(LILLE) == "?profil=eleve&territoire=academie-09"
    assert logic.query_params("?profil=a&territoire=b&autre=c") == {
        "profil": "a",
        "territoire": "b",
    }


def test_territory_options_are_grouped() -> None:
    options = logic.territory_options()
    assert options[0] == {"label": "France", "value": "france", "search": "France France"}
    headings = [o["label"] for o in options if o.get("disabled")]
    assert headings == ["Régions académiques", "Académies"]
    assert all(
        o["value"].startswith(logic.GROUP_OPTION_PREFIX) for o in options if o.get("disabled")
    )
    assert len(options) == 1 + 2 + 18 + 30
    assert [o["label"] for o in logic.profile_options()] == [
        "Élèves",
        "Parents",
        "Enseignants",
        "Personnels",
        "Tous les profils",
    ]


# ----------------------------------------------------- layout on the generated data -----


@on_generated_data
def test_layout_default_view(page: ModuleType) -> None:
    tree = page.layout()
    assert text_of(tree).startswith("Continuité pédagogique (usages numériques)")
    assert by_id(tree, ids.USAGES_PROFILE).value == "eleve"
    territory = by_id(tree, ids.USAGES_TERRITORY)
    assert territory.value == "france"
    assert len(territory.options) == 51
    for key, card_id in CARD_IDS.items():
        notes = card_notes(tree, card_id)
        assert set(notes) == {"Lecture", "Champ", "Source"}, key
        assert notes["Lecture"] and notes["Champ"]
        card_text = text_of(by_id(tree, card_id))
        assert "Données synthétiques" in card_text, key
        assert "Télécharger les données (CSV)" in card_text
        assert "Télécharger l'image (PNG)" in card_text
    assert card_title(tree, ids.USAGES_TIMELINE_CARD).endswith(f"{NBSP}: élèves, France")
    timeline = card_notes(tree, ids.USAGES_TIMELINE_CARD)
    assert timeline["Lecture"].startswith(
        "le lundi 16 mars 2020, premier jour de la fermeture, en France, les élèves ont fait "
    )
    assert timeline["Source"].startswith("ENT, journaux de connexion (synthétiques)")
    ratio = card_notes(tree, ids.USAGES_RATIO_CARD)["Lecture"]
    assert ratio.startswith("pendant la fermeture, en France, les élèves ont fait ")
    assert "fois plus de visites par jour de classe qu'en janvier-février." in ratio
    effects = text_of(by_id(tree, ids.USAGES_ITS_EFFECTS))
    assert "Changement de niveau au 16 mars 2020" in effects
    assert "Changement de niveau au 11 mai 2020" in effects
    assert "Intervalle de confiance à 95" in effects
    # ids are unique on the page
    found = [getattr(c, "id", None) for c in walk(tree)]
    found = [i for i in found if isinstance(i, str)]
    assert len(found) == len(set(found))


@on_generated_data
def test_timeline_figure_shades_the_closure_and_the_holidays(page: ModuleType) -> None:
    france = card_figure(page.layout(), ids.USAGES_TIMELINE_CARD)
    assert [t.name for t in france.data] == ["Visites", "Utilisateurs distincts"]
    closure = next(s for s in france.layout.shapes if str(s.name).startswith("Fermeture ("))
    assert (closure.x0, closure.x1) == ("2020-03-15 12:00", "2020-05-10 12:00")
    reopening = next(s for s in france.layout.shapes if s.type == "line")
    assert reopening.x0 == "2020-05-11"
    # France: a thin strip per mainland zone, labelled
    labels = [a.text for a in france.layout.annotations]
    assert labels == ["zone A", "zone B", "zone C"]
    strips = [s for s in france.layout.shapes if s.legendgroup == "vacances"]
    assert {round(s.y1 - s.y0, 3) for s in strips} == {0.04}
    assert france.layout.xaxis.ticktext[:3] == ("janv.", "févr.", "mars")
    # an académie: its own zone's holidays, full height
    lille = card_figure(page.layout("eleve", "academie-09"), ids.USAGES_TIMELINE_CARD)
    bands = [s for s in lille.layout.shapes if s.legendgroup == "vacances"]
    assert len(bands) == 5 and all((s.y0, s.y1) == (0, 1) for s in bands)
    assert bands[0].name == "Vacances (zone B)"
    assert strips[0].name == "Vacances (zones A, B, C)"


@on_generated_data
def test_layout_from_the_url_for_a_territory_and_all_profiles(page: ModuleType) -> None:
    tree = page.layout(profil="tous", territoire="academie-09")
    assert by_id(tree, ids.USAGES_PROFILE).value == "tous"
    assert by_id(tree, ids.USAGES_TERRITORY).value == "academie-09"
    title = card_title(tree, ids.USAGES_TIMELINE_CARD)
    assert title.endswith(f"{NBSP}: tous les profils, académie de Lille")
    lecture = card_notes(tree, ids.USAGES_RATIO_CARD)["Lecture"]
    assert lecture.startswith("pendant la fermeture, les utilisateurs de l'académie de Lille ont")
    assert "académie de Lille" in card_notes(tree, ids.USAGES_DESYNC_CARD)["Lecture"]
    bars = card_figure(tree, ids.USAGES_RATIO_CARD).data[0]
    highlighted = [y for y, c in zip(bars.y, bars.marker.color, strict=True) if c == "#000091"]
    assert highlighted == ["Lille"]


@on_generated_data
def test_cned_card_is_national(page: ModuleType) -> None:
    tree = page.layout(profil="parent", territoire="academie-09")
    notes = card_notes(tree, ids.USAGES_CNED_CARD)
    assert "Ma classe à la maison" in notes["Lecture"] and "inscriptions" in notes["Lecture"]
    assert "France entière" in notes["Champ"]
    fig = card_figure(tree, ids.USAGES_CNED_CARD)
    assert [t.name for t in fig.data] == ["Inscriptions du jour", "Classes virtuelles du jour"]
    assert fig.layout.xaxis.ticktext[0] == "2 mars"
    assert fig.layout.yaxis.tickformat == ",d"


# -------------------------------------------------------------------- callbacks -----


@on_generated_data
def test_update_query_is_canonical(page: ModuleType) -> None:
    assert page.update_query("parent", "academie-09") == "?profil=parent&territoire=academie-09"
    assert page.update_query(None, "inconnu") == "?profil=eleve&territoire=france"
    assert page.update_query("tous", "region-32") == "?profil=tous&territoire=region-32"


@on_generated_data
@pytest.mark.parametrize("key", list(CARD_IDS))
def test_download_data(page: ModuleType, key: str) -> None:
    payload = page.download_data(key, "?profil=eleve&territoire=academie-09")
    stem = "usages_cned" if key == "cned" else f"usages_{key}_eleve_academie-09"
    assert payload["filename"] == f"{stem}_SYNTHETIQUE.csv"
    raw = decode_download(payload)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = csv_rows(payload)
    assert rows, key


@on_generated_data
def test_download_csv_is_french(page: ModuleType) -> None:
    rows = csv_rows(page.download_data("rapport", "?profil=eleve&territoire=france"))
    assert len(rows) == 30
    assert set(rows[0]) >= {"academie", "zone", "rapport_fermeture_reference"}
    assert "," in rows[0]["rapport_fermeture_reference"]  # decimal comma
    timeline = csv_rows(page.download_data("chronologie", "?profil=eleve&territoire=academie-09"))
    assert timeline[0]["territoire"] == "Académie de Lille"
    assert {r["periode"] for r in timeline} >= {"référence", "fermeture", "réouverture"}
    assert any("zone B (Printemps)" in r["vacances"] for r in timeline)


@on_generated_data
@pytest.mark.usefixtures("no_png_renderer")
def test_download_png_without_chromium(page: ModuleType) -> None:
    data, status = page.download_png("its", "?profil=eleve&territoire=france")
    assert data is no_update
    assert "Chromium" in status and "CSV" in status


@pytest.mark.browser
@NEEDS_PNG_RENDERER
@on_generated_data
def test_download_png(page: ModuleType) -> None:
    data, status = page.download_png("rapport", "?profil=eleve&territoire=academie-09")
    assert status == ""
    assert data["filename"] == "usages_rapport_eleve_academie-09_SYNTHETIQUE.png"
    assert decode_download(data)[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------- missing or broken -----


@on_generated_data
def test_layout_before_the_build(make_app: AppFactory, data_dir: Path) -> None:
    make_app(data_dir)  # raw manifest only, no ingested events
    page = importlib.import_module("dashboards.pages.usages")
    tree = page.layout()
    message = by_id(tree, ids.USAGES_MISSING)
    assert "make build" in text_of(message)
    assert not [c for c in walk(tree) if isinstance(c, dcc.Graph)]


@on_generated_data
def test_a_model_the_build_could_not_fit_does_not_hide_the_others(
    make_app: AppFactory, usage_copy: Path
) -> None:
    # A build that could not fit the default view's model: no coefficients, a reason.
    tables = usage_copy / "processed" / "indicateurs"
    default = (pl.col("territoire") == "france") & (pl.col("profil") == "eleve")
    for name in ("usages_its", "usages_its_ajuste"):
        path = tables / f"{name}.parquet"
        pl.read_parquet(path).filter(~default).write_parquet(path)
    absents = tables / "usages_its_absents.parquet"
    reason = pl.DataFrame(
        {"territoire": ["france"], "profil": ["eleve"], "raison": ["série trop courte : 3 jours"]}
    )
    pl.concat([pl.read_parquet(absents), reason], how="vertical_relaxed").write_parquet(absents)
    make_app(usage_copy)
    page = importlib.import_module("dashboards.pages.usages")
    tree = page.layout()
    message = text_of(by_id(tree, f"{ids.USAGES_ITS_CARD}-indisponible"))
    assert "pour la France" in message and "série trop courte : 3 jours" in message
    assert "Le modèle n'a pas pu être estimé" in text_of(by_id(tree, ids.USAGES_ITS_EFFECTS))
    for key in ("chronologie", "cned", "rapport", "horaires", "incidents"):
        by_id(tree, ids.card_ids(CARD_IDS[key]).graph)
    # another view still has its model
    lille = page.layout(profil="eleve", territoire="academie-09")
    by_id(lille, ids.card_ids(ids.USAGES_ITS_CARD).graph)


@on_generated_data
def test_without_the_cned_table(make_app: AppFactory, usage_copy: Path) -> None:
    # A build without the CNED series writes no usages_cned table.
    (usage_copy / "processed" / "indicateurs" / "usages_cned.parquet").unlink()
    make_app(usage_copy)
    page = importlib.import_module("dashboards.pages.usages")
    tree = page.layout()
    message = by_id(tree, f"{ids.USAGES_CNED_CARD}-indisponible")
    assert "cned_quotidien.parquet" in text_of(message)
    by_id(tree, ids.card_ids(ids.USAGES_TIMELINE_CARD).graph)


@on_generated_data
def test_a_missing_table_is_said_in_the_card(make_app: AppFactory, usage_copy: Path) -> None:
    (usage_copy / "processed" / "indicateurs" / "usages_ratio.parquet").unlink()
    make_app(usage_copy)
    page = importlib.import_module("dashboards.pages.usages")
    tree = page.layout()
    message = text_of(by_id(tree, f"{ids.USAGES_RATIO_CARD}-indisponible"))
    assert "usages_ratio" in message and "egn build" in message
    by_id(tree, ids.card_ids(ids.USAGES_TIMELINE_CARD).graph)
