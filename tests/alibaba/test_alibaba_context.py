"""FC's context objects (both shapes), their canonical reading, secrets, and how the
entry recognises an FC call (reference §1.2, §7)."""

from __future__ import annotations

import json
import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Credentials, Event, Request
from polyfaas.errors import EventFormatError, UnknownCallError
from polyfaas.platform import FunctionConfig, PlatformHalf
from polyfaas.runtime import RuntimeHalf
from polyfaas.testing import emulate
from polyfaas_alibaba.builtin import runtime
from polyfaas_alibaba.context import to_canonical
from polyfaas_alibaba.emulated.builtin import AlibabaPlatform, platform
from polyfaas_alibaba.native_context import FCContext
from tests.alibaba.alibaba_helpers import RID, fc_context

SECRET = "s3cr3t-value"
TOKEN = "sts-token-value"
CREDS = Credentials(access_key_id="STS.abcdef", access_key_secret=SECRET, security_token=TOKEN)
CONFIG = FunctionConfig(
    name="fn",
    handler="index.handler",
    memory_mb=256,
    timeout=30,
    version="3",
    region="cn-shanghai",
    account_id="1111",
    credentials=CREDS,
)


def test_the_3_10_shape():
    ctx = fc_context(config=CONFIG)
    assert type(ctx).__name__ == "FCContext"
    assert ctx.request_id == ctx.requestId == RID
    assert ctx.credentials.access_key_id == ctx.credentials.accessKeyId == "STS.abcdef"
    assert ctx.credentials.access_key_secret == ctx.credentials.accessKeySecret == SECRET
    assert ctx.credentials.security_token == ctx.credentials.securityToken == TOKEN
    function = ctx.function
    # FC's runtime (concurrency 1) passes the timeout and retry count as header strings.
    assert (function.name, function.handler, function.memory, function.timeout) == (
        "fn",
        "index.handler",
        256,
        "30",
    )
    assert (ctx.service.qualifier, ctx.service.version_id) == ("LATEST", "3")
    assert (ctx.region, ctx.account_id, ctx.retry_count) == ("cn-shanghai", "1111", "0")
    assert ctx.tracing.span_baggages == {}
    assert ctx.tracing.parseOpenTracingBaggages() == {}
    assert ctx.logger is None
    assert ctx.getLogger() is logging.getLogger()
    assert vars(ctx)["requestId"] == RID  # a plain attribute, as in FC's runtime
    text = ctx.to_json()
    assert isinstance(text, str)  # FC's to_json() returns the JSON document as a string
    document = json.loads(text)
    assert document["requestId"] == RID
    assert (document["function"]["timeout"], document["retryCount"]) == ("30", "0")
    assert document["credentials"]["accessKeyId"] == "STS.abcdef"
    assert set(document["service"]) == {"name", "logProject", "logStore", "qualifier", "versionId"}
    assert set(document["tracing"]) == {
        "openTracingSpanContext",
        "openTracingSpanBaggages",
        "jaegerEndpoint",
    }


def test_the_3_12_shape():
    ctx = fc_context(python="3.12", config=CONFIG)
    assert type(ctx).__name__ == "FCContext312"
    for removed in ("credentials", "service", "tracing"):
        assert not hasattr(ctx, removed)
    assert (ctx.function.version_id, ctx.function.qualifier) == ("3", "LATEST")
    assert (ctx.log_project, ctx.log_store) == ("", "")
    assert ctx.getLogger() is logging.getLogger()


