"""Issue 14, items 1, 2 and 15: the Yandex triggers as the documentation shows them.

Mail's ``received_at`` is Go ``time.String()`` text; IoT Core also calls from a
broker (``broker_id``, no ``registry_id``); the Cloud Logging and older Cloud Logs
triggers are ``LOG`` events, as FC's SLS trigger is; a Telegram ``Update`` is
recognised (a Telegram trigger's bare call), while a webhook pointed at the
function URL stays an HTTP request. Both directions: the runtime half decodes the
documented shapes, the platform half sends them.
"""

from __future__ import annotations

import json
import textwrap
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import polyfaas
from polyfaas import Event, EventBatch, EventType
from polyfaas.errors import EventFormatError
from polyfaas.platform import FunctionConfig
from polyfaas.testing import client, emulate
from polyfaas_yandex import triggers
from polyfaas_yandex.emulated import trigger_calls
from polyfaas_yandex.emulated.context import make_context
from polyfaas_yandex.emulated.function import platform
from polyfaas_yandex.function import decode_event, runtime
from tests.runner_process import polyfaas_run
from tests.yandex.yandex_helpers import record, sample, seen

T = datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clear() -> None:
    seen.clear()


def decoded_batch(event: Any) -> list[Event]:
    batch = decode_event(event, "rid")
    assert isinstance(batch, EventBatch)
    return list(batch.events)


# -- item 1: mail, Go time.String() ----------------------------------------------------


def test_the_documented_mail_sample_decodes():
    (event,) = decoded_batch(sample("mail"))
    assert event.type == triggers.MAIL
    assert event.time == datetime(2022, 9, 15, 14, 42, 23, 983842, tzinfo=timezone.utc)
    assert event.data["received_at"].endswith("m=+260285.403254765")
    assert event.data["message"] == "<div>This is example body for documentation</div>\r\n"


def test_a_real_mail_reaches_a_portable_handler():
    assert record(sample("mail"), make_context(function_seed="fn")) == [
        {"type": triggers.MAIL, "source": "mail", "subject": None}
    ]


MSK = timezone(timedelta(hours=3))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2022-09-15 14:42:23.983842092 +0000 UTC m=+260285.403254765",
            datetime(2022, 9, 15, 14, 42, 23, 983842, timezone.utc),
        ),
        (
            "2021-09-02 18:29:17.118082213 +0000 UTC",
            datetime(2021, 9, 2, 18, 29, 17, 118082, timezone.utc),
        ),
        ("2022-09-15 14:42:23 +0000 UTC", datetime(2022, 9, 15, 14, 42, 23, tzinfo=timezone.utc)),
        ("2022-09-15 17:42:23.5 +0300 MSK", datetime(2022, 9, 15, 17, 42, 23, 500000, MSK)),
        ("2022-09-15 17:42:23 +0300 +03", datetime(2022, 9, 15, 17, 42, 23, tzinfo=MSK)),
        (
            "2022-09-15 07:42:23 -0700 MST m=-0.000000001",
            datetime(2022, 9, 15, 14, 42, 23, tzinfo=timezone.utc),
        ),
        ("2022-09-15 20:12:23 +0530 +0530", datetime(2022, 9, 15, 14, 42, 23, tzinfo=timezone.utc)),
        ("2022-09-15T14:42:23.983842Z", datetime(2022, 9, 15, 14, 42, 23, 983842, timezone.utc)),
    ],
)
def test_go_and_rfc3339_times(text, expected):
    got = triggers.parse_time(text)
    assert got == expected
    assert got is not None
    assert got.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2022-09-15 14:42:23 +2500 UTC",  # offset hours out of range
        "2022-09-15 14:42:23 +0060 UTC",  # offset minutes out of range
        "2022-13-15 14:42:23 +0000 UTC",  # month 13
        "0000-01-01 00:00:00 +0000 UTC",  # year 0
        "0001-01-01 00:00:00 +0100 CET",  # before year 1 once in UTC
        "2022-09-15 14:42:23.1234567890 +0000 UTC",  # ten fraction digits
        "2022-09-15 14:42:23 +0000 UTC m=+1",  # a monotonic reading has 9 digits
        "2022-09-15 14:42:23 UTC",  # no numeric offset
        "２０２２-09-15 14:42:23 +0000 UTC",  # digits outside ASCII
        "2022-09-15  14:42:23 +0000 UTC",
        " ",
    ],
)
def test_bad_go_times_are_event_format_errors(text):
    with pytest.raises(EventFormatError, match="bad time"):
        triggers.parse_time(text)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (T, "2024-02-29 23:59:59.123456 +0000 UTC"),
        (T.replace(microsecond=120000), "2024-02-29 23:59:59.12 +0000 UTC"),
        (T.replace(microsecond=0), "2024-02-29 23:59:59 +0000 UTC"),
        (datetime(2022, 9, 15, 17, 42, 23, tzinfo=MSK), "2022-09-15 14:42:23 +0000 UTC"),
        (datetime(999, 1, 2, 3, 4, 5), "0999-01-02 03:04:05 +0000 UTC"),
    ],
)
def test_format_go_time(moment, text):
    assert trigger_calls.format_go_time(moment) == text
    assert trigger_calls.format_go_time(moment, 1.5) == text + " m=+1.500000000"


