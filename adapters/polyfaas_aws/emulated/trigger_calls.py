"""The platform side of triggers: a canonical ``Event`` → the event Lambda's trigger
would pass, the inverse of ``polyfaas_aws.triggers.decode`` (ASSUMPTIONS.md, "Triggers").

========================  ===========================================================
``Event.type``            the native event (one record)
========================  ===========================================================
``TIMER``                 an EventBridge ``Scheduled Event`` of rule ``subject``
``QUEUE_MESSAGE``         an SQS record: ``data`` the body, ``id`` the message id
``TOPIC_MESSAGE``         an SNS notification: ``data`` the message, ``subject`` its Subject
``OBJECT_CREATED``        an S3 ``ObjectCreated:Put`` record of bucket ``source``, key
                          ``subject`` (URL-encoded as S3 sends it)
``OBJECT_DELETED``        an S3 ``ObjectRemoved:Delete`` record
``STREAM_RECORD``         a DynamoDB stream record when ``data`` is an object (its
                          ``dynamodb`` change), else a Kinesis record of ``data`` (base64)
anything else             ``data`` itself: a direct invocation's payload
========================  ===========================================================

A ``source`` that is an ARN is the queue, topic, rule or stream's own; any other names
one in the function's region and account. What a record carries beyond the ``Event``
(receipt handles, signatures, sequence numbers) is made up in the documented shapes
(the samples in ``samples/``). ``Event.time`` ``None`` becomes the current time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Callable

from polyfaas import Event, EventType
from polyfaas.platform import FunctionConfig
from polyfaas.runtime import format_rfc3339, new_id
from polyfaas_aws import triggers
from polyfaas_aws.emulated.context import DEFAULT_ACCOUNT, DEFAULT_REGION

#: The types this module makes a trigger's event of (the others: a direct payload).
TRIGGER_TYPES = frozenset(
    {
        EventType.TIMER,
        EventType.QUEUE_MESSAGE,
        EventType.TOPIC_MESSAGE,
        EventType.OBJECT_CREATED,
        EventType.OBJECT_DELETED,
        EventType.STREAM_RECORD,
    }
)


#: A table's stream, named after the table (its label: the time the stream was enabled).
TABLE_STREAM = "table/{}/stream/2026-01-01T00:00:00.000"


def _text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("utf-8", "replace")
    return json.dumps(data, ensure_ascii=False)


def _moment(event: Event) -> datetime:
    moment = event.time or datetime.now(timezone.utc)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _digits(seed: str, count: int) -> str:
    """``count`` decimal digits derived from ``seed`` (a sequence number's form)."""
    value = int(hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest(), 16)
    return str(value)[:count].rjust(count, "1")


class _Place:
    """The region and account of the function, and the ARNs named in them."""

    def __init__(self, config: FunctionConfig) -> None:
        self.region = config.region or DEFAULT_REGION
        self.account = config.account_id or DEFAULT_ACCOUNT

    def arn(self, service: str, name: str | None, form: str = "{}") -> str:
        """``name`` if it is an ARN, else the ARN of the resource ``form`` names after it
        (``"stream/{}"``) in the function's region and account."""
        if name and name.startswith("arn:"):
            return name
        return f"arn:aws:{service}:{self.region}:{self.account}:{form.format(name or 'polyfaas')}"


def _timer(event: Event, place: _Place) -> dict[str, Any]:
    rule = event.source if event.source.startswith("arn:") else None
    name = event.subject or (None if rule else event.source) or "polyfaas-timer"
    return {
        "version": "0",
        "id": event.id,
        "detail-type": triggers.SCHEDULED_EVENT,
        "source": "aws.events",
        "account": place.account,
        "time": format_rfc3339(_moment(event)),
        "region": place.region,
        "resources": [rule or place.arn("events", name, "rule/{}")],
        "detail": event.data if isinstance(event.data, Mapping) else {},
    }


def _sqs(event: Event, place: _Place) -> dict[str, Any]:
    body = _text(event.data)
    sent = str(int(_moment(event).timestamp() * 1000))
    return {
        "messageId": event.id,
        "receiptHandle": "AQEB" + hashlib.sha256(event.id.encode()).hexdigest(),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": sent,
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": sent,
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode("utf-8", "surrogatepass")).hexdigest(),
        "eventSource": triggers.SQS,
        "eventSourceARN": place.arn("sqs", event.source),
        "awsRegion": place.region,
    }


