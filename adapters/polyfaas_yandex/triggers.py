"""Trigger payloads ``{"messages": [...]}`` ⇄ ``EventBatch`` (ASSUMPTIONS.md).

Every trigger calls the function with ``integration=raw`` and a batch of messages.
Each message becomes one ``Event`` in the portable vocabulary where one exists:

======================================  =====================  ===================
Yandex ``event_type`` (after prefix)     ``Event.type``         source / subject
======================================  =====================  ===================
serverless.triggers.TimerMessage         ``TIMER``              trigger id / —
messagequeue.QueueMessage                ``QUEUE_MESSAGE``      queue YRN / msg id
storage.ObjectCreate / ObjectDelete      ``OBJECT_CREATED/…``   bucket / key
storage.ObjectUpdate (an ACL edit)       ``OBJECT_CHANGED``     bucket / key
iot.IoTMessage                           ``IOT_MESSAGE``        registry / topic
serverless.triggers.LoggingMessageBatch  ``LOG``                folder / —
(no metadata: Data Streams record)       ``STREAM_RECORD``      ``data-streams``
(no metadata: budget notification)       ``BUDGET``             account / budget
(no metadata: mail)                      ``MAIL``               ``mail`` / —
anything else (container registry, …)    the Yandex type        see ``_decode_other``
======================================  =====================  ===================

The platform side (``Event`` → trigger message) is in ``emulated.trigger_calls``.

Lossy points: queue attributes and message attributes, IoT ``device_id``, the
tracing context and cloud/folder ids live only in ``Event.native``. An IoT payload
is decoded like a direct payload (JSON, else text, else bytes). A batch whose
items have no ``event_metadata`` and no budget/mail shape is taken for Data
Streams records: the platform gives them no marker ([unconfirmed]).
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas import Event, EventBatch, EventType
from polyfaas.runtime import EventFormatError, new_id, parse_epoch, parse_rfc3339, payload_data

if TYPE_CHECKING:  # datetime is imported when a trigger carries a time, not at start-up
    from datetime import datetime

PREFIX = "yandex.cloud.events."
TIMER = PREFIX + "serverless.triggers.TimerMessage"
QUEUE = PREFIX + "messagequeue.QueueMessage"
OBJECT_CREATE = PREFIX + "storage.ObjectCreate"
OBJECT_DELETE = PREFIX + "storage.ObjectDelete"
OBJECT_UPDATE = PREFIX + "storage.ObjectUpdate"
IOT = PREFIX + "iot.IoTMessage"
LOGGING = PREFIX + "serverless.triggers.LoggingMessageBatch"
#: Types polyfaas gives the items that carry none (the platform names no type).
BUDGET = "yandex.billing.budget"
MAIL = "yandex.mail.message"
DATA_STREAMS_SOURCE = "data-streams"

_STORAGE = {
    OBJECT_CREATE: EventType.OBJECT_CREATED,
    OBJECT_DELETE: EventType.OBJECT_DELETED,
    OBJECT_UPDATE: EventType.OBJECT_CHANGED,
}
#: Portable storage type → the Yandex event type (the platform side).
YANDEX_STORAGE_TYPE = {v: k for k, v in _STORAGE.items()}


def is_trigger_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is a trigger's ``{"messages": [...]}`` envelope."""
    return isinstance(event.get("messages"), list) and "httpMethod" not in event


def is_yandex_trigger(event: Mapping[str, Any]) -> bool:
    """Whether the first message carries a ``yandex.cloud.events.*`` type (a sure marker)."""
    messages = event.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], Mapping):
        return False
    metadata = messages[0].get("event_metadata")
    return isinstance(metadata, Mapping) and str(metadata.get("event_type", "")).startswith(PREFIX)


