"""The « Équipement et continuité (enquêtes) » page without a browser: logic, layout, callbacks.

The indicator table is a small handmade frame with the columns of
``egn_analytics.indicators.compute_catalogue`` (published, fragile and masked cells), written
where ``egn build`` writes it (``indicateurs/enquetes_catalogue.parquet``). The gap, the one
value computed on demand, goes through the real data door: :func:`dashboards.data_access.
indicator_gap` calls ``_compute_gap``, which the fixtures replace, so its caches (memory and
disk) are exercised as well.
"""

from __future__ import annotations

import importlib
import math
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import plotly.graph_objects as go
import polars as pl
import pytest
from dash import Dash, dcc, html, no_update

from dashboards import data_access, ids
from dashboards import enquetes_logic as logic
from dashboards.components.navbar import nav_pages
from egn_analytics.cards import enquetes as cards
from egn_analytics.indicators import IndicatorNotBuiltError
from egn_analytics.viz.formats import NBSP, NNBSP
from tests.cards.enquetes_table import (
    CHAMP,
    HEURES,
    INTERNET,
    ORDI,
    SECRET_TEXTS,
    SOURCE,
    TABLE,
    leaky_table,
    lecture_of,
)
from tests.dashboards.browser_support import NEEDS_PNG_RENDERER
from tests.dashboards.download_support import csv_rows, decode_download
from tests.dashboards.layout_tree import by_id, card_figure, card_notes, text_of, walk

AppFactory = Callable[[Path], Dash]
N = NNBSP

# ---------------------------------------------------------------------- the fixture -----


def _normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def fake_gap(table: pl.DataFrame, indicator: str, breakdown: str, a: str, b: str) -> pl.DataFrame:
    """A gap frame shaped like ``egn_analytics.indicators.gap`` (independent domains here)."""
    rows = {
        r["domain_code"]: r
        for r in table.filter(
            (pl.col("indicator") == indicator) & (pl.col("breakdown") == breakdown)
        ).iter_rows(named=True)
    }
    if a not in rows or b not in rows:
        raise ValueError(f"« {a} » ou « {b} » n'est pas un domaine de {breakdown}")
    ra, rb = rows[a], rows[b]
    masked = "masked" in (ra["status"], rb["status"])
    diff = None if masked else ra["estimate"] - rb["estimate"]
    se = None if masked else math.hypot(ra["se"], rb["se"])
    status = (
        "masked"
        if masked
        else ("fragile" if "fragile" in (ra["status"], rb["status"]) else "published")
    )
    return pl.DataFrame(
        [{
            "indicator": indicator, "label": ra["label"], "breakdown": breakdown,
            "a": a, "domain_a": ra["domain"], "b": b, "domain_b": rb["domain"],
            "estimate_a": None if masked else ra["estimate"],
            "estimate_b": None if masked else rb["estimate"],
            "difference": diff, "se": se,
            "ci_lower": None if masked else diff - 1.96 * se,  # type: ignore[operator]
            "ci_upper": None if masked else diff + 1.96 * se,  # type: ignore[operator]
            "p_value": None if masked else _normal_p(diff / se),  # type: ignore[operator]
            "n_a": ra["n"], "n_b": rb["n"], "status": status,
        }]
    )  # fmt: skip


class FakeLibrary:
    """Stands for ``egn_analytics.indicators.gap`` on a table, counts its calls."""

    def __init__(self, table: pl.DataFrame) -> None:
        self.table = table
        self.gap_calls = 0

    def compute_gap(self, processed: Path, *params: str) -> pl.DataFrame:
        self.gap_calls += 1
        return fake_gap(self.table, *params)


def write_survey_tables(data_dir: Path) -> Path:
    """A processed folder with one (tiny) survey table: the indicators can be « built »."""
    processed = data_dir / "processed"
    processed.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"poids": [1.0]}).write_parquet(processed / "enquete_eleves_2d.parquet")
    return processed


