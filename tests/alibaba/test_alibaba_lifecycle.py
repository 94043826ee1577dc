"""Lifecycle hooks the FC way (reference §1.3): a portable entry's init hook mapped onto
FC's initializer (``initializer()``), or run by the first invocation without one; the
hooks FC calls into a custom runtime."""

from __future__ import annotations

import pytest

import polyfaas
from polyfaas import Event, Request
from polyfaas.platform import FunctionConfig, NativeCall, call_native
from polyfaas.testing import emulate
from polyfaas_alibaba.builtin import initializer
from polyfaas_alibaba.emulated.builtin import platform
from polyfaas_alibaba.emulated.custom import platform as custom_platform


def portable_entry(log: list[str]) -> polyfaas.Entry:
    @polyfaas.http
    def handler(request, context):
        log.append("handler")
        return "ok"

    @handler.init
    def setup(context):
        log.append(f"init:{context.provider}")

    return handler


def initialize(entry: polyfaas.Entry):
    """FC calling ``initializer(entry)`` with an FC context of its own."""
    context = platform.context(FunctionConfig(), "1-00000000-000000000000000000000000")
    return call_native(
        initializer(entry),
        NativeCall(
            args=(context,), request_id=context.request_id, payload=Event(type="acs:fc:initializer")
        ),
    )


def test_the_init_hook_runs_in_fcs_initializer_phase():
    log: list[str] = []
    handler = portable_entry(log)
    assert initialize(handler).error is None
    assert log == ["init:alibaba"]
    emulate(handler, Request(), "alibaba")
    emulate(handler, Request(), "alibaba")
    assert log == ["init:alibaba", "handler", "handler"]
    assert handler.initialized


def test_without_an_fc_initializer_the_first_call_runs_the_init_hook():
    log: list[str] = []
    handler = portable_entry(log)
    emulate(handler, Request(), "alibaba")
    emulate(handler, Request(), "alibaba")
    assert log == ["init:alibaba", "handler", "handler"]


def test_a_failing_init_hook_fails_the_fc_initializer_and_runs_again():
    attempts: list[int] = []

    @polyfaas.event
    def handler(event, context):
        return "ok"

    @handler.init
    def setup(context):
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("first try fails")

    failed = initialize(handler)
    assert failed.error is not None
    assert failed.error.type == "ConnectionError"
    assert emulate(handler, Event(), "alibaba").body == b"ok"
    assert len(attempts) == 2


def test_the_custom_runtime_hooks_are_fcs_control_paths():
    requests = [
        custom_platform.hook_call(hook, FunctionConfig()).args[0]
        for hook in ("initializer", "pre-stop", "pre-freeze")
    ]
    assert [(r.method, r.target) for r in requests] == [
        ("POST", "/initialize"),
        ("GET", "/pre-stop"),
        ("GET", "/pre-freeze"),
    ]
    ids = {dict(r.headers)["x-fc-request-id"] for r in requests}
    assert len(ids) == 3


def test_unknown_hooks_are_refused():
    with pytest.raises(ValueError, match="initializer"):
        custom_platform.hook_call("post-thaw", FunctionConfig())
