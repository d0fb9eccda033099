"""Notices and alerts (DSFR-like): the synthetic-data notice and page-level messages."""

from __future__ import annotations

from typing import Any, Literal

from dash import html
from dash.development.base_component import Component

AlertKind = Literal["info", "warning", "error", "success"]


def alert(
    title: str,
    body: list[Component | str] | str,
    *,
    kind: AlertKind = "info",
    id: str | None = None,
) -> html.Div:
    """A bordered message box; ``role="alert"`` for errors so screen readers announce them."""
    children: list[Component | str] = [html.P(title, className="egn-alert__title")]
    children += [html.P(body)] if isinstance(body, str) else body
    # Dash 4 refuses id=None: pass the id only when there is one.
    optional: dict[str, Any] = {"id": id} if id else {}
    return html.Div(
        children,
        className=f"egn-alert egn-alert--{kind}",
        role="alert" if kind == "error" else "status",
        **optional,
    )


def synthetic_notice(text: str) -> html.P:
    """Inline reminder that the figures come from synthetic data (pages, cards)."""
    return html.P(text, className="egn-synthetic-note")