def parse_time(value: Any) -> datetime | None:
    """A trigger's time: RFC 3339 text (any number of fraction digits), or the
    ``{seconds, nanos}`` object of Cloud Logging's ``created_at``; ``None`` when absent.
    A bad time (``""`` included) is an ``EventFormatError``."""
    where = "Yandex trigger: bad time"
    if value == "":
        raise EventFormatError(f"{where}: an empty string")
    if isinstance(value, Mapping):
        seconds, nanos = value.get("seconds", 0), value.get("nanos", 0)
        if type(seconds) is not int or type(nanos) is not int:
            raise EventFormatError(f"{where}: seconds and nanos must be integers: {value!r:.60}")
        return parse_epoch(seconds * 1_000_000 + nanos // 1000, where, scale=1_000_000)
    return parse_rfc3339(value, where)


def _field(mapping: Mapping[str, Any], key: str, kind: str, *types: type) -> Any:
    value = mapping.get(key)
    if not isinstance(value, types or (str,)):
        raise EventFormatError(f"Yandex {kind} message: {key!r} is missing or mistyped")
    return value


def decode_batch(event: Mapping[str, Any], request_id: str = "") -> EventBatch:
    """The ``EventBatch`` of a trigger envelope; ``EventFormatError`` if malformed.

    Items without an id of their own get ``<request_id>-<index>``, stable per call.
    """
    messages = event.get("messages")
    if not isinstance(messages, list):
        raise EventFormatError("Yandex trigger event: 'messages' must be a list")
    base = request_id or new_id()
    return EventBatch(
        [decode_message(item, f"{base}-{i}") for i, item in enumerate(messages)], native=event
    )


def decode_message(item: Any, fallback_id: str = "") -> Event:
    """One trigger message → ``Event`` (``fallback_id`` when it carries no id)."""
    fallback_id = fallback_id or new_id()
    if not isinstance(item, Mapping):
        return Event(
            type=EventType.STREAM_RECORD,
            id=fallback_id,
            data=item,
            source=DATA_STREAMS_SOURCE,
            native=item,
        )
    metadata = item.get("event_metadata")
    if metadata is None:
        return _decode_plain(item, fallback_id)
    if not isinstance(metadata, Mapping):
        raise EventFormatError("Yandex trigger message: 'event_metadata' must be an object")
    kind = _field(metadata, "event_type", "trigger")
    details = item.get("details", {})
    if not isinstance(details, Mapping):
        raise EventFormatError("Yandex trigger message: 'details' must be an object")
    event_id = metadata.get("event_id")
    common: dict[str, Any] = {
        "id": event_id if isinstance(event_id, str) and event_id else fallback_id,
        "time": parse_time(metadata.get("created_at")),
        "native": item,
    }
    if kind == TIMER:
        payload = details.get("payload")
        if payload is not None and not isinstance(payload, str):
            raise EventFormatError("Yandex timer message: 'payload' must be a string")
        source = _field(details, "trigger_id", "timer")
        return Event(type=EventType.TIMER, data=payload, source=source, **common)
    if kind == QUEUE:
        message = _field(details, "message", "queue", Mapping)
        return Event(
            type=EventType.QUEUE_MESSAGE,
            data=_field(message, "body", "queue"),
            source=_field(details, "queue_id", "queue"),
            subject=_field(message, "message_id", "queue"),
            **common,
        )
    if kind in _STORAGE:
        return Event(
            type=_STORAGE[kind],
            source=_field(details, "bucket_id", "storage"),
            subject=_field(details, "object_id", "storage"),
            **common,
        )
    if kind == IOT:
        try:
            raw = b64decode(_field(details, "payload", "IoT"), validate=True)
        except (binascii.Error, ValueError):
            raise EventFormatError("Yandex IoT message: 'payload' is not valid base64") from None
        return Event(
            type=EventType.IOT_MESSAGE,
            data=payload_data(raw),
            source=_field(details, "registry_id", "IoT"),
            subject=_field(details, "mqtt_topic", "IoT"),
            **common,
        )
    if kind == LOGGING:
        return Event(
            type=EventType.LOG,
            data=_field(details, "messages", "logging", list),
            source=str(metadata.get("folder_id") or "cloud-logging"),
            **common,
        )
    return _decode_other(kind, details, metadata, common)


def _decode_other(
    kind: str, details: Mapping[str, Any], metadata: Mapping[str, Any], common: dict[str, Any]
) -> Event:
    # Container Registry and any type polyfaas does not know: the platform's own type.
    registry, repository = details.get("registry_id"), details.get("repository_name")
    if isinstance(registry, str) and isinstance(repository, str):
        tag = details.get("tag")
        subject = f"{repository}:{tag}" if isinstance(tag, str) and tag else repository
        return Event(type=kind, data=dict(details), source=registry, subject=subject, **common)
    source = str(metadata.get("folder_id") or kind.removeprefix(PREFIX).partition(".")[0])
    return Event(type=kind, data=dict(details), source=source, **common)


def _decode_plain(item: Mapping[str, Any], event_id: str) -> Event:
    if "budget_id" in item and "billing_account_id" in item:
        return Event(
            type=BUDGET,
            data=dict(item),
            source=str(item["billing_account_id"]),
            subject=str(item["budget_id"]),
            id=event_id,
            native=item,
        )
    if "received_at" in item and "message" in item:
        return Event(
            type=MAIL,
            data=dict(item),
            source="mail",
            time=parse_time(item["received_at"]),
            id=event_id,
            native=item,
        )
    return Event(
        type=EventType.STREAM_RECORD,
        data=item,
        source=DATA_STREAMS_SOURCE,
        id=event_id,
        native=item,
    )
