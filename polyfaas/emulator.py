"""Imitating a platform in this process: canonical in, what the caller gets out.

``emulate`` makes one call through a provider's platform half; ``EmulatedApp`` is
the same as a WSGI application, so an HTTP server or werkzeug's test client can
stand where the cloud's front door stands. Calls into one instance are serialised,
as both platforms run one request per instance by default.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from polyfaas import providers
from polyfaas._event import Event
from polyfaas._native import FunctionConfig, call_native
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.wsgi_bridge import StartResponse, request_from_environ, start_wsgi_response

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


def emulate(
    entry: Any,
    payload: Request | Event,
    provider: str = "local",
    config: FunctionConfig | None = None,
) -> Response:
    """What the caller of the emulated platform receives for ``payload``."""
    platform = providers.platform_half(provider)
    call = platform.call(payload, config or FunctionConfig())
    with _instance_lock, instance_environment(call.environ):
        outcome = call_native(entry, call)
    return platform.receive(outcome, call)


class EmulatedApp:
    """A WSGI application that answers as ``provider``'s front door would."""

    def __init__(
        self, entry: Any, provider: str = "local", config: FunctionConfig | None = None
    ) -> None:
        self.entry = entry
        self.provider = provider
        self.config = config or FunctionConfig()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = request_from_environ(environ, native=None)
        response = emulate(self.entry, request, self.provider, self.config)
        body = start_wsgi_response(response, start_response)
        return [] if request.method == "HEAD" else body
