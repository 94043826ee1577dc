"""FC's trigger events (ASSUMPTIONS.md §6) ⇄ canonical ``Event`` / ``EventBatch``.

- timer → ``TIMER``: source ``acs:fc:timer``, subject the trigger name, data the
  payload (``None`` when empty);
- OSS, one record → ``OBJECT_CREATED`` / ``OBJECT_DELETED`` / ``OBJECT_CHANGED``:
  source the bucket name, subject the object key, data the record; several records
  → an ``EventBatch`` of those;
- SLS → ``LOG``: source ``project/logstore``, subject the shard id, data the event;
- MNS topic (JSON mode) → ``TOPIC_MESSAGE``: source the topic, subject the
  subscription, data ``Message``;
- MNS queue through EventBridge → ``QUEUE_MESSAGE``: the CloudEvent's source and
  subject, data ``messageBody``;
- Kafka through EventBridge (a JSON array) → an ``EventBatch`` of ``STREAM_RECORD``:
  the CloudEvent's source and subject, data the record's ``value``;
- OSS through EventBridge (``oss:ObjectCreated:*``, ``oss:ObjectRemoved:*``, other
  ``oss:Object…`` types) → the direct OSS trigger's types and fields: source the
  bucket name, subject the object key, data the CloudEvent's ``data``;
- RocketMQ (``mq:Topic:SendMessage``) and RabbitMQ (``amqp:Queue:SendMessage``)
  through EventBridge → ``QUEUE_MESSAGE``: the CloudEvent's source and subject (the
  instance's ARN, ``acs:mq:…`` / ``acs:amqp:…``), data the message ``body``; an
  event-stream batch of them (a JSON array) → an ``EventBatch``;
- other CloudEvents (any other EventBridge source) → their native ``type``, fields
  as in the CloudEvent;
- Tablestore (CBOR bytes, ``{"Version": "Sync-v1", "Records": [...]}``; the same
  object as JSON is taken too, for samples) → ``STREAM_RECORD`` per row: source
  ``acs:ots``, subject the row's ``Type`` (``PutRow``/``UpdateRow``/``DeleteRow``),
  time ``Info.Timestamp`` (microseconds), data the row as sent (``Blob`` values as
  bytes); several rows → an ``EventBatch``;
- anything else → ``DIRECT``: source ``acs:fc``, data JSON, else text, else bytes.

Events that carry no id take the invocation's request id. ``native`` always keeps
the native record. What the canonical form drops (OSS sizes are kept in ``data``;
MNS ``TopicOwner``/``MessageMD5``, the CloudEvents ``aliyun*`` extensions, Kafka
partition/offset/key) is rebuilt with defaults by the platform half. An MNS topic
in STREAM mode sends the raw message, which cannot be told from a direct call.
A payload that has a trigger's keys but wrong types is an ``EventFormatError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas import Event, EventBatch, EventType
from polyfaas.runtime import EventFormatError, parse_epoch, parse_rfc3339

if TYPE_CHECKING:  # datetime is imported when an event carries a time, not at start-up
    from datetime import datetime

MNS_QUEUE_TYPE = "mns:Queue:SendMessage"
KAFKA_TYPE = "alikafka:Topic:Message"
ROCKETMQ_TYPE = "mq:Topic:SendMessage"
RABBITMQ_TYPE = "amqp:Queue:SendMessage"
#: The prefix of EventBridge's OSS event types (``oss:ObjectCreated:PutObject``).
OSS_EVENTBRIDGE_PREFIX = "oss:Object"
TIMER_SOURCE = "acs:fc:timer"
DIRECT_SOURCE = "acs:fc"
TABLESTORE_SOURCE = "acs:ots"


def _bad(kind: str, message: str) -> EventFormatError:
    return EventFormatError(f"malformed FC {kind} event: {message}")


def _time(value: Any, kind: str) -> datetime | None:
    # RFC 3339 (``Z`` or an offset; none means UTC); a bad time is an EventFormatError
    return parse_rfc3339(value, f"malformed FC {kind} event")


def _epoch(value: Any, kind: str, *, scale: int) -> datetime | None:
    return parse_epoch(value, f"malformed FC {kind} event", scale=scale)


def _str(obj: Mapping[str, Any], key: str, kind: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if isinstance(value, str):
        return value
    if value is None and not required:
        return None
    raise _bad(kind, f"{key!r} must be a string, not {type(value).__name__}")


def _dict(obj: Mapping[str, Any], key: str, kind: str) -> dict[str, Any]:
    value = obj.get(key)
    if not isinstance(value, dict):
        raise _bad(kind, f"{key!r} must be an object, not {type(value).__name__}")
    return value


# -- detection -----------------------------------------------------------------------


def _cloud_event(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # not JSON, or nested too deep for it
            return None
    if isinstance(value, dict) and "specversion" in value and "type" in value:
        return value
    return None


def kind_of(event: Any) -> str | None:
    """Which trigger sent a parsed event: ``timer``, ``oss``, ``sls``, ``mns-topic``,
    ``cloudevent`` (MNS queue and other EventBridge sources), ``kafka`` (a batch of
    CloudEvents); ``None`` for a direct invocation."""
    if isinstance(event, list):
        return "kafka" if event and _cloud_event(event[0]) is not None else None
    if not isinstance(event, dict):
        return None
    if "triggerTime" in event and "triggerName" in event:
        return "timer"
    records = event.get("events")
    if (
        isinstance(records, list)
        and records
        and isinstance(records[0], dict)
        and records[0].get("eventSource") == "acs:oss"
    ):
        return "oss"
    if {"jobName", "taskId", "cursorTime", "source"} <= event.keys():
        return "sls"
    if {"TopicName", "Message", "MessageId"} <= event.keys():
        return "mns-topic"
    if "specversion" in event and "type" in event:
        return "cloudevent"
    if is_tablestore(event):
        return "tablestore"
    return None


def is_tablestore(event: Any) -> bool:
    """Whether a decoded payload is a Tablestore trigger's (its two keys exactly)."""
    return (
        isinstance(event, dict)
        and event.keys() == {"Version", "Records"}
        and isinstance(event["Version"], str)
        and isinstance(event["Records"], list)
    )


