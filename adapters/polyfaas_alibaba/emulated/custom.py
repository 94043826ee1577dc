"""The ``alibaba-custom`` provider's emulated side: FC in front of a custom runtime (or
custom container), an HTTP server FC starts and talks to on ``FC_CUSTOM_LISTEN_PORT``
(ASSUMPTIONS.md §4). The server itself is ``custom``.

The platform half (the runner and the test client) starts the function's server as
FC would (``python -m polyfaas serve …`` for a Python TARGET, or the command given
with ``--bootstrap``) with ``FC_CUSTOM_LISTEN_PORT`` set to a free port, waits up
to 120 s for it to listen, posts ``/initialize`` once when the function has an
initializer (``--initializer``; ``/pre-freeze`` after each call and ``/pre-stop``
before it stops likewise, ``emulated.lifecycle``), and forwards requests with
the common ``x-fc-*`` headers: HTTP requests with ``x-fc-control-path:
/http-invoke``, event invocations — ``POST /2023-03-30/functions/{name}/invocations``
at the front door — with ``x-fc-control-path: /invoke`` and the body passed
through. Only the body of an ``/invoke`` answer reaches the caller;
``x-fc-status: 404`` becomes FC's unhandled-error answer. The server stops with
the runner (after ``/pre-stop``; ``emulated.custom_pool``). In this process (the
test kit) the same requests go to the server's WSGI application directly.

Assumptions where the reference says UNCONFIRMED (also in ``ASSUMPTIONS.md``): the
caller of a failed ``/invoke`` gets 200, ``X-Fc-Error-Type:
UnhandledInvocationError`` and the server's body; a failed HTTP answer keeps the
server's status and gets the same header; a failed ``/initialize`` answers the
invocation that started the instance with FC's ``InitializationError`` and the next
one starts a new instance; a timeout stops the instance;
every common header is sent, empty when unset, as observed on FC 3.0; the FC 2.0
InvokeFunction path ``/2016-08-15/services/{service}/functions/{name}/invocations``
is accepted too; asynchronous invocations and the memory limit are not emulated.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attrs

from polyfaas import Event, Request, Response
from polyfaas.errors import ResponseFormatError
from polyfaas.platform import (
    ErrorInfo,
    FunctionConfig,
    NativeCall,
    Outcome,
    Package,
    PackageFile,
    override,
)
from polyfaas.runtime import to_response
from polyfaas_alibaba import serialize
from polyfaas_alibaba.builtin import request_id
from polyfaas_alibaba.custom import NAME
from polyfaas_alibaba.emulated import deploy, fc_base
from polyfaas_alibaba.emulated.custom_pool import ServerPool, ServerRequest, ServerResponse
from polyfaas_alibaba.emulated.fc_base import REQUEST_ID_HEADER, FCPlatform
from polyfaas_alibaba.emulated.front_door import FCAsync
from polyfaas_alibaba.emulated.lifecycle import InitializationFailure

if TYPE_CHECKING:
    from polyfaas.runtime import Target

#: ``NativeCall.payload`` types of the lifecycle hooks (FC's ``x-fc-function-type``).
HOOKS = {
    "initializer": "acs:fc:initializer",
    "pre-stop": "acs:fc:prestop",
    "pre-freeze": "acs:fc:prefreeze",
}
_HOOK_PATHS = {
    HOOKS["initializer"]: "/initialize",
    HOOKS["pre-stop"]: "/pre-stop",
    HOOKS["pre-freeze"]: "/pre-freeze",
}
#: Request headers FC sets itself (a client's own are dropped); ``Expect`` is answered
#: by the front door (``100-continue``) and never reaches the server, which would
#: refuse any other expectation with 417.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "content-length", "transfer-encoding", "expect"}
)
#: Bytes a request target cannot carry on the wire: controls, space, DEL, non-ASCII.
_UNSAFE_IN_TARGET = re.compile(r"[^\x21-\x7e]+")


def wire_target(target: str) -> str:
    """``target`` as FC's front door passes it on: what cannot appear in a request
    line percent-encoded (UTF-8), everything else, ``%`` escapes included, unchanged."""
    return _UNSAFE_IN_TARGET.sub(
        lambda found: quote(found.group().encode("utf-8", "surrogateescape"), safe=""), target
    )


def forwarded_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """A client's headers as FC forwards them: none it sets itself, and repeated
    ``Cookie`` headers as one, joined with ``; `` (a server would join them with ``,``,
    which splits no cookie)."""
    forwarded: list[tuple[str, str]] = []
    cookies: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower.startswith("x-fc-") or lower in _HOP_BY_HOP:
            continue
        if lower == "cookie":
            if not cookies:
                forwarded.append((name, ""))  # keeps the first one's place
            cookies.append(value)
            continue
        forwarded.append((name, value))
    if cookies:
        forwarded = [
            (n, "; ".join(cookies)) if n.lower() == "cookie" else (n, v) for n, v in forwarded
        ]
    return forwarded


def common_headers(
    config: FunctionConfig, rid: str, control: str, *, timeout: float, region: str, account: str
) -> list[tuple[str, str]]:
    """FC's common request headers (ASSUMPTIONS.md §4), empty strings where unset."""
    from polyfaas_alibaba.emulated.lifecycle import hook_timeout

    creds = config.credentials
    version = config.version or "LATEST"
    initializer = config.setting("initializer")
    init_timeout = f"{hook_timeout(config, 'initializer'):g}" if initializer else ""
    return [
        ("x-fc-request-id", rid),
        ("x-fc-access-key-id", (creds.access_key_id or "") if creds else ""),
        ("x-fc-access-key-secret", (creds.access_key_secret or "") if creds else ""),
        ("x-fc-security-token", (creds.security_token or "") if creds else ""),
        ("x-fc-function-handler", config.handler),
        ("x-fc-function-memory", str(config.memory_mb)),
        ("x-fc-function-timeout", str(int(timeout))),
        ("x-fc-function-initializer", initializer),
        ("x-fc-initialization-timeout", init_timeout),
        ("x-fc-instance-lifecycle-pre-stop-handler", config.setting("pre-stop")),
        ("x-fc-instance-lifecycle-pre-freeze-handler", config.setting("pre-freeze")),
        ("x-fc-region", region),
        ("x-fc-account-id", account),
        ("x-fc-qualifier", "LATEST"),
        ("x-fc-version-id", version),
        ("x-fc-function-name", config.name),
        ("x-fc-service-name", ""),
        ("x-fc-service-logproject", ""),
        ("x-fc-service-logstore", ""),
        ("x-fc-retry-count", "0"),
        ("x-fc-base-path", ""),
        ("x-fc-tracing-opentracing-span-context", ""),
        ("x-fc-tracing-opentracing-span-baggages", ""),
        ("x-fc-tracing-jaeger-endpoint", ""),
        ("x-fc-control-path", control),
    ]


