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
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable

from polyfaas._context import Context
from polyfaas._multidict import Headers
from polyfaas._normalize import check_response
from polyfaas._response import Response
from polyfaas.errors import LifespanError, ResponseFormatError

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, MutableMapping

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
    if b"host" not in map(_name, headers):
        headers.append((b"host", _wire(request.host)))
    path = request.path
    root_path = request.base_path.rstrip("/")
    if root_path and not (path == root_path or path.startswith(root_path + "/")):
        root_path = ""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": dict(ASGI_VERSION),
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme or "http",
        "path": path,
        "raw_path": _wire(request.raw_path),
        "query_string": _wire(request.query_string),
        "root_path": root_path,
        "headers": headers,
        "client": (request.client_ip, 0) if request.client_ip else None,
        "server": _server(request.host, request.scheme),
        "extensions": {},
        REQUEST_KEY: request,
        CONTEXT_KEY: context,
    }
    if state is not None:
        scope["state"] = dict(state)
    return scope


class _Exchange:
    """One request's ``receive`` and ``send``, and the response they collect."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.request_sent = False
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.complete = False
        #: Set when the response is complete or the call is over; made only when the
        #: app waits for it (most never ask ``receive`` twice).
        self.finished: asyncio.Event | None = None

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
            if body:
                self.chunks.append(bytes(body))
            if not message.get("more_body", False):
                self.finish()
        elif kind == "http.response.trailers":
            return  # no platform polyfaas serves carries trailers: dropped
        else:
            raise ResponseFormatError(f"ASGI application sent an unexpected message {kind!r}")

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
        return self.loop.run(self._serve(scope, request.body))  # type: ignore[no-any-return]

    async def _serve(self, scope: Scope, body: bytes) -> Response:
        exchange = _Exchange(body)
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except Exception:
            if not exchange.complete:
                raise
            logger.exception("ASGI application raised after its response was complete")
        finally:
            if exchange.finished is not None:
                exchange.finished.set()
        return exchange.response()

    def __repr__(self) -> str:
        return f"ASGIHandler({self.app!r})"


class InstanceLoop:
    """The one event loop an ASGI app's instance runs on (the lifespan spec: the
    lifespan and the requests on the same loop).

    Run inline while calls come one at a time (the caller's thread runs the loop for
    its call, as Mangum does: no hop to another thread, and the loop is idle between
    calls, with the lifespan task waiting on it). The first time a call finds the
    loop busy with another thread's call, or arrives on a thread that runs a loop of
    its own, the loop moves for good to a thread of its own (``run_forever``) and every
    call is submitted to it, so calls in flight together are tasks side by side."""

    def __init__(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()
        self.threaded = False
        self._inline = threading.Lock()  # held by the thread running the loop inline
        self._switch = threading.Lock()

    def __del__(self) -> None:
        # An instance's loop lives as long as the instance; one of a handler that is
        # dropped (tests make many) is closed with it, unless its thread still runs it.
        # At interpreter exit asyncio's own modules may already be gone: nothing to tidy.
        loop = getattr(self, "loop", None)
        if loop is None or sys.is_finalizing() or loop.is_running() or loop.is_closed():
            return
        loop.close()

    def run(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on the loop, from any thread, and return its result."""
        import asyncio

        if (
            not self.threaded
            and asyncio._get_running_loop() is None
            and self._inline.acquire(blocking=False)
        ):
            try:
                if not self.threaded:
                    return self.loop.run_until_complete(coroutine)
            finally:
                self._inline.release()
        if not self.threaded:
            self._go_threaded()
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def _go_threaded(self) -> None:
        with self._switch:
            if self.threaded:  # another thread moved it meanwhile
                return
            with self._inline:  # the inline call in progress finishes first (once)
                self.threaded = True
                threading.Thread(
                    target=self.loop.run_forever, name="polyfaas-asgi", daemon=True
                ).start()
