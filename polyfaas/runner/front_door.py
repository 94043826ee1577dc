"""The runner's front door: a bounded, keep-alive HTTP/1.1 server driving a WSGI app.

HTTP framing is ``h11``'s (the runner's alone: nothing on a runtime path imports this
module). One thread a connection, which serves request after request on it; the
bounds are ``ServerLimits``:

- at most ``max_connections`` connections; past that a new one gets ``503`` at once
  from the accepting thread and is closed;
- each request head must arrive whole within ``header_timeout`` of its first byte
  (of the connection's start, for the first), and a connection may sit idle between
  requests, or stall a body or an answer, at most ``idle_timeout``;
- a head that ends with the connection is never served; a head that cannot be read
  gets a small JSON answer (never an HTML page, never the client's bytes back);
- the request line's target reaches the app as it came (percent-encoding the bytes
  HTTP does not allow in it only for the parser), repeated ``Cookie`` fields are
  joined with ``"; "``, and the fields as sent ride along as ``polyfaas.header_fields``.
"""

from __future__ import annotations

import contextlib
import email.utils
import http
import json
import re
import selectors
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from typing import Any, Callable

import attrs
import h11

from polyfaas.wsgi_bridge import HEADER_FIELDS

#: How much one read of a connection asks for.
READ_CHUNK = 64 * 1024
#: The longest line of a request head (http.server's); past it, ``414`` for the
#: request line, ``431`` for a field.
MAX_LINE = 64 * 1024
#: The longest request head (request line and fields) read; past it, ``431``.
MAX_HEAD = 2 * MAX_LINE
#: The most header fields one request may have; past it, ``431``.
MAX_FIELDS = 100
#: Unread body bytes drained (10 ms between reads) before closing after an answer.
MAX_DRAIN = 64 * 1024 * 1024

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@attrs.frozen(kw_only=True)
class ServerLimits:
    """What one client may hold of the runner (the values are in ``docs/cli.md``)."""

    #: Open connections at once (each has one thread); past it, ``503`` and close.
    max_connections: int = 512
    #: Seconds from a connection's start until its request line and headers are whole.
    header_timeout: float = 10.0
    #: The longest silence (seconds) while a body arrives or a response is written.
    idle_timeout: float = 30.0


REFUSED_BODY = b"polyfaas run: too many open connections, try again\n"
REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: %d\r\n"
    b"Retry-After: 1\r\n"
    b"Connection: close\r\n\r\n%s"
) % (len(REFUSED_BODY), REFUSED_BODY)

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINE_END = re.compile(rb"\r?\n")
#: Bytes a request target may not hold on the wire (RFC 9112: visible ASCII only).
_NOT_VCHAR = re.compile(rb"[^\x21-\x7e]")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)\Z")
#: What a header field of the answer may not hold (the app checks them too).
_BAD_NAME = re.compile(r"[^-!#$%&'*+.^_`|~0-9a-zA-Z]|\A\Z")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
_HOST = re.compile(rb"\n[Hh][Oo][Ss][Tt][ \t]*:")


