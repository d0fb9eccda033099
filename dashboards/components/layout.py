"""Page skeleton shared by every page: the page wrapper and its titled sections.

One definition so that every page has the same landmarks (a single ``h1``, sections named by
their ``h2`` for screen readers) and the same classes for the stylesheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from dashboards.components.notices import synthetic_notice

#: French texts of the dropdowns' controls (Dash's defaults are English).
DROPDOWN_LABELS: dcc.Dropdown.Labels = {
    "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucun résultat",
    "search": "Rechercher",
    "clear_search": "Effacer la recherche",
    "select_all": "Tout sélectionner",
    "deselect_all": "Tout désélectionner",
    "selected_count": "{num} sélectionnés",
}


def page(title: str, content: list[Component], class_name: str = "") -> html.Div:
    """The page: its ``h1`` then its content."""
    return html.Div([html.H1(title), *content], className=f"egn-page {class_name}".strip())


def section(
    heading_id: str, title: str, intro: str, children: list[Component], **props: Any
) -> html.Section:
    """A titled part of the page (the heading names it for screen readers)."""
    extra: dict[str, Any] = {"aria-labelledby": heading_id, **props}
    return html.Section(
        [
            html.H2(title, id=heading_id, className="egn-section__title"),
            html.P(intro, className="egn-section__intro"),
            *children,
        ],
        className="egn-section",
        **extra,
    )


def column_heads(columns: Sequence[tuple[str, str, str]]) -> html.Thead:
    """A table's header row from ``(field, header, class)`` columns."""
    return html.Thead(
        html.Tr([html.Th(label, scope="col", className=cls or None) for _, label, cls in columns])
    )


def grouped_body(label: str, rows: Sequence[Sequence[Component]], **row_props: Any) -> html.Tbody:
    """A table body whose first cell names its group once, spanning its rows (a screen reader
    reads the group with every row)."""
    group = html.Th(label, scope="rowgroup", rowSpan=len(rows), className="egn-table__group")
    return html.Tbody(
        [
            html.Tr([group, *cells] if i == 0 else list(cells), **row_props)
            for i, cells in enumerate(rows)
        ]
    )


def table_region(table: html.Table, label: str) -> html.Div:
    """A table in a focusable region named ``label``: a wide table scrolls, by keyboard too."""
    extra: dict[str, Any] = {"aria-label": label}
    return html.Div(table, className="egn-table-wrapper", tabIndex="0", role="region", **extra)


def page_start(location_id: str, lead: str, notice: str | None) -> list[Component]:
    """What every page opens with: its URL (the view's state), its lead paragraph, and the
    synthetic-data reminder when the data are synthetic."""
    content: list[Component] = [
        dcc.Location(id=location_id, refresh="callback-nav"),
        html.P(lead, className="egn-lead"),
    ]
    if notice:
        content.append(synthetic_notice(notice))
    return content


def field(label: str, component_id: str, control: Component, *, wide: bool = False) -> html.Div:
    """A labelled control of a filter block (the label names it for screen readers)."""
    return html.Div(
        [html.Label(label, htmlFor=component_id), control],
        className="egn-field egn-field--wide" if wide else "egn-field",
    )


def dropdown(
    component_id: str, options: Any, value: Any, *, wide: bool = False, **props: Any
) -> dcc.Dropdown:
    """A dropdown with the French control texts and the stylesheet's classes."""
    props.setdefault("labels", DROPDOWN_LABELS)
    return dcc.Dropdown(
        id=component_id,
        options=options,
        value=value,
        className="egn-dropdown egn-dropdown--wide" if wide else "egn-dropdown",
        **props,
    )


def radios(
    legend: str, component_id: str, options: Any, value: Any, *, wide: bool = False
) -> html.Fieldset:
    """Inline radio buttons under a legend (a fieldset: the legend names the group)."""
    return html.Fieldset(
        [
            html.Legend(legend, className="egn-radios__legend"),
            dcc.RadioItems(
                id=component_id, options=options, value=value, inline=True, className="egn-radios"
            ),
        ],
        className="egn-field egn-field--wide egn-fieldset" if wide else "egn-field egn-fieldset",
    )


def kpi(label: str, value: str, detail: str, *, muted: bool = False) -> html.Li:
    """A key-figure tile « label / value / detail » (muted: a figure to read with care)."""
    return html.Li(
        [
            html.P(label, className="egn-kpi__label"),
            html.P(value, className="egn-kpi__value"),
            html.P(detail, className="egn-kpi__detail"),
        ],
        className="egn-kpi egn-kpi--muted" if muted else "egn-kpi",
    )


def button(label: str, component_id: str, *, secondary: bool = True, **props: Any) -> html.Button:
    """A button of the app (``type="button"``: it never submits a form)."""
    style = "egn-btn egn-btn--secondary" if secondary else "egn-btn"
    return html.Button(label, id=component_id, className=style, type="button", **props)


def busy(child: Component) -> dcc.Loading:
    """``child`` under the dot indicator (Marianne blue) while a callback fills it."""
    return dcc.Loading(child, type="dot", color="#000091")


def status(component_id: str) -> dcc.Loading:
    """The live status line under a download's buttons (a French message on failure)."""
    return busy(html.Div(id=component_id, className="egn-card__status", role="status"))
