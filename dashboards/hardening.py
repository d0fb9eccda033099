"""Request hardening: one request must not bring the server down, nor write a forged log line.

Why a module of its own: :mod:`dashboards.app` only builds the app and maps URLs to pages;
what a request must look like before Dash sees it is a separate concern, tested on its own
(``tests/dashboards/test_robustness.py``). :func:`harden` is called once by ``create_app``.
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import json
import logging
import threading
import types
import typing
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypedDict

import flask
from dash import Dash
from dash.exceptions import DependencyException
from werkzeug.exceptions import RequestEntityTooLarge

from dashboards import data_access

_LOG = logging.getLogger("dashboards.app")  # the app's log, as before the split


# ------------------------------------------------------------------ request hardening -----
#
# How one request used to answer 500 with a traceback in the log (all reproduced):
#
# * Dash trusts the body of ``/_dash-update-component``: broken JSON, a missing key, an
#   unknown output, a value of the wrong type or shape raised deep in Dash or in a callback
#   (171 of 500 fuzzed requests; 25 more answered 415);
# * a component-suite URL naming no file Dash serves raised ``DependencyException`` (17 of
#   29 malformed asset URLs; the ``/assets/`` ones were already 404);
# * Dash fills its callback map at the first request, after setting its « done » flag: a
#   request arriving in between was dispatched against an empty map;
# * at a cold start, pandas half imported by one thread while another used it (see
#   :func:`dashboards.app.preload_modules`).

#: Largest callback request accepted. The app's callbacks carry ids, picker values, a URL's
#: query string or a click on a bar: a few kilobytes.
MAX_CALLBACK_BYTES = 256 * 1024
#: Longest text accepted in a callback value (a URL's query string, a search box).
MAX_CALLBACK_TEXT = 10_000


class _Click(TypedDict):
    """What Plotly sends on a click, hover or selection: a list of points."""

    points: list[dict[str, Any]]


class _SortBy(TypedDict):
    """One sort column of a DataTable."""

    column_id: str
    direction: Literal["asc", "desc"]


#: What the browser can send for a property whatever the callback says (Dash's renderer and
#: the components only send these shapes; anything else was written by hand).
PROPERTY_SHAPES: dict[str, object] = {
    "n_clicks": int | None,
    "pathname": str | None,
    "search": str | None,
    "hash": str | None,
    "href": str | None,
    "clickData": _Click | None,
    "hoverData": _Click | None,
    "selectedData": _Click | None,
    "sort_by": list[_SortBy] | None,
}


def _is_absolute_path(value: object) -> bool:
    """A location's pathname as a browser has it: absolute (Dash's router fails otherwise)."""
    return not isinstance(value, str) or value.startswith("/")


#: What the types cannot say about a property's value.
PROPERTY_RULES: dict[str, Callable[[object], bool]] = {"pathname": _is_absolute_path}


#: The library's « never built » errors, as the data door lets them through (an indicator
#: table, or the survey tables of the gap; the manifest; the quality report): a callback
#: cannot do anything without them.
NOT_BUILT_ERRORS: tuple[type[Exception], ...] = (
    data_access.ManifestNotFoundError,
    data_access.QualityReportNotFoundError,
    data_access.IndicatorNotBuiltError,
)


def harden(app: Dash) -> None:
    """Make ``app`` answer malformed requests with 400/404 and no traceback (see above).

    Called by :func:`create_app`; needs Dash's routes and first-request hooks in place.
    """
    _set_up_before_answering(app)
    _guard_callback_dispatch(app)
    _guard_component_suites(app)


def _set_up_before_answering(app: Dash) -> None:
    """Run Dash's first-request hooks to completion, once, before any request goes on.

    Dash's ``_setup_server`` sets its « done » flag, then walks the assets and validates the
    layout (the app shell reads the manifest) and only then copies the pages' callbacks into
    the callback map; the pages' router hook does the same with its callback and then calls
    every page's layout. A request arriving meanwhile skipped them and was dispatched against
    a map without its callback (« Callback function not found », 500). Here the first request
    runs them under a lock and the others wait for it; afterwards the check is one ``Event``
    test. (Dash's hooks return nothing: a hook answering by itself would be ignored here.)
    """
    hooks = app.server.before_request_funcs.setdefault(None, [])
    dash_hooks = list(hooks)
    lock = threading.Lock()
    done = threading.Event()

    def set_up_once() -> None:
        if done.is_set():
            return
        with lock:
            if not done.is_set():
                for hook in dash_hooks:
                    hook()
                done.set()

    hooks.insert(0, set_up_once)


def _route_endpoint(app: Dash, name: str) -> str:
    """Endpoint of one of Dash's routes (Dash names them by their full path)."""
    return f"{app.config.routes_pathname_prefix}{name}"


#: Longest request path (or method, or reason) written to a refusal's log line, escapes
#: included: a hand-made URL can be tens of kilobytes.
LOGGED_TEXT_MAX = 200
#: Unicode categories escaped in a log line: every control, format (bidi overrides that
#: reorder what the operator reads), surrogate, private or unassigned character, and the
#: line and paragraph separators that ``str.splitlines`` and some viewers break on.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escaped(char: str) -> str:
    if char == "\\":
        return "\\\\"  # so that a literal « \x0a » in the URL is not read as an escape
    if unicodedata.category(char) not in _ESCAPED_CATEGORIES:
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def one_log_line(text: str, limit: int = LOGGED_TEXT_MAX) -> str:
    """``text`` made safe for one line of the log: escaped as ``repr`` would (« %0A » in a
    URL is written ``\\x0a``, not a line feed that would forge a second record) and cut
    to ``limit`` characters, then « … », never inside an escape.

    Only the first ``limit`` characters are looked at, so a huge path costs nothing more.
    """
    pieces: list[str] = []
    size = 0
    for char in text[: limit + 1]:
        piece = _escaped(char)
        if size + len(piece) > limit:
            return "".join(pieces) + "…"
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces)


