"""The ``alibaba-wsgi`` provider: an FC HTTP function, ``handler(environ, start_response)``.

FC 2.0's built-in Python runtime calls an HTTP function as a WSGI application
(reference §3): the environ holds the request, ``fc.context`` (the same context
object event handlers get) and ``fc.request_uri``; the answer goes back through
``start_response`` and an iterable of bytes.

- **Runtime half**: any WSGI call ``(environ, start_response)`` becomes a ``Request``
  (``native`` is the environ) and a ``Context`` read from ``fc.context`` and FC's
  variables; a ``Response`` goes back through ``start_response``. An entry made by
  ``polyfaas.wsgi(app)`` sees FC's ``fc.*`` keys in its environ too.
- **Platform half**: builds the environ FC's runtime builds (``os.environ`` merged in
  first, ``SERVER_NAME=FCRUNTIME``, ``CONTENT_TYPE`` defaulting to
  ``application/octet-stream``, repeated headers joined with ``,``), enforces FC's
  limits (request headers over 8 KB, path plus query over 4 KB, a body over 32 MB:
  400 ``InvalidArgument``; response headers over 8 KB: 502 ``BadResponse``), drops
  the headers FC forbids, and answers handler errors with 502 and FC's error
  document.

What the runtime half cannot give back (documented losses): the client's own
``x-fc-*``, ``Connection`` and ``Keep-Alive`` headers (FC forbids them); an explicit
``Content-Type: application/octet-stream`` or ``Content-Length: 0`` on an empty body
(FC's defaults look the same); the order and case of header names; and, when
``fc.request_uri`` does not carry it, ``%2F`` as opposed to ``/``.

Assumptions where the reference says UNCONFIRMED (also in ``ASSUMPTIONS.md``):
``fc.request_uri`` is the request target as the client sent it (path and query);
``PATH_INFO`` and header values are PEP 3333 native strings (UTF-8 bytes read as
latin-1), as every WSGI server gives them; ``HTTP_HOST`` carries the request's host;
``Cookie`` repeats are joined with ``; `` (FC joins every header with ``,``);
forbidden request headers are dropped, not refused; the limit errors are
``{"ErrorCode", "ErrorMessage"}`` documents with ``X-Fc-Error-Type: FcCommonError``.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote_to_bytes

import attrs

from polyfaas._entry import describe_call
from polyfaas._event import Event, new_id
from polyfaas._invocation import Invocation
from polyfaas._normalize import to_response
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import EventFormatError, ResponseFormatError, UnknownCallError
from polyfaas.runtime import RuntimeHalf, override
from polyfaas.wsgi_bridge import request_from_environ, start_wsgi_response
from polyfaas_alibaba import context as fc_context
from polyfaas_alibaba.event import REQUEST_ID_HEADER, AlibabaPlatform

if TYPE_CHECKING:
    from polyfaas._context import Context
    from polyfaas._native import ErrorInfo, FunctionConfig, NativeCall, Outcome

NAME = "alibaba-wsgi"

#: FC's limits on HTTP requests and responses (reference §3.2).
MAX_HEADERS = 8 * 1024
MAX_PATH_AND_QUERY = 4 * 1024
MAX_BODY = 32 * 1024 * 1024
MAX_RESPONSE_HEADERS = 8 * 1024
#: Request headers a client may not send to an FC function (FC drops them).
FORBIDDEN_REQUEST = frozenset({"connection", "keep-alive"})
#: Response headers a function may not set (FC sets its own or drops them).
FORBIDDEN_RESPONSE = frozenset(
    {"connection", "content-length", "date", "keep-alive", "server", "transfer-encoding"}
)
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def is_wsgi_call(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> bool:
    """Whether a call is ``(environ, start_response)``."""
    if len(args) != 2 or kwargs:
        return False
    environ, start_response = args
    return (
        isinstance(environ, dict)
        and callable(start_response)
        and "REQUEST_METHOD" in environ
        and ("wsgi.input" in environ or "fc.context" in environ)
    )


def _native(text: str) -> str:
    """A PEP 3333 native string: the UTF-8 bytes of ``text`` read as latin-1."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _text(native: str) -> str:
    """Back from a native string: UTF-8 when its bytes are UTF-8, else as it is."""
    if native.isascii():
        return native
    try:
        return native.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return native


def _canonical_view(environ: Mapping[str, Any]) -> dict[str, Any]:
    """The environ without what FC adds of its own (``HTTP_X_FC_*``, the default
    content type of an empty body), and with the raw request target when
    ``fc.request_uri`` carries one that matches ``PATH_INFO``."""
    view = {k: v for k, v in environ.items() if not k.startswith("HTTP_X_FC_")}
    if view.get("CONTENT_LENGTH") in ("0", "", None):
        view.pop("CONTENT_LENGTH", None)
        if view.get("CONTENT_TYPE") == DEFAULT_CONTENT_TYPE:
            view.pop("CONTENT_TYPE")
    uri = environ.get("fc.request_uri")
    if isinstance(uri, str) and uri.startswith("/") and "REQUEST_URI" not in environ:
        raw_path = uri.partition("?")[0]
        if unquote_to_bytes(raw_path).decode("latin-1") == environ.get("PATH_INFO"):
            view["REQUEST_URI"] = uri
    return view


