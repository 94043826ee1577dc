"""The platform half of ``aws-gateway``, ``aws-http`` and ``aws-alb``: the front door
(API Gateway's REST or HTTP API, or the load balancer) and Lambda behind it, imitated.

``AwsHttpPlatform.call`` builds the event the front door builds and the context
Lambda passes; ``receive`` turns the function's answer into HTTP as the front door
does: a malformed answer and a raising handler are API Gateway's 502
``{"message": "Internal server error"}`` (REST), 500 ``{"message": "Internal Server
Error"}`` (HTTP API), the load balancer's 502 page. Limits: the front door's request
(10 MB through API Gateway, 1 MB through the load balancer) answered before the
function runs, and Lambda's 6 MB synchronous payload, each way. Log lines: ``START``,
``END`` and ``REPORT`` as Lambda writes them. Sources: ``ASSUMPTIONS.md``.

Settings (``polyfaas run --provider aws-gateway --stage v1``): ``stage`` and
``binary-media-types`` of a REST API; ``multi-value-headers`` of a target group.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from polyfaas import Event, HTTPError, Request, Response
from polyfaas.errors import ResponseFormatError
from polyfaas.platform import (
    ErrorInfo,
    FunctionConfig,
    InvocationReport,
    NativeCall,
    Outcome,
    Package,
    PlatformHalf,
    ProviderFacts,
    Setting,
    load_samples,
    override,
)
from polyfaas.runtime import dump_json, new_id, to_response
from polyfaas_aws.emulated import front_door, sam
from polyfaas_aws.emulated.context import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    DEFAULT_TIMEOUT,
    LambdaContext,
    instance_environ,
    log_stream,
)

_log = logging.getLogger("polyfaas.aws")

#: Lambda's synchronous invocation payload limit, the request's and the response's.
MAX_PAYLOAD = 6 * 1024 * 1024
#: API Gateway's request payload limit (REST and HTTP APIs).
GATEWAY_MAX_REQUEST = 10 * 1024 * 1024
#: The load balancer's limit on a request body to a Lambda target, and on its answer.
ALB_MAX = 1024 * 1024

STAGE = Setting("stage", "the REST API's stage name (in requestContext and its path)")
BINARY_MEDIA_TYPES = Setting(
    "binary-media-types",
    "the REST API's binary media types, comma-separated (default */*: every body base64)",
    metavar="TYPES",
)
MULTI_VALUE = Setting(
    "multi-value-headers",
    "the target group's lambda.multi_value_headers.enabled attribute (default on here: "
    "off, the load balancer keeps only the last of repeated headers and query values)",
    choices=("on", "off"),
)

_ALB_PAGE = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>"
    "\r\n</body>\r\n</html>\r\n"
)


def _json_message(status: int, message: str, extra: Sequence[tuple[str, str]] = ()) -> Response:
    body = json.dumps({"message": message}).encode()
    return Response(status, [("Content-Type", "application/json"), *extra], body)


class AwsHttpPlatform(PlatformHalf):
    """Platform half: one of the three front doors, and Lambda behind it."""

    def __init__(self, name: str, door: str) -> None:
        self.name = name
        #: ``"rest"``, ``"http"`` or ``"alb"``.
        self.door = door
        limit = ALB_MAX if door == "alb" else GATEWAY_MAX_REQUEST
        self.facts = ProviderFacts(
            default_timeout=DEFAULT_TIMEOUT,
            unhandled_status=500 if door == "http" else 502,
            max_request_body=limit,
            too_large_status=413,
            secret_headers=frozenset({"x-amz-security-token"}),
            samples_package="polyfaas_aws",
            http_only=True,
        )

    @property
    def facts(self) -> ProviderFacts:
        return self._facts

    @facts.setter
    def facts(self, facts: ProviderFacts) -> None:
        # Every Lambda surface deploys the same code package: facts set without
        # package facts (aws's own, in invoke.py) get Lambda's.
        if not facts.python_runtimes:
            facts = attrs.evolve(facts, python_runtimes=sam.PYTHON)
        if facts.max_package_unpacked is None:
            facts = attrs.evolve(facts, max_package_unpacked=sam.MAX_UNPACKED)
        self._facts = facts

    @override
    def deploy_files(self, package: Package) -> dict[str, str]:
        """``template.yaml``, AWS SAM's: the function and the front door before it
        (``emulated.sam``); ``aws``, invoked directly, has none."""
        return sam.deploy_files(package, self.door if self.facts.http_only else None)

    @override
    def settings(self) -> Sequence[Setting]:
        if self.door == "rest":
            return (STAGE, BINARY_MEDIA_TYPES)
        if self.door == "alb":
            return (MULTI_VALUE,)
        return ()

    def stage(self, config: FunctionConfig) -> str:
        return config.setting("stage") or "prod"

    @staticmethod
    def binary_media_types(config: FunctionConfig) -> list[str]:
        return [t for t in (config.setting("binary-media-types") or "*/*").split(",") if t]

    @staticmethod
    def multi_value(config: FunctionConfig) -> bool:
        return config.setting("multi-value-headers") != "off"

    @override
    def instance_environ(self, config: FunctionConfig) -> dict[str, str]:
        return instance_environ(config)

    @override
    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        """The front door's own answers: a request over its limit (413); on a REST
        API, a path under the stage (``/prod/x``, as on the API's own domain) reaches
        the function as ``/x``."""
        if len(request.body) > (self.facts.max_request_body or 0):
            return self.too_large()
        if len(request.body) > MAX_PAYLOAD // 2:  # near Lambda's limit: measure the event
            event = self.event_for(request, config, request_id=new_id(), now=time.time())
            if len(json.dumps(event)) > MAX_PAYLOAD:
                return self.payload_too_large()
        if self.door == "rest":
            prefix = f"/{self.stage(config)}"
            if request.raw_path == prefix or request.raw_path.startswith(prefix + "/"):
                raw = request.raw_path[len(prefix) :] or "/"
                from polyfaas.runtime import decode_path

                return attrs.evolve(request, raw_path=raw, path=decode_path(raw))
        return request

    def too_large(self) -> Response:
        if self.door == "alb":
            return self.alb_page(413, "413 Request Entity Too Large")
        if self.door == "rest":
            return _json_message(413, "Request Too Long")
        return _json_message(413, "Request Entity Too Large")

    def payload_too_large(self) -> Response:
        """The event is over Lambda's 6 MB: the invocation fails before the function
        runs (Lambda's RequestEntityTooLargeException message; [unconfirmed] how each
        front door words it)."""
        if self.door == "alb":
            return self.alb_page(413, "413 Request Entity Too Large")
        message = (
            f"Request must be smaller than {MAX_PAYLOAD} bytes for the InvokeFunction operation"
        )
        return _json_message(413, message)

    @staticmethod
    def alb_page(status: int, title: str) -> Response:
        return Response(status, [("Content-Type", "text/html")], _ALB_PAGE.format(title))

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        now = time.time()
        request_id = new_id()
        deadline = now + self.timeout(config)
        context = LambdaContext(
            request_id=request_id,
            config=config,
            deadline=deadline,
            stream=log_stream(config, now),
        )
        event = self.event_for(payload, config, request_id=request_id, now=now)
        # Only a body near the limit can make the event too large for Lambda.
        near = isinstance(payload, Request) and len(payload.body) > MAX_PAYLOAD // 2
        if near and len(json.dumps(event)) > MAX_PAYLOAD:
            raise HTTPError(413, response=self.payload_too_large())
        return NativeCall(
            args=(event, context),
            environ=instance_environ(config),
            request_id=request_id,
            deadline=deadline,
            payload=payload,
            config=config,
        )

    def event_for(
        self, payload: Request | Event, config: FunctionConfig, *, request_id: str, now: float
    ) -> Any:
        """The ``event`` the front door passes for ``payload``: an ``Event`` of a trigger's
        type as that trigger sends it (``trigger_calls``), any other ``Event``'s data as
        it is (a direct invocation)."""
        if isinstance(payload, Event):
            from polyfaas_aws.emulated import trigger_calls

            if payload.type in trigger_calls.TRIGGER_TYPES:
                return trigger_calls.trigger_event(payload, config)
            data = payload.data
            if isinstance(data, (bytes, bytearray)):
                try:
                    return json.loads(data)
                except ValueError:
                    return bytes(data).decode("utf-8", errors="replace")
            return data
        region = config.region or DEFAULT_REGION
        account = config.account_id or DEFAULT_ACCOUNT
        if self.door == "rest":
            return front_door.rest_event(
                payload,
                request_id=request_id,
                now=now,
                stage=self.stage(config),
                binary_media_types=self.binary_media_types(config),
                region=region,
                account_id=account,
                function_name=config.name,
            )
        if self.door == "http":
            return front_door.http_event(
                payload,
                request_id=request_id,
                now=now,
                region=region,
                account_id=account,
                function_name=config.name,
            )
        target_group = (
            f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/"
            f"{config.name[:32]}/{front_door.api_id(config.name, 16)}"
        )
        return front_door.alb_event(
            payload, multi_value_headers=self.multi_value(config), target_group=target_group
        )

    def failed(self, call: NativeCall) -> Response:
        """The front door's answer when the function failed or answered malformed."""
        if self.door == "alb":
            return self.alb_page(502, "502 Bad Gateway")
        if self.door == "http":
            return self._tagged(_json_message(500, "Internal Server Error"), call)
        extra = [("x-amzn-ErrorType", "InternalServerErrorException")]
        return self._tagged(_json_message(502, "Internal server error", extra), call)

    def _tagged(self, response: Response, call: NativeCall) -> Response:
        # API Gateway names the request in x-amzn-RequestId (REST) / apigw-requestid.
        name = "x-amzn-RequestId" if self.door == "rest" else "apigw-requestid"
        headers = [*response.headers.items(), (name, call.request_id)]
        return Response(response.status, headers, response.body)

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        if outcome.error is not None:
            _log.error("request %s failed:\n%s", call.request_id, outcome.error.text.rstrip())
            return self.failed(call)
        value = outcome.value
        if isinstance(call.payload, Event):
            return Response(200, [("Content-Type", "application/json")], dump_json(value))
        try:
            size = len(json.dumps(value).encode())
        except (TypeError, ValueError) as exc:
            _log.error("request %s: the answer is not JSON: %s", call.request_id, exc)
            return self.failed(call)
        limit = ALB_MAX if self.door == "alb" else MAX_PAYLOAD
        if size > limit:
            _log.error("request %s: the answer is over %d bytes", call.request_id, limit)
            return self.failed(call)
        request = call.payload
        try:
            if self.door == "rest":
                media = self.binary_media_types(call.config)
                response = front_door.rest_response(value, request, media)
            elif self.door == "http":
                response = front_door.http_response(value)
            else:
                response = front_door.alb_response(value, self.multi_value(call.config))
            response = to_response(response)
        except (front_door.Malformed, ResponseFormatError) as exc:
            _log.error("request %s: malformed Lambda proxy response: %s", call.request_id, exc)
            return self.failed(call)
        return response if self.door == "alb" else self._tagged(response, call)

    @override
    def function_failed(self, response: Response) -> bool:
        return response.status in (500, 502) and (
            b"nternal server error" in response.body.lower() or b"Bad Gateway" in response.body
        )

    @override
    def load_failed(self, call: NativeCall, reason: str, error: ErrorInfo) -> Response:
        """An import error fails the call as a raised one does (Runtime.ImportModuleError)."""
        _log.error("request %s: the handler cannot load: %s", call.request_id, reason)
        return self.failed(call)

    @override
    def crashed(self, call: NativeCall, detail: str) -> Response:
        _log.error("request %s: the runtime exited: %s", call.request_id, detail)
        return self.failed(call)

    @override
    def timed_out(self, call: NativeCall) -> Response:
        """API Gateway's 504 (REST: ``Endpoint request timed out``), the load balancer's."""
        if self.door == "alb":
            return self.alb_page(502, "502 Bad Gateway")
        if self.door == "http":
            return self._tagged(_json_message(503, "Service Unavailable"), call)
        return self._tagged(_json_message(504, "Endpoint request timed out"), call)

    @override
    def start_lines(self, call: NativeCall) -> list[str]:
        version = getattr(call.args[1], "function_version", "$LATEST")
        return [f"START RequestId: {call.request_id} Version: {version}"]

    @override
    def end_lines(self, call: NativeCall, report: InvocationReport) -> list[str]:
        """``END`` and the tab-separated ``REPORT`` (billed by the millisecond)."""
        billed = max(1, math.ceil(report.duration_ms))
        fields = [
            f"REPORT RequestId: {call.request_id}",
            f"Duration: {report.duration_ms:.2f} ms",
            f"Billed Duration: {billed} ms",
            f"Memory Size: {report.memory_mb} MB",
        ]
        if report.max_memory_mb:
            fields.append(f"Max Memory Used: {report.max_memory_mb:.0f} MB")
        if report.init_duration_ms is not None:
            fields.append(f"Init Duration: {report.init_duration_ms:.2f} ms")
        return [f"END RequestId: {call.request_id}", "\t".join(fields) + "\t"]

    @override
    def samples(self) -> Mapping[str, Any]:
        """The HTTP envelope samples of the folder (the others are ``aws``'s: direct
        payloads and triggers)."""
        from polyfaas_aws.function import envelope_of

        found = load_samples("polyfaas_aws")
        return {kind: event for kind, event in found.items() if envelope_of(event) is not None}

    @override
    def endpoints(self, config: FunctionConfig, base_url: str) -> list[str]:
        if self.door == "rest":
            return [f"HTTP requests (REST API, stage {self.stage(config)}): {base_url}/"]
        if self.door == "http":
            return [f"HTTP requests (HTTP API / function URL): {base_url}/"]
        return [f"HTTP requests (load balancer): {base_url}/"]


#: ``aws-gateway``: an API Gateway REST API, proxy integration (payload 1.0).
gateway_platform = AwsHttpPlatform("aws-gateway", "rest")
#: ``aws-http``: an HTTP API (payload 2.0); a function URL sends the same event.
http_platform = AwsHttpPlatform("aws-http", "http")
#: ``aws-alb``: an Application Load Balancer's target group.
alb_platform = AwsHttpPlatform("aws-alb", "alb")
