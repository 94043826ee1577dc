"""FC event bytes → the canonical payload: a ``Request`` for an FC 3.0 HTTP-trigger
event, an ``Event``/``EventBatch`` for a trigger, else a direct-invocation ``Event``."""

from __future__ import annotations

import json
from typing import Any

from polyfaas._event import Event, EventBatch
from polyfaas._request import Request
from polyfaas.errors import EventFormatError
from polyfaas_alibaba.http_trigger import is_http_event, request_from_event
from polyfaas_alibaba.triggers import direct_event, event_from_native, kind_of


def decode_payload(
    raw: bytes, request_id: str, *, kind: str | None = None
) -> Request | Event | EventBatch:
    """The canonical payload of FC event bytes.

    With ``kind`` (``"http"``, ``"timer"``, ``"oss"``, ``"sls"``, ``"mns-topic"``,
    ``"cloudevent"``, ``"kafka"``) the bytes must be that kind of event; without it,
    whatever is not recognised is a direct invocation (JSON, else text, else bytes).
    """
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        if kind is not None:
            raise EventFormatError(f"FC {kind} event is not valid JSON: {exc}") from None
        return direct_event(raw, request_id)
    if kind is None:
        if is_http_event(parsed):
            return request_from_event(parsed)
        return event_from_native(parsed, raw, request_id)
    if kind == "http":
        if not isinstance(parsed, dict):
            kind_name = type(parsed).__name__
            raise EventFormatError(f"FC HTTP-trigger event must be an object, not {kind_name}")
        return request_from_event(parsed)
    found = kind_of(parsed)
    if found != kind:
        raise EventFormatError(f"expected an FC {kind} event, got {found or 'a direct payload'}")
    return event_from_native(parsed, raw, request_id)


def event_bytes(event: Any) -> bytes:
    """The event FC passed, as bytes (``str`` from Python 2.7's runtime tolerated)."""
    if isinstance(event, (bytes, bytearray, memoryview)):
        return bytes(event)
    if isinstance(event, str):
        return event.encode("utf-8", errors="surrogateescape")
    raise EventFormatError(f"FC passes the event as bytes, not {type(event).__name__}")