def write_built_tables(data_dir: Path, table: pl.DataFrame = TABLE) -> Path:
    """A built processed folder: a survey table (the gap is computed from the microdata) and
    the indicator table ``enquetes_catalogue`` the page's card reads, as ``egn build`` writes
    it (``indicateurs/enquetes_catalogue.parquet``)."""
    processed = write_survey_tables(data_dir)
    (processed / "indicateurs").mkdir(exist_ok=True)
    table.write_parquet(processed / "indicateurs" / "enquetes_catalogue.parquet")
    return processed


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> FakeLibrary:
    fake = FakeLibrary(TABLE)
    monkeypatch.setattr(data_access, "_compute_gap", fake.compute_gap)
    return fake


@pytest.fixture
def enquetes_dir(data_dir: Path, library: FakeLibrary) -> Path:
    write_built_tables(data_dir, library.table)
    return data_dir


@pytest.fixture
def app(make_app: AppFactory, enquetes_dir: Path) -> Dash:
    return make_app(enquetes_dir)


@pytest.fixture
def page(app: Dash) -> ModuleType:
    """The page module as Dash executed it (import it only after create_app)."""
    return importlib.import_module("dashboards.pages.enquetes")


# ------------------------------------------------------------------------- helpers -----


def table_lines(tree: Any) -> dict[str, list[str]]:
    """The estimates table: {domain: [cell texts after the domain]}."""
    table = by_id(tree, ids.ENQUETES_TABLE)
    body = next(c for c in walk(table) if isinstance(c, html.Tbody))
    return {
        text_of(line.children[0]): [text_of(c) for c in line.children[1:]] for line in body.children
    }


def masked_strings(fig: go.Figure, domain: str) -> list[str]:
    """Every text the figure can show for ``domain``: labels, hover texts, custom data."""
    shown: list[str] = []
    for trace in fig.data:
        ys = list(trace.y or [])
        for i, y in enumerate(ys):
            if y != domain:
                continue
            for prop in ("text", "hovertext"):
                value = getattr(trace, prop, None)
                if isinstance(value, str):
                    shown.append(value)
                elif value is not None and len(value) > i:
                    shown.append(str(value[i]))
            if trace.customdata is not None:  # [domain code, then what the hover prints]
                shown += [str(item) for item in list(trace.customdata[i])[1:]]
            if trace.type == "bar" and trace.name != cards.SECRET_LABEL:
                shown.append(str(trace.x[i]))
    return shown


# --------------------------------------------------------------------- registration -----


def test_page_is_registered_after_donnees(page: ModuleType) -> None:
    entry = dash.page_registry["dashboards.pages.enquetes"]
    assert entry["path"] == "/enquetes"
    assert entry["order"] == 1
    assert entry["name"] == "Équipement et continuité (enquêtes)"
    names = [p["name"] for p in nav_pages()]
    assert names.index("Données") < names.index("Équipement et continuité (enquêtes)")


def test_app_serves_the_page(app: Dash) -> None:
    client = app.server.test_client()
    assert client.get("/enquetes?indicateur=x&ventilation=y").status_code == 200
    deps = client.get("/_dash-dependencies").get_json()
    outputs = " ".join(d["output"] for d in deps)
    for component in (ids.ENQUETES_URL, ids.ENQUETES_GAP_RESULT, f"{ids.ENQUETES_CARD}-statut"):
        assert component in outputs


# ----------------------------------------------------------------------- selection -----


def test_indicator_options_are_grouped_by_theme() -> None:
    options = logic.indicator_options(TABLE)
    assert [(o["label"], o.get("disabled", False)) for o in options] == [
        ("Équipement numérique", True),
        ("Élèves disposant d'un ordinateur personnel", False),
        ("Foyers sans connexion internet", False),
        ("Continuité pédagogique", True),
        ("Heures travaillées par semaine", False),
    ]
    assert [o["value"] for o in options if not o.get("disabled")] == [ORDI, INTERNET, HEURES]


def test_breakdown_options_only_those_of_the_indicator() -> None:
    assert logic.breakdown_options(TABLE, ORDI) == [
        {"label": "Éducation prioritaire", "value": "ep"},
        {"label": "Sexe", "value": "sexe"},
        {"label": "Académie", "value": "academie"},
    ]
    assert [o["value"] for o in logic.breakdown_options(TABLE, HEURES)] == ["secteur"]
    only_ensemble = TABLE.filter(pl.col("breakdown") == "ensemble")
    assert [o["value"] for o in logic.breakdown_options(only_ensemble, ORDI)] == ["ensemble"]


