"""The ``alibaba`` provider: FC's built-in Python runtime, event handler
``handler(event: bytes, context)``.

- **Runtime half** (inside FC): the bytes become a ``Request`` when they are an FC 3.0
  HTTP-trigger event (``http_trigger``), an ``Event``/``EventBatch`` for a trigger
  (``triggers``), else a direct-invocation ``Event`` (``payload``); the context
  (either runtime shape, ``context``) becomes a canonical ``Context``
  (``canonical_context``). A ``Response`` goes back as
  the ``{statusCode, headers, isBase64Encoded, body}`` result; an event handler's
  value goes back as it is, for FC's runtime to serialise.
- **Platform half** (the runner and the tests): builds the bytes, the context object
  and the instance's environment FC would, and answers the caller as FC does: the
  result serialised (``serialize``), ``X-Fc-Request-Id`` on every answer, errors as
  ``{errorMessage, errorType, stackTrace}`` with ``X-Fc-Error-Type:
  UnhandledInvocationError``, status 200 for event invocations and 502 behind an
  HTTP trigger.

Point FC's initializer at ``initializer(handler)`` to run a portable entry's init hook
in FC's own initializer phase; without one, the first invocation runs it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from polyfaas._context import Context
from polyfaas._entry import Entry, describe_call
from polyfaas._event import Event
from polyfaas._invocation import Invocation
from polyfaas._normalize import to_response
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import UnknownCallError
from polyfaas.platform import Loss, PlatformHalf, ProviderFacts
from polyfaas.runtime import RuntimeHalf, override
from polyfaas_alibaba import canonical_context
from polyfaas_alibaba.http_trigger import request_id, result_from_response
from polyfaas_alibaba.payload import decode_payload, event_bytes

if TYPE_CHECKING:
    from polyfaas._native import ErrorInfo, FunctionConfig, InvocationReport, NativeCall, Outcome

NAME = "alibaba"


class AlibabaRuntime(RuntimeHalf):
    """Runtime half of ``alibaba``: ``(event: bytes, context)`` ⇄ canonical."""

    name = NAME
    cloud = NAME

    @override
    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        if len(args) != 2 or kwargs or not isinstance(args[0], (bytes, bytearray, str)):
            return False
        return canonical_context.looks_like_fc_context(args[1]) or (
            "FC_FUNCTION_NAME" in environ and "FC_REGION" in environ
        )

    @override
    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        if len(args) + len(kwargs) != 2:
            raise UnknownCallError(
                "FC calls handler(event, context); got " + describe_call(args, kwargs)
            )
        event = args[0] if args else kwargs.get("event")
        native_context = args[1] if len(args) > 1 else kwargs.get("context")
        raw = event_bytes(event)
        context = canonical_context.to_canonical(native_context, os.environ)
        if not context.request_id:
            context = _with_request_id(context)
        payload = decode_payload(raw, context.request_id)
        return Invocation(payload, context, native=(*args, *kwargs.values()))

    @override
    def encode(self, result: Any, invocation: Invocation) -> Any:
        if isinstance(invocation.payload, Request):
            return result_from_response(to_response(result))
        return result


def _with_request_id(context: Context) -> Context:
    import attrs

    return attrs.evolve(context, request_id=request_id())


def initializer(entry: Entry) -> Callable[[Any], None]:
    """An FC initializer (``def initialize(context)``) that runs ``entry``'s init hook.

    In ``index.py``: ``initialize = initializer(handler)``; configure ``index.initialize``
    as the function's initializer. The hook then runs once per instance, before the
    first invocation, and a failure fails that invocation as FC's initializer does.
    """

    def initialize(context: Any) -> None:
        entry.run_init(canonical_context.to_canonical(context, os.environ))

    return initialize


# -- platform half --------------------------------------------------------------------

DEFAULT_ACCOUNT_ID = "1234567890123456"
DEFAULT_REGION = "cn-hangzhou"
REQUEST_ID_HEADER = "X-Fc-Request-Id"
#: ``NativeCall.payload`` types of the lifecycle hooks (FC's ``x-fc-function-type``).
HOOKS = {
    "initializer": "acs:fc:initializer",
    "pre-stop": "acs:fc:prestop",
    "pre-freeze": "acs:fc:prefreeze",
}


class AlibabaPlatform(PlatformHalf):
    """Platform half of ``alibaba``: imitates FC calling a built-in Python function.

    ``python`` picks the context shape (``"3.12"`` has no credentials, service or
    tracing; anything else gets the 3.9/3.10 shape). ``default_domain=True`` adds the
    ``Content-Disposition: attachment`` FC forces on its default ``fcapp.run``
    domain; the default imitates a custom domain, so a browser shows the page.
    """

    name = NAME
    facts = ProviderFacts(
        default_timeout=60.0,
        losses={
            Loss.QUERY_REPEATS_JOINED: "an FC 3.0 HTTP-trigger event joins a repeated query "
            "key's values with ',' (alibaba-fc §2.1); `?tags=a,b` is the common case, so "
            "polyfaas keeps the join",
            Loss.SET_COOKIE_JOINED: "the HTTP-trigger result maps one value per header name "
            "(alibaba-fc §2.2): several Set-Cookie reach the client joined into one",
        },
        unhandled_status=502,
        failure_header="X-Fc-Error-Type",
        max_request_body=32 * 1024 * 1024,
        too_large_status=400,
        secret_headers=frozenset(
            {"x-fc-access-key-id", "x-fc-access-key-secret", "x-fc-security-token"}
        ),
    )

    @override
    def instance_setup(self) -> str | None:
        """The runner sets each instance's logging up as FC's Python bootstrap does."""
        return "polyfaas_alibaba.instance_logging:setup_instance"

    def __init__(self, *, python: str = "3.10", default_domain: bool = False) -> None:
        self.python = python
        self.default_domain = default_domain
        self.instance_id = f"c-{os.urandom(4).hex()}-{os.urandom(4).hex()}-{os.urandom(6).hex()}"

    # -- native call -------------------------------------------------------------

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        from polyfaas_alibaba.http_trigger import event_from_request
        from polyfaas_alibaba.native_events import native_event

        now = time.time()
        rid = request_id(now)
        account = config.account_id or DEFAULT_ACCOUNT_ID
        if isinstance(payload, Request):
            native: Any = event_from_request(payload, request_id=rid, account_id=account, now=now)
        elif payload.type in HOOKS.values():
            return self._hook(payload, config, rid, now)
        else:
            native = native_event(payload, account_id=account, region=self._region(config))
        raw = native if isinstance(native, bytes) else _dumps(native)
        from polyfaas._native import NativeCall

        return NativeCall(
            args=(raw, self.context(config, rid)),
            environ=self.environment(config),
            request_id=rid,
            deadline=now + self._timeout(config),
            payload=payload,
        )

    def hook_call(self, hook: str, config: FunctionConfig) -> NativeCall:
        """The call FC makes into a lifecycle hook: ``initializer``, ``pre-stop`` or
        ``pre-freeze``, each ``hook(context)``."""
        try:
            kind = HOOKS[hook]
        except KeyError:
            raise ValueError(f"FC has no {hook!r} hook; it has {', '.join(HOOKS)}") from None
        return self.call(Event(type=kind, source="acs:fc"), config)

    def _hook(self, payload: Event, config: FunctionConfig, rid: str, now: float) -> NativeCall:
        from polyfaas._native import NativeCall

        return NativeCall(
            args=(self.context(config, rid),),
            environ=self.environment(config),
            request_id=rid,
            deadline=now + self._timeout(config),
            payload=payload,
        )

    def context(self, config: FunctionConfig, rid: str) -> Any:
        """The context object FC passes, in this platform's Python shape."""
        from polyfaas_alibaba import context as fc_context

        version = config.version or "LATEST"
        timeout = int(self._timeout(config))
        account = config.account_id or DEFAULT_ACCOUNT_ID
        region = self._region(config)
        if self.python == "3.12":
            meta = fc_context.FunctionMeta(
                config.name, config.handler, config.memory_mb, timeout, version, "LATEST"
            )
            return fc_context.FCContext312(account, rid, meta, None, "", "", region)
        creds = config.credentials
        return fc_context.FCContext(
            account_id=account,
            request_id=rid,
            credentials=fc_context.Credentials(
                (creds.access_key_id or "") if creds else "",
                (creds.access_key_secret or "") if creds else "",
                (creds.security_token or "") if creds else "",
            ),
            function_meta=fc_context.FunctionMeta(
                config.name, config.handler, config.memory_mb, timeout
            ),
            service_meta=fc_context.ServiceMeta("", "", "", "LATEST", version),
            region=region,
        )

    def environment(self, config: FunctionConfig) -> dict[str, str]:
        """The variables FC sets on the instance (reference §7), over the function's own.

        ``FC_FUNC_CODE_PATH`` is ``/code`` unless the configuration names the code folder.
        """
        environ = dict(config.environment)
        environ.update(
            FC_FUNC_CODE_PATH=config.environment.get("FC_FUNC_CODE_PATH", "/code"),
            FC_ACCOUNT_ID=config.account_id or DEFAULT_ACCOUNT_ID,
            FC_FUNCTION_HANDLER=config.handler,
            FC_FUNCTION_MEMORY_SIZE=str(config.memory_mb),
            FC_FUNCTION_NAME=config.name,
            FC_FUNCTION_VERSION=config.version or "LATEST",
            FC_REGION=self._region(config),
            FC_INSTANCE_ID=self.instance_id,
        )
        creds = config.credentials
        if creds is not None and creds.access_key_id:
            environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = creds.access_key_id
            environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = creds.access_key_secret or ""
            environ["ALIBABA_CLOUD_SECURITY_TOKEN"] = creds.security_token or ""
        return environ

    def _timeout(self, config: FunctionConfig) -> float:
        return self.timeout(config)

    @staticmethod
    def _region(config: FunctionConfig) -> str:
        return config.region or DEFAULT_REGION

    # -- the runner's hooks (see polyfaas.providers) ----------------------------------

    @override
    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        """InvokeFunction's path is an event invocation of this function; any other
        request comes through the HTTP trigger, within FC's limits."""
        from polyfaas_alibaba.invoke_api import admit_invocation
        from polyfaas_alibaba.wsgi import check_request

        return admit_invocation(request, config) or check_request(request) or request

    @override
    def instance_environ(self, config: FunctionConfig) -> dict[str, str]:
        """The variables every instance starts with."""
        return self.environment(config)

    @override
    def start_lines(self, call: NativeCall) -> list[str]:
        """FC's log line before a call."""
        return [f"FC Invoke Start RequestId: {call.request_id}"]

    @override
    def end_lines(self, call: NativeCall, report: InvocationReport) -> list[str]:
        """FC's log line after a call (with the error note of a failed one)."""
        error = ", Error: Unhandled function error" if report.failed else ""
        return [f"FC Invoke End RequestId: {call.request_id}{error}"]

    @override
    def load_failed(self, call: NativeCall, reason: str, error: ErrorInfo) -> Response:
        """FC's answer when the handler cannot load, named as FC's runtime names it."""
        from polyfaas_alibaba import serialize

        function = getattr(call.args[-1], "function", None) if call.args else None
        module = str(getattr(function, "handler", "")).rpartition(".")[0]
        named = {
            "missing-module": (
                serialize.IMPORT_MODULE_ERROR,
                f"Unable to import module '{module}'",
            ),
            "syntax": (serialize.SYNTAX_ERROR, f"Syntax error in module '{module}'"),
            "module-raised": (
                serialize.USER_CODE_ERROR,
                f"Module initialization error: '{error.message}'",
            ),
            "missing-handler": (serialize.HANDLER_NOT_FOUND, error.message),
        }
        error_type, message = named.get(reason, (serialize.INVALID_HANDLER, error.message))
        _log_error(call, f"{error_type}: {message}")
        return self.error({"errorMessage": message, "errorType": error_type}, call)

    @override
    def samples(self) -> Mapping[str, Any]:
        """Sample native events by kind, for ``polyfaas events alibaba``."""
        from polyfaas_alibaba import samples

        return {kind: samples.sample(kind) for kind in samples.kinds()}

    # -- what the caller receives --------------------------------------------------

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        from polyfaas_alibaba import serialize
        from polyfaas_alibaba.http_trigger import BadResult, response_from_result

        if outcome.error is not None:
            _log_error(call, outcome.error.text)
            return self.error(serialize.error_body(outcome.error), call)
        try:
            response = None
            if isinstance(call.payload, Request):
                response = response_from_result(outcome.value)
            if response is None:
                body = serialize.serialize_result(outcome.value)
                response = Response(200, [("Content-Type", "application/octet-stream")], body)
        except BadResult as exc:
            _log_error(call, str(exc))
            return self.error({"errorMessage": str(exc), "errorType": "BadResponse"}, call)
        except (TypeError, ValueError) as exc:
            _log_error(call, str(exc))
            return self.error({"errorMessage": str(exc), "errorType": type(exc).__name__}, call)
        headers = [*response.headers.items(), (REQUEST_ID_HEADER, call.request_id)]
        if self.default_domain and isinstance(call.payload, Request):
            headers.append(("Content-Disposition", "attachment"))
        return Response(response.status, headers, response.body)

    @override
    def timed_out(self, call: NativeCall) -> Response:
        function = canonical_context.field(call.args[-1], "function")
        timeout = canonical_context.number(canonical_context.field(function, "timeout"))
        return self.error({"errorMessage": f"Function time out after {timeout}s"}, call)

    @override
    def crashed(self, call: NativeCall, detail: str) -> Response:
        message = f"Process exited unexpectedly before completing request ({detail})"
        return self.error({"errorMessage": message}, call)

    def error(self, body: Mapping[str, Any], call: NativeCall) -> Response:
        """A failed call as FC's caller sees it: 502 behind an HTTP trigger, else 200,
        both with ``X-Fc-Error-Type: UnhandledInvocationError``."""
        from polyfaas_alibaba import serialize

        return Response(
            502 if isinstance(call.payload, Request) else 200,
            [
                ("Content-Type", "application/json"),
                (serialize.ERROR_TYPE_HEADER, serialize.UNHANDLED),
                (REQUEST_ID_HEADER, call.request_id),
            ],
            serialize.error_bytes(body),
        )


def _dumps(native: Any) -> bytes:
    # Go's encoder, like this one, keeps non-ASCII text as UTF-8.
    return json.dumps(native, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _log_error(call: NativeCall, text: str) -> None:
    import logging

    # FC's own "FC Invoke End ..., Error" line comes from end_lines, after the call.
    logging.getLogger("polyfaas.alibaba").error(
        "%s (RequestId: %s)", text.rstrip(), call.request_id
    )


runtime = AlibabaRuntime()
platform = AlibabaPlatform()

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_REGION",
    "HOOKS",
    "NAME",
    "REQUEST_ID_HEADER",
    "AlibabaPlatform",
    "AlibabaRuntime",
    "decode_payload",
    "initializer",
    "platform",
    "runtime",
]
