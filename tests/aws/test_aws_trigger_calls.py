"""The aws platform half's triggers: a portable ``Event`` of a trigger's type becomes
the event that trigger sends (the documented samples' shape), which the runtime half
reads back as the same portable event; other types stay a direct payload."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from polyfaas import Event, EventType, providers
from polyfaas.platform import FunctionConfig
from polyfaas.testing import invoke
from polyfaas_aws import triggers

AT = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=timezone.utc)
platform = providers.platform_half("aws")
samples = platform.samples()


def native_of(event: Event, config: FunctionConfig | None = None) -> Any:
    call = platform.call(event, config or FunctionConfig(region="eu-west-1", account_id="42"))
    return call.args[0]


def keys(value: Any) -> Any:
    """The nested key structure of a record (values left out)."""
    if isinstance(value, dict):
        return {key: keys(item) for key, item in value.items()}
    return None


def decoded(native: Any) -> Any:
    return triggers.decode(native, "request-id")


CASES = {
    "sqs": Event(type=EventType.QUEUE_MESSAGE, id="m-1", source="orders", data="a body", time=AT),
    "sns": Event(
        type=EventType.TOPIC_MESSAGE, id="n-1", source="news", subject="Hi", data="msg", time=AT
    ),
    "s3-put": Event(
        type=EventType.OBJECT_CREATED,
        id="s-1",
        source="photos",
        subject="2026/red flower+1.jpg",
        data=b"bytes",
        time=AT,
    ),
    "kinesis": Event(
        type=EventType.STREAM_RECORD, id="k-1", source="clicks", subject="pk", data="hi", time=AT
    ),
    "dynamodb-stream": Event(
        type=EventType.STREAM_RECORD,
        id="d-1",
        subject="MODIFY",
        data={"Keys": {"Id": {"N": "1"}}, "NewImage": {"Id": {"N": "1"}}, "SizeBytes": 9},
        time=AT.replace(microsecond=0),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_record_has_the_documented_shape_and_reads_back(name: str) -> None:
    event = CASES[name]
    native = native_of(event)
    assert json.loads(json.dumps(native)) == native  # JSON, as Lambda passes it
    (record,) = native["Records"]
    sample = samples[name]["Records"][0]
    assert keys(record).keys() == keys(sample).keys()
    back = decoded(native)
    assert isinstance(back, Event)
    assert back.type == event.type
    assert event.time is not None
    assert back.time == event.time.replace(microsecond=event.time.microsecond // 1000 * 1000)
    if name == "s3-put":
        assert (back.source, back.subject) == ("photos", "2026/red flower+1.jpg")
        assert record["s3"]["object"]["key"] == "2026/red+flower%2B1.jpg"
        assert record["s3"]["object"]["size"] == 5
    elif name == "dynamodb-stream":
        assert back.subject == "MODIFY"
        assert back.data["NewImage"] == {"Id": {"N": "1"}}
        assert back.source.startswith("arn:aws:dynamodb:eu-west-1:42:table/")
    else:
        assert back.data == event.data
        assert back.subject == (event.id if name == "sqs" else event.subject)
        assert back.source.startswith("arn:aws:")
        assert back.source.endswith(event.source)
        assert ":eu-west-1:42:" in back.source


def test_a_timer_is_a_scheduled_event_of_its_rule() -> None:
    timer = Event(type=EventType.TIMER, source="nightly", data={"run": "all"}, time=AT)
    native = native_of(timer)
    assert keys(native).keys() == keys(samples["eventbridge-schedule"]).keys()
    assert native["resources"] == ["arn:aws:events:eu-west-1:42:rule/nightly"]
    back = decoded(native)
    assert back.type == EventType.TIMER
    assert back.subject == "nightly"
    assert back.data == {"run": "all"}
    # A rule's own schedule carries no payload: a timer's text has nowhere to go.
    assert decoded(native_of(Event(type=EventType.TIMER, data="tick"))).data is None


def test_a_source_that_is_an_arn_is_kept() -> None:
    arn = "arn:aws:sqs:us-east-2:123456789012:my-queue.fifo"
    native = native_of(Event(type=EventType.QUEUE_MESSAGE, source=arn, data="x"))
    assert native["Records"][0]["eventSourceARN"] == arn


def test_other_events_are_a_direct_payload() -> None:
    assert native_of(Event(type=EventType.DIRECT, data={"a": 1})) == {"a": 1}
    assert native_of(Event(type="com.example.custom", data=[1, 2])) == [1, 2]


def test_a_portable_handler_sees_the_same_event_on_aws_as_locally() -> None:
    import polyfaas

    @polyfaas.event
    def on_object(event: Event, context: polyfaas.Context) -> dict[str, Any]:
        return {"type": event.type, "bucket": event.source, "key": event.subject}

    event = Event(type=EventType.OBJECT_CREATED, source="photos", subject="a b.jpg")
    expected = {"type": EventType.OBJECT_CREATED, "bucket": "photos", "key": "a b.jpg"}
    for provider in ("local", "aws"):
        answer = invoke(on_object, event, provider=provider)
        assert answer.status == 200, answer.text
        assert json.loads(answer.body) == expected, provider
