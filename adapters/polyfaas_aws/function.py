"""The AWS Lambda runtime half behind HTTP front doors: inside the cloud,
``handler(event, context)`` → ``Invocation``, and the answer back in the envelope the
event came in.

Three providers share it — ``aws-gateway`` (REST API, payload 1.0), ``aws-http``
(HTTP API payload 2.0 and function URLs) and ``aws-alb`` (load balancer targets) —
and each decodes all three envelopes, so a function behind several front doors works
whichever of them detection names. ``Context.provider`` is ``"aws"``.

Detection (``AwsHttpRuntime.detect``) never takes Yandex Cloud Functions for AWS,
though its environment (``AWS_LAMBDA_RUNTIME_API``, ``LAMBDA_TASK_ROOT``, ``_HANDLER``)
and context (``aws_request_id``, ``invoked_function_arn``) look alike: Lambda's
context has an ``invoked_function_arn`` that is an ``arn:`` and no ``deadline_ms``,
and only AWS sets ``AWS_LAMBDA_FUNCTION_NAME``/``AWS_EXECUTION_ENV``. Yandex's HTTP
envelopes carry ``url``/``params``/``pathParams`` and a ``requestContext`` without
``apiId``/``stage``/``elb``, which no AWS envelope has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas import EventType, Request, Response
from polyfaas.runtime import (
    EventFormatError,
    Invocation,
    RuntimeHalf,
    UnknownCallError,
    new_id,
    override,
    to_response,
)
from polyfaas_aws import alb, http_api, rest
from polyfaas_aws.context import is_lambda_context, lazy_canonical
from polyfaas_aws.envelope import EventReader

if TYPE_CHECKING:  # created on first use: an HTTP cold start never builds an event
    from polyfaas import Event, EventBatch

#: Keys only Yandex's HTTP envelopes have.
YANDEX_KEYS = ("url", "params", "multiValueParams", "pathParams")
_YANDEX_KEYS = frozenset(YANDEX_KEYS)


def is_aws_environ(environ: Mapping[str, str]) -> bool:
    """Whether the environment is a Lambda instance's (variables Yandex never sets)."""
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME") or environ.get("AWS_EXECUTION_ENV"))


