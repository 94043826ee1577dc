"""Golden files: FC's documented sample events (reference §2.1, §6) ⇄ canonical form.

The samples are the adapter's package data (``polyfaas_alibaba/samples/<kind>.json``,
what ``polyfaas events alibaba`` prints). Per kind, ``tests/events/alibaba/`` holds
``<kind>.expected.json`` (the sample's canonical form) and ``<kind>.reverse.json``
(the native event the platform half builds back from that canonical form).
Regenerate with ``alibaba_helpers.write_golden()``.
"""

from __future__ import annotations

import json

import pytest

from polyfaas_alibaba.builtin import decode_payload
from polyfaas_alibaba.emulated.builtin import platform
from tests.alibaba.alibaba_helpers import (
    GOLDEN,
    RID,
    canonical,
    from_canonical,
    load,
    reverse,
    sample_bytes,
)

KINDS = sorted(
    [
        *["http", "http-form", "timer", "oss", "mns-topic", "mns-queue", "sls", "kafka", "direct"],
        *["oss-eventbridge", "rocketmq", "rabbitmq", "eventbridge", "tablestore"],
    ]
)
#: Kinds whose reverse file the platform half builds from the decoded event itself:
#: only its native record says that the object event came through EventBridge.
FROM_NATIVE = {"oss-eventbridge"}


def test_the_issue_kinds_are_all_served_for_the_cli():
    assert sorted(platform.samples()) == KINDS
    assert sorted(p.name.split(".")[0] for p in GOLDEN.glob("*.expected.json")) == KINDS
    assert sorted(p.name.split(".")[0] for p in GOLDEN.glob("*.reverse.json")) == KINDS
    assert not list(GOLDEN.glob("*.input.json"))  # the samples are shipped once


def test_every_fc_provider_serves_the_same_samples():
    from polyfaas_alibaba.emulated import custom, wsgi

    assert custom.platform.samples() == wsgi.platform.samples() == platform.samples()


@pytest.mark.parametrize("kind", KINDS)
def test_native_to_canonical(kind):
    payload = decode_payload(sample_bytes(kind), RID)
    assert canonical(payload) == load(f"{kind}.expected.json")


@pytest.mark.parametrize("kind", KINDS)
def test_canonical_to_native(kind):
    if kind in FROM_NATIVE:
        expected = decode_payload(sample_bytes(kind), RID)
    else:
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
    payload = decode_payload(sample_bytes(kind), RID)
    assert payload.native is not None
