"""``create_app``: the Dash app, offline, in French, pages discovered from ``dashboards/pages``.

Offline by construction (the app runs on analysts' machines, often without Internet and always
with data that must not leave them):

* ``serve_locally=True``: Dash's and plotly.js bundles come from the installed packages;
* no ``external_stylesheets`` / ``external_scripts``; fonts and CSS are in ``assets/``;
* ``enable_mcp=False`` (Dash 4's MCP endpoint stays off), no health endpoint;
* the dev-tools version check (a request to plotly.com) is disabled in :func:`run`;
* figures get their French locale inline (:func:`egn_analytics.viz.graph_config`), not from a
  locale script, and MathJax is never loaded.

``Dash("dashboards", use_pages=True, pages_folder=<absolute path>)`` makes Dash import the page
modules under their package name (``dashboards.pages.donnees``), so each is executed once per
app and the tests can import the same module objects.

One request must not bring the server down (:func:`dashboards.hardening.harden`): a callback
request the browser could not have sent (broken JSON, wrong structure, unknown callback, a value
of the wrong shape) is answered 400 before Dash sees it, a malformed component-suite URL 404,
and no request is answered before Dash's first-request set-up is complete.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import flask
from dash import Dash
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboards import data_access
from dashboards.components.shell import PRODUCT, PRODUCT_SUBTITLE, app_shell
from dashboards.data_access import CONFIG_KEY
from dashboards.hardening import harden
from egn_analytics.config import get_settings

_LOG = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
PAGES_DIR = PACKAGE_DIR / "pages"
ASSETS_DIR = PACKAGE_DIR / "assets"

INDEX_STRING = """<!DOCTYPE html>
<html lang="fr">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        <noscript>EGN Analytics a besoin de JavaScript pour afficher ses tableaux de bord.</noscript>
        {%app_entry%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


def create_app(data_dir: Path | None = None) -> Dash:
    """Build the app reading ``data_dir`` (default: ``get_settings().data_dir``).

    No data are read here and nothing is computed: pages read the indicator tables of the
    last ``egn build`` at request time through :mod:`dashboards.data_access`, so the app
    starts even before ``make data``. The modules a request imports are imported here, before
    any request (:func:`preload_modules`), and the app is hardened against malformed requests
    (:func:`harden`).
    """
    _check_package_import()
    preload_modules()
    resolved = Path(data_dir).expanduser().resolve() if data_dir else get_settings().data_dir
    app = Dash(
        "dashboards",
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        title=PRODUCT,
        update_title=None,  # type: ignore[arg-type]  # documented: None keeps the title stable
        description=f"{PRODUCT} — {PRODUCT_SUBTITLE}",
        index_string=INDEX_STRING,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        external_scripts=[],
        external_stylesheets=[],
        enable_mcp=False,
        compress=False,
        include_pages_meta=False,  # social-network cards mean nothing offline
    )
    app.server.config[CONFIG_KEY] = str(resolved)
    data_access.configure(resolved)
    app.layout = app_shell
    _add_donnees_alias(app)
    harden(app)
    return app


def _check_package_import() -> None:
    """Fail with a useful message when ``dashboards`` was imported as a namespace package.

    That happens with an editable install made before ``dashboards/__init__.py`` existed
    (setuptools then records the folder as a namespace), and Dash/Flask need the package's
    file to locate it: they would fail with an obscure « No root path » error.
    """
    import dashboards

    if getattr(dashboards, "__file__", None) is None:
        raise RuntimeError(
            "The 'dashboards' package was imported as a namespace package (stale editable "
            "install). Run `pip install -e . --no-deps` again, or run from the repository root."
        )


def _add_donnees_alias(app: Dash) -> None:
    """``/donnees`` → ``/`` keeping the query string (Dash's ``redirect_from`` drops it)."""
    prefix = app.config.routes_pathname_prefix or "/"
    target = app.get_relative_path("/")

    def _redirect() -> WerkzeugResponse:
        query = flask.request.query_string.decode("utf-8")
        return flask.redirect(target + (f"?{query}" if query else ""), code=302)

    app.server.add_url_rule(f"{prefix}donnees", "egn_donnees_alias", _redirect)


#: Modules imported before the app answers: pandas and pyarrow first (Plotly, narwhals and
#: Polars look them up in ``sys.modules`` and use them as soon as they are there, so one half
#: imported by another thread fails a request), then what a request imports: Polars and
#: Plotly (every card), ``diskcache`` and the survey estimation (the gap, the one computation
#: left). Nothing of the build (loaders, text pipeline, models): the pages read its tables.
PRELOADED_MODULES = (
    "pandas",
    "pyarrow",
    "polars",
    "plotly.graph_objects",
    "plotly.io",
    "diskcache",
    "egn_analytics.indicators",
    "egn_analytics.survey.model",
)


def preload_modules(names: Sequence[str] = PRELOADED_MODULES) -> list[str]:
    """Import ``names`` in the calling thread; returns those that could not be imported (an
    optional extra missing: the page that needs it says so).

    Why: at a cold start one thread imported pandas (then through statsmodels, for a warm-up
    thread since removed) while request threads built Plotly figures; Plotly (like narwhals
    and Polars) takes pandas from ``sys.modules`` without importing it, found the
    half-initialised module and failed (« partially initialized module 'pandas' has no
    attribute 'Series' »: three requests answered 500). Importing what a request may import
    before the app answers closes that window, and the one of two threads importing packages
    that import each other. It costs under a second, once per process (later calls find the
    modules).
    """
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def run(
    app: Dash, *, host: str | None = None, port: int | None = None, debug: bool | None = None
) -> None:
    """Serve on localhost with Dash's dev server (``egn serve --debug``; ``EGN_HOST``/``EGN_PORT``
    to change; dev tools when ``debug`` is true, by default when ``EGN_DEBUG=1``)."""
    app.run(
        host=host or os.environ.get("EGN_HOST", "127.0.0.1"),
        port=port or int(os.environ.get("EGN_PORT", "8050")),
        debug=os.environ.get("EGN_DEBUG", "") == "1" if debug is None else debug,
        dev_tools_disable_version_check=True,
    )
