"""Chart-card contract, publication figure, exports; theme and bar builder.

Image exports need Chromium: those tests carry ``@pytest.mark.browser`` (deselect with
``-m "not browser"``) and are skipped with a reason when no Chromium is installed.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest

from egn_analytics.viz import (
    ChartCard,
    RenderUnavailableError,
    apply_theme,
    bar_chart,
    csv_bytes,
    export_data,
    export_png,
    export_svg,
    fmt_number,
)
from egn_analytics.viz.render import WarmRenderer, find_browser, renderer
from egn_analytics.viz.theme import BLEU_FRANCE, GREY_MUTED_BAR, TEMPLATE_NAME, build_template

# Skipped on a developer machine without Chromium; under CI (CI set) a missing Chromium fails.
needs_chromium = pytest.mark.skipif(
    find_browser() is None and not os.environ.get("CI"),
    reason="no Chromium (apt-get install chromium, or BROWSER_PATH)",
)


@pytest.fixture
def data() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "famille": ["Établissements", "Journaux ENT", "Textes (RETEX, consultation)"],
            "taille_mo": [12.3, 1234.5, 0.25],
        }
    )


@pytest.fixture
def card(data: pl.DataFrame) -> ChartCard:
    fig = bar_chart(data, x="taille_mo", y="famille", orientation="h")
    return ChartCard(
        figure=fig,
        title="Taille des fichiers par famille",
        subtitle="En mégaoctets (Mo)",
        lecture="les journaux ENT occupent 1\u202f234,5\u202fMo.",
        champ="fichiers bruts du jeu de données.",
        source="EGN Analytics, générateur de données synthétiques.",
        data=data,
    )


def _texts(card: ChartCard) -> dict[str, str]:
    return {
        "figure": card.figure,
        "title": card.title,
        "subtitle": card.subtitle,
        "lecture": card.lecture,
        "champ": card.champ,
        "source": card.source,
        "data": card.data,
    }  # type: ignore[return-value]


# --------------------------------------------------------------------------- contract ------


@pytest.mark.parametrize("field", ["title", "subtitle", "lecture", "champ", "source"])
@pytest.mark.parametrize("value", ["", "   \n"])
def test_empty_text_field_is_refused(card: ChartCard, field: str, value: str) -> None:
    kwargs = _texts(card) | {field: value}
    with pytest.raises(ValueError, match=field):
        ChartCard(**kwargs)  # type: ignore[arg-type]


def test_all_empty_fields_are_named(card: ChartCard) -> None:
    kwargs = _texts(card) | {"lecture": "", "source": ""}
    with pytest.raises(ValueError, match="lecture, source"):
        ChartCard(**kwargs)  # type: ignore[arg-type]


def test_wrong_types_are_refused(card: ChartCard) -> None:
    with pytest.raises(TypeError, match="plotly Figure"):
        ChartCard(**(_texts(card) | {"figure": {"data": []}}))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="polars DataFrame"):
        ChartCard(**(_texts(card) | {"data": [1, 2]}))  # type: ignore[arg-type]


def test_card_is_frozen(card: ChartCard) -> None:
    with pytest.raises(AttributeError):
        card.title = "autre"  # type: ignore[misc]


# --------------------------------------------------------------------- publication figure --


def test_publication_figure_does_not_mutate_input(card: ChartCard) -> None:
    before = card.figure.to_json()
    layout_before = card.figure.layout.to_plotly_json()
    pub = card.to_publication_figure()
    assert pub is not card.figure
    assert card.figure.to_json() == before
    assert card.figure.layout.to_plotly_json() == layout_before
    assert not card.figure.layout.annotations
    # and modifying the result does not reach back either
    pub.data[0].marker.color = "red"
    assert card.figure.to_json() == before


def test_publication_figure_has_titles_and_notes(card: ChartCard) -> None:
    pub = card.to_publication_figure(width=900, plot_height=400)
    assert pub.layout.title.text == "Taille des fichiers par famille"
    assert pub.layout.title.subtitle.text == "En mégaoctets (Mo)"
    texts = [a.text for a in pub.layout.annotations]
    assert len(texts) == 4
    assert texts[0].startswith("<b>Lecture\u00a0:</b> les journaux ENT")
    assert texts[1].startswith("<b>Champ\u00a0:</b>")
    assert texts[2].startswith("<b>Source\u00a0:</b>")
    assert "Données\u00a0synthétiques" in texts[3]
    # French spaces inside numbers survive wrapping and escaping
    assert "1\u202f234,5\u202fMo" in texts[0]
    # margins sized for the texts; the plotting area keeps its height
    margin = pub.layout.margin
    assert pub.layout.width == 900
    assert pub.layout.height == 400 + margin.t + margin.b
    assert margin.b > 100


def test_notes_are_stacked_downwards(card: ChartCard) -> None:
    pub = card.to_publication_figure()
    shifts = [a.yshift for a in pub.layout.annotations]
    assert shifts == sorted(shifts, reverse=True)
    assert all(
        a.yref == "paper" and a.y == 0 and a.yanchor == "top" for a in pub.layout.annotations
    )
    assert pub.layout.margin.b > -shifts[-1]


def test_not_synthetic_has_no_synthetic_note(card: ChartCard) -> None:
    real = ChartCard(**_texts(card), synthetic=False)  # type: ignore[arg-type]
    texts = " ".join(a.text for a in real.to_publication_figure().layout.annotations)
    assert "Données\u00a0synthétiques" not in texts
    assert "Lecture" in texts and "Champ" in texts and "Source" in texts


def test_long_notes_wrap_and_grow_the_margin(card: ChartCard) -> None:
    long = ChartCard(**(_texts(card) | {"lecture": "mot " * 120}))  # type: ignore[arg-type]
    short_pub = card.to_publication_figure()
    long_pub = long.to_publication_figure()
    assert "<br>" in long_pub.layout.annotations[0].text
    assert long_pub.layout.margin.b > short_pub.layout.margin.b


def test_user_text_is_escaped(card: ChartCard) -> None:
    tricky = ChartCard(**(_texts(card) | {"source": "<b>pas du gras</b> & co"}))  # type: ignore[arg-type]
    source = tricky.to_publication_figure().layout.annotations[2].text
    assert "&lt;b&gt;pas du gras&lt;/b&gt; &amp; co" in source


def test_publication_figure_uses_the_egn_template(card: ChartCard) -> None:
    bare = ChartCard(**(_texts(card) | {"figure": go.Figure(go.Scatter(x=[1], y=[2]))}))  # type: ignore[arg-type]
    pub = bare.to_publication_figure()
    assert pub.layout.template.layout.separators == ",\u202f"


# ------------------------------------------------------------------------------ data ------


def test_csv_bytes_for_excel_fr(data: pl.DataFrame) -> None:
    raw = csv_bytes(data)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "famille;taille_mo"
    assert "Établissements;12,3" in text
    assert (
        '"Textes (RETEX, consultation)";0,25' in text or "Textes (RETEX, consultation);0,25" in text
    )


def test_export_data_csv_is_atomic(card: ChartCard, tmp_path: Path) -> None:
    dest = tmp_path / "sortie" / "tailles.csv"
    assert export_data(card, dest) == dest
    assert dest.read_bytes() == csv_bytes(card.data)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["tailles.csv"]  # no temp left
    assert (dest.stat().st_mode & 0o777) == 0o644


def test_export_data_xlsx_without_engine(card: ChartCard, tmp_path: Path) -> None:
    try:
        import xlsxwriter  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="xlsxwriter"):
            export_data(card, tmp_path / "t.xlsx")
        assert not list(tmp_path.iterdir())
    else:
        export_data(card, tmp_path / "t.xlsx")
        assert (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"


# --------------------------------------------------------------------------- builders -----


def test_bar_chart_vertical(data: pl.DataFrame) -> None:
    before = data.clone()
    fig = bar_chart(data, x="famille", y="taille_mo", value_format=lambda v: fmt_number(v, 1))
    bar = fig.data[0]
    assert list(bar.x) == data["famille"].to_list()
    assert list(bar.text) == ["12,3", "1\u202f234,5", "0,3"]
    assert bar.marker.color == BLEU_FRANCE
    assert fig.layout.template.layout.separators == ",\u202f"
    assert data.equals(before)


def test_bar_chart_horizontal_with_highlight(data: pl.DataFrame) -> None:
    fig = bar_chart(data, x="taille_mo", y="famille", orientation="h", highlight=["Journaux ENT"])
    bar = fig.data[0]
    assert bar.orientation == "h"
    assert list(bar.y) == data["famille"].to_list()
    assert list(bar.marker.color) == [GREY_MUTED_BAR, BLEU_FRANCE, GREY_MUTED_BAR]
    assert fig.layout.yaxis.autorange == "reversed"  # first row on top


def test_bar_chart_unknown_column(data: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="absent"):
        bar_chart(data, x="famille", y="absent")


# ------------------------------------------------------------------------------ theme -----


def test_theme_is_registered_and_idempotent() -> None:
    previous = pio.templates.default
    try:
        apply_theme()
        apply_theme()
        assert pio.templates.default == TEMPLATE_NAME
        layout = pio.templates[TEMPLATE_NAME].layout
        assert layout.separators == ",\u202f"
        assert layout.font.family == "Marianne, Arial, sans-serif"
        assert layout.colorway[0] == BLEU_FRANCE
        assert layout.title.x == 0 and layout.title.xanchor == "left"
    finally:
        pio.templates.default = previous


def test_template_has_no_remote_font() -> None:
    assert "http" not in build_template().to_plotly_json().__repr__()


def test_library_never_imports_dash_or_kaleido() -> None:
    code = (
        "import sys, egn_analytics.viz, egn_analytics.viz.card, egn_analytics.viz.render;"
        "bad = [m for m in ('dash', 'kaleido') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------- exports -----


def test_missing_browser_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    fresh = WarmRenderer(start_timeout=5)
    with pytest.raises(RenderUnavailableError, match="Chromium"):
        fresh.render(go.Figure())
    assert not fresh.running


def _png_size(raw: bytes) -> tuple[int, int]:
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    assert raw[12:16] == b"IHDR"
    return struct.unpack(">II", raw[16:24])


@pytest.mark.browser
@needs_chromium
def test_export_png_and_svg(card: ChartCard, tmp_path: Path) -> None:
    png = export_png(card, tmp_path / "figure.png", width=800, scale=2)
    raw = png.read_bytes()
    width, height = _png_size(raw)
    pub = card.to_publication_figure(width=800)
    assert (width, height) == (1600, 2 * pub.layout.height)
    assert len(raw) > 20_000
    assert (png.stat().st_mode & 0o777) == 0o644

    svg = export_svg(card, tmp_path / "figure.svg")
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<svg")
    assert "Lecture" in text and "Source" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.png", "figure.svg"]


@pytest.mark.browser
@needs_chromium
def test_renderer_stays_warm(card: ChartCard, tmp_path: Path) -> None:
    export_png(card, tmp_path / "a.png", scale=1)
    assert renderer().running
    browser = renderer()._kaleido
    export_png(card, tmp_path / "b.png", scale=1)
    assert renderer()._kaleido is browser  # same Chromium, not a new one per image
    assert os.path.getsize(tmp_path / "b.png") > 0


def test_csv_bytes_neutralises_formulas_in_text_cells() -> None:
    frame = pl.DataFrame(
        {
            "texte": ['=HYPERLINK("x")', "+33", "-moins", "@cmd", "normal", None],
            "n": [-1, 2, 3, 4, 5, 6],
        }
    )
    lines = csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert [line.split(";")[0] for line in lines[1:]] == [
        '"\'=HYPERLINK(""x"")"',
        "'+33",
        "'-moins",
        "'@cmd",
        "normal",
        "",
    ]
    assert lines[1].endswith(";-1")  # numbers keep their sign
