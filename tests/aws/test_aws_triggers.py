"""Lambda's triggers on the ``aws`` provider: the documented sample events decode to the
portable types FC's and Yandex's equivalents decode to, and SQS/stream batches answer
``batchItemFailures`` when partial batch responses are on (the runtime half, then a
real ``polyfaas run --provider aws`` driven by boto3)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Event, EventBatch, EventType, providers
from polyfaas.errors import EventFormatError
from polyfaas_aws.function import runtime
from polyfaas_aws.triggers import RECORD_SOURCES, REPORT_BATCH_ITEM_FAILURES_ENV
from tests.aws.aws_helpers import LambdaContextStub
from tests.runner_process import polyfaas_run

SQS_IDS = ("059f36b4-87a3-44ab-83d2-661975830a7d", "2e1424d4-f796-459a-8184-9c92662be6da")
KINESIS_SEQUENCES = (
    "49590338271490256608559692538361571095921575989136588898",
    "49590338271490256608559692540925702759324208523137515618",
)


def sample(kind: str, provider: str = "aws") -> Any:
    return copy.deepcopy(providers.platform_half(provider).samples()[kind])


def decode(event: Any) -> Event | EventBatch:
    payload: Any = runtime.decode((event, LambdaContextStub()), {}).payload
    assert isinstance(payload, (Event, EventBatch))
    return payload


def events_of(payload: Any) -> list[Event]:
    return list(payload.events) if isinstance(payload, EventBatch) else [payload]


def portable_types(provider: str, kind: str) -> set[str]:
    """The ``Event.type``s another provider's runtime decodes its sample ``kind`` to."""
    event = sample(kind, provider)
    if provider == "alibaba" and not isinstance(event, bytes):
        event = json.dumps(event).encode()  # FC passes the event as bytes
    payload = providers.runtime_half(provider).decode((event, None), {}).payload
    return {e.type for e in events_of(payload)}


@pytest.fixture(autouse=True)
def _no_partial_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REPORT_BATCH_ITEM_FAILURES_ENV, raising=False)
    monkeypatch.delenv("POLYFAAS_PROVIDER", raising=False)


# -- the samples ---------------------------------------------------------------------


def test_every_trigger_sample_is_listed_for_aws() -> None:
    listed = set(providers.platform_half("aws").samples())
    wanted = {"sqs", "sns", "s3-put", "eventbridge-schedule", "dynamodb-stream", "kinesis"}
    assert wanted <= listed


def test_sqs_sample() -> None:
    batch = decode(sample("sqs"))
    assert isinstance(batch, EventBatch)
    assert batch.item_failures is None  # partial answers are off unless opted in
    first, second = batch.events
    assert (first.type, first.id, first.subject) == (
        EventType.QUEUE_MESSAGE,
        SQS_IDS[0],
        SQS_IDS[0],
    )
    assert second.subject == SQS_IDS[1]
    assert first.source == "arn:aws:sqs:us-east-2:123456789012:my-queue"
    assert first.data == "Test message."  # the raw body, never parsed
    assert first.time == datetime(2018, 12, 17, 21, 37, 29, 183000, tzinfo=timezone.utc)
    assert first.native["receiptHandle"].startswith("AQEB")  # the native record
    assert batch.native["Records"][1] is second.native


def test_sns_sample() -> None:
    event = decode(sample("sns"))
    assert isinstance(event, Event)
    assert event.type == EventType.TOPIC_MESSAGE
    assert (event.source, event.subject) == (
        "arn:aws:sns:us-east-1:123456789012:sns-lambda",
        "TestInvoke",
    )
    assert (event.id, event.data) == ("95df01b4-ee98-5cb9-9903-4c221d41eb5e", "Hello from SNS!")
    assert event.native["Sns"]["MessageAttributes"]["Test"]["Value"] == "TestString"