def _hook_request(request: ServerRequest, control: str) -> ServerRequest:
    """The request FC sends into the hook at ``control``, built from a call's."""
    return attrs.evolve(
        request,
        method="POST" if control == "/initialize" else "GET",
        target=control,
        headers=tuple(
            (k, {"x-fc-control-path": control, "x-fc-request-id": request_id()}.get(k, v))
            for k, v in request.headers
            if k.lower().startswith("x-fc-")
        ),
        body=b"",
    )


def serve_in_process(entry: Any, call: NativeCall) -> ServerResponse | InitializationFailure:
    """Send the call's request to the server's WSGI application in this process
    (posting ``/initialize`` first, once per entry, when the function has an
    initializer; ``/pre-freeze`` after it when it has that hook)."""
    from polyfaas_alibaba.custom import CustomRuntimeApp

    request: ServerRequest = call.args[0]
    app = _apps.get(id(entry))
    if app is None or app.target is not entry:
        app = _apps[id(entry)] = CustomRuntimeApp(entry)
        if call.config.setting("initializer"):
            answer = _serve(app, _hook_request(request, "/initialize"))
            failed = (answer.header("x-fc-status") or "").strip() == "404"
            if failed or not 200 <= answer.status < 300:
                del _apps[id(entry)]
                return InitializationFailure(answer.body)
    answer = _serve(app, request)
    if call.config.setting("pre-freeze"):
        _serve(app, _hook_request(request, "/pre-freeze"))
    return answer


