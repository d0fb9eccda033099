"""The HTML note: one self-contained file, identical from one build to the next, no masked
value anywhere, and fast enough."""

from __future__ import annotations

import os
import re
import time
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.cards import Tables
from egn_analytics.notes import build_note, render_html, scope_of
from egn_analytics.notes.html import data_table, fmt_cell, note_html

ORDI = "eleves_ordinateur_perso"
#: A value no cell of the build holds, planted in a row of the survey table.
PLANTED = {"estimate": 0.98765, "se": 0.004, "ci_lower": 0.97981, "ci_upper": 0.99549}
PLANTED_TEXTS = ("98,8", "0,988", "98,0", "99,5", "0,980", "0,995")


def _planted_folder(processed: Path, target: Path, status: str) -> Path:
    """A tables folder that links every file of the build but the survey table, where the
    rows of académie 09 and of REP+ for ``ORDI`` carry :data:`PLANTED` with ``status``
    (a « masked » row that kept its values: what a faulty table could hold)."""
    source = processed.resolve()
    folder = target / "data" / "processed"
    (folder / "indicateurs").mkdir(parents=True)
    os.symlink(source.parent.parent / "raw", target / "data" / "raw")
    for entry in source.iterdir():
        if entry.name != "indicateurs":
            os.symlink(entry, folder / entry.name)
    for entry in (source / "indicateurs").iterdir():
        if entry.name != "enquetes_catalogue.parquet":
            os.symlink(entry, folder / "indicateurs" / entry.name)
    table = pl.read_parquet(source / "indicateurs" / "enquetes_catalogue.parquet")
    hit = (pl.col("indicator") == ORDI) & (
        ((pl.col("breakdown") == "academie") & (pl.col("domain_code") == "09"))
        | ((pl.col("breakdown") == "ep") & (pl.col("domain_code") == "1"))
    )
    planted = table.with_columns(
        *(pl.when(hit).then(pl.lit(v)).otherwise(pl.col(c)).alias(c) for c, v in PLANTED.items()),
        pl.when(hit).then(pl.lit(status)).otherwise(pl.col("status")).alias("status"),
        pl.when(hit)
        .then(pl.lit("en 2020, 98,8\u202f% des élèves planté."))
        .otherwise(pl.col("lecture"))
        .alias("lecture"),
    )
    assert planted.filter(hit).height == 2
    planted.write_parquet(folder / "indicateurs" / "enquetes_catalogue.parquet")
    return folder


@pytest.fixture(scope="module")
def lille_html(tables: Tables, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The HTML note of académie 09, built twice from the same tables."""
    from egn_analytics.viz.render import find_browser

    if find_browser() is None:
        pytest.skip("pas de Chromium pour rendre les graphiques")
    out = tmp_path_factory.mktemp("html")
    scope = scope_of(academie="09")
    first = render_html(build_note(scope, tables), out / "a.html")
    second = render_html(build_note(scope, tables), out / "b.html")
    return first, second


def test_two_builds_of_a_note_are_byte_identical(lille_html: tuple[Path, Path]) -> None:
    first, second = lille_html
    assert first.read_bytes() == second.read_bytes()


def test_the_file_is_self_contained_and_complete(lille_html: tuple[Path, Path]) -> None:
    text = lille_html[0].read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<html lang="fr">' in text
    assert not re.search(r"https?:|//[a-z0-9-]+\.[a-z]|<script|<link|<img|@import", text)
    assert not re.search(r"url\((?!['\"]?#)", text)  # in-page references only (SVG clips)
    n = text.count("<svg ")
    assert 4 <= n <= 6
    for i in range(1, n + 1):
        assert f"<figcaption>Graphique {i}</figcaption>" in text
        assert f'id="annexe-{i}"' in text
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids))  # two charts never share a clip-path id
    for heading in ("Messages clés", "Graphiques", "Méthodologie", "Annexe"):
        assert f"{heading}" in text
    assert "IC à 95\u202f%\u00a0:" in text
    assert "Secret statistique" in text and "Données synthétiques" in text
    assert text.count("<table>") == n


def test_no_masked_value_reaches_the_note(
    processed: Path, tmp_path: Path, needs_chromium: None
) -> None:
    scope = scope_of(academie="09")
    shown = Tables(_planted_folder(processed, tmp_path / "shown", "published"))
    control = note_html(build_note(scope, shown), ["<svg></svg>"] * 6)
    assert "98,8" in control  # the planted value would be seen if it were published

    masked = Tables(_planted_folder(processed, tmp_path / "masked", "masked"))
    note = build_note(scope, masked)
    path = render_html(note, tmp_path / "note.html")
    text = path.read_text(encoding="utf-8")
    # What a reader can read: every text node (the charts' labels included), without the
    # markup, whose SVG path coordinates (« M0,988.24 ») are not values.
    readable = re.sub(r"<[^>]*>", " ", text)
    for value in PLANTED_TEXTS:
        assert value not in readable
    assert "non diffusé (secret statistique)" in text
    assert "secret statistique" in text and "masqué" in text


def test_a_fragile_message_is_flagged_in_the_page(processed: Path, tmp_path: Path) -> None:
    fragile = Tables(_planted_folder(processed, tmp_path / "fragile", "fragile"))
    note = build_note(scope_of(academie="09"), fragile)
    assert note.messages[0].status == "fragile"
    text = note_html(note, ["<svg></svg>"] * len(note.figures))
    # Flagged once, by the sentence itself (« estimation fragile, CV > 20 %, à interpréter
    # avec prudence »), not a second time by a badge.
    assert "à interpréter avec prudence" in text
    assert '<span class="fragile">' not in text
    bare = replace(note, messages=(replace(note.messages[0], text="Un chiffre."),))
    svgs = ["<svg></svg>"] * len(bare.figures)
    assert '<span class="fragile">estimation fragile</span>' in note_html(bare, svgs)


def test_cells_and_tables_in_french() -> None:
    assert fmt_cell(0.4245) == ("0,425", True)
    assert fmt_cell(1234) == ("1\u202f234", True)
    assert fmt_cell(None) == ("", False)
    frame = pl.DataFrame({"indicateur": ["a", "a"], "valeur": [0.5, None], "n": [12, 3000]})
    html = data_table(frame)
    assert '<p class="constantes">indicateur\u00a0: a</p>' in html
    assert "<th>indicateur</th>" not in html and '<td class="n">3\u202f000</td>' in html
    assert "premières lignes" in data_table(frame, limit=1)


@pytest.mark.parametrize("kind", ["academie", "national"])
def test_timing(
    kind: str, tables: Tables, tmp_path: Path, needs_chromium: None, record_property: object
) -> None:
    """Build and render one note (Chromium already warm from the tests above or started
    here); printed for the report. Bound generous: the test machine is shared."""
    from egn_analytics.viz.render import renderer

    renderer().start()
    scope = scope_of(national=True) if kind == "national" else scope_of(academie="09")
    started = time.perf_counter()
    render_html(build_note(scope, tables), tmp_path / "note.html")
    seconds = time.perf_counter() - started
    print(f"note {kind} : {seconds:.2f} s")
    record_property(f"note_{kind}_s", round(seconds, 2))  # type: ignore[operator]
    assert seconds < 60
