"""Imitating a platform in this process: canonical in, what the caller gets out.

``emulate`` makes one call through a provider's platform half; ``EmulatedApp`` is
the runner's own front door (``polyfaas.runner.app.RunnerApp``) over an instance
that lives in this process, so werkzeug's test client or any WSGI server sees the
same platform answers as ``polyfaas run`` gives. Calls are serialised, as both
platforms run one request per instance by default. An in-process instance cannot
be killed, so timeouts and memory limits are enforced by ``polyfaas run`` only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from polyfaas import providers
from polyfaas._event import Event
from polyfaas._native import FunctionConfig, NativeCall, call_native
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.runner.app import Invoker, RunnerApp
from polyfaas.runner.instances import CallResult

# os.environ is the process's: one in-process call at a time, whatever the entry.
_instance_lock = threading.RLock()


@contextmanager
def instance_environment(environ: Mapping[str, str]) -> Iterator[None]:
    """Set the variables a platform sets on an instance, and restore them after."""
    saved = {key: os.environ.get(key) for key in environ}
    os.environ.update(environ)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class InProcessInstance:
    """An instance of ``entry`` that lives in this process (the pool of the test kit)."""

    def __init__(self, entry: Any) -> None:
        self.entry = entry

    def invoke(self, call: NativeCall, timeout: float) -> CallResult:
        with _instance_lock, instance_environment(call.environ):
            outcome = call_native(self.entry, call)
        return CallResult(ending="returned", outcome=outcome)


def emulate(
    entry: Any,
    payload: Request | Event,
    provider: str = "local",
    config: FunctionConfig | None = None,
) -> Response:
    """What the caller of the emulated platform receives for ``payload``."""
    platform = providers.platform_half(provider)
    invoker = Invoker(platform, InProcessInstance(entry), config or FunctionConfig())
    response, _, _ = invoker(payload)
    return response


class EmulatedApp(RunnerApp):
    """A WSGI application that answers as ``provider``'s front door would."""

    def __init__(
        self, entry: Any, provider: str = "local", config: FunctionConfig | None = None
    ) -> None:
        self.entry = entry
        self.provider = provider
        self.config = config or FunctionConfig()
        platform = providers.platform_half(provider)
        super().__init__(Invoker(platform, InProcessInstance(entry), self.config))
