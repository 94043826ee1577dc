"""Detection (Yandex is never taken for AWS Lambda, nor AWS for Yandex), the context
object, async handlers and the cold-start budget."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

import polyfaas
from polyfaas import Credentials, Request, providers
from polyfaas.errors import EventFormatError, UnknownCallError
from polyfaas.platform import FunctionConfig
from polyfaas.testing import emulate
from polyfaas_yandex.context import to_canonical
from polyfaas_yandex.emulated.context import make_context
from polyfaas_yandex.emulated.function import platform
from polyfaas_yandex.function import gateway_runtime, is_aws, runtime
from tests.yandex.yandex_helpers import sample, sample_kinds

YANDEX_ENV = {
    "_HANDLER": "index.handler",
    "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9000",
    "LAMBDA_TASK_ROOT": "/function/code",
    "LAMBDA_RUNTIME_DIR": "/function/runtime",
}
AWS_ENV = {
    "_HANDLER": "lambda_function.lambda_handler",
    "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
    "LAMBDA_TASK_ROOT": "/var/task",
    "LAMBDA_RUNTIME_DIR": "/var/runtime",
    "AWS_LAMBDA_FUNCTION_NAME": "my-function",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_REGION": "us-east-1",
}


class LambdaContext:
    """What AWS Lambda's Python runtime passes (awslambdaric's LambdaContext)."""

    def __init__(self) -> None:
        self.function_name = "my-function"
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
        self.memory_limit_in_mb = "128"
        self.aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        self.log_group_name = "/aws/lambda/my-function"
        self.log_stream_name = "2016/09/13/[$LATEST]abcdef"
        self.identity = None
        self.client_context = None
        self._epoch_deadline_time_in_ms = int(time.time() * 1000) + 3000

    def get_remaining_time_in_millis(self) -> int:
        return self._epoch_deadline_time_in_ms - int(time.time() * 1000)


class FCContext:
    """The shape of an Alibaba FC context: no deadline_ms, no invoked_function_arn."""

    request_id = "1-23456"
    region = "cn-hangzhou"
    account_id = "123"


AWS_API_GATEWAY_V1 = {
    "resource": "/{proxy+}",
    "path": "/hello",
    "httpMethod": "GET",
    "headers": {"Host": "abc.execute-api.us-east-1.amazonaws.com"},
    "multiValueHeaders": {"Host": ["abc.execute-api.us-east-1.amazonaws.com"]},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": {"proxy": "hello"},
    "stageVariables": None,
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "abc",
        "stage": "prod",
        "requestId": "c6af9ac6",
        "identity": {"sourceIp": "203.0.113.1"},
        "httpMethod": "GET",
    },
    "body": None,
    "isBase64Encoded": False,
}
AWS_SQS = {"Records": [{"messageId": "1", "body": "hi", "eventSource": "aws:sqs"}]}


def yandex_context() -> Any:
    return make_context(function_seed="fn")


@pytest.mark.parametrize("event", [AWS_API_GATEWAY_V1, AWS_SQS, {"any": "payload"}])
@pytest.mark.parametrize("env", [AWS_ENV, {}], ids=["aws-env", "no-env"])
def test_aws_is_never_yandex(event, env):
    assert not runtime.detect((event, LambdaContext()), {}, env)


@pytest.mark.parametrize("kind", ["http", "gateway-v0", "timer", "raw"])
def test_yandex_event_with_an_aws_context_or_env_is_not_yandex(kind):
    event = sample(kind)
    assert not runtime.detect((event, LambdaContext()), {}, {})
    assert not runtime.detect((event, yandex_context()), {}, AWS_ENV)


def test_aws_event_without_context_in_aws_env():
    assert not runtime.detect((AWS_API_GATEWAY_V1, None), {}, AWS_ENV)
    assert not runtime.detect((AWS_API_GATEWAY_V1, None), {}, {})


@pytest.mark.parametrize("kind", sample_kinds())
def test_yandex_is_yandex_despite_its_aws_named_variables(kind):
    assert not is_aws(YANDEX_ENV)
    assert runtime.detect((sample(kind), yandex_context()), {}, YANDEX_ENV)
    assert runtime.detect((sample(kind), yandex_context()), {}, {})
    assert runtime.detect((), {"event": sample(kind), "context": yandex_context()}, {})


@pytest.mark.parametrize("kind", ["http", "http-form", "gateway-v0", "timer", "storage", "iot"])
def test_yandex_only_event_shapes_without_a_context(kind):
    assert runtime.detect((sample(kind), None), {}, {})


def test_environment_alone():
    assert runtime.detect(({"any": "payload"}, None), {}, YANDEX_ENV)
    assert not runtime.detect(({"any": "payload"}, None), {}, {})


def test_fc_calls_are_not_yandex():
    assert not runtime.detect((b'{"a": 1}', FCContext()), {}, {})
    assert not runtime.detect((b"{}",), {}, YANDEX_ENV)


def test_the_entry_picks_yandex_by_itself(monkeypatch):
    monkeypatch.delenv("POLYFAAS_PROVIDER", raising=False)

    @polyfaas.http
    def handler(request, context):
        return {"provider": context.provider, "q": request.query.get("param")}

    native = handler(sample("http"), yandex_context())
    assert native["statusCode"] == 200
    assert json.loads(native["body"]) == {"provider": "yandex", "q": "one"}


def _provider_handler() -> polyfaas.Entry:
    @polyfaas.http
    def handler(request, context):
        return {"provider": context.provider}

    return handler


@pytest.mark.parametrize("provider", ["yandex", "yandex-gateway"])
@pytest.mark.parametrize("kind", ["http", "gateway-v0", "gateway-v1"])
def test_context_provider_is_yandex_when_chosen_by_the_environment(monkeypatch, provider, kind):
    # Regression: with POLYFAAS_PROVIDER=yandex-gateway the context read "yandex-gateway",
    # and "yandex" when the same call was placed by detection (or --provider).
    monkeypatch.setenv("POLYFAAS_PROVIDER", provider)
    native = _provider_handler()(sample(kind), yandex_context())
    assert json.loads(native["body"]) == {"provider": "yandex"}


@pytest.mark.parametrize("provider", ["yandex", "yandex-gateway"])
def test_context_provider_is_yandex_when_chosen_by_the_emulation(monkeypatch, provider):
    monkeypatch.delenv("POLYFAAS_PROVIDER", raising=False)
    response = emulate(_provider_handler(), Request("GET", "/x"), provider)
    assert response.json() == {"provider": "yandex"}


def test_both_runtimes_report_the_cloud():
    assert runtime.cloud == gateway_runtime.cloud == "yandex"
    for half in (runtime, gateway_runtime):
        invocation = half.decode((sample("gateway-v0"), yandex_context()), {})
        assert invocation.context.provider == "yandex"


def test_no_builtin_takes_an_aws_call_for_yandex():
    for half in providers.builtin_runtimes():
        if half.detect((AWS_API_GATEWAY_V1, LambdaContext()), {}, AWS_ENV):
            assert not half.name.startswith("yandex")


def test_a_yandex_call_is_taken_by_yandex_first():
    call = (sample("http"), yandex_context())
    first = next(half for half in providers.builtin_runtimes() if half.detect(call, {}, {}))
    assert first.name == "yandex"


def test_wrong_call_shapes():
    assert not runtime.detect((sample("http"),), {}, YANDEX_ENV)
    with pytest.raises(UnknownCallError):
        runtime.decode((sample("http"),), {})


class TestContext:
    def test_json_dumps_with_default_vars(self):
        shown = json.loads(json.dumps(yandex_context(), default=vars))
        assert shown["function_name"] == shown["invoked_function_arn"]
        assert "token" not in shown

    def test_token_only_with_a_service_account(self):
        config = FunctionConfig(
            credentials=Credentials(token="t1.secret", expires_at=time.time() + 100)
        )
        native = platform.call(Request(), config).args[1]
        assert native.token["access_token"] == "t1.secret"
        assert native.token["token_type"] == "Bearer"
        assert 95 <= native.token["expires_in"] <= 100
        assert "t1.secret" not in repr(native)
        canonical = to_canonical(native, "yandex")
        assert canonical.credentials is not None
        assert canonical.credentials.token == "t1.secret"
        assert "t1.secret" not in repr(canonical)

    def test_canonical_fields(self):
        native = make_context(function_seed="fn", memory_mb=256, timeout=10)
        canonical = to_canonical(native, "yandex")
        assert canonical.request_id == native.request_id
        assert canonical.function_name == native.function_name
        assert canonical.function_version == native.function_version
        assert canonical.memory_limit_mb == 256
        assert canonical.account_id == native.function_folder_id
        assert 9000 < (canonical.remaining_time_ms() or 0) <= 10000
        assert 9000 < native.get_remaining_time_in_millis() <= 10000
        assert canonical.native is native
        assert canonical.credentials is None

    def test_ids_are_stable_per_function(self):
        a, b = make_context(function_seed="fn"), make_context(function_seed="fn")
        assert a.function_name == b.function_name
        assert a.request_id != b.request_id
        assert make_context(function_seed="other").function_name != a.function_name

    def test_a_context_without_request_id(self):
        with pytest.raises(EventFormatError):
            to_canonical(object(), "yandex")

    def test_timeout_from_the_config(self):
        call = platform.call(Request(), FunctionConfig(timeout=60))
        assert 59_000 < call.args[1].get_remaining_time_in_millis() <= 60_000


def test_async_http_handler_through_yandex():
    @polyfaas.http
    async def handler(request, context):
        import asyncio

        await asyncio.sleep(0)
        return {"rid": context.request_id, "body": request.text}

    for provider in ("yandex", "yandex-gateway"):
        response = emulate(handler, Request("POST", "/x", body="hi"), provider)
        assert response.status == 200
        assert response.json() == {"rid": response.headers["X-Request-Id"], "body": "hi"}


def _modules_after(code: str) -> set[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


HEAVY = {
    "werkzeug",
    "importlib.metadata",
    "asyncio",
    "logging",
    "uuid",
    "hashlib",
    "datetime",
    "polyfaas._native",
    "polyfaas.platform",
    "polyfaas.runner",
    "polyfaas.cli",
    "polyfaas.testing",
}


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(name for name in loaded if name in HEAVY or ".emulated" in name)


@pytest.mark.parametrize("module", ["function", "http_envelope", "triggers", "context"])
def test_runtime_path_imports_stay_light(module):
    assert not _heavy(_modules_after(f"import polyfaas_yandex.{module}"))


def test_first_yandex_call_stays_light():
    loaded = _modules_after(
        """
