"""The ``yandex`` provider: a Yandex Cloud Functions Python handler
``handler(event: dict, context)``, called directly over HTTPS or by triggers.

Runtime half (``YandexRuntime``): decodes every documented ``event`` shape — the
direct HTTP envelope, API Gateway v0.1 and v1.0, trigger batches and raw
payloads — and encodes the result. Platform half (``YandexPlatform``): builds the
envelope and context the platform would, and answers as its router does,
including ``?integration=raw`` and ``?integration=async`` calls.

Documented losses of a direct call: no ``Cookie`` and no ``Authorization`` (the
router strips them, with the other headers in ``router.STRIPPED_REQUEST_HEADERS``),
no path (it decodes as ``/``), ``scheme`` is ``https``; the router adds
``X-Request-Id``, ``X-Trace-Id``, ``X-Forwarded-For`` and ``X-Real-Remote-Address``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas._entry import payload_data
from polyfaas._event import Event, EventBatch, EventType, new_id
from polyfaas._invocation import Invocation
from polyfaas._normalize import to_response
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import EventFormatError, HTTPError, UnknownCallError
from polyfaas_yandex import context as ycontext
from polyfaas_yandex.http import decode_request, encode_response, is_http_event
from polyfaas_yandex.triggers import decode_batch, encode_batch, is_trigger_event, is_yandex_trigger

if TYPE_CHECKING:
    import logging
    from types import ModuleType

    from polyfaas._native import ErrorInfo, FunctionConfig, NativeCall, Outcome

#: Keys only Yandex's HTTP envelopes have (AWS API Gateway has none of them).
YANDEX_HTTP_KEYS = ("multiValueParams", "pathParams", "params", "url")
#: Where the function's code lives on an instance (``LAMBDA_TASK_ROOT``).
TASK_ROOT = "/function/code"


def is_aws(environ: Mapping[str, str]) -> bool:
    """Whether the environment is AWS Lambda's (variables Yandex never sets)."""
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME") or environ.get("AWS_EXECUTION_ENV"))


def looks_like_yandex(environ: Mapping[str, str]) -> bool:
    """Whether the environment is a Yandex instance's (reference §5.1).

    Both platforms set ``AWS_LAMBDA_RUNTIME_API`` and ``LAMBDA_TASK_ROOT``; only AWS
    sets ``AWS_LAMBDA_FUNCTION_NAME``/``AWS_EXECUTION_ENV``, and only Yandex keeps
    the code in ``/function/code``.
    """
    return (
        not is_aws(environ)
        and bool(environ.get("AWS_LAMBDA_RUNTIME_API"))
        and environ.get("LAMBDA_TASK_ROOT") == TASK_ROOT
    )


def _split(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, Any] | None:
    if len(args) == 2 and not kwargs:
        return args[0], args[1]
    if not args and set(kwargs) == {"event", "context"}:
        return kwargs["event"], kwargs["context"]
    return None


def _router() -> ModuleType:
    # The platform's front door is not on the runtime path: imported on first use.
    from polyfaas_yandex import router

    return router


def _logger() -> logging.Logger:
    import logging

    return logging.getLogger("polyfaas.yandex")


class YandexRuntime:
    """Runtime half: ``(event, context)`` from Yandex → ``Invocation`` and back."""

    def __init__(self, name: str = "yandex") -> None:
        self.name = name

    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        """A Yandex call: a Yandex context (``deadline_ms``, an ``invoked_function_arn``
        that is a function id, not an ``arn:``), else a Yandex-only event shape, else a
        Yandex environment. Never an AWS Lambda call or environment."""
        split = _split(args, kwargs)
        if split is None or is_aws(environ):
            return False
        event, context = split
        arn = getattr(context, "invoked_function_arn", None)
        if isinstance(arn, str) and arn.startswith("arn:"):
            return False
        if (
            isinstance(arn, str)
            and isinstance(getattr(context, "deadline_ms", None), int)
            and isinstance(getattr(context, "request_id", None), str)
        ):
            return True
        if isinstance(event, Mapping):
            if is_http_event(event) and any(key in event for key in YANDEX_HTTP_KEYS):
                return True
            if is_yandex_trigger(event):
                return True
        return looks_like_yandex(environ)

    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        """The canonical invocation; ``EventFormatError`` for a malformed event."""
        split = _split(args, kwargs)
        if split is None:
            raise UnknownCallError("a Yandex handler is called as handler(event, context)")
        event, native_context = split
        context = ycontext.to_canonical(native_context, self.name)
        return Invocation(
            decode_event(event, context.request_id), context, native=(event, native_context)
        )

    def encode(self, result: Any, invocation: Invocation) -> Any:
        """An HTTP request's ``Response`` → the ``{statusCode, …}`` dict; an event's
        value (or a batch's list of values) is returned as it is."""
        if isinstance(invocation.payload, Request):
            return encode_response(to_response(result))
        return result


def decode_event(event: Any, request_id: str = "") -> Request | Event | EventBatch:
    """The canonical payload of any ``event`` the Yandex runtime passes."""
    if isinstance(event, Mapping):
        if is_http_event(event):
            return decode_request(event)
        if is_trigger_event(event):
            return decode_batch(event, request_id)
        return _direct(event, request_id)
    if isinstance(event, (bytes, bytearray)):
        return _direct(payload_data(bytes(event)), request_id, event)
    if isinstance(event, str):
        return _direct(event or None, request_id, event)
    if event is None or isinstance(event, (list, int, float, bool)):
        return _direct(event, request_id)
    raise EventFormatError(f"a Yandex event is a JSON value or a raw body, not a {type(event)}")


