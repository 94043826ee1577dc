"""The emulation kit's piece for platforms whose instances are HTTP servers of the
function's own (a custom runtime, a container): the runner starts the server command,
waits for its port, and sends each call's request to it.

``ServerProcess`` is one such server: the command in its own process group (so its
whole group goes with it), the port variable set to a free port, its output on the
runner's stderr (the function's log is never an answer), kept-alive ``http.client``
connections, an answer sent chunked read as the server writes it (``StreamedBody``),
and the platform's stop: SIGTERM to the group, the grace period, then SIGKILL.
The pool of them, one at a time, is ``polyfaas._server_pool``. What differs between
platforms is data (``ServerKind``).
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
from collections.abc import Mapping, Sequence
from typing import Callable, Protocol

import attrs

from polyfaas._codec import from_native_str
from polyfaas._native import (
    START_TIMEOUT_S,
    ErrorInfo,
    InstanceStartError,
    LoadFailure,
    exit_detail,
)

#: How often the start polls the port.
POLL_S = 0.05
#: The most a streamed answer's chunk holds (what has arrived, up to this).
CHUNK = 64 * 1024
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def free_port() -> int:
    """A port nothing listens on now (127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@attrs.frozen(kw_only=True)
class ServerKind:
    """What a platform's server instances are, as the runner starts and stops them."""

    #: How messages name the server: ``"the container"``.
    what: str
    #: The variable that tells the server its port: ``"PORT"``.
    port_variable: str
    #: ``ErrorInfo.type`` of a server that did not start.
    error_type: str
    #: Seconds between SIGTERM and SIGKILL at the stop.
    grace_s: float = 5.0
    #: Whether the server gets SIGTERM when the runner dies (Linux: it follows the
    #: thread that started it, so the pool then starts servers from one long-lived
    #: thread).
    die_with_parent: bool = False


class ServerBoundRequest(Protocol):
    """An HTTP request the platform sends to the server (a provider's own class)."""

    @property
    def method(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def headers(self) -> Sequence[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...


@attrs.frozen
class ServerAnswer:
    """The server's answer as it came: ``body`` a ``StreamedBody`` when it was sent
    chunked and the caller asked for a stream."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes | StreamedBody = b""


def not_started(kind: ServerKind, reason: str, message: str) -> InstanceStartError:
    """A server of ``kind`` that did not start (``reason``: ``crash`` or ``timeout``)."""
    return InstanceStartError(
        LoadFailure(reason=reason, error=ErrorInfo(type=kind.error_type, message=message))
    )


def _die_with_parent() -> None:
    # In the child before exec: Linux sends SIGTERM when the spawning thread ends.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class StreamedBody:
    """A chunked answer's body, read as the server writes it. Read to its end, its
    connection is kept for the next call; closed (or dropped) before, the connection
    is closed, since it cannot be reused. Either end calls ``ended`` once."""

    def __init__(
        self,
        server: ServerProcess,
        conn: http.client.HTTPConnection,
        answer: http.client.HTTPResponse,
        ended: Callable[[], None] | None = None,
    ) -> None:
        self._server = server
        self._conn: http.client.HTTPConnection | None = conn
        self._answer = answer
        self._ended = ended

    def __iter__(self) -> StreamedBody:
        return self

    def __next__(self) -> bytes:
        conn = self._conn
        if conn is None:
            raise StopIteration
        try:
            chunk = self._answer.read1(CHUNK)
        except BaseException:
            self.close()
            raise
        if not chunk:
            self._conn = None
            self._server.keep(conn, self._answer)
            self._over()
            raise StopIteration
        return chunk

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            self._over()

    # A caller that drops the answer unread (a test client looking at the status only)
    # must not leave the connection open, nor the end's hook unsent.
    __del__ = close

    def _over(self) -> None:
        ended, self._ended = self._ended, None
        if ended is not None:
            ended()


class ServerProcess:
    """One running server of the function's own and its idle connections.

    ``environ`` is the process's whole environment (``process_environ``'s), to which
    the port variable is added."""

    def __init__(
        self, command: Sequence[str], cwd: str, environ: Mapping[str, str], kind: ServerKind
    ) -> None:
        self.kind = kind
        self.port = free_port()
        env = {**environ, kind.port_variable: str(self.port)}
        preexec = _die_with_parent if kind.die_with_parent and os.name == "posix" else None
        try:
            self.process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=env,
                stdout=sys.stderr.fileno(),
                start_new_session=True,
                preexec_fn=preexec,  # noqa: PLW1509 (prctl only, no locks taken)
            )
        except OSError as exc:
            message = f"cannot start {command[0]!r}: {exc.strerror}"
            raise not_started(kind, "crash", message) from None
        self.idle: list[http.client.HTTPConnection] = []
        self.stopped = False
        self.lock = threading.Lock()
        self.started = time.perf_counter()
        self.init_duration_ms: float | None = None
        self._first_call = True

    def wait_listening(self, timeout: float = START_TIMEOUT_S) -> None:
        """Return once the port accepts connections; ``InstanceStartError`` if the
        server exits first or ``timeout`` passes (the server is then stopped)."""
        kind, where = self.kind, f"port {self.port} (${self.kind.port_variable})"
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                message = f"{kind.what} exited with code {code} before listening on {where}"
                raise not_started(kind, "crash", message)
            try:
                socket.create_connection(("127.0.0.1", self.port), POLL_S).close()
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    message = f"{kind.what} did not listen on {where} within {timeout:.0f} s"
                    raise not_started(kind, "timeout", message) from None
                time.sleep(POLL_S)
                continue
            self.init_duration_ms = (time.perf_counter() - self.started) * 1000
            return

    def take_init_duration(self) -> float | None:
        """The start's duration for the server's first call (its REPORT's init), then
        ``None``."""
        with self.lock:
            first, self._first_call = self._first_call, False
        return self.init_duration_ms if first else None

    def send(
        self,
        request: ServerBoundRequest,
        timeout: float,
        *,
        stream: bool = False,
        ended: Callable[[], None] | None = None,
    ) -> ServerAnswer:
        """Send ``request``; a stale kept-alive connection is retried once on a new one.

        With ``stream``, an answer sent chunked comes back with a ``StreamedBody``
        (``ended`` called at its end); otherwise every body is read whole."""
        with self.lock:
            conn = self.idle.pop() if self.idle else None
        if conn is not None:
            conn.timeout = timeout
            try:
                return self._exchange(conn, request, timeout, stream, ended)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        return self._exchange(conn, request, timeout, stream, ended)

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        request: ServerBoundRequest,
        timeout: float,
        stream: bool,
        ended: Callable[[], None] | None,
    ) -> ServerAnswer:
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
            streamed = stream and answer.chunked
            body = b"" if streamed else answer.read()
        except BaseException:
            conn.close()
            raise
        # http.client reads header values as latin-1; servers send UTF-8.
        headers = tuple((name, from_native_str(value)) for name, value in answer.getheaders())
        if streamed:
            return ServerAnswer(answer.status, headers, StreamedBody(self, conn, answer, ended))
        self.keep(conn, answer)
        return ServerAnswer(answer.status, headers, body)

    def keep(self, conn: http.client.HTTPConnection, answer: http.client.HTTPResponse) -> None:
        """Keep ``conn`` for the next call once ``answer`` was read, unless the server
        closes it or is gone."""
        with self.lock:
            if not answer.will_close and not self.stopped and self.process.poll() is None:
                self.idle.append(conn)
                return
        conn.close()

    def exit_detail(self) -> str:
        """How the server ended (waiting up to 0.5 s for it), or ``""`` while it runs."""
        return exit_detail(self.process, 0.5)

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after the kind's grace period."""
        self._close_idle()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(self.kind.grace_s)
        self.kill()

    def kill(self) -> None:
        """SIGKILL to the process group now: the server and whatever it started."""
        self._close_idle()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def _close_idle(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
            self.stopped = True  # a stream read to its end now: nothing to keep it for
        for conn in idle:
            conn.close()
