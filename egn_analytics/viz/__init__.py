"""Figures for EGN Analytics: French formats, one Plotly template, chart builders, chart cards.

Boundary: this package never imports :mod:`dash` (a test enforces it), so notebooks and the
briefing-note exports use exactly the figures the dashboard shows. Image export
(:mod:`egn_analytics.viz.render`) imports kaleido only when an image is first requested.
"""

from __future__ import annotations

from egn_analytics.viz.card import (
    ChartCard,
    csv_bytes,
    export_data,
    export_png,
    export_svg,
    png_bytes,
)
from egn_analytics.viz.charts import bar_chart
from egn_analytics.viz.formats import (
    MISSING,
    fmt_bytes,
    fmt_date,
    fmt_month,
    fmt_number,
    fmt_pct,
)
from egn_analytics.viz.render import RenderUnavailableError, render_image
from egn_analytics.viz.theme import TEMPLATE_NAME, apply_theme, graph_config

__all__ = [
    "MISSING",
    "TEMPLATE_NAME",
    "ChartCard",
    "RenderUnavailableError",
    "apply_theme",
    "bar_chart",
    "csv_bytes",
    "export_data",
    "export_png",
    "export_svg",
    "fmt_bytes",
    "fmt_date",
    "fmt_month",
    "fmt_number",
    "fmt_pct",
    "graph_config",
    "png_bytes",
    "render_image",
]
