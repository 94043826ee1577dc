"""The runner's instances of a custom runtime: the function's own HTTP server.

``ServerPool`` is the kit's ``ServerProcessPool`` (an ``InstancePool``) with FC's
lifecycle. It starts the server command with ``FC_CUSTOM_LISTEN_PORT`` set to a free
port (in its own process group, killed with the runner), waits up to 120 s for the
port to accept connections, posts ``/initialize`` once (a plain 404 means the server
has no initializer), and sends each call's ``ServerRequest`` over keep-alive
connections. FC's lifecycle hooks (ASSUMPTIONS.md, "Instance lifecycle hooks") go as
FC sends them, each only when the function configures it and within its timeout:
``/initialize`` once per server before its first call, ``/pre-freeze`` after each
call, ``/pre-stop`` before the server is stopped. A call that outlives its timeout
stops the server, as does a failed ``/initialize`` (its call answered with FC's
``InitializationError``); the next call starts a new one. Stopping is SIGTERM, then
SIGKILL.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

import attrs

from polyfaas import Request
from polyfaas.platform import (
    FunctionConfig,
    NativeCall,
    Outcome,
    ServerKind,
    ServerProcess,
    ServerProcessPool,
    StreamedBody,
    override,
    process_environ,
)
from polyfaas_alibaba.emulated.lifecycle import InitializationFailure, hook_timeout
from polyfaas_alibaba.serialize import error_bytes

if TYPE_CHECKING:
    from polyfaas.runtime import Target

#: A custom runtime as FC starts it. The function's log (FC's lines included) is the
#: runner's log, never its answer: ``polyfaas invoke`` prints the answer on stdout.
CUSTOM_RUNTIME = ServerKind(
    what="the custom runtime",
    port_variable="FC_CUSTOM_LISTEN_PORT",
    error_type="FunctionNotStarted",
    grace_s=5.0,
    die_with_parent=True,
)


@attrs.frozen
class ServerRequest:
    """One HTTP request FC sends to the custom runtime's server."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""


@attrs.frozen
class ServerResponse:
    """The server's answer, as it came (``body`` a ``StreamedBody`` when the server
    streamed it and the caller asked for a stream)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: Any = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), if any."""
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)


def _failure_of(answer: ServerResponse) -> InitializationFailure:
    """A failed ``/initialize`` as its caller gets it: the server's error document as
    it sent it, else one that says what it answered."""
    try:
        document = json.loads(answer.body)
    except ValueError:
        document = None
    if isinstance(document, dict) and "errorMessage" in document:
        return InitializationFailure(answer.body)
    text = answer.body.decode("utf-8", "replace")
    message = f"/initialize answered {answer.status}" + (f": {text}" if text else "")
    return _failure(message)


def _failure(message: str) -> InitializationFailure:
    return InitializationFailure(
        error_bytes({"errorMessage": message, "errorType": "InitializationError"})
    )


class ServerPool(ServerProcessPool):
    """One custom-runtime server at a time, started on demand."""

    def __init__(
        self,
        command: list[str],
        target: Target,
        environ: Mapping[str, str],
        config: FunctionConfig,
        *,
        hook_request: Callable[[str], ServerRequest],
    ) -> None:
        super().__init__(command, str(target.folder), process_environ(environ), CUSTOM_RUNTIME)
        self.hook_request = hook_request
        self.target = target
        self.config = config
        #: The current server's failed /initialize, answered to its first call.
        self.init_failures: dict[ServerProcess, InitializationFailure] = {}

    @override
    def spawn(self) -> ServerProcess:
        """A listening server, initialized when the function has an initializer."""
        server = super().spawn()
        self.init_failures.clear()  # one server at a time: an older one's is moot
        failure = self._initialize(server)
        if failure is not None:
            self.init_failures[server] = failure
        return server

    def _initialize(self, server: ServerProcess) -> InitializationFailure | None:
        # FC posts /initialize only when the function has an initializer.
        if not self.config.setting("initializer"):
            return None
        timeout = hook_timeout(self.config, "initializer")
        try:
            sent = server.send(self.hook_request("initializer"), timeout)
        except (TimeoutError, socket.timeout):
            return _failure(f"Function initialization timeout after {timeout:g}s")
        except (OSError, http.client.HTTPException) as exc:
            return _failure(f"/initialize failed: {exc}")
        answer = ServerResponse(sent.status, sent.headers, sent.body)
        failed = (answer.header("x-fc-status") or "").strip() == "404"
        if failed or not 200 <= answer.status < 300:
            return _failure_of(answer)
        return None

    @override
    def before_call(self, server: ServerProcess, call: NativeCall) -> Outcome | None:
        """A failed ``/initialize`` answers the server's first call (FC's
        ``InitializationError``); the server is then replaced."""
        failure = self.init_failures.pop(server, None)
        return None if failure is None else Outcome(value=failure)

    @override
    def exchange(self, server: ServerProcess, call: NativeCall, timeout: float) -> ServerResponse:
        """An HTTP answer may stream (FC passes it through); FC's PreFreeze then waits
        for its end."""
        answer = server.send(
            call.args[0],
            timeout,
            stream=isinstance(call.payload, Request),
            ended=lambda: self._hook(server, "pre-freeze"),
        )
        return ServerResponse(answer.status, answer.headers, answer.body)

    @override
    def answered(self, server: ServerProcess, answer: Any) -> None:
        """FC's PreFreeze after a whole answer (a streamed one's at its end)."""
        if not isinstance(answer.body, StreamedBody):
            self._hook(server, "pre-freeze")

    def _hook(self, server: ServerProcess, hook: str) -> None:
        """Send ``hook`` (``pre-freeze``, ``pre-stop``) if the function configures it."""
        if self.config.setting(hook) and server.process.poll() is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                server.send(self.hook_request(hook), hook_timeout(self.config, hook))

    @override
    def stop_server(self, server: ServerProcess) -> None:
        """``/pre-stop`` first when configured, then the process group."""
        self.init_failures.pop(server, None)
        self._hook(server, "pre-stop")
        server.stop()