@pytest.mark.parametrize(
    "data",
    [
        {"headers": [], "message": "hi"},
        {"received_at": "2024-02-29T23:59:59.123456Z", "headers": [], "message": "hi"},
        {"received_at": "2001-01-01 00:00:00 +0000 UTC", "headers": [], "message": "hi"},
        "hi",
    ],
)
def test_the_platform_half_sends_go_time_text(data):
    item = trigger_calls.encode_message(Event(type=triggers.MAIL, data=data, time=T))
    received = item["received_at"]
    assert received.startswith("2024-02-29 23:59:59.123456 +0000 UTC m=+")
    assert triggers.parse_go_time(received) == T
    assert item["message"] == "hi"
    assert item["headers"] == []


def test_mail_through_the_platform_half():
    event = Event(
        type=triggers.MAIL,
        id="m-1",
        source="mail",
        time=T,
        data={"headers": [{"name": "Subject", "values": ["x"]}], "message": "hello"},
    )
    call = platform.call(event, FunctionConfig())
    (item,) = call.args[0]["messages"]
    assert item["received_at"].startswith("2024-02-29 23:59:59.123456 +0000 UTC m=+")
    response = emulate(record, event, "yandex")
    assert response.status == 200
    (got,) = seen
    assert (got.type, got.time, got.data["message"]) == (triggers.MAIL, T, "hello")


# -- item 2: IoT Core broker -------------------------------------------------------------


def test_the_documented_broker_sample_decodes():
    events = decoded_batch(sample("iot-broker"))
    assert len(events) == 2
    for event in events:
        assert event.type == EventType.IOT_MESSAGE
        assert event.source == "arenou2oj4ct********"
        assert event.subject == "broker/topic"
        assert event.data == "Test 4"


def test_the_registry_shape_still_decodes():
    (event,) = decoded_batch(sample("iot"))
    assert event.source == "arenou2oj4ct42eq8g3n"


def test_an_iot_message_from_neither_is_an_error():
    event = sample("iot-broker")
    del event["messages"][0]["details"]["broker_id"]
    with pytest.raises(EventFormatError, match="registry_id"):
        decode_event(event, "rid")


@pytest.mark.parametrize(
    ("topic", "details"),
    [
        ("broker/topic", {"broker_id": "areBroker", "mqtt_topic": "broker/topic"}),
        (
            "$devices/areDevice/events",
            {
                "registry_id": "areBroker",
                "device_id": "areDevice",
                "mqtt_topic": "$devices/areDevice/events",
            },
        ),
        (
            "$registries/areBroker/commands",
            {
                "registry_id": "areBroker",
                "device_id": "",
                "mqtt_topic": "$registries/areBroker/commands",
            },
        ),
    ],
)
def test_the_platform_half_picks_the_shape_by_topic(topic, details):
    event = Event(
        type=EventType.IOT_MESSAGE, source="areBroker", subject=topic, data="Test 4", time=T
    )
    message = trigger_calls.encode_message(event)
    assert message["details"] == {**details, "payload": "VGVzdCA0"}
    response = emulate(record, event, "yandex")
    assert response.status == 200
    assert seen == [event]


# -- item 15: Cloud Logging, Cloud Logs, Telegram ----------------------------------------


def test_cloud_logs_is_a_log_event():
    (event,) = decoded_batch(sample("cloud-logs"))
    assert event.type == EventType.LOG
    assert event.source == triggers.CLOUD_LOGS_SOURCE
    assert [r["message"] for r in event.data] == ["message-1", "message-2"]
    assert event.time == datetime(2020, 9, 8, 11, 5, 13, 647071, tzinfo=timezone.utc)


def test_logging_is_the_type_fc_gives_sls():
    try:
        from polyfaas import providers

        fc = providers.platform_half("alibaba").samples()["sls"]
    except Exception:  # the other adapter is optional here
        pytest.skip("the alibaba provider is not available")
    for kind in ("logging", "cloud-logs"):
        emulate(record, Event(type=EventType.DIRECT, data=sample(kind)), "yandex")
    emulate(record, Event(type=EventType.DIRECT, data=fc), "alibaba")
    assert [e.type for e in seen] == [EventType.LOG] * 3


@pytest.mark.parametrize(
    ("records", "yandex_type"),
    [
        ([{"log_group_id": "eol1", "log_stream_name": "s", "message": "m"}], triggers.CLOUD_LOGS),
        ([{"resource": {"type": "serverless.function"}, "message": "m"}], triggers.LOGGING),
    ],
)
def test_the_platform_half_sends_log_records_in_their_trigger(records, yandex_type):
    event = Event(type=EventType.LOG, source="cloud-logs", data=records, time=T)
    message = trigger_calls.encode_message(event)
    assert message["event_metadata"]["event_type"] == yandex_type
    assert message["details"]["messages"] == records
    call = platform.call(event, FunctionConfig())
    (got,) = decoded_batch(call.args[0])
    assert (got.type, got.data) == (EventType.LOG, records)