def _sns(event: Event, place: _Place) -> dict[str, Any]:
    topic = place.arn("sns", event.source)
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic}:{new_id()}",
        "EventSource": triggers.SNS,
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": format_rfc3339(_moment(event), 3),
            "Signature": "EXAMPLE",
            "SigningCertUrl": f"https://sns.{place.region}.amazonaws.com/"
            "SimpleNotificationService-example.pem",
            "MessageId": event.id,
            "Message": _text(event.data),
            "MessageAttributes": {},
            "Type": "Notification",
            "UnsubscribeUrl": f"https://sns.{place.region}.amazonaws.com/"
            f"?Action=Unsubscribe&SubscriptionArn={topic}",
            "TopicArn": topic,
            "Subject": event.subject,
        },
    }


def _s3(event: Event, place: _Place) -> dict[str, Any]:
    from urllib.parse import quote_plus

    created = event.type == EventType.OBJECT_CREATED
    bucket = event.source or "polyfaas-bucket"
    obj: dict[str, Any] = {"key": quote_plus(event.subject or "", safe="/")}
    if created:  # a deletion's record has no size and no ETag
        data = bytes(event.data) if isinstance(event.data, (bytes, bytearray)) else b""
        obj["size"] = len(data)
        obj["eTag"] = hashlib.md5(data).hexdigest()  # a single part's ETag
    obj["sequencer"] = _digits(event.id, 18)
    return {
        "eventVersion": "2.1",
        "eventSource": triggers.S3,
        "awsRegion": place.region,
        "eventTime": format_rfc3339(_moment(event), 3),
        "eventName": "ObjectCreated:Put" if created else "ObjectRemoved:Delete",
        "userIdentity": {"principalId": f"AWS:{place.account}"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": event.id,
            "x-amz-id-2": hashlib.sha256(event.id.encode()).hexdigest(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "polyfaas",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": place.account},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


def _stream(event: Event, place: _Place) -> dict[str, Any]:
    moment = _moment(event)
    if isinstance(event.data, Mapping):  # a table's change
        change = dict(event.data)
        change.setdefault("SequenceNumber", _digits(event.id, 28))
        change.setdefault("ApproximateCreationDateTime", int(moment.timestamp()))
        change.setdefault("StreamViewType", "NEW_AND_OLD_IMAGES")
        return {
            "eventID": event.id,
            "eventName": event.subject or "INSERT",
            "eventVersion": "1.1",
            "eventSource": triggers.DYNAMODB,
            "awsRegion": place.region,
            "dynamodb": change,
            "eventSourceARN": place.arn(
                "dynamodb", event.source, "table/{}/stream/2026-01-01T00:00:00.000"
            ),
        }
    from base64 import b64encode

    data = event.data
    raw = bytes(data) if isinstance(data, (bytes, bytearray)) else _text(data).encode()
    sequence = _digits(event.id, 56)
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": event.subject or "1",
            "sequenceNumber": sequence,
            "data": b64encode(raw).decode("ascii"),
            "approximateArrivalTimestamp": round(moment.timestamp(), 3),
        },
        "eventSource": triggers.KINESIS,
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequence}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{place.account}:role/polyfaas",
        "awsRegion": place.region,
        "eventSourceARN": place.arn("kinesis", event.source, "stream/{}"),
    }


_RECORDS: dict[str, Callable[[Event, _Place], dict[str, Any]]] = {
    EventType.QUEUE_MESSAGE: _sqs,
    EventType.TOPIC_MESSAGE: _sns,
    EventType.OBJECT_CREATED: _s3,
    EventType.OBJECT_DELETED: _s3,
    EventType.STREAM_RECORD: _stream,
}


def trigger_event(event: Event, config: FunctionConfig) -> dict[str, Any]:
    """The native event of ``event``, whose type is one of ``TRIGGER_TYPES``."""
    place = _Place(config)
    if event.type == EventType.TIMER:
        return _timer(event, place)
    return {"Records": [_RECORDS[event.type](event, place)]}