def envelope_of(event: Any) -> str | None:
    """``"rest"``, ``"http"`` or ``"alb"``: the front door an event comes from, if any."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return None
    # The keys' view asks the four names of the event (a set's isdisjoint would walk
    # every key of the event instead): one front door's event is asked on every call.
    if not event.keys().isdisjoint(_YANDEX_KEYS):
        return None
    # ``http_api.is_http_api_event``, ``alb.is_alb_event`` and ``rest.is_rest_event``
    # inlined (tests/aws/test_aws_envelope_of.py holds them to the same answers).
    version = event.get("version")
    if version == "2.0" and "rawPath" in event:
        return "http"
    if "httpMethod" not in event:
        return None
    context = event.get("requestContext")
    if type(context) is not dict and not isinstance(context, Mapping):
        return None
    if "elb" in context:
        return "alb"
    if "stage" in context and "apiId" in context and version in (None, "1.0"):
        return "rest"
    return None


def _split(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, Any] | None:
    if len(args) == 2 and not kwargs:
        return args[0], args[1]
    if not args and set(kwargs) == {"event", "context"}:
        return kwargs["event"], kwargs["context"]
    return None


def event_payload(event: Any, request_id: str) -> Event | EventBatch:
    """A trigger's event in the portable vocabulary (``triggers``), else the payload
    of a direct invocation (``EventType.DIRECT``)."""
    if isinstance(event, dict) and ("Records" in event or "detail-type" in event):
        # The trigger codecs are imported by the first call that may be a trigger's.
        from polyfaas_aws import triggers

        if triggers.is_trigger(event):
            return triggers.decode(event, request_id, partial=triggers.report_failures())
    from polyfaas import Event

    return Event(
        type=EventType.DIRECT, data=event, source="aws.lambda", id=request_id, native=event
    )


class AwsHttpRuntime(RuntimeHalf):
    """Runtime half: ``(event, context)`` from a Lambda front door → ``Invocation``."""

    cloud = "aws"

    def __init__(self, name: str) -> None:
        self.name = name

    @override
    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        """A Lambda context (an HTTP envelope, or a direct invocation's payload); or, in
        a Lambda environment, an AWS envelope with any context but Yandex's. Never an
        event of Yandex's own shape."""
        split = _split(args, kwargs)
        if split is None:
            return False
        event, context = split
        if hasattr(context, "deadline_ms") or hasattr(context, "function_folder_id"):
            return False  # Yandex's context
        kind = envelope_of(event)
        if (
            kind is None
            and isinstance(event, Mapping)
            and ("httpMethod" in event or any(key in event for key in YANDEX_KEYS))
        ):
            return False  # an HTTP envelope of no AWS front door's (Yandex's look alike)
        if is_lambda_context(context):
            return True
        return is_aws_environ(environ) and kind is not None

    @override
    def recognizes(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> bool:
        """Two arguments and a Lambda context (no other platform's context has an
        ``arn:`` function ARN); anything else goes through ``detect``."""
        if len(args) != 2 or kwargs:
            return False
        # ``is_lambda_context`` inlined (asked on every call; tests/aws hold the two to
        # the same answers).
        context = args[1]
        arn = getattr(context, "invoked_function_arn", None)
        return (
            type(arn) is str
            and arn[:4] == "arn:"
            and type(getattr(context, "aws_request_id", None)) is str
            and not hasattr(context, "deadline_ms")
        )

    @override
    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        """The canonical invocation; ``EventFormatError`` for a malformed event."""
        if len(args) == 2 and not kwargs:  # how Lambda calls: no helper call
            event, native_context = args
        else:
            split = _split(args, kwargs)
            if split is None:
                raise UnknownCallError("a Lambda handler is called as handler(event, context)")
            event, native_context = split
        context = lazy_canonical(native_context, self.cloud)
        kind = envelope_of(event)
        payload: Request | Event | EventBatch
        if kind == "rest":
            payload = rest.decode(event)
        elif kind == "http":
            payload = http_api.decode(event)
        elif kind == "alb":
            payload = alb.decode(event)
        elif isinstance(event, (dict, list, str, int, float, bool)) or event is None:
            # Not an HTTP front door's: a trigger's event, or a direct invocation's payload.
            payload = event_payload(event, context.request_id or new_id())
        else:
            raise EventFormatError(f"a Lambda event is a JSON value, not a {type(event)}")
        return Invocation._trusted(payload, context, (event, native_context))

    @override
    def decode_for_wsgi(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        """``decode``, with the ``Request`` of a payload 2.0 or REST API event lazy: a
        WSGI app's environ is built straight from the event (``http_api.wsgi_fields``,
        ``rest.wsgi_fields``), the canonical fields only when read (issue 15,
        decisions 1 and 3)."""
        if len(args) == 2 and not kwargs:
            event = args[0]
            reader = _DIRECT_READERS.get(envelope_of(event)) if type(event) is dict else None
            if reader is not None:
                context = lazy_canonical(args[1], self.cloud)
                return Invocation._trusted(Request._lazy(reader, event), context, args)
        return self.decode(args, kwargs)

    @override
    def encode(self, result: Any, invocation: Invocation) -> Any:
        """A request's ``Response`` → the answer of the envelope it came in; an event's
        value as it is (a batch with partial answers: ``{"batchItemFailures": …}``)."""
        if not isinstance(invocation.payload, Request):
            if getattr(invocation.payload, "item_failures", None) is not None:
                # A batch whose event source mapping takes partial answers: the entry
                # gave the events that failed.
                from polyfaas_aws.triggers import batch_item_failures

                return batch_item_failures(result)
            return result
        response = result if type(result) is Response else to_response(result)
        event = invocation.payload.native
        # A request decoded from one of the three envelopes (``decode``): which one is
        # told by the two checks that told it there, not by ``envelope_of`` again.
        # (``is_http_api_event`` and ``is_alb_event`` inlined, as in ``envelope_of``.)
        if type(event) is dict or isinstance(event, Mapping):
            if event.get("version") == "2.0" and "rawPath" in event:
                return http_api.encode(response)
            context = event.get("requestContext")
            if (
                (type(context) is dict or isinstance(context, Mapping))
                and "elb" in context
                and "httpMethod" in event
            ):
                return alb.encode(response, alb.multi_value(event))
        return rest.encode(response)


#: The fillers of a WSGI entry's lazy requests: the envelopes read straight into an
#: environ (``decode_for_wsgi``), by ``envelope_of``'s name.
_DIRECT_READERS: dict[str | None, EventReader] = {
    "http": EventReader(http_api.decode, http_api.wsgi_fields),
    "rest": EventReader(rest.decode, rest.wsgi_fields),
}

#: ``aws-gateway``: behind an API Gateway REST API (proxy integration, payload 1.0).
gateway_runtime = AwsHttpRuntime("aws-gateway")
#: ``aws-http``: behind an HTTP API (payload 2.0) or a function URL.
http_runtime = AwsHttpRuntime("aws-http")
#: ``aws-alb``: a load balancer's target.
alb_runtime = AwsHttpRuntime("aws-alb")
#: ``aws``: invoked directly (the Invoke API) or by triggers; an HTTP envelope still decodes.
runtime = AwsHttpRuntime("aws")
