"""Main navigation, built from ``dash.page_registry`` so a new page appears by itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dash
from dash import dcc, html

from dashboards import ids


def nav_pages(registry: Mapping[str, Mapping[str, Any]] | None = None) -> list[Mapping[str, Any]]:
    """Pages to list, by ``order``: the 404 page and pages registered with ``nav=False`` excluded."""
    pages: Iterable[Mapping[str, Any]] = (registry or dash.page_registry).values()
    return sorted(
        (
            page
            for page in pages
            if page.get("nav", True) and not page["module"].endswith("not_found_404")
        ),
        key=lambda page: (page.get("order") is None, page.get("order") or 0, page["name"]),
    )


def navbar(registry: Mapping[str, Mapping[str, Any]] | None = None) -> html.Nav:
    """Links to every page, in registry order (``aria-label`` names it for screen readers)."""
    links = [
        html.Li(dcc.Link(page["name"], href=page["relative_path"], className="egn-nav__link"))
        for page in nav_pages(registry)
    ]
    return html.Nav(
        html.Ul(links, className="egn-nav__list"),
        id=ids.NAVBAR,
        className="egn-nav",
        **{"aria-label": "Menu principal"},  # type: ignore[arg-type]
    )
