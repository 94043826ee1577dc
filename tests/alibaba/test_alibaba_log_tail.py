"""``X-Fc-Log-Type: Tail`` on InvokeFunction: the answer carries ``X-Fc-Log-Result``,
base64 of the last 4 KB of the call's log (what the function wrote, between FC's
``FC Invoke Start``/``End`` lines). Under ``polyfaas run`` (a real process on
127.0.0.1) with FC's own Python SDK (``alibabacloud_fc20230330``) as the client."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from polyfaas.testing import client
from tests.runner_process import RunningRunner, polyfaas_run

fc = pytest.importorskip("alibabacloud_fc20230330.client")
fc_models = pytest.importorskip("alibabacloud_fc20230330.models")
openapi = pytest.importorskip("alibabacloud_tea_openapi.models")

INVOKE = "/2023-03-30/functions/polyfaas-function/invocations"

LOGGING = """\
import logging


def handler(event, context):
    print("printed", event.decode())
    logging.getLogger().info("logged %s", context.request_id)
    if event == b"fail":
        raise ValueError("bad event")
    if event == b"long":
        for n in range(400):
            print("line %04d of a long log" % n)
    return "done"
"""


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRunner]:
    code: Path = tmp_path_factory.mktemp("tail")
    (code / "index.py").write_text(LOGGING)
    with polyfaas_run("index.handler", "--provider", "alibaba", cwd=code) as running:
        yield running


def sdk_client(runner: RunningRunner) -> Any:
    config = openapi.Config(
        access_key_id="test-key-id",
        access_key_secret="test-key-secret",
        endpoint=runner.url.removeprefix("http://"),
        protocol="http",
        region_id="cn-hangzhou",
    )
    return fc.Client(config)


def invoke(runner: RunningRunner, body: bytes, log_type: str | None = "Tail") -> Any:
    headers = fc_models.InvokeFunctionHeaders(x_fc_log_type=log_type)
    request = fc_models.InvokeFunctionRequest(body=body)
    from darabonba.runtime import RuntimeOptions

    return sdk_client(runner).invoke_function_with_options(
        "polyfaas-function", request, headers, RuntimeOptions()
    )


def log_result(response: Any) -> str:
    headers = {k.lower(): v for k, v in response.headers.items()}
    return base64.b64decode(headers["x-fc-log-result"]).decode("utf-8")


def test_the_tail_is_the_calls_log_between_fcs_lines(runner: RunningRunner) -> None:
    response = invoke(runner, b"hello")
    assert response.body.read() == b"done"
    rid = {k.lower(): v for k, v in response.headers.items()}["x-fc-request-id"]
    lines = log_result(response).splitlines()
    assert lines[0] == f"FC Invoke Start RequestId: {rid}"
    assert lines[1] == "printed hello"
    assert lines[2].endswith(f"Z {rid} [INFO] logged {rid}")
    assert lines[-1] == f"FC Invoke End RequestId: {rid}"
    assert len(lines) == 4  # only this call's lines
    # only when asked
    unasked = invoke(runner, b"hello", log_type="None")
    assert "x-fc-log-result" not in {k.lower() for k in unasked.headers}
    plain = requests.post(runner.url + INVOKE, data=b"x", timeout=30)
    assert "X-Fc-Log-Result" not in plain.headers


def test_a_failed_calls_tail_ends_with_fcs_error_line(runner: RunningRunner) -> None:
    response = invoke(runner, b"fail")
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers["x-fc-error-type"] == "UnhandledInvocationError"
    text = log_result(response)
    assert "printed fail" in text
    assert text.endswith(
        f"FC Invoke End RequestId: {headers['x-fc-request-id']}, Error: Unhandled function error\n"
    )


def test_the_tail_is_the_last_4_kb(runner: RunningRunner) -> None:
    response = invoke(runner, b"long")
    raw = base64.b64decode({k.lower(): v for k, v in response.headers.items()}["x-fc-log-result"])
    assert len(raw) == 4096
    assert raw.decode().endswith(
        "line 0399 of a long log\nFC Invoke End RequestId: "
        + {k.lower(): v for k, v in response.headers.items()}["x-fc-request-id"]
        + "\n"
    )
    assert b"FC Invoke Start" not in raw  # cut from the front


def test_the_test_kit_returns_the_tail_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a module name of its own: the test kit imports it into this process
    (tmp_path / "fc_tail_kit.py").write_text(LOGGING)
    monkeypatch.delitem(sys.modules, "fc_tail_kit", raising=False)
    with client(str(tmp_path / "fc_tail_kit.py") + ":handler", "alibaba") as http:
        answer = http.post(INVOKE, data=b"kit", headers={"X-Fc-Log-Type": "Tail"})
    text = base64.b64decode(answer.headers["X-Fc-Log-Result"]).decode()
    rid = answer.headers["X-Fc-Request-Id"]
    assert text.startswith(f"FC Invoke Start RequestId: {rid}\nprinted kit\n")
    assert text.endswith(f"FC Invoke End RequestId: {rid}\n")