def test_every_view_round_trips_through_the_url() -> None:
    for option in logic.indicator_options(TABLE):
        if option.get("disabled"):
            continue
        for breakdown in logic.breakdown_options(TABLE, option["value"]):
            rows = cards.domain_rows(TABLE, cards.Selection(option["value"], breakdown["value"]))
            for domain in [None, *rows["domain_code"].to_list()]:
                selection = cards.Selection(option["value"], breakdown["value"], domain)
                query = logic.selection_query(selection)
                assert logic.selection_from_search(TABLE, query) == selection
    assert (
        logic.selection_query(cards.Selection(ORDI, "ep")) == f"?indicateur={ORDI}&ventilation=ep"
    )
    assert logic.query_params("?indicateur=a&ventilation=b&autre=c") == {
        "indicateur": "a",
        "ventilation": "b",
    }


# -------------------------------------------------------------------------- layout -----


def test_layout_default_view(page: ModuleType) -> None:
    tree = page.layout()
    assert text_of(tree).startswith("Équipement et continuité (enquêtes)")
    indicator = by_id(tree, ids.ENQUETES_INDICATOR)
    assert indicator.value == ORDI
    assert [o["label"] for o in indicator.options if o.get("disabled")] == [
        "Équipement numérique",
        "Continuité pédagogique",
    ]
    breakdown = by_id(tree, ids.ENQUETES_BREAKDOWN)
    assert breakdown.value == "ep"
    assert [o["value"] for o in breakdown.options] == ["ep", "sexe", "academie"]
    card = by_id(tree, ids.ENQUETES_CARD)
    heading = next(c for c in walk(card) if isinstance(c, html.H2))
    assert (
        heading.children == "Élèves disposant d'un ordinateur personnel, par éducation prioritaire"
    )
    notes = card_notes(tree, ids.ENQUETES_CARD)
    assert notes["Lecture"] == lecture_of(f"42,0{N}%")  # the « ensemble » row's sentence
    assert notes["Champ"] == CHAMP
    assert notes["Source"] == SOURCE
    # the permanent synthetic-data notice: on the page and in the card
    synthetic = [c for c in walk(tree) if getattr(c, "className", None) == "egn-synthetic-note"]
    assert len(synthetic) == 2
    assert all("ynthétiques" in text_of(c) for c in synthetic)
    # the card's download buttons
    card_ids = ids.card_ids(ids.ENQUETES_CARD)
    assert by_id(tree, card_ids.data_button).children == "Télécharger les données (CSV)"
    assert by_id(tree, card_ids.png_button).children == "Télécharger l'image (PNG)"


def test_layout_from_the_url(page: ModuleType) -> None:
    tree = page.layout(indicateur=HEURES, ventilation="secteur", inconnu="x")
    assert by_id(tree, ids.ENQUETES_INDICATOR).value == HEURES
    assert by_id(tree, ids.ENQUETES_BREAKDOWN).value == "secteur"
    assert list(table_lines(tree)) == ["Public", "Privé sous contrat"]
    assert table_lines(tree)["Public"][0] == f"35,0{N}heures"
    assert card_notes(tree, ids.ENQUETES_CARD)["Lecture"].startswith("en 2020, les enseignants")


def test_lecture_follows_the_selected_domain(page: ModuleType) -> None:
    tree = page.layout(indicateur=ORDI, ventilation="ep", domaine="3")
    assert card_notes(tree, ids.ENQUETES_CARD)["Lecture"] == lecture_of(
        f"44,4{N}%", " hors éducation prioritaire"
    )
    table = by_id(tree, ids.ENQUETES_TABLE)
    classes = [getattr(c, "className", None) or "" for c in walk(table) if isinstance(c, html.Tr)]
    assert sum("egn-row--selected" in c for c in classes) == 1
    # a masked domain has no sentence: the « ensemble » one is printed instead
    tree = page.layout(indicateur=ORDI, ventilation="ep", domaine="2")
    assert card_notes(tree, ids.ENQUETES_CARD)["Lecture"] == lecture_of(f"42,0{N}%")


