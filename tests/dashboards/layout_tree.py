"""Walking a Dash layout in tests: find components by id, read the text a user would see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import plotly.graph_objects as go
from dash import html
from dash.development.base_component import Component

from dashboards import ids
from egn_analytics.viz.formats import NBSP


def walk(node: Any) -> Iterator[Component]:
    """Every component of a layout tree, depth first."""
    if isinstance(node, Component):
        yield node
        for prop in [*getattr(node, "_children_props", []), "children"]:
            yield from walk(getattr(node, prop, None))
    elif isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)


def by_id(tree: Any, component_id: str) -> Any:
    """The one component with this id (fails if there are none or several)."""
    found = [c for c in walk(tree) if getattr(c, "id", None) == component_id]
    assert len(found) == 1, f"{component_id}: {len(found)} components"
    return found[0]


def text_of(tree: Any) -> str:
    """The text of a tree as the browser shows it: adjacent elements, no added space."""
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
    return "".join(parts)


def card_notes(tree: Any, card_id: str) -> dict[str, str]:
    """« Lecture », « Champ », « Source » of a chart card, as printed."""
    notes = {}
    for p in walk(by_id(tree, card_id)):
        if isinstance(p, html.P) and getattr(p, "className", None) == "egn-card__note":
            label, text = p.children
            notes[label.children.removesuffix(f"{NBSP}: ")] = text
    return notes


def card_figure(tree: Any, card_id: str) -> go.Figure:
    """The figure of a chart card's graph."""
    return go.Figure(by_id(tree, ids.card_ids(card_id).graph).figure)