import polyfaas

class Ctx:
    request_id = "r"
    invoked_function_arn = "d4e"
    deadline_ms = 1 << 60

@polyfaas.http
def handler(request, context):
    return {"ok": True}

event = {"httpMethod": "GET", "headers": {}, "url": "", "params": {}, "body": "",
         "isBase64Encoded": True, "requestContext": {}}
assert handler(event, Ctx())["statusCode"] == 200
"""
    )
    assert not _heavy(loaded)


def _alibaba_calls() -> list[Any]:
    try:
        alibaba = providers.platform_half("alibaba")
    except Exception:  # the other adapter is optional here
        return []
    from polyfaas import Event, EventType

    return [
        alibaba.call(Request("POST", "/a", body=b"{}"), FunctionConfig()),
        alibaba.call(Event(type=EventType.TIMER, source="t", data="x"), FunctionConfig()),
    ]


@pytest.mark.parametrize("call", _alibaba_calls())
def test_real_fc_calls_are_not_yandex(call):
    assert not runtime.detect(call.args, call.kwargs, call.environ)


@pytest.mark.parametrize("kind", ["http", "gateway-v0", "timer", "raw"])
def test_other_builtins_leave_yandex_calls_alone(kind):
    call = (sample(kind), yandex_context())
    for env in ({}, YANDEX_ENV):
        takers = [half.name for half in providers.builtin_runtimes() if half.detect(call, {}, env)]
        assert takers[0] == "yandex", takers
        assert set(takers) <= {"yandex", "yandex-gateway"}


def test_native_async_handler_is_awaited():
    from tests.yandex.functions.seed import async_handler

    response = emulate(async_handler, Request(), "yandex")
    assert response.status == 200
    assert response.json() == {"async": True, "rid": response.headers["X-Request-Id"]}
