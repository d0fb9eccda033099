"""``egn serve``: waitress with N threads on localhost, the dev server only when asked, a clean
stop on SIGTERM.

The unit tests replace the dashboards package by a stand-in (``_load_dashboards``) and build
servers on port 0 without running them; the integration test starts ``egn serve`` for real.
"""

from __future__ import annotations

import concurrent.futures
import gc
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from egn_analytics import cli

ROOT = Path(__file__).resolve().parents[1]


def _wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_make_server_binds_host_with_the_threads_asked() -> None:
    server = cli.make_server(_wsgi, host="127.0.0.1", port=0, threads=3)
    try:
        assert server.adj.threads == 3
        assert len(server.task_dispatcher.threads) == 3
        assert server.adj.host == "127.0.0.1"
        assert server.effective_host == "127.0.0.1"
        assert int(server.effective_port) > 0
        assert server.adj.ident == "waitress"
        assert server.adj.expose_tracebacks is False
    finally:
        cli.close_server(server)
    assert not server.task_dispatcher.threads


def test_server_options_never_expose_tracebacks() -> None:
    options = cli.server_options("127.0.0.1", 8050, 8)
    assert options["expose_tracebacks"] is False
    assert options["clear_untrusted_proxy_headers"] is True
    assert (options["host"], options["port"], options["threads"]) == ("127.0.0.1", 8050, 8)


class FakeDashboards:
    """``dashboards.app`` as ``egn serve`` uses it, recording what it was asked (nothing
    else: ``egn serve`` starts no warm-up, the pages read the tables ``egn build`` wrote)."""

    def __init__(self) -> None:
        self.dev_runs: list[dict[str, Any]] = []
        self.app = SimpleNamespace(server=_wsgi)

    def create_app(self) -> SimpleNamespace:
        return self.app

    def run(self, dash_app: object, *, host: str, port: int, debug: bool | None = None) -> None:
        self.dev_runs.append({"app": dash_app, "host": host, "port": port, "debug": debug})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeDashboards, list[Any]]]:
    """The stand-in dashboards, and the servers ``egn serve`` would have run (closed)."""
    dashboards = FakeDashboards()
    served: list[Any] = []

    def not_running(server: Any) -> None:
        served.append(server)
        cli.close_server(server)

    monkeypatch.setattr(cli, "_load_dashboards", lambda: dashboards)
    monkeypatch.setattr(cli, "serve_until_stopped", not_running)
    monkeypatch.delenv("EGN_DEBUG", raising=False)
    monkeypatch.delenv("EGN_THREADS", raising=False)
    yield dashboards, served


def test_serve_runs_waitress_with_threads_on_localhost(
    fake: tuple[FakeDashboards, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    dashboards, served = fake
    built: list[object] = []
    make = cli.make_server

    def recording(wsgi_app: object, **kwargs: Any) -> Any:
        built.append(wsgi_app)
        return make(wsgi_app, **kwargs)

    monkeypatch.setattr(cli, "make_server", recording)
    result = CliRunner().invoke(cli.app, ["serve", "--port", "0", "--threads", "5"])
    assert result.exit_code == 0, result.output
    [server] = served
    assert built == [_wsgi]  # the Flask server of the app create_app built
    assert (server.adj.threads, server.adj.host) == (5, "127.0.0.1")
    assert dashboards.dev_runs == []
    url = f"http://127.0.0.1:{server.effective_port}/"
    assert f"EGN Analytics : {url}  (5 fils d'exécution, Ctrl+C pour arrêter)" in result.output


def test_threads_default_and_environment(
    fake: tuple[FakeDashboards, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, served = fake
    assert CliRunner().invoke(cli.app, ["serve", "--port", "0"]).exit_code == 0
    monkeypatch.setenv("EGN_THREADS", "3")
    assert CliRunner().invoke(cli.app, ["serve", "--port", "0"]).exit_code == 0
    assert [s.adj.threads for s in served] == [cli.DEFAULT_THREADS, 3]
    monkeypatch.setenv("EGN_THREADS", "0")
    assert CliRunner().invoke(cli.app, ["serve", "--port", "0"]).exit_code == 2
    assert len(served) == 2


@pytest.mark.parametrize(("env", "args"), [({"EGN_DEBUG": "1"}, []), ({}, ["--debug"])])
def test_debug_selects_the_dev_server(
    fake: tuple[FakeDashboards, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: list[str],
) -> None:
    dashboards, served = fake

    def no_waitress(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("waitress must not be built in debug mode")

    monkeypatch.setattr(cli, "make_server", no_waitress)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    before = os.environ.get("EGN_DEBUG")
    result = CliRunner().invoke(cli.app, ["serve", "--port", "8051", *args])
    assert result.exit_code == 0, result.output
    assert dashboards.dev_runs == [
        {"app": dashboards.app, "host": "127.0.0.1", "port": 8051, "debug": True}
    ]
    # The choice is passed to the dev server, not left in the process's environment, where
    # it would turn every later command's one-line errors into tracebacks.
    assert os.environ.get("EGN_DEBUG") == before
    assert served == []
    assert "mode débogage" in result.output


def test_dev_server_wanted() -> None:
    assert cli.dev_server_wanted(True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EGN_DEBUG", "1")
        assert cli.dev_server_wanted()
        patch.setenv("EGN_DEBUG", "0")
        assert not cli.dev_server_wanted()
        patch.delenv("EGN_DEBUG")
        assert not cli.dev_server_wanted()


def test_busy_port_is_one_french_line(fake: tuple[FakeDashboards, list[Any]]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli.app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"erreur : impossible d'écouter sur 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output
    gc.collect()  # a socket or pipe left open by the failed bind would warn here
    assert not [t for t in threading.enumerate() if t.name.startswith("waitress-")]


# ------------------------------------------------------------------ integration -----


def _get(url: str, timeout: float = 30) -> tuple[int, str]:
    """(status, Server header) of a GET."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
        return response.status, response.headers.get("Server", "")


@pytest.mark.integration
def test_egn_serve_answers_concurrently_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The real command on an empty data folder (the pages say « not built », with 200)."""
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    env = {**os.environ, "EGN_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    env.pop("EGN_DEBUG", None)
    command = [sys.executable, "-m", "egn_analytics.cli", "serve", "--port", "0", "--threads", "4"]
    started = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
            assert found, first
            base = f"http://127.0.0.1:{found.group(1)}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    assert _get(f"{base}/") == (200, "waitress")
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert time.monotonic() < deadline, "the server never answered"
                    time.sleep(0.2)
            pages = ["/enquetes", "/usages", "/concertation"]
            with concurrent.futures.ThreadPoolExecutor(len(pages)) as pool:
                answers = list(pool.map(lambda p: _get(base + p), pages))
            assert answers == [(200, "waitress")] * len(pages)
            broken = urllib.request.Request(
                f"{base}/_dash-update-component",
                data=b"{not json",
                headers={"Content-Type": "application/json"},
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(broken, timeout=30)
            assert refused.value.code == 400  # the app's hardening, unchanged
            assert b"Traceback" not in refused.value.read()
        finally:
            process.send_signal(signal.SIGTERM)
            stopping = time.monotonic()
            out, err = process.communicate(timeout=10)
    assert time.monotonic() - stopping < 10
    assert process.returncode == 0, err
    assert "serveur arrêté" in out
    assert "Traceback" not in err
    print(f"egn serve: up and stopped in {time.perf_counter() - started:.1f} s")
