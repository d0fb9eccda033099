"""Notices and alerts (DSFR-like): the synthetic-data notice and page-level messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from dash import html
from dash.development.base_component import Component

from egn_analytics.viz.formats import NBSP

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


def detail(exc: Exception) -> html.P:
    """« Détail : <the error> », the technical cause under a French message."""
    return html.P([f"Détail{NBSP}: ", html.Code(str(exc))])


def build_hint(lead: str, tail: str) -> list[Component | str]:
    """« <lead> ``make build`` (ou ``egn build``)<tail> », how to (re)build the tables."""
    return [lead, html.Code("make build"), " (ou ", html.Code("egn build"), tail]


def not_built(
    title: str, missing: list[Component | str], folder: object, element_id: str
) -> html.Div:
    """Tables never built: which ones are missing from which folder, and how to build them."""
    return alert(
        title,
        [
            html.P([*missing, " sont introuvables dans le dossier ", html.Code(str(folder)), "."]),
            html.P(build_hint("Construisez-les avec ", "), puis rechargez cette page.")),
        ],
        kind="warning",
        id=element_id,
    )


def unreadable(
    title: str,
    exc: Exception,
    element_id: str,
    *,
    before: Sequence[Component] = (),
    hint: list[Component | str] | None = None,
    tail: str = "), puis rechargez la page.",
) -> html.Div:
    """An error in place of what could not be read (a damaged table or report): what, the
    technical cause, and how to rebuild (``hint``, else « Reconstruisez les tables avec
    make build (ou egn build)<tail> »)."""
    again = build_hint("Reconstruisez les tables avec ", tail) if hint is None else hint
    return alert(title, [*before, detail(exc), html.P(again)], kind="error", id=element_id)


def synthetic_notice(text: str) -> html.P:
    """Inline reminder that the figures come from synthetic data (pages, cards)."""
    return html.P(text, className="egn-synthetic-note")
