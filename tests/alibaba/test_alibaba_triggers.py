"""Trigger events (reference §6) → ``Event``/``EventBatch`` and back; malformed
events are ``EventFormatError``s, never incidental ``KeyError``/``TypeError``s."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Event, EventBatch, EventType
from polyfaas.errors import EventFormatError
from polyfaas.platform import FunctionConfig
from polyfaas.testing import emulate
from polyfaas_alibaba.builtin import decode_payload, runtime
from polyfaas_alibaba.emulated.builtin import platform
from tests.alibaba.alibaba_helpers import RID, sample, sample_bytes, sample_kinds

UTC = timezone.utc


def first_event(payload: polyfaas.Request | Event | EventBatch) -> Event:
    """The event of a call, or the first of a batch."""
    if isinstance(payload, EventBatch):
        return payload.events[0]
    assert isinstance(payload, Event)
    return payload


def decode(native, kind=None):
    raw = native if isinstance(native, bytes) else json.dumps(native).encode()
    return decode_payload(raw, RID, kind=kind)


# -- direct invocations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "data"),
    [
        (b'{"key": "value"}', {"key": "value"}),
        (b'"Hello, FC!"', "Hello, FC!"),
        (b"[1, 2]", [1, 2]),
        (b"Hello, FC!", "Hello, FC!"),
        (b"{not json", "{not json"),
        (b"\xff\x00", b"\xff\x00"),
        (b"", None),
    ],
)
def test_direct_payloads(raw, data):
    event = decode(raw)
    assert isinstance(event, Event)
    assert (event.type, event.data, event.id, event.source) == (
        EventType.DIRECT,
        data,
        RID,
        "acs:fc",
    )
    assert event.native == raw


@pytest.mark.parametrize(
    "data", [None, "text", "123", '{"a": 1}', "", {"a": [1, None]}, [], 7, b"\x00\xff"]
)
def test_direct_events_round_trip_through_the_platform(data):
    call = platform.call(Event(data=data), FunctionConfig())
    event = first_event(runtime.decode(call.args, {}).payload)
    # an empty payload cannot be told from none (a documented loss)
    assert event.data == (None if data == "" else data)
    assert event.id == call.request_id


# -- each trigger ---------------------------------------------------------------------


def test_timer():
    event = decode(sample("timer"))
    assert event.type == EventType.TIMER
    assert event.subject == "timer-trigger"
    assert event.data == "awesome-fc"
    assert event.time == datetime(2023, 12, 26, 7, 49, tzinfo=UTC)
    assert (
        decode({"triggerTime": "2023-12-26T07:49:00Z", "triggerName": "t", "payload": ""}).data
        is None
    )


@pytest.mark.parametrize(
    ("name", "type_"),
    [
        ("ObjectCreated:PutObject", EventType.OBJECT_CREATED),
        ("ObjectCreated:PostObject", EventType.OBJECT_CREATED),
        ("ObjectRemoved:DeleteObject", EventType.OBJECT_DELETED),
        ("ObjectModified:UpdateObjectMeta", EventType.OBJECT_CHANGED),
    ],
)
def test_oss_event_names(name, type_):
    native = sample("oss")
    native["events"][0]["eventName"] = name
    event = decode(native)
    assert (event.type, event.source, event.subject) == (type_, "testbucket", "image/a.jpg")
    assert event.data["oss"]["object"]["size"] == 29203


def test_several_oss_records_are_a_batch():
    native = sample("oss")
    second = copy.deepcopy(native["events"][0])
    second["oss"]["object"]["key"] = "image/b.jpg"
    del second["responseElements"]
    native["events"].append(second)
    batch = decode(native)
    assert isinstance(batch, EventBatch)
    assert [e.subject for e in batch.events] == ["image/a.jpg", "image/b.jpg"]
    assert [e.id for e in batch.events] == ["62A2E2EFD0DEFE3930847A6E", f"{RID}#1"]


def test_sls():
    event = decode(sample("sls"))
    assert event.type == EventType.LOG
    assert event.source.endswith("/function-log")
    assert event.subject == "0"
    assert event.time == datetime.fromtimestamp(1655645277, UTC)


def test_mns_topic():
    event = decode(sample("mns-topic"))
    assert (event.type, event.source, event.data) == (
        EventType.TOPIC_MESSAGE,
        "fc-example",
        "mock mns message",
    )
    assert event.time == datetime(2022, 7, 19, 12, 59, 18, 94000, tzinfo=UTC)


def test_mns_queue():
    event = decode(sample("mns-queue"))
    assert (event.type, event.data, event.id) == (
        EventType.QUEUE_MESSAGE,
        "TEST",
        "c2g71017-6f65-fhcf-a814-a396fc8d****",
    )


def test_other_cloud_events_keep_their_type():
    native = {
        "specversion": "1.0",
        "type": "ecs:Instance:StateChange",
        "id": "e1",
        "source": "acs.ecs",
        "time": "2024-01-01T00:00:00+08:00",
        "datacontenttype": "application/json",
        "data": {"key": "k"},
    }
    event = decode(native)
    expected = (native["type"], "e1", "acs.ecs", {"key": "k"})
    assert (event.type, event.id, event.source, event.data) == expected
    assert event.time == datetime(2023, 12, 31, 16, tzinfo=UTC)


@pytest.mark.parametrize("as_string", [True, False])
def test_kafka_batches_accept_strings_and_objects(as_string):
    record = json.loads(sample("kafka")[0])
    native = [json.dumps(record) if as_string else record] * 2
    batch = decode(native)
    assert isinstance(batch, EventBatch)
    assert [e.type for e in batch.events] == [EventType.STREAM_RECORD] * 2
    assert batch.events[0].data.startswith("b'{")


def test_a_portable_event_handler_sees_every_trigger():
    seen = []

    @polyfaas.event
    def handler(event, context):
        seen.append(event.type)
        return event.subject

    for kind in sample_kinds():
        if kind.startswith("http"):
            continue
        result = handler(sample_bytes(kind), platform.context(FunctionConfig(), RID))
        if kind == "kafka":
            assert result == ["acs:alikafka:alikafka_pre-cn-7pp2t2jwj001:topic:HelloTopic"]
    # the kinds in file-name order: direct, eventbridge, kafka, mns-queue, mns-topic,
    # oss-eventbridge, oss, rabbitmq, rocketmq, sls, tablestore, timer
    assert seen == [
        EventType.DIRECT,
        "ecs:Instance:StateChange",
        EventType.STREAM_RECORD,
        EventType.QUEUE_MESSAGE,
        EventType.TOPIC_MESSAGE,
        EventType.OBJECT_CREATED,
        EventType.OBJECT_CREATED,
        EventType.QUEUE_MESSAGE,
        EventType.QUEUE_MESSAGE,
        EventType.LOG,
        EventType.STREAM_RECORD,
        EventType.TIMER,
    ]


def test_a_stream_record_is_delivered_as_a_batch_of_one():
    @polyfaas.event
    def handler(event, context):
        return event.data.upper()

    response = emulate(handler, Event(type=EventType.STREAM_RECORD, data="v"), "alibaba")
    assert json.loads(response.body) == ["V"]


# -- canonical → native → canonical -------------------------------------------------------

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    "event",
    [
        Event(type=EventType.TIMER, source="acs:fc:timer", subject="t", time=WHEN, data="p"),
        Event(type=EventType.OBJECT_CREATED, id="o1", source="b", subject="k/1", time=WHEN),
        Event(type=EventType.OBJECT_DELETED, id="o2", source="b", subject="k/2", time=WHEN),
        Event(type=EventType.OBJECT_CHANGED, id="o3", source="b", subject="k/3", time=WHEN),
        Event(type=EventType.LOG, id="t1", source="proj/store", subject="3", time=WHEN),
        Event(
            type=EventType.TOPIC_MESSAGE,
            id="m1",
            source="topic",
            subject="sub",
            time=WHEN,
            data="hi",
        ),
        Event(
            type=EventType.QUEUE_MESSAGE,
            id="q1",
            source="MNS-x",
            subject="acs:q",
            time=WHEN,
            data="hi",
        ),
        Event(
            type=EventType.STREAM_RECORD,
            id="k1",
            source="acs:alikafka",
            subject="x:topic:T",
            time=WHEN,
            data="v",
        ),
        Event(type="custom:Thing:Happened", id="c1", source="src", time=WHEN, data={"a": 1}),
    ],
    ids=lambda e: e.type,
)
def test_events_survive_the_platform(event):
    call = platform.call(event, FunctionConfig())
    first = first_event(runtime.decode(call.args, {}).payload)
    for field in ("type", "source", "subject"):
        assert getattr(first, field) == getattr(event, field), field
    # SLS's cursorTime counts seconds (a documented loss)
    seconds = event.type == EventType.LOG
    assert event.time is not None
    assert first.time == (event.time.replace(microsecond=0) if seconds else event.time)
    if event.type == EventType.TIMER:
        assert first.id == call.request_id
    else:
        assert first.id == event.id
    if event.type not in (EventType.LOG,) and not event.type.startswith("polyfaas.storage"):
        assert first.data == event.data
    # and the platform's own output is a fixpoint
    again = runtime.decode(platform.call(first, FunctionConfig()).args, {}).payload
    assert first_event(again).data == first.data


MILLIS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
WORDS = st.text(st.characters(codec="utf-8"), min_size=1, max_size=20)


@st.composite
def portable_events(draw):
    kind = draw(
        st.sampled_from(
            [
                EventType.TIMER,
                EventType.TOPIC_MESSAGE,
                EventType.QUEUE_MESSAGE,
                EventType.STREAM_RECORD,
                EventType.OBJECT_CREATED,
                EventType.OBJECT_DELETED,
                "custom:Some:Event",
            ]
        )
    )
    data = draw(WORDS) if kind != "custom:Some:Event" else draw(JSON)
    if kind.startswith("polyfaas.storage"):
        data = None
    # a timer's source is always FC's timer (its name is the subject)
    source = "acs:fc:timer" if kind == EventType.TIMER else draw(WORDS)
    return Event(
        type=kind,
        id=draw(WORDS),
        source=source,
        subject=draw(WORDS),
        time=draw(MILLIS),
        data=data,
    )


@settings(deadline=None)
@given(portable_events())
def test_generated_events_survive_the_platform(event):
    call = platform.call(event, FunctionConfig())
    back = first_event(runtime.decode(call.args, {}).payload)
    assert (back.type, back.source, back.subject, back.time) == (
        event.type,
        event.source,
        event.subject,
        event.time,
    )
    assert back.id == (call.request_id if event.type == EventType.TIMER else event.id)
    if event.data is not None:
        assert back.data == event.data


# -- malformed events -----------------------------------------------------------------------


def http_event(**changes):
    event = sample("http")
    for path, value in changes.items():
        target = event
        *parents, last = path.split("__")
        for parent in parents:
            target = target[parent]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return event


MALFORMED = [
    ("http", http_event(body="***", isBase64Encoded=True)),
    ("http", http_event(isBase64Encoded="yes")),
    ("http", http_event(body=5)),
    ("http", http_event(headers=["a", "b"])),
    ("http", http_event(headers={"A": ["x"]})),
    ("http", http_event(queryParameters={"a": {"b": 1}})),
    ("http", http_event(rawPath=7)),
    ("http", http_event(requestContext="ctx")),
    ("http", http_event(requestContext__http=None)),
    ("http", http_event(requestContext__http__method=KeyError)),
    ("http", http_event(requestContext__http__sourceIp=1)),
    ("http", http_event(requestContext__domainName=[])),
    ("timer", {"triggerTime": "yesterday", "triggerName": "t"}),
    ("timer", {"triggerTime": "2023-13-45T00:00:00Z", "triggerName": "t"}),
    ("timer", {"triggerTime": "2023-12-26T07:49:00Z", "triggerName": 5}),
    ("oss", {"events": [{"eventSource": "acs:oss"}]}),
    ("oss", {"events": [{"eventSource": "acs:oss", "eventName": "x", "oss": {"bucket": {}}}]}),
    ("oss", {"events": [sample("oss")["events"][0], "second"]}),
    ("sls", {"jobName": "j", "taskId": "t", "cursorTime": "soon", "source": {}}),
    ("sls", {"jobName": "j", "taskId": "t", "cursorTime": 1, "source": "s"}),
    (
        "sls",
        {
            "jobName": "j",
            "taskId": 1,
            "cursorTime": 1,
            "source": {"projectName": "p", "logstoreName": "l"},
        },
    ),
    ("mns-topic", {"TopicName": "t", "Message": 1, "MessageId": "m"}),
    ("mns-topic", {"TopicName": "t", "Message": "m", "MessageId": "m", "PublishTime": 1e300}),
    ("cloudevent", {"specversion": "1.0", "type": "mns:Queue:SendMessage", "data": "x"}),
    ("cloudevent", {"specversion": "1.0", "type": "mns:Queue:SendMessage", "data": {}}),
    ("cloudevent", {"specversion": 1, "type": "t"}),
    ("cloudevent", {"specversion": "1.0", "type": "t", "time": 5}),
    ("cloudevent", {"specversion": "1.0", "type": "alikafka:Topic:Message", "data": {"value": 1}}),
    ("kafka", ['{"specversion": "1.0", "type": "t"}', "{not json"]),
    ("kafka", [{"specversion": "1.0", "type": "t"}, 5]),
]


def decode_whole(native, kind=None):
    """``decode``, then every lazy part of a ``Request`` read (issue 15, decision 3: a
    malformed header or query value raises when the handler first reads it)."""
    payload = decode(native, kind=kind)
    if isinstance(payload, polyfaas.Request):
        list(payload.headers.items())
        list(payload.query.items(multi=True))
    return payload


@pytest.mark.parametrize(("kind", "native"), MALFORMED)
def test_malformed_events_are_event_format_errors(kind, native):
    with pytest.raises(EventFormatError):
        decode_whole(native)
    with pytest.raises(EventFormatError):
        decode_whole(native, kind=kind)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [(b"{bad json", "http"), (b"[1]", "http"), (b'{"a": 1}', "timer"), (b"\xff", "oss")],
)
def test_a_declared_kind_must_be_that_kind(raw, kind):
    with pytest.raises(EventFormatError):
        decode_payload(raw, RID, kind=kind)


def test_malformed_events_fail_the_call_as_fc_reports_errors():
    @polyfaas.http
    def handler(request, context):
        return "never"

    bad = json.dumps(http_event(isBase64Encoded="yes")).encode()
    with pytest.raises(ValueError, match="isBase64Encoded"):
        handler(bad, platform.context(FunctionConfig(), RID))


@pytest.mark.parametrize(
    "value", ["2023-12-26T07:49:00Z", "2023-12-26 07:49:00", "2023-12-26T07:49:00.1+0800"]
)
def test_times(value):
    event = decode({**sample("timer"), "triggerTime": value})
    assert event.time is not None
    assert event.time.utcoffset() is not None


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-01:00", "2023-02-30T00:00:00Z", "yesterday", 1703577000]
)
def test_a_bad_time_is_an_event_format_error(value):
    raw = json.dumps({**sample("timer"), "triggerTime": value}).encode()
    with pytest.raises(EventFormatError, match="timer"):
        decode_payload(raw, RID)


# -- fuzzing --------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


def paths_of(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from paths_of(value, (*prefix, index))


@st.composite
def mutated_samples(draw):
    kind = draw(st.sampled_from(sample_kinds()))
    native = sample(kind)
    if kind == "kafka":
        native = [json.loads(native[0])]
    for _ in range(draw(st.integers(1, 3))):
        candidates = [p for p in paths_of(native) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = native
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return native


@settings(max_examples=300, deadline=None)
@given(mutated_samples())
def test_mutated_samples_decode_or_raise_event_format_error(native):
    try:
        payload = decode(native)
    except EventFormatError:
        return
    assert isinstance(payload, (polyfaas.Request, Event, EventBatch))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_payloads_decode_or_raise_event_format_error(raw):
    try:
        payload = runtime.decode((raw, platform.context(FunctionConfig(), RID)), {}).payload
    except EventFormatError:
        return
    assert isinstance(payload, (polyfaas.Request, Event, EventBatch))