def test_table_links_select_a_domain(page: ModuleType) -> None:
    tree = page.layout(indicateur=ORDI, ventilation="sexe")
    links = [c for c in walk(by_id(tree, ids.ENQUETES_TABLE)) if isinstance(c, dcc.Link)]
    assert [link.href for link in links] == [
        f"/enquetes?indicateur={ORDI}&ventilation=sexe&domaine=1",
        f"/enquetes?indicateur={ORDI}&ventilation=sexe&domaine=2",
    ]


def test_table_flags_fragile_and_masked(page: ModuleType) -> None:
    lines = table_lines(page.layout())
    assert lines["REP+"] == [
        f"9,4{N}%",
        f"[4,5{N}%{NBSP}; 14,3{N}%]",
        "151",
        f"26,6{N}%",
        f"fragile (CV > 20{N}%)",
    ]
    assert lines["REP"] == ["masqué", "–", "–", "–", "masqué (secret statistique)"]
    assert lines["Hors éducation prioritaire"][-1] == "publié"
    assert lines["Hors éducation prioritaire"][2] == f"20{N}583"


# ----------------------------------------------------------------------- the figure -----


def test_figure_has_bars_intervals_and_french_labels(page: ModuleType) -> None:
    fig = card_figure(page.layout(indicateur=ORDI, ventilation="sexe"), ids.ENQUETES_CARD)
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 1  # nothing masked here
    assert bars[0].orientation == "h"
    assert list(bars[0].y) == ["Fille", "Garçon"]
    assert list(bars[0].x) == pytest.approx([40.0, 44.0])
    whiskers = [t for t in fig.data if t.type == "scatter" and t.error_x.array is not None]
    assert len(whiskers) == 2  # a white halo under the black whisker
    black = whiskers[-1].error_x
    assert list(black.array) == pytest.approx([1.96 * 0.7] * 2)
    assert list(black.arrayminus) == pytest.approx([1.96 * 0.7] * 2)
    labels = next(t for t in fig.data if getattr(t, "mode", None) == "text")
    assert [t.strip(NBSP) for t in labels.text] == [f"40,0{N}%", f"44,0{N}%"]
    assert list(fig.layout.xaxis.ticktext)[:3] == [f"0{N}%", f"10{N}%", f"20{N}%"]
    assert fig.layout.xaxis.tickvals[-1] <= 100
    assert bars[0].customdata[0][2] == f"[38,6{N}%{NBSP}; 41,4{N}%]"  # hover: the interval
    ensemble = [a for a in fig.layout.annotations if a.text.startswith("Ensemble")]
    assert [a.text for a in ensemble] == [f"Ensemble{NBSP}: 42,0{N}%"]


def test_figure_marks_masked_and_fragile_cells(page: ModuleType) -> None:
    fig = card_figure(page.layout(), ids.ENQUETES_CARD)
    secret = [t for t in fig.data if t.type == "bar" and t.name == cards.SECRET_LABEL]
    assert len(secret) == 1
    band = secret[0]
    assert list(band.y) == ["REP"]
    assert list(band.text) == ["secret statistique"]
    assert band.marker.pattern.shape == "/"  # hatched, grey
    assert band.x[0] == fig.layout.xaxis.tickvals[-1]  # the scale's length, not a value
    assert "secret statistique" in band.hovertemplate
    assert "%{x}" not in band.hovertemplate and "%{customdata[0]}" not in band.hovertemplate
    estimates = next(t for t in fig.data if t.type == "bar" and t.name == "Estimation")
    assert estimates.x[1] is None  # no bar drawn for REP in the estimates trace
    labels = next(t for t in fig.data if getattr(t, "mode", None) == "text")
    assert any(f"fragile (CV > 20{N}%)" in text for text in labels.text)
    assert list(estimates.marker.pattern.shape) == [".", "", ""]  # the fragile bar is dotted


