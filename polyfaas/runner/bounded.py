"""The runner's bounds on what clients may hold: connections, threads, time, bodies.

- ``BoundedWSGIServer``: werkzeug's threaded server with at most
  ``ServerLimits.max_connections`` connections (one thread each); past that a new
  connection gets a ``503`` at once and is closed, so threads stay bounded.
- ``BoundedRequestHandler``: the request line and headers must arrive whole within
  ``header_timeout`` of the connection's start, and no read of the body may wait more
  than ``idle_timeout``; a client that goes away mid-headers is dropped, never served.
- ``BoundedInput``: a request body read against the platform's limit, counted as it
  arrives (``Content-Length`` or chunked); it raises ``BodyTooLarge`` past the limit
  and ``IncompleteBody`` when the body does not arrive whole.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import sys
import threading
import time
from typing import Any
from urllib.parse import unquote_to_bytes

import attrs
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from polyfaas.wsgi_bridge import HEADER_FIELDS

#: How much of a body one read asks the client's stream for.
READ_CHUNK = 64 * 1024


@attrs.frozen(kw_only=True)
class ServerLimits:
    """What one client may hold of the runner (the values are in ``docs/cli.md``)."""

    #: Open connections at once (each has one thread); past it, ``503`` and close.
    max_connections: int = 512
    #: Seconds from a connection's start until its request line and headers are whole.
    header_timeout: float = 10.0
    #: The longest silence (seconds) while a body arrives or a response is written.
    idle_timeout: float = 30.0


class BodyTooLarge(Exception):
    """The request body is over the platform's limit."""


class IncompleteBody(Exception):
    """The request body did not arrive whole (short, malformed, timed out, or the
    client went away)."""


class BoundedInput(io.RawIOBase):
    """``wsgi.input`` read against ``limit``: ``length`` bytes (``None``: to the end of
    a terminated stream, e.g. chunked), never more than ``limit``."""

    def __init__(self, stream: Any, length: int | None, limit: int | None) -> None:
        super().__init__()
        self.stream = stream
        self.length = length
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def _chunk(self, size: int) -> bytes:
        try:
            data = bytes(self.stream.read(size))
        except (OSError, ValueError) as exc:  # timeouts, resets, bad chunk framing
            raise IncompleteBody(f"the body stopped arriving: {exc}") from exc
        self.count += len(data)
        if self.limit is not None and self.count > self.limit:
            raise BodyTooLarge(f"the body is over {self.limit} bytes")
        return data

    def read(self, size: int | None = -1) -> bytes:
        wanted = -1 if size is None or size < 0 else size
        if self.length is not None:
            left = self.length - self.count
            wanted = left if wanted < 0 else min(wanted, left)
        parts: list[bytes] = []
        got = 0
        while wanted < 0 or got < wanted:
            # A declared length (already within the limit) is read in one go: one copy.
            ask = READ_CHUNK if wanted < 0 else wanted - got
            if self.limit is not None:  # never more than one byte past the limit
                ask = min(ask, self.limit + 1 - self.count)
            data = self._chunk(ask)
            if not data:
                if self.length is not None:
                    raise IncompleteBody(
                        f"the body ended after {self.count} of {self.length} bytes"
                    )
                break
            parts.append(data)
            got += len(data)
        if len(parts) == 1:
            return parts[0]
        return b"".join(parts)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def content_length(environ: dict[str, Any]) -> int | None:
    """The declared body length, or ``None`` when there is none (or it is not a
    number, which ``read_wsgi_input`` takes as no body)."""
    value = environ.get("CONTENT_LENGTH")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def bound_body(environ: dict[str, Any], limit: int | None) -> None:
    """Put a ``BoundedInput`` in place of ``environ['wsgi.input']``; ``BodyTooLarge`` at
    once when the declared length is over ``limit``."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    length = content_length(environ)
    if length is not None:
        if limit is not None and length > limit:
            raise BodyTooLarge(f"Content-Length {length} is over {limit} bytes")
        environ["wsgi.input"] = BoundedInput(stream, length, limit)
    elif environ.get("wsgi.input_terminated"):
        environ["wsgi.input"] = BoundedInput(stream, None, limit)


class DeadlineSocketReader(io.RawIOBase):
    """A connection's bytes, each read waiting at most until ``deadline`` (while the
    request head arrives) or ``idle_timeout`` (otherwise); remembers an early end."""

    def __init__(self, sock: socket.socket, idle_timeout: float) -> None:
        super().__init__()
        self.sock = sock
        self.idle_timeout = idle_timeout
        self.deadline: float | None = None
        self.eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("the request head did not arrive in time")
            self.sock.settimeout(left)
        n = self.sock.recv_into(buffer)
        if n == 0:
            self.eof = True
        return n


class BoundedRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with the head's deadline, the body's idle timeout, no
    request served whose head ended early, and no access line (the runner writes its
    own)."""

    server: BoundedWSGIServer

    def setup(self) -> None:
        super().setup()
        limits = self.server.limits
        self.reader = DeadlineSocketReader(self.connection, limits.idle_timeout)
        self.reader.deadline = time.monotonic() + limits.header_timeout
        self.rfile = io.BufferedReader(self.reader, READ_CHUNK)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.reader.eof:  # the head ended with the connection: never serve half of it
            self.close_connection = True
            return False
        self.reader.deadline = None
        self.connection.settimeout(self.server.limits.idle_timeout)
        return True

    def make_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().make_environ()
        # The request line's target, read as latin-1: a native string. http.server
        # reduces a leading "//" to "/" in self.path, and werkzeug encodes the native
        # string as UTF-8 once more (a non-ASCII path arrives mangled): the path and the
        # query are taken from the request line as they came.
        words = self.requestline.split()
        target = words[1] if len(words) >= 2 else self.path
        if target.startswith("/"):
            raw_path, _, query = target.partition("?")
            environ["REQUEST_URI"] = environ["RAW_URI"] = target
            environ["PATH_INFO"] = unquote_to_bytes(raw_path).decode("latin-1")
            environ["QUERY_STRING"] = query
        cookies = self.headers.get_all("Cookie") or []
        if len(cookies) > 1:  # one Cookie field, as RFC 6265 §5.4 has it: "; ", not ","
            environ["HTTP_COOKIE"] = "; ".join(cookies)
        # The environ joins repeated fields ("1,2"): the fields as they came ride along,
        # so a platform that keeps repeats apart (Yandex's multiValueHeaders) gets them.
        # Filtered as werkzeug filters them: no name with "_", no CR/LF of a folded line.
        environ[HEADER_FIELDS] = [
            (name, value.replace("\r\n", ""))
            for name, value in self.headers.items()
            if "_" not in name
        ]
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's refusal of a request it cannot read (a bad request line or
        version, a header line too long, too many headers): a small JSON answer, not
        its HTML page, and never the client's bytes (a token may be in them)."""
        short, long = self.responses.get(code, ("Error", "the request cannot be read"))
        self.log_error("code %d, %s", code, short)
        if self.request_version == "HTTP/0.9":  # no status line otherwise: answer 1.1
            self.request_version = "HTTP/1.1"
        body = json.dumps({"errorMessage": long, "errorType": short.replace(" ", "")}).encode()
        self.close_connection = True
        self.send_response(code, short)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