def test_s3_sample_names_the_bucket_and_the_decoded_key() -> None:
    event = decode(sample("s3-put"))
    assert isinstance(event, Event)
    assert event.type == EventType.OBJECT_CREATED
    assert (event.source, event.subject) == ("amzn-s3-demo-bucket", "photos/red flower.jpg")
    assert event.native["s3"]["object"]["key"] == "photos/red+flower.jpg"
    assert event.data["s3"]["object"]["size"] == 1305107


def test_s3_removal_and_other_notifications() -> None:
    removed = sample("s3-put")
    removed["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    restored = sample("s3-put")
    restored["Records"][0]["eventName"] = "ObjectRestore:Completed"
    assert decode(removed).type == EventType.OBJECT_DELETED  # type: ignore[union-attr]
    assert decode(restored).type == EventType.OBJECT_CHANGED  # type: ignore[union-attr]


def test_schedule_sample_is_a_timer() -> None:
    event = decode(sample("eventbridge-schedule"))
    assert isinstance(event, Event)
    assert event.type == EventType.TIMER
    assert event.source == "arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"
    assert (event.subject, event.data) == ("my-scheduled-rule", None)
    assert event.time == datetime(2015, 10, 8, 16, 53, 6, tzinfo=timezone.utc)


def test_eventbridge_scheduler_envelope_is_a_timer_too() -> None:
    event = sample("eventbridge-schedule")
    event["source"] = "aws.scheduler"
    event["resources"] = ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"]
    event["detail"] = "{}"
    timer = decode(event)
    assert isinstance(timer, Event)
    assert (timer.type, timer.subject, timer.data) == (EventType.TIMER, "nightly", None)


def test_another_eventbridge_event_keeps_its_detail_type() -> None:
    event = sample("eventbridge-schedule")
    event.update(
        {"source": "com.example.orders", "detail-type": "Order Placed", "detail": {"n": 1}}
    )
    decoded = decode(event)
    assert isinstance(decoded, Event)
    assert (decoded.type, decoded.source, decoded.data) == (
        "Order Placed",
        "com.example.orders",
        {"n": 1},
    )


def test_dynamodb_sample() -> None:
    batch = decode(sample("dynamodb-stream"))
    assert isinstance(batch, EventBatch)
    inserted, modified = batch.events
    assert {inserted.type, modified.type} == {EventType.STREAM_RECORD}
    assert (inserted.subject, modified.subject) == ("INSERT", "MODIFY")
    assert modified.data["NewImage"]["Message"] == {"S": "This item has changed"}
    assert inserted.source.endswith(":table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899")


def test_kinesis_sample_data_is_the_decoded_record() -> None:
    batch = decode(sample("kinesis"))
    assert isinstance(batch, EventBatch)
    assert [e.data for e in batch.events] == ["Hello, this is a test.", "This is only a test."]
    assert {e.type for e in batch.events} == {EventType.STREAM_RECORD}
    assert batch.events[0].subject == "1"  # the partition key
    assert batch.events[0].source == "arn:aws:kinesis:us-east-2:111122223333:stream/lambda-stream"


def test_binary_kinesis_data_stays_bytes() -> None:
    event = sample("kinesis")
    event["Records"][0]["kinesis"]["data"] = "/w=="
    assert events_of(decode(event))[0].data == b"\xff"


def test_a_payload_of_no_trigger_is_a_direct_invocation() -> None:
    payloads: list[Any] = [sample("direct"), {"Records": []}, {"Records": [{"eventSource": "x"}]}]
    for payload in payloads:
        event = decode(payload)
        assert isinstance(event, Event)
        assert (event.type, event.data) == (EventType.DIRECT, payload)


@pytest.mark.parametrize(
    ("aws", "peers"),
    [
        ("sqs", [("alibaba", "mns-queue"), ("yandex", "queue")]),
        ("s3-put", [("alibaba", "oss"), ("yandex", "storage")]),
        ("eventbridge-schedule", [("alibaba", "timer"), ("yandex", "timer")]),
        ("sns", [("alibaba", "mns-topic")]),
        ("kinesis", [("alibaba", "kafka"), ("yandex", "data-streams")]),
        ("dynamodb-stream", [("alibaba", "tablestore")]),
    ],
)
def test_each_trigger_lands_on_the_type_of_its_equivalents(
    aws: str, peers: list[tuple[str, str]]
) -> None:
    ours = {e.type for e in events_of(decode(sample(aws)))}
    assert len(ours) == 1
    assert ours.pop().startswith("polyfaas.")
    for provider, kind in peers:
        assert portable_types(provider, kind) == {e.type for e in events_of(decode(sample(aws)))}


def test_storage_events_agree_on_source_and_subject() -> None:
    ours = decode(sample("s3-put"))
    assert isinstance(ours, Event)
    fc = sample("oss", "alibaba")["events"][0]["oss"]
    theirs = providers.runtime_half("alibaba").decode(
        (json.dumps(sample("oss", "alibaba")).encode(), None), {}
    )
    assert isinstance(theirs.payload, Event)
    # Both name the bucket in source and the object key in subject.
    assert (theirs.payload.source, theirs.payload.subject) == (
        fc["bucket"]["name"],
        fc["object"]["key"],
    )
    record = sample("s3-put")["Records"][0]["s3"]
    assert (ours.source, ours.subject) == (record["bucket"]["name"], "photos/red flower.jpg")


# -- partial batch responses ---------------------------------------------------------


def recording_handler(failing: set[str]) -> tuple[Any, list[str]]:
    """An ``@polyfaas.event`` entry that records each event's subject and raises for
    the subjects in ``failing``."""
    seen: list[str] = []

    @polyfaas.event
    def on_message(event: Event, context: polyfaas.Context) -> str:
        seen.append(str(event.subject))
        if event.subject in failing:
            raise ValueError(f"cannot take {event.subject}")
        return "ok"

    return on_message, seen


def fifo(count: int = 3) -> dict[str, Any]:
    """The SQS sample as a FIFO queue's batch of ``count`` messages of one group."""
    event = sample("sqs")
    template = event["Records"][0]
    records = []
    for index in range(count):
        record = copy.deepcopy(template)
        record["messageId"] = f"fifo-{index}"
        record["eventSourceARN"] = "arn:aws:sqs:us-east-2:123456789012:my-queue.fifo"
        record["attributes"].update({"MessageGroupId": "1", "SequenceNumber": str(10**19 + index)})
        records.append(record)
    event["Records"] = records
    return dict(event)


def test_one_raising_message_is_reported_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1")
    entry, seen = recording_handler({SQS_IDS[0]})
    answer = entry(sample("sqs"), LambdaContextStub())
    assert answer == {"batchItemFailures": [{"itemIdentifier": SQS_IDS[0]}]}
    assert seen == list(SQS_IDS)  # the second ran after the first failed
    assert f"cannot take {SQS_IDS[0]}" in caplog.text  # the failure is not silent


def test_a_batch_that_succeeds_answers_no_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "true")
    entry, seen = recording_handler(set())
    assert entry(sample("sqs"), LambdaContextStub()) == {"batchItemFailures": []}
    assert seen == list(SQS_IDS)