def _refuse(status: int, reason: str) -> flask.Response:
    """A short French answer, logged on one line (no traceback: nothing broke).

    The method and path are the client's, so they go through :func:`one_log_line`: the log
    promises one line per refusal, and a URL may hold line feeds and be of any length.
    """
    request = flask.request
    _LOG.warning(
        "%s %s refusée (%d) : %s",
        one_log_line(request.method),
        one_log_line(request.path),
        status,
        one_log_line(reason),
    )
    text = "Requête invalide" if status == 400 else "Ressource introuvable"
    return flask.Response(f"{text} : {reason}.", status=status, mimetype="text/plain")


def _guard_callback_dispatch(app: Dash) -> None:
    """Check every ``/_dash-update-component`` request before Dash dispatches it."""
    endpoint = _route_endpoint(app, "_dash-update-component")
    dispatch = app.server.view_functions[endpoint]

    def guarded() -> Any:
        body, problem = _read_callback_body()
        if problem is None:
            problem = callback_request_problem(body, app.callback_map)
        if problem is not None:
            return _refuse(400, problem)
        try:
            return dispatch()
        except NOT_BUILT_ERRORS as exc:
            # The tables were removed under an open page (or a request was made for a page
            # that says « not built »): nothing to update, as Dash's PreventUpdate; the page
            # explains it at its next load.
            _LOG.warning("Rappel sans données (204) : %s", exc)
            return flask.Response(status=204)

    # Keep Dash's view name (``dash.dash.dispatch``): CSRF extensions exempt it by name.
    app.server.view_functions[endpoint] = functools.wraps(dispatch)(guarded)


def _read_callback_body() -> tuple[object, str | None]:
    """(parsed JSON body, None), or (None, why it cannot be read)."""
    request = flask.request
    if not request.is_json:
        return None, "le corps n'est pas déclaré en JSON"
    request.max_content_length = MAX_CALLBACK_BYTES
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return None, "requête trop volumineuse"
    try:
        return json.loads(raw), None
    except (ValueError, RecursionError):  # bad UTF-8 or JSON; nesting past the parser
        return None, "le corps n'est pas un JSON valide"


def callback_request_problem(body: object, callback_map: Mapping[str, Any]) -> str | None:
    """Why ``body`` is not a request the browser could send for a callback of
    ``callback_map`` (a French phrase), or None when it is one.

    Checked: the callback exists; ``outputs``, ``inputs`` and ``state`` address its
    components and properties in its order; ``changedPropIds`` is a list of texts; each value
    has the shape its property can have (:data:`PROPERTY_SHAPES`) and the type the
    callback's annotation declares, with no text longer than :data:`MAX_CALLBACK_TEXT`.
    What a value *means* (an unknown indicator…) is the callback's business: it falls back
    to a default or says so in French.
    """
    if not isinstance(body, dict):
        return "le corps n'est pas un objet JSON"
    output = body.get("output")
    entry = callback_map.get(output) if isinstance(output, str) else None
    if not isinstance(entry, Mapping) or "callback" not in entry:
        return "rappel inconnu"
    values, problem = _addressed_values(body, entry)
    return problem or _values_problem(values, body.get("changedPropIds", []), entry)


def _addressed_values(
    body: dict[str, Any], entry: Mapping[str, Any]
) -> tuple[list[Any], str | None]:
    """The values of the inputs then the states, or why the payload does not address the
    callback's outputs, inputs and states (in its order)."""
    declared = entry["output"]
    sent = body.get("outputs")
    if isinstance(declared, list | tuple):
        matches = (
            isinstance(sent, list)
            and len(sent) == len(declared)
            and all(
                _addresses(s, d.component_id, d.component_property)
                for s, d in zip(sent, declared, strict=True)
            )
        )
    else:
        matches = _addresses(sent, declared.component_id, declared.component_property)
    if not matches:
        return [], "sorties non conformes au rappel"
    values: list[Any] = []
    for key in ("inputs", "state"):
        wanted, items = entry[key], body.get(key, [])
        if not (
            isinstance(items, list)
            and len(items) == len(wanted)
            and all(
                _addresses(i, w["id"], w["property"]) for i, w in zip(items, wanted, strict=True)
            )
        ):
            return [], f"« {key} » non conforme au rappel"
        values += [item.get("value") for item in items]
    return values, None


