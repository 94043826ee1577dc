"""The Yandex Cloud Functions runtime half: inside the cloud, ``handler(event, context)``
→ ``Invocation``, and the result back.

Two providers share it: ``yandex`` (``runtime``), the function called directly over
HTTPS or by triggers, and ``yandex-gateway`` (``gateway_runtime``), the same function
behind API Gateway. Both decode every documented ``event`` shape: the direct HTTP
envelope, API Gateway v0.1 and v1.0 (``http_envelope``), trigger batches
``{"messages": [...]}`` (``triggers``) and raw payloads (any other JSON value, or a
body passed as it is). ``Context.provider`` is the platform the function runs on,
``"yandex"``, whichever of the two decoded the call.

Documented losses of a direct call: no ``Cookie`` and no ``Authorization`` (the router
strips them, with the other headers in ``emulated.router.STRIPPED_REQUEST_HEADERS``),
no path (it decodes as ``/``), ``scheme`` is ``https``; the router adds
``X-Request-Id``, ``X-Trace-Id``, ``X-Forwarded-For`` and ``X-Real-Remote-Address``.

Detection never takes AWS Lambda, whose environment and context look alike, for Yandex
(``YandexRuntime.detect``).
"""

from __future__ import annotations

import sys
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
    payload_data,
    to_response,
)
from polyfaas_yandex.context import to_canonical
from polyfaas_yandex.http_envelope import decode_request, encode_response, is_http_event

if TYPE_CHECKING:  # created on first use: an HTTP cold start never builds an event
    from polyfaas import Event, EventBatch

#: Keys only Yandex's HTTP envelopes have (AWS API Gateway has none of them).
YANDEX_HTTP_KEYS = ("multiValueParams", "pathParams", "params", "url")
#: Where the function's code lives on an instance (``LAMBDA_TASK_ROOT``).
TASK_ROOT = "/function/code"


def is_aws(environ: Mapping[str, str]) -> bool:
    """Whether the environment is AWS Lambda's (variables Yandex never sets)."""
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME") or environ.get("AWS_EXECUTION_ENV"))


def looks_like_yandex(environ: Mapping[str, str]) -> bool:
    """Whether the environment is a Yandex instance's (ASSUMPTIONS.md).

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


class YandexRuntime(RuntimeHalf):
    """Runtime half: ``(event, context)`` from Yandex → ``Invocation`` and back."""

    cloud = "yandex"

    def __init__(self, name: str = "yandex") -> None:
        self.name = name

    @override
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
            from polyfaas_yandex.triggers import is_yandex_trigger

            if is_yandex_trigger(event):
                return True
        return looks_like_yandex(environ)

    @override
    def recognizes(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> bool:
        """The shape ``detect`` trusts first, for the calls after the first: two
        arguments and a Yandex context (``deadline_ms``, a ``request_id`` and an
        ``invoked_function_arn`` that is no AWS ``arn:``). FC's context has neither
        attribute, an AWS one has an ``arn:``; anything else goes through ``detect``
        (``POLYFAAS_PROVIDER`` is read before this)."""
        if len(args) != 2 or kwargs:
            return False
        context = args[1]
        arn = getattr(context, "invoked_function_arn", None)
        return (
            type(arn) is str
            and not arn.startswith("arn:")
            and type(getattr(context, "deadline_ms", None)) is int
            and type(getattr(context, "request_id", None)) is str
        )

    @override
    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        """The canonical invocation; ``EventFormatError`` for a malformed event."""
        split = _split(args, kwargs)
        if split is None:
            raise UnknownCallError("a Yandex handler is called as handler(event, context)")
        event, native_context = split
        # One rule for Context.provider: the platform the function runs on.
        context = to_canonical(native_context, self.cloud)
        # The trusted constructor: three values stored as they are (no copy, no check).
        return Invocation._trusted(
            decode_event(event, context.request_id), context, (event, native_context)
        )

    @override
    def instance_started(self, entry: Any) -> None:
        """An ASGI app's lifespan shutdown on the platform's graceful-shutdown signal
        (``install_shutdown_handler``)."""
        if getattr(entry, "kind", None) == "asgi":
            install_shutdown_handler(entry)

    @override
    def encode(self, result: Any, invocation: Invocation) -> Any:
        """An HTTP request's ``Response`` → the ``{statusCode, …}`` dict; an event's
        value (or a batch's list of values) is returned as it is."""
        if isinstance(invocation.payload, Request):
            # ``Entry.handle`` has made it a ``Response`` already (others call this too).
            return encode_response(result if type(result) is Response else to_response(result))
        return result


#: Set to ``1``, the platform sends SIGINT instead of SIGTERM before it stops an instance.
SIGINT_ENV = "X_YCF_GRACEFUL_SHUTDOWN_SIGNAL_SIGINT"
#: Set to ``1``, the platform sends no signal at all: the instance is just killed.
NO_SIGNAL_ENV = "X_YCF_NO_GRACEFUL_SHUTDOWN_SIGNAL"
_shutdown_installed: list[int] = []  # the signal handled, once per process


def graceful_shutdown_signal(environ: Mapping[str, str]) -> int | None:
    """The signal the platform sends an instance it stops (ASSUMPTIONS.md, "Shutdown"):
    SIGTERM; SIGINT with ``X_YCF_GRACEFUL_SHUTDOWN_SIGNAL_SIGINT=1``; none with
    ``X_YCF_NO_GRACEFUL_SHUTDOWN_SIGNAL=1``."""
    import signal

    if environ.get(NO_SIGNAL_ENV) == "1":
        return None
    return signal.SIGINT if environ.get(SIGINT_ENV) == "1" else signal.SIGTERM


def install_shutdown_handler(entry: Any, environ: Mapping[str, str] | None = None) -> bool:
    """Handle the platform's graceful-shutdown signal with ``entry.shutdown()``, then
    the signal's default action (the process ends; ``KeyboardInterrupt`` for SIGINT).

    Once per process, from the main thread only, and only over the signal's default
    handler (a handler the function set itself is left alone). Whether it installed."""
    import os
    import signal
    import threading

    number = graceful_shutdown_signal(os.environ if environ is None else environ)
    if (
        number is None
        or _shutdown_installed
        or threading.current_thread() is not threading.main_thread()
    ):
        return False
    previous = signal.getsignal(number)
    if previous not in (signal.SIG_DFL, signal.default_int_handler):
        return False

    def on_signal(signum: int, frame: Any) -> None:
        import contextlib

        try:
            entry.shutdown()
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            signal.signal(signum, previous)
            if callable(previous):  # SIGINT's default: KeyboardInterrupt
                previous(signum, frame)
            else:
                os.kill(os.getpid(), signum)

    signal.signal(number, on_signal)
    _shutdown_installed.append(number)
    return True


def decode_event(event: Any, request_id: str = "") -> Request | Event | EventBatch:
    """The canonical payload of any ``event`` the Yandex runtime passes."""
    if type(event) is dict or isinstance(event, Mapping):
        if is_http_event(event):
            return decode_request(event)
        # The trigger codecs are imported by the first call that is no HTTP request.
        from polyfaas_yandex.triggers import decode_batch, is_trigger_event

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
    from polyfaas import Event

    return Event(
        type=EventType.DIRECT,
        data=data,
        source="yandex.cloud.functions",
        id=request_id or new_id(),
        native=data if native is None else native,
    )


#: ``yandex``: a direct call or a trigger.
runtime = YandexRuntime("yandex")
#: ``yandex-gateway``: behind API Gateway; the same decoding, the same ``cloud``.
gateway_runtime = YandexRuntime("yandex-gateway")
