"""The runner's instance of a container: the function's own server, as the platform
starts it.

``ServerPool`` satisfies ``polyfaas.platform.InstancePool``. It starts the image's
command — ``polyfaas serve --provider container`` for a Python TARGET, or the one
given with ``--bootstrap`` (any language) — with ``PORT`` set to a free port (in its
own process group), waits up to 120 s for the port to accept connections (the
server opens it once its init ran, as the platform's readiness probe waits), and
sends each call's request over kept-alive connections. An answer the server sends
chunked comes back as it is written. A call that outlives its timeout stops the
server (the platform answers 504 and replaces the instance), as does a server that
exits; the next call starts a new one. Stopping is the platform's: SIGTERM, the
server's grace period, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Callable

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
from polyfaas_container.emulated.messages import ServedAnswer, ServedRequest

if TYPE_CHECKING:
    from polyfaas.runtime import Target

POLL_S = 0.05
#: The server's own grace period (``--grace``, 10 s) and a little more.
STOP_GRACE_S = 12.0
CHUNK = 64 * 1024


def free_port() -> int:
    """A port nothing listens on now (127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _not_started(kind: str, message: str) -> InstanceStartError:
    error = ErrorInfo(type="ContainerNotStarted", message=message)
    return InstanceStartError(LoadFailure(reason=kind, error=error))


class StreamedBody:
    """A chunked answer's body, read as the server writes it. Read to its end, its
    connection is kept for the next call; closed (or dropped) before, the
    connection is closed: it cannot be reused."""

    def __init__(
        self,
        read: Callable[[], bytes],
        finished: Callable[[], None],
        conn: http.client.HTTPConnection,
    ) -> None:
        self.read = read
        self.finished = finished
        self.conn: http.client.HTTPConnection | None = conn

    def __iter__(self) -> StreamedBody:
        return self

    def __next__(self) -> bytes:
        if self.conn is None:
            raise StopIteration
        try:
            chunk = self.read()
        except BaseException:
            self.close()
            raise
        if not chunk:
            self.conn = None
            self.finished()
            raise StopIteration
        return chunk

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()

    __del__ = close


class Server:
    """One running container server and its idle connections."""

    def __init__(self, command: list[str], cwd: str, environ: Mapping[str, str]) -> None:
        self.port = free_port()
        env = process_environ({**environ, "PORT": str(self.port), "HOST": "127.0.0.1"})
        try:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                # The container's log is the runner's log, never an answer.
                stdout=sys.stderr.fileno(),
                start_new_session=True,
            )
        except OSError as exc:
            raise _not_started("crash", f"cannot start {command[0]!r}: {exc.strerror}") from None
        self.idle: list[http.client.HTTPConnection] = []
        self.lock = threading.Lock()
        self.started = time.perf_counter()
        self.init_duration_ms: float | None = None

    def wait_listening(self, timeout: float = START_TIMEOUT_S) -> None:
        """Return once the port accepts connections; ``InstanceStartError`` if the
        server exits first or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise _not_started(
                    "crash", f"the container exited with code {code} before listening on $PORT"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), POLL_S).close()
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise _not_started(
                        "timeout", f"the container did not listen on $PORT within {timeout:.0f} s"
                    ) from None
                time.sleep(POLL_S)
                continue
            self.init_duration_ms = (time.perf_counter() - self.started) * 1000
            return

    def send(self, request: ServedRequest, timeout: float) -> ServedAnswer:
        """Send ``request`` (a stale kept-alive connection is retried once on a new
        one); a chunked answer's body is an iterator read as the server writes it."""
        with self.lock:
            conn = self.idle.pop() if self.idle else None
        if conn is not None:
            try:
                return self._exchange(conn, request, timeout)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        return self._exchange(conn, request, timeout)

    def _exchange(
        self, conn: http.client.HTTPConnection, request: ServedRequest, timeout: float
    ) -> ServedAnswer:

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
            # http.client reads header values as latin-1; servers send UTF-8.
            headers = tuple((k, from_native_str(v)) for k, v in answer.getheaders())
            if answer.chunked:
                return ServedAnswer(answer.status, headers, self._chunks(conn, answer))
            body = answer.read()
        except BaseException:
            conn.close()
            raise
        self._done_with(conn, answer)
        return ServedAnswer(answer.status, headers, body)

    def _chunks(
        self, conn: http.client.HTTPConnection, answer: http.client.HTTPResponse
    ) -> StreamedBody:
        return StreamedBody(
            lambda: answer.read1(CHUNK), lambda: self._done_with(conn, answer), conn
        )

    def _done_with(
        self, conn: http.client.HTTPConnection, answer: http.client.HTTPResponse
    ) -> None:
        if answer.will_close or self.process.poll() is not None:
            conn.close()
            return
        with self.lock:
            self.idle.append(conn)

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after the grace period."""
        with self.lock:
            idle, self.idle = self.idle, []
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


class ServerPool:
    """One container server at a time, started on demand."""

    def __init__(self, command: list[str], target: Target, environ: Mapping[str, str]) -> None:
        self.command = command
        self.target = target
        self.environ = dict(environ)
        self.server: Server | None = None
        self.lock = threading.Lock()
        self.closed = False
        self.first = True
        #: Servers being stopped in the background after their call was answered.
        self.stopping: set[Server] = set()

    def _current(self) -> Server:
        with self.lock:
            if self.closed:
                raise _not_started("crash", "runner stopping")
            if self.server is None or self.server.process.poll() is not None:
                server = Server(self.command, str(self.target.folder), self.environ)
                try:
                    server.wait_listening()
                except InstanceStartError:
                    server.stop()
                    raise
                self.server, self.first = server, True
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
        with self.lock:
            init = server.init_duration_ms if self.first else None
            self.first = False
        started = time.perf_counter()
        try:
            answer = server.send(call.args[0], timeout)
        except (TimeoutError, socket.timeout):
            self._drop(server)
            return CallResult(ending="timeout", init_duration_ms=init)
        except (OSError, http.client.HTTPException) as exc:
            detail = exit_detail(server.process, 0.5) or f"the connection failed: {exc}"
            self._drop(server)
            return CallResult(ending="crash", detail=detail, init_duration_ms=init)
        duration = (time.perf_counter() - started) * 1000
        outcome = Outcome(value=answer, duration_ms=duration)
        return CallResult(ending="returned", outcome=outcome, init_duration_ms=init)

    def _drop(self, server: Server) -> None:
        """Forget ``server`` and stop it in the background (the call is answered now)."""
        with self.lock:
            if self.server is server:
                self.server = None
            self.stopping.add(server)

        def stop() -> None:
            server.stop()
            with self.lock:
                self.stopping.discard(server)

        threading.Thread(target=stop, name="polyfaas-container-stop", daemon=True).start()

    def restart(self) -> None:
        """Stop the server (the code changed); the next call starts a new one."""
        with self.lock:
            server, self.server = self.server, None
        if server is not None:
            server.stop()

    def close(self) -> None:
        """Stop the server as the platform stops a container."""
        with self.lock:
            self.closed = True
            server, self.server = self.server, None
            stopping = list(self.stopping)
        if server is not None:
            server.stop()
        for dropped in stopping:  # still in their grace period: gone now
            dropped.kill()


def server_command(target: Target, config: FunctionConfig) -> list[str]:
    """``--bootstrap``'s command, else ``polyfaas serve`` for the Python TARGET."""
    import shlex

    if config.bootstrap:
        return shlex.split(config.bootstrap)
    spec = (
        f"{target.file}:{target.attribute}"
        if target.file
        else f"{target.module}:{target.attribute}"
    )
    return [sys.executable, "-m", "polyfaas", "serve", "--provider", "container", spec]
