"""The ``local`` provider: the law runtime.decode(platform.call(r)) == r, and what callers get."""

from __future__ import annotations

import logging
import time

import pytest
from hypothesis import given, settings

import polyfaas
from polyfaas import Context, Credentials, Event, EventType, Request, Response, providers
from polyfaas._native import FunctionConfig, Outcome, call_native
from polyfaas.testing import emulate
from tests.strategies import requests, responses

runtime = providers.runtime_half("local")
platform = providers.platform_half("local")


@settings(max_examples=200, deadline=None)
@given(requests())
def test_decode_of_call_gives_the_request_back(request):
    call = platform.call(request, FunctionConfig())
    invocation = runtime.decode(call.args, call.kwargs)
    assert invocation.payload == request
    assert invocation.context.request_id == call.request_id


@settings(max_examples=200, deadline=None)
@given(requests(), responses())
def test_caller_receives_the_response(request, response):
    handler = polyfaas.http(lambda req, ctx: response)
    received = emulate(handler, request)
    assert received.status == response.status
    assert received.body == response.body
    assert list(received.headers.items())[:-1] == list(response.headers.items())
    assert received.headers["x-request-id"]


def test_context_from_config():
    credentials = Credentials(access_key_id="id", access_key_secret="secret")
    config = FunctionConfig(
        name="fn",
        version="3",
        memory_mb=512,
        timeout=2.0,
        region="here",
        account_id="42",
        credentials=credentials,
    )
    before = time.time()
    call = platform.call(Request(), config)
    context = call.args[1]
    assert isinstance(context, Context)
    assert (context.provider, context.function_name, context.function_version) == (
        "local",
        "fn",
        "3",
    )
    assert (context.memory_limit_mb, context.region, context.account_id) == (512, "here", "42")
    assert context.credentials is credentials
    assert context.deadline is not None
    assert before + 2.0 <= context.deadline <= time.time() + 2.0
    assert call.request_id == context.request_id


def test_config_environment_is_set_during_the_call_only(monkeypatch):
    monkeypatch.delenv("POLYFAAS_TEST_VAR", raising=False)
    import os

    handler = polyfaas.http(lambda req, ctx: os.environ.get("POLYFAAS_TEST_VAR", "unset"))
    config = FunctionConfig(environment={"POLYFAAS_TEST_VAR": "set"})
    assert emulate(handler, Request(), config=config).text == "set"
    assert "POLYFAAS_TEST_VAR" not in os.environ


def test_unhandled_error_is_500_and_logged(caplog):
    def broken(request, context):
        raise RuntimeError("kaput")

    with caplog.at_level(logging.ERROR, logger="polyfaas.local"):
        received = emulate(polyfaas.http(broken), Request())
    assert received.status == 500
    assert received.text == "Internal Server Error"
    assert "kaput" not in received.text
    assert "RuntimeError: kaput" in caplog.text
    assert received.headers["x-request-id"] in caplog.text


def test_unencodable_return_is_500(caplog):
    with caplog.at_level(logging.ERROR, logger="polyfaas.local"):
        received = emulate(polyfaas.event(lambda event, context: object()), Event())
    assert received.status == 500
    assert "return a polyfaas.Response" in caplog.text


def test_event_values_become_responses():
    handler = polyfaas.event(lambda event, context: {"type": event.type, "data": event.data})
    received = emulate(handler, Event(type=EventType.TIMER, data="tick"))
    assert received.json() == {"type": EventType.TIMER, "data": "tick"}


def test_timeout_and_crash_answers():
    call = platform.call(Request(), FunctionConfig())
    assert platform.timed_out(call).status == 504
    crashed = platform.crashed(call, "exit code 1")
    assert crashed.status == 502
    assert "exit code 1" in crashed.text


def test_call_native_records_errors_with_frames():
    def broken(request, context):
        raise KeyError("missing")

    call = platform.call(Request(), FunctionConfig())
    outcome = call_native(polyfaas.http(broken), call)
    assert isinstance(outcome, Outcome)
    assert outcome.error is not None
    assert outcome.error.type == "KeyError"
    assert outcome.error.frames[-1].name == "broken"
    assert "raise KeyError" in outcome.error.frames[-1].line


@pytest.mark.parametrize("bad", [("not a request",), (Request(), "not a context")])
def test_runtime_rejects_non_canonical(bad):
    with pytest.raises(polyfaas.errors.UnknownCallError):
        runtime.decode(bad, {})


def test_runtime_encode_is_identity():
    response = Response(201)
    invocation = runtime.decode((Request(),), {})
    assert runtime.encode(response, invocation) is response
