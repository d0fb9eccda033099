"""Security properties of SECURITY.md that no other test file holds: localhost by default."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app, serve


def test_serve_listens_on_localhost_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboards.app as dashboards_app

    calls: dict[str, Any] = {}

    def fake_run(dash_app: object, *, host: str | None = None, port: int | None = None) -> None:
        calls.update(host=host, port=port)

    monkeypatch.setattr(dashboards_app, "create_app", object)
    monkeypatch.setattr(dashboards_app, "run", fake_run)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert calls["host"] == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_run_defaults_to_localhost_without_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboards.app as dashboards_app

    seen: dict[str, Any] = {}

    class FakeDash:
        def run(self, **kwargs: Any) -> None:
            seen.update(kwargs)

    monkeypatch.delenv("EGN_HOST", raising=False)
    monkeypatch.delenv("EGN_DEBUG", raising=False)
    monkeypatch.setattr(dashboards_app, "warm_caches", lambda: None)
    dashboards_app.run(FakeDash())  # type: ignore[arg-type]
    assert seen["host"] == "127.0.0.1"
    assert seen["debug"] is False  # no Werkzeug debugger (it executes code) unless asked
    assert seen["dev_tools_disable_version_check"] is True  # no request to plotly.com