def test_one_message_is_a_batch_when_partial_answers_are_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = sample("sqs")
    del event["Records"][1]
    assert isinstance(decode(event), Event)
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1")
    entry, _ = recording_handler(set())
    assert entry(event, LambdaContextStub()) == {"batchItemFailures": []}


def test_without_the_opt_in_one_failure_fails_the_whole_batch() -> None:
    entry, seen = recording_handler({SQS_IDS[0]})
    with pytest.raises(ValueError, match="cannot take"):
        entry(sample("sqs"), LambdaContextStub())
    assert seen == [SQS_IDS[0]]
    fine, _ = recording_handler(set())
    assert fine(sample("sqs"), LambdaContextStub()) == ["ok", "ok"]


def test_every_message_failing_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1")
    entry, seen = recording_handler(set(SQS_IDS))
    with pytest.raises(ValueError, match=SQS_IDS[0]):  # the first failure propagates
        entry(sample("sqs"), LambdaContextStub())
    assert seen == list(SQS_IDS)


def test_fifo_reports_the_rest_failed_without_running_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1")
    event = fifo(4)
    batch = decode(event)
    assert isinstance(batch, EventBatch)
    assert batch.item_failures == "ordered"
    entry, seen = recording_handler({"fifo-1"})
    answer = entry(event, LambdaContextStub())
    assert answer == {"batchItemFailures": [{"itemIdentifier": f"fifo-{i}"} for i in (1, 2, 3)]}
    assert seen == ["fifo-0", "fifo-1"]


