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
iot.IoTMessage (registry or broker)      ``IOT_MESSAGE``        registry|broker / topic
serverless.triggers.LoggingMessageBatch  ``LOG``                folder / —
serverless.triggers.CloudLogsMessageBatch ``LOG`` (Cloud Logs)  folder / —
(no metadata: Data Streams record)       ``STREAM_RECORD``      ``data-streams``
(no metadata: budget notification)       ``BUDGET``             account / budget
(no metadata: mail)                      ``MAIL``               ``mail`` / —
(no envelope: a Telegram ``Update``)     ``TELEGRAM_UPDATE``    ``telegram`` / kind
anything else (container registry, …)    the Yandex type        see ``_decode_other``
======================================  =====================  ===================

The platform side (``Event`` → trigger message) is in ``emulated.trigger_calls``.

Times are RFC 3339 text, Cloud Logging's ``{seconds, nanos}``, or Go's
``time.String()`` text (mail's ``received_at``): ``parse_time``.

Lossy points: queue attributes and message attributes, IoT ``device_id``, the
tracing context and cloud/folder ids live only in ``Event.native``. An IoT payload
is decoded like a direct payload (JSON, else text, else bytes). A batch whose
items have no ``event_metadata`` and no budget/mail shape is taken for Data
Streams records: the platform gives them no marker ([unconfirmed]).
"""

from __future__ import annotations

import re
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
#: The older Cloud Logs trigger (log groups of the Cloud Logs service).
CLOUD_LOGS = PREFIX + "serverless.triggers.CloudLogsMessageBatch"
#: Types polyfaas gives the items that carry none (the platform names no type).
BUDGET = "yandex.billing.budget"
MAIL = "yandex.mail.message"
#: A Telegram Bot API ``Update`` (a Telegram trigger's call; ASSUMPTIONS.md).
TELEGRAM_UPDATE = "telegram.update"
TELEGRAM_SOURCE = "telegram"
CLOUD_LOGS_SOURCE = "cloud-logs"
DATA_STREAMS_SOURCE = "data-streams"

_STORAGE = {
    OBJECT_CREATE: EventType.OBJECT_CREATED,
    OBJECT_DELETE: EventType.OBJECT_DELETED,
    OBJECT_UPDATE: EventType.OBJECT_CHANGED,
}
#: Portable storage type → the Yandex event type (the platform side).
YANDEX_STORAGE_TYPE = {v: k for k, v in _STORAGE.items()}


def is_trigger_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is a trigger's call: the ``{"messages": [...]}`` envelope, or
    the bare Telegram ``Update`` a Telegram trigger sends (``is_telegram_update``)."""
    if "httpMethod" in event:
        return False
    return isinstance(event.get("messages"), list) or is_telegram_update(event)


def is_telegram_update(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is a Telegram Bot API ``Update``: an integer ``update_id`` and
    one or more other fields, each an object (``message``, ``callback_query``, …)."""
    if type(event.get("update_id")) is not int or len(event) < 2:
        return False
    return all(isinstance(value, Mapping) for key, value in event.items() if key != "update_id")


def decode_telegram(update: Mapping[str, Any]) -> Event:
    """A Telegram ``Update`` → ``Event`` of type ``TELEGRAM_UPDATE``: ``id`` the
    ``update_id``, ``subject`` the update's kind (``message``, ``callback_query``…),
    ``time`` its ``edit_date`` or ``date`` when it has one, ``data`` the ``Update``."""
    kind = next(key for key in update if key != "update_id")
    body = update[kind]
    stamp = body.get("edit_date", body.get("date"))
    when = parse_epoch(stamp, "Telegram update: bad date") if type(stamp) is int else None
    return Event(
        type=TELEGRAM_UPDATE,
        id=str(update["update_id"]),
        source=TELEGRAM_SOURCE,
        subject=kind,
        time=when,
        data=dict(update),
        native=update,
    )


def is_yandex_trigger(event: Mapping[str, Any]) -> bool:
    """Whether the first message carries a ``yandex.cloud.events.*`` type (a sure marker)."""
    messages = event.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], Mapping):
        return False
    metadata = messages[0].get("event_metadata")
    return isinstance(metadata, Mapping) and str(metadata.get("event_type", "")).startswith(PREFIX)


def parse_time(value: Any) -> datetime | None:
    """A trigger's time: RFC 3339 text (any number of fraction digits), Go's
    ``time.String()`` text (``parse_go_time``), or the ``{seconds, nanos}`` object of
    Cloud Logging's ``created_at``; ``None`` when absent. A bad time (``""``
    included) is an ``EventFormatError``."""
    where = "Yandex trigger: bad time"
    if value == "":
        raise EventFormatError(f"{where}: an empty string")
    if isinstance(value, Mapping):
        seconds, nanos = value.get("seconds", 0), value.get("nanos", 0)
        if type(seconds) is not int or type(nanos) is not int:
            raise EventFormatError(f"{where}: seconds and nanos must be integers: {value!r:.60}")
        return parse_epoch(seconds * 1_000_000 + nanos // 1000, where, scale=1_000_000)
    if isinstance(value, str) and " " in value:  # RFC 3339 has no space, Go's form has
        return parse_go_time(value, where)
    return parse_rfc3339(value, where)


#: Go's ``time.String()`` layout, ``2006-01-02 15:04:05.999999999 -0700 MST``, and
#: the optional monotonic reading ``m=±ddd.nnnnnnnnn`` it appends.
_GO_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))? ([+-])([0-9]{2})([0-9]{2})"
    r"(?: (?:[A-Za-z]{1,16}|[+-][0-9]{2}(?:[0-9]{2})?))?"
    r"(?: m=[+-][0-9]{1,20}\.[0-9]{9})?"
)


def parse_go_time(value: str, where: str = "Yandex trigger: bad time") -> datetime:
    """Go's ``time.String()`` text, ``2022-09-15 14:42:23.983842092 +0000 UTC
    m=+260285.403254765``, as an aware UTC datetime (ASSUMPTIONS.md).

    The fraction has 0 to 9 digits (kept to the microsecond), the numeric offset
    fixes the instant, the zone abbreviation (``UTC``, ``MSK``, ``+03``) is checked
    for shape only, and the monotonic clock reading ``m=±…`` is dropped. Anything
    else is an ``EventFormatError`` naming ``where``.
    """
    match = _GO_TIME.fullmatch(value)
    if match is None:
        raise EventFormatError(f"{where}: not a Go time.String() time: {value!r:.80}")
    from datetime import datetime, timedelta, timezone

    year, month, day, hour, minute, second, fraction, sign, zh, zm = match.groups()
    if int(zh) > 23 or int(zm) > 59:
        raise EventFormatError(f"{where}: offset out of range: {value!r:.80}")
    offset = timedelta(hours=int(zh), minutes=int(zm))
    zone = timezone(-offset if sign == "-" else offset)
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micros, zone
        )
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise EventFormatError(f"{where}: {value!r:.80} ({exc})") from None


def _field(mapping: Mapping[str, Any], key: str, kind: str, *types: type) -> Any:
    value = mapping.get(key)
    if not isinstance(value, types or (str,)):
        raise EventFormatError(f"Yandex {kind} message: {key!r} is missing or mistyped")
    return value


def decode_batch(event: Mapping[str, Any], request_id: str = "") -> EventBatch | Event:
    """The ``EventBatch`` of a trigger envelope (a Telegram trigger's bare ``Update``:
    its one ``Event``); ``EventFormatError`` if malformed.

    Items without an id of their own get ``<request_id>-<index>``, stable per call.
    """
    if "messages" not in event and is_telegram_update(event):
        return decode_telegram(event)
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
        # base64 is imported by the one trigger that carries it, not on the cold start.
        import binascii
        from base64 import b64decode

        try:
            raw = b64decode(_field(details, "payload", "IoT"), validate=True)
        except (binascii.Error, ValueError):
            raise EventFormatError("Yandex IoT message: 'payload' is not valid base64") from None
        # A registry (device) message names its registry; a broker message its broker.
        broker = "registry_id" not in details and "broker_id" in details
        origin = "broker_id" if broker else "registry_id"
        return Event(
            type=EventType.IOT_MESSAGE,
            data=payload_data(raw),
            source=_field(details, origin, "IoT"),
            subject=_field(details, "mqtt_topic", "IoT"),
            **common,
        )
    if kind in (LOGGING, CLOUD_LOGS):
        default = "cloud-logging" if kind == LOGGING else CLOUD_LOGS_SOURCE
        return Event(
            type=EventType.LOG,
            data=_field(details, "messages", "logging", list),
            source=str(metadata.get("folder_id") or default),
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