@pytest.mark.parametrize("python", ["3.10", "3.12"])
def test_canonical_context(python, monkeypatch):
    fc = AlibabaPlatform(python=python)
    call = fc.call(Event(), CONFIG)
    # 3.12 has the keys only in the instance's environment
    for name, value in call.environ.items():
        monkeypatch.setenv(name, value)
    before = time.time()
    context = runtime.decode(call.args, {}).context
    assert context.provider == "alibaba"
    assert context.request_id == call.request_id
    assert (context.function_name, context.function_version) == ("fn", "3")
    assert (context.memory_limit_mb, context.region, context.account_id) == (
        256,
        "cn-shanghai",
        "1111",
    )
    assert context.credentials is not None
    assert context.credentials.access_key_id == "STS.abcdef"
    assert context.credentials.access_key_secret == SECRET
    assert context.credentials.security_token == TOKEN
    remaining = context.remaining_time_ms()
    assert remaining is not None
    assert 29_000 < remaining <= 30_000
    assert context.deadline is not None
    assert context.deadline >= before + 30
    assert context.native is call.args[1]


def test_camel_case_and_numbers_as_strings_are_tolerated():
    native = {
        "requestId": "r-1",
        "accountId": 1234,
        "function": {"name": "fn", "memory": "512", "timeout": "60", "versionId": "7"},
        "credentials": {"accessKeyId": "AK", "accessKeySecret": "SK", "securityToken": ""},
        "region": "cn-beijing",
    }
    context = to_canonical(native, {}, started=1000.0)
    assert (context.request_id, context.account_id, context.memory_limit_mb) == ("r-1", "1234", 512)
    assert (context.function_version, context.deadline) == ("7", 1060.0)
    assert context.credentials is not None
    assert (context.credentials.access_key_id, context.credentials.security_token) == ("AK", None)


def test_attribute_objects_with_odd_types_are_tolerated():
    native = SimpleNamespace(
        request_id="r",
        function=SimpleNamespace(name="f", memory="x", timeout=None),
        region=None,
    )
    context = to_canonical(native, {"FC_REGION": "cn-hangzhou", "FC_FUNCTION_MEMORY_SIZE": "128"})
    assert (context.memory_limit_mb, context.region, context.deadline) == (128, "cn-hangzhou", None)


def test_no_role_no_credentials():
    assert to_canonical(fc_context(), {}).credentials is None


def test_legacy_credential_variables():
    environ = {"accessKeyID": "AK", "accessKeySecret": "SK", "securityToken": "T"}
    credentials = to_canonical(fc_context(python="3.12"), environ).credentials
    assert credentials is not None
    assert (credentials.access_key_id, credentials.security_token) == ("AK", "T")


def test_secrets_never_show_in_a_repr():
    ctx = fc_context(config=CONFIG)
    canonical = runtime.decode((b"{}", ctx), {}).context
    shown = [repr(ctx), repr(ctx.credentials), str(ctx.credentials), repr(canonical)]
    shown.append(repr(canonical.credentials))
    for text in shown:
        assert SECRET not in text
        assert TOKEN not in text
        assert "STS.abcdef" not in text
    assert "***" in repr(ctx.credentials)


# -- recognising an FC call -----------------------------------------------------------


def test_detect_by_the_context_shape():
    assert runtime.detect((b"{}", fc_context()), {}, {})
    assert runtime.detect((b"{}", fc_context(python="3.12")), {}, {})
    assert runtime.detect(("py27 str", fc_context()), {}, {})


def test_detect_by_the_environment():
    environ = {"FC_FUNCTION_NAME": "fn", "FC_REGION": "cn-hangzhou"}
    assert runtime.detect((b"{}", object()), {}, environ)
    assert not runtime.detect((b"{}", object()), {}, {})


@pytest.mark.parametrize(
    "args",
    [
        ({"httpMethod": "GET"}, fc_context()),
        (b"{}",),
        (b"{}", None, None),
        ({"REQUEST_METHOD": "GET"}, lambda status, headers: None),
    ],
)
def test_other_calls_are_not_fc_event_calls(args):
    assert not runtime.detect(args, {}, {"FC_FUNCTION_NAME": "fn", "FC_REGION": "r"})