def canonical_context(native: Any, environ: Mapping[str, str]) -> Context:
    """The canonical ``Context`` of ``fc.context`` (absent under another WSGI server)."""
    import attrs

    context = fc_context.to_canonical(native, environ)
    return attrs.evolve(context, provider=NAME, request_id=context.request_id or new_id())


class AlibabaWSGIRuntime(RuntimeHalf):
    """Runtime half of ``alibaba-wsgi``: ``(environ, start_response)`` ⇄ canonical."""

    name = NAME
    cloud = "alibaba"

    @override
    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        return is_wsgi_call(args, kwargs)

    @override
    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        environ = args[0] if args else kwargs.get("environ")
        start_response = args[1] if len(args) > 1 else kwargs.get("start_response")
        if not isinstance(environ, dict) or not callable(start_response):
            raise UnknownCallError(
                "an FC HTTP function is called as handler(environ, start_response); got "
                + describe_call(args, kwargs)
            )
        request = request_from_environ(_canonical_view(environ), native=environ)
        context = canonical_context(environ.get("fc.context"), os.environ)
        return Invocation(request, context, native=(environ, start_response))

    @override
    def encode(self, result: Any, invocation: Invocation) -> Any:
        return start_wsgi_response(to_response(result), invocation.native[1])


# -- platform half --------------------------------------------------------------------


class ErrorStream:
    """``wsgi.errors``: the instance's standard error (picklable, unlike ``sys.stderr``)."""

    def write(self, text: str) -> int:
        """Write ``text`` to standard error."""
        return sys.stderr.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each line to standard error."""
        sys.stderr.writelines(lines)

    def flush(self) -> None:
        """Flush standard error."""
        sys.stderr.flush()


class StartResponse:
    """FC's ``start_response(status, headers, exc_info=None)``; returns ``write``."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        # FC ignores exc_info: the last call sets the answer.
        self.status, self.headers = status, list(headers)
        return self.chunks.append


def fc_environ(
    request: Request, *, context: Any, handler: str, base: Mapping[str, str]
) -> dict[str, Any]:
    """The environ FC's runtime passes for ``request`` (reference §3.1)."""
    environ: dict[str, Any] = dict(base)
    joined: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        lower = name.lower()
        if lower.startswith("x-fc-") or lower in FORBIDDEN_REQUEST or lower == "content-length":
            continue
        joined.setdefault(lower, []).append(_native(value))
    content_type = ",".join(joined.pop("content-type", []))
    for lower, values in joined.items():
        key = "HTTP_" + lower.upper().replace("-", "_")
        environ[key] = ("; " if lower == "cookie" else ",").join(values)
    environ.setdefault("HTTP_HOST", _native(request.host))
    query = request.query_string
    body = request.body
    environ.update(
        {
            "REQUEST_METHOD": request.method,
            "PATH_INFO": unquote_to_bytes(request.raw_path).decode("latin-1") or "/",
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type or DEFAULT_CONTENT_TYPE,
            "REMOTE_ADDR": request.client_ip or "127.0.0.1",
            "SERVER_NAME": "FCRUNTIME",
            "SERVER_PORT": "9000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_SOFTWARE": "FCRUNTIME/1.0",
            "SCRIPT_NAME": "",
            "HTTP": "on",
            "HTTP_X_FC_FUNCTION_HANDLER": handler,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": ErrorStream(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "fc.request_uri": request.raw_path + (f"?{query}" if query else ""),
            "fc.context": context,
        }
    )
    return environ


def call_wsgi(entry: Any, call: NativeCall) -> Response:
    """Make the WSGI call in the instance and read the answer as FC's runtime does:
    bytes written through ``write()``, then the iterable (``str`` items as UTF-8, a
    bare ``bytes`` result accepted), ``close()`` always called."""
    environ, start_response = call.args
    result = entry(environ, start_response)
    chunks = start_response.chunks
    try:
        if isinstance(result, (bytes, bytearray)):
            chunks.append(bytes(result))
        else:
            for chunk in result:
                chunks.append(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk))
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status = start_response.status
    if status is None:
        raise ResponseFormatError("the WSGI handler returned without calling start_response()")
    try:
        code = int(status.split(None, 1)[0])
    except (ValueError, IndexError):
        raise ResponseFormatError(f"the WSGI handler gave a malformed status {status!r}") from None
    headers = [(str(name), _text(str(value))) for name, value in start_response.headers]
    return Response(code, headers, b"".join(chunks))