def test_all_masked_breakdown_shows_bands_only(page: ModuleType) -> None:
    tree = page.layout(indicateur=INTERNET, ventilation="milieu_social")
    fig = card_figure(tree, ids.ENQUETES_CARD)
    band = next(t for t in fig.data if t.name == cards.SECRET_LABEL)
    assert list(band.y) == ["Très favorisé", "Défavorisé"]
    assert not [t for t in fig.data if getattr(t, "mode", None) == "text"]
    assert {tuple(v) for v in table_lines(tree).values()} == {
        ("masqué", "–", "–", "–", "masqué (secret statistique)")
    }
    assert "aucun écart" in text_of(by_id(tree, ids.ENQUETES_GAP_RESULT))


def test_masked_cells_never_show_a_number(
    page: ModuleType, library: FakeLibrary, make_app: AppFactory, tmp_path: Path
) -> None:
    """Even if the library left values in a masked row, no view prints them."""
    library.table = leaky_table()
    folder = tmp_path / "fuite"
    write_built_tables(folder, library.table)
    make_app(folder)
    tree = page.layout(indicateur=ORDI, ventilation="ep", domaine="2")

    fig = card_figure(tree, ids.ENQUETES_CARD)
    shown = masked_strings(fig, "REP")
    assert shown, "the masked domain is not in the figure at all"
    assert not any(ch.isdigit() for text in shown for ch in text), shown
    payload = fig.to_json()
    for secret in SECRET_TEXTS[:4]:
        i = payload.find(secret)
        assert secret not in payload, payload[max(0, i - 300) : i + 50]

    assert table_lines(tree)["REP"] == ["masqué", "–", "–", "–", "masqué (secret statistique)"]
    assert "67,9" not in card_notes(tree, ids.ENQUETES_CARD)["Lecture"]

    csv = page.download_data(1, f"?indicateur={ORDI}&ventilation=ep&domaine=2")
    raw = decode_download(csv).decode("utf-8-sig")
    for secret in SECRET_TEXTS[:4]:
        assert secret not in raw
    rep = next(r for r in csv_rows(csv) if r["domaine"] == "REP")
    assert rep["statut"] == "masqué"
    for column in ("estimation", "erreur_type", "ic95_bas", "ic95_haut", "repondants", "cv"):
        assert rep[column] == "", column

    gap = text_of(page.update_gap("2", "3", f"?indicateur={ORDI}&ventilation=ep"))
    assert "secret statistique" in gap
    assert not any(secret in gap for secret in SECRET_TEXTS)
    assert not any(ch.isdigit() for ch in gap)


# -------------------------------------------------------------------------- the gap -----


def test_gap_defaults_to_rep_plus_against_outside_ep(page: ModuleType) -> None:
    tree = page.layout()
    assert by_id(tree, ids.ENQUETES_GAP_A).value == "1"
    assert by_id(tree, ids.ENQUETES_GAP_B).value == "3"
    options = by_id(tree, ids.ENQUETES_GAP_A).options
    assert {"label": "REP (secret statistique)", "value": "2"} in options
    text = text_of(by_id(tree, ids.ENQUETES_GAP_RESULT))
    assert text.startswith(f"Écart significatif au seuil de 5{N}%")
    assert f"REP+{NBSP}: 9,4{N}%{NBSP}; Hors éducation prioritaire{NBSP}: 44,4{N}%." in text
    assert f"Écart (REP+ − Hors éducation prioritaire){NBSP}: -35,0{N}points" in text
    assert f"p{NBSP}<{NBSP}0,001" in text
    assert (
        "plus basse pour «\u00a0REP+\u00a0» que pour «\u00a0Hors éducation prioritaire\u00a0»"
        in text
    )
    assert f"fragile (CV > 20{N}%)" in text  # REP+ is fragile: the reader is warned


def test_update_gap_callback(page: ModuleType, library: FakeLibrary) -> None:
    search = f"?indicateur={ORDI}&ventilation=sexe"
    text = text_of(page.update_gap("2", "1", search))
    assert text.startswith(f"Écart significatif au seuil de 5{N}%")
    assert f"+4,0{N}points" in text
    assert f"de +2,1 à +5,9{N}points" in text
    calls = library.gap_calls
    page.update_gap("2", "1", search)
    assert library.gap_calls == calls  # cached
    assert text_of(page.update_gap("1", "1", search)).startswith(
        "Choisissez deux domaines différents"
    )
    assert text_of(page.update_gap(None, "1", search)).startswith("Choisissez deux domaines")