def _direct(data: Any, request_id: str, native: Any = None) -> Event:
    return Event(
        type=EventType.DIRECT,
        data=data,
        source="yandex.cloud.functions",
        id=request_id or new_id(),
        native=data if native is None else native,
    )


def raw_event(body: bytes) -> Any:
    """What the runtime passes for a raw body: parsed JSON, else the text as it is
    ([unconfirmed]: ``str`` rather than ``bytes``; not-UTF-8 stays ``bytes``)."""
    try:
        return json.loads(body)
    except ValueError:
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


class YandexPlatform:
    """Platform half: the router of ``functions.yandexcloud.net`` and the triggers."""

    default_timeout = ycontext.DEFAULT_TIMEOUT

    def __init__(self, name: str = "yandex", gateway: str | None = None) -> None:
        self.name = name
        #: API Gateway payload format ("0.1", "1.0"), or ``None`` for direct calls.
        self.gateway = gateway

    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        """The native call; ``HTTPError(413)`` when the request is over 3.5 MB."""
        # The platform vocabulary stays off the runtime path (this module is on it).
        from polyfaas._native import NativeCall
        from polyfaas_yandex.instance import instance_environ

        now = time.time()
        timeout = config.timeout if config.timeout is not None else self.default_timeout
        request_id = new_id()
        context = ycontext.make_context(
            function_seed=config.name,
            version=config.version,
            request_id=request_id,
            memory_mb=config.memory_mb,
            timeout=timeout,
            token=ycontext.token_of(config.credentials, now),
            now=now,
        )
        event = self.event_for(payload, request_id=request_id, now=now)
        if _router().payload_size(event) > _router().MAX_PAYLOAD:
            raise HTTPError(
                413,
                response=_router().error_body(
                    413, "RequestTooLarge", "request JSON is over the 3.5 MB limit"
                ),
            )
        return NativeCall(
            args=(event, context),
            environ=instance_environ(config),
            request_id=request_id,
            deadline=now + timeout,
            payload=payload,
        )

    def raw_call(self, body: bytes | str, config: FunctionConfig) -> NativeCall:
        """A ``?integration=raw`` call carrying ``body`` (what ``yc … invoke -d`` does)."""
        request = Request("POST", "/", query="integration=raw", body=body)
        return self.call(request, config)

    def event_for(self, payload: Request | Event, *, request_id: str, now: float) -> Any:
        """The ``event`` argument the function receives for ``payload``."""
        if isinstance(payload, Event):
            if payload.type == EventType.DIRECT:
                data = payload.data
                return raw_event(bytes(data)) if isinstance(data, (bytes, bytearray)) else data
            return encode_batch([payload])
        if self.gateway is None and integration(payload) != "http":
            return raw_event(payload.body)
        return _router().http_event(payload, request_id=request_id, now=now, gateway=self.gateway)

    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        """What the caller receives: the function's answer, or the platform's error."""
        if outcome.error is not None:
            _logger().error("request %s failed:\n%s", call.request_id, outcome.error.text.rstrip())
            return self.function_error(outcome.error, call)
        mode = "http" if self.gateway is not None else integration(call.payload)
        if mode == "async":
            return self._tagged(Response(202), call)
        try:
            size = _router().payload_size(outcome.value)
        except (TypeError, ValueError) as exc:
            # The runtime cannot serialise the value: it fails like a raised error.
            from polyfaas._native import ErrorInfo

            return self.function_error(ErrorInfo.from_exception(exc), call)
        if size > _router().MAX_PAYLOAD:  # [unconfirmed] the status of an oversize response
            _logger().error("request %s: the response is over 3.5 MB", call.request_id)
            return self._tagged(_router().malformed("<response over 3.5 MB>"), call)
        if mode == "raw":
            body = json.dumps(outcome.value, ensure_ascii=False)
            return self._tagged(Response(200, [("Content-Type", "application/json")], body), call)
        try:
            response = _router().response_of(outcome.value)
        except _router().Malformed as exc:
            _logger().error("request %s: malformed function response: %s", call.request_id, exc)
            response = _router().malformed(outcome.value)
        return self._tagged(response, call)

    def function_error(self, error: ErrorInfo, call: NativeCall) -> Response:
        """502 with ``X-Function-Error: true`` and ``{errorMessage, errorType, stackTrace}``."""
        trace = [
            f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line}\n'
            for f in error.frames
        ]
        response = _router().error_body(502, error.type, error.message, stackTrace=trace)
        return self._tagged(response, call, [("X-Function-Error", "true")])

    def timed_out(self, call: NativeCall) -> Response:
        """504 ([unconfirmed]: the body's wording)."""
        response = _router().error_body(504, "Timeout", "function execution timed out")
        return self._tagged(response, call)

    def crashed(self, call: NativeCall, detail: str) -> Response:
        """502 with ``X-Function-Error`` ([unconfirmed]: the platform's wording)."""
        response = _router().error_body(502, "RuntimeExit", f"function instance exited: {detail}")
        return self._tagged(response, call, [("X-Function-Error", "true")])

    @staticmethod
    def _tagged(
        response: Response, call: NativeCall, extra: list[tuple[str, str]] | None = None
    ) -> Response:
        # [unconfirmed] the router's answer carries the request id, as local's does.
        headers = [*response.headers.items(), *(extra or []), ("X-Request-Id", call.request_id)]
        return Response(response.status, headers, response.body)


runtime = YandexRuntime("yandex")
platform = YandexPlatform("yandex")
