"""A fault of the runner or a platform half (not the function's) answers JSON, logs
its traceback and leaves the runner serving: never werkzeug's HTML error page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.test import Client

import polyfaas
from polyfaas import providers
from polyfaas.platform import FunctionConfig
from polyfaas.runner.app import Dispatcher, RunnerApp
from polyfaas.testing import InProcessInstance


@polyfaas.http
def hello(request: polyfaas.Request, context: polyfaas.Context) -> str:
    return "hello"


def test_a_platform_hook_that_raises_gets_a_json_500_and_a_logged_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    platform = providers.platform_half("local")
    calls = {"n": 0}
    real_admit = type(platform).admit

    def admit(self: Any, request: polyfaas.Request, config: FunctionConfig) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a bug in the emulation")
        return real_admit(self, request, config)

    monkeypatch.setattr(type(platform), "admit", admit)
    log = io.StringIO()
    app = RunnerApp(Dispatcher(platform, InProcessInstance(hello), FunctionConfig()), log)
    client = Client(app)

    first = client.get("/")
    assert first.status_code == 500
    assert first.headers["Content-Type"].startswith("application/json")
    assert first.get_json()["errorType"] == "PolyfaasRunnerError"
    assert "<html" not in first.get_data(as_text=True).lower()
    assert "RuntimeError: a bug in the emulation" in log.getvalue()
    assert "the function was not at fault" in log.getvalue()

    second = client.get("/")
    assert second.status_code == 200
    assert second.get_data(as_text=True) == "hello"