# -- native → canonical --------------------------------------------------------------


def event_from_native(event: Any, raw: bytes, request_id: str) -> Event | EventBatch:
    """The canonical form of a parsed trigger event (``raw`` is the payload itself)."""
    kind = kind_of(event)
    if kind == "timer":
        return _timer(event, request_id)
    if kind == "oss":
        records = [_oss(record, index, request_id) for index, record in enumerate(event["events"])]
        return records[0] if len(records) == 1 else EventBatch(records, native=event)
    if kind == "sls":
        return _sls(event)
    if kind == "mns-topic":
        return _mns_topic(event)
    if kind == "cloudevent":
        return from_cloud_event(event, request_id)
    if kind == "kafka":
        return _batch(event, request_id)
    if kind == "tablestore":
        return tablestore_event(event, request_id)
    return Event(type=EventType.DIRECT, id=request_id, source=DIRECT_SOURCE, data=event, native=raw)


def direct_event(raw: bytes, request_id: str) -> Event:
    """A direct invocation whose payload is not JSON: text when UTF-8, else bytes."""
    data: Any = None
    if raw:
        try:
            data = raw.decode("utf-8")
        except UnicodeDecodeError:
            data = raw
    return Event(type=EventType.DIRECT, id=request_id, source=DIRECT_SOURCE, data=data, native=raw)


def _timer(event: dict[str, Any], request_id: str) -> Event:
    name = _str(event, "triggerName", "timer")
    payload = _str(event, "payload", "timer", required=False)
    return Event(
        type=EventType.TIMER,
        id=request_id,
        source=TIMER_SOURCE,
        subject=name,
        time=_time(event["triggerTime"], "timer"),
        data=payload or None,
        native=event,
    )


_OSS_TYPES = {"ObjectCreated": EventType.OBJECT_CREATED, "ObjectRemoved": EventType.OBJECT_DELETED}


def _oss(record: Any, index: int, request_id: str) -> Event:
    if not isinstance(record, dict):
        raise _bad("OSS", f"events[{index}] must be an object")
    name = _str(record, "eventName", "OSS")
    oss = _dict(record, "oss", "OSS")
    bucket = _str(_dict(oss, "bucket", "OSS"), "name", "OSS")
    key = _str(_dict(oss, "object", "OSS"), "key", "OSS")
    response = record.get("responseElements")
    native_id = response.get("requestId") if isinstance(response, dict) else None
    return Event(
        type=_OSS_TYPES.get(str(name).split(":", 1)[0], EventType.OBJECT_CHANGED),
        id=native_id if isinstance(native_id, str) and native_id else f"{request_id}#{index}",
        source=str(bucket),
        subject=key,
        time=_time(record.get("eventTime"), "OSS"),
        data=record,
        datacontenttype="application/json",
        native=record,
    )


def _sls(event: dict[str, Any]) -> Event:
    source = _dict(event, "source", "SLS")
    project = _str(source, "projectName", "SLS")
    logstore = _str(source, "logstoreName", "SLS")
    shard = source.get("shardId")
    if shard is not None and (isinstance(shard, bool) or not isinstance(shard, (int, str))):
        raise _bad("SLS", f"'shardId' must be an integer, not {type(shard).__name__}")
    return Event(
        type=EventType.LOG,
        id=_str(event, "taskId", "SLS") or "",
        source=f"{project}/{logstore}",
        subject=None if shard is None else str(shard),
        time=_epoch(event["cursorTime"], "SLS", scale=1),
        data=event,
        datacontenttype="application/json",
        native=event,
    )


