"""``polyfaas.asgi``: the third entry style, its lifespan tied to the instance's init
and stop, called canonically (the per-provider runs are in ``test_asgi_providers``)."""

from __future__ import annotations

from typing import Any

import pytest

import polyfaas
from polyfaas.errors import LifespanError

CONTEXT = polyfaas.Context(provider="local")


def _app(log: list[str], *, failures: int = 0) -> Any:
    attempts = {"startup": 0}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    attempts["startup"] += 1
                    if attempts["startup"] <= failures:
                        await send({"type": "lifespan.startup.failed", "message": "not yet"})
                        return
                    log.append("startup")
                    await send({"type": "lifespan.startup.complete"})
                else:
                    log.append("shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        log.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def test_asgi_returns_an_entry_of_its_own_kind() -> None:
    app = _app([])
    entry = polyfaas.asgi(app)
    assert isinstance(entry, polyfaas.Entry)
    assert entry.kind == "asgi"
    assert entry.app is app
    assert repr(entry) == "<polyfaas asgi entry _app.<locals>.app>"
    assert "asgi" in polyfaas.__all__


def test_lifespan_starts_before_the_first_call_once_and_before_the_init_hook() -> None:
    log: list[str] = []
    entry = polyfaas.asgi(_app(log), init=lambda context: log.append("init"))
    for path in ("/a", "/b"):
        response = entry(polyfaas.Request(path=path), CONTEXT)
        assert response.body == b"ok"
    entry.shutdown()
    assert log == ["startup", "init", "/a", "/b", "shutdown"]


def test_shutdown_before_any_call_does_nothing() -> None:
    log: list[str] = []
    polyfaas.asgi(_app(log)).shutdown()
    assert log == []


def test_a_failed_startup_fails_the_call_and_the_next_call_tries_again() -> None:
    log: list[str] = []
    entry = polyfaas.asgi(_app(log, failures=1))
    with pytest.raises(LifespanError, match="not yet"):
        entry(polyfaas.Request(path="/first"), CONTEXT)
    assert not entry.initialized
    assert entry(polyfaas.Request(path="/second"), CONTEXT).body == b"ok"
    assert log == ["startup", "/second"]


def test_other_entries_have_nothing_to_shut_down() -> None:
    entry = polyfaas.http(lambda request, context: "hi")
    entry(polyfaas.Request(), CONTEXT)
    entry.shutdown()
    assert entry.initialized


def test_a_shut_down_entry_starts_again_on_its_next_call() -> None:
    log: list[str] = []
    entry = polyfaas.asgi(_app(log))
    entry(polyfaas.Request(path="/a"), CONTEXT)
    entry.shutdown()
    assert not entry.initialized
    entry(polyfaas.Request(path="/b"), CONTEXT)  # a new instance's first call
    entry.shutdown()
    assert log == ["startup", "/a", "shutdown", "startup", "/b", "shutdown"]


def test_closing_a_test_client_shuts_the_app_down() -> None:
    from polyfaas.testing import client

    log: list[str] = []
    entry = polyfaas.asgi(_app(log))
    for provider in ("local", "yandex-gateway", "alibaba"):
        with client(entry, provider) as http:
            assert http.get("/x").status_code == 200
            assert log[-1] == "/x"
        assert log[-1] == "shutdown", provider
    assert log.count("startup") == log.count("shutdown") == 3
