"""The ASGI 3 bridge: a canonical ``Request`` served by an ASGI application (FastAPI,
Starlette, Django's ASGI handler, any ``async def app(scope, receive, send)``).

- ``scope_from_request``: the ``http`` connection scope of a request (HTTP spec 2.4);
- ``ASGIHandler``: ``(request, context) -> Response``, with the lifespan protocol run
  once per instance (``startup`` before the first call, ``shutdown`` when the
  instance stops).

One event loop per instance runs the app: the lifespan and every call, as the
lifespan spec asks (a pool made at startup is used on the loop that made it). While
calls come one at a time the calling thread runs it (``InstanceLoop``: no thread hop
per call); once calls overlap (``--concurrency``) it runs on a thread of its own and
they are tasks side by side on it. A call returns when the app has returned:
work the app does after sending its response (FastAPI's ``BackgroundTasks``) is done
before the platform gets its answer, as platforms that freeze an instance between
calls need.

What the app answers becomes the ``Response``: the first ``http.response.start``
gives the status and headers, the ``http.response.body`` messages the body, and
messages after the last body are ignored. An app that raises before its response is
complete fails the call (the platform reports the error natively); one that raises
after it (an error in a background task) is logged and its response kept, as ASGI
servers do.
"""

from __future__ import annotations

import logging
import sys
import threading
from contextlib import suppress as contextlib_suppress
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable

from polyfaas._context import Context
from polyfaas._multidict import Headers
from polyfaas._normalize import check_response
from polyfaas._response import Response
from polyfaas.errors import LifespanError, ResponseFormatError

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Iterator, MutableMapping

    from polyfaas._request import Request

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The ASGI version and the HTTP sub-specification version polyfaas speaks.
ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}
#: Scope keys that carry the canonical objects to the app (the native input is
#: ``scope["polyfaas.request"].native``), as the WSGI environ carries them.
REQUEST_KEY = "polyfaas.request"
CONTEXT_KEY = "polyfaas.context"
#: How long ``shutdown`` waits for the app's ``lifespan.shutdown.complete``.
SHUTDOWN_TIMEOUT = 10.0

logger = logging.getLogger("polyfaas.asgi")
_name = itemgetter(0)
_value = itemgetter(1)


def _wire(text: str) -> bytes:
    # A header's text as it travelled: ASCII, or its UTF-8 (lone surrogates as their
    # bytes), the bytes the WSGI bridge's native strings stand for.
    return text.encode("ascii") if text.isascii() else text.encode("utf-8", "surrogatepass")


def _server(host: str, scheme: str) -> tuple[str, int | None]:
    default = 443 if scheme == "https" else 80
    if host.startswith("["):  # [v6]:port
        name, _, rest = host.partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        name += "]"
    else:
        name, _, port = host.partition(":")
    return name, int(port) if port.isdigit() and len(port) <= 5 else default


_servers: dict[tuple[str, str], tuple[str, int | None]] = {}