def _values_problem(values: list[Any], changed: object, entry: Mapping[str, Any]) -> str | None:
    """Why the values (or ``changedPropIds``) cannot come from the browser, or None."""
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "« changedPropIds » n'est pas une liste de textes"
    if _has_long_text([values, changed]):
        return f"texte de plus de {MAX_CALLBACK_TEXT} caractères"
    properties = [w["property"] for w in (*entry["inputs"], *entry["state"])]
    # Dash passes the values positionally when they are not grouped (a dict of inputs, as in
    # its pages router, is passed by name: the property shapes still apply there).
    indices = entry.get("inputs_state_indices")
    positional = indices == list(range(len(values))) or (indices == 0 and len(values) == 1)
    declared_types = (
        _parameter_types(entry["callback"], len(values)) if positional else (Any,) * len(values)
    )
    for value, prop, declared in zip(values, properties, declared_types, strict=True):
        rule = PROPERTY_RULES.get(prop)
        if not (
            _conforms(value, PROPERTY_SHAPES.get(prop, Any))
            and (rule is None or rule(value))
            and _conforms(value, declared)
        ):
            return f"valeur inattendue pour la propriété « {prop} »"
    return None


def _addresses(item: object, component_id: object, prop: str) -> bool:
    """Whether ``item`` is ``{"id": component_id, "property": prop, …}`` (the ``@…`` suffix of
    a duplicate output aside)."""
    if not isinstance(item, dict):
        return False
    sent = item.get("property")
    return (
        item.get("id") == component_id
        and isinstance(sent, str)
        and sent.split("@", 1)[0] == prop.split("@", 1)[0]
    )


def _has_long_text(value: object) -> bool:
    """Whether a text in ``value`` (nested lists and dicts, keys too) is too long (iterative:
    a deeply nested value must not exhaust the stack)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_CALLBACK_TEXT:
                return True
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
    return False


@functools.lru_cache(maxsize=1024)
def _parameter_types(func: Callable[..., object], count: int) -> tuple[object, ...]:
    """Declared types of the first ``count`` positional parameters of a callback (``Any``
    where there is no annotation, or when the annotations cannot be resolved)."""
    original = inspect.unwrap(func)
    try:
        hints = typing.get_type_hints(original)
        parameters = list(inspect.signature(original).parameters.values())
    except (NameError, TypeError, ValueError):
        return (Any,) * count
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    found = [hints.get(p.name, Any) for p in parameters if p.kind in kinds][:count]
    return (*found, *(Any,) * (count - len(found)))


_SEQUENCES = (list, collections.abc.Sequence, collections.abc.Iterable, collections.abc.Collection)
_MAPPINGS = (dict, collections.abc.Mapping)
#: JSON scalars by declared type (``bool`` is not an ``int`` here: ``True`` is no click count).
_SCALARS: dict[object, Callable[[object], bool]] = {
    None: lambda v: v is None,
    type(None): lambda v: v is None,
    bool: lambda v: isinstance(v, bool),
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    float: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    str: lambda v: isinstance(v, str),
}


def _conforms(value: object, declared: object) -> bool:
    """Whether a JSON value fits a type annotation: scalars, unions, ``Literal``, lists,
    dicts and ``TypedDict``. ``Any``, ``object`` and types JSON cannot carry (a class of the
    app) are left to the callback: True.
    """
    if isinstance(declared, collections.abc.Hashable) and declared in _SCALARS:
        return _SCALARS[declared](value)
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin is typing.Union or origin is types.UnionType:
        fits = any(_conforms(value, arg) for arg in args)
    elif origin is Literal:
        fits = any(type(value) is type(arg) and value == arg for arg in args)
    elif typing.is_typeddict(declared):
        fields = typing.get_type_hints(declared)
        required: frozenset[str] = getattr(declared, "__required_keys__", frozenset())
        fits = (
            isinstance(value, dict)
            and required <= value.keys()
            and all(_conforms(value[k], t) for k, t in fields.items() if k in value)
        )
    elif origin in _SEQUENCES or declared is list:
        item = args[0] if args else Any
        fits = isinstance(value, list) and all(_conforms(v, item) for v in value)
    elif origin in _MAPPINGS or declared is dict:
        item = args[1] if len(args) == 2 else Any
        fits = isinstance(value, dict) and all(_conforms(v, item) for v in value.values())
    else:
        fits = True
    return fits


def _guard_component_suites(app: Dash) -> None:
    """A component-suite URL that names no file Dash serves is a 404, not a 500.

    Dash raises ``DependencyException`` for an unregistered package or path (``%00``, ``..``,
    a forged version, an over-long name) and ``pkgutil`` an ``OSError`` for a registered file
    missing from the install.
    """
    endpoint = _route_endpoint(
        app, "_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"
    )
    serve = app.server.view_functions[endpoint]

    def guarded(package_name: str, fingerprinted_path: str) -> Any:
        try:
            return serve(package_name, fingerprinted_path)
        except (DependencyException, OSError, ValueError, LookupError):
            return _refuse(404, "fichier de composant inconnu")

    app.server.view_functions[endpoint] = functools.wraps(serve)(guarded)