def test_a_telegram_trigger_update_is_recognised():
    update = sample("telegram")
    assert record(update, make_context(function_seed="fn")) == {
        "type": triggers.TELEGRAM_UPDATE,
        "source": "telegram",
        "subject": "message",
    }
    (event,) = seen
    assert event.id == "268447315"
    assert event.data == update
    assert event.time == datetime(2022, 9, 15, 14, 42, 23, tzinfo=timezone.utc)


def test_a_callback_query_update_has_no_time():
    update = {"update_id": 7, "callback_query": {"id": "q", "from": {"id": 1}, "data": "ok"}}
    event = decode_event(update, "rid")
    assert isinstance(event, Event)
    assert (event.type, event.subject, event.time) == (
        triggers.TELEGRAM_UPDATE,
        "callback_query",
        None,
    )


def test_an_edited_message_takes_its_edit_date():
    update = {"update_id": 8, "edited_message": {"message_id": 1, "date": 10, "edit_date": 20}}
    event = decode_event(update, "rid")
    assert isinstance(event, Event)
    assert event.time == datetime(1970, 1, 1, 0, 0, 20, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "payload",
    [
        {"update_id": 1},
        {"update_id": 1, "name": "not an object"},
        {"update_id": "1", "message": {}},
        {"update_id": True, "message": {}},
    ],
)
def test_payloads_that_are_not_updates_stay_direct(payload):
    event = decode_event(payload, "rid")
    assert isinstance(event, Event)
    assert event.type == EventType.DIRECT


def test_the_platform_half_sends_a_telegram_update_bare():
    update = sample("telegram")
    event = Event(
        type=triggers.TELEGRAM_UPDATE,
        id="268447315",
        source="telegram",
        subject="message",
        data=update,
    )
    call = platform.call(event, FunctionConfig())
    assert call.args[0] == update
    got = runtime.decode(call.args, call.kwargs).payload
    assert isinstance(got, Event)
    assert (got.type, got.id, got.subject, got.data) == (
        triggers.TELEGRAM_UPDATE,
        "268447315",
        "message",
        update,
    )
    bare = trigger_calls.encode_batch([Event(type=triggers.TELEGRAM_UPDATE, id="5", data="hi")])
    assert bare == {"update_id": 5, "message": {"text": "hi"}}


@polyfaas.http
def webhook(request: polyfaas.Request, context: polyfaas.Context) -> Any:
    return {"update_id": request.json()["update_id"], "path": request.path}


def test_a_webhook_to_the_function_url_is_an_http_request():
    update = sample("telegram")
    response = client(webhook, provider="yandex").post("/", json=update)
    assert response.status_code == 200
    assert response.get_json() == {"update_id": 268447315, "path": "/"}


BOT = textwrap.dedent(
    """
    import polyfaas

    @polyfaas.event
    def handler(event, context):
        data = event.data if isinstance(event.data, dict) else {}
        return {"type": event.type, "id": event.id, "update_id": data.get("update_id")}
    """
)


def post(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=20) as answer:
        return json.loads(answer.read())


def test_polyfaas_run_takes_a_telegram_update_both_ways(tmp_path):
    (tmp_path / "bot.py").write_text(BOT)
    update = sample("telegram")
    with polyfaas_run(f"{tmp_path / 'bot.py'}:handler", "--provider", "yandex") as runner:
        # as a Telegram trigger calls it (integration=raw): the recognised update
        raw = post(f"{runner.url}/?integration=raw", update)
        # as a webhook at the function URL: an HTTP request, a direct event for @event
        http = post(f"{runner.url}/", update)
    assert raw == {"type": triggers.TELEGRAM_UPDATE, "id": "268447315", "update_id": 268447315}
    assert http["type"] == EventType.DIRECT
    assert http["update_id"] == 268447315


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("mail", [{"type": triggers.MAIL, "source": "mail", "subject": None}]),
        (
            "iot-broker",
            [
                {
                    "type": EventType.IOT_MESSAGE,
                    "source": "arenou2oj4ct********",
                    "subject": "broker/topic",
                }
            ]
            * 2,
        ),
        ("cloud-logs", [{"type": EventType.LOG, "source": "cloud-logs", "subject": None}]),
        (
            "telegram",
            {"type": triggers.TELEGRAM_UPDATE, "source": "telegram", "subject": "message"},
        ),
    ],
)
def test_polyfaas_events_and_invoke(kind, expected, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    def polyfaas_cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "polyfaas", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    shown = polyfaas_cli("events", "yandex", kind)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == sample(kind)
    event_file = tmp_path / f"{kind}.json"
    event_file.write_text(shown.stdout)
    seed = Path(__file__).parent / "functions" / "seed.py"
    invoked = polyfaas_cli(
        "invoke", "--provider", "yandex", f"{seed}:on_event_types", "--event", str(event_file)
    )
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout) == expected
