"""The ``alibaba`` provider's cloud side: FC's built-in Python runtime calling the
event handler ``handler(event: bytes, context)``.

The bytes become a ``Request`` when they are an FC 3.0 HTTP-trigger event
(``http_trigger``), an ``Event``/``EventBatch`` for a trigger (``triggers``), else a
direct-invocation ``Event``; the context (either runtime shape, ``native_context``)
becomes a canonical ``Context`` (``context``). A ``Response`` goes back as the
``{statusCode, headers, isBase64Encoded, body}`` result; an event handler's value
goes back as it is, for FC's runtime to serialise (``serialize``). The platform
half, which imitates FC, is ``emulated.builtin``.

Point FC's initializer at ``initializer(handler)`` to run a portable entry's init hook
(and an ASGI app's lifespan startup) in FC's own initializer phase; without one, the
first invocation runs it. Point its PreStop hook at ``pre_stop(handler)`` to run an ASGI
app's lifespan shutdown before FC destroys the instance.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from polyfaas import Entry, Request, Response
from polyfaas.runtime import (
    EventFormatError,
    Invocation,
    RuntimeHalf,
    UnknownCallError,
    describe_call,
    override,
    to_response,
)
from polyfaas_alibaba import context as fc_context
from polyfaas_alibaba import fastjson
from polyfaas_alibaba.http_trigger import is_http_event, request_from_event, result_from_response

if TYPE_CHECKING:  # created on first use: an HTTP cold start never builds an event
    from polyfaas import Event, EventBatch

NAME = "alibaba"


class AlibabaRuntime(RuntimeHalf):
    """Runtime half of ``alibaba``: ``(event: bytes, context)`` ⇄ canonical."""

    name = NAME
    cloud = "alibaba"

    @override
    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        if len(args) != 2 or kwargs or not isinstance(args[0], (bytes, bytearray, str)):
            return False
        return fc_context.looks_like_fc_context(args[1]) or (
            "FC_FUNCTION_NAME" in environ and "FC_REGION" in environ
        )

    @override
    def recognizes(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> bool:
        """The shape ``detect`` trusts first, for the calls after the first: the event
        as bytes (or text) and an FC context (a request id and ``function``). Yandex's
        and AWS's contexts have no ``function``, a WSGI call passes a dict first;
        anything else goes through ``detect``."""
        if len(args) != 2 or kwargs:
            return False
        event = args[0]
        return (type(event) is bytes or isinstance(event, (bytearray, str))) and (
            fc_context.looks_like_fc_context(args[1])
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
        # Lazy (issue 15): the fields a handler may never read are built on first read.
        context = fc_context.lazy_canonical(native_context, os.environ)
        if not context.request_id:
            import attrs

            context = attrs.evolve(context, request_id=request_id())
        payload = decode_payload(raw, context.request_id)
        # Every value already final: the trusted constructor (equal to Invocation(...)).
        return Invocation._trusted(payload, context, (*args, *kwargs.values()))

    @override
    def encode(self, result: Any, invocation: Invocation) -> Any:
        if isinstance(invocation.payload, Request):
            # ``Entry.handle`` has made it a ``Response`` already (others call this too).
            return result_from_response(result if type(result) is Response else to_response(result))
        return result


def initializer(entry: Entry) -> Callable[[Any], None]:
    """An FC initializer (``def initialize(context)``) that runs ``entry``'s init hook.

    In ``index.py``: ``initialize = initializer(handler)``; configure ``index.initialize``
    as the function's initializer. The hook then runs once per instance, before the
    first invocation, and a failure fails that invocation as FC's initializer does.
    """

    def initialize(context: Any) -> None:
        entry.run_init(fc_context.to_canonical(context, os.environ))

    return initialize


def pre_stop(entry: Entry) -> Callable[[Any], None]:
    """An FC PreStop hook (``def preStop(context)``) that runs ``entry``'s stop work: an
    ASGI app's lifespan shutdown (``Entry.shutdown``; nothing for other entries).

    In ``index.py``: ``preStop = pre_stop(handler)``; configure ``index.preStop`` as the
    function's PreStop hook. FC calls it before it destroys the instance, within the
    hook's timeout.
    """

    def pre_stop_hook(context: Any) -> None:
        entry.shutdown()

    return pre_stop_hook


def decode_payload(
    raw: bytes, request_id: str, *, kind: str | None = None
) -> Request | Event | EventBatch:
    """The canonical payload of FC event bytes: a ``Request`` for an FC 3.0
    HTTP-trigger event, an ``Event``/``EventBatch`` for a trigger, else a
    direct-invocation ``Event``.

    With ``kind`` (``"http"``, ``"timer"``, ``"oss"``, ``"sls"``, ``"mns-topic"``,
    ``"cloudevent"``, ``"kafka"``, ``"tablestore"``) the bytes must be that kind of
    event; without it, whatever is not recognised is a direct invocation (JSON, else
    text, else bytes).
    """
    try:
        # json.loads's value and errors, through orjson when the ``fast`` extra is in.
        parsed = fastjson.loads(raw)
    except (ValueError, RecursionError) as exc:
        from polyfaas_alibaba.triggers import direct_event, tablestore_event

        # A CBOR map's first byte (0xa0-0xbf) is never JSON's: only then try it.
        if kind in (None, "tablestore") and raw[:1] and 0xA0 <= raw[0] <= 0xBF:
            rows = tablestore_rows(raw)  # the one trigger that sends CBOR
            if rows is not None:
                return tablestore_event(rows, request_id)
        if kind is not None:
            raise EventFormatError(f"FC {kind} event is not valid JSON: {exc}") from None
        return direct_event(raw, request_id)
    if kind is None and is_http_event(parsed):
        return request_from_event(parsed)
    if kind == "http":
        if not isinstance(parsed, dict):
            kind_name = type(parsed).__name__
            raise EventFormatError(f"FC HTTP-trigger event must be an object, not {kind_name}")
        return request_from_event(parsed)
    # Trigger codecs are loaded only when a call needs them (not on an HTTP call).
    from polyfaas_alibaba.triggers import event_from_native, kind_of

    if kind is None:
        return event_from_native(parsed, raw, request_id)
    found = kind_of(parsed)
    if found != kind:
        raise EventFormatError(f"expected an FC {kind} event, got {found or 'a direct payload'}")
    return event_from_native(parsed, raw, request_id)


def tablestore_rows(raw: bytes) -> dict[str, Any] | None:
    """The decoded Tablestore payload of CBOR ``raw``, or ``None`` when it is none."""
    from polyfaas_alibaba import cbor
    from polyfaas_alibaba.triggers import is_tablestore

    try:
        decoded = cbor.loads(raw)
    except ValueError:
        return None
    return decoded if is_tablestore(decoded) else None


def event_bytes(event: Any) -> bytes:
    """The event FC passed, as bytes (``str`` from Python 2.7's runtime tolerated)."""
    if isinstance(event, (bytes, bytearray, memoryview)):
        return bytes(event)
    if isinstance(event, str):
        return event.encode("utf-8", errors="surrogateescape")
    raise EventFormatError(f"FC passes the event as bytes, not {type(event).__name__}")


def request_id(now: float | None = None) -> str:
    """An FC 3.0 request id: ``1-<epoch seconds, hex>-<24 hex digits>``."""
    seconds = int(now if now is not None else time.time())
    return f"1-{seconds:08x}-{os.urandom(12).hex()}"


runtime = AlibabaRuntime()

__all__ = [
    "NAME",
    "AlibabaRuntime",
    "decode_payload",
    "event_bytes",
    "initializer",
    "pre_stop",
    "request_id",
    "runtime",
]
