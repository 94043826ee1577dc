"""The platform half of the ``yandex`` and ``yandex-gateway`` providers: the router
of ``functions.yandexcloud.net`` (or API Gateway) and the triggers, imitated.

``YandexPlatform.call`` builds the ``event`` and ``context`` the platform would
pass; ``receive`` answers as its router does: the response contract and header
rules, 502 ``ProxyIntegrationError``, 502 with ``X-Function-Error``, 413 over
3.5 MB, 504 on timeout. ``?integration=raw`` passes the body as the event and
returns the output with 200; ``?integration=async`` answers 202. It also offers
the runner's optional hooks (``admit``, ``instance_environ``, ``instance_setup``,
``start_lines``, ``end_lines``, ``load_failed``).

Three objects, one a front door:

- ``platform`` (``yandex``): direct calls to the function's URL, and triggers;
- ``gateway_platform`` (``yandex-gateway``): API Gateway on a greedy ``/{url+}`` route
  with payload format v0.1 (the default). Through the gateway, the path (``url``),
  ``Cookie`` and ``Authorization`` reach the function; ``path`` is the route template
  and ``pathParams``/``params`` hold the greedy parameter ``url`` (the path without
  its leading ``/``), so a decoded request has ``path_params == {"url": ...}``. Which
  headers the gateway strips is undocumented ([unconfirmed]): the emulation drops
  hop-by-hop headers only. It adds the headers of the gateway's WebSocket sample in
  the official TypeScript types (``X-Forwarded-Proto``, ``X-Envoy-Original-Path``,
  ``X-Serverless-Gateway-Id``…). Errors and the response contract are the function's;
- ``gateway_platform_v1``: the same gateway with ``payload_format_version: "1.0"``
  (AWS REST v1-like), as ``gateway_platform`` is under the setting ``payload-version``
  ``1.0`` (``polyfaas run --provider yandex-gateway --payload-version 1.0``), read per
  call from the call's ``FunctionConfig``.

Both runtimes (``polyfaas_yandex.function``) decode what any of them sends.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from polyfaas import Event, EventType, HTTPError, Request, Response
from polyfaas.errors import ResponseFormatError
from polyfaas.platform import (
    ROUTE_SETTING,
    ErrorInfo,
    FunctionConfig,
    GatewaySpec,
    InvocationReport,
    Loss,
    NativeCall,
    Outcome,
    Package,
    PlatformHalf,
    ProviderFacts,
    Setting,
    override,
)
from polyfaas.runtime import new_id, resolve_awaitable, to_response
from polyfaas_yandex.emulated import deploy, router
from polyfaas_yandex.emulated.context import (
    DEFAULT_TIMEOUT,
    make_context,
    resource_id,
    token_of,
)
from polyfaas_yandex.emulated.instance import instance_environ
from polyfaas_yandex.emulated.settings import FUNCTION_SETTINGS, GATEWAY_SETTINGS
from polyfaas_yandex.emulated.trigger_calls import encode_batch

_log = logging.getLogger("polyfaas.yandex")


def call_handler(entry: Any, call: NativeCall) -> Any:
    """How the runtime calls the handler: ``handler(event, context)``, awaited when it
    is an ``async def`` (D-handler: only asyncio is supported)."""
    return resolve_awaitable(entry(*call.args, **call.kwargs))


def raw_event(body: bytes) -> Any:
    """What the runtime passes for a raw body: parsed JSON, else the text as it is
    ([unconfirmed]: ``str`` rather than ``bytes``; not-UTF-8 stays ``bytes``)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than it parses
        pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


def integration(payload: Request | Event) -> str:
    """``"http"``, ``"raw"`` or ``"async"``: how the function is invoked for ``payload``."""
    if isinstance(payload, Event):
        return "raw"
    mode = payload.query.get("integration", "")
    return mode if mode in ("raw", "async") else "http"


