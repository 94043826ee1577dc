"""Golden files: FC's documented sample events (reference §2.1, §6) ⇄ canonical form.

Per kind, ``tests/events/alibaba/`` holds ``<kind>.input.json`` (the doc sample,
also served by ``polyfaas_alibaba.samples``), ``<kind>.expected.json`` (its canonical
form) and ``<kind>.reverse.json`` (the native event the platform half builds back
from that canonical form). Regenerate with ``alibaba_helpers.write_golden()``.
"""

from __future__ import annotations

import json

import pytest

from polyfaas_alibaba import samples
from polyfaas_alibaba.payload import decode_payload
from tests.alibaba.alibaba_helpers import (
    GOLDEN,
    RID,
    canonical,
    from_canonical,
    load,
    reverse,
)

KINDS = ["http", "timer", "oss", "mns-topic", "mns-queue", "sls", "kafka", "direct"]


def test_the_issue_kinds_are_all_served_for_the_cli():
    assert samples.kinds() == KINDS
    assert sorted(p.name.split(".")[0] for p in GOLDEN.glob("*.input.json")) == sorted(KINDS)


def test_unknown_kind_names_the_known_ones():
    with pytest.raises(KeyError, match="mns-queue"):
        samples.sample("nope")


def test_samples_are_copies():
    first = samples.sample("timer")
    first["payload"] = "changed"
    assert samples.sample("timer")["payload"] == "awesome-fc"


@pytest.mark.parametrize("kind", KINDS)
def test_sample_matches_its_golden_input(kind):
    assert samples.sample(kind) == load(f"{kind}.input.json")
    assert json.loads(samples.sample_bytes(kind)) == samples.sample(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_native_to_canonical(kind):
    payload = decode_payload(samples.sample_bytes(kind), RID)
    assert canonical(payload) == load(f"{kind}.expected.json")


@pytest.mark.parametrize("kind", KINDS)
def test_canonical_to_native(kind):
    expected = from_canonical(load(f"{kind}.expected.json"))
    assert reverse(expected) == load(f"{kind}.reverse.json")


@pytest.mark.parametrize("kind", KINDS)
def test_reverse_reads_back_to_the_same_canonical_form(kind):
    native = load(f"{kind}.reverse.json")
    raw = native.encode() if isinstance(native, str) else json.dumps(native).encode()
    # Object equality: header names compare case-insensitively, as HTTP has them.
    assert decode_payload(raw, RID) == from_canonical(load(f"{kind}.expected.json"))


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "http"])
def test_event_samples_keep_the_native_record(kind):
    payload = decode_payload(samples.sample_bytes(kind), RID)
    assert payload.native is not None
