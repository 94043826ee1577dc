"""A provider's production server (``polyfaas serve``): one WSGI application served
under gunicorn when it is installed (``polyfaas[server]``), else under werkzeug's
server, with the stop every container platform makes: SIGTERM.

Platform-neutral: the provider's runtime half builds the WSGI application that
speaks its platform's protocol and hands it to ``serve_wsgi`` (given to adapters as
``polyfaas.runtime.serve_wsgi``). One process serves (gunicorn: one worker, threads
for concurrent calls), so the function's globals are one instance's, as on the
platforms. SIGTERM stops accepting connections, lets the calls in flight finish
within ``grace_s`` seconds, then runs ``stop`` (the instance's stop work: an ASGI
app's lifespan shutdown) and returns 0.

With ``start`` (the instance's init: the init hook, an ASGI app's lifespan
startup), the port opens only once ``start`` has returned, so a platform that
probes the port (Knative's queue-proxy, Cloud Run's startup probe) sends no call
before the instance is ready. Under gunicorn the arbiter then listens on a private
Unix socket nobody knows and the worker opens the TCP port itself after ``start``:
the init runs in the process that serves, never before a fork.

Imported by ``serve`` commands only, never on a call's path.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Callable

WSGIApp = Callable[..., Iterable[bytes]]

#: Listen backlog of a socket the worker opens itself (gunicorn's default).
BACKLOG = 2048


def bind_text(address: tuple[str, int]) -> str:
    """``host:port`` as gunicorn's ``bind`` and a URL write it (IPv6 in brackets)."""
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def serve_wsgi(
    app: WSGIApp,
    address: tuple[str, int],
    *,
    name: str,
    threads: int = 8,
    keepalive_s: int = 5,
    grace_s: float = 10.0,
    start: Callable[[], None] | None = None,
    stop: Callable[[], None] | None = None,
) -> int:
    """Serve ``app`` on ``address`` until SIGTERM (or Ctrl-C); the exit status.

    ``name`` is the TARGET, shown in the start line and the process title."""
    from importlib.util import find_spec

    if find_spec("gunicorn") is None:
        _say(
            "polyfaas serve: gunicorn is not installed (pip install 'polyfaas[server]'); "
            "falling back to werkzeug's development server, which closes every "
            "connection (no keep-alive)"
        )
        return _serve_werkzeug(app, address, name, grace_s=grace_s, start=start, stop=stop)
    return _serve_gunicorn(
        app,
        address,
        name,
        threads=threads,
        keepalive_s=keepalive_s,
        grace_s=grace_s,
        start=start,
        stop=stop,
    )


def refuse_on_sigterm(worker: Any) -> None:
    """On SIGTERM, a gunicorn worker's listening sockets refuse new connections at once.

    gunicorn's threaded worker stops accepting but keeps its listeners open until the
    calls in flight are done, so a connection made meanwhile waits in the backlog
    until the worker exits and is then dropped; ``shutdown(SHUT_RD)`` of a listening
    socket makes Linux refuse it instead, and the socket stays valid for the
    worker's own clean-up."""
    handler = signal.getsignal(signal.SIGTERM)

    def stopping(signum: int, frame: Any) -> None:
        for listener in worker.sockets:
            sock = getattr(listener, "sock", listener)  # gunicorn wraps the ones it made
            with contextlib.suppress(OSError):  # one already closed
                sock.shutdown(socket.SHUT_RD)
        if callable(handler):
            handler(signum, frame)

    signal.signal(signal.SIGTERM, stopping)


def listening_socket(address: tuple[str, int]) -> socket.socket:
    """A non-blocking TCP socket listening on ``address`` (what gunicorn would open)."""
    host, port = address
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.setblocking(False)
        sock.set_inheritable(True)
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _serve_gunicorn(
    app: WSGIApp,
    address: tuple[str, int],
    name: str,
    *,
    threads: int,
    keepalive_s: int,
    grace_s: float,
    start: Callable[[], None] | None,
    stop: Callable[[], None] | None,
) -> int:
    import tempfile

    from gunicorn.app.base import BaseApplication

    private = tempfile.mkdtemp(prefix="polyfaas-serve-") if start is not None else None

    def opened(worker: Any) -> None:
        # In the worker, before its accept loop: the init, then the port (the arbiter
        # only has the private Unix socket, which this worker stops listening on).
        if start is not None:
            start()
            worker.sockets = [listening_socket(address)]
        refuse_on_sigterm(worker)

    def exiting(server: Any, worker: Any) -> None:
        if stop is not None:
            stop()

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            bind = f"unix:{private}/arbiter.sock" if private else bind_text(address)
            options: dict[str, Any] = {
                "bind": [bind],
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "keepalive": keepalive_s,
                "timeout": 0,  # the platform enforces a call's timeout itself
                "graceful_timeout": math.ceil(grace_s),  # gunicorn counts whole seconds
                "loglevel": "warning",
                "proc_name": f"polyfaas serve {name}",
                # In the worker, as it exits (SIGTERM to the server): the stop work.
                "worker_exit": exiting,
            }
            options["post_worker_init"] = opened
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIApp:
            return app

    _say(f"polyfaas serve: {name} on http://{bind_text(address)} (gunicorn)")
    arbiter = os.getpid()
    try:
        Server().run()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        # The worker, a fork, leaves through here too: only the arbiter owns the folder.
        if private is not None and os.getpid() == arbiter:
            import shutil

            shutil.rmtree(private, ignore_errors=True)
    return 0


class InFlight:
    """The calls a WSGI server is answering now (an answer counts until it is
    closed: a streamed one until its last chunk is sent)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self.changed:
            self.count += 1
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Counted(result, self._done)

    def _done(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """Whether every call ended within ``timeout`` seconds."""
        with self.changed:
            return self.changed.wait_for(lambda: self.count <= 0, timeout)


class _Counted:
    def __init__(self, result: Iterable[bytes], done: Callable[[], None]) -> None:
        self.result = result
        self.done: Callable[[], None] | None = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            done, self.done = self.done, None
            if done is not None:
                done()


def _serve_werkzeug(
    app: WSGIApp,
    address: tuple[str, int],
    name: str,
    *,
    grace_s: float,
    start: Callable[[], None] | None,
    stop: Callable[[], None] | None,
) -> int:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Handler(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return

    if start is not None:
        start()  # before the port opens
    calls = InFlight(app)
    server = make_server(*address, calls, threaded=True, request_handler=Handler)

    def stopping(signum: int, frame: Any) -> None:
        # serve_forever runs in this (the main) thread: shutdown waits for it to return.
        threading.Thread(target=server.shutdown, name="polyfaas-serve-stop").start()

    signal.signal(signal.SIGTERM, stopping)
    _say(f"polyfaas serve: {name} on http://{bind_text(address)} (werkzeug)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()  # no new connections; those in flight go on
        if not calls.wait(grace_s):
            _say(f"polyfaas serve: calls still running after the {grace_s:g} s grace period")
        if stop is not None:
            stop()
    return 0


def port_from_environ(variable: str, default: int) -> int:
    """The port a platform names in ``variable`` (digits), else ``default``."""
    value = os.environ.get(variable, "")
    return int(value) if value.isdigit() else default


__all__ = ["InFlight", "bind_text", "listening_socket", "port_from_environ", "serve_wsgi"]