class YandexPlatform(PlatformHalf):
    """Platform half: the router of ``functions.yandexcloud.net`` and the triggers."""

    def __init__(self, name: str = "yandex", gateway: str | None = None) -> None:
        self.name = name
        #: API Gateway payload format ("0.1", "1.0"), or ``None`` for direct calls.
        self.gateway = gateway
        direct_losses = {
            Loss.NO_PATH: "a direct call to the function URL carries no path: the router "
            "sends url ''",
            Loss.NO_COOKIE: "the router strips Cookie from a direct call to the function URL "
            "(the platform's invocation docs)",
            Loss.NO_AUTHORIZATION: "the router strips Authorization from a direct call to the "
            "function URL (the platform's invocation docs)",
        }
        self.facts = ProviderFacts(
            default_timeout=DEFAULT_TIMEOUT,
            losses=direct_losses if gateway is None else {},
            unhandled_status=502,
            failure_header="X-Function-Error",
            max_request_body=router.MAX_PAYLOAD,
            too_large_status=413,
            secret_headers=frozenset({"x-yacloud-subjecttoken"}),
            samples_package="polyfaas_yandex",
            # The gateway's front door takes HTTP only; triggers call the function itself.
            http_only=gateway is not None,
            python_runtimes=deploy.PYTHON,
            # Through Object Storage: deploy_files sends a zip over 3.5 MB that way.
            max_package_zip=deploy.MAX_ZIP,
            max_package_unpacked=deploy.MAX_UNPACKED,
        )

    @override
    def settings(self) -> Sequence[Setting]:
        """A private function's access check; the gateway's payload version
        (``emulated.settings``)."""
        return FUNCTION_SETTINGS if self.gateway is None else GATEWAY_SETTINGS

    @override
    def instance_setup(self) -> str | None:
        """The runner sets each instance's logging up as the Python runtime does."""
        return "polyfaas_yandex.emulated.instance:setup_instance"

    @override
    def deploy_files(self, package: Package) -> dict[str, str]:
        """``deploy.sh`` (``yc``), ``main.tf`` (Terraform) and, behind API Gateway,
        ``openapi.yaml`` (``emulated.deploy``)."""
        return deploy.deploy_files(package, gateway=self.gateway)

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        """The native call; ``HTTPError(413)`` when the request is over 3.5 MB."""
        now = time.time()
        timeout = self.timeout(config)
        request_id = new_id()
        context = make_context(
            function_seed=config.name,
            version=config.version,
            request_id=request_id,
            memory_mb=config.memory_mb,
            timeout=timeout,
            token=token_of(config.credentials, now),
            now=now,
        )
        gateway = self.payload_version(config)
        function_id = context.function_name
        event = self.event_for(
            payload,
            request_id=request_id,
            now=now,
            function_id=function_id,
            gateway=gateway,
            route=config.setting(ROUTE_SETTING, router.GREEDY_ROUTE),
        )
        if not self._surely_fits(payload, gateway, function_id):
            refused = self._too_large(event)
            if refused is not None:
                raise HTTPError(413, response=refused)
        return NativeCall(
            args=(event, context),
            environ=instance_environ(config),
            request_id=request_id,
            deadline=now + timeout,
            payload=payload,
            config=config,
            via=call_handler,
        )

    @staticmethod
    def _surely_fits(payload: Request | Event, gateway: str | None, function_id: str) -> bool:
        """Whether the HTTP envelope of ``payload`` is under 3.5 MB whatever its ids
        (``router.http_event_size_bound``): then it needs no JSON size check."""
        if not isinstance(payload, Request) or (gateway is None and integration(payload) != "http"):
            return False
        bound = router.http_event_size_bound(payload, function_id=function_id)
        return bound <= router.MAX_PAYLOAD

    @staticmethod
    def _too_large(event: Any) -> Response | None:
        if router.event_size(event) <= router.MAX_PAYLOAD:
            return None
        message = "request JSON is over the 3.5 MB limit"  # [unconfirmed] the wording
        refused: Response = router.error_body(413, "RequestTooLarge", message)
        return refused

    @override
    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        """What an HTTP request to the function's URL is: a private function's 401/403
        without valid credentials, 413 over 3.5 MB, a raw event for
        ``?integration=raw``, otherwise the HTTP invocation itself."""
        if self.gateway is None and config.setting("private") == "true":
            denied = router.access_denied(request.headers.get("authorization"))
            if denied is not None:
                headers = [*denied.headers.items(), ("X-Request-Id", new_id())]
                return Response(denied.status, headers, denied.body)
        gateway = self.payload_version(config)
        # A request far under the limit is let in without its envelope built and measured.
        function_id = resource_id("d4e", config.name)
        if self._surely_fits(request, gateway, function_id):
            return request
        event = self.event_for(
            request,
            request_id="0" * 36,
            now=time.time(),
            gateway=gateway,
            route=config.setting(ROUTE_SETTING, router.GREEDY_ROUTE),
        )
        refused = self._too_large(event)
        if refused is not None:
            return refused
        if self.gateway is None and integration(request) == "raw":
            return Event(type=EventType.DIRECT, data=event, source="yandex.cloud.functions")
        return request

    @override
    def endpoints(self, config: FunctionConfig, base_url: str) -> list[str]:
        """The function URL; its events as ``yc serverless function invoke`` sends them."""
        if self.gateway is not None:
            return [f"HTTP requests (through API Gateway): {base_url}/"]
        return [
            f"HTTP requests (the function URL): {base_url}/",
            f"events (the body is the event): POST {base_url}/?integration=raw",
        ]

    @override
    def instance_environ(self, config: FunctionConfig) -> dict[str, str]:
        """The variables the runtime sets on every instance (ASSUMPTIONS.md)."""
        return instance_environ(config)

    @override
    def start_lines(self, call: NativeCall) -> list[str]:
        """``START RequestID: … Version: …``, as the platform logs it."""
        version = getattr(call.args[1], "function_version", "") if len(call.args) > 1 else ""
        return [f"START RequestID: {call.request_id} Version: {version}"]

    @override
    def end_lines(self, call: NativeCall, report: InvocationReport) -> list[str]:
        """``END`` and ``REPORT`` (billed in 100 ms steps: [unconfirmed])."""
        billed = max(100, -(-int(report.duration_ms) // 100) * 100)
        line = (
            f"REPORT RequestID: {call.request_id} Duration: {report.duration_ms:.3f} ms "
            f"Billed Duration: {billed} ms Memory Size: {report.memory_mb} MB "
            # A killed instance's peak is unknown (0): the field is left out, not 0 MB.
            + (f"Max Memory Used: {report.max_memory_mb:.0f} MB " if report.max_memory_mb else "")
            + "Queuing Duration: 0.000 ms"
        )
        if report.init_duration_ms is not None:
            line += f" Function Init Duration: {report.init_duration_ms:.3f} ms"
        return [f"END RequestID: {call.request_id}", line]

    @override
    def load_failed(self, call: NativeCall, reason: str, error: ErrorInfo) -> Response:
        """The runtime catches loading errors as it catches call errors (D-err)."""
        return self.function_error(error, call)

    def raw_call(self, body: bytes | str, config: FunctionConfig) -> NativeCall:
        """A ``?integration=raw`` call carrying ``body`` (what ``yc … invoke -d`` does)."""
        request = Request("POST", "/", query="integration=raw", body=body)
        return self.call(request, config)

    def payload_version(self, config: FunctionConfig) -> str | None:
        """The gateway's payload format for ``config`` (its ``payload-version`` setting,
        else this half's own), or ``None`` for a direct call."""
        if self.gateway is None:
            return None
        return config.setting("payload-version") or self.gateway

    def event_for(
        self,
        payload: Request | Event,
        *,
        request_id: str,
        now: float,
        function_id: str = "",
        gateway: str | None = "",
        route: str = router.GREEDY_ROUTE,
    ) -> Any:
        """The ``event`` argument the function receives for ``payload`` (``gateway``: the
        payload format, ``None`` for a direct call; by default this half's own; ``route``:
        the gateway's route template, the emulation's greedy one by default)."""
        gateway = self.gateway if gateway == "" else gateway
        if isinstance(payload, Event):
            if payload.type == EventType.DIRECT:
                data = payload.data
                if data is None:
                    return ""  # an empty raw body, as `yc … invoke` with no data sends
                return raw_event(bytes(data)) if isinstance(data, (bytes, bytearray)) else data
            return encode_batch([payload])
        if gateway is None and integration(payload) != "http":
            return raw_event(payload.body)
        return router.http_event(
            payload,
            request_id=request_id,
            now=now,
            gateway=gateway,
            route=route,
            function_id=function_id,
        )

    @override
    def read_gateway(self, path: Path) -> GatewaySpec:
        """Behind the gateway: its OpenAPI spec (``emulated.gateway_spec``)."""
        if self.gateway is None:
            return super().read_gateway(path)
        from polyfaas_yandex.emulated.gateway_spec import read_spec

        return read_spec(path)

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        """What the caller receives: the function's answer, or the platform's error."""
        if outcome.error is not None:
            _log.error("request %s failed:\n%s", call.request_id, outcome.error.text.rstrip())
            if outcome.error.type == "ResponseFormatError":  # e.g. a header with CR/LF
                return self._tagged(router.malformed(None), call)
            return self.function_error(outcome.error, call)
        # Behind a gateway an HTTP request is always the gateway's; events (triggers,
        # direct invocations) reach the same function the raw way.
        http_via_gateway = self.gateway is not None and isinstance(call.payload, Request)
        mode = "http" if http_via_gateway else integration(call.payload)
        if mode == "async":
            return self._tagged(Response(202), call)
        try:
            size = router.payload_size(outcome.value)
        except (TypeError, ValueError) as exc:
            # The runtime cannot serialise the value: it fails like a raised error.
            return self.function_error(ErrorInfo.from_exception(exc), call)
        if size > router.MAX_PAYLOAD:  # [unconfirmed] the status of an oversize response
            _log.error("request %s: the response is over 3.5 MB", call.request_id)
            return self._tagged(router.malformed("<response over 3.5 MB>"), call)
        if mode == "raw":
            # The output as the Python runtime serialised it, passed "without converting".
            text = json.dumps(outcome.value, ensure_ascii=False)
            try:
                body = text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate ("\ud800" in): escaped, still JSON
                body = json.dumps(outcome.value).encode("ascii")
            return self._tagged(Response(200, [("Content-Type", "application/json")], body), call)
        try:
            response = to_response(router.response_of(outcome.value))  # sendable fields
        except (router.Malformed, ResponseFormatError) as exc:  # ResponseFormatError: CR/LF
            _log.error("request %s: malformed function response: %s", call.request_id, exc)
            response = router.malformed(outcome.value)
        return self._tagged(response, call)

    @override
    def asynchronous(self, request: Request, call: NativeCall) -> Response | None:
        """``?integration=async`` on the function's URL: 202 with an empty body at once;
        the call runs after, fire and forget (no retries: ASSUMPTIONS.md, "Asynchronous
        invocation"). The test kit makes the call before it answers."""
        if self.gateway is None and integration(request) == "async":
            return self._tagged(Response(202), call)
        return None

    @override
    def function_failed(self, response: Response) -> bool:
        """The router marks a function that raised with ``X-Function-Error: true``."""
        return response.headers.get("X-Function-Error") == "true"

    def function_error(self, error: ErrorInfo, call: NativeCall) -> Response:
        """502 with ``X-Function-Error: true`` and ``{errorMessage, errorType, stackTrace}``."""
        trace = [
            f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line}\n'
            for f in error.frames
        ]
        response = router.error_body(502, error.type, error.message, stackTrace=trace)
        return self._tagged(response, call, [("X-Function-Error", "true")])

    @override
    def timed_out(self, call: NativeCall) -> Response:
        """504 ([unconfirmed]: the body's wording)."""
        response = router.error_body(504, "Timeout", "function execution timed out")
        return self._tagged(response, call)

    @override
    def crashed(self, call: NativeCall, detail: str) -> Response:
        """502 with ``X-Function-Error`` ([unconfirmed]: the platform's wording)."""
        response = router.error_body(502, "RuntimeExit", f"function instance exited: {detail}")
        return self._tagged(response, call, [("X-Function-Error", "true")])

    @staticmethod
    def _tagged(
        response: Response, call: NativeCall, extra: list[tuple[str, str]] | None = None
    ) -> Response:
        # [unconfirmed] the router's answer carries the request id, as local's does.
        headers = [*response.headers.items(), *(extra or []), ("X-Request-Id", call.request_id)]
        return Response(response.status, headers, response.body)


#: ``yandex``: the function's URL (direct calls) and the triggers.
platform = YandexPlatform("yandex")
#: ``yandex-gateway``: API Gateway, payload format v0.1 (the default).
gateway_platform = YandexPlatform("yandex-gateway", gateway="0.1")
#: The same gateway with ``payload_format_version: "1.0"`` (AWS REST v1-like) by default;
#: a ``payload-version`` setting still decides.
gateway_platform_v1 = YandexPlatform("yandex-gateway", gateway="1.0")
