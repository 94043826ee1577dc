"""The runner's instances of a custom runtime: the function's own HTTP server.

``ServerPool`` satisfies ``polyfaas.platform.InstancePool``. It starts the
server command with ``FC_CUSTOM_LISTEN_PORT`` set to a free port (in its own process
group, killed with the runner), waits up to 120 s for the port to accept connections,
posts ``/initialize`` once (a plain 404 means the server has no initializer), and
sends each call's ``ServerRequest`` over keep-alive connections. FC's lifecycle
hooks (ASSUMPTIONS.md, "Instance lifecycle hooks") go as FC sends them, each only
when the function configures it and within its timeout: ``/initialize`` once per
server before its first call, ``/pre-freeze`` after each call, ``/pre-stop`` before
the server is stopped. A call that outlives its timeout stops the server, as does a
failed ``/initialize`` (its call answered with FC's ``InitializationError``); the
next call starts a new one. Stopping is SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable

import attrs

from polyfaas import Request
from polyfaas.platform import (
    START_TIMEOUT_S,
    CallResult,
    ErrorInfo,
    FunctionConfig,
    InstanceStartError,
    LoadFailure,
    NativeCall,
    Outcome,
    exit_detail,
    process_environ,
)
from polyfaas.runtime import from_native_str
from polyfaas_alibaba.emulated.lifecycle import InitializationFailure, hook_timeout
from polyfaas_alibaba.serialize import error_bytes

if TYPE_CHECKING:
    from polyfaas.runtime import Target

POLL_S = 0.05
STOP_GRACE_S = 5.0
PR_SET_PDEATHSIG = 1


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


class StreamedBody:
    """An answer's body read from the server as it writes it (``read1``: what has
    arrived, up to 64 KB). Its end (read to the last chunk, or closed early: the
    connection is then dropped) calls ``ended`` once."""

    def __init__(
        self,
        server: Server,
        conn: http.client.HTTPConnection,
        answer: http.client.HTTPResponse,
        ended: Callable[[], None],
    ) -> None:
        self.server = server
        self.conn = conn
        self.answer = answer
        self.ended: Callable[[], None] | None = ended

    def __iter__(self) -> StreamedBody:
        return self

    def __next__(self) -> bytes:
        if self.ended is None:
            raise StopIteration
        try:
            chunk = self.answer.read1(64 * 1024)
        except BaseException:
            self.conn.close()
            self._over()
            raise
        if not chunk:
            self.server._done_with(self.conn, self.answer)
            self._over()
            raise StopIteration
        return chunk

    def close(self) -> None:
        if self.ended is not None:  # left before its end: the connection cannot be reused
            self.conn.close()
            self._over()

    # A caller that drops the answer unread (a test client that looks at the status
    # only) must not leave the connection open, nor the server's PreFreeze unsent.
    __del__ = close

    def _over(self) -> None:
        ended, self.ended = self.ended, None
        if ended is not None:
            ended()


def free_port() -> int:
    """A port nothing listens on now (127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _die_with_parent() -> None:
    # In the child before exec: Linux kills it when the runner's spawning thread ends.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _start_failure(kind: str, message: str) -> InstanceStartError:
    return InstanceStartError(
        LoadFailure(reason=kind, error=ErrorInfo(type="FunctionNotStarted", message=message))
    )


class Server:
    """One running custom-runtime server process and its idle connections."""

    def __init__(self, command: list[str], cwd: str, environ: Mapping[str, str]) -> None:
        self.port = free_port()
        self.command = command
        env = process_environ({**environ, "FC_CUSTOM_LISTEN_PORT": str(self.port)})
        try:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                # The function's log (FC's lines included) is the runner's log, never
                # its answer: `polyfaas invoke` prints the answer on stdout.
                stdout=sys.stderr.fileno(),
                start_new_session=True,
                preexec_fn=_die_with_parent if os.name == "posix" else None,  # noqa: PLW1509
            )
        except OSError as exc:
            raise _start_failure("crash", f"cannot start {command[0]!r}: {exc.strerror}") from None
        self.idle: list[http.client.HTTPConnection] = []
        self.stopped = False
        self.lock = threading.Lock()
        self.started = time.perf_counter()
        self.init_duration_ms: float | None = None
        self.first_call = True
        self.init_failure: InitializationFailure | None = None

    def wait_listening(self, timeout: float = START_TIMEOUT_S) -> None:
        """Return once the port accepts connections; ``InstanceStartError`` if the
        process exits first or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise _start_failure(
                    "crash",
                    f"the custom runtime exited with code {code} before listening on "
                    f"port {self.port} (FC_CUSTOM_LISTEN_PORT)",
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), POLL_S).close()
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise _start_failure(
                        "timeout",
                        f"the custom runtime did not listen on port {self.port} "
                        f"within {timeout:.0f} s",
                    ) from None
                time.sleep(POLL_S)
                continue
            self.init_duration_ms = (time.perf_counter() - self.started) * 1000
            return

    def send(
        self,
        request: ServerRequest,
        timeout: float,
        stream: Callable[[], None] | None = None,
    ) -> ServerResponse:
        """Send ``request``; a stale kept-alive connection is retried once on a new one.

        With ``stream`` (called once the body is over), an answer the server sends
        chunked (no ``Content-Length``) comes back with a ``StreamedBody``, read as the
        server writes it, as FC's front door passes an HTTP answer through."""
        with self.lock:
            conn = self.idle.pop() if self.idle else None
        if conn is not None:
            conn.timeout = timeout
            try:
                return self._exchange(conn, request, timeout, stream)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        return self._exchange(conn, request, timeout, stream)

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        request: ServerRequest,
        timeout: float,
        stream: Callable[[], None] | None = None,
    ) -> ServerResponse:
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        names = {name.lower() for name, _ in request.headers}
        try:
            conn.putrequest(
                request.method, request.target, skip_host="host" in names, skip_accept_encoding=True
            )
            for name, value in request.headers:
                conn.putheader(name, value.encode("utf-8"))
            conn.putheader("Content-Length", str(len(request.body)))
            conn.endheaders(request.body or None)
            answer = conn.getresponse()
            streamed = stream is not None and answer.chunked
            body = b"" if streamed else answer.read()
        except BaseException:
            conn.close()
            raise
        # http.client reads header values as latin-1; servers send UTF-8.
        headers = tuple((name, from_native_str(value)) for name, value in answer.getheaders())
        if streamed and stream is not None:
            return ServerResponse(answer.status, headers, StreamedBody(self, conn, answer, stream))
        self._done_with(conn, answer)
        return ServerResponse(answer.status, headers, body)

    def _done_with(
        self, conn: http.client.HTTPConnection, answer: http.client.HTTPResponse
    ) -> None:
        with self.lock:
            # A stream read to its end after the server stopped: nothing to keep it for.
            if not answer.will_close and not self.stopped:
                self.idle.append(conn)
                return
        conn.close()

    def exit_detail(self) -> str:
        """Why the server is gone, or ``""`` while it runs."""
        return exit_detail(self.process, 0.5)

    def stop(self, pre_stop: ServerRequest | None = None, timeout: float = 3.0) -> None:
        """``/pre-stop`` (when given and running, within ``timeout``), SIGTERM to the
        process group, SIGKILL after a grace period."""
        if pre_stop is not None and self.process.poll() is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                self.send(pre_stop, timeout)
        with self.lock:
            idle, self.idle = self.idle, []
            self.stopped = True
        for conn in idle:
            conn.close()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_GRACE_S)
        self.kill()

    def kill(self) -> None:
        """SIGKILL to the process group now: the server and whatever it started."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


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


class ServerPool:
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
        self.command = command
        self.hook_request = hook_request
        self.target = target
        self.environ = dict(environ)
        self.config = config
        self.server: Server | None = None
        self.lock = threading.Lock()
        self.closed = False
        #: Servers being stopped after their call was answered, and their stoppers.
        self.stopping: dict[Server, threading.Thread] = {}
        # PDEATHSIG follows the thread that started the child: one long-lived thread.
        self.spawner = ThreadPoolExecutor(1, thread_name_prefix="polyfaas-custom-runtime")

    def _spawn(self) -> Server:
        cwd = str(self.target.folder)
        server = self.spawner.submit(Server, self.command, cwd, self.environ).result()
        server.wait_listening()
        # FC posts /initialize only when the function has an initializer.
        if not self.config.setting("initializer"):
            return server
        timeout = hook_timeout(self.config, "initializer")
        try:
            answer = server.send(self.hook_request("initializer"), timeout)
        except (TimeoutError, socket.timeout):
            server.init_failure = _failure(f"Function initialization timeout after {timeout:g}s")
            return server
        except (OSError, http.client.HTTPException) as exc:
            server.init_failure = _failure(f"/initialize failed: {exc}")
            return server
        failed = (answer.header("x-fc-status") or "").strip() == "404"
        if failed or not 200 <= answer.status < 300:
            server.init_failure = _failure_of(answer)
        return server

    def _hook(self, server: Server, hook: str) -> None:
        """Send ``hook`` (``pre-freeze``, ``pre-stop``) if the function configures it."""
        if self.config.setting(hook) and server.process.poll() is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                server.send(self.hook_request(hook), hook_timeout(self.config, hook))

    def _current(self) -> Server:
        with self.lock:
            if self.closed:
                raise _start_failure("crash", "runner stopping")
            if self.server is None or self.server.process.poll() is not None:
                self.server = self._spawn()
            return self.server

    def start(self) -> None:
        """Start the server now, so a command that cannot start fails at once."""
        self._current()

    def run(self, call: NativeCall, timeout: float) -> CallResult:
        """Send the call's request to the server and read its answer."""
        try:
            server = self._current()
        except InstanceStartError as exc:
            return CallResult(ending="load-failed", load_failure=exc.failure)
        init = server.init_duration_ms if server.first_call else None
        server.first_call = False
        if server.init_failure is not None:
            self._drop(server)
            return CallResult(
                ending="returned",
                outcome=Outcome(value=server.init_failure),
                init_duration_ms=init,
            )
        request = call.args[0]
        started = time.perf_counter()
        # An HTTP answer may stream (FC passes it through); FC's PreFreeze then waits
        # for its end.
        streamed: list[bool] = []

        def stream_ended() -> None:
            if streamed:
                self._hook(server, "pre-freeze")

        try:
            answer = server.send(
                request, timeout, stream_ended if isinstance(call.payload, Request) else None
            )
        except (TimeoutError, socket.timeout):
            self._drop(server)
            return CallResult(ending="timeout", init_duration_ms=init)
        except (OSError, http.client.HTTPException) as exc:
            detail = server.exit_detail() or f"the connection to the server failed: {exc}"
            self._drop(server)
            return CallResult(ending="crash", detail=detail, init_duration_ms=init)
        duration = (time.perf_counter() - started) * 1000
        if isinstance(answer.body, StreamedBody):
            streamed.append(True)
        else:
            self._hook(server, "pre-freeze")
        return CallResult(
            ending="returned",
            outcome=Outcome(value=answer, duration_ms=duration),
            init_duration_ms=init,
        )

    def _drop(self, server: Server) -> None:
        """Forget ``server`` and stop it in the background: the call that gave up on it
        is answered now, not after the server's grace period."""
        with self.lock:
            if self.server is server:
                self.server = None
            if self.closed:
                stopper = None
            else:
                stopper = threading.Thread(
                    target=self._stop, args=(server,), name="polyfaas-custom-stop", daemon=True
                )
                self.stopping[server] = stopper
        if stopper is None:
            server.kill()
        else:
            stopper.start()

    def _stop(self, server: Server) -> None:
        try:
            server.stop()
        finally:
            with self.lock:
                self.stopping.pop(server, None)

    def restart(self) -> None:
        """Stop the server (code changed); the next call starts a new one."""
        with self.lock:
            server, self.server = self.server, None
        if server is not None:
            self._stop_server(server)

    def _stop_server(self, server: Server) -> None:
        """``/pre-stop`` first when configured, then the process group."""
        hook = self.hook_request("pre-stop") if self.config.setting("pre-stop") else None
        server.stop(hook, hook_timeout(self.config, "pre-stop"))

    def close(self) -> None:
        """Stop the server: ``/pre-stop``, then the process group."""
        with self.lock:
            self.closed = True
            server, self.server = self.server, None
            stopping = list(self.stopping.items())
        if server is not None:
            self._stop_server(server)
        # Servers still in their grace period go now, with everything they started.
        for stopped, stopper in stopping:
            stopped.kill()
            stopper.join(STOP_GRACE_S)
        self.spawner.shutdown(wait=False)
