"""One request must not bring the server down: malformed callbacks, asset URLs, cold start.

The callback fuzz test posts Hypothesis-made payloads to ``/_dash-update-component`` through
Flask's test client (no server, no browser: fast enough for CI): broken bodies, broken
structures and arbitrary or plausible values for the inputs and states of every callback the
app registers (read from ``app.callback_map``, so a new callback is fuzzed without editing this
file). Every answer must be 200, 204 (Dash's « nothing to update ») or 400, and nothing may be
logged at error level or with a traceback. ``EGN_FUZZ_EXAMPLES=5000`` runs a longer, random
campaign; by default the examples are derandomised, so CI is reproducible.

The same runs on an app without data (callbacks of pages that say « not built »). Asset and
component-suite URLs are fuzzed and listed the same way (404, never 500).

The cold-start test starts the app as ``egn serve`` does (``create_app``, a threaded server)
in a subprocess on a fresh copy of the generated data (cold caches), with pandas slowed down
to import, and sends waves of requests at every page and its first callbacks from the first
instant.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from dash import Dash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dashboards.layout_tree import walk

AppFactory = Callable[[Path], Dash]

UPDATE = "/_dash-update-component"
PAGES = ("/", "/enquetes", "/usages", "/concertation")
ALLOWED = {200, 204, 400}


# ------------------------------------------------------------------ what the app has -----


@dataclass(frozen=True)
class CallbackSpec:
    """A server-side callback as the browser addresses it."""

    output: str  # the key of app.callback_map (what the payload's "output" says)
    outputs: dict[str, str] | list[dict[str, str]]
    inputs: tuple[tuple[str, str], ...]
    state: tuple[tuple[str, str], ...]


def callback_specs(app: Dash) -> list[CallbackSpec]:
    """Every server-side callback of ``app`` (after its first request: Dash fills the map then)."""
    specs = []
    for key, entry in app.callback_map.items():
        if "callback" not in entry:
            continue
        declared = entry["output"]
        outs = declared if isinstance(declared, list | tuple) else [declared]
        described = [{"id": o.component_id, "property": o.component_property} for o in outs]
        specs.append(
            CallbackSpec(
                output=key,
                outputs=described if isinstance(declared, list | tuple) else described[0],
                inputs=tuple((i["id"], i["property"]) for i in entry["inputs"]),
                state=tuple((s["id"], s["property"]) for s in entry["state"]),
            )
        )
    return specs


def value_pool(app: Dash) -> dict[tuple[str, str], list[Any]]:
    """Values a component can really hold, read from the pages' default layouts: the options
    of each picker (values and labels), its current value and a DataTable's column ids."""
    pool: dict[tuple[str, str], list[Any]] = {}
    for component in walk(app.validation_layout):
        cid = getattr(component, "id", None)
        if not isinstance(cid, str):
            continue
        found: list[Any] = []
        for option in getattr(component, "options", None) or []:
            if isinstance(option, dict):
                found += [option.get("value"), option.get("label")]
            else:
                found.append(option)
        if getattr(component, "value", None) is not None:
            found.append(component.value)
        pool[(cid, "value")] = [v for v in found if isinstance(v, str | int | float)]
        columns = getattr(component, "columns", None) or []
        pool[(cid, "columns")] = [c.get("id") for c in columns if isinstance(c, dict)]
    return pool


#: Query parameters of the pages, for plausible URL search strings and stores.
QUERY_KEYS = (
    "famille", "indicateur", "ventilation", "domaine", "profil", "territoire", "sources",
    "region", "theme", "recherche", "proposition", "parties", "x",
)  # fmt: skip
#: Words that are nearly valid somewhere: codes, labels, numbers, junk.
WORDS = (
    "", " ", "ep", "1", "2", "3", "01", "REP+", "rep+", "Hors EP", "hors éducation prioritaire",
    "élève", "eleve", "france", "region-01", "academie-02", "regions", "themes", "sources", "40",
    "41", "-1", "0", "1e9", "NaN", "null", "%ff", "\x00", "é", "ent", "enquetes", "retex",
    "__theme__equipement", "<script>", "a" * 300,
)  # fmt: skip


