"""``egn export charts``: every card of a page as numbered files for a note.

What must hold: one file per card and format, named ``graphique-NN-<page>-<card>.<ext>`` in the
page's order; the CSV says exactly what the card's data say; two runs on one build give the
same bytes (CSV and XLSX always; images with the same Chromium); a masked cell is empty in
every data file, even when the table behind it still carries the secret value.

Two builds: a handmade survey table (published, fragile and masked cells: instant) and a small
generated build of the consultation (three cards, a few seconds), made here as the files of
this folder own no shared fixture.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from egn_analytics.cards import Tables, build_card
from egn_analytics.notes.charts import (
    FORMATS,
    ChartExportError,
    chart_stem,
    export_charts,
    page_cards,
    page_view,
    stable_pdf,
    stable_svg,
)
from egn_analytics.viz import csv_bytes
from egn_analytics.viz.render import find_browser
from tests.cards.enquetes_table import SECRET_TEXTS, leaky_table

needs_chromium = pytest.mark.skipif(find_browser() is None, reason="Chromium absent")
DATA = ("csv", "xlsx")


# ---------------------------------------------------------------------------- fixtures -----


@pytest.fixture(scope="module")
def survey_tables(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    """A tables folder whose survey catalogue has a masked « REP » cell that still carries
    its values (a leaky library): the export must blank it, as the page does."""
    folder = tmp_path_factory.mktemp("enquetes") / "processed"
    (folder / "indicateurs").mkdir(parents=True)
    leaky_table().write_parquet(folder / "indicateurs" / "enquetes_catalogue.parquet")
    return Tables(folder, synthetic=True)


@pytest.fixture(scope="module")
def concertation_tables(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    """A small generated build with the consultation's tables (three cards)."""
    from egn_analytics.loaders import registry
    from egn_analytics.synth import generate

    data = tmp_path_factory.mktemp("data")
    generate(data / "raw", seed=2020, scale=0.05, families=("etablissements", "textes"))
    failed = [s for s in registry.build(data / "raw", data / "processed") if "erreur" in s]
    assert not failed, failed
    return Tables(data / "processed")


def _csv_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _xlsx_rows(path: Path) -> list[dict[str, object]]:
    return pl.read_excel(path, sheet_name="donnees").to_dicts()


def _masked_rows(rows: list[list[str]]) -> list[list[str]]:
    header = rows[0]
    status = header.index("statut")
    return [row for row in rows[1:] if row[status].startswith("masqu")]


# ------------------------------------------------------------------------------ naming -----


def test_chart_stem_numbers_for_a_note() -> None:
    assert chart_stem(1, "usages.rapport") == "graphique-01-usages-rapport"
    assert chart_stem(12, "concertation.couverture") == "graphique-12-concertation-couverture"


def test_page_cards_in_page_order() -> None:
    assert page_cards("usages")[:3] == ["usages.chronologie", "usages.cned", "usages.rapport"]
    assert page_cards("enquetes") == ["enquetes.estimations"]
    with pytest.raises(ChartExportError, match="page inconnue"):
        page_cards("accueil")


def test_page_view_says_the_territory_as_each_page_does() -> None:
    assert page_view("usages", academie="9") == {"territoire": "academie-09"}
    assert page_view("usages", region="32") == {"territoire": "region-32"}
    assert page_view("concertation", academie="09") == {"region": "32"}  # Lille → Hauts-de-France
    assert page_view("enquetes", academie="09") == {"ventilation": "academie", "domaine": "09"}
    assert page_view("enquetes", region="32") == {
        "ventilation": "region_academique",
        "domaine": "32",
    }
    assert page_view("donnees", academie="09") == {}
    assert page_view("usages") == {}
    with pytest.raises(ChartExportError, match="académie inconnue"):
        page_view("usages", academie="99")
    with pytest.raises(ChartExportError, match="pas les deux"):
        page_view("usages", academie="09", region="32")


def test_unknown_format_is_refused(survey_tables: Tables, tmp_path: Path) -> None:
    with pytest.raises(ChartExportError, match="format inconnu"):
        export_charts("enquetes", tmp_path, tables=survey_tables, formats=("gif",))
    assert not any(tmp_path.iterdir())


# -------------------------------------------------------------------------- data files -----


def test_csv_equals_the_cards_data(survey_tables: Tables, tmp_path: Path) -> None:
    written = export_charts("enquetes", tmp_path, tables=survey_tables, formats=DATA)
    assert [p.name for p in written] == [
        "graphique-01-enquetes-estimations.csv",
        "graphique-01-enquetes-estimations.xlsx",
    ]
    card = build_card("enquetes.estimations", {}, survey_tables)
    assert written[0].read_bytes() == csv_bytes(card.data)
    rows = _csv_rows(written[0])
    assert rows[0] == card.data.columns
    assert len(rows) - 1 == card.data.height
    # Excel keeps 15 significant digits: the same numbers, to the last bit or so.
    assert_frame_equal(
        pl.read_excel(written[1], sheet_name="donnees"), card.data, check_exact=False, rel_tol=1e-12
    )


