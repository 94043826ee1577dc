"""The emulation kit's pool of server instances: one ``ServerProcess`` at a time,
started on demand, an ``InstancePool`` a provider subclasses for its platform's
lifecycle (the hooks it sends, the answers it converts)."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from polyfaas._native import CallResult, InstanceStartError, NativeCall, Outcome
from polyfaas._override import check_overrides
from polyfaas._server_process import ServerKind, ServerProcess, not_started


class ServerProcessPool:
    """One server at a time, started on demand; an ``InstancePool``.

    A call that outlives its timeout, or whose connection fails, gives the server up:
    it is stopped in the background (the call is answered now, not after the grace
    period) and the next call starts a new one. A provider subclasses it for its
    platform: ``spawn`` (what follows the start, e.g. an init hook), ``before_call``,
    ``exchange`` (the answer in the provider's own type), ``answered`` and
    ``stop_server`` (what precedes the stop)."""

    def __init__(
        self, command: Sequence[str], cwd: str, environ: Mapping[str, str], kind: ServerKind
    ) -> None:
        self.command = list(command)
        self.cwd = cwd
        self.environ = dict(environ)
        self.kind = kind
        self.server: ServerProcess | None = None
        self.lock = threading.Lock()
        self.closed = False
        #: Servers being stopped after their call was answered, and their stoppers.
        self.stopping: dict[ServerProcess, threading.Thread] = {}
        # PDEATHSIG follows the thread that started the child: one long-lived thread.
        self._spawner = (
            ThreadPoolExecutor(1, thread_name_prefix="polyfaas-server-start")
            if kind.die_with_parent
            else None
        )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_overrides(cls)  # a misspelt hook marked @override fails here

    # -- what a provider may override (each marked @override) --------------------------

    def spawn(self) -> ServerProcess:
        """A new server, listening (called under the pool's lock)."""
        if self._spawner is None:
            server = ServerProcess(self.command, self.cwd, self.environ, self.kind)
        else:
            start = self._spawner.submit(
                ServerProcess, self.command, self.cwd, self.environ, self.kind
            )
            server = start.result()
        try:
            server.wait_listening()
        except InstanceStartError:
            server.kill()
            raise
        return server

    def before_call(self, server: ServerProcess, call: NativeCall) -> Outcome | None:
        """An outcome that answers ``call`` instead of the server (which is then given
        up: a failed initializer), or ``None``; the default sends every call."""
        return None

    def exchange(self, server: ServerProcess, call: NativeCall, timeout: float) -> Any:
        """The server's answer to the call's request (``call.args[0]``), as the
        platform half's ``receive`` takes it; the default streams chunked answers."""
        return server.send(call.args[0], timeout, stream=True)

    def answered(self, server: ServerProcess, answer: Any) -> None:
        """After ``exchange`` returned (outside the call's duration); default nothing."""

    def stop_server(self, server: ServerProcess) -> None:
        """Stop a server the pool is done with (a restart, the close)."""
        server.stop()

    # -- the InstancePool ------------------------------------------------------------

    def start(self) -> None:
        """Start the server now, so a command that cannot start fails at once."""
        self._current()

    def run(self, call: NativeCall, timeout: float) -> CallResult:
        """Send the call's request to the server and read its answer."""
        try:
            server = self._current()
        except InstanceStartError as exc:
            return CallResult(ending="load-failed", load_failure=exc.failure)
        init = server.take_init_duration()
        instead = self.before_call(server, call)
        if instead is not None:
            self._drop(server)
            return CallResult(ending="returned", outcome=instead, init_duration_ms=init)
        started = time.perf_counter()
        try:
            answer = self.exchange(server, call, timeout)
        except (TimeoutError, socket.timeout):
            self._drop(server)
            return CallResult(ending="timeout", init_duration_ms=init)
        except (OSError, http.client.HTTPException) as exc:
            detail = server.exit_detail() or f"the connection to the server failed: {exc}"
            self._drop(server)
            return CallResult(ending="crash", detail=detail, init_duration_ms=init)
        duration = (time.perf_counter() - started) * 1000
        self.answered(server, answer)
        outcome = Outcome(value=answer, duration_ms=duration)
        return CallResult(ending="returned", outcome=outcome, init_duration_ms=init)

    def restart(self) -> None:
        """Stop the server (the code changed); the next call starts a new one."""
        with self.lock:
            server, self.server = self.server, None
        if server is not None:
            self.stop_server(server)

    def close(self) -> None:
        """Stop the server as the platform stops an instance."""
        with self.lock:
            self.closed = True
            server, self.server = self.server, None
            stopping = list(self.stopping.items())
        if server is not None:
            self.stop_server(server)
        # Servers still in their grace period go now, with everything they started.
        for stopped, stopper in stopping:
            stopped.kill()
            stopper.join(self.kind.grace_s)
        if self._spawner is not None:
            self._spawner.shutdown(wait=False)

    # -- the pool's own ----------------------------------------------------------------

    def _current(self) -> ServerProcess:
        with self.lock:
            if self.closed:
                raise not_started(self.kind, "crash", "runner stopping")
            if self.server is None or self.server.process.poll() is not None:
                self.server = self.spawn()
            return self.server

    def _drop(self, server: ServerProcess) -> None:
        """Forget ``server`` and stop it in the background."""
        with self.lock:
            if self.server is server:
                self.server = None
            stopper = None
            if not self.closed:
                stopper = threading.Thread(
                    target=self._stop_dropped, args=(server,), name="polyfaas-server-stop"
                )
                stopper.daemon = True
                self.stopping[server] = stopper
        if stopper is None:
            server.kill()
        else:
            stopper.start()

    def _stop_dropped(self, server: ServerProcess) -> None:
        try:
            server.stop()
        finally:
            with self.lock:
                self.stopping.pop(server, None)
