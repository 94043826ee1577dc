"""Triggers FC takes through EventBridge (issue 14 item 13): OSS through EventBridge,
RocketMQ, RabbitMQ and any other EventBridge source, mapped into the portable
vocabulary like the direct triggers, sent back by the platform half (round trip) and
listed by ``polyfaas events alibaba``. Samples and sources: ASSUMPTIONS.md
("EventBridge-delivered triggers")."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from polyfaas import Event, EventBatch, EventType
from polyfaas.errors import EventFormatError
from polyfaas.platform import FunctionConfig
from polyfaas_alibaba.builtin import decode_payload, runtime
from polyfaas_alibaba.emulated.builtin import platform
from polyfaas_alibaba.emulated.native_events import native_event
from tests.alibaba.alibaba_helpers import RID, sample, sample_bytes

EVENTBRIDGE_KINDS = ["oss-eventbridge", "rocketmq", "rabbitmq", "eventbridge"]


def decode(native):
    return decode_payload(json.dumps(native).encode(), RID)


def test_oss_through_eventbridge_is_the_direct_oss_triggers_event():
    bridged = decode(sample("oss-eventbridge"))
    direct = decode(sample("oss"))
    assert (bridged.type, bridged.source, bridged.subject) == (
        EventType.OBJECT_CREATED,
        "testbucket",
        "source/a.png",
    )
    # the same portable fields as the direct trigger's (whose sample has another key)
    assert (direct.type, direct.source, direct.datacontenttype) == (
        bridged.type,
        bridged.source,
        bridged.datacontenttype,
    )
    assert set(direct.data["oss"]) == set(bridged.data["oss"])
    assert bridged.data["oss"]["object"]["size"] == 122539
    assert bridged.native == sample("oss-eventbridge")


@pytest.mark.parametrize(
    ("native_type", "portable"),
    [
        ("oss:ObjectRemoved:DeleteObject", EventType.OBJECT_DELETED),
        ("oss:ObjectCreated:CompleteMultipartUpload", EventType.OBJECT_CREATED),
        ("oss:ObjectModified:UpdateObjectMeta", EventType.OBJECT_CHANGED),
        ("oss:ObjectReplication:ObjectCreated", EventType.OBJECT_CHANGED),
    ],
)
def test_oss_event_types_map_as_the_direct_triggers_names(native_type, portable):
    native = dict(sample("oss-eventbridge"), type=native_type)
    assert decode(native).type == portable


def test_oss_bucket_events_and_odd_data_keep_their_own_type():
    bucket = dict(sample("oss-eventbridge"), type="oss:BucketCreated:PutBucket")
    assert decode(bucket).type == "oss:BucketCreated:PutBucket"
    odd = dict(sample("oss-eventbridge"), data={"key": "k"})
    assert (decode(odd).type, decode(odd).data) == ("oss:ObjectCreated:PutObject", {"key": "k"})


def test_a_bridged_oss_event_with_a_malformed_record_is_refused():
    native = copy.deepcopy(sample("oss-eventbridge"))
    native["data"]["oss"]["object"]["key"] = 7
    with pytest.raises(EventFormatError, match="OSS"):
        decode(native)


@pytest.mark.parametrize(
    ("kind", "body", "source"),
    [
        ("rocketmq", "TEST", "RocketMQ-Function-rocketmq-trigger"),
        ("rabbitmq", {"Hello": "EventBridge"}, "housekeeping.rabbitmq"),
        ("mns-queue", "TEST", "MNS-Function-mnstrigger"),
    ],
)
def test_mq_messages_are_queue_messages(kind, body, source):
    event = decode(sample(kind))
    assert (event.type, event.data, event.source) == (EventType.QUEUE_MESSAGE, body, source)
    assert event.subject == sample(kind)["subject"]
    assert event.id == sample(kind)["id"]


def test_a_rocketmq_event_stream_batch_is_an_event_batch():
    batch = decode([sample("rocketmq"), sample("rocketmq")])
    assert isinstance(batch, EventBatch)
    assert [e.type for e in batch.events] == [EventType.QUEUE_MESSAGE] * 2


def test_a_rocketmq_event_without_data_is_refused():
    with pytest.raises(EventFormatError, match="RocketMQ"):
        decode(dict(sample("rocketmq"), data="TEST"))


def test_any_other_eventbridge_source_is_a_cloud_event_of_its_own_type():
    event = decode(sample("eventbridge"))
    assert (event.type, event.source, event.id) == (
        "ecs:Instance:StateChange",
        "acs.ecs",
        sample("eventbridge")["id"],
    )
    assert event.data == {
        "resourceId": "i-bp1ecr6b0ubfm5q0****",
        "resourceType": "ALIYUN::ECS::Instance",
        "state": "Running",
    }


@pytest.mark.parametrize("kind", EVENTBRIDGE_KINDS)
def test_the_platform_half_sends_each_back_as_it_came(kind):
    event = decode(sample(kind))
    again = native_event(event, account_id="1", region="cn-hangzhou")
    assert again["type"] == sample(kind)["type"]
    assert again["specversion"] == "1.0"
    assert decode(again) == event


def test_a_queue_message_for_a_rocketmq_subject_goes_as_rocketmq():
    event = Event(
        type=EventType.QUEUE_MESSAGE,
        id="m1",
        source="RocketMQ-Function-t",
        subject="acs:mq:cn-hangzhou:1:MQ_INST_1%orders",
        data="hello",
    )
    native = native_event(event, account_id="1", region="cn-hangzhou")
    assert native["type"] == "mq:Topic:SendMessage"
    assert (native["data"]["topic"], native["data"]["body"]) == ("orders", "hello")
    plain = native_event(
        Event(type=EventType.QUEUE_MESSAGE, id="m2", source="q", data="x"),
        account_id="1",
        region="cn-hangzhou",
    )
    assert plain["type"] == "mns:Queue:SendMessage"


@pytest.mark.parametrize("kind", EVENTBRIDGE_KINDS)
def test_a_portable_handler_gets_them_through_the_emulated_platform(kind):
    event = decode(sample(kind))
    call = platform.call(event, FunctionConfig())
    invocation = runtime.decode(call.args, {})
    assert invocation.payload == event


def test_polyfaas_events_lists_and_prints_them():
    def cli(*args):
        command = [sys.executable, "-m", "polyfaas", "events", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)

    listed = {line.split()[0]: line.split()[1:] for line in cli().stdout.splitlines()}
    assert set(EVENTBRIDGE_KINDS) <= set(listed["alibaba"])
    assert json.loads(cli("alibaba", "rocketmq").stdout) == sample("rocketmq")


def test_the_sample_bytes_decode_as_fc_passes_them():
    decoded = decode_payload(sample_bytes("rabbitmq"), RID)
    assert isinstance(decoded, Event)
    assert decoded.type == EventType.QUEUE_MESSAGE
