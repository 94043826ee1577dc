"""Lifecycle hooks the FC way (reference §1.3): initializer once per instance and again
after a failure, pre-freeze and pre-stop as ``hook(context)``, and a portable entry's
init hook mapped onto FC's initializer."""

from __future__ import annotations

from typing import Any

import pytest

import polyfaas
from polyfaas import Event, Request
from polyfaas._native import FunctionConfig
from polyfaas_alibaba.context import FCContext
from polyfaas_alibaba.event import initializer, platform
from polyfaas_alibaba.lifecycle import Instance


class Recorder:
    def __init__(self, fail_initializer: int = 0) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail_initializer = fail_initializer

    def initialize(self, context):
        self.calls.append(("initialize", context))
        if self.fail_initializer:
            self.fail_initializer -= 1
            raise RuntimeError("database unreachable")
        return "ignored"

    def handler(self, event, context):
        self.calls.append(("handler", context))
        return "done"

    def pre_freeze(self, context):
        self.calls.append(("preFreeze", context))

    def pre_stop(self, context):
        self.calls.append(("preStop", context))


def make_instance(recorder: Recorder) -> Instance:
    return Instance(
        recorder.handler,
        initializer=recorder.initialize,
        pre_freeze=recorder.pre_freeze,
        pre_stop=recorder.pre_stop,
    )


def test_the_initializer_runs_once_before_the_first_invocation():
    recorder = Recorder()
    instance = make_instance(recorder)
    assert instance.invoke(Event()).body == b"done"
    assert instance.invoke(Event()).body == b"done"
    assert [name for name, _ in recorder.calls] == ["initialize", "handler", "handler"]
    assert instance.initialized


def test_hooks_get_an_fc_context_of_their_own():
    recorder = Recorder()
    instance = make_instance(recorder)
    instance.invoke(Event())
    instance.freeze()
    instance.stop()
    names = [name for name, _ in recorder.calls]
    assert names == ["initialize", "handler", "preFreeze", "preStop"]
    contexts = [context for _, context in recorder.calls]
    assert all(isinstance(context, FCContext) for context in contexts)
    assert len({context.request_id for context in contexts}) == 4


@pytest.mark.parametrize(("payload", "status"), [(Event(), 200), (Request(), 502)])
def test_a_failed_initializer_fails_the_invocation_and_is_retried(payload, status):
    recorder = Recorder(fail_initializer=1)
    instance = make_instance(recorder)
    failed = instance.invoke(payload)
    assert failed.status == status
    assert failed.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    assert failed.json()["errorType"] == "RuntimeError"
    assert failed.json()["errorMessage"] == "database unreachable"
    assert not instance.initialized
    assert instance.generation == 2
    assert instance.invoke(payload).status in (200, 204)
    assert [name for name, _ in recorder.calls] == ["initialize", "initialize", "handler"]


def test_hook_failures_are_reported_as_outcomes():
    def broken(context):
        raise ValueError("no")

    instance = Instance(lambda event, context: None, pre_stop=broken)
    outcome = instance.stop()
    assert outcome is not None
    assert outcome.error is not None
    assert outcome.error.type == "ValueError"
    assert instance.freeze() is None


def test_hooks_load_from_code_by_handler_string(tmp_path):
    (tmp_path / "index.py").write_text(
        "CALLS = []\n"
        "def initialize(context):\n    CALLS.append('init')\n"
        "def preStop(context):\n    CALLS.append('stop')\n"
        "def handler(event, context):\n    return ','.join(CALLS)\n"
    )
    instance = Instance.from_code(
        str(tmp_path), "index.handler", initializer="index.initialize", pre_stop="index.preStop"
    )
    assert instance.invoke(Event()).body == b"init"
    instance.stop()
    assert instance.invoke(Event()).body == b"init,stop"


def test_a_hook_that_does_not_load_fails_with_fcs_error_type(tmp_path):
    (tmp_path / "index.py").write_text("def handler(event, context):\n    return 'x'\n")
    instance = Instance.from_code(str(tmp_path), "index.handler", initializer="index.nope")
    body = instance.invoke(Event()).json()
    assert body == {
        "errorMessage": "Handler 'nope' is missing on module 'index'",
        "errorType": "HandlerNotFound",
    }


def test_unknown_hooks_are_refused():
    with pytest.raises(ValueError, match="initializer"):
        platform.hook_call("post-thaw", FunctionConfig())


# -- a portable entry's init hook ---------------------------------------------------------


def portable_entry(log: list[str]) -> polyfaas.Entry:
    @polyfaas.http
    def handler(request, context):
        log.append("handler")
        return "ok"

    @handler.init
    def setup(context):
        log.append(f"init:{context.provider}")

    return handler


def test_the_init_hook_runs_in_fcs_initializer_phase():
    log: list[str] = []
    handler = portable_entry(log)
    instance = Instance(handler, initializer=initializer(handler))
    instance.invoke(Request())
    instance.invoke(Request())
    assert log == ["init:alibaba", "handler", "handler"]
    assert handler.initialized


def test_without_an_fc_initializer_the_first_call_runs_the_init_hook():
    log: list[str] = []
    handler = portable_entry(log)
    instance = Instance(handler)
    instance.invoke(Request())
    instance.invoke(Request())
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

    instance = Instance(handler, initializer=initializer(handler))
    assert instance.invoke(Event()).json()["errorType"] == "ConnectionError"
    assert instance.invoke(Event()).body == b"ok"
    assert len(attempts) == 2
