"""The platform side of triggers: a canonical ``Event`` → the trigger message the
platform would send (one item of ``{"messages": [...]}``), the inverse of
``triggers.decode_message``.

What a message carries beyond the ``Event`` is made up plausibly: cloud and folder
ids, a trace id, queue ``attributes`` (``SentTimestamp`` from ``Event.time``) and
an empty ``device_id`` for IoT. ``Event.time`` ``None`` becomes the current time.
"""

from __future__ import annotations

import hashlib
import json
from base64 import b64encode
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from polyfaas import Event, EventType
from polyfaas.runtime import format_rfc3339, new_id
from polyfaas_yandex.emulated.context import resource_id
from polyfaas_yandex.triggers import (
    BUDGET,
    IOT,
    LOGGING,
    MAIL,
    QUEUE,
    TIMER,
    YANDEX_STORAGE_TYPE,
)


def _text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("utf-8", "replace")
    return json.dumps(data, ensure_ascii=False)


def _moment(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def encode_message(event: Event) -> Any:
    """The trigger message the platform sends for ``event`` (one item of ``messages``)."""
    metadata: dict[str, Any] = {
        "event_id": event.id,
        "event_type": "",
        "created_at": format_rfc3339(event.time, 6),
        "cloud_id": resource_id("b1g", "cloud"),
        "folder_id": resource_id("b1g", "folder"),  # the folder of the emulated function
    }
    if event.type == EventType.TIMER:
        details: dict[str, Any] = {"trigger_id": event.source}
        if event.data is not None:
            details["payload"] = _text(event.data)
        return {"event_metadata": {**metadata, "event_type": TIMER}, "details": details}
    if event.type == EventType.QUEUE_MESSAGE:
        body = _text(event.data)
        sent = int(_moment(event.time).timestamp() * 1000)
        message = {
            "message_id": event.subject or event.id,
            "md5_of_body": hashlib.md5(
                body.encode("utf-8", "surrogatepass"), usedforsecurity=False
            ).hexdigest(),
            "body": body,
            "attributes": {"SentTimestamp": str(sent)},
            "message_attributes": {},
            "md5_of_message_attributes": "",
        }
        return {
            "event_metadata": {k: metadata[k] for k in ("event_id", "created_at")}
            | {"event_type": QUEUE},
            "details": {"queue_id": event.source, "message": message},
        }
    if event.type in YANDEX_STORAGE_TYPE:
        return {
            "event_metadata": {
                **metadata,
                "event_type": YANDEX_STORAGE_TYPE[event.type],
                "tracing_context": {"trace_id": new_id()[:16], "span_id": "", "parent_span_id": ""},
            },
            "details": {"bucket_id": event.source, "object_id": event.subject or ""},
        }
    if event.type == EventType.IOT_MESSAGE:
        data = event.data
        raw = bytes(data) if isinstance(data, (bytes, bytearray)) else _text(data).encode("utf-8")
        details = {
            "registry_id": event.source,
            "device_id": "",
            "mqtt_topic": event.subject or "",
            "payload": b64encode(raw).decode("ascii"),
        }
        return {"event_metadata": {**metadata, "event_type": IOT}, "details": details}
    if event.type == EventType.LOG:
        moment = _moment(event.time)
        stamp = int(moment.timestamp())
        nanos = moment.microsecond * 1000
        return {
            "event_metadata": {
                **metadata,
                "event_type": LOGGING,
                "created_at": {"seconds": stamp, "nanos": nanos},
            },
            "details": {"messages": event.data if isinstance(event.data, list) else [event.data]},
        }
    if event.type in (EventType.STREAM_RECORD, BUDGET, MAIL):
        return event.data
    if isinstance(event.native, Mapping) and "event_metadata" in event.native:
        return event.native
    details = dict(event.data) if isinstance(event.data, Mapping) else {"data": event.data}
    return {"event_metadata": {**metadata, "event_type": event.type}, "details": details}


def encode_batch(events: list[Event]) -> dict[str, Any]:
    """The trigger envelope for ``events``."""
    return {"messages": [encode_message(event) for event in events]}
