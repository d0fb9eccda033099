"""Chart builders: a tidy table in, a themed ``go.Figure`` out, nothing else.

Why builders and not ``plotly.express`` calls scattered in pages: the same bar chart appears
in the dashboard, a notebook and a briefing note; labels must be formatted the French way
(:mod:`egn_analytics.viz.formats`), bars must carry their value, and a highlighted category
must look the same everywhere. Builders are pure: they never mutate the DataFrame and never
touch global Plotly state (the template is set on the figure itself).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Literal

import plotly.graph_objects as go
import polars as pl

from egn_analytics.viz.formats import fmt_number
from egn_analytics.viz.theme import BLEU_FRANCE, GREY_MUTED, GREY_MUTED_BAR, template


def _check_columns(df: pl.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing} (has {df.columns})")


def bar_chart(
    df: pl.DataFrame,
    x: str,
    y: str,
    *,
    orientation: Literal["v", "h"] = "v",
    highlight: Collection[object] | None = None,
    value_format: Callable[[Any], str] = fmt_number,
    value_label: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    color: str = BLEU_FRANCE,
    show_values: bool = True,
) -> go.Figure:
    """Bar chart of ``df`` with one bar per row, columns mapped to axes as in plotly express.

    Vertical (``orientation="v"``): categories in ``x``, values in ``y``. Horizontal
    (``"h"``, better for long French labels): values in ``x``, categories in ``y``; the first
    row is drawn at the top, so the table's order is the reading order.

    ``highlight``: categories drawn in ``color``, the others in a pale blue (to point at the
    selected family or académie without a second colour). ``value_format`` prints the values
    on the bars and in the hover label (default :func:`fmt_number`); ``value_label`` names the
    value in the hover label (default: the value column's axis title or name).
    """
    _check_columns(df, x, y)
    category, value = (x, y) if orientation == "v" else (y, x)
    categories = df.get_column(category).to_list()
    values = df.get_column(value).to_list()
    labels = [value_format(v) for v in values]
    if highlight is None:
        colors: str | list[str] = color
    else:
        wanted = set(highlight)
        colors = [color if c in wanted else GREY_MUTED_BAR for c in categories]

    value_title = (y_title if orientation == "v" else x_title) or value
    hover_name = value_label or value_title
    bar = go.Bar(
        x=categories if orientation == "v" else values,
        y=values if orientation == "v" else categories,
        orientation=orientation,
        marker={"color": colors},
        text=labels if show_values else None,
        textposition="outside" if show_values else None,
        cliponaxis=False,
        customdata=labels,
        hovertemplate=(
            f"%{{{'x' if orientation == 'v' else 'y'}}}<br>{hover_name}"
            " : %{customdata}<extra></extra>"
        ),
        showlegend=False,
    )
    fig = go.Figure(bar)
    fig.update_layout(
        template=template(),
        xaxis_title=x_title if x_title is not None else (x if orientation == "v" else None),
        yaxis_title=y_title if y_title is not None else (y if orientation == "v" else None),
    )
    if orientation == "h":
        # Values on x: vertical grid lines help, the category axis needs no grid.
        fig.update_layout(
            yaxis={"autorange": "reversed", "showgrid": False, "showline": True},
            xaxis={"showgrid": True, "showline": False, "ticks": ""},
        )
    return fig


def empty_figure(message: str, height: int = 260) -> go.Figure:
    """A blank, themed figure that says why there is nothing to draw (« Aucune contribution ne
    correspond aux filtres »): a card keeps its place and its notes when its filters leave no
    data, rather than showing empty axes."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"color": GREY_MUTED, "size": 14},
    )
    fig.update_layout(
        template=template(),
        height=height,
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return fig


__all__ = ["bar_chart", "empty_figure"]
