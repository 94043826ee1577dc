"""The ``container`` provider's cloud side: the HTTP server of the Knative Serving
runtime contract, ``polyfaas serve --provider container TARGET``.

Every request reaches the TARGET as the HTTP request it is (an ``http``, ``wsgi`` or
``asgi`` entry; a streamed answer is written chunk by chunk). For an ``event`` entry,
a request in a CloudEvents content mode (``binding``) is an ``Event`` (an
``EventBatch`` when batched): the handler's value is answered as JSON with 200,
``None`` with 202 and no body, a malformed CloudEvent with 400 and a JSON error
naming the attribute; any other request is a direct invocation with its body.

The server listens on ``0.0.0.0`` and ``$PORT`` (default 8080) once the instance's
init (the init hook, an ASGI app's lifespan startup) has run; SIGTERM stops it
accepting, lets the calls in flight finish within the grace period (10 s), runs
the stop work and exits 0 (``polyfaas.runtime.serve_wsgi``). Logs go to standard
output, one JSON object a line (``logs``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from polyfaas import Context, Entry, Event, EventBatch, Headers, Request, Response
from polyfaas.runtime import (
    Invocation,
    ResponseFormatError,
    RuntimeHalf,
    UnknownCallError,
    describe_call,
    dump_json,
    override,
    request_from_environ,
    start_wsgi_response,
)
from polyfaas_container import binding, logs
from polyfaas_container.context import PROVIDER, ContainerInstance, make_context, memory_limit_mb

NAME = PROVIDER
DEFAULT_PORT = 8080
PORT_ENV = "PORT"
GRACE_S = 10.0
#: Longer than the idle timeouts of the proxies in front (Knative's queue-proxy, Cloud
#: Run's front end), so that they, not the server, close an idle connection.
KEEPALIVE_S = 620
THREADS = 8

_log = logging.getLogger("polyfaas.container")


def _json(status: int, value: Any) -> Response:
    return Response(status, [("Content-Type", "application/json")], dump_json(value))


def event_reply(value: Any) -> Response:
    """An event handler's value as the caller gets it: JSON and 200; ``None`` (every
    value ``None``, for a batch) is 202 with no body."""
    if value is None or (isinstance(value, list) and all(item is None for item in value)):
        return Response(202)
    return _json(200, value)


def failure(exc: BaseException, request_id: str) -> Response:
    """The answer of a call whose handler raised: 500 and a JSON error that names the
    exception's type and the request id; its message and traceback go to the log
    only (they may carry what the caller must not see)."""
    kind = type(exc).__name__
    _log.error("the function raised %s", kind, exc_info=exc)
    return _json(500, {"error": "the function failed", "type": kind, "request_id": request_id})


def sized(response: Response) -> Response:
    """A whole body with its ``Content-Length`` (the server would send it chunked,
    which the platform's proxy takes for a stream); a stream as it is."""
    if response.chunks is not None or response.status in (204, 304) or response.status < 200:
        return response  # a stream, or an answer that has no body (RFC 9110 § 8.6)
    fields = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    fields.append(("Content-Length", str(len(response.body))))
    return Response(response.status, fields, response.body)


class ContainerApp:
    """The WSGI application the platform's proxy talks to: runs the TARGET."""

    def __init__(
        self,
        target: Any,
        environ: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> None:
        self.target = target
        self.entry = target if isinstance(target, Entry) else None
        self.timeout = timeout
        self.environ = os.environ if environ is None else environ
        #: The contract's variables and the cgroup limit never change under a
        #: running container: read once.
        self.instance = ContainerInstance.from_environ(self.environ)
        self.memory_mb = memory_limit_mb()

    def start(self) -> None:
        """The instance's init (before the port opens): the init hook, an ASGI app's
        lifespan startup."""
        if self.entry is not None:
            self.entry.run_init(make_context(Headers([]), self.instance, self.memory_mb))

    def shutdown(self) -> None:
        """The instance's stop work (an ASGI app's lifespan shutdown), once."""
        if self.entry is not None:
            self.entry.shutdown()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.entry is None:  # a bare WSGI application: the request as it came
            result: Iterable[bytes] = self.target(environ, start_response)
            return result
        try:
            request = request_from_environ(environ)
        except Exception as exc:
            return start_wsgi_response(_json(400, {"error": str(exc)}), start_response)
        context = make_context(request.headers, self.instance, self.memory_mb, self.timeout)
        token = logs.current_request_id.set(context.request_id)
        try:
            response = sized(self.answer(request, context))
            try:
                return start_wsgi_response(response, start_response)
            except ResponseFormatError as exc:  # a header no server may send (CR/LF)
                return start_wsgi_response(failure(exc, context.request_id), start_response)
        finally:
            logs.current_request_id.reset(token)

    def answer(self, request: Request, context: Context) -> Response:
        """The response to one request."""
        assert self.entry is not None
        payload: Request | Event | EventBatch = request
        if self.entry.kind == "event" and binding.content_mode(request.headers) is not None:
            try:
                payload = binding.decode(request.headers, request.body)
            except binding.MalformedCloudEvent as exc:
                return _json(400, {"error": str(exc), "attribute": exc.attribute})
        try:
            value = self.entry.handle(payload, context)  # a Response for a Request
        except Exception as exc:
            return failure(exc, context.request_id)
        return value if isinstance(payload, Request) else event_reply(value)


class ContainerRuntime(RuntimeHalf):
    """Runtime half of ``container``: the server (``serve``); no function call."""

    name = NAME
    cloud = PROVIDER
    streams = True

    # detect: the default (never): a container is called over HTTP only.

    @override
    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        raise UnknownCallError(
            "a container is called over HTTP, not as a function; run the server with "
            "`polyfaas serve --provider container TARGET`. Got " + describe_call(args, kwargs)
        )

    @override
    def serve(
        self,
        target: str,
        *,
        host: str | None = None,
        port: int | None = None,
        timeout: float | None = None,
        grace: float | None = None,
    ) -> int:
        """The production server (``polyfaas serve``): ``serve``."""
        return serve(target, host=host, port=port, timeout=timeout, grace=grace)


def listen_address(host: str | None, port: int | None) -> tuple[str, int]:
    """``--host``/``--port``, else ``$HOST`` (``0.0.0.0``) and ``$PORT`` (8080)."""
    if port is None:
        value = os.environ.get(PORT_ENV, "")
        port = int(value) if value.isdigit() else DEFAULT_PORT
    return host or os.environ.get("HOST") or "0.0.0.0", port


def serve(
    target: str,
    *,
    host: str | None = None,
    port: int | None = None,
    timeout: float | None = None,
    grace: float | None = None,
) -> int:
    """Load ``target``, run its init, then serve it on the port until SIGTERM."""
    from polyfaas.runtime import load_target, parse_target, serve_wsgi

    address = listen_address(host, port)
    logs.configure()
    app = ContainerApp(load_target(parse_target(target)), dict(os.environ), timeout)
    return serve_wsgi(
        app,
        address,
        name=target,
        threads=THREADS,
        keepalive_s=KEEPALIVE_S,
        grace_s=GRACE_S if grace is None else grace,
        start=app.start,
        stop=app.shutdown,
    )


runtime = ContainerRuntime()
