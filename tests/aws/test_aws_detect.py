"""Detection both ways: a deployed entry called with an AWS front door's event and a
Lambda context answers as AWS; called with Yandex's events and context (whose
environment and context look alike), as Yandex — with and without each platform's
environment variables."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

import polyfaas
from polyfaas_aws.function import gateway_runtime
from polyfaas_yandex.function import runtime as yandex_runtime
from tests.aws.aws_helpers import LambdaContextStub, sample
from tests.yandex.yandex_helpers import sample as yandex_sample

AWS_KINDS = ["gateway-v1", "http-v2", "function-url", "alb", "alb-multi-value"]
YANDEX_HTTP_KINDS = ["http", "gateway-v0", "gateway-v1"]

AWS_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "orders",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
    "LAMBDA_TASK_ROOT": "/var/task",
}
YANDEX_ENV = {
    "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9000",
    "LAMBDA_TASK_ROOT": "/function/code",
    "_HANDLER": "index.handler",
}


class YandexContextStub:
    """The Yandex Python runtime's context: AWS-like names, a function id for an ARN."""

    def __init__(self) -> None:
        self.request_id = self.aws_request_id = "0e7f1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
        self.function_name = self.invoked_function_arn = "d4e0123456789abcdefg"
        self.function_version = "d4e1111111111111111"
        self.function_folder_id = "b1g0000000000000000"
        self.memory_limit_in_mb = 128
        self.log_group_name = "ckg000"
        self.log_stream_name = "d4e1111111111111111"
        self.deadline_ms = int(time.time() * 1000) + 3000

    def get_remaining_time_in_millis(self) -> int:
        return 3000


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> Any:
    return {"provider": context.provider, "path": request.path}


def provider_of(answer: dict[str, Any]) -> str:
    provider: str = json.loads(answer["body"])["provider"]
    return provider


def use_environment(monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    """Only ``which`` platform's variables (``"none"``, ``"aws"`` or ``"yandex"``)."""
    for name in (*AWS_ENV, *YANDEX_ENV, "POLYFAAS_PROVIDER", "POLYFAAS_DETECT_FIRST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"aws": AWS_ENV, "yandex": YANDEX_ENV}.get(which, {}).items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("environment", ["none", "aws"])
@pytest.mark.parametrize("kind", AWS_KINDS)
def test_an_aws_call_is_aws(kind: str, environment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    use_environment(monkeypatch, environment)
    assert provider_of(handler(sample(kind), LambdaContextStub())) == "aws"


@pytest.mark.parametrize("environment", ["none", "yandex"])
@pytest.mark.parametrize("kind", YANDEX_HTTP_KINDS)
def test_a_yandex_call_is_yandex(
    kind: str, environment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_environment(monkeypatch, environment)
    assert provider_of(handler(yandex_sample(kind), YandexContextStub())) == "yandex"


def test_one_entry_takes_both_platforms_calls_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test kit and the runner call one entry from several platforms.
    use_environment(monkeypatch, "none")
    for _ in range(2):
        assert provider_of(handler(sample("http-v2"), LambdaContextStub())) == "aws"
        assert provider_of(handler(yandex_sample("gateway-v1"), YandexContextStub())) == "yandex"


@pytest.mark.parametrize("kind", YANDEX_HTTP_KINDS)
def test_the_aws_runtime_refuses_every_yandex_call(kind: str) -> None:
    for environ in ({}, AWS_ENV, YANDEX_ENV):
        call = (yandex_sample(kind), YandexContextStub())
        assert not gateway_runtime.detect(call, {}, environ), (kind, environ)
        # Even with an AWS context, a Yandex-only envelope is not an AWS front door's.
        assert not gateway_runtime.detect((call[0], LambdaContextStub()), {}, environ)
    assert not gateway_runtime.recognizes((yandex_sample(kind), YandexContextStub()), {})


@pytest.mark.parametrize("kind", AWS_KINDS)
def test_the_yandex_runtime_refuses_every_aws_call(kind: str) -> None:
    for environ in ({}, AWS_ENV, YANDEX_ENV):
        assert not yandex_runtime.detect((sample(kind), LambdaContextStub()), {}, environ)
    assert not yandex_runtime.recognizes((sample(kind), LambdaContextStub()), {})


def test_in_a_lambda_environment_any_context_but_yandex_s_is_taken() -> None:
    class Bare:  # an emulator's context without an ARN
        aws_request_id = "r"

        def get_remaining_time_in_millis(self) -> int:
            return 1000

    assert gateway_runtime.detect((sample("http-v2"), Bare()), {}, AWS_ENV)
    assert not gateway_runtime.detect((sample("http-v2"), Bare()), {}, {})
    assert not gateway_runtime.detect((sample("http-v2"), YandexContextStub()), {}, AWS_ENV)


def test_a_yandex_cold_start_never_imports_the_aws_adapter() -> None:
    import subprocess
    import sys

    script = (
        "import json, sys, time\n"
        "import polyfaas\n"
        "event = json.load(open('adapters/polyfaas_yandex/samples/gateway-v1.json'))\n"
        "class YandexContextStub:\n"
        "    request_id = aws_request_id = 'r'\n"
        "    function_name = invoked_function_arn = 'd4e0123456789abcdefg'\n"
        "    function_version = 'v'; memory_limit_in_mb = 128\n"
        "    deadline_ms = int(time.time() * 1000) + 3000\n"
        "    def get_remaining_time_in_millis(self): return 3000\n"
        "@polyfaas.http\n"
        "def h(request, context):\n"
        "    return {'p': context.provider}\n"
        "answer = h(event, YandexContextStub())\n"
        "assert json.loads(answer['body'])['p'] == 'yandex', answer\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('polyfaas_'))))\n"
    )
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert not [name for name in loaded if name.startswith("polyfaas_aws")], loaded
    assert "polyfaas_yandex.function" in loaded


def test_a_direct_invocation_with_a_lambda_context_is_an_event() -> None:
    from polyfaas import Event

    @polyfaas.event
    def on_event(event: Event, context: polyfaas.Context) -> Any:
        return {"data": event.data, "provider": context.provider, "region": context.region}

    answer = on_event({"order": 42}, LambdaContextStub())
    assert answer == {"data": {"order": 42}, "provider": "aws", "region": "eu-west-1"}


def test_recognizes_gives_is_lambda_context_s_answer_for_a_two_argument_call() -> None:
    # ``recognizes`` inlines ``is_lambda_context``: the same answer for every context.
    from types import SimpleNamespace

    from polyfaas_aws.context import is_lambda_context

    arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    contexts: list[Any] = [
        LambdaContextStub(),
        YandexContextStub(),
        None,
        object(),
        SimpleNamespace(invoked_function_arn=arn, aws_request_id="r"),
        SimpleNamespace(invoked_function_arn=arn, aws_request_id=7),
        SimpleNamespace(invoked_function_arn="b1g-function", aws_request_id="r"),
        SimpleNamespace(invoked_function_arn=arn.encode(), aws_request_id="r"),
        SimpleNamespace(invoked_function_arn=arn, aws_request_id="r", deadline_ms=1),
        SimpleNamespace(aws_request_id="r"),
    ]
    for context in contexts:
        expected = is_lambda_context(context)
        assert gateway_runtime.recognizes((sample("http-v2"), context), {}) is expected, context
        assert not gateway_runtime.recognizes((sample("http-v2"), context), {"x": 1})
    assert is_lambda_context(LambdaContextStub())  # both answers are met
    assert not gateway_runtime.recognizes((sample("http-v2"),), {})