def test_the_entry_recognises_fc_and_answers_natively():
    @polyfaas.event
    def handler(event, context):
        return {"provider": context.provider, "data": event.data}

    assert handler(b'{"a": 1}', fc_context()) == {"provider": "alibaba", "data": {"a": 1}}


def test_the_entry_takes_polyfaas_provider(monkeypatch):
    @polyfaas.event
    def handler(event, context):
        return context.provider

    monkeypatch.setenv("POLYFAAS_PROVIDER", "alibaba")
    assert handler(b"{}", None) == "alibaba"


def test_a_context_less_call_still_gets_an_fc_request_id():
    context = runtime.decode((b"{}", None), {}).context
    assert context.request_id.startswith("1-")


def test_bad_calls_are_named():
    with pytest.raises(UnknownCallError):
        runtime.decode((b"{}",), {})
    with pytest.raises(EventFormatError):
        runtime.decode(({"a": 1}, fc_context()), {})
    assert isinstance(runtime.decode((), {"event": b"1", "context": None}).payload, Event)


def test_native_call_is_kept():
    ctx = fc_context()
    invocation = runtime.decode((b"{}", ctx), {})
    assert invocation.native == (b"{}", ctx)


def test_portable_handlers_get_the_fc_context_natively():
    seen = []

    @polyfaas.http
    def handler(request, context):
        seen.append(context.native)
        return "ok"

    emulate(handler, Request(), "alibaba")
    assert isinstance(seen[0], FCContext)
    assert json.dumps(seen[0].to_json())
    assert platform.name == "alibaba"


def test_the_provider_is_registered_after_local():
    from polyfaas import providers

    names = providers.names()
    assert names.index("alibaba") == names.index("local") + 1
    spec = providers.spec("alibaba")
    assert spec.install_hint == "pip install 'polyfaas[alibaba]'"
    assert providers.runtime_half("alibaba") is runtime
    assert providers.platform_half("alibaba") is platform
    assert isinstance(runtime, RuntimeHalf)
    assert isinstance(platform, PlatformHalf)


_FIELD_TEXT = st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 10**8))


@settings(max_examples=60, deadline=None)
@given(
    request_id=_FIELD_TEXT,
    request_id_camel=_FIELD_TEXT,
    name=_FIELD_TEXT,
    memory=st.one_of(st.none(), st.integers(-1, 4096), st.sampled_from(["128", "x", "1e400"])),
    timeout=st.one_of(st.none(), st.integers(-1, 10**8), st.sampled_from(["60", "inf"])),
    version=_FIELD_TEXT,
    qualifier=_FIELD_TEXT,
    region=_FIELD_TEXT,
    key_id=_FIELD_TEXT,
)
def test_objects_read_straight_equal_the_mapping_reading(
    request_id: Any,
    request_id_camel: Any,
    name: Any,
    memory: Any,
    timeout: Any,
    version: Any,
    qualifier: Any,
    region: Any,
    key_id: Any,
) -> None:
    # The attribute fast path for FC's own objects gives what ``field`` reads from the
    # same values as mappings (None-valued keys left out, as an absent attribute).
    def shape(**values: Any) -> dict[str, Any]:
        return {key: value for key, value in values.items() if value is not None}

    function = shape(name=name, memory=memory, timeout=timeout, qualifier=qualifier)
    service = shape(version_id=version)
    creds = shape(access_key_id=key_id, access_key_secret="x")
    top = shape(request_id=request_id, requestId=request_id_camel, region=region)
    as_dict = {**top, "function": function, "service": service, "credentials": creds}
    as_object = SimpleNamespace(
        **top,
        function=SimpleNamespace(**function),
        service=SimpleNamespace(**service),
        credentials=SimpleNamespace(**creds),
    )
    environ = {"FC_REGION": "cn-beijing", "FC_QUALIFIER": "LATEST"}
    assert to_canonical(as_object, environ, started=5.0) == to_canonical(
        as_dict, environ, started=5.0
    )