@pytest.mark.parametrize(
    ("a", "b"),
    [("1", "REP+"), ("REP+", "1"), ("rep+", "1"), ("3", "Hors éducation prioritaire"),
     ("hors education prioritaire", "HORS ÉDUCATION PRIORITAIRE")],
)  # fmt: skip
def test_gap_refuses_a_domain_named_twice(
    page: ModuleType, library: FakeLibrary, a: str, b: str
) -> None:
    """A code and its label (or two spellings of a label) are one domain: no « gap of 0 »."""
    calls = library.gap_calls
    text = text_of(page.update_gap(a, b, f"?indicateur={ORDI}&ventilation=ep"))
    assert text.startswith("Choisissez deux domaines différents")
    assert "désignent le même domaine" in text
    assert library.gap_calls == calls  # the library is not asked


def test_gap_accepts_labels_and_refuses_unknown_domains(
    page: ModuleType, library: FakeLibrary
) -> None:
    search = f"?indicateur={ORDI}&ventilation=ep"
    by_label = text_of(page.update_gap("REP+", "Hors éducation prioritaire", search))
    assert by_label == text_of(page.update_gap("1", "3", search))
    assert by_label.startswith(f"Écart significatif au seuil de 5{N}%")
    calls = library.gap_calls
    assert text_of(page.update_gap("1", " ", search)).startswith("Choisissez deux domaines")
    for a, b in (("1", "REP plus"), ("Paris", "3"), ("01", "3"), ("1", "x" * 500)):
        text = text_of(page.update_gap(a, b, search))
        assert text.startswith("Choisissez deux domaines de la liste"), text
        assert len(text) < 300  # a long value is cut when it is quoted
    assert f"«{NBSP}REP plus{NBSP}» n'est pas un domaine de la ventilation" in text_of(
        page.update_gap("1", "REP plus", search)
    )
    assert library.gap_calls == calls


