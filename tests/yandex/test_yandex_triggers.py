"""Triggers reach a portable ``@polyfaas.event`` handler in the portable vocabulary."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

import polyfaas
from polyfaas import Event, EventType
from polyfaas.errors import EventFormatError
from polyfaas.platform import FunctionConfig, call_native
from polyfaas.testing import emulate
from polyfaas_yandex import triggers
from polyfaas_yandex.emulated.context import make_context
from polyfaas_yandex.emulated.function import platform
from tests.yandex.yandex_helpers import record, sample, seen

T = datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clear() -> None:
    seen.clear()


def native_call(kind: str) -> Any:
    """Call the entry exactly as the Yandex runtime does with a sample trigger."""
    return record(sample(kind), make_context(function_seed="fn"))


def test_timer_trigger():
    assert native_call("timer") == [
        {"type": EventType.TIMER, "source": "a1sfe084v4se********", "subject": None}
    ]
    (event,) = seen
    assert event.data == "payload-message"
    assert event.time == datetime(2019, 12, 4, 12, 5, 14, 227761, tzinfo=timezone.utc)


def test_queue_trigger():
    native_call("queue")
    (event,) = seen
    assert event.type == EventType.QUEUE_MESSAGE
    assert event.data == "message body"
    assert event.source == "yrn:yc:ymq:ru-central1:21i6v06sqmsaoeon7nus:event-queue"
    assert event.native["details"]["message"]["attributes"] == {"SentTimestamp": "1569285804456"}


def test_storage_trigger_subject_is_the_key_and_source_the_bucket():
    native_call("storage")
    (event,) = seen
    assert event.type == EventType.OBJECT_CREATED
    assert event.subject == "avatar.jpg"
    assert event.source == "itis-2022-2023-vvot06-photos"


@pytest.mark.parametrize(
    ("yandex_type", "portable"),
    [
        ("ObjectCreate", EventType.OBJECT_CREATED),
        ("ObjectDelete", EventType.OBJECT_DELETED),
        ("ObjectUpdate", EventType.OBJECT_CHANGED),
    ],
)
def test_storage_types(yandex_type, portable):
    event = sample("storage")
    event["messages"][0]["event_metadata"]["event_type"] = (
        f"yandex.cloud.events.storage.{yandex_type}"
    )
    record(event, None)
    assert seen[0].type == portable


def test_iot_payload_is_base64_decoded():
    native_call("iot")
    assert seen[0].type == EventType.IOT_MESSAGE
    assert seen[0].data == "Test 4"
    assert seen[0].subject == "$devices/areqjd6un3afc3cefcvm/events"


def test_iot_binary_payload_stays_bytes():
    event = sample("iot")
    event["messages"][0]["details"]["payload"] = "/wA="
    record(event, None)
    assert seen[0].data == b"\xff\x00"


def test_logging_seconds_nanos():
    native_call("logging")
    assert seen[0].type == EventType.LOG
    assert seen[0].time == datetime(2021, 9, 2, 18, 29, 19, 6794, tzinfo=timezone.utc)
    assert seen[0].data[0]["level"] == "INFO"


def test_data_streams_budget_mail_container_registry():
    for kind in ("data-streams", "budget", "mail", "container-registry"):
        native_call(kind)
    assert [e.type for e in seen] == [
        EventType.STREAM_RECORD,
        EventType.STREAM_RECORD,
        triggers.BUDGET,
        triggers.MAIL,
        "yandex.cloud.events.containerregistry.CreateImage",
    ]
    assert [e.data for e in seen[:2]] == [{"key1": "value1"}, {"key2": "value2"}]
    assert seen[2].subject == "a626***"
    assert seen[4].subject == "crt2504s************/ubuntu:latest"


def test_batch_calls_the_handler_once_per_message_in_order():
    batch = {
        "messages": [
            sample("timer")["messages"][0],
            sample("storage")["messages"][0],
            sample("queue")["messages"][0],
        ]
    }
    result = record(batch, None)
    assert [e.type for e in seen] == [
        EventType.TIMER,
        EventType.OBJECT_CREATED,
        EventType.QUEUE_MESSAGE,
    ]
    assert len(result) == 3


def test_one_failure_fails_the_whole_batch():
    calls: list[str] = []

    @polyfaas.event
    def handler(event, context):
        calls.append(event.data)
        if event.data == "bad":
            raise RuntimeError("boom")

    batch = {"messages": [{"a": 1}, "bad", {"b": 2}]}
    first = Event(type=EventType.STREAM_RECORD, data=batch["messages"][0])
    call = platform.call(first, FunctionConfig())
    call = attrs.evolve(call, args=(batch, call.args[1]))
    response = platform.receive(call_native(handler, call), call)
    assert response.status == 502  # the platform retries the whole batch
    assert response.headers["X-Function-Error"] == "true"
    assert calls == [{"a": 1}, "bad"]


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (Event(type=EventType.TIMER, source="a1sTrigger", data="tick", time=T), "timer"),
        (
            Event(
                type=EventType.QUEUE_MESSAGE, source="yrn:yc:ymq:q", data="hi", subject="m1", time=T
            ),
            "queue",
        ),
        (Event(type=EventType.OBJECT_CREATED, source="b", subject="a/b.txt", time=T), "storage"),
        (Event(type=EventType.OBJECT_DELETED, source="b", subject="a/b.txt", time=T), "storage"),
    ],
)
def test_through_the_platform_half(event, kind):
    response = emulate(record, event, "yandex")
    assert response.status == 200
    assert response.json() == [
        {"type": event.type, "source": event.source, "subject": seen[0].subject}
    ]
    assert seen == [event]  # same id, time, source, subject, data


def test_async_event_handler():
    @polyfaas.event
    async def handler(event, context):
        import asyncio

        await asyncio.sleep(0)
        return event.data.upper()

    response = emulate(handler, Event(type=EventType.TIMER, source="t", data="tick"), "yandex")
    assert response.json() == ["TICK"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-12-04T12:05:14.227761Z", datetime(2019, 12, 4, 12, 5, 14, 227761, timezone.utc)),
        (
            "2022-12-17T12:56:21.424389236Z",
            datetime(2022, 12, 17, 12, 56, 21, 424389, timezone.utc),
        ),
        ("2020-09-07T11:09:14Z", datetime(2020, 9, 7, 11, 9, 14, tzinfo=timezone.utc)),
        ("2020-09-07T14:09:14.5+03:00", datetime(2020, 9, 7, 11, 9, 14, 500000, timezone.utc)),
        ({"seconds": 1, "nanos": 999}, datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc)),
    ],
)
def test_parse_time(text, expected):
    assert triggers.parse_time(text) == expected


@pytest.mark.parametrize(
    "value", ["yesterday", "2020-09-07T11:09:14.abcZ", 12, {"seconds": "1"}, ""]
)
def test_bad_time_is_an_event_format_error(value):
    with pytest.raises(EventFormatError, match="bad time"):
        triggers.parse_time(value)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda m: m["details"].pop("trigger_id"),
        lambda m: m["details"].update(payload=5),
        lambda m: m.update(details=[]),
        lambda m: m.update(event_metadata="x"),
        lambda m: m["event_metadata"].pop("event_type"),
    ],
)
def test_malformed_timer_message(mutate):
    event = sample("timer")
    mutate(event["messages"][0])
    with pytest.raises(EventFormatError):
        record(event, make_context(function_seed="fn"))


@pytest.mark.parametrize(
    ("yandex_kind", "fc_kind"),
    [("timer", "timer"), ("storage", "oss"), ("queue", "mns-queue")],
)
def test_same_portable_types_as_fc(yandex_kind, fc_kind):
    from polyfaas import providers

    try:
        fc_samples = providers.platform_half("alibaba").samples()
    except Exception:  # the other adapter is optional here
        pytest.skip("the alibaba provider is not available")
    via_fc = emulate(record, Event(type=EventType.DIRECT, data=fc_samples[fc_kind]), "alibaba")
    via_yandex = emulate(record, Event(type=EventType.DIRECT, data=sample(yandex_kind)), "yandex")
    assert via_fc.status == via_yandex.status == 200
    fc_types = {e.type for e in seen[:1]}
    yandex_types = {e.type for e in seen[1:]}
    assert fc_types == yandex_types
    assert fc_types <= {EventType.TIMER, EventType.OBJECT_CREATED, EventType.QUEUE_MESSAGE}