def _serve(app: Any, request: ServerRequest) -> ServerResponse:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    path, _, query = request.target.partition("?")
    builder = EnvironBuilder(
        path=path,
        method=request.method,
        headers=list(request.headers),
        data=request.body,
        query_string=query,
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return ServerResponse(int(status.split()[0]), tuple(headers.items()), data)


_apps: dict[int, Any] = {}


class AlibabaCustomPlatform(FCAsync, FCPlatform):
    """Platform half of ``alibaba-custom``: imitates FC in front of a custom runtime.

    It writes no log lines of its own: a custom runtime's server writes FC's."""

    name = NAME
    # The instance is an HTTP server the front door passes answers through, as they come.
    facts = attrs.evolve(
        fc_base.FACTS,
        runs_server=True,
        streams=True,
        python_runtimes={python: pair[0] for python, pair in deploy.CUSTOM_PYTHON.items()},
    )

    def hook_call(self, hook: str, config: FunctionConfig) -> NativeCall:
        """The request FC sends into a lifecycle hook: ``initializer`` (``/initialize``),
        ``pre-stop`` or ``pre-freeze``."""
        try:
            kind = HOOKS[hook]
        except KeyError:
            raise ValueError(f"FC has no {hook!r} hook; it has {', '.join(HOOKS)}") from None
        return self.call(Event(type=kind, source="acs:fc"), config)

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        now = time.time()
        rid = request_id(now)
        timeout = self.timeout(config)
        account = fc_base.account_of(config)
        region = fc_base.region_of(config)
        if isinstance(payload, Request):
            control = "/http-invoke"
            client = forwarded_headers(payload.headers.items())
            if payload.client_ip:
                client.append(("x-fc-client-ip", payload.client_ip))
            query = payload.query_string
            target = wire_target(payload.raw_path + (f"?{query}" if query else ""))
            method, body = payload.method, payload.body
        elif payload.type in HOOKS.values():
            control = _HOOK_PATHS[payload.type]
            method = "POST" if control == "/initialize" else "GET"
            target, body, client = control, b"", []
        else:
            control, method, target = "/invoke", "POST", "/invoke"
            from polyfaas_alibaba.emulated.native_events import event_payload

            body = event_payload(payload, account_id=account, region=region)
            client = [("Content-Type", "application/octet-stream")]
        headers = [
            *client,
            *common_headers(config, rid, control, timeout=timeout, region=region, account=account),
        ]
        return NativeCall(
            args=(ServerRequest(method, target, tuple(headers), body),),
            environ=self.environment(config),
            request_id=rid,
            deadline=now + timeout,
            payload=payload,
            config=config,
            via=serve_in_process,
        )

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        """Only the body of an event invocation; an HTTP answer within FC's limits;
        ``x-fc-status: 404`` as FC's unhandled error; a failed ``/initialize`` as FC's
        ``InitializationError``."""
        from polyfaas_alibaba.emulated.front_door import function_response
        from polyfaas_alibaba.emulated.lifecycle import initialization_failed

        if isinstance(outcome.value, InitializationFailure):
            return initialization_failed(outcome.value, call)
        if outcome.error is not None:
            if outcome.error.type == fc_base.RESPONSE_FORMAT_ERROR:
                return fc_base.bad_response(outcome.error.message, call)
            return fc_base.error_answer(serialize.error_body(outcome.error), call)
        answer = outcome.value
        if not isinstance(answer, ServerResponse):
            message = f"the custom runtime's answer is a {type(answer).__name__}"
            return fc_base.error_answer({"errorMessage": message, "errorType": "BadResponse"}, call)
        failed = (answer.header("x-fc-status") or "").strip() == "404"
        if isinstance(call.payload, Request):
            try:
                sent = to_response(Response(answer.status, list(answer.headers), answer.body))
            except ResponseFormatError as exc:  # a header name that is not a token
                return fc_base.bad_response(str(exc), call)
            response = function_response(
                sent, call, default_domain=self.on_default_domain(call.config)
            )
            if failed:
                headers = [
                    *response.headers.items(),
                    (serialize.ERROR_TYPE_HEADER, serialize.UNHANDLED),
                ]
                body = response.body if response.chunks is None else response.chunks
                return Response(response.status, headers, body)
            return response
        if failed:
            return Response(
                200,
                [
                    ("Content-Type", "application/json"),
                    (serialize.ERROR_TYPE_HEADER, serialize.UNHANDLED),
                    (REQUEST_ID_HEADER, call.request_id),
                ],
                answer.body,
            )
        return Response(
            200,
            [("Content-Type", "application/octet-stream"), (REQUEST_ID_HEADER, call.request_id)],
            answer.body,
        )

    @override
    def timed_out(self, call: NativeCall) -> Response:
        request: ServerRequest = call.args[0]
        timeout = next((v for k, v in request.headers if k == "x-fc-function-timeout"), "")
        return fc_base.error_answer({"errorMessage": f"Function time out after {timeout}s"}, call)

    @override
    def load_failed(self, call: NativeCall, reason: str, error: ErrorInfo) -> Response:
        """The server did not start (or not in time): FC's error answer."""
        return fc_base.error_answer({"errorMessage": error.message, "errorType": error.type}, call)

    @override
    def make_pool(
        self,
        target: Target,
        environ: Mapping[str, str],
        config: FunctionConfig,
        *,
        size: int = 1,
        concurrency: int = 1,
    ) -> ServerPool:
        """The function's own server, started as FC starts a custom runtime."""
        return ServerPool(
            server_command(target, config),
            target,
            {**environ, **self.environment(config)},
            config,
            hook_request=lambda hook: self.hook_call(hook, config).args[0],
        )

    @override
    def crashed(self, call: NativeCall, detail: str) -> Response:
        return fc_base.crash_answer(call, detail)

    @override
    def endpoints(self, config: FunctionConfig, base_url: str) -> list[str]:
        """FC's InvokeFunction URL for the function's events; the HTTP trigger."""
        from polyfaas_alibaba.emulated import front_door

        return front_door.endpoints(config, base_url, default_domain=self.on_default_domain(config))

    @override
    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        """InvokeFunction's path is an event invocation of this function; any other
        request is an HTTP request, within FC's limits."""
        from polyfaas_alibaba.emulated.front_door import admit_invocation, check_request

        return admit_invocation(request, config) or check_request(request) or request

    @override
    def instance_environ(self, config: FunctionConfig) -> dict[str, str]:
        """The variables every instance starts with."""
        return self.environment(config)

    # -- deployment packages ----------------------------------------------------------

    @override
    def package_requirements(self) -> tuple[str, ...]:
        """gunicorn: ``polyfaas serve`` runs under it, with the keep-alive FC needs
        (werkzeug's fallback closes every connection)."""
        return ("gunicorn>=21",)

    @override
    def package_files(self, target: Target, python: str) -> Mapping[str, PackageFile]:
        """``bootstrap``, FC's default start command (``emulated.deploy``)."""
        return deploy.custom_files(target, python)

    @override
    def deploy_files(self, package: Package) -> dict[str, str]:
        """The ``fc3`` component's ``s.yaml`` with ``customRuntimeConfig``."""
        return {"s.yaml": deploy.fc3_yaml(package, custom=True)}


def server_command(target: Target, config: FunctionConfig) -> list[str]:
    """``--bootstrap``'s command, else ``polyfaas serve`` for the Python TARGET."""
    import shlex
    import sys

    if config.bootstrap:
        return shlex.split(config.bootstrap)
    spec = (
        f"{target.file}:{target.attribute}"
        if target.file
        else f"{target.module}:{target.attribute}"
    )
    return [
        sys.executable,
        "-m",
        "polyfaas",
        "serve",
        "--provider",
        NAME,
        "--host",
        "127.0.0.1",
        spec,
    ]


platform = AlibabaCustomPlatform(default_domain=True)  # fcapp.run unless --custom-domain