def test_gap_error_is_said_in_french(page: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def _broken(*_args: object) -> pl.DataFrame:
        raise ValueError("domaine inconnu")

    monkeypatch.setattr(data_access, "_compute_gap", _broken)
    text = text_of(page.update_gap("01", "02", f"?indicateur={ORDI}&ventilation=academie"))
    assert text.startswith("L'écart n'a pas pu être calculé")
    assert "domaine inconnu" in text


# ----------------------------------------------------------------------- callbacks -----


def test_update_query_is_canonical(page: ModuleType) -> None:
    assert page.update_query(ORDI, "sexe") == f"?indicateur={ORDI}&ventilation=sexe"
    # the new indicator has no « ep »: its own first breakdown
    assert page.update_query(HEURES, "ep") == f"?indicateur={HEURES}&ventilation=secteur"
    assert page.update_query(None, None) == f"?indicateur={ORDI}&ventilation=ep"


def test_url_round_trip_through_the_layout(page: ModuleType) -> None:
    search = page.update_query(HEURES, "secteur")
    tree = page.layout(**logic.query_params(search))
    assert by_id(tree, ids.ENQUETES_INDICATOR).value == HEURES
    assert by_id(tree, ids.ENQUETES_BREAKDOWN).value == "secteur"


def test_select_domain_from_a_click(page: ModuleType) -> None:
    search = f"?indicateur={ORDI}&ventilation=ep"
    click = {"points": [{"y": "REP+", "customdata": ["1", f"9,4{N}%", "", "", ""]}]}
    assert page.select_domain(click, search) == f"{search}&domaine=1"
    # a second click on the same bar goes back to the « ensemble » sentence
    assert page.select_domain(click, f"{search}&domaine=1") == search
    masked = {"points": [{"y": "REP", "customdata": ["2"]}]}
    assert page.select_domain(masked, search) == f"{search}&domaine=2"
    assert page.select_domain(None, search) is no_update
    assert page.select_domain({"points": [{"y": "x"}]}, search) is no_update


@pytest.mark.parametrize(
    "click",
    [None, {}, {"points": "x"}, {"points": {"0": 1}}, {"points": [5]},
     {"points": [{"customdata": 7}]}, {"points": [{"customdata": []}]},
     {"points": [{"customdata": [1]}]}, {"points": [{"customdata": [None, "x"]}]}],
)  # fmt: skip
def test_select_domain_ignores_clicks_without_a_domain(page: ModuleType, click: Any) -> None:
    assert page.select_domain(click, f"?indicateur={ORDI}&ventilation=ep") is no_update


def test_callbacks_when_the_tables_vanish(page: ModuleType, enquetes_dir: Path) -> None:
    """Tables removed under an open page: a French message where there is room for one,
    nothing changed elsewhere, never a traceback."""
    shutil.rmtree(enquetes_dir / "processed")
    search = f"?indicateur={ORDI}&ventilation=ep"
    assert page.update_query(ORDI, "sexe") is no_update
    assert page.select_domain({"points": [{"customdata": ["1"]}]}, search) is no_update
    text = text_of(page.update_gap("1", "3", search))
    assert text.startswith("L'écart n'a pas pu être calculé")
    assert "make build" in text
    assert page.download_data(1, search) is no_update
    data, status = page.download_png(1, search)
    assert data is no_update
    assert status.startswith("L'image n'a pas pu être produite") and "make build" in status


def test_download_data(page: ModuleType) -> None:
    payload = page.download_data(1, f"?indicateur={ORDI}&ventilation=ep")
    assert payload["filename"] == f"{ORDI}_ep_SYNTHETIQUE.csv"
    raw = decode_download(payload)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(payload)
    assert list(rows[0]) == [
        "indicateur", "libelle", "theme", "population", "ventilation", "libelle_ventilation",
        "code_domaine", "domaine", "unite", "estimation", "erreur_type", "ic95_bas", "ic95_haut",
        "repondants", "cv", "statut", "champ", "source",
    ]  # fmt: skip
    assert [r["domaine"] for r in rows] == ["REP+", "REP", "Hors éducation prioritaire"]
    assert [r["statut"] for r in rows] == ["fragile", "masqué", "publié"]
    assert rows[2]["estimation"] == "0,444"  # a proportion, decimal comma
    assert rows[2]["unite"] == "proportion (0-1)"


@pytest.mark.usefixtures("no_png_renderer")
def test_download_png_without_chromium(page: ModuleType) -> None:
    data, status = page.download_png(1, f"?indicateur={ORDI}&ventilation=ep")
    assert data is no_update
    assert "Chromium" in status and "CSV" in status


@pytest.mark.browser
@NEEDS_PNG_RENDERER
def test_download_png(page: ModuleType) -> None:
    data, status = page.download_png(1, f"?indicateur={ORDI}&ventilation=ep")
    assert status == ""
    assert data["filename"] == f"{ORDI}_ep_SYNTHETIQUE.png"
    assert decode_download(data)[:8] == b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------- missing or broken -----


def test_layout_before_the_build(
    make_app: AppFactory, data_dir: Path, library: FakeLibrary
) -> None:
    make_app(data_dir)  # raw data, no processed survey table
    page = importlib.import_module("dashboards.pages.enquetes")
    tree = page.layout()
    message = by_id(tree, ids.ENQUETES_MISSING)
    assert "make build" in text_of(message)
    assert library.gap_calls == 0


def test_layout_when_the_table_is_unreadable(
    page: ModuleType, make_app: AppFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "casse"
    write_built_tables(folder, TABLE.drop("estimate"))  # a table of another shape
    make_app(folder)
    message = by_id(page.layout(), ids.ENQUETES_MISSING)
    assert message.role == "alert"
    assert "estimate" in text_of(message)


def test_layout_when_the_table_is_empty(
    page: ModuleType, make_app: AppFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "vide"
    write_built_tables(folder, TABLE.clear())
    make_app(folder)
    message = by_id(page.layout(), ids.ENQUETES_MISSING)
    assert "la table des indicateurs est vide" in text_of(message)


# ------------------------------------------------------------------------ the gap's cache -----

PAIR = (ORDI, "ep", "1", "3")


def test_gap_is_cached_on_the_survey_tables(enquetes_dir: Path, library: FakeLibrary) -> None:
    processed = enquetes_dir / "processed"
    first = data_access.indicator_gap(*PAIR, processed)
    assert first.schema == pl.Schema(data_access.GAP_SCHEMA)
    assert first.height == 1 and first["difference"][0] == pytest.approx(0.094 - 0.444, abs=1e-3)
    data_access.indicator_gap(*PAIR, processed)
    assert library.gap_calls == 1
    # callers get a copy: changing it changes nothing for the next one
    first.drop_in_place("difference")
    assert "difference" in data_access.indicator_gap(*PAIR, processed).columns

    # a rebuilt survey table (new mtime) is computed again
    table = processed / "enquete_eleves_2d.parquet"
    stat = table.stat()
    os.utime(table, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    data_access.indicator_gap(*PAIR, processed)
    assert library.gap_calls == 2

    # a new process (empty memory cache) reads the disk cache under settings.cache_dir
    data_access._gap_frame.cache_clear()
    assert data_access.indicator_gap(*PAIR, processed).equals(
        data_access.indicator_gap(*PAIR, processed)
    )
    assert library.gap_calls == 2
    assert (enquetes_dir / "cache").is_dir()


def test_gap_checks_the_shape(enquetes_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data_access, "_compute_gap", lambda *_: pl.DataFrame({"a": ["1"]}))
    with pytest.raises(data_access.GapError, match="p_value"):
        data_access.indicator_gap(ORDI, "sexe", "1", "2", enquetes_dir / "processed")


def test_gap_inputs(tmp_path: Path) -> None:
    with pytest.raises(IndicatorNotBuiltError, match="egn build"):
        data_access.gap_inputs(tmp_path)
    write_survey_tables(tmp_path)
    (tmp_path / "processed" / "enquete_eleves_2d.rejects.parquet").write_bytes(b"")
    names = [name for name, _, _ in data_access.gap_inputs(tmp_path / "processed")]
    assert names == ["enquete_eleves_2d.parquet"]


# ------------------------------------------------------------ on generated, built data -----


@pytest.mark.integration
def test_layout_on_generated_data(make_app: AppFactory, generated_data_dir: Path) -> None:
    """The page on tables generated and built for real (surveys + établissements)."""
    make_app(generated_data_dir)
    page = importlib.import_module("dashboards.pages.enquetes")
    tree = page.layout(ventilation="ep")
    assert by_id(tree, ids.ENQUETES_BREAKDOWN).value == "ep"
    lines = table_lines(tree)
    assert "REP+" in lines and "Hors éducation prioritaire" in lines
    assert by_id(tree, ids.ENQUETES_GAP_A).value == next(
        o["value"] for o in by_id(tree, ids.ENQUETES_GAP_A).options if o["label"] == "REP+"
    )
    gap = text_of(by_id(tree, ids.ENQUETES_GAP_RESULT))
    assert "au seuil de 5" in gap and "points" in gap
    assert card_notes(tree, ids.ENQUETES_CARD)["Lecture"].startswith("en 2020")


@pytest.mark.integration
def test_gap_of_a_domain_with_itself_on_generated_data(
    make_app: AppFactory, generated_data_dir: Path
) -> None:
    """The real library takes a code or a label: « REP+ » against its own code is refused
    (it used to show a gap of 0), and labels still compare two domains."""
    make_app(generated_data_dir)
    page = importlib.import_module("dashboards.pages.enquetes")
    search = "?ventilation=ep"
    rep_plus = next(
        o["value"] for o in by_id(page.layout(ventilation="ep"), ids.ENQUETES_GAP_A).options
        if o["label"] == "REP+"
    )  # fmt: skip
    same = text_of(page.update_gap(rep_plus, "REP+", search))
    assert same.startswith("Choisissez deux domaines différents"), same
    assert "points" not in same
    labels = text_of(page.update_gap("REP+", "Hors éducation prioritaire", search))
    assert "au seuil de 5" in labels and "points" in labels
