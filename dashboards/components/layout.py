"""Page skeleton shared by every page: the page wrapper and its titled sections.

One definition so that every page has the same landmarks (a single ``h1``, sections named by
their ``h2`` for screen readers) and the same classes for the stylesheet.
"""

from __future__ import annotations

from typing import Any

from dash import html
from dash.development.base_component import Component


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