def test_a_fifo_queue_is_told_by_its_group_id_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1")
    event = fifo(2)
    for record in event["Records"]:
        record["eventSourceARN"] = "arn:aws:sqs:us-east-2:123456789012:my-queue"
    assert decode(event).item_failures == "ordered"  # type: ignore[union-attr]
    assert decode(sample("sqs")).item_failures == "each"  # type: ignore[union-attr]


def test_fifo_first_message_failing_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1")
    entry, seen = recording_handler({"fifo-0"})
    with pytest.raises(ValueError, match="fifo-0"):
        entry(fifo(3), LambdaContextStub())
    assert seen == ["fifo-0"]


def test_streams_answer_sequence_numbers_from_the_first_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1")
    seen: list[str] = []

    @polyfaas.event
    def on_record(event: Event, context: polyfaas.Context) -> None:
        seen.append(event.data)
        if event.data == "Hello, this is a test.":
            return
        raise ValueError("second record")

    answer = on_record(sample("kinesis"), LambdaContextStub())
    assert answer == {"batchItemFailures": [{"itemIdentifier": KINESIS_SEQUENCES[1]}]}
    seen.clear()

    @polyfaas.event
    def on_change(event: Event, context: polyfaas.Context) -> None:
        seen.append(str(event.subject))
        if event.subject == "INSERT":
            return
        raise ValueError("modify")

    answer = on_change(sample("dynamodb-stream"), LambdaContextStub())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "4421584500000000017450439092"}]}
    assert seen == ["INSERT", "MODIFY"]


def test_triggers_without_batch_answers_ignore_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1")
    seen: list[str] = []

    @polyfaas.event
    def on_object(event: Event, context: polyfaas.Context) -> dict[str, Any]:
        seen.append(event.type)
        return {"key": event.subject}

    assert on_object(sample("s3-put"), LambdaContextStub()) == {"key": "photos/red flower.jpg"}
    assert on_object(sample("sns"), LambdaContextStub()) == {"key": "TestInvoke"}


def test_the_opt_in_reads_off_values_as_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("", "0", "false", "off", "no"):
        monkeypatch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, value)
        assert decode(sample("sqs")).item_failures is None  # type: ignore[union-attr]


def test_the_entry_reads_the_opt_in_of_any_provider() -> None:
    """The batch branch is the core's: a canonical batch (no AWS involved) answers the
    events that failed, in the order they came."""
    entry, seen = recording_handler({"b", "d"})
    events = [Event(subject=name, id=name) for name in "abcd"]
    failed = entry.handle(EventBatch(events, item_failures="each"), polyfaas.Context())
    assert [e.id for e in failed] == ["b", "d"]
    assert seen == ["a", "b", "c", "d"]
    seen.clear()
    failed = entry.handle(EventBatch(events, item_failures="ordered"), polyfaas.Context())
    assert [e.id for e in failed] == ["b", "c", "d"]
    assert seen == ["a", "b"]
    seen.clear()
    assert entry.handle(EventBatch(events[:1]), polyfaas.Context()) == ["ok"]
    with pytest.raises(ValueError, match="item_failures"):
        EventBatch(events, item_failures="some")


# -- malformed records ---------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "messageId",
    "body",
    "attributes",
    "eventSourceARN",
    "Sns",
    "s3",
    "eventName",
    "eventTime",
    "responseElements",
    "dynamodb",
    "kinesis",
    "eventID",
]