class Unreadable(Exception):
    """A request head the front door cannot read: answered with ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def error_answer(status: int) -> bytes:
    """A small JSON answer to a request that cannot be read (http.server's words)."""
    try:
        phrase = http.HTTPStatus(status)
        short, long = phrase.phrase, phrase.description
    except ValueError:
        short, long = "Error", "the request cannot be read"
    body = json.dumps({"errorMessage": long, "errorType": short.replace(" ", "")}).encode()
    return (
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (status, short.encode(), len(body), body)
    )


def _escape(match: re.Match[bytes]) -> bytes:
    return b"%%%02X" % match.group()[0]


class _Date:
    """``Date`` header values, formatted once a second."""

    def __init__(self) -> None:
        self.second = -1
        self.value = b""

    def now(self) -> bytes:
        second = int(time.time())
        if second != self.second:
            self.value = email.utils.formatdate(second, usegmt=True).encode()
            self.second = second
        return self.value


DATE = _Date()


class Body:
    """``wsgi.input`` of one request: its body as ``h11`` frames it, read on demand
    (each wait at most the idle timeout). A body that stops arriving, ends early or
    is badly framed raises ``OSError``/``ValueError`` (``BoundedInput`` turns them
    into ``IncompleteBody``)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.parts: list[bytes] = []
        self.count = 0
        self.done = False

    def read(self, size: int | None = -1) -> bytes:
        whole = size is None or size < 0
        while not self.done and (whole or self.count < size):  # type: ignore[operator]
            data = self.connection.next_body_part()
            if data is None:
                self.done = True
            elif data:
                self.parts.append(data)
                self.count += len(data)
        parts = self.parts
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        if whole or size >= len(data):  # type: ignore[operator]
            self.parts, self.count = [], 0
            return data
        rest = data[size:]
        self.parts, self.count = [rest], len(rest)
        return data[:size]


class Connection:
    """One client connection: its requests, one after another."""

    def __init__(self, server: FrontDoor, sock: socket.socket, address: Any) -> None:
        self.server = server
        self.sock = sock
        self.address = address
        self.limits = server.limits
        self.buffer = b""
        self.h11: h11.Connection | None = None
        self.host_added = False
        self.current_timeout: float | None = None
        self.method = b""
        self.bodiless = False
        self.keep_alive = False
        self.continued = False

    # -- reading -------------------------------------------------------------------

    def _recv(self, timeout: float) -> bytes:
        if timeout <= 0:
            raise socket.timeout("timed out")
        self.timeout(timeout)
        return self.sock.recv(READ_CHUNK)

    def timeout(self, seconds: float) -> None:
        """The socket's timeout, set only when it changes (each setting is a system
        call)."""
        if seconds != self.current_timeout:
            self.sock.settimeout(seconds)
            self.current_timeout = seconds

    def read_head(self, first: bool) -> bytes | None:
        """The next request head (up to and with its blank line), ``None`` when the
        client is gone (or silent) before a whole one came. ``Unreadable`` for a head
        over ``MAX_HEAD``."""
        limits = self.limits
        deadline = time.monotonic() + limits.header_timeout if first else None
        while True:
            found = _HEAD_END.search(self.buffer)
            if found is not None:
                head, self.buffer = self.buffer[: found.end()], self.buffer[found.end() :]
                return head
            if len(self.buffer) > MAX_HEAD:
                first_end = _LINE_END.search(self.buffer)
                raise Unreadable(431 if first_end and first_end.start() <= MAX_LINE else 414)
            if deadline is None and self.buffer:
                deadline = time.monotonic() + limits.header_timeout
            wait = limits.idle_timeout if deadline is None else deadline - time.monotonic()
            try:
                data = self._recv(wait)
            except OSError:  # timed out, reset
                return None
            if not data:
                return None
            self.buffer += data

    def parse(self, head: bytes) -> tuple[h11.Request, bytes]:
        """The head through ``h11``; the request and its target as it came."""
        line_end = _LINE_END.search(head)
        assert line_end is not None
        line = head[: line_end.start()]
        if len(line) > MAX_LINE:
            raise Unreadable(414)
        if len(head) > MAX_LINE and any(len(field) > MAX_LINE for field in head.split(b"\n")):
            raise Unreadable(431)
        words = line.split(b" ")
        if len(words) != 3 or not all(words):
            raise Unreadable(400)
        method, target, version = words
        matched = _VERSION.match(version)
        if matched is None:
            raise Unreadable(400)
        if matched[1] != b"1":
            raise Unreadable(505 if matched[1] >= b"2" else 400)
        if head.count(b"\n") - 2 > MAX_FIELDS:
            raise Unreadable(431)
        wire_target = _NOT_VCHAR.sub(_escape, target)
        # h11 wants a Host field in HTTP/1.1; a request without one is served as
        # werkzeug served it (the app never sees the stand-in).
        self.host_added = version == b"HTTP/1.1" and _HOST.search(head) is None
        connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD + 1024)
        self.h11 = connection
        self.method = method
        self.continued = False
        if wire_target != target or self.host_added:
            rest = head[line_end.start() :]
            if self.host_added:
                rest = rest[: -len(_HEAD_END.search(rest)[0])] + b"\r\nHost: \r\n\r\n"  # type: ignore[index]
            head = b"%s %s %s%s" % (method, wire_target, version, rest)
        connection.receive_data(head + self.buffer)
        self.buffer = b""
        try:
            event = connection.next_event()
        except h11.RemoteProtocolError as exc:
            raise Unreadable(exc.error_status_hint) from None
        if not isinstance(event, h11.Request):  # pragma: no cover - a whole head is here
            raise Unreadable(400)
        return event, target

    def next_body_part(self) -> bytes | None:
        """The next piece of the body, ``None`` at its end."""
        connection = self.h11
        assert connection is not None
        while True:
            try:
                event = connection.next_event()
            except h11.RemoteProtocolError as exc:
                raise ValueError(f"the body is badly framed: {exc}") from None
            if isinstance(event, h11.Data):
                return bytes(event.data)
            if isinstance(event, h11.EndOfMessage):
                return None
            if event is h11.NEED_DATA:
                if connection.they_are_waiting_for_100_continue and not self.continued:
                    self.continued = True
                    self.timeout(self.limits.idle_timeout)
                    self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                data = self._recv(self.limits.idle_timeout)
                if not data:
                    raise ValueError("the client went away mid-body")
                connection.receive_data(data)
                continue
            raise ValueError(f"unexpected {type(event).__name__} in the body")

    # -- the WSGI call -------------------------------------------------------------

    def environ(self, request: h11.Request, target: bytes) -> dict[str, Any]:
        server = self.server
        raw = target.decode("latin-1")
        raw_path, _, query = raw.partition("?")
        if raw_path.startswith("/"):
            path_info = raw_path
        elif "://" in raw_path:  # absolute form
            path_info = "/" + raw_path.split("://", 1)[1].partition("/")[2]
        else:
            path_info = raw_path
        if "%" in path_info:
            from urllib.parse import unquote_to_bytes

            path_info = unquote_to_bytes(path_info).decode("latin-1")
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method.decode("latin-1"),
            "SCRIPT_NAME": "",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "REQUEST_URI": raw,
            "RAW_URI": raw,
            "REMOTE_ADDR": self.address[0] if isinstance(self.address, tuple) else "",
            "REMOTE_PORT": self.address[1] if isinstance(self.address, tuple) else 0,
            "SERVER_NAME": server.server_name,
            "SERVER_PORT": str(server.server_port),
            "SERVER_PROTOCOL": "HTTP/" + request.http_version.decode("latin-1"),
        }
        fields: list[tuple[str, str]] = []
        cookies: list[str] = []
        chunked = False
        items = request.headers.raw_items()
        if self.host_added:
            items = items[:-1]
        for raw_name, raw_value in items:
            name = raw_name.decode("latin-1")
            value = raw_value.decode("latin-1")
            if "_" in name:  # as werkzeug: no name with "_" (it would pose as a "-")
                continue
            fields.append((name, value))
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
                continue
            if key == "COOKIE":
                cookies.append(value)
            elif key == "TRANSFER_ENCODING" and "chunked" in value.lower():
                chunked = True
            key = "HTTP_" + key
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        if len(cookies) > 1:  # one Cookie field, as RFC 6265 §5.4 has it: "; ", not ","
            environ["HTTP_COOKIE"] = "; ".join(cookies)
        environ[HEADER_FIELDS] = fields
        if chunked:
            environ["wsgi.input_terminated"] = True
        environ["wsgi.input"] = Body(self)
        return environ

    def serve(self) -> None:
        """Requests until the client closes, goes quiet, or one must be the last."""
        first = True
        try:
            while self.serve_one(first):
                first = False
        except OSError:
            pass  # the client went away or stalled: nothing to answer it on
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()

    def serve_one(self, first: bool) -> bool:
        """One request and its answer: whether the connection goes on."""
        try:
            head = self.read_head(first)
            if head is None:
                return False
            request, target = self.parse(head)
        except Unreadable as exc:
            self.timeout(self.limits.idle_timeout)
            self.sock.sendall(error_answer(exc.status))
            self.drain()
            return False
        connection = self.h11
        assert connection is not None
        environ = self.environ(request, target)
        started: list[Any] = []

        written: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None and started and started[0]:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [False, status, headers]
            return written.append

        try:
            body: Iterable[bytes] = self.server.app(environ, start_response)
        except Exception:  # the app is RunnerApp, which answers its own faults
            traceback.print_exc()
            self._send([error_answer(500)])
            return False
        try:
            self._write(connection, [*written, *body] if written else body, started)
        except OSError:
            raise  # the client went away: serve() ends the connection
        except Exception as exc:
            # A streamed body that failed part way: its head and some chunks are out,
            # so the answer is cut short (no last chunk) and the connection closed.
            sys.stderr.write(f"polyfaas: the answer's body failed, connection closed: {exc}\n")
            if not (started and started[0]):
                self._send([error_answer(500)])
            return False
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        if self.keep_alive:
            self.buffer = connection.trailing_data[0]
            return True
        if connection.their_state is not h11.MUST_CLOSE:  # a body left unread
            self.drain()
        return False

    def _write(self, connection: h11.Connection, body: Iterable[bytes], started: list[Any]) -> None:
        """The answer: its head with the first piece of its body, in one write when
        it is small. The head is written here (h11 reads requests; the app's fields
        are checked again below, cheaply): a body without ``Content-Length`` is
        chunked, a ``HEAD`` answer or a ``1xx``/``204``/``304`` has none."""
        out: list[bytes] = []
        size = 0
        framing: bool | None = None  # chunked?; None: the head is not written yet
        # A list is a whole answer, written in as few writes as its size allows; any
        # other iterable may be a stream: each of its chunks is sent as it comes.
        flush = 0 if type(body) is list else 1
        for chunk in body:
            if not chunk:
                continue
            if framing is None:
                head, framing = self._head(connection, started)
                out.append(head)
                started[0] = True
            if self.bodiless:
                continue
            if framing:
                out.append(b"%x\r\n" % len(chunk))
                out.append(chunk)
                out.append(b"\r\n")
            else:
                out.append(chunk)
            size += len(chunk)
            if size >= READ_CHUNK or flush:
                self._send(out)
                out, size = [], 0
        if framing is None:
            head, framing = self._head(connection, started)
            out.append(head)
        if framing and not self.bodiless:
            out.append(b"0\r\n\r\n")
        self._send(out)

    def _head(self, connection: h11.Connection, started: list[Any]) -> tuple[bytes, bool]:
        """The answer's head, and whether its body is chunked."""
        if not started:
            raise RuntimeError("the app returned before start_response")
        status, headers = started[1], started[2]
        code = int(status[:3])
        if not (len(status) == 3 or status[3] == " ") or not 100 <= code <= 999:
            raise ValueError(f"not a status: {status!r}")
        lines = [b"HTTP/1.1 ", status.encode("latin-1"), b"\r\n"]
        has_length = has_date = False
        for name, value in headers:
            if _BAD_NAME.search(name) or _BAD_VALUE.search(value):
                raise ValueError(f"a header field that cannot be sent: {name!r}")
            lower = name.lower()
            if lower == "content-length":
                has_length = True
            elif lower == "date":
                has_date = True
            elif lower in ("connection", "transfer-encoding"):
                continue  # the front door's own
            lines += (name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n")
        if not has_date:
            lines += (b"Date: ", DATE.now(), b"\r\n")
        self.bodiless = self.method == b"HEAD" or code < 200 or code in (204, 304)
        chunked = not has_length and not self.bodiless
        if chunked:
            lines.append(b"Transfer-Encoding: chunked\r\n")
        # Another request on this connection only when this one arrived whole and
        # its client did not ask to close (HTTP/1.0 closes).
        self.keep_alive = self._finished(connection) and connection.their_state is h11.DONE
        if not self.keep_alive:
            lines.append(b"Connection: close\r\n")
        lines.append(b"\r\n")
        return b"".join(lines), chunked

    @staticmethod
    def _finished(connection: h11.Connection) -> bool:
        """Whether the request arrived whole: the rest of what is already here is
        read (an empty body's end, a body the app did not want); never waits."""
        while connection.their_state is h11.SEND_BODY:
            try:
                event = connection.next_event()
            except h11.RemoteProtocolError:
                return False
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return False
        return True

    def _send(self, out: list[bytes]) -> None:
        self.timeout(self.limits.idle_timeout)
        self.sock.sendall(b"".join(out) if len(out) > 1 else out[0])

    def drain(self) -> None:
        """Read (and drop) what the client still sends, briefly, before closing: a
        close with unread bytes would reset the connection and lose the answer."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        total = 0
        with contextlib.suppress(OSError), selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            self.timeout(self.limits.idle_timeout)
            for _ in range(1000):
                if not selector.select(0.01):
                    break
                data = self.sock.recv(READ_CHUNK)
                total += len(data)
                if not data or total >= MAX_DRAIN:
                    break


class FrontDoor:
    """The runner's HTTP/1.1 server: keep-alive connections, one thread each, at most
    ``limits.max_connections`` of them; a connection past that gets ``503``."""

    def __init__(
        self, host: str, port: int, app: WSGIApp, limits: ServerLimits | None = None
    ) -> None:
        self.app = app
        self.limits = limits if limits is not None else ServerLimits()
        self.open_connections = 0
        self.counter_lock = threading.Lock()
        self.last_refusal_logged = 0.0
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(1024)
        except BaseException:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self.server_port: int = self.server_address[1]
        self.server_name = host
        self.stopping = threading.Event()
        self.stopped = threading.Event()
        self.stopped.set()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept connections until ``shutdown``."""
        self.stopping.clear()
        self.stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                while not self.stopping.is_set():
                    if not selector.select(poll_interval):
                        continue
                    try:
                        sock, address = self.socket.accept()
                    except OSError:
                        continue
                    self.process(sock, address)
        finally:
            self.stopped.set()

    def process(self, sock: socket.socket, address: Any) -> None:
        with self.counter_lock:
            full = self.open_connections >= self.limits.max_connections
            if not full:
                self.open_connections += 1
        if full:
            self.refuse(sock)
            return
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(
                target=self._serve, args=(sock, address), name="polyfaas-connection", daemon=True
            )
            thread.start()
        except BaseException:
            self.release()
            sock.close()
            raise

    def _serve(self, sock: socket.socket, address: Any) -> None:
        try:
            Connection(self, sock, address).serve()
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
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            sock.close()
        now = time.monotonic()
        if now - self.last_refusal_logged >= 1.0:
            self.last_refusal_logged = now
            sys.stderr.write(
                f" * refused a connection with 503: {self.limits.max_connections} are open "
                "(the limit)\n"
            )
            sys.stderr.flush()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` (from another thread) and wait for it."""
        self.stopping.set()
        self.stopped.wait()

    def server_close(self) -> None:
        """Stop listening (connections under way end on their own)."""
        self.socket.close()
