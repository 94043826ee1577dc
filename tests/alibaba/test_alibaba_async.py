"""FC's asynchronous invocations (``X-Fc-Invocation-Type: Async``) through ``polyfaas
run`` in a subprocess: 202 at once with the request id and no body, the call made in
the background, a failed call retried up to 3 times, the runner's stop waiting for
the call under way and cancelling a pending retry with a log line; in the test kit,
the call made before the 202."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from polyfaas.platform import FunctionConfig
from polyfaas.testing import client
from tests.runner_process import RunningRunner, poll, polyfaas_run, written

INVOKE = "/2023-03-30/functions/polyfaas-function/invocations"
ASYNC = {"X-Fc-Invocation-Type": "Async"}
#: The longest a test waits for something the background call does (bounded polls).
WAIT_S = 15.0

HANDLERS = '''
import pathlib
import time

FOLDER = pathlib.Path({folder!r})


def waits(event, context):
    """Runs until the test releases it, then writes its marker."""
    (FOLDER / "started").write_text(context.request_id)
    deadline = time.monotonic() + 20
    while not (FOLDER / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    (FOLDER / "done").write_bytes(event)
    return "finished"


def fails(event, context):
    """Counts its attempts in a file, then raises."""
    with open(FOLDER / "attempts", "a") as out:
        out.write(context.request_id + "\\n")
    raise RuntimeError("always fails")


def quick(event, context):
    (FOLDER / "done").write_bytes(event)
    return "ok"
'''


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "fn.py").write_text(HANDLERS.format(folder=str(tmp_path)))
    return tmp_path


def attempts(code: Path) -> list[str]:
    path = code / "attempts"
    return path.read_text().splitlines() if path.exists() else []


def stop(runner: RunningRunner) -> int:
    runner.process.terminate()
    return runner.process.wait(WAIT_S)


def test_invoke_function_async_answers_202_before_the_call_ends(code):
    with polyfaas_run(f"{code / 'fn.py'}:waits", "--provider", "alibaba") as runner:
        answer = requests.post(runner.url + INVOKE, data=b"payload", headers=ASYNC, timeout=WAIT_S)
        # The handler cannot have finished: it waits for the file the test makes now.
        assert not (code / "done").exists()
        assert answer.status_code == 202
        assert answer.content == b""
        request_id = answer.headers["X-Fc-Request-Id"]
        assert poll(written(code / "started"))
        assert (code / "started").read_text() == request_id
        (code / "release").write_text("go")
        assert poll(written(code / "done"))
        assert (code / "done").read_bytes() == b"payload"
        assert runner.wait_for_output(f"FC Invoke End RequestId: {request_id}")
        log = runner.output()
    assert f"FC Invoke Start RequestId: {request_id}" in log
    assert f"FC Invoke End RequestId: {request_id}, Error" not in log


def test_the_http_trigger_takes_async_invocations_too(code):
    with polyfaas_run(f"{code / 'fn.py'}:quick", "--provider", "alibaba") as runner:
        answer = requests.post(runner.url + "/jobs", data=b"x", headers=ASYNC, timeout=WAIT_S)
        assert answer.status_code == 202
        assert answer.content == b""
        assert poll(written(code / "done"))
        synchronous = requests.post(runner.url + "/jobs", data=b"y", timeout=WAIT_S)
    assert synchronous.status_code == 200
    assert synchronous.content == b"ok"


def test_a_failed_async_call_is_retried_three_times_then_dropped(code):
    env = {"POLYFAAS_ASYNC_BACKOFF_SCALE": "0.01"}
    with polyfaas_run(f"{code / 'fn.py'}:fails", "--provider", "alibaba", env=env) as runner:
        answer = requests.post(runner.url + INVOKE, data=b"{}", headers=ASYNC, timeout=WAIT_S)
        assert answer.status_code == 202
        request_id = answer.headers["X-Fc-Request-Id"]
        ended = f"FC Invoke End RequestId: {request_id}, Error: Unhandled function error"
        assert poll(lambda: runner.output().count(ended) == 4)
        assert stop(runner) == 0
        log = runner.output()
    # One call and three retries, each logged as FC logs a call; then no more.
    assert attempts(code) == [request_id] * 4
    assert log.count(f"FC Invoke Start RequestId: {request_id}") == 4
    assert log.count(ended) == 4
    assert "cancelled" not in log


def test_a_successful_or_synchronous_call_is_not_retried(code):
    env = {"POLYFAAS_ASYNC_BACKOFF_SCALE": "0"}
    with polyfaas_run(f"{code / 'fn.py'}:fails", "--provider", "alibaba", env=env) as runner:
        answer = requests.post(runner.url + INVOKE, data=b"{}", timeout=WAIT_S)
        assert stop(runner) == 0
    assert answer.status_code == 200
    assert answer.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    assert len(attempts(code)) == 1


def test_stopping_waits_for_the_call_under_way(code):
    with polyfaas_run(f"{code / 'fn.py'}:waits", "--provider", "alibaba") as runner:
        answer = requests.post(runner.url + INVOKE, data=b"late", headers=ASYNC, timeout=WAIT_S)
        assert poll(written(code / "started"))
        runner.process.terminate()
        (code / "release").write_text("go")
        assert runner.process.wait(WAIT_S) == 0
        log = runner.output()
    assert answer.status_code == 202
    assert (code / "done").read_bytes() == b"late"
    assert f"FC Invoke End RequestId: {answer.headers['X-Fc-Request-Id']}" in log


def test_stopping_cancels_a_pending_retry_with_a_log_line(code):
    env = {"POLYFAAS_ASYNC_BACKOFF_SCALE": "1000"}  # the first retry 500 s away
    with polyfaas_run(f"{code / 'fn.py'}:fails", "--provider", "alibaba", env=env) as runner:
        answer = requests.post(runner.url + INVOKE, data=b"{}", headers=ASYNC, timeout=WAIT_S)
        request_id = answer.headers["X-Fc-Request-Id"]
        assert runner.wait_for_output(f"FC Invoke End RequestId: {request_id}, Error")
        assert stop(runner) == 0
        log = runner.output()
    assert len(attempts(code)) == 1
    assert f"asynchronous invocation {request_id} cancelled before retry 1" in log


def test_async_limits_and_task_ids(code):
    with polyfaas_run(f"{code / 'fn.py'}:quick", "--provider", "alibaba") as runner:
        too_big = requests.post(
            runner.url + INVOKE, data=b"x" * (128 * 1024 + 1), headers=ASYNC, timeout=WAIT_S
        )
        bad_id = requests.post(
            runner.url + INVOKE,
            data=b"{}",
            headers={**ASYNC, "X-Fc-Async-Task-Id": "9-starts-with-a-digit"},
            timeout=WAIT_S,
        )
        task = requests.post(
            runner.url + INVOKE,
            data=b"{}",
            headers={**ASYNC, "X-Fc-Async-Task-Id": "video_42"},
            timeout=WAIT_S,
        )
        sync_big = requests.post(runner.url + INVOKE, data=b"x" * (128 * 1024 + 1), timeout=WAIT_S)
    assert too_big.status_code == 400
    assert too_big.json()["ErrorCode"] == "EntityTooLarge"
    assert bad_id.status_code == 400
    assert bad_id.json()["ErrorCode"] == "InvalidArgument"
    assert task.status_code == 202
    assert task.headers["X-Fc-Async-Task-Id"] == "video_42"
    assert sync_big.status_code == 200  # 128 KB is the asynchronous limit only


def test_the_official_sdk_sees_202_with_the_request_id(code):
    fc = pytest.importorskip("alibabacloud_fc20230330.client")
    models = pytest.importorskip("alibabacloud_fc20230330.models")
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    runtime = pytest.importorskip("alibabacloud_tea_util.models")
    with polyfaas_run(f"{code / 'fn.py'}:quick", "--provider", "alibaba") as runner:
        sdk = fc.Client(
            openapi.Config(
                access_key_id="AKIDEXAMPLE",
                access_key_secret="not-a-secret",
                endpoint=runner.url.removeprefix("http://"),
                protocol="http",
                region_id="cn-hangzhou",
            )
        )
        answer = sdk.invoke_function_with_options(
            "polyfaas-function",
            models.InvokeFunctionRequest(body=b'{"from": "sdk"}'),
            models.InvokeFunctionHeaders(x_fc_invocation_type="Async"),
            runtime.RuntimeOptions(),
        )
        assert poll(written(code / "done"))
    assert answer.status_code == 202
    headers = {name.lower(): value for name, value in answer.headers.items()}
    assert headers["x-fc-request-id"]
    body = answer.body.read() if answer.body is not None else b""
    assert body == b""
    assert (code / "done").read_bytes() == b'{"from": "sdk"}'


def test_the_test_kit_makes_the_call_and_its_retries_before_the_202(code):
    config = FunctionConfig(handler="fn.fails")
    with client(f"{code / 'fn.py'}:fails", provider="alibaba", config=config) as http:
        answer = http.post(INVOKE, data=b"{}", headers=ASYNC)
    assert answer.status_code == 202
    assert answer.data == b""
    assert attempts(code) == [answer.headers["X-Fc-Request-Id"]] * 4


CUSTOM_RUNTIME = """
import pathlib
import time

import polyfaas

FOLDER = pathlib.Path({folder!r})


@polyfaas.event
def waits(event, context):
    deadline = time.monotonic() + 20
    while not (FOLDER / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    (FOLDER / "done").write_text(repr(event.data))
    return "finished"
"""


def test_a_custom_runtime_takes_async_invocations_too(tmp_path):
    (tmp_path / "served.py").write_text(CUSTOM_RUNTIME.format(folder=str(tmp_path)))
    target = f"{tmp_path / 'served.py'}:waits"
    with polyfaas_run(target, "--provider", "alibaba-custom") as runner:
        answer = requests.post(runner.url + INVOKE, data=b'{"k": 1}', headers=ASYNC, timeout=WAIT_S)
        assert not (tmp_path / "done").exists()  # answered before the server's call ended
        assert answer.status_code == 202
        assert answer.content == b""
        request_id = answer.headers["X-Fc-Request-Id"]
        (tmp_path / "release").write_text("go")
        assert poll(written(tmp_path / "done"))
        assert runner.wait_for_output(f"FC Invoke End RequestId: {request_id}")
    assert (tmp_path / "done").read_text() == "{'k': 1}"