def _mns_topic(event: dict[str, Any]) -> Event:
    return Event(
        type=EventType.TOPIC_MESSAGE,
        id=_str(event, "MessageId", "MNS topic") or "",
        source=_str(event, "TopicName", "MNS topic") or "",
        subject=_str(event, "SubscriptionName", "MNS topic", required=False),
        time=_epoch(event.get("PublishTime"), "MNS topic", scale=1000),
        data=_str(event, "Message", "MNS topic"),
        native=event,
    )


def from_cloud_event(event: dict[str, Any], request_id: str) -> Event:
    """One EventBridge CloudEvent: an MNS queue message, a Kafka record, or another
    source's event under its own ``type``."""
    kind = "CloudEvents"
    native_type = _str(event, "type", kind) or ""
    _str(event, "specversion", kind)
    data = event.get("data")
    content_type = _str(event, "datacontenttype", kind, required=False)
    portable_type = native_type
    if native_type == MNS_QUEUE_TYPE:
        if not isinstance(data, dict):
            raise _bad("MNS queue", "'data' must be an object")
        data, content_type, portable_type = (
            _str(data, "messageBody", "MNS queue"),
            None,
            EventType.QUEUE_MESSAGE,
        )
    elif native_type in (ROCKETMQ_TYPE, RABBITMQ_TYPE):
        name = "RocketMQ" if native_type == ROCKETMQ_TYPE else "RabbitMQ"
        if not isinstance(data, dict):
            raise _bad(name, "'data' must be an object")
        body = data.get("body")
        data, portable_type = body, EventType.QUEUE_MESSAGE
        content_type = None if isinstance(body, str) else "application/json"
    elif native_type.startswith(OSS_EVENTBRIDGE_PREFIX) and _has_oss_record(data):
        return _oss_eventbridge(event, native_type, request_id)
    elif native_type == KAFKA_TYPE:
        if not isinstance(data, dict):
            raise _bad("Kafka", "'data' must be an object")
        value = data.get("value")
        if value is not None and not isinstance(value, str):
            raise _bad("Kafka", f"'value' must be a string, not {type(value).__name__}")
        data, content_type, portable_type = value, None, EventType.STREAM_RECORD
    return Event(
        type=portable_type,
        id=_str(event, "id", kind, required=False) or request_id,
        source=_str(event, "source", kind, required=False) or "acs:eventbridge",
        subject=_str(event, "subject", kind, required=False),
        time=_time(event.get("time"), kind),
        data=data,
        datacontenttype=content_type,
        native=event,
    )


def _has_oss_record(data: Any) -> bool:
    # EventBridge's OSS data is assumed to be the OSS record; anything else keeps its type.
    oss = data.get("oss") if isinstance(data, dict) else None
    return (
        isinstance(oss, dict)
        and isinstance(oss.get("bucket"), dict)
        and (isinstance(oss.get("object"), dict))
    )


def _oss_eventbridge(event: dict[str, Any], native_type: str, request_id: str) -> Event:
    """An OSS event delivered by EventBridge: the direct OSS trigger's canonical form."""
    kind = "OSS (EventBridge)"
    data = _dict(event, "data", kind)
    oss = _dict(data, "oss", kind)
    bucket = _str(_dict(oss, "bucket", kind), "name", kind)
    key = _str(_dict(oss, "object", kind), "key", kind)
    action = native_type.split(":")[1] if native_type.count(":") >= 2 else ""
    return Event(
        type=_OSS_TYPES.get(action, EventType.OBJECT_CHANGED),
        id=_str(event, "id", kind, required=False) or request_id,
        source=str(bucket),
        subject=key,
        time=_time(event.get("time"), kind),
        data=data,
        datacontenttype="application/json",
        native=event,
    )


def _batch(batch: list[Any], request_id: str) -> EventBatch:
    events = []
    for index, element in enumerate(batch):
        parsed = _cloud_event(element)
        if parsed is None:
            raise _bad("EventBridge batch", f"element {index} is not a CloudEvent")
        events.append(from_cloud_event(parsed, f"{request_id}#{index}"))
    return EventBatch(events, native=batch)


def tablestore_event(event: dict[str, Any], request_id: str) -> Event | EventBatch:
    """A Tablestore trigger's rows (the decoded CBOR), one event each."""
    events = []
    for index, row in enumerate(event["Records"]):
        kind = f"Tablestore row {index}"
        if not isinstance(row, dict):
            raise _bad("Tablestore", f"row {index} must be an object, not {type(row).__name__}")
        info = _dict(row, "Info", kind)
        events.append(
            Event(
                type=EventType.STREAM_RECORD,
                id=f"{request_id}#{index}",
                source=TABLESTORE_SOURCE,
                subject=_str(row, "Type", kind),
                time=_epoch(info.get("Timestamp"), kind, scale=1_000_000),
                data=row,
                native=row,
            )
        )
    if len(events) == 1:
        return events[0]
    return EventBatch(events, native=event)
