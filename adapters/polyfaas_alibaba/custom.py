"""The ``alibaba-custom`` provider's cloud side: the FC custom-runtime server,
``polyfaas serve --provider alibaba-custom TARGET`` (``AlibabaCustomRuntime.serve``).

FC starts a custom runtime's command and talks HTTP to it (ASSUMPTIONS.md §4): every
request carries the common ``x-fc-*`` headers, and ``x-fc-control-path`` (or, from
emulators that send none, the path) says what it is:

- ``/invoke``: an event invocation, ``POST`` with the InvokeFunction payload as body;
  the answer's body is the result (only the body reaches the caller), status 200
  and ``x-fc-status: 200``, or 404 and ``x-fc-status: 404`` with FC's error document
  when the handler raised;
- ``/http-invoke``, or any other path: an HTTP request passed through with its own
  method, path, query, headers and body; the answer goes back to the client;
- ``/initialize`` (``POST``): runs the entry's init hook (``Entry.run_init``);
- ``/pre-stop``, ``/pre-freeze`` (``GET``): the instance is about to stop or freeze;
  ``/pre-stop`` runs the entry's stop work (``Entry.shutdown``: an ASGI app's lifespan
  shutdown), as does the server's own stop (SIGTERM).

Every ``x-fc-*`` header is read into the ``Context`` (empty strings, which FC sends
for whatever is unset, count as absent); ``context.native`` is an FC context object
built from them, whose ``headers`` holds them all. The log lines are FC's own:
``FC Invoke Start RequestId: …`` / ``FC Invoke End RequestId: …`` (``, Error:
Unhandled function error`` on failure), and the same for Initialize, PreStop and
PreFreeze.

The TARGET may be a polyfaas entry or a plain FC handler: ``handler(event: bytes,
context)`` for ``/invoke``, a WSGI application for HTTP.

The server listens on ``0.0.0.0`` and ``FC_CUSTOM_LISTEN_PORT`` (default 9000), as FC
requires, with keep-alive and no idle timeout of its own shorter than FC's 15
minutes. It runs under gunicorn (one process, so an instance's globals are shared
as on FC; threads for concurrent calls) when ``polyfaas[server]`` is installed, and
falls back to werkzeug's server with a warning otherwise; that server answers every
request with ``Connection: close`` (it has no keep-alive), which FC copes with by
opening new connections, at some cost per call.

Assumptions (UNCONFIRMED in the reference, listed in ``ASSUMPTIONS.md``):
``x-fc-control-path`` values ``/pre-stop`` and ``/pre-freeze``; an unknown control
path is an HTTP request; a failed ``/initialize`` answers 404 with ``x-fc-status:
404`` and FC's error document; an HTTP request whose handler raised answers 502
with FC's error document and ``x-fc-status: 404``; ``x-fc-client-ip`` is the
client's address; a path under ``x-fc-base-path`` has it as ``base_path``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from polyfaas import Context, Credentials, Entry, Request, Response
from polyfaas.runtime import (
    ErrorInfo,
    Invocation,
    RuntimeHalf,
    UnknownCallError,
    describe_call,
    iter_chunks,
    native_str,
    new_id,
    override,
    read_wsgi_input,
    request_from_environ,
    start_wsgi_response,
    status_line,
    to_response,
)
from polyfaas_alibaba import context as fc_context
from polyfaas_alibaba import native_context, serialize

NAME = "alibaba-custom"
DEFAULT_PORT = 9000
PORT_ENV = "FC_CUSTOM_LISTEN_PORT"
#: FC closes idle connections after 15 minutes at most; the server waits longer.
KEEPALIVE_S = 1000
THREADS = 8

INVOKE = "/invoke"
HTTP_INVOKE = "/http-invoke"
INITIALIZE = "/initialize"
PRE_STOP = "/pre-stop"
PRE_FREEZE = "/pre-freeze"
HOOK_NAMES = {INITIALIZE: "Initialize", PRE_STOP: "PreStop", PRE_FREEZE: "PreFreeze"}
CONTROL_PATHS = frozenset({INVOKE, HTTP_INVOKE, *HOOK_NAMES})
FAILED_SUFFIX = ", Error: Unhandled function error"

Answer = tuple[int, list[tuple[str, str]], bytes]


def fc_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """Every non-empty ``x-fc-*`` header, by its lower-case name without ``x-fc-``."""
    return {
        key[10:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_X_FC_") and value
    }


class CustomRuntimeContext(native_context.FCContext):
    """The FC context object of a custom-runtime request, built from its headers;
    ``headers`` holds every non-empty ``x-fc-*`` header (``repr`` shows none)."""

    headers: dict[str, str]


def _baggages(value: str) -> dict[str, str]:
    if not value:
        return {}
    try:
        decoded = json.loads(base64.b64decode(value))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in decoded.items()} if isinstance(decoded, dict) else {}


def _number(value: Any) -> int | None:
    """``polyfaas_alibaba.context.number``, without its raised and caught errors for the
    common values: absent, empty, or a few ASCII digits (where ``float`` is exact)."""
    if not value:
        return None if value is None or isinstance(value, str) else fc_context.number(value)
    if type(value) is str and len(value) < 16 and value.isascii() and value.isdigit():
        return int(value)
    return fc_context.number(value)


def _credentials(native: CustomRuntimeContext, environ: Mapping[str, str]) -> Credentials | None:
    """``polyfaas_alibaba.context.credentials_of`` for the object ``context_object`` built."""
    creds = native.credentials
    key_id = creds.access_key_id
    secret = creds.access_key_secret
    token = creds.security_token
    if not key_id:
        get = environ.get
        if get("ALIBABA_CLOUD_ACCESS_KEY_ID"):
            key_id = environ["ALIBABA_CLOUD_ACCESS_KEY_ID"]
            secret = get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
            token = get("ALIBABA_CLOUD_SECURITY_TOKEN", "")
        elif get("accessKeyID"):
            key_id = environ["accessKeyID"]
            secret = get("accessKeySecret", "")
            token = get("securityToken", "")
        else:
            return None
    return Credentials._trusted(  # strings (or None) already: nothing to convert
        access_key_id=key_id, access_key_secret=secret or None, security_token=token or None
    )


def context_object(fc: Mapping[str, str], environ: Mapping[str, str]) -> CustomRuntimeContext:
    """The FC context object the headers describe (variables fill what they lack)."""
    number = _number
    timeout = number(fc.get("function-timeout"))
    context = CustomRuntimeContext(
        account_id=fc.get("account-id") or environ.get("FC_ACCOUNT_ID", ""),
        request_id=fc.get("request-id", ""),
        credentials=native_context.Credentials(
            fc.get("access-key-id", ""),
            fc.get("access-key-secret", ""),
            fc.get("security-token", ""),
        ),
        function_meta=native_context.FunctionMeta(
            fc.get("function-name") or environ.get("FC_FUNCTION_NAME", ""),
            fc.get("function-handler") or environ.get("FC_FUNCTION_HANDLER", ""),
            number(fc.get("function-memory") or environ.get("FC_FUNCTION_MEMORY_SIZE")) or 0,
            timeout if timeout is not None else "",
        ),
        service_meta=native_context.ServiceMeta(
            fc.get("service-name", ""),
            fc.get("service-logproject", ""),
            fc.get("service-logstore", ""),
            fc.get("qualifier", ""),
            fc.get("version-id", ""),
        ),
        region=fc.get("region") or environ.get("FC_REGION", ""),
        tracing=native_context.Tracing(
            fc.get("tracing-opentracing-span-context", ""),
            fc.get("tracing-jaeger-endpoint", ""),
            _baggages(fc.get("tracing-opentracing-span-baggages", "")),
        ),
        retry_count=number(fc.get("retry-count")) or 0,
    )
    context.headers = dict(fc)
    return context


def context_from_headers(
    fc: Mapping[str, str], environ: Mapping[str, str], request_id: str | None = None
) -> Context:
    """The canonical ``Context`` of a request's ``x-fc-*`` headers (``request_id``, or a
    new id, when they carry none).

    The same ``Context`` as ``polyfaas_alibaba.context.to_canonical`` of the
    ``context_object``, read straight from the object this module has just built
    (no look-ups that tolerate other shapes)."""
    native = context_object(fc, environ)
    function = native.function
    service = native.service
    timeout = _number(function.timeout)
    deadline = None
    if timeout is not None and 0 <= timeout <= fc_context.MAX_TIMEOUT_S:
        deadline = time.time() + timeout
    get = environ.get
    version = (
        service.version_id
        or get("FC_FUNCTION_VERSION")
        or get("FC_VER_ID")
        or service.qualifier
        or get("FC_QUALIFIER")
        or ""
    )
    number = _number
    # Every value is of its field's type already: the trusted constructor (an equal
    # Context) skips attrs' generated __init__ (~11k instructions a request).
    return Context._trusted(
        provider=fc_context.PROVIDER,
        request_id=native.request_id or request_id or new_id(),
        function_name=function.name or get("FC_FUNCTION_NAME", ""),
        function_version=version,
        memory_limit_mb=number(function.memory) or number(get("FC_FUNCTION_MEMORY_SIZE")),
        deadline=deadline,
        region=native.region or get("FC_REGION", ""),
        account_id=native.account_id or get("FC_ACCOUNT_ID", ""),
        credentials=_credentials(native, environ),
        native=native,
        logger=native.getLogger(),
    )


class CustomRuntimeApp:
    """The WSGI application FC talks to: routes by control path, runs the TARGET."""

    def __init__(
        self, target: Any, out: Any = None, environ: Mapping[str, str] | None = None
    ) -> None:
        self.target = target
        self.entry = target if isinstance(target, Entry) else None
        self.out = out
        #: The instance's variables the context reads (``FC_REGION``…): ``serve`` passes
        #: a copy taken at start-up (FC sets them before it starts the server, and they
        #: never change under it), which spares every request ~14 ``os.environ`` look-ups;
        #: ``None`` reads ``os.environ`` on each request (the in-process emulation).
        self.environ = environ

    def _variables(self) -> Mapping[str, str]:
        return os.environ if self.environ is None else self.environ

    def line(self, text: str) -> None:
        """One log line on standard output, where FC collects a function's logs."""
        out = self.out if self.out is not None else sys.stdout
        out.write(text + "\n")
        out.flush()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        control = environ.get("HTTP_X_FC_CONTROL_PATH") or ""
        path = environ.get("PATH_INFO") or "/"
        route = control or (path if path in CONTROL_PATHS else HTTP_INVOKE)
        fc_keys = [key for key in environ if key.startswith("HTTP_X_FC_")]
        fc = {}
        for key in fc_keys:
            value = environ[key]
            if value:
                fc[key[10:].lower().replace("_", "-")] = value
        rid = fc.get("request-id") or new_id()
        if route == INVOKE:
            status, headers, body = self.invoke_event(environ, fc, rid)
        elif route in HOOK_NAMES:
            status, headers, body = self.hook(route, environ, fc, rid)
        else:
            return self.http(environ, start_response, fc, rid, fc_keys)
        start_response(status_line(status), [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def shutdown(self) -> None:
        """The instance's stop work (``Entry.shutdown``: an ASGI app's lifespan
        shutdown, once): on ``/pre-stop`` and when the server stops."""
        if self.entry is not None:
            self.entry.shutdown()

    def _failed(self, exc: BaseException) -> bytes:
        error = ErrorInfo.from_exception(exc)
        sys.stderr.write(error.text)
        sys.stderr.flush()
        return serialize.error_bytes(serialize.error_body(error))

    def invoke_event(self, environ: Mapping[str, Any], fc: Mapping[str, str], rid: str) -> Answer:
        """An event invocation: the payload in, the serialised result out."""
        from polyfaas_alibaba.builtin import decode_payload
        from polyfaas_alibaba.http_trigger import result_from_response

        raw = read_wsgi_input(environ)
        self.line(f"FC Invoke Start RequestId: {rid}")
        try:
            context = context_from_headers(fc, self._variables(), rid)
            if self.entry is None:
                value = self.target(raw, context.native)
            else:
                payload = decode_payload(raw, context.request_id)
                value = self.entry.handle(payload, context)
                if isinstance(payload, Request):
                    value = result_from_response(to_response(value))
            body = serialize.serialize_result(value)
        except Exception as exc:
            error = self._failed(exc)
            self.line(f"FC Invoke End RequestId: {rid}{FAILED_SUFFIX}")
            return 404, [("Content-Type", "application/json"), ("x-fc-status", "404")], error
        self.line(f"FC Invoke End RequestId: {rid}")
        return 200, [("Content-Type", "application/octet-stream"), ("x-fc-status", "200")], body

    def hook(
        self, route: str, environ: Mapping[str, Any], fc: Mapping[str, str], rid: str
    ) -> Answer:
        """``/initialize`` runs the init hook, ``/pre-stop`` the entry's stop work
        (``shutdown``); ``/pre-freeze`` only logs."""
        name = HOOK_NAMES[route]
        read_wsgi_input(environ)
        self.line(f"FC {name} Start RequestId: {rid}")
        try:
            if route == INITIALIZE and self.entry is not None:
                self.entry.run_init(context_from_headers(fc, self._variables(), rid))
            elif route == PRE_STOP:
                self.shutdown()
        except Exception as exc:
            error = self._failed(exc)
            self.line(f"FC {name} End RequestId: {rid}{FAILED_SUFFIX}")
            return 404, [("Content-Type", "application/json"), ("x-fc-status", "404")], error
        self.line(f"FC {name} End RequestId: {rid}")
        return 200, [("Content-Type", "text/plain"), ("x-fc-status", "200")], b""

    def http(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        fc: Mapping[str, str],
        rid: str,
        fc_keys: list[str] | None = None,
    ) -> Iterable[bytes]:
        """An HTTP request passed through to the handler or WSGI application."""
        if fc_keys is None:
            fc_keys = [key for key in environ if key.startswith("HTTP_X_FC_")]
        self.line(f"FC Invoke Start RequestId: {rid}")
        context = context_from_headers(fc, self._variables(), rid)
        view = environ
        if fc_keys or self.entry is None:  # the x-fc-* headers are FC's, not the client's
            view = dict(environ)
            for key in fc_keys:
                del view[key]
        if self.entry is None:
            view["fc.context"] = context.native
            view["fc.request_uri"] = environ.get("REQUEST_URI") or environ.get("RAW_URI", "")
            return _Logged(self.target(view, start_response), self, rid)
        try:
            request = request_from_environ(view, native=environ)
            base = (fc.get("base-path") or "").rstrip("/")
            changes: dict[str, Any] = {}
            if fc.get("client-ip"):
                changes["client_ip"] = fc["client-ip"]
            if base and (request.path == base or request.path.startswith(base + "/")):
                changes["base_path"] = base
            if changes:
                import attrs

                request = attrs.evolve(request, **changes)
            response = to_response(self.entry.handle(request, context))
        except Exception as exc:
            error = self._failed(exc)
            self.line(f"FC Invoke End RequestId: {rid}{FAILED_SUFFIX}")
            fields = [("Content-Type", "application/json"), ("x-fc-status", "404")]
            # A whole body, sized: FC's front door takes an unsized one for a stream.
            fields.append(("Content-Length", str(len(error))))
            return start_wsgi_response(Response(502, fields, error), start_response)
        if response.chunks is not None:
            # Streamed: each chunk goes out as it comes (chunked, unless the handler
            # set a Content-Length), FC's end line once the last one has been sent.
            fields = [(name, native_str(value)) for name, value in response.headers.items()]
            start_response(status_line(response.status), [*fields, ("x-fc-status", "200")])
            return _Logged(iter_chunks(response.chunks), self, rid)
        self.line(f"FC Invoke End RequestId: {rid}")
        # ``to_response`` has checked every field already; only the two added are new.
        body = response.body
        fields = [
            (name, native_str(value))
            for name, value in response.headers.items()
            if name.lower() != "content-length"
        ]
        fields += [("Content-Length", str(len(body))), ("x-fc-status", "200")]
        start_response(status_line(response.status), fields)
        return [body] if body else []


class _Logged:
    """A WSGI application's answer, with FC's end line once it has been sent."""

    def __init__(self, result: Iterable[bytes], app: CustomRuntimeApp, rid: str) -> None:
        self.result = result
        self.app = app
        self.rid = rid

    def __iter__(self) -> Any:
        return iter(self.result)

    def close(self) -> None:
        close = getattr(self.result, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self.app.line(f"FC Invoke End RequestId: {self.rid}")


class AlibabaCustomRuntime(RuntimeHalf):
    """Runtime half of ``alibaba-custom``: the server (``serve``); no function call."""

    name = NAME
    cloud = "alibaba"

    # detect: the default (never): FC calls a custom runtime over HTTP only.

    @override
    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        raise UnknownCallError(
            "FC calls a custom runtime over HTTP, not as a function; run the server with "
            "`polyfaas serve --provider alibaba-custom TARGET`. Got " + describe_call(args, kwargs)
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
        """The production server (``polyfaas serve``): ``serve``. FC tells every call
        its timeout (``x-fc-function-timeout``): ``timeout`` is not used."""
        return serve(target, host=host, port=port, grace=grace)


# -- serving ----------------------------------------------------------------------------


def listen_address(host: str | None, port: int | None) -> tuple[str, int]:
    """``--host``/``--port``, else ``0.0.0.0`` and ``FC_CUSTOM_LISTEN_PORT`` (or 9000)."""
    if port is None:
        value = os.environ.get(PORT_ENV, "")
        port = int(value) if value.isdigit() else DEFAULT_PORT
    return host or "0.0.0.0", port


def serve(
    target: str,
    *,
    host: str | None = None,
    port: int | None = None,
    grace: float | None = None,
) -> int:
    """Load ``target`` and serve it as an FC custom runtime until stopped (FC posts
    ``/initialize`` itself, so the port opens before the init)."""
    from polyfaas.runtime import load_target, parse_target, serve_wsgi

    address = listen_address(host, port)
    app = CustomRuntimeApp(load_target(parse_target(target)), environ=dict(os.environ))
    return serve_wsgi(
        app,
        address,
        name=target,
        threads=THREADS,
        keepalive_s=KEEPALIVE_S,
        grace_s=10.0 if grace is None else grace,
        stop=app.shutdown,
    )


runtime = AlibabaCustomRuntime()
