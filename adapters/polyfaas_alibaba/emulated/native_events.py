"""Canonical ``Event`` → the trigger event FC would send (the emulated side of
``triggers``).

Each portable type becomes its usual FC trigger: ``TIMER`` → timer, ``OBJECT_*`` →
OSS, ``LOG`` → SLS, ``TOPIC_MESSAGE`` → MNS topic (JSON mode), ``QUEUE_MESSAGE`` →
MNS queue through EventBridge, ``STREAM_RECORD`` → a Kafka batch of one; ``DIRECT``
→ the payload itself; any other type → an EventBridge CloudEvent of that type.
A queue message whose subject is a RocketMQ (``acs:mq:…``) or RabbitMQ
(``acs:amqp:…``) ARN goes as that source's EventBridge event; an object event that
came from EventBridge (its ``native`` an ``oss:Object…`` CloudEvent) goes back the
same way.
Fields the canonical form does not carry are filled with the function's account and
region, or a fixed default; ``triggers`` reads every result back to the same event.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import TYPE_CHECKING, Any

from polyfaas import Event, EventType
from polyfaas.runtime import dump_json, format_rfc3339
from polyfaas_alibaba.triggers import (
    KAFKA_TYPE,
    MNS_QUEUE_TYPE,
    OSS_EVENTBRIDGE_PREFIX,
    RABBITMQ_TYPE,
    ROCKETMQ_TYPE,
    TABLESTORE_SOURCE,
)

if TYPE_CHECKING:
    from datetime import datetime

_OSS_NAMES = {
    EventType.OBJECT_CREATED: ("ObjectCreated", "ObjectCreated:PutObject"),
    EventType.OBJECT_DELETED: ("ObjectRemoved", "ObjectRemoved:DeleteObject"),
}
#: The EventBridge queue sources a queue message's subject (an ARN) names.
_MQ_TYPES = {"acs:mq:": ROCKETMQ_TYPE, "acs:amqp:": RABBITMQ_TYPE}


def _dumps(obj: Any) -> str:
    return dump_json(obj).decode("utf-8")


def format_time(moment: datetime | None, *, millis: bool = False) -> str:
    """``2023-12-26T07:49:00Z`` (now when ``moment`` is ``None``); with ``millis``, or
    when there are some, ``….000Z``."""
    if moment is None:
        from datetime import datetime, timezone

        moment = datetime.now(timezone.utc)
    return format_rfc3339(moment, 3 if millis or moment.microsecond else 0)


def _text(data: Any) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("utf-8", errors="replace")
    return _dumps(data)


def _epoch_ms(event: Event) -> int:
    return _epoch_us(event) // 1000


def _epoch_us(event: Event) -> int:
    from datetime import datetime, timedelta, timezone

    moment = event.time or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    # exact integer arithmetic: timestamp() * 1000 can round a millisecond away
    return (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


def payload_bytes(data: Any) -> bytes:
    """A direct invocation's payload: bytes as they are, text as UTF-8 (quoted as JSON
    when it would otherwise read back as JSON), anything else as JSON."""
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        try:
            json.loads(data)
        except (ValueError, RecursionError):
            return data.encode("utf-8")
        return dump_json(data)
    return dump_json(data)


def native_event(event: Event, *, account_id: str, region: str) -> Any:
    """The parsed native event for ``event`` (``bytes`` for a direct invocation)."""
    if event.type == EventType.DIRECT:
        # A payload that came as bytes (the InvokeFunction body, a file) goes as it came.
        if isinstance(event.native, (bytes, bytearray)):
            return bytes(event.native)
        return payload_bytes(event.data)
    if event.type == EventType.TIMER:
        return {
            "triggerTime": format_time(event.time),
            "triggerName": event.subject or "timer",
            "payload": _text(event.data),
        }
    if event.type in (EventType.OBJECT_CREATED, EventType.OBJECT_DELETED, EventType.OBJECT_CHANGED):
        if _from_eventbridge(event.native, OSS_EVENTBRIDGE_PREFIX):
            return _oss_eventbridge(event, account_id, region)
        return {"events": [_oss_record(event, account_id, region)]}
    if event.type == EventType.LOG:
        return _sls(event, region)
    if event.type == EventType.TOPIC_MESSAGE:
        message = _text(event.data)
        return {
            "TopicOwner": account_id,
            "Message": message,
            "Subscriber": account_id,
            "PublishTime": _epoch_ms(event),
            "SubscriptionName": event.subject or "polyfaas-subscription",
            "MessageMD5": hashlib.md5(message.encode("utf-8")).hexdigest().upper(),
            "TopicName": event.source,
            "MessageId": event.id,
        }
    if event.type == EventType.STREAM_RECORD and event.source == TABLESTORE_SOURCE:
        return _tablestore(event)
    cloud_event = _cloud_event(event, account_id, region)
    if event.type == EventType.STREAM_RECORD:
        return [_dumps(cloud_event)]
    return cloud_event


def event_payload(event: Event, *, account_id: str, region: str) -> bytes:
    """The bytes FC passes for ``event``: the native event as compact JSON (a direct
    invocation's payload as it is)."""
    native = native_event(event, account_id=account_id, region=region)
    if isinstance(native, bytes):
        return native
    if event.type == EventType.STREAM_RECORD and event.source == TABLESTORE_SOURCE:
        from polyfaas_alibaba.emulated import cbor_encode

        return cbor_encode.dumps(native)  # Tablestore's rows come as CBOR, not JSON
    return dump_json(native)


def _tablestore(event: Event) -> dict[str, Any]:
    """One Tablestore row as the trigger sends it: the row as decoded, else one built
    from the event (a ``PutRow`` of ``data``'s keys and values as attribute columns)."""
    row = event.data
    if not (isinstance(row, dict) and "Type" in row and "Info" in row):
        micros = _epoch_us(event)
        columns = row.items() if isinstance(row, dict) else [("value", row)]
        row = {
            "Type": event.subject or "PutRow",
            "Info": {"Timestamp": micros},
            "PrimaryKey": [{"ColumnName": "id", "Value": event.id}],
            "Columns": [
                {
                    "Type": "Put",
                    "ColumnName": str(name),
                    "Value": value,
                    "Timestamp": micros // 1000,
                }
                for name, value in columns
            ],
        }
    return {"Version": "Sync-v1", "Records": [row]}


def _oss_record(event: Event, account_id: str, region: str) -> dict[str, Any]:
    record: dict[str, Any] = copy.deepcopy(event.data) if isinstance(event.data, dict) else {}
    prefix, default_name = _OSS_NAMES.get(event.type, ("", "ObjectModified:UpdateObjectMeta"))
    name = record.get("eventName")
    if not isinstance(name, str) or (prefix and not name.startswith(prefix + ":")):
        record["eventName"] = default_name
    record.setdefault("eventSource", "acs:oss")
    record["eventTime"] = format_time(event.time, millis=True)
    record.setdefault("eventVersion", "1.0")
    oss = record.setdefault("oss", {})
    bucket = oss.setdefault("bucket", {})
    bucket["name"] = event.source
    bucket.setdefault("arn", f"acs:oss:{region}:{account_id}:{event.source}")
    bucket.setdefault("ownerIdentity", account_id)
    obj = oss.setdefault("object", {})
    obj["key"] = event.subject or ""
    for key, default in (("deltaSize", 0), ("eTag", ""), ("size", 0)):
        obj.setdefault(key, default)
    oss.setdefault("ossSchemaVersion", "1.0")
    oss.setdefault("ruleId", "polyfaas")
    record.setdefault("region", region)
    record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    record["responseElements"] = {"requestId": event.id}
    record.setdefault("userIdentity", {"principalId": account_id})
    return record


def _sls(event: Event, region: str) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(event.data) if isinstance(event.data, dict) else {}
    project, _, logstore = event.source.partition("/")
    source = body.get("source")
    if not isinstance(source, dict):
        source = body["source"] = {}
    source["projectName"] = project
    source["logstoreName"] = logstore
    source.setdefault("beginCursor", "")
    source.setdefault("endCursor", "")
    source.setdefault("endpoint", f"http://{region}-intranet.log.aliyuncs.com")
    subject = event.subject or "0"
    source["shardId"] = int(subject) if subject.isdigit() else subject
    body["cursorTime"] = _epoch_ms(event) // 1000
    body.setdefault("jobName", "polyfaas-job")
    body.setdefault("parameter", {})
    body["taskId"] = event.id
    return body


def _cloud_event(event: Event, account_id: str, region: str) -> dict[str, Any]:
    time = format_time(event.time, millis=True)
    native: dict[str, Any] = {
        "id": event.id,
        "source": event.source,
        "specversion": "1.0",
        "type": event.type,
        "datacontenttype": event.datacontenttype,
        "subject": event.subject,
        "time": time,
        "aliyunaccountid": account_id,
        "aliyunpublishtime": time,
        "aliyunoriginalaccountid": account_id,
        "aliyuneventbusname": "polyfaas",
        "aliyunregionid": region,
        "aliyunpublishaddr": "127.0.0.1",
        "data": _text(event.data) if isinstance(event.data, (bytes, bytearray)) else event.data,
    }
    mq_type = next(
        (kind for prefix, kind in _MQ_TYPES.items() if (event.subject or "").startswith(prefix)),
        None,
    )
    if event.type == EventType.QUEUE_MESSAGE and mq_type is not None:
        native["type"] = mq_type
        native["datacontenttype"] = "application/json; charset=utf-8"
        data = _native_data(event.native, mq_type)
        if mq_type == ROCKETMQ_TYPE:
            data.setdefault("topic", (event.subject or "").rpartition("%")[2] or "polyfaas")
            data.setdefault("systemProperties", {})
            data.setdefault("userProperties", {})
            data["body"] = _text(event.data)
        else:
            data.setdefault("envelope", {"deliveryTag": 1, "exchange": "", "redeliver": False})
            data.setdefault("props", {"messageId": event.id})
            text_body = isinstance(event.data, (str, bytes, bytearray)) or event.data is None
            data["body"] = _text(event.data) if text_body else event.data
        native["data"] = data
    elif event.type == EventType.QUEUE_MESSAGE:
        native["type"] = MNS_QUEUE_TYPE
        native["datacontenttype"] = "application/json;charset=utf-8"
        native["data"] = {
            "requestId": event.id,
            "messageId": event.id,
            "messageBody": _text(event.data),
        }
    elif event.type == EventType.STREAM_RECORD:
        subject = event.subject or ""
        native["type"] = KAFKA_TYPE
        native["datacontenttype"] = "application/json; charset=utf-8"
        native["data"] = {
            "topic": subject.rpartition(":topic:")[2] or "polyfaas",
            "partition": 0,
            "offset": 0,
            "timestamp": _epoch_ms(event),
            "headers": {"headers": [], "isReadOnly": False},
            "value": None if event.data is None else _text(event.data),
        }
    return {key: value for key, value in native.items() if value is not None or key == "data"}


def _from_eventbridge(native: Any, prefix: str) -> bool:
    return isinstance(native, dict) and str(native.get("type", "")).startswith(prefix)


def _native_data(native: Any, native_type: str) -> dict[str, Any]:
    """A copy of the ``data`` of the CloudEvent an event came from, when it is one of
    ``native_type``, so the fields the canonical form drops go back as they came."""
    if isinstance(native, dict) and native.get("type") == native_type:
        data = native.get("data")
        if isinstance(data, dict):
            return copy.deepcopy(data)
    return {}


_OSS_EVENTBRIDGE_TYPES = {
    EventType.OBJECT_CREATED: ("oss:ObjectCreated:", "oss:ObjectCreated:PutObject"),
    EventType.OBJECT_DELETED: ("oss:ObjectRemoved:", "oss:ObjectRemoved:DeleteObject"),
}


def _oss_eventbridge(event: Event, account_id: str, region: str) -> dict[str, Any]:
    """An object event as EventBridge delivers OSS's: a CloudEvent whose ``data`` is
    the OSS record (bucket and key from ``source`` and ``subject``)."""
    native: dict[str, Any] = event.native if isinstance(event.native, dict) else {}
    prefix, default_type = _OSS_EVENTBRIDGE_TYPES.get(
        event.type, ("oss:Object", "oss:ObjectModified:UpdateObjectMeta")
    )
    native_type = str(native.get("type", ""))
    data: dict[str, Any] = copy.deepcopy(event.data) if isinstance(event.data, dict) else {}
    oss = data.setdefault("oss", {})
    oss.setdefault("bucket", {})["name"] = event.source
    oss.setdefault("object", {})["key"] = event.subject or ""
    cloud_event = _cloud_event(
        Event(
            type=native_type if native_type.startswith(prefix) else default_type,
            id=event.id,
            source="acs.oss",
            subject=native.get("subject") or f"acs:oss:{region}:{account_id}:{event.source}",
            time=event.time,
            data=data,
            datacontenttype="application/json;charset=utf-8",
        ),
        account_id,
        region,
    )
    if isinstance(native.get("source"), str):
        cloud_event["source"] = native["source"]
    return cloud_event
