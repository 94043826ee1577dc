"""Testing a function on any provider, through the emulated platform.

::

    from polyfaas.testing import client, invoke

    def test_hello():
        with client("main.py:handler", provider="yandex-gateway") as http:
            assert http.get("/hello?name=Ada").json == {"hello": "Ada"}

    def test_timer():
        assert invoke("main.py:on_timer", {"payload": "x"}, provider="alibaba").status == 200

``client`` returns a ``werkzeug.test.Client`` around the runner's own front door:
requests go through the same platform half (its limits, its native events, its
error answers) as under ``polyfaas run``. The function runs in this process, except
on providers whose instances are servers of their own (FC custom runtime), which
are started as real processes and stopped when the client closes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from werkzeug.test import Client

from polyfaas import providers
from polyfaas._entry import payload_data
from polyfaas._event import Event
from polyfaas._native import FunctionConfig
from polyfaas._response import Response
from polyfaas._target import Target, load_target, parse_target
from polyfaas.emulator import InProcessInstance
from polyfaas.errors import HandlerImportError
from polyfaas.runner.app import Invoker, RunnerApp

PROVIDER_ENV = "POLYFAAS_PROVIDER"


def default_provider() -> str:
    """``POLYFAAS_PROVIDER``, or ``local``."""
    return os.environ.get(PROVIDER_ENV) or "local"


class PolyfaasClient(Client):
    """A werkzeug test client whose application is an emulated platform.

    Close it (or use it as a context manager) to stop instances it started.
    """

    def __init__(self, app: RunnerApp, pool: Any = None) -> None:
        super().__init__(app)
        self.runner_app = app
        self._pool = pool

    def close(self) -> None:
        """Stop the instances this client started, if any."""
        if self._pool is not None and hasattr(self._pool, "close"):
            self._pool.close()
            self._pool = None

    def __enter__(self) -> PolyfaasClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def target_of(obj: Any) -> Target:
    """Where an already imported handler object lives, for providers that start it anew."""
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    file = getattr(module, "__file__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module is None or file is None or not name or "<" in name:
        raise HandlerImportError(
            f"{obj!r} is not a module-level object of a file; pass its TARGET string instead",
            "target",
        )
    path = Path(file).resolve()
    return Target(path.parent, path.stem, name, path)


def _resolve(target: Any) -> tuple[Any, Target | None]:
    if isinstance(target, str):
        where = parse_target(target)
        return load_target(where), where
    return target, None


def _instances(entry: Any, where: Target | None, platform: Any, config: FunctionConfig) -> Any:
    if getattr(platform, "make_pool", None) is None:
        return InProcessInstance(entry)
    from polyfaas.runner.server import make_pool

    return make_pool(platform, where or target_of(entry), config)


def client(
    target: Any, provider: str | None = None, config: FunctionConfig | None = None
) -> PolyfaasClient:
    """A test client for ``target`` (``"file.py:attr"``, ``"module:attr"``,
    ``"module.attr"`` or the entry object) behind ``provider``'s front door."""
    entry, where = _resolve(target)
    platform = providers.platform_half(provider or default_provider())
    config = config or FunctionConfig(handler=where.handler_string if where else "index.handler")
    pool = _instances(entry, where, platform, config)
    app = RunnerApp(Invoker(platform, pool, config))
    return PolyfaasClient(app, pool)


def as_event(event: Any) -> Event:
    """An event invocation's payload: an ``Event`` as is; bytes or text as the raw
    payload; ``None`` as an empty one; anything else as its JSON."""
    if isinstance(event, Event):
        return event
    if event is None:
        raw = b""
    elif isinstance(event, str):
        raw = event.encode("utf-8")
    elif isinstance(event, (bytes, bytearray)):
        raw = bytes(event)
    else:
        raw = json.dumps(event).encode("utf-8")
    return Event(data=payload_data(raw), datacontenttype="application/json", native=raw)


def invoke(
    target: Any,
    event: Any = None,
    provider: str | None = None,
    config: FunctionConfig | None = None,
) -> Response:
    """One event invocation of ``target`` through ``provider``: what the caller gets."""
    entry, where = _resolve(target)
    platform = providers.platform_half(provider or default_provider())
    config = config or FunctionConfig(handler=where.handler_string if where else "index.handler")
    pool = _instances(entry, where, platform, config)
    try:
        response, _, _ = Invoker(platform, pool, config)(as_event(event))
    finally:
        if hasattr(pool, "close"):
            pool.close()
    return response
