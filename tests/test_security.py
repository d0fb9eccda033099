"""Security properties of SECURITY.md that no other test file holds: localhost by default."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app, serve


def test_serve_listens_on_localhost_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """``egn serve`` without ``--host`` binds its production server to 127.0.0.1 only."""
    from egn_analytics import cli

    seen: dict[str, Any] = {}

    def record_and_stop(server: Any) -> None:
        seen["host"] = server.adj.host
        cli.close_server(server)

    monkeypatch.delenv("EGN_DEBUG", raising=False)
    monkeypatch.delenv("EGN_HOST", raising=False)
    monkeypatch.setattr(cli, "serve_until_stopped", record_and_stop)
    result = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_run_defaults_to_localhost_without_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboards.app as dashboards_app

    seen: dict[str, Any] = {}

    class FakeDash:
        def run(self, **kwargs: Any) -> None:
            seen.update(kwargs)

    monkeypatch.delenv("EGN_HOST", raising=False)
    monkeypatch.delenv("EGN_DEBUG", raising=False)
    dashboards_app.run(FakeDash())  # type: ignore[arg-type]
    assert seen["host"] == "127.0.0.1"
    assert seen["debug"] is False  # no Werkzeug debugger (it executes code) unless asked
    assert seen["dev_tools_disable_version_check"] is True  # no request to plotly.com


def test_unexpected_errors_are_written_without_their_message() -> None:
    """A Polars error may quote a raw cell: the report and the console get its type only."""
    import polars as pl

    from egn_analytics.loaders._core import LoadError
    from egn_analytics.loaders.registry import error_line

    leaky = pl.exceptions.ComputeError("could not parse 'jean.dupont@ent-exemple.fr' as i64")
    assert "jean.dupont" not in error_line(leaky)
    assert error_line(leaky).startswith("erreur inattendue (ComputeError)")
    assert error_line(KeyError("jean.dupont")).startswith("erreur inattendue (KeyError)")
    import pyarrow as pa

    arrow = pa.ArrowInvalid("Could not convert 'jean.dupont' with type str")
    assert isinstance(arrow, ValueError)
    assert error_line(arrow).startswith("erreur inattendue (ArrowInvalid)")
    ours = LoadError("journal.csv", "en-tête attendu absent", row=1)
    assert error_line(ours) == "journal.csv (ligne 1) : en-tête attendu absent"


def test_every_test_named_in_security_md_exists() -> None:
    """SECURITY.md says which test holds each promise: each file and test it names exists."""
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    text = (repo / "SECURITY.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/.-]+\.py)?((?:::\w+)?)`", text)
    assert len(named) >= 15, named
    current: Path | None = None
    for path, test in named:
        if path:
            current = repo / path
            assert current.is_file(), path
        if test:
            assert current is not None
            source = current.read_text(encoding="utf-8")
            assert re.search(rf"def {test[2:]}\(", source), f"{current.name}{test}"
