"""The platform side of triggers: a canonical ``Event`` → the trigger message the
platform would send (one item of ``{"messages": [...]}``), the inverse of
``triggers.decode_message``.

What a message carries beyond the ``Event`` is made up plausibly: cloud and folder
ids, a trace id, queue ``attributes`` (``SentTimestamp`` from ``Event.time``) and
the IoT ``device_id`` (from a ``$devices/<id>/…`` topic, else empty).
``Event.time`` ``None`` becomes the current time.

Shapes picked from the event (ASSUMPTIONS.md): an IoT message whose topic starts
with ``$`` (a device or registry topic) comes from a registry, any other topic from
a broker; log records of the Cloud Logs kind (``log_group_id``) come in the older
Cloud Logs batch; a mail's ``received_at`` is Go ``time.String()`` text; a Telegram
update is sent bare, as a Telegram trigger sends it.
"""

from __future__ import annotations

import hashlib
import json
import time
from base64 import b64encode
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from polyfaas import Event, EventType
from polyfaas.runtime import EventFormatError, format_rfc3339, new_id
from polyfaas_yandex.emulated.context import resource_id
from polyfaas_yandex.triggers import (
    BUDGET,
    CLOUD_LOGS,
    IOT,
    LOGGING,
    MAIL,
    QUEUE,
    TELEGRAM_UPDATE,
    TIMER,
    YANDEX_STORAGE_TYPE,
    parse_go_time,
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


def format_go_time(moment: datetime, monotonic: float | None = None) -> str:
    """``moment`` as Go's ``time.String()`` prints a UTC time: ``2022-09-15
    14:42:23.983842 +0000 UTC``, the fraction without trailing zeros (none when
    whole), then `` m=+<seconds>.<9 digits>`` when ``monotonic`` is given."""
    utc = _moment(moment).astimezone(timezone.utc)
    text = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d} "
    text += f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    if utc.microsecond:
        text += "." + f"{utc.microsecond:06d}".rstrip("0")
    text += " +0000 UTC"
    if monotonic is not None:
        text += f" m={'-' if monotonic < 0 else '+'}{abs(monotonic):.9f}"
    return text


def _go_form_of(value: Any, moment: datetime | None) -> bool:
    """Whether ``value`` is Go ``time.String()`` text of ``moment`` (any, if ``None``)."""
    if not isinstance(value, str):
        return False
    try:
        parsed = parse_go_time(value)
    except EventFormatError:
        return False
    return moment is None or parsed == _moment(moment)


def _mail(event: Event) -> dict[str, Any]:
    data = event.data
    item = dict(data) if isinstance(data, Mapping) else {"message": _text(data)}
    if not _go_form_of(item.get("received_at"), event.time):
        item["received_at"] = format_go_time(_moment(event.time), time.monotonic())
    item.setdefault("headers", [])
    item.setdefault("message", "")
    return item


def _iot_details(event: Event) -> dict[str, Any]:
    data = event.data
    raw = bytes(data) if isinstance(data, (bytes, bytearray)) else _text(data).encode("utf-8")
    payload = b64encode(raw).decode("ascii")
    topic = event.subject or ""
    if not topic.startswith("$"):  # only broker topics may not start with "$"
        return {"broker_id": event.source, "mqtt_topic": topic, "payload": payload}
    parts = topic.split("/")
    device = parts[1] if len(parts) > 2 and parts[0] == "$devices" else ""
    return {
        "registry_id": event.source,
        "device_id": device,
        "mqtt_topic": topic,
        "payload": payload,
    }


def _telegram(event: Event) -> Any:
    if isinstance(event.data, Mapping) and "update_id" in event.data:
        return dict(event.data)
    update_id = int(event.id) if event.id.isascii() and event.id.isdigit() else 0
    body = event.data if isinstance(event.data, Mapping) else {"text": _text(event.data)}
    return {"update_id": update_id, event.subject or "message": body}


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
        return {"event_metadata": {**metadata, "event_type": IOT}, "details": _iot_details(event)}
    if event.type == EventType.LOG:
        moment = _moment(event.time)
        stamp = int(moment.timestamp())
        nanos = moment.microsecond * 1000
        records = event.data if isinstance(event.data, list) else [event.data]
        older = bool(records) and all(
            isinstance(record, Mapping) and "log_group_id" in record for record in records
        )
        return {
            "event_metadata": {
                **metadata,
                "event_type": CLOUD_LOGS if older else LOGGING,
                "created_at": {"seconds": stamp, "nanos": nanos},
            },
            "details": {"messages": records},
        }
    if event.type == MAIL:
        return _mail(event)
    if event.type == TELEGRAM_UPDATE:
        return _telegram(event)
    if event.type in (EventType.STREAM_RECORD, BUDGET):
        return event.data
    if isinstance(event.native, Mapping) and "event_metadata" in event.native:
        return event.native
    details = dict(event.data) if isinstance(event.data, Mapping) else {"data": event.data}
    return {"event_metadata": {**metadata, "event_type": event.type}, "details": details}


def encode_batch(events: list[Event]) -> Any:
    """The trigger envelope for ``events``; a lone Telegram update is sent bare (a
    Telegram trigger's call has no ``messages`` envelope)."""
    if len(events) == 1 and events[0].type == TELEGRAM_UPDATE:
        return _telegram(events[0])
    return {"messages": [encode_message(event) for event in events]}