def scope_from_request(
    request: Request, context: Context | None = None, *, state: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ASGI ``http`` scope of ``request``.

    ``path`` is the decoded path and includes ``root_path`` (the request's
    ``base_path``), as the spec and Starlette read them; ``raw_path`` is the path as it
    arrived; ``headers`` are the request's fields in order, repeats kept, names lower
    case, with ``host`` added when the request had none; ``client`` is the client's
    address with port 0 (platforms pass no port); ``state`` is a shallow copy of the
    lifespan's state when the app keeps one.
    """
    pairs = request.headers._pairs
    try:  # in C: UTF-8 is what _wire gives for everything but a lone surrogate
        headers = list(
            zip(
                map(str.encode, map(str.lower, map(_name, pairs))),
                map(str.encode, map(_value, pairs)),
            )
        )
    except UnicodeEncodeError:
        headers = [(_wire(name.lower()), _wire(value)) for name, value in pairs]
    host = request.host
    if b"host" not in map(_name, headers):
        headers.append((b"host", _wire(host)))
    path = request.path
    root_path = request.base_path
    if root_path:
        root_path = root_path.rstrip("/")
        if not (path == root_path or path.startswith(root_path + "/")):
            root_path = ""
    scheme = request.scheme or "http"
    server = _servers.get((host, scheme))
    if server is None:
        server = _server(host, scheme)
        if len(_servers) < 256:  # bounded: hosts come from clients
            _servers[(host, scheme)] = server
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},  # ASGI_VERSION, fresh each call
        "http_version": "1.1",
        "method": request.method,
        "scheme": scheme,
        "path": path,
        # what _wire gives, in one C call (a lone surrogate as its bytes)
        "raw_path": request.raw_path.encode("utf-8", "surrogatepass"),
        "query_string": request.query_string.encode("utf-8", "surrogatepass"),
        "root_path": root_path,
        "headers": headers,
        "client": (request.client_ip, 0) if request.client_ip else None,
        "server": server,
        "extensions": {},
        REQUEST_KEY: request,
        CONTEXT_KEY: context,
    }
    if state is not None:
        scope["state"] = dict(state)
    return scope


class _Exchange:
    """One request's ``receive`` and ``send``, and the response they collect.

    The fields most calls never change are class-level defaults, which an instance's
    own value shadows once set (fewer stores a call)."""

    request_sent = False
    status: int | None = None
    headers: list[tuple[str, str]] = []  # noqa: RUF012 - replaced, never mutated
    complete = False
    #: Set when the response is complete or the call is over; made only when the
    #: app waits for it (most never ask ``receive`` twice).
    finished: asyncio.Event | None = None
    #: The app's task, and the future the caller waits on: done when the app has
    #: returned, or when its response turned out to stream (a body message with
    #: ``more_body``), whichever comes first.
    task: asyncio.Task[None] | None = None
    head: asyncio.Future[None] | None = None
    #: Inline (the caller's thread runs the loop): what ends the caller's
    #: ``run_forever`` instead of ``head`` (one loop iteration fewer than a future
    #: and ``run_until_complete``); called once, then cleared.
    stop: Callable[[], None] | None = None
    #: Streaming: chunks not yet taken by the caller, and the events that tell
    #: each side the other moved; ``gone`` once the caller stopped reading.
    streaming = False
    ready: asyncio.Event | None = None
    space: asyncio.Event | None = None
    gone = False

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.chunks: list[bytes] = []

    async def receive(self) -> Message:
        if not self.request_sent:
            self.request_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        # Asked again: the app waits for the client to go, which here is when its
        # response is complete (a streaming response listens for this).
        if not self.complete:
            if self.finished is None:
                import asyncio

                self.finished = asyncio.Event()
            await self.finished.wait()
        return {"type": "http.disconnect"}

    def finish(self) -> None:
        self.complete = True
        if self.finished is not None:
            self.finished.set()

    async def send(self, message: Message) -> None:
        try:
            kind = message["type"]
        except (TypeError, KeyError):
            raise ResponseFormatError("ASGI application sent a message without a 'type'") from None
        if kind == "http.response.start":
            if self.status is not None:
                raise ResponseFormatError("ASGI application sent http.response.start twice")
            self.status = _status(message.get("status"))
            self.headers = _fields(message.get("headers") or ())
        elif kind == "http.response.body":
            if self.status is None:
                raise ResponseFormatError(
                    "ASGI application sent http.response.body before http.response.start"
                )
            if self.complete:
                return
            body = message.get("body", b"")
            if not isinstance(body, (bytes, bytearray, memoryview)):
                raise ResponseFormatError(
                    f"ASGI application sent a body of type {type(body).__name__}, not bytes"
                )
            more = bool(message.get("more_body", False))
            if self.streaming or (more and (self.head is not None or self.stop is not None)):
                await self._stream(bytes(body), more)
                return
            if body:
                self.chunks.append(bytes(body))
            if not more:
                self.finish()
        elif kind == "http.response.trailers":
            return  # no platform polyfaas serves carries trailers: dropped
        else:
            raise ResponseFormatError(f"ASGI application sent an unexpected message {kind!r}")

    async def _stream(self, body: bytes, more: bool) -> None:
        import asyncio

        if self.gone:
            raise ClientDisconnected("the client is gone")
        ready, space = self.ready, self.space
        if ready is None or space is None:  # the first chunk of a streamed body
            self.streaming = True
            ready = self.ready = asyncio.Event()
            space = self.space = asyncio.Event()
            self._release()  # the caller may go and read
        if body:
            self.chunks.append(body)
        if not more:
            self.finish()
        ready.set()
        # Backpressure: the app waits while the caller has STREAM_AHEAD chunks to take.
        while len(self.chunks) >= STREAM_AHEAD and not self.gone:
            space.clear()
            await space.wait()
        if self.gone:
            raise ClientDisconnected("the client is gone")

    async def next_chunk(self) -> bytes | None:
        """The next streamed chunk, or ``None`` once the body is over (the app's
        response complete, or the app ended)."""
        ready, space = self.ready, self.space
        if ready is None or space is None:
            return None  # not a streamed body
        while not self.chunks and not (self.complete or self.ended()):
            ready.clear()
            await ready.wait()
        if self.chunks:
            chunk = self.chunks.pop(0)
            space.set()
            return chunk
        return None

    def ended(self) -> bool:
        return self.task is not None and self.task.done()

    def task_done(self, task: asyncio.Task[None]) -> None:
        if self.ready is not None:
            self.ready.set()  # a caller waiting for a chunk learns the app ended
        self._release()

    def _release(self) -> None:
        """Let the caller waiting in ``InstanceLoop.start`` go (once)."""
        stop = self.stop
        if stop is not None:
            self.stop = None
            stop()
        head = self.head
        if head is not None and not head.done():
            head.set_result(None)

    def response(self) -> Response:
        if self.status is None or not self.complete:
            raise ResponseFormatError(
                "ASGI application returned without sending a complete response"
            )
        body = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
        return check_response(
            Response._trusted(self.status, Headers._trusted(tuple(self.headers)), body)
        )


def _status(value: Any) -> int:
    if type(value) is not int or not 100 <= value <= 999:
        raise ResponseFormatError(f"ASGI application sent a malformed status {value!r}")
    return value


def _fields(headers: Any) -> list[tuple[str, str]]:
    if type(headers) is list or type(headers) is tuple:
        try:  # in C: what frameworks send, (bytes, bytes) pairs of UTF-8
            return list(
                zip(map(bytes.decode, map(_name, headers)), map(bytes.decode, map(_value, headers)))
            )
        except (TypeError, IndexError, UnicodeDecodeError):
            pass  # a bytearray, a bad pair, latin-1 text: field by field
    fields: list[tuple[str, str]] = []
    try:
        for name, value in headers:
            fields.append((_text(name), _text(value)))
    except (TypeError, ValueError):
        raise ResponseFormatError(
            "ASGI application sent headers that are not [name, value] byte pairs"
        ) from None
    return fields


def _text(value: Any) -> str:
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(value)
    raw = bytes(value)
    if raw.isascii():
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class Lifespan:
    """The ASGI lifespan protocol of one app in one instance.

    ``startup`` runs the app's lifespan scope and waits for its answer: complete, the
    app runs; ``lifespan.startup.failed`` is a ``LifespanError`` (the platform's
    initialization error); an app that raises or returns before answering does not
    support the protocol and is served without it, as the spec says. ``shutdown``
    sends ``lifespan.shutdown`` and waits (bounded) for the app's answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.supported: bool | None = None  # not asked yet
        self._inbox: asyncio.Queue[Message] | None = None
        self._answers: asyncio.Queue[Message] | None = None
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        import asyncio

        inbox: asyncio.Queue[Message] = asyncio.Queue()
        answers: asyncio.Queue[Message] = asyncio.Queue()
        self._inbox, self._answers = inbox, answers
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        scope["state"] = self.state
        self._task = asyncio.ensure_future(self._run(scope, inbox, answers))
        await inbox.put({"type": "lifespan.startup"})
        answer = await answers.get()
        kind = answer.get("type")
        if kind == "lifespan.startup.complete":
            self.supported = True
            return
        if kind == "lifespan.startup.failed":
            self.supported = False
            raise LifespanError(f"ASGI lifespan startup failed: {answer.get('message') or ''}")
        # The app raised or returned without answering: no lifespan support.
        self.supported = False
        error = answer.get("error")
        if error is not None:
            logger.debug("ASGI app does not support lifespan: %r", error)

    async def _run(
        self, scope: Scope, inbox: asyncio.Queue[Message], answers: asyncio.Queue[Message]
    ) -> None:
        async def send(message: Message) -> None:
            await answers.put(dict(message))

        try:
            await self.app(scope, inbox.get, send)
        except BaseException as exc:  # lifespan unsupported, or failed after startup
            await answers.put({"type": "polyfaas.lifespan.ended", "error": exc})
            if not isinstance(exc, Exception):
                raise
        else:
            await answers.put({"type": "polyfaas.lifespan.ended"})

    async def shutdown(self) -> None:
        import asyncio

        inbox, answers, task = self._inbox, self._answers, self._task
        if not self.supported or inbox is None or answers is None or task is None or task.done():
            return
        await inbox.put({"type": "lifespan.shutdown"})
        try:
            answer = await asyncio.wait_for(answers.get(), SHUTDOWN_TIMEOUT)
        except asyncio.TimeoutError:
            logger.warning("ASGI lifespan shutdown did not complete in %s s", SHUTDOWN_TIMEOUT)
            task.cancel()
            return
        finally:
            self.supported = False
        if answer.get("type") == "lifespan.shutdown.failed":
            logger.error("ASGI lifespan shutdown failed: %s", answer.get("message") or "")
        elif answer.get("type") == "polyfaas.lifespan.ended" and answer.get("error"):
            logger.error("ASGI lifespan shutdown raised: %r", answer["error"])


class ASGIHandler:
    """``(request, context) -> Response`` served by an ASGI 3 application."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.lifespan = Lifespan(app)
        self._loop: InstanceLoop | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Lock()
        self._at_exit = False

    @property
    def loop(self) -> InstanceLoop:
        """The instance's loop, made on first use (asyncio is imported then)."""
        loop = self._loop
        if loop is None:
            with self._lock:
                if self._loop is None:
                    self._loop = InstanceLoop()
                loop = self._loop
        return loop

    def startup(self, context: Context | None = None) -> None:
        """Run the lifespan startup on the instance's loop (once: ``Entry.run_init``).

        The shutdown is also registered to run at interpreter exit: a process that
        ends normally is an instance that stops (platforms that stop one by a signal
        call ``Entry.shutdown`` themselves)."""
        self.loop.run(self.lifespan.startup())
        if self.lifespan.supported and not self._at_exit:
            import atexit

            atexit.register(self.shutdown)
            self._at_exit = True

    def shutdown(self) -> None:
        """Run the lifespan shutdown, if the startup ran and completed."""
        with self._stopping:
            if self.lifespan.supported:
                self.loop.run(self.lifespan.shutdown())

    def __call__(self, request: Request, context: Context) -> Response:
        state = self.lifespan.state if self.lifespan.supported else None
        scope = scope_from_request(request, context, state=state)
        exchange = _Exchange(request.body)
        (self._loop or self.loop).start(self._serve(scope, exchange), exchange)
        task = exchange.task
        if not exchange.streaming or exchange.status is None or task is None:
            if task is not None:
                task.result()  # the app's error, if it raised before its response was complete
            return exchange.response()
        # A streamed body: the caller reads it chunk by chunk while the app still runs.
        headers = Headers._trusted(tuple(exchange.headers))
        return check_response(Response.stream(self._chunks(exchange), exchange.status, headers))

    async def _serve(self, scope: Scope, exchange: _Exchange) -> None:
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except Exception:
            if not exchange.complete:
                if exchange.streaming:  # the body is cut short: the caller raises it
                    logger.exception("ASGI application raised while streaming its response")
                raise
            logger.exception("ASGI application raised after its response was complete")
        finally:
            if exchange.finished is not None:
                exchange.finished.set()

    def _chunks(self, exchange: _Exchange) -> Iterator[bytes]:
        """A streamed body, read on the instance's loop as the app produces it. Closed
        early (the client went away), the app's next ``send`` raises
        ``ClientDisconnected``; either way the app's call is waited for (what it does
        after its response included) before the iterator ends."""
        run = self.loop.run
        try:
            while True:
                chunk = run(exchange.next_chunk())
                if chunk is None:
                    break
                yield chunk
        finally:
            if not exchange.complete:
                exchange.gone = True
            if exchange.space is not None:
                self.loop.call_soon(exchange.space.set)
            task = exchange.task
            if task is not None:
                run(_wait_for(task))
        if not exchange.complete:
            raise ResponseFormatError(
                "ASGI application returned without sending a complete response "
                "(its streamed body ended early)"
            )

    def __repr__(self) -> str:
        return f"ASGIHandler({self.app!r})"


class ClientDisconnected(OSError):
    """What an app's ``send`` raises once the client stopped reading a streamed
    response (HTTP spec 2.4)."""


#: Chunks of a streamed response the app may send ahead of what the caller took.
STREAM_AHEAD = 8


async def _wait_for(task: asyncio.Task[None]) -> None:
    """Wait for the app's task to end; what it raises was logged by ``_serve``."""
    import asyncio

    with contextlib_suppress(BaseException):
        await asyncio.shield(task)


class InstanceLoop:
    """The one event loop an ASGI app's instance runs on (the lifespan spec: the
    lifespan and the requests on the same loop).

    Run inline while calls come one at a time: the caller's thread runs the loop for
    its call, as Mangum does (no hop to another thread; between calls the loop is
    idle, the lifespan task waiting on it). The first time a call arrives while
    another thread runs the loop inline, or on a thread that runs a loop of its own,
    the loop moves for good to a thread of its own (``run_forever``): the call is
    submitted at once (a running loop takes work from any thread), and the thread
    running the loop inline starts that thread as soon as its own call is done, so
    calls in flight together are tasks side by side and none waits for another."""

    def __init__(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()
        self._running_loop = asyncio._get_running_loop  # no import statement a call
        self.threaded = False
        self._inline_busy = False  # a thread is running the loop inline now
        self._thread_started = False
        self._mode = threading.Lock()  # guards the three flags

    def __del__(self) -> None:
        # An instance's loop lives as long as the instance; one of a handler that is
        # dropped (tests make many) is closed with it, unless its thread still runs it.
        # At interpreter exit asyncio's own modules may already be gone: nothing to tidy.
        loop = getattr(self, "loop", None)
        if loop is None or sys.is_finalizing() or loop.is_running() or loop.is_closed():
            return
        loop.close()

    def _enter(self) -> bool:
        """Whether this thread runs the loop inline for its call (else it submits)."""
        nested = self._running_loop() is not None
        with self._mode:
            if not self.threaded and not self._inline_busy and not nested:
                self._inline_busy = True
                return True
            self.threaded = True  # calls overlap (or nest): the loop moves for good
            if not self._inline_busy:
                self._start_thread()
            return False

    def _leave(self) -> None:
        with self._mode:
            self._inline_busy = False
            if self.threaded:  # a call arrived meanwhile: the loop's thread takes over
                self._start_thread()

    def _start_thread(self) -> None:
        if not self._thread_started:
            self._thread_started = True
            threading.Thread(
                target=self.loop.run_forever, name="polyfaas-asgi", daemon=True
            ).start()

    def run(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on the loop, from any thread, and return its result."""
        import asyncio

        if self._enter():
            try:
                return self.loop.run_until_complete(coroutine)
            finally:
                self._leave()
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def start(self, coroutine: Any, exchange: _Exchange) -> None:
        """Start ``coroutine`` (the app's call) as a task on the loop and wait until
        the app returned or its response streams: inline, ``exchange.stop`` ends this
        thread's ``run_forever`` then; on the loop's thread, ``exchange.head`` is done."""
        if self._enter():
            try:
                loop = self.loop
                exchange.stop = loop.stop
                exchange.task = task = loop.create_task(coroutine)
                task.add_done_callback(exchange.task_done)
                loop.run_forever()
            finally:
                self._leave()
            if not (task.done() or exchange.streaming):  # someone else stopped the loop
                raise RuntimeError("the event loop stopped before the ASGI call completed")
            return
        import asyncio

        async def started() -> None:
            loop = asyncio.get_running_loop()
            exchange.head = loop.create_future()
            exchange.task = task = loop.create_task(coroutine)
            task.add_done_callback(exchange.task_done)
            await exchange.head

        asyncio.run_coroutine_threadsafe(started(), self.loop).result()

    def call_soon(self, callback: Callable[[], Any]) -> None:
        """Schedule ``callback`` on the loop from any thread."""
        self.loop.call_soon_threadsafe(callback)
