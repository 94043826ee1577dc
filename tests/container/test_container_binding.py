"""The container runtime's pieces on their own: the CloudEvents HTTP binding (each
content mode, each required attribute, percent-encoded headers, ``data_base64``),
the event-type table both ways, the cgroup memory limit (v2, v1, none) and the
request id's sources."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyfaas
from polyfaas import EventBatch, Headers
from polyfaas_container import binding, event_types, logs
from polyfaas_container.context import memory_limit_mb, request_id
from polyfaas_container.emulated.platform import event_request, header_value

BASE = {"specversion": "1.0", "id": "e-1", "source": "/here", "type": "com.example.t"}


def binary(extra: dict[str, str] | None = None, **changes: str) -> Headers:
    attributes = {**BASE, **changes}
    return Headers([(f"ce-{k}", v) for k, v in attributes.items()] + list((extra or {}).items()))


def test_the_content_mode_is_read_from_the_headers() -> None:
    assert binding.content_mode(binary()) == "binary"
    assert binding.content_mode(Headers([("Content-Type", binding.STRUCTURED)])) == "structured"
    batch = Headers([("Content-Type", binding.BATCH + "; charset=utf-8")])
    assert binding.content_mode(batch) == "batch"
    assert binding.content_mode(Headers([("Content-Type", "application/json")])) is None


@pytest.mark.parametrize("missing", binding.REQUIRED)
def test_each_required_attribute_is_named_when_missing(missing: str) -> None:
    headers = Headers([(k, v) for k, v in binary().items() if k != f"ce-{missing}"])
    document = {k: v for k, v in BASE.items() if k != missing}
    for decode in (
        lambda: binding.decode(headers, b"{}"),
        lambda: binding.from_structured(document),
    ):
        with pytest.raises(binding.MalformedCloudEvent) as caught:
            decode()
        assert caught.value.attribute == missing
        assert repr(missing) in str(caught.value)


def test_an_other_specversion_and_a_bad_time_are_refused() -> None:
    with pytest.raises(binding.MalformedCloudEvent, match=r"specversion '0\.3'") as caught:
        binding.from_structured({**BASE, "specversion": "0.3"})
    assert caught.value.attribute == "specversion"
    with pytest.raises(binding.MalformedCloudEvent) as caught:
        binding.from_structured({**BASE, "time": "yesterday"})
    assert caught.value.attribute == "time"
    with pytest.raises(binding.MalformedCloudEvent, match="not valid JSON"):
        binding.decode(Headers([("Content-Type", binding.STRUCTURED)]), b"{")
    with pytest.raises(binding.MalformedCloudEvent, match="JSON array"):
        binding.decode(Headers([("Content-Type", binding.BATCH)]), b"{}")


def test_binary_mode_reads_percent_encoded_values_and_extensions() -> None:
    headers = binary({"Content-Type": "text/plain; charset=utf-8"}, subject="caf%C3%A9 %22x%22")
    headers = Headers([*headers.items(), ("ce-tenant", "acme")])
    event = binding.decode(headers, "héllo".encode())
    assert isinstance(event, polyfaas.Event)
    assert (event.subject, event.data) == ('café "x"', "héllo")
    assert event.datacontenttype == "text/plain; charset=utf-8"
    assert event.native["tenant"] == "acme"
    bad = Headers([*binary().items(), ("ce-subject", "%FF")])
    with pytest.raises(binding.MalformedCloudEvent, match="percent-encoded"):
        binding.decode(bad, b"")


def test_structured_data_base64_and_a_batch() -> None:
    event = binding.from_structured({**BASE, "data_base64": "AP8="})
    assert event.data == b"\x00\xff"
    with pytest.raises(binding.MalformedCloudEvent) as caught:
        binding.from_structured({**BASE, "data_base64": "not base64!"})
    assert caught.value.attribute == "data_base64"
    body = json.dumps([{**BASE, "id": "1", "data": 1}, {**BASE, "id": "2", "data": 2}])
    batch = binding.decode(Headers([("Content-Type", binding.BATCH)]), body.encode())
    assert isinstance(batch, EventBatch)
    assert [(e.id, e.data) for e in batch.events] == [("1", 1), ("2", 2)]


@given(st.text(min_size=1, max_size=40))
def test_header_values_round_trip_through_percent_encoding(value: str) -> None:
    encoded = header_value(value)
    assert all(0x21 <= ord(c) < 0x7F for c in encoded)
    assert binding.from_binary(binary(subject=encoded), b"").subject == value


def test_a_portable_event_is_sent_in_binary_mode_and_read_back() -> None:
    sent = polyfaas.Event(
        type=polyfaas.EventType.TIMER, source="/cron", subject="tick ü", data={"n": 1}
    )
    request = event_request(sent)
    got = binding.decode(Headers(list(request.headers)), request.body)
    assert isinstance(got, polyfaas.Event)
    assert (got.id, got.type, got.source, got.subject, got.data) == (
        sent.id,
        polyfaas.EventType.TIMER,
        "/cron",
        "tick ü",
        {"n": 1},
    )


def test_the_event_type_table_goes_both_ways() -> None:
    for portable, cloudevents in event_types.TO_CLOUDEVENTS.items():
        assert event_types.portable_type(cloudevents) == portable
        assert event_types.cloudevents_type(portable) == cloudevents
    assert event_types.portable_type("google.cloud.storage.object.v1.archived") == (
        polyfaas.EventType.OBJECT_CHANGED
    )
    assert event_types.portable_type("com.example.own") == "com.example.own"
    assert event_types.cloudevents_type(polyfaas.EventType.DIRECT) == polyfaas.EventType.DIRECT


@pytest.mark.parametrize(
    ("v2", "v1", "expected"),
    [
        ("536870912\n", None, 512),
        ("max\n", "1073741824", None),
        (None, "268435456", 256),
        (None, "9223372036854771712", None),
        (None, None, None),
    ],
)
def test_the_memory_limit_is_the_cgroups(
    tmp_path: Path, v2: str | None, v1: str | None, expected: int | None
) -> None:
    files = (tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes")
    for path, text in zip(files, (v2, v1)):
        if text is not None:
            path.write_text(text)
    assert memory_limit_mb(files) == expected


def test_the_request_id_sources_in_order() -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent = ("traceparent", f"00-{trace}-00f067aa0ba902b7-01")
    assert request_id(Headers([parent, ("X-Request-Id", "r")])) == trace
    zero = ("traceparent", f"00-{'0' * 32}-00f067aa0ba902b7-01")  # invalid: all zeros
    assert request_id(Headers([zero, ("X-Request-Id", "r")])) == "r"
    assert request_id(Headers([("X-Cloud-Trace-Context", "abc/12;o=1")])) == "abc"
    assert request_id(Headers([])) != request_id(Headers([]))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_log_lines_are_json_in_a_pipe_and_text_on_a_terminal(terminal: bool) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = _Terminal() if terminal else io.StringIO()
    try:
        logs.configure(stream)
        token = logs.current_request_id.set("r-1")
        try:
            logging.getLogger("app").warning("careful %s", "ü")
        finally:
            logs.current_request_id.reset(token)
        logging.getLogger("app").critical("down")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    first, second = stream.getvalue().splitlines()
    if terminal:
        assert (first, second) == ("WARNING [r-1] careful ü", "CRITICAL down")
        return
    assert json.loads(first) == {
        "severity": "WARNING",
        "level": "WARN",
        "message": "careful ü",
        "logger": "app",
        "request_id": "r-1",
    }
    assert json.loads(second) == {
        "severity": "CRITICAL",
        "level": "FATAL",
        "message": "down",
        "logger": "app",
    }