@st.composite
def malformed_triggers(draw: st.DrawFn) -> Any:
    """A documented sample with some of its fields (at any depth) replaced by any JSON
    value, or records of a mapped source with arbitrary fields."""
    if draw(st.booleans()):
        kind = draw(
            st.sampled_from(
                ["sqs", "sns", "s3-put", "dynamodb-stream", "kinesis", "eventbridge-schedule"]
            )
        )
        event = sample(kind)
        for _ in range(draw(st.integers(1, 3))):
            node: Any = event
            while isinstance(node, (dict, list)) and node and draw(st.booleans()):
                key = draw(
                    st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node)))
                )
                if not isinstance(node[key], (dict, list)):
                    break
                node = node[key]
            if isinstance(node, dict) and node:
                node[draw(st.sampled_from(sorted(node)))] = draw(json_values)
            elif isinstance(node, list) and node:
                node[draw(st.integers(0, len(node) - 1))] = draw(json_values)
        return event
    source = draw(st.sampled_from(sorted(RECORD_SOURCES)))
    records = draw(
        st.lists(
            st.fixed_dictionaries(
                {"eventSource": st.just(source), "EventSource": st.just(source)},
                optional=dict.fromkeys(FIELDS, json_values),
            )
            | json_values,
            min_size=1,
            max_size=3,
        )
    )
    if not isinstance(records[0], dict):
        records[0] = {"eventSource": source}
    return {"Records": records}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=malformed_triggers(), partial=st.booleans())
def test_the_trigger_decoder_is_total(event: Any, partial: bool) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(REPORT_BATCH_ITEM_FAILURES_ENV, "1" if partial else "0")
        try:
            payload = decode(event)
        except EventFormatError:
            return
    for item in events_of(payload):
        assert isinstance(item.type, str)
        assert isinstance(item.source, str)
    if isinstance(payload, EventBatch) and payload.item_failures is not None:
        # Every decoded item of a batch answer has its identifier.
        from polyfaas_aws.triggers import batch_item_failures

        answer = batch_item_failures(payload.events)
        assert len(answer["batchItemFailures"]) == len(payload.events)


# -- through polyfaas run and boto3 ----------------------------------------------------

HANDLER = f"""
import polyfaas

FAILING = {SQS_IDS[1]!r}


@polyfaas.event
def on_message(event, context):
    if event.subject == FAILING or event.data == "fail":
        raise ValueError("cannot take " + event.subject)
    return event.data
"""


@pytest.fixture(scope="module")
def lambda_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("sqs_function")
    (folder / "main.py").write_text(HANDLER)
    # The event source mapping's ReportBatchItemFailures, as the function's setting.
    opt_in = f"{REPORT_BATCH_ITEM_FAILURES_ENV}=1"
    args = ("--provider", "aws", "--function-name", "orders", "--env", opt_in)
    with polyfaas_run(f"{folder / 'main.py'}:on_message", *args, cwd=Path(folder)) as runner:
        client = boto3.client(
            "lambda",
            endpoint_url=runner.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 0}, read_timeout=60),
        )
        yield client
        client.close()  # its pooled connections, not left to the garbage collector


def test_polyfaas_run_answers_the_sqs_sample_with_its_failed_message(lambda_client: Any) -> None:
    answer = lambda_client.invoke(FunctionName="orders", Payload=json.dumps(sample("sqs")))
    assert answer["StatusCode"] == 200
    assert "FunctionError" not in answer
    body = json.loads(answer["Payload"].read())
    assert body == {"batchItemFailures": [{"itemIdentifier": SQS_IDS[1]}]}


def test_polyfaas_run_fails_a_batch_whose_every_message_fails(lambda_client: Any) -> None:
    event = sample("sqs")
    for record in event["Records"]:
        record["body"] = "fail"
    answer = lambda_client.invoke(FunctionName="orders", Payload=json.dumps(event))
    assert answer["FunctionError"] == "Unhandled"
    document = json.loads(answer["Payload"].read())
    assert (document["errorType"], document["errorMessage"]) == (
        "ValueError",
        f"cannot take {SQS_IDS[0]}",
    )