REFUSED_BODY = b"polyfaas run: too many open connections, try again\n"
REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: %d\r\n"
    b"Retry-After: 1\r\n"
    b"Connection: close\r\n\r\n%s"
) % (len(REFUSED_BODY), REFUSED_BODY)


class BoundedWSGIServer(ThreadedWSGIServer):
    """werkzeug's threaded server, one thread a connection, at most
    ``limits.max_connections`` of them; a connection past that gets ``503``."""

    # Shutting down does not wait for clients that hold a connection open.
    block_on_close = False

    def __init__(self, host: str, port: int, app: Any, limits: ServerLimits | None = None) -> None:
        self.limits = limits if limits is not None else ServerLimits()
        self.open_connections = 0
        self.counter_lock = threading.Lock()
        self.last_refusal_logged = 0.0
        super().__init__(host, port, app, handler=BoundedRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.counter_lock:
            full = self.open_connections >= self.limits.max_connections
            if not full:
                self.open_connections += 1
        if full:
            self.refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.release()

    def release(self) -> None:
        with self.counter_lock:
            self.open_connections -= 1

    def refuse(self, sock: socket.socket) -> None:
        """``503`` and close, from the accepting thread, without waiting on the client."""
        try:
            sock.setblocking(False)
            with contextlib.suppress(OSError):  # read what was sent: closing won't reset
                sock.recv(READ_CHUNK)
            sock.send(REFUSED)
        except OSError:
            pass
        finally:
            self.shutdown_request(sock)
        now = time.monotonic()
        if now - self.last_refusal_logged >= 1.0:
            self.last_refusal_logged = now
            sys.stderr.write(
                f" * refused a connection with 503: {self.limits.max_connections} are open "
                "(the limit)\n"
            )
            sys.stderr.flush()
