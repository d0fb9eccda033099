"""Every page, with the views of its cards, and every callback of it, as a browser asks them.

Shared by the tests that watch what serving the pages does (which files they open, which
modules they import): :func:`drive` sends, through Flask's test client, for each page and each
view its cards declare (:func:`egn_analytics.cards.default_views`), the GET of the page, the
pages router's callback that renders its layout, then one request for each server-side
callback of the page, with the values the rendered layout holds (a button clicked once, a
click on the first bar, a sort on the first column). No pytest here: a subprocess runs it too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from dash import Dash

from egn_analytics.cards import card_keys, default_views

UPDATE = "/_dash-update-component"
#: Page of each card domain (« données » is the home page).
PAGE_OF_DOMAIN = {
    "donnees": "/",
    "enquetes": "/enquetes",
    "usages": "/usages",
    "concertation": "/concertation",
}
#: Prefix of the component ids of each page (:mod:`dashboards.ids`).
PREFIX_OF_PAGE = {
    "/": "donnees-",
    "/enquetes": "enquetes-",
    "/usages": "usages-",
    "/concertation": "concertation-",
}
ROUTER = ".._pages_content.children..._pages_store.data.."


def page_visits() -> dict[str, list[str]]:
    """Page path → the URL search strings of the views its cards declare (the default first)."""
    visits: dict[str, list[str]] = {path: [""] for path in PREFIX_OF_PAGE}
    for key in card_keys():
        path = PAGE_OF_DOMAIN[key.split(".", 1)[0]]
        for view in default_views(key):
            search = f"?{urlencode(view)}" if view else ""
            if search not in visits[path]:
                visits[path].append(search)
    return visits


def _components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component of a serialised layout (Dash's JSON: ``{"type", "namespace", "props"}``)."""
    if isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node
            yield from _components(node["props"])
        else:
            for value in node.values():
                yield from _components(value)
    elif isinstance(node, list):
        for item in node:
            yield from _components(item)


def _payload(output: str, outputs: Any, inputs: list[Any], state: list[Any]) -> dict[str, Any]:
    def entries(items: list[Any]) -> list[dict[str, Any]]:
        return [{"id": c, "property": p, "value": v} for c, p, v in items]

    return {
        "output": output,
        "outputs": outputs,
        "inputs": entries(inputs),
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"] if inputs else [],
        "state": entries(state),
    }


def _value(props: dict[str, Any], prop: str, search: str) -> Any:
    """What the browser would send for ``prop`` of a component with ``props`` (from the layout)."""
    if prop == "search":
        return search
    if prop == "n_clicks":
        return 1
    if prop == "clickData":
        figure = props.get("figure") or {}
        for trace in figure.get("data") or []:
            custom = trace.get("customdata")
            if custom:
                return {"points": [{"customdata": custom[0]}]}
        return None
    if prop == "sort_by":
        columns = props.get("columns") or []
        return [{"column_id": columns[0]["id"], "direction": "desc"}] if columns else None
    return props.get(prop)


def page_callbacks(
    app: Dash, path: str
) -> list[tuple[str, Any, list[tuple[str, str]], list[tuple[str, str]]]]:
    """(output key, outputs, inputs, state) of every server-side callback of the page at ``path``."""
    found = []
    for key, entry in app.callback_map.items():
        if "callback" not in entry or not key.lstrip(".").startswith(PREFIX_OF_PAGE[path]):
            continue
        declared = entry["output"]
        outs = declared if isinstance(declared, list | tuple) else [declared]
        described = [{"id": o.component_id, "property": o.component_property} for o in outs]
        if not isinstance(declared, list | tuple):
            property_of_key = key.split(".", 1)[1]  # keeps a duplicate output's « @hash »
            described = [{"id": outs[0].component_id, "property": property_of_key}]
        found.append(
            (
                key,
                described if isinstance(declared, list | tuple) else described[0],
                [(i["id"], i["property"]) for i in entry["inputs"]],
                [(s["id"], s["property"]) for s in entry["state"]],
            )
        )
    return found


def drive(app: Dash, step: Callable[[str], None] = lambda _name: None) -> list[str]:
    """Serve every page and view and fire every callback of each; returns the failures.

    ``step(name)`` is called before each request (``"GET /usages?…"``, ``"router /usages?…"``,
    ``"<callback output> /usages?…"``), so a caller can tell which request did what. A
    failure is a status other than 200 or 204 (``"<name>: <status>"``).
    """
    client = app.server.test_client()
    failures: list[str] = []

    def post(name: str, body: dict[str, Any]) -> Any:
        step(name)
        response = client.post(UPDATE, data=json.dumps(body), content_type="application/json")
        if response.status_code not in {200, 204}:
            failures.append(f"{name}: {response.status_code}")
        return response

    for path, searches in page_visits().items():
        for search in searches:
            where = f"{path}{search}"
            step(f"GET {where}")
            status = client.get(where).status_code
            if status != 200:
                failures.append(f"GET {where}: {status}")
            rendered = post(
                f"router {where}",
                _payload(
                    ROUTER,
                    [
                        {"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"},
                    ],
                    [("_pages_location", "pathname", path), ("_pages_location", "search", search)],
                    [],
                ),
            )
            layout = rendered.get_json(silent=True) or {}
            props = {
                c["props"]["id"]: c["props"]
                for c in _components(layout)
                if isinstance(c["props"].get("id"), str)
            }
            for key, outputs, inputs, state in page_callbacks(app, path):
                values = [(c, p, _value(props.get(c, {}), p, search)) for c, p in inputs]
                kept = [(c, p, _value(props.get(c, {}), p, search)) for c, p in state]
                post(f"{key} {where}", _payload(key, outputs, values, kept))
    return failures