def test_masked_cell_is_empty_in_csv_and_xlsx(survey_tables: Tables, tmp_path: Path) -> None:
    written = export_charts("enquetes", tmp_path, tables=survey_tables, formats=DATA)
    csv_file, xlsx_file = written
    rows = _csv_rows(csv_file)
    masked = _masked_rows(rows)
    assert len(masked) == 1  # « REP »: its estimate, interval and respondents are blank
    header = rows[0]
    for column in ("estimation", "erreur_type", "ic95_bas", "ic95_haut", "repondants", "cv"):
        assert masked[0][header.index(column)] == "", column
    excel = [r for r in _xlsx_rows(xlsx_file) if str(r["statut"]).startswith("masqu")]
    assert len(excel) == 1 and excel[0]["estimation"] is None and excel[0]["ic95_bas"] is None
    with zipfile.ZipFile(xlsx_file) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    text = csv_file.read_bytes().decode("utf-8-sig")
    for secret in SECRET_TEXTS:
        assert secret not in text and secret not in xml, secret


def test_two_runs_give_identical_data_files(survey_tables: Tables, tmp_path: Path) -> None:
    first = export_charts("enquetes", tmp_path / "a", tables=survey_tables, formats=DATA)
    second = export_charts("enquetes", tmp_path / "b", tables=survey_tables, formats=DATA)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    with zipfile.ZipFile(first[1]) as z:  # the build's date, not the clock
        core = z.read("docProps/core.xml").decode()
    assert "<dcterms:created" in core and "1980-01-01T00:00:00Z" in core


def test_a_failing_card_writes_nothing(tmp_path: Path) -> None:
    """No table built: the error says so and the folder stays empty (no half set)."""
    from egn_analytics.indicators import IndicatorNotBuiltError

    empty = tmp_path / "processed"
    (empty / "indicateurs").mkdir(parents=True)
    with pytest.raises(IndicatorNotBuiltError):
        export_charts("usages", tmp_path / "out", tables=Tables(empty), formats=DATA)
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------ images -----


def test_stable_svg_replaces_plotlys_random_ids() -> None:
    svg = (
        b'<svg><defs id="defs-66c22d"><clipPath id="clip66c22dxy"/></defs>'
        b'<rect fill="#66c22d" clip-path="url(#clip66c22dxy)"/></svg>'
    )
    out = stable_svg(svg, "graphique-01-x")
    assert b"defs-66c22d" not in out and b"clip66c22d" not in out
    assert b'fill="#66c22d"' in out  # a colour is not an id
    assert stable_svg(svg, "graphique-01-x") == out
    assert stable_svg(svg, "graphique-02-x") != out


def test_stable_pdf_dates_keep_their_length() -> None:
    import datetime as dt

    pdf = b"<</CreationDate (D:20261208000041+00'00')\n/ModDate (D:20261208000041+00'00')>>"
    out = stable_pdf(pdf, dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    assert len(out) == len(pdf)
    assert out.count(b"D:20260102030405+00'00'") == 2


@pytest.mark.integration
@needs_chromium
def test_every_card_of_a_page_in_every_format(concertation_tables: Tables, tmp_path: Path) -> None:
    view = page_view("concertation", academie="09")
    written = export_charts("concertation", tmp_path, view=view, tables=concertation_tables)
    expected = [
        f"graphique-{n:02d}-concertation-{card}.{fmt}"
        for n, card in enumerate(("themes", "propositions", "couverture"), start=1)
        for fmt in FORMATS
    ]
    assert [p.name for p in written] == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)  # no temporary left
    for path in written:
        data = path.read_bytes()
        assert len(data) > 500, path.name
        if path.suffix == ".png":
            assert data.startswith(b"\x89PNG")
        elif path.suffix == ".svg":
            assert b"<svg" in data[:500]
        elif path.suffix == ".pdf":
            assert data.startswith(b"%PDF")
    for n, key in enumerate(page_cards("concertation"), start=1):
        card = build_card(key, view, concertation_tables)
        csv_file = tmp_path / f"{chart_stem(n, key)}.csv"
        assert csv_file.read_bytes() == csv_bytes(card.data)
        assert (
            card.title.split()[0].encode() in (tmp_path / f"{chart_stem(n, key)}.svg").read_bytes()
        )


@pytest.mark.integration
@needs_chromium
def test_two_runs_give_identical_files(concertation_tables: Tables, tmp_path: Path) -> None:
    first = export_charts("concertation", tmp_path / "a", tables=concertation_tables)
    second = export_charts("concertation", tmp_path / "b", tables=concertation_tables)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    core = zipfile.ZipFile(first[4]).read("docProps/core.xml").decode()
    generation = re.search(r"g-(\d{4})(\d{2})(\d{2})T", str(concertation_tables.folder))
    assert generation is not None
    assert "{}-{}-{}T".format(*generation.groups()) in core


# --------------------------------------------------------------------------------- CLI -----


def test_cli_exports_a_page(concertation_tables: Tables, tmp_path: Path) -> None:
    from egn_analytics.cli import app

    out = tmp_path / "graphiques"
    result = CliRunner().invoke(
        app,
        [
            "export", "charts", "--page", "concertation", "--academie", "09",
            "--out", str(out), "--processed", str(concertation_tables.folder),
            "--format", "csv,xlsx",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"graphique-{n:02d}-concertation-{c}.{f}"
        for n, c in enumerate(("themes", "propositions", "couverture"), start=1)
        for f in DATA
    )
    assert "6 fichiers" in result.output
    card = build_card("concertation.themes", {"region": "32"}, concertation_tables)
    assert (out / "graphique-01-concertation-themes.csv").read_bytes() == csv_bytes(card.data)


def test_cli_refuses_an_unknown_page_in_french(tmp_path: Path) -> None:
    from egn_analytics.cli import app

    result = CliRunner().invoke(
        app, ["export", "charts", "--page", "accueil", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "page inconnue" in result.output
    assert not (tmp_path / "x").exists()
