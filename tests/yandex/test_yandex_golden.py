"""Golden native events (the docs' samples), tested in both directions.

The native event is the package's sample ``samples/<kind>.json`` (shipped once);
``tests/events/yandex/<kind>.expected.json`` is the canonical payload it decodes to.
Backwards, the platform half rebuilds the native event from the canonical payload:
equal except the fields the platform generates per call.
"""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from typing import Any

import pytest

from polyfaas import Event, EventBatch, Request
from polyfaas.runtime import format_rfc3339
from polyfaas_yandex import triggers
from polyfaas_yandex.emulated import router, trigger_calls
from polyfaas_yandex.emulated.function import platform
from polyfaas_yandex.function import decode_event
from tests.yandex.yandex_helpers import GOLDEN, canonical, load, sample, sample_kinds

REQUEST_ID = "6e8356f9-489b-4c7b-8ba6-c8cd74f25455"
KINDS = sample_kinds()


def test_every_sample_has_a_golden_file():
    on_disk = {p.name.split(".")[0] for p in GOLDEN.glob("*.expected.json")}
    assert on_disk == set(KINDS)
    assert not list(GOLDEN.glob("*.input.json"))  # the samples are the inputs: no copy


def test_samples_are_the_package_files():
    folder = files("polyfaas_yandex") / "samples"
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
    assert [name.removesuffix(".json") for name in names] == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_decode(kind):
    decoded = decode_event(sample(kind), REQUEST_ID)
    assert canonical(decoded) == load(f"{kind}.expected.json")


def test_sample_copies_are_independent():
    first = sample("timer")
    first["messages"].clear()
    assert sample("timer")["messages"]
    assert platform.samples()["timer"]["messages"]


def _request_from_expected(kind: str) -> Request:
    fields = load(f"{kind}.expected.json")["request"]
    added = {"x-forwarded-for", *router.ROUTER_HEADERS}
    import base64

    return Request(
        method=fields["method"],
        path=fields["path"],
        raw_path=fields["raw_path"],
        query=[tuple(pair) for pair in fields["query"]],
        headers=[tuple(p) for p in fields["headers"] if p[0].lower() not in added],
        body=base64.b64decode(fields["body"]["$bytes"]),
        client_ip=fields["client_ip"],
        host=fields["host"],
    )


@pytest.mark.parametrize(("kind", "gateway"), [("http", None), ("http-form", None)])
def test_http_event_rebuilt(kind, gateway):
    native = sample(kind)
    rebuilt = router.http_event(
        _request_from_expected(kind),
        request_id=REQUEST_ID,
        now=native["requestContext"]["requestTimeEpoch"],
        gateway=gateway,
        trace_id=native["headers"]["X-Trace-Id"],
        client_port=2816,
    )
    assert rebuilt == native


def test_gateway_event_rebuilt():
    native = sample("gateway-v0")
    rebuilt = router.http_event(
        _request_from_expected("gateway-v0"),
        request_id=REQUEST_ID,
        now=native["requestContext"]["requestTimeEpoch"],
        gateway="0.1",
        trace_id=native["headers"]["X-Trace-Id"],
        client_port=2816,
        function_id=native["headers"]["X-Api-Gateway-Function-Id"],
        gateway_id=native["headers"]["X-Serverless-Gateway-Id"],
    )
    assert rebuilt == native


def _event_from_expected(item: dict[str, Any]) -> Event:
    from datetime import datetime

    return Event(
        type=item["type"],
        id=item["id"],
        source=item["source"],
        subject=item["subject"],
        time=datetime.fromisoformat(item["time"]) if item["time"] else None,
        data=item["data"],
    )


def _comparable(message: Any) -> Any:
    # What the platform generates per deployment, not per event: ids of the cloud,
    # folder and trace, and (queue) the attributes polyfaas has no canonical field for.
    message = copy.deepcopy(message)
    if isinstance(message, dict) and "event_metadata" in message:
        for key in ("cloud_id", "folder_id", "tracing_context"):
            message["event_metadata"].pop(key, None)
        details = message["details"]
        if "message" in details:
            for key in ("message_attributes", "md5_of_message_attributes", "attributes"):
                details["message"].pop(key)
        details.pop("device_id", None)
    return message


@pytest.mark.parametrize(
    "kind",
    [
        "timer",
        "queue",
        "storage",
        "iot",
        "iot-broker",
        "logging",
        "cloud-logs",
        "data-streams",
        "budget",
        "mail",
        "container-registry",
        "telegram",
    ],
)
def test_trigger_event_rebuilt(kind):
    native = sample(kind)
    golden = load(f"{kind}.expected.json")
    expected = golden["batch"] if "batch" in golden else [golden["event"]]
    rebuilt = trigger_calls.encode_batch([_event_from_expected(item) for item in expected])
    if kind == "telegram":  # a Telegram trigger sends the bare Update, no envelope
        assert rebuilt == native
        return
    if kind in ("logging", "cloud-logs"):  # {seconds, nanos}: the time keeps microseconds
        created = native["messages"][0]["event_metadata"]["created_at"]
        created["nanos"] = created["nanos"] // 1000 * 1000
    if kind in ("timer", "queue", "storage", "iot", "iot-broker", "container-registry"):
        for message in native["messages"]:  # RFC 3339 with microseconds, always
            metadata = message["event_metadata"]
            when = triggers.parse_time(metadata["created_at"])
            metadata["created_at"] = format_rfc3339(when, 6)
    assert [_comparable(m) for m in rebuilt["messages"]] == [
        _comparable(m) for m in native["messages"]
    ]


def test_queue_md5_matches_the_platform():
    rebuilt = trigger_calls.encode_message(
        Event(type="polyfaas.queue.message", data="message body")
    )
    assert rebuilt["details"]["message"]["md5_of_body"] == "d29343907090dff4cec4a9a0efb80d20"


def test_raw_sample_is_a_direct_event():
    decoded = decode_event(sample("raw"), REQUEST_ID)
    assert isinstance(decoded, Event)
    assert not isinstance(decoded, EventBatch)
    assert json.dumps(decoded.data) == json.dumps(sample("raw"))
