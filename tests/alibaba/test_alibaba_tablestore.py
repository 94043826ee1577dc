"""FC's Tablestore trigger: rows as CBOR bytes (ASSUMPTIONS.md §6, "Tablestore").

The documented sample (``samples/tablestore.json``, FC's Tablestore trigger page)
is the decoded form; FC passes it CBOR-encoded, so every test here sends CBOR.
"""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Event, EventBatch, EventType
from polyfaas.errors import EventFormatError
from polyfaas.platform import FunctionConfig
from polyfaas.testing import emulate
from polyfaas_alibaba import cbor
from polyfaas_alibaba.builtin import decode_payload
from polyfaas_alibaba.emulated.builtin import platform
from polyfaas_alibaba.emulated.cbor_encode import dumps
from polyfaas_alibaba.emulated.native_events import event_payload
from tests.alibaba.alibaba_helpers import RID, canonical, load, sample

EXAMPLES = int(os.environ.get("POLYFAAS_FUZZ_EXAMPLES", "2000"))


def test_the_documented_rows_sent_as_cbor_decode_to_the_golden_form() -> None:
    payload = decode_payload(dumps(sample("tablestore")), RID)
    assert canonical(payload) == load("tablestore.expected.json")
    assert isinstance(payload, Event)
    assert payload.type == EventType.STREAM_RECORD
    assert payload.subject == "PutRow"
    # Info.Timestamp is in microseconds: 17:03:05.740836 at +08:00, as pk_1 says
    assert payload.time is not None
    assert payload.time.isoformat() == "2017-09-26T09:03:05.740836+00:00"


def test_the_platform_half_sends_cbor_that_reads_back() -> None:
    event = decode_payload(dumps(sample("tablestore")), RID)
    assert isinstance(event, Event)
    raw = event_payload(event, account_id="1", region="cn-hangzhou")
    assert raw[:1] != b"{"  # not JSON: a native handler gets what FC sends
    assert cbor.loads(raw) == sample("tablestore")
    assert decode_payload(raw, RID) == event


def test_a_native_handler_gets_cbor_bytes_and_a_portable_one_the_row() -> None:
    def native(event: bytes, context: object) -> str:
        rows = cbor.loads(event)
        return str(rows["Records"][0]["PrimaryKey"][0]["Value"])

    @polyfaas.event
    def portable(event: Event, context: polyfaas.Context) -> str:
        return f"{event.source} {event.subject} {event.data['Columns'][0]['Value']}"

    row = Event(
        type=EventType.STREAM_RECORD,
        source="acs:ots",
        subject="UpdateRow",
        data={"name": "Ada", "blob": b"\x00\xff"},
    )
    call = platform.call(row, FunctionConfig())
    sent = cbor.loads(call.args[0])
    assert sent["Version"] == "Sync-v1"
    (record,) = sent["Records"]
    assert record["Type"] == "UpdateRow"
    assert {c["ColumnName"]: c["Value"] for c in record["Columns"]} == {
        "name": "Ada",
        "blob": b"\x00\xff",
    }
    assert emulate(native, row, "alibaba").body == row.id.encode()
    assert emulate(portable, row, "alibaba").body == b"acs:ots UpdateRow Ada"


def test_several_rows_are_a_batch_and_blobs_stay_bytes() -> None:
    rows = sample("tablestore")
    second = dict(rows["Records"][0], Type="DeleteRow")
    second["PrimaryKey"] = [{"ColumnName": "pk_0", "Value": b"\x01\x02"}]
    rows["Records"].append(second)
    payload = decode_payload(dumps(rows), RID)
    assert isinstance(payload, EventBatch)
    assert [e.subject for e in payload.events] == ["PutRow", "DeleteRow"]
    assert [e.id for e in payload.events] == [f"{RID}#0", f"{RID}#1"]
    assert payload.events[1].data["PrimaryKey"][0]["Value"] == b"\x01\x02"


@pytest.mark.parametrize(
    "raw",
    [
        dumps(sample("tablestore"))[:-3],  # truncated
        b"\xbf\x61a",  # an indefinite map that never ends
        b"\xa1" + b"\x81" * 300 + b"\x00",  # nesting past the limit
        dumps({"Version": "Sync-v1", "Records": []}) + b"\x00",  # trailing bytes
        b"\xa1\x7b\xff\xff\xff\xff\xff\xff\xff\xff",  # a text longer than the payload
    ],
)
def test_broken_cbor_is_a_direct_call_or_a_format_error_never_a_crash(raw: bytes) -> None:
    payload = decode_payload(raw, RID)
    assert isinstance(payload, Event)
    assert payload.type == EventType.DIRECT
    assert payload.data == raw
    with pytest.raises(EventFormatError):
        decode_payload(raw, RID, kind="tablestore")


def test_rows_of_the_wrong_shape_are_format_errors() -> None:
    bad_rows = [
        {"Version": "Sync-v1", "Records": ["PutRow"]},
        {"Version": "Sync-v1", "Records": [{"Type": "PutRow"}]},
        {"Version": "Sync-v1", "Records": [{"Type": 1, "Info": {"Timestamp": 1}}]},
        {"Version": "Sync-v1", "Records": [{"Type": "PutRow", "Info": {"Timestamp": 10**30}}]},
    ]
    for rows in bad_rows:
        with pytest.raises(EventFormatError):
            decode_payload(dumps(rows), RID)


@pytest.mark.parametrize(
    ("hex_", "value"),
    [  # RFC 8949 Appendix A
        ("00", 0),
        ("1bffffffffffffffff", 18446744073709551615),
        ("c249010000000000000000", 18446744073709551616),
        ("3bffffffffffffffff", -18446744073709551616),
        ("f93e00", 1.5),
        ("fb3ff199999999999a", 1.1),
        ("f4", False),
        ("f6", None),
        ("4401020304", b"\x01\x02\x03\x04"),
        ("62c3bc", "\u00fc"),
        ("a201020304", {1: 2, 3: 4}),
        ("5f42010243030405ff", b"\x01\x02\x03\x04\x05"),
        ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]),
    ],
)
def test_the_rfc_examples_decode(hex_: str, value: object) -> None:
    assert cbor.loads(bytes.fromhex(hex_)) == value


def test_infinity_and_nan_decode() -> None:
    assert cbor.loads(bytes.fromhex("f97c00")) == math.inf
    assert math.isnan(cbor.loads(bytes.fromhex("f97e00")))


@settings(max_examples=EXAMPLES // 4, deadline=None)
@given(st.binary(max_size=64))
def test_the_decoder_is_total(raw: bytes) -> None:
    reason = None
    try:
        cbor.loads(raw)
    except ValueError as exc:  # the only exception, and it says what is wrong
        reason = str(exc)
    assert reason is None or reason.strip()


VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.binary(max_size=16)
    | st.text(max_size=16),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=EXAMPLES // 4, deadline=None)
@given(VALUES)
def test_what_the_platform_half_encodes_decodes_to_itself(value: object) -> None:
    assert cbor.loads(dumps(value)) == value
