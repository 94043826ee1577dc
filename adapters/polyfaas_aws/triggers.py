"""Lambda's trigger events → canonical ``Event`` / ``EventBatch`` (ASSUMPTIONS.md,
"Triggers"), and the partial batch answer ``{"batchItemFailures": [...]}``.

A trigger is told by its documented shape; anything else is a direct invocation:

=========================================  ==================  =============================
native                                     ``Event.type``      source / subject / data
=========================================  ==================  =============================
``Records[].eventSource`` ``aws:sqs``      ``QUEUE_MESSAGE``   queue ARN / message id / body
``Records[].EventSource`` ``aws:sns``      ``TOPIC_MESSAGE``   topic ARN / ``Subject`` / message
``Records[].eventSource`` ``aws:s3``       ``OBJECT_*``        bucket / key (URL-decoded) / record
``aws:dynamodb``                           ``STREAM_RECORD``   stream ARN / ``eventName`` /
                                                               ``dynamodb``
``aws:kinesis``                            ``STREAM_RECORD``   stream ARN / partition key / data
``"Scheduled Event"`` from ``aws.events``  ``TIMER``           rule or schedule ARN / its name /
or ``aws.scheduler``                                           ``detail`` (``None`` when empty)
``aws.s3`` ``Object Created``/``Deleted``  ``OBJECT_*``        bucket / key / ``detail``
any other EventBridge event                its detail-type     its ``source`` / resource /
                                                               ``detail``
=========================================  ==================  =============================

One record is an ``Event``, several an ``EventBatch`` (in order). ``native`` is the
record (the whole event for EventBridge and for a batch). Kinesis data is base64:
``data`` is its text when UTF-8, else its bytes (as a queue's body, never parsed).

Partial batch answers (``REPORT_BATCH_ITEM_FAILURES_ENV`` set, as the event source
mapping's ``FunctionResponseTypes: [ReportBatchItemFailures]`` is): SQS, Kinesis and
DynamoDB records always come as an ``EventBatch`` whose ``item_failures`` is
``"each"`` (a standard queue: every message runs) or ``"ordered"`` (a FIFO queue or
a stream: after the first failure the rest are failed unrun); the entry answers the
events that failed, which ``batch_item_failures`` writes as Lambda reads them.
A record of a trigger's shape with wrong types is an ``EventFormatError``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from polyfaas import Event, EventBatch, EventType
from polyfaas.runtime import EventFormatError, parse_epoch, parse_rfc3339

if TYPE_CHECKING:  # datetime is imported when an event carries a time, not at start-up
    from datetime import datetime

#: Set (to anything but ``""``, ``0``, ``false``, ``no``, ``off``) when the event source
#: mappings have ``ReportBatchItemFailures``: Lambda reads partial answers only then.
REPORT_BATCH_ITEM_FAILURES_ENV = "POLYFAAS_AWS_REPORT_BATCH_ITEM_FAILURES"

SQS, SNS, S3, DYNAMODB, KINESIS = "aws:sqs", "aws:sns", "aws:s3", "aws:dynamodb", "aws:kinesis"
#: The ``Records`` sources polyfaas maps, each a trigger kind.
RECORD_SOURCES = frozenset({SQS, SNS, S3, DYNAMODB, KINESIS})
#: Sources whose event source mappings take ``batchItemFailures``.
BATCH_ANSWER_SOURCES = frozenset({SQS, DYNAMODB, KINESIS})
SCHEDULE_SOURCES = frozenset({"aws.events", "aws.scheduler"})
SCHEDULED_EVENT = "Scheduled Event"
_S3_EVENTBRIDGE = {
    "Object Created": EventType.OBJECT_CREATED,
    "Object Deleted": EventType.OBJECT_DELETED,
}
_S3_ACTIONS = {"ObjectCreated": EventType.OBJECT_CREATED, "ObjectRemoved": EventType.OBJECT_DELETED}


def _bad(kind: str, message: str) -> EventFormatError:
    return EventFormatError(f"malformed Lambda {kind} event: {message}")


def _str(obj: Mapping[str, Any], key: str, kind: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if isinstance(value, str):
        return value
    if value is None and not required:
        return None
    raise _bad(kind, f"{key!r} must be a string, not {type(value).__name__}")


def _dict(obj: Mapping[str, Any], key: str, kind: str) -> Mapping[str, Any]:
    value = obj.get(key)
    if not isinstance(value, Mapping):
        raise _bad(kind, f"{key!r} must be an object, not {type(value).__name__}")
    return value


def _identifier(obj: Mapping[str, Any], key: str, kind: str) -> str:
    # An item's identifier (a message id, a sequence number): Lambda fails a whole
    # batch whose answer names an empty one, so an empty one is malformed here.
    value = _str(obj, key, kind)
    if not value:
        raise _bad(kind, f"{key!r} is empty")
    return value


def _epoch(value: Any, kind: str, *, scale: int) -> datetime | None:
    if isinstance(value, str) and len(value) > 20:  # int() of a huge digit string raises
        raise _bad(kind, f"not an epoch time: {value!r:.40}")
    return parse_epoch(value, f"malformed Lambda {kind} event", scale=scale)


def _time(value: Any, kind: str) -> datetime | None:
    return parse_rfc3339(value, f"malformed Lambda {kind} event")


# -- detection -----------------------------------------------------------------------


def record_source(event: Any) -> str | None:
    """The ``eventSource`` of a ``Records`` event of a mapped trigger (the first
    record's: Lambda never mixes sources in one event), else ``None``."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return None
    records = event.get("Records")
    if not isinstance(records, list) or not records or not isinstance(records[0], Mapping):
        return None
    first = records[0]
    source = first.get("eventSource", first.get("EventSource"))
    return source if isinstance(source, str) and source in RECORD_SOURCES else None


def is_eventbridge(event: Any) -> bool:
    """Whether ``event`` is an EventBridge event (``detail-type`` and ``source``)."""
    return (
        isinstance(event, Mapping)
        and isinstance(event.get("detail-type"), str)
        and isinstance(event.get("source"), str)
        and "detail" in event
    )


def is_trigger(event: Any) -> bool:
    """Whether ``event`` is a trigger's (``decode`` maps it) rather than a direct payload."""
    return record_source(event) is not None or is_eventbridge(event)


def report_failures(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether partial batch answers are on (``REPORT_BATCH_ITEM_FAILURES_ENV``)."""
    value = environ.get(REPORT_BATCH_ITEM_FAILURES_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


# -- native → canonical --------------------------------------------------------------


def decode(
    event: Mapping[str, Any], request_id: str, *, partial: bool = False
) -> Event | EventBatch:
    """The canonical form of a trigger's event (``is_trigger``); ``partial``: the
    event source mapping takes partial batch answers."""
    source = record_source(event)
    if source is None:
        return _eventbridge(event, request_id)
    records: list[Any] = event["Records"]
    events = []
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise _bad(source, f"Records[{index}] must be an object, not {type(record).__name__}")
        own = record.get("eventSource", record.get("EventSource"))
        if own != source:
            raise _bad(source, f"Records[{index}] comes from {own!r}, not {source!r}")
        events.append(_DECODERS[source](record, f"{request_id}#{index}"))
    if partial and source in BATCH_ANSWER_SOURCES:
        mode = "ordered" if source != SQS or any(map(_is_fifo, records)) else "each"
        return EventBatch(events, native=event, item_failures=mode)
    return events[0] if len(events) == 1 else EventBatch(events, native=event)


def _is_fifo(record: Mapping[str, Any]) -> bool:
    arn = record.get("eventSourceARN")
    attributes = record.get("attributes")
    return (isinstance(arn, str) and arn.endswith(".fifo")) or (
        isinstance(attributes, Mapping) and "MessageGroupId" in attributes
    )


def _sqs(record: Mapping[str, Any], fallback_id: str) -> Event:
    kind = "SQS"
    message_id = _identifier(record, "messageId", kind)
    attributes = record.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise _bad(kind, "'attributes' must be an object")
    return Event(
        type=EventType.QUEUE_MESSAGE,
        id=message_id,
        source=_str(record, "eventSourceARN", kind) or SQS,
        subject=message_id,
        time=_epoch(attributes.get("SentTimestamp"), kind, scale=1000),
        data=_str(record, "body", kind),
        native=record,
    )


def _sns(record: Mapping[str, Any], fallback_id: str) -> Event:
    kind = "SNS"
    sns = _dict(record, "Sns", kind)
    return Event(
        type=EventType.TOPIC_MESSAGE,
        id=_str(sns, "MessageId", kind) or fallback_id,
        source=_str(sns, "TopicArn", kind) or SNS,
        subject=_str(sns, "Subject", kind, required=False),
        time=_time(sns.get("Timestamp"), kind),
        data=_str(sns, "Message", kind),
        native=record,
    )


def _s3(record: Mapping[str, Any], fallback_id: str) -> Event:
    kind = "S3"
    name = _str(record, "eventName", kind) or ""
    s3 = _dict(record, "s3", kind)
    bucket = _str(_dict(s3, "bucket", kind), "name", kind)
    key = _str(_dict(s3, "object", kind), "key", kind) or ""
    response = record.get("responseElements")
    native_id = response.get("x-amz-request-id") if isinstance(response, Mapping) else None
    from urllib.parse import unquote_plus  # here: only an S3 event needs it

    return Event(
        type=_S3_ACTIONS.get(name.partition(":")[0], EventType.OBJECT_CHANGED),
        id=native_id if isinstance(native_id, str) and native_id else fallback_id,
        source=bucket or "",
        # The key arrives URL-encoded ("red flower.jpg" as "red+flower.jpg").
        subject=unquote_plus(key),
        time=_time(record.get("eventTime"), kind),
        data=record,
        datacontenttype="application/json",
        native=record,
    )


def _dynamodb(record: Mapping[str, Any], fallback_id: str) -> Event:
    kind = "DynamoDB stream"
    change = _dict(record, "dynamodb", kind)
    _identifier(change, "SequenceNumber", kind)
    return Event(
        type=EventType.STREAM_RECORD,
        id=_str(record, "eventID", kind, required=False) or fallback_id,
        source=_str(record, "eventSourceARN", kind, required=False) or DYNAMODB,
        subject=_str(record, "eventName", kind, required=False),
        time=_epoch(change.get("ApproximateCreationDateTime"), kind, scale=1),
        data=change,
        datacontenttype="application/json",
        native=record,
    )


def _kinesis(record: Mapping[str, Any], fallback_id: str) -> Event:
    kind = "Kinesis"
    body = _dict(record, "kinesis", kind)
    _identifier(body, "sequenceNumber", kind)
    # base64 is imported by the one trigger that carries it, not on the cold start.
    import binascii
    from base64 import b64decode

    try:
        raw = b64decode(_str(body, "data", kind) or "", validate=True)
    except (binascii.Error, ValueError):
        raise _bad(kind, "'data' is not valid base64") from None
    try:
        data: str | bytes = raw.decode("utf-8")
    except UnicodeDecodeError:
        data = raw
    return Event(
        type=EventType.STREAM_RECORD,
        id=_str(record, "eventID", kind, required=False) or fallback_id,
        source=_str(record, "eventSourceARN", kind, required=False) or KINESIS,
        subject=_str(body, "partitionKey", kind, required=False),
        time=_epoch(body.get("approximateArrivalTimestamp"), kind, scale=1),
        data=data,
        native=record,
    )


_DECODERS = {SQS: _sqs, SNS: _sns, S3: _s3, DYNAMODB: _dynamodb, KINESIS: _kinesis}


def _eventbridge(event: Mapping[str, Any], request_id: str) -> Event:
    kind = "EventBridge"
    detail_type = _str(event, "detail-type", kind) or ""
    source = _str(event, "source", kind) or ""
    resources = event.get("resources")
    if resources is not None and not (
        isinstance(resources, list) and all(isinstance(r, str) for r in resources)
    ):
        raise _bad(kind, "'resources' must be a list of strings")
    resource = resources[0] if resources else None
    detail = event.get("detail")
    common: dict[str, Any] = {
        "id": _str(event, "id", kind, required=False) or request_id,
        "time": _time(event.get("time"), kind),
        "native": event,
    }
    if detail_type == SCHEDULED_EVENT and source in SCHEDULE_SOURCES:
        # The rule's (or schedule's) ARN names the timer; its last part is its name.
        empty = detail in ({}, "{}", None, "")
        return Event(
            type=EventType.TIMER,
            source=resource or source,
            subject=resource.rpartition("/")[2] if resource else None,
            data=None if empty else detail,
            **common,
        )
    if source == "aws.s3" and detail_type in _S3_EVENTBRIDGE:
        if not isinstance(detail, Mapping):
            raise _bad("S3 (EventBridge)", "'detail' must be an object")
        bucket = _str(_dict(detail, "bucket", kind), "name", kind)
        key = _str(_dict(detail, "object", kind), "key", kind)
        return Event(
            type=_S3_EVENTBRIDGE[detail_type],
            source=bucket or "",
            subject=key,
            data=detail,
            datacontenttype="application/json",
            **common,
        )
    return Event(type=detail_type, source=source, subject=resource, data=detail, **common)


# -- canonical → native (the answer) -------------------------------------------------


def item_identifier(record: Any) -> str:
    """The ``itemIdentifier`` of a record: an SQS message id, a stream's sequence number."""
    value: Any = None
    if isinstance(record, Mapping):
        source = record.get("eventSource")
        if source == SQS:
            value = record.get("messageId")
        else:
            holder = record.get("kinesis" if source == KINESIS else "dynamodb")
            if isinstance(holder, Mapping):
                value = holder.get("sequenceNumber" if source == KINESIS else "SequenceNumber")
    if isinstance(value, str) and value:
        return value
    raise EventFormatError(f"no item identifier in the record {record!r:.80}")


def batch_item_failures(failed: Iterable[Event]) -> dict[str, list[dict[str, str]]]:
    """Lambda's partial batch answer for the events that failed (none: a success)."""
    return {"batchItemFailures": [{"itemIdentifier": item_identifier(e.native)} for e in failed]}