# ---------------------------------------------------------------------- strategies -----

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
WORD = st.sampled_from(WORDS) | st.text(max_size=20)
HUGE_TEXT = st.sampled_from((10_001, 60_000, 150_000)).map(lambda n: "é" * n)


def _search(values: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """A URL search string with the pages' parameters (and some junk)."""
    pair = st.tuples(st.sampled_from(QUERY_KEYS) | st.text(max_size=6), values | WORD)
    return st.lists(pair, max_size=5).map(
        lambda pairs: "?" + "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in pairs)
    ) | st.sampled_from(("", "?", "??", "?&&=", "?indicateur", "?%ff=%fe", "x=1"))


def plausible(prop: str, known: list[Any], columns: list[Any]) -> st.SearchStrategy[Any]:
    """Values of the right kind for a property, some valid, many almost valid."""
    choices = st.sampled_from(known) if known else WORD
    if prop == "n_clicks":
        return st.none() | st.integers(min_value=-3, max_value=10**15)
    if prop in {"search", "data"}:
        return st.none() | _search(choices)
    if prop == "pathname":
        return st.none() | st.sampled_from((*PAGES, "/donnees", "/404", "", "//", "/x/../enquetes"))
    if prop == "clickData":
        point = st.fixed_dictionaries(
            {"customdata": st.lists(choices | WORD | st.integers(), max_size=3) | JSON_VALUES},
            optional={"x": JSON_SCALARS, "y": choices | WORD, "curveNumber": st.integers()},
        )
        return st.none() | st.fixed_dictionaries({"points": st.lists(point, max_size=2)})
    if prop == "sort_by":
        column = st.sampled_from(columns) if columns else WORD
        entry = st.fixed_dictionaries(
            {"column_id": column | WORD, "direction": st.sampled_from(("asc", "desc", "x"))}
        )
        return st.none() | st.lists(entry, max_size=2)
    return st.none() | choices | WORD | st.lists(choices | WORD, max_size=4) | st.integers()


def values_for(
    component: str, prop: str, pool: dict[tuple[str, str], list[Any]]
) -> st.SearchStrategy[Any]:
    known = pool.get((component, prop), [])
    columns = pool.get((component, "columns"), [])
    return plausible(prop, known, columns) | JSON_VALUES | HUGE_TEXT


def well_formed(
    spec: CallbackSpec, pool: dict[tuple[str, str], list[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """A payload shaped as the browser sends it, with arbitrary or plausible values."""

    def entries(pairs: tuple[tuple[str, str], ...]) -> st.SearchStrategy[list[dict[str, Any]]]:
        return st.tuples(
            *(
                st.fixed_dictionaries(
                    {"id": st.just(c), "property": st.just(p)},
                    optional={"value": values_for(c, p, pool)},
                )
                for c, p in pairs
            )
        ).map(list)

    changed = [f"{c}.{p}" for c, p in spec.inputs]
    return st.fixed_dictionaries(
        {
            "output": st.just(spec.output),
            "outputs": st.just(spec.outputs),
            "inputs": entries(spec.inputs),
            "changedPropIds": st.lists(
                st.sampled_from(changed), max_size=len(changed), unique=True
            ),
            "state": entries(spec.state),
        }
    )


MUTATIONS = (
    "drop-key", "key-junk", "output-junk", "output-other", "drop-input", "extra-input",
    "input-id", "input-property", "input-not-dict", "outputs-junk", "outputs-shape",
    "changed-junk", "state-junk",
)  # fmt: skip


@st.composite
def mutated(
    draw: st.DrawFn, specs: list[CallbackSpec], pool: dict[tuple[str, str], list[Any]]
) -> dict[str, Any]:
    """A well-formed payload with one thing broken (what a hand-made request gets wrong)."""
    spec = draw(st.sampled_from(specs))
    body = draw(well_formed(spec, pool))
    how = draw(st.sampled_from(MUTATIONS))
    keys = ("output", "outputs", "inputs", "state", "changedPropIds")
    if how == "drop-key":
        body.pop(draw(st.sampled_from(keys)), None)
    elif how == "key-junk":
        body[draw(st.sampled_from(keys))] = draw(JSON_VALUES)
    elif how == "output-junk":
        body["output"] = draw(
            st.text(max_size=40)
            | st.sampled_from(("_pages_dummy.children", "..", "a.b", "..a.b...c.d.."))
        )
    elif how == "output-other":
        body["output"] = draw(st.sampled_from(specs)).output
    elif how == "drop-input" and body["inputs"]:
        body["inputs"].pop(draw(st.integers(0, len(body["inputs"]) - 1)))
    elif how == "extra-input":
        body["inputs"].append(
            {"id": draw(WORD), "property": draw(WORD), "value": draw(JSON_VALUES)}
        )
    elif how in {"input-id", "input-property", "input-not-dict"} and body["inputs"]:
        i = draw(st.integers(0, len(body["inputs"]) - 1))
        if how == "input-not-dict":
            body["inputs"][i] = draw(JSON_VALUES)
        else:
            body["inputs"][i][how.removeprefix("input-")] = draw(JSON_VALUES | WORD)
    elif how == "outputs-junk":
        body["outputs"] = draw(JSON_VALUES)
    elif how == "outputs-shape":
        outs = body["outputs"]
        body["outputs"] = outs[0] if isinstance(outs, list) else [outs, outs]
    elif how == "changed-junk":
        body["changedPropIds"] = draw(JSON_VALUES | st.lists(WORD, max_size=3))
    elif how == "state-junk" and body["state"]:
        body["state"][0] = {"id": draw(WORD), "property": "data", "value": draw(JSON_VALUES)}
    return body


JSON_TYPE = "application/json"
RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.sampled_from((1_000, 100_000)).map(lambda n: b"[" * n + b"]" * n),  # nesting past the parser
    st.sampled_from((1_000, 30_000)).map(lambda n: b'{"output":' * n),
    st.sampled_from((b"", b"{", b"null", b"[]", b'{"output": null}', b"\xff\xfe", b"{}")),
)


class FuzzRequest:
    """A callback request's body and content type, shown short in Hypothesis's reports (a
    long repr is a warning, hence an error under this suite's ``filterwarnings``)."""

    def __init__(self, kind: str, body: bytes, content_type: str) -> None:
        self.kind, self.body, self.content_type = kind, body, content_type

    def __repr__(self) -> str:
        shown = self.body[:300] + (b"..." if len(self.body) > 300 else b"")
        return f"FuzzRequest({self.kind}, {len(self.body)} bytes, {self.content_type}: {shown!r})"

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        printer.text(repr(self))


@st.composite
def requests(
    draw: st.DrawFn, specs: list[CallbackSpec], pool: dict[tuple[str, str], list[Any]]
) -> FuzzRequest:
    """A callback request: well formed, broken, or not even JSON."""
    kind = draw(st.sampled_from(("well-formed",) * 4 + ("mutated",) * 2 + ("raw",)))
    if kind == "raw":
        content_type = draw(
            st.sampled_from((JSON_TYPE, "text/plain", "application/x-www-form-urlencoded"))
        )
        return FuzzRequest(kind, draw(RAW_BODIES), content_type)
    body = (
        draw(well_formed(draw(st.sampled_from(specs)), pool))
        if kind == "well-formed"
        else draw(mutated(specs, pool))
    )
    return FuzzRequest(kind, json.dumps(body).encode(), JSON_TYPE)


# ------------------------------------------------------------------------- fixtures -----


@dataclass(frozen=True)
class FuzzTarget:
    """The app under test, its callbacks and the values its pickers offer."""

    app: Dash
    specs: list[CallbackSpec]
    pool: dict[tuple[str, str], list[Any]]

    def __repr__(self) -> str:  # short in Hypothesis's reports (see FuzzRequest)
        return f"FuzzTarget({len(self.specs)} callbacks)"

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        printer.text(repr(self))


@pytest.fixture
def fuzz_target(
    make_app: AppFactory, generated_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> FuzzTarget:
    """The app on generated data, every page visited once (the callback map is filled and the
    tables read), its callbacks and the values its pickers offer; PNG export off (Chromium
    is slow and not what is tested)."""
    from dashboards.components import chart_card
    from egn_analytics.viz import RenderUnavailableError

    def _no_png(*_args: object, **_kwargs: object) -> bytes:
        raise RenderUnavailableError("pas de Chromium dans ce test")

    monkeypatch.setattr(chart_card, "png_bytes", _no_png)
    app = make_app(generated_data_dir)
    client = app.server.test_client()
    for path in PAGES:
        assert client.get(path).status_code == 200
    specs = callback_specs(app)
    assert len(specs) >= 30  # every page's callbacks, and Dash's router
    return FuzzTarget(app, specs, value_pool(app))


def logged_failures(records: list[logging.LogRecord]) -> list[str]:
    """What the server logged that an operator would read as a crash."""
    return [
        record.getMessage()[:300]
        for record in records
        if record.levelno >= logging.ERROR or record.exc_info or "Traceback" in record.getMessage()
    ]


def _fuzz_settings() -> settings:
    examples = os.environ.get("EGN_FUZZ_EXAMPLES")
    return settings(
        max_examples=int(examples or 300),
        derandomize=examples is None,
        deadline=timedelta(seconds=20),
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # one app for all examples; caplog is cleared
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# ----------------------------------------------------------------------- the fuzz -----


@_fuzz_settings()
@given(data=st.data())
def test_fuzzed_callback_payloads_are_answered_cleanly(
    fuzz_target: FuzzTarget, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    request = data.draw(requests(fuzz_target.specs, fuzz_target.pool), label="request")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        client = fuzz_target.app.server.test_client()
        response = client.post(UPDATE, data=request.body, content_type=request.content_type)
    assert response.status_code in ALLOWED, response.get_data(as_text=True)[:500]
    assert logged_failures(caplog.records) == []
    if response.status_code == 200:
        assert "response" in json.loads(response.get_data())


@pytest.fixture
def empty_target(make_app: AppFactory, tmp_path: Path) -> FuzzTarget:
    """The app before ``make data``: the pages say what to do, their callbacks have no data."""
    app = make_app(tmp_path / "vide")
    client = app.server.test_client()
    for path in PAGES:
        assert client.get(path).status_code == 200
    return FuzzTarget(app, callback_specs(app), value_pool(app))


@settings(
    max_examples=150,
    derandomize=True,
    deadline=timedelta(seconds=20),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_callbacks_without_data_are_answered_cleanly(
    empty_target: FuzzTarget, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    """Callbacks fired when the tables are missing (removed under an open page, or a forged
    request for a page that says « not built »): nothing to update, no traceback."""
    request = data.draw(requests(empty_target.specs, empty_target.pool), label="request")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        client = empty_target.app.server.test_client()
        response = client.post(UPDATE, data=request.body, content_type=request.content_type)
    assert response.status_code in ALLOWED, response.get_data(as_text=True)[:500]
    assert logged_failures(caplog.records) == []


# ------------------------------------------------------- callback requests, one by one -----


@pytest.fixture
def enquetes_app(make_app: AppFactory, generated_data_dir: Path) -> Dash:
    app = make_app(generated_data_dir)
    assert app.server.test_client().get("/enquetes").status_code == 200
    return app


def _payload(
    output: str, outputs: Any, inputs: list[Any], state: list[Any] | None = None
) -> dict[str, Any]:
    def entries(items: list[Any]) -> list[dict[str, Any]]:
        return [{"id": c, "property": p, "value": v} for c, p, v in items]

    return {
        "output": output,
        "outputs": outputs,
        "inputs": entries(inputs),
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"] if inputs else [],
        "state": entries(state or []),
    }


def router(path: str, search: str | None = "") -> dict[str, Any]:
    """Dash's pages router, as the browser calls it on every navigation."""
    return _payload(
        ".._pages_content.children..._pages_store.data..",
        [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        [("_pages_location", "pathname", path), ("_pages_location", "search", search)],
    )


def gap(a: Any, b: Any, search: Any = "?ventilation=ep") -> dict[str, Any]:
    return _payload(
        "enquetes-ecart-resultat.children",
        {"id": "enquetes-ecart-resultat", "property": "children"},
        [("enquetes-ecart-a", "value", a), ("enquetes-ecart-b", "value", b)],
        [("enquetes-url", "search", search)],
    )


def click(app: Dash, data: Any) -> dict[str, Any]:
    """A click on the survey chart: its output is a duplicate one, keyed ``search@<hash>``
    (the browser sends that property, suffix included)."""
    key = next(k for k in app.callback_map if k.startswith("enquetes-url.search@"))
    return _payload(
        key,
        {"id": "enquetes-url", "property": key.removeprefix("enquetes-url.")},
        [("enquetes-estimations-graphique", "clickData", data)],
        [("enquetes-url", "search", "")],
    )


def _post(app: Dash, body: Any, content_type: str = JSON_TYPE) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return app.server.test_client().post(UPDATE, data=data, content_type=content_type)


def test_well_formed_requests_are_served(enquetes_app: Dash) -> None:
    response = _post(enquetes_app, router("/enquetes", "?ventilation=ep"))
    assert response.status_code == 200
    assert "Comparer deux domaines" in response.get_data(as_text=True)
    response = _post(enquetes_app, gap("1", "3"))
    assert response.status_code == 200
    assert "au seuil de 5" in response.get_data(as_text=True)


def test_a_click_outside_the_bars_changes_nothing(enquetes_app: Dash) -> None:
    """``no_update``: Dash answers with nothing to update (200 with no output here)."""
    for data in (None, {"points": []}, {"points": [{"customdata": 7}]}):  # shapes Plotly sends
        response = _post(enquetes_app, click(enquetes_app, data))
        assert response.status_code in {200, 204}
        if response.status_code == 200:
            assert json.loads(response.get_data())["response"] == {}


MALFORMED_CALLBACK_REQUESTS: dict[str, tuple[bytes | dict[str, Any], str]] = {
    "broken JSON": (b'{"output": ', JSON_TYPE),
    "invalid UTF-8": (b'{"output": "\xff"}', JSON_TYPE),
    "a JSON list": (b"[]", JSON_TYPE),
    "not declared JSON": (json.dumps(gap("1", "3")).encode(), "text/plain"),
    "nested past the parser": (b"[" * 100_000 + b"]" * 100_000, JSON_TYPE),
    "two megabytes": (b'{"output": "' + b"x" * 2_000_000 + b'"}', JSON_TYPE),
    "no output": ({k: v for k, v in gap("1", "3").items() if k != "output"}, JSON_TYPE),
    "unknown output": (gap("1", "3") | {"output": "nope.children"}, JSON_TYPE),
    "client-side output": (gap("1", "3") | {"output": "_pages_dummy.children"}, JSON_TYPE),
    "outputs of another callback": (gap("1", "3") | {"outputs": [{"id": "a", "property": "b"}]}, JSON_TYPE),
    "no inputs": ({k: v for k, v in gap("1", "3").items() if k != "inputs"}, JSON_TYPE),
    "one input missing": (gap("1", "3") | {"inputs": gap("1", "3")["inputs"][:1]}, JSON_TYPE),
    "unknown component": (gap("1", "3") | {"inputs": [{"id": "x", "property": "value"}] * 2}, JSON_TYPE),
    "inputs not a list": (gap("1", "3") | {"inputs": {"a": 1}}, JSON_TYPE),
    "state missing": ({k: v for k, v in gap("1", "3").items() if k != "state"}, JSON_TYPE),
    "changedPropIds junk": (gap("1", "3") | {"changedPropIds": [{"a": 1}]}, JSON_TYPE),
    "a number for a domain": (gap(1, "3"), JSON_TYPE),
    "a list for a domain": (gap(["1"], "3"), JSON_TYPE),
    "a list for the URL": (gap("1", "3", ["?ventilation=ep"]), JSON_TYPE),
    "a huge value": (gap("1", "é" * 20_000), JSON_TYPE),
    "a relative pathname": (router("enquetes"), JSON_TYPE),
    "a number for the pathname": (router(5), JSON_TYPE),  # type: ignore[arg-type]
    "a dict for the search": (router("/enquetes", {"a": 1}), JSON_TYPE),  # type: ignore[arg-type]
}  # fmt: skip


@pytest.mark.parametrize("name", list(MALFORMED_CALLBACK_REQUESTS))
def test_malformed_callback_requests_are_400(
    enquetes_app: Dash, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = MALFORMED_CALLBACK_REQUESTS[name]
    with caplog.at_level(logging.INFO):
        response = _post(enquetes_app, body, content_type)
    assert response.status_code == 400
    assert response.get_data(as_text=True).startswith("Requête invalide : ")
    assert logged_failures(caplog.records) == []
    refused = [r for r in caplog.records if "refusée (400)" in r.getMessage()]
    assert len(refused) == 1 and len(refused[0].getMessage()) < 300


@pytest.mark.parametrize(
    "data",
    [{"points": "x"}, {"points": {"0": 1}}, {"points": [5]}, {"x": 1}, [1], "x", 3],
)
def test_clicks_of_a_shape_plotly_never_sends_are_400(enquetes_app: Dash, data: Any) -> None:
    assert _post(enquetes_app, click(enquetes_app, data)).status_code == 400
    assert (
        _post(enquetes_app, click(enquetes_app, {"points": [{"customdata": ["2"]}]})).status_code
        == 200
    )


# --------------------------------------------------------------------- asset URLs -----

MALFORMED_URLS = (
    "/assets/%00",
    "/assets/..%2F..%2Fetc/passwd",
    "/assets/../../etc/passwd",
    "/assets/%2e%2e/%2e%2e/etc/passwd",
    "/assets/%5c..%5c..%5cetc%5cpasswd",
    "/assets/style.css%00",
    "/assets/style.css/..",
    "/assets/%ff%fe",
    "/assets/%C0%AE%C0%AE/",
    "/assets/%",
    "/assets/%zz",
    "/assets/" + "a" * 5_000,
    "/_dash-component-suites/dash/%00",
    "/_dash-component-suites/dash/deps/polyfill%00.js",
    "/_dash-component-suites/dash/%ff.js",
    "/_dash-component-suites/%ff/x.js",
    "/_dash-component-suites/dash/%",
    "/_dash-component-suites/dash/../../etc/passwd",
    "/_dash-component-suites/dash/..%2F..%2Fetc%2Fpasswd",
    "/_dash-component-suites/dash/../dash/dcc/dash_core_components.js",
    "/_dash-component-suites/plotly/package_data/../../../../etc/passwd",
    "/_dash-component-suites/nope/x.js",
    "/_dash-component-suites/os/x.js",
    "/_dash-component-suites/dash.dcc/x.js",
    "/_dash-component-suites/dash/dcc",
    "/_dash-component-suites/dash/dcc/dash_core_components.vXX.js",
    "/_dash-component-suites/dash/dcc/x.v1.2.3.js",
    "/_dash-component-suites/dash/dcc/dash_core_components.js%00",
    "/_dash-component-suites/dash/dcc/" + "b" * 5_000 + ".js",
)


@pytest.fixture
def plain_app(make_app: AppFactory, data_dir: Path) -> Dash:
    return make_app(data_dir)


@pytest.mark.parametrize("url", MALFORMED_URLS, ids=lambda u: u[:70])
def test_malformed_asset_urls_are_not_found(
    plain_app: Dash, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    with caplog.at_level(logging.INFO):
        response = plain_app.server.test_client().get(url)
    assert response.status_code in {400, 404}
    assert logged_failures(caplog.records) == []
    assert b"Traceback" not in response.get_data()


URL_SEGMENTS = st.text(max_size=30) | st.sampled_from(
    ("..", ".", "%00", "%ff", "%", "dash", "dcc", "deps", "plotly", "package_data", "style.css",
     "dash_core_components.v4_4_1m1.js", "a" * 3_000)
)  # fmt: skip


@settings(
    max_examples=300,
    derandomize=True,
    deadline=timedelta(seconds=10),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    prefix=st.sampled_from(
        ("/assets/", "/_dash-component-suites/", "/_dash-component-suites/dash/",
         "/_dash-component-suites/dash/dcc/", "/_dash-component-suites/plotly/")
    ),
    parts=st.lists(URL_SEGMENTS, max_size=4),
    encoded=st.booleans(),
)  # fmt: skip
def test_fuzzed_asset_urls_never_fail(
    plain_app: Dash, caplog: pytest.LogCaptureFixture, prefix: str, parts: list[str], encoded: bool
) -> None:
    path = prefix + "/".join(quote(p, safe="") if encoded else p for p in parts)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = plain_app.server.test_client().get(path)
    assert response.status_code in {200, 304, 308, 400, 404}, path[:200]
    assert logged_failures(caplog.records) == []


#: Component-suite URLs with control characters in the package name (Werkzeug's ``path``
#: converter does not match a line feed, so the file part could not carry one to the app).
FORGED_LOG_URLS = {
    "a line feed": "/_dash-component-suites/x%0A2020-01-01 INFO tout va bien/x.js",
    "a carriage return": "/_dash-component-suites/x%0D%0AGET / 200/x.js",
    "both, alone": "/_dash-component-suites/%0D/%0A.js",
    "other separators": "/_dash-component-suites/%0B%0C%1C%1D%1E%C2%85%E2%80%A8%E2%80%A9/x.js",
    "escapes and a bidi override": "/_dash-component-suites/dash/%1B[31m%E2%80%AEx%5C.js",
    "a very long path": "/_dash-component-suites/" + "%0D%0A" * 3_000 + "c" * 5_000 + "/x.js",
}  # fmt: skip


@pytest.mark.parametrize("url", list(FORGED_LOG_URLS.values()), ids=list(FORGED_LOG_URLS))
def test_a_refused_url_is_logged_on_one_bounded_line(
    plain_app: Dash, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    """A refusal is one line of the log whatever the URL holds: its control characters are
    escaped (a raw « %0A » would write a forged second line) and its length is bounded."""
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = plain_app.server.test_client().get(url)
    assert response.status_code == 404
    refused = [r for r in caplog.records if "refusée (404)" in r.getMessage()]
    assert len(refused) == 1
    line = logging.Formatter("%(levelname)s %(name)s %(message)s").format(refused[0])
    assert len(line.splitlines()) == 1 and "\n" not in line and "\r" not in line
    assert not any(ch.isprintable() is False and ch != " " for ch in line), repr(line)
    assert len(refused[0].getMessage()) < 400
    if "%0A" in url:
        assert "\\x0a" in line  # escaped, so the operator still sees what was sent


def test_one_log_line_escapes_and_cuts_between_escapes() -> None:
    from dashboards.hardening import one_log_line

    assert one_log_line("/a\nb\r\x00\\x0a\u2028\U000e0001é") == (
        "/a\\x0ab\\x0d\\x00\\\\x0a\\u2028\\U000e0001é"
    )
    assert one_log_line("a" * 200) == "a" * 200
    assert one_log_line("a" * 201) == "a" * 200 + "…"
    assert one_log_line("a" * 198 + "\n" * 10) == "a" * 198 + "…"  # « \x0a » is not cut
    assert one_log_line("\n" * 1_000_000, limit=12) == "\\x0a" * 3 + "…"


def test_assets_and_component_suites_are_still_served(plain_app: Dash) -> None:
    client = plain_app.server.test_client()
    index = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/(?:_dash-component-suites|assets)/[^"]+)"', index)
    assert len(urls) >= 8 and any("dash_renderer" in u for u in urls)
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200, url
    suites = [u for u in urls if u.startswith("/_dash-component-suites/")]
    unfingerprinted = re.sub(r"\.v[\w-]+m[0-9a-f]+\.", ".", suites[0].split("?")[0])
    with client.get(unfingerprinted) as response:
        assert response.status_code == 200, unfingerprinted


# -------------------------------------------------------------------- cold start -----

#: The server of the cold-start test: the app as ``egn serve`` runs it (a threaded server),
#: with pandas taking three seconds to import, as on a busy machine.
SERVER = """
import importlib.abc, importlib.util, sys, time
from pathlib import Path


class SlowPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "pandas":
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        execute = spec.loader.exec_module

        def slowly(module):
            time.sleep(3)
            execute(module)

        spec.loader.exec_module = slowly
        return spec


sys.meta_path.insert(0, SlowPandas())

from werkzeug.serving import make_server

from dashboards.app import create_app

app = create_app(Path(sys.argv[1]))
server = make_server("127.0.0.1", 0, app.server, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def serving(script: Path, data: Path, log: Path) -> Iterator[str]:
    """The server of ``script`` on ``data``; yields its base URL as soon as it listens."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, str(script), str(data)],
            stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=root, env=env,
        ) as process,
    ):  # fmt: skip
        try:
            assert process.stdout is not None
            port = int(process.stdout.readline())
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def _fetch(base: str, path: str, body: dict[str, Any] | None) -> int:
    request = urllib.request.Request(
        base + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": JSON_TYPE},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def first_requests() -> list[tuple[str, dict[str, Any] | None]]:
    """What browsers ask first: every page, its router call, the first callbacks."""
    specificities = _payload(
        "concertation-specificites-table.children",
        {"id": "concertation-specificites-table", "property": "children"},
        [("concertation-selection", "data", "")],
    )
    its_csv = _payload(
        "usages-its-donnees-telechargement.data",
        {"id": "usages-its-donnees-telechargement", "property": "data"},
        [("usages-its-donnees-bouton", "n_clicks", 1)],
        [("usages-url", "search", "?territoire=academie-02")],
    )
    jobs: list[tuple[str, dict[str, Any] | None]] = [(page, None) for page in PAGES]
    jobs += [(UPDATE, router(page)) for page in PAGES]
    jobs += [(UPDATE, specificities), (UPDATE, its_csv), (UPDATE, gap("1", "3"))]
    return jobs


@pytest.mark.integration
def test_cold_start_answers_every_first_request(generated_data_dir: Path, tmp_path: Path) -> None:
    """Waves of first requests while the first ones read the tables, compute the gap and
    import what they need: none may fail (three used to answer 500, when a warm-up thread
    imported pandas meanwhile: « partially initialized module 'pandas' »)."""
    data = tmp_path / "donnees"
    shutil.copytree(generated_data_dir, data, ignore=shutil.ignore_patterns("cache"))
    script = tmp_path / "serveur.py"
    script.write_text(SERVER)
    log = tmp_path / "serveur.log"
    statuses: list[int] = []
    with serving(script, data, log) as base, ThreadPoolExecutor(max_workers=48) as pool:
        futures = []
        for _wave in range(8):  # four seconds of arrivals, from the first instant
            futures += [pool.submit(_fetch, base, path, body) for path, body in first_requests()]
            time.sleep(0.5)
        statuses = [future.result() for future in futures]
    errors = log.read_text()
    assert set(statuses) <= {200, 204}, (sorted(statuses), errors[-3000:])
    assert "Traceback" not in errors, errors[-3000:]


def test_no_callback_is_dispatched_before_the_first_set_up(
    make_app: AppFactory, data_dir: Path
) -> None:
    """Dash sets its « set up » flag first, then walks the assets and fills the callback map:
    a request arriving meanwhile was dispatched against an empty map (500, « Callback
    function not found »). It now waits for the first request's set-up."""
    app = make_app(data_dir)
    walk_assets = app._walk_assets_directory

    def slowly() -> None:  # a slow disk, a busy machine
        time.sleep(2.0)
        walk_assets()

    app._walk_assets_directory = slowly  # type: ignore[method-assign]
    family = _payload(
        "donnees-url.search",
        {"id": "donnees-url", "property": "search"},
        [("donnees-famille", "value", "ent")],
    )
    statuses: dict[str, int] = {}

    def first_visit() -> None:
        statuses["index"] = app.server.test_client().get("/").status_code

    visit = threading.Thread(target=first_visit)
    visit.start()
    time.sleep(0.3)
    statuses["callback"] = _post(app, family).status_code
    visit.join(timeout=60)
    assert statuses == {"index": 200, "callback": 200}


def test_preload_modules_says_what_it_could_not_import() -> None:
    from dashboards.app import PRELOADED_MODULES, preload_modules

    assert PRELOADED_MODULES[:2] == ("pandas", "pyarrow")  # before anything that uses them
    assert not [m for m in PRELOADED_MODULES if m.startswith(("sklearn", "statsmodels"))]
    assert preload_modules(["json", "egn_module_absent"]) == ["egn_module_absent"]