def fc_error(status: int, code: str, message: str) -> Response:
    """An error FC's front door answers itself (limits, unknown paths)."""
    from polyfaas.runtime import dump_json

    return Response(
        status,
        [
            ("Content-Type", "application/json"),
            ("X-Fc-Error-Type", "FcCommonError"),
            (REQUEST_ID_HEADER, new_id()),
        ],
        dump_json({"ErrorCode": code, "ErrorMessage": message}),
    )


def _size(pairs: Iterable[tuple[str, str]]) -> int:
    return sum(len(name.encode("utf-8")) + len(value.encode("utf-8")) for name, value in pairs)


def check_request(request: Request) -> Response | None:
    """FC's 400 ``InvalidArgument`` for a request over its limits, else ``None``."""
    size = _size(request.headers.items())
    if size > MAX_HEADERS:
        return fc_error(
            400, "InvalidArgument", f"request headers are {size} bytes; the limit is 8 KB"
        )
    query = request.query_string
    target = len(request.raw_path.encode("utf-8")) + len(query.encode("utf-8"))
    if target > MAX_PATH_AND_QUERY:
        return fc_error(
            400, "InvalidArgument", f"path and query are {target} bytes; the limit is 4 KB"
        )
    if len(request.body) > MAX_BODY:
        return fc_error(
            400, "InvalidArgument", f"request body is {len(request.body)} bytes; the limit is 32 MB"
        )
    return None


def function_response(response: Response, call: NativeCall, platform: AlibabaPlatform) -> Response:
    """A function's HTTP answer as FC's caller receives it: forbidden headers dropped
    (``x-fc-*``, hop-by-hop, ``Content-Length``/``Date``/``Server``, which FC sets
    itself, ``Content-Disposition: attachment``), over 8 KB of headers refused with
    502 ``BadResponse``, FC's own ``Content-Length`` and ``X-Fc-Request-Id`` added."""
    kept = []
    for name, value in response.headers.items():
        lower = name.lower()
        if lower.startswith("x-fc-") or lower in FORBIDDEN_RESPONSE:
            continue
        if lower == "content-disposition" and value.strip().lower().startswith("attachment"):
            continue
        kept.append((name, value.strip()))  # as it reaches the client over HTTP
    size = _size(kept)
    if size > MAX_RESPONSE_HEADERS:
        message = f"response headers are {size} bytes; the limit is 8 KB"
        return platform.error({"errorMessage": message, "errorType": "BadResponse"}, call)
    kept.append(("Content-Length", str(len(response.body))))
    kept.append((REQUEST_ID_HEADER, call.request_id))
    if platform.default_domain:
        kept.append(("Content-Disposition", "attachment"))
    return Response(response.status, kept, response.body)


class AlibabaWSGIPlatform(AlibabaPlatform):
    """Platform half of ``alibaba-wsgi``: imitates FC calling an HTTP function."""

    name = NAME
    facts = attrs.evolve(AlibabaPlatform.facts, losses={})

    @override
    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        """FC's limits on the request; within them, the HTTP invocation itself."""
        return check_request(request) or request

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        from polyfaas._native import NativeCall

        if not isinstance(payload, Request):
            raise EventFormatError(
                "an FC HTTP function takes HTTP requests only; "
                "use provider 'alibaba' for event invocations"
            )
        now = time.time()
        rid = new_id()  # FC 2.0 request ids are UUIDs
        instance = self.environment(config)
        environ = fc_environ(
            payload,
            context=self.context(config, rid),
            handler=config.handler,
            base={**os.environ, **instance},
        )
        return NativeCall(
            args=(environ, StartResponse()),
            environ=instance,
            request_id=rid,
            deadline=now + self._timeout(config),
            payload=payload,
            via=call_wsgi,
        )

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        """The function's answer within FC's limits, or FC's error answer (502)."""
        from polyfaas_alibaba import serialize

        if outcome.error is not None:
            _log_error(call, outcome.error.text)
            return self.error(serialize.error_body(outcome.error), call)
        value = outcome.value
        if not isinstance(value, Response):
            message = f"the WSGI handler's answer is a {type(value).__name__}"
            return self.error({"errorMessage": message, "errorType": "BadResponse"}, call)
        return function_response(value, call, self)

    @override
    def load_failed(self, call: NativeCall, reason: str, error: ErrorInfo) -> Response:
        """FC's answer when the handler cannot load (the context names the handler)."""
        import attrs

        shown = attrs.evolve(call, args=(call.args[0].get("fc.context"),))
        return super().load_failed(shown, reason, error)

    @override
    def timed_out(self, call: NativeCall) -> Response:
        function = fc_context.field(call.args[0].get("fc.context"), "function")
        timeout = fc_context.number(fc_context.field(function, "timeout"))
        return self.error({"errorMessage": f"Function time out after {timeout}s"}, call)


def _log_error(call: NativeCall, text: str) -> None:
    import logging

    logging.getLogger("polyfaas.alibaba").error(
        "%s\nFC Invoke End RequestId: %s, Error: Unhandled function error",
        text.rstrip(),
        call.request_id,
    )


runtime = AlibabaWSGIRuntime()
platform = AlibabaWSGIPlatform()
