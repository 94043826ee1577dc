"""``polyfaas run`` per provider, driven by ``curl`` as the platforms' docs drive them."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.runner_process import polyfaas_run

FUNCTIONS = Path(__file__).parent / "functions"


def curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["curl", "--silent", "--show-error", "--max-time", "20", *args],
        capture_output=True,
        text=True,
        check=True,
    )


def test_yandex_seed_handler_with_the_docs_curl():
    with polyfaas_run(
        "index.handler", "--provider", "yandex", cwd=FUNCTIONS / "seeds" / "yandex"
    ) as runner:
        result = curl(
            "--data",
            '{"hello": "world"}',
            "-H",
            "Content-Type: application/json",
            f"{runner.url}/?param=one",
        )
        form = curl("-d", "hello, world!", f"{runner.url}/")
        assert runner.wait_for_output("REPORT RequestID:")
    answer = json.loads(result.stdout)
    event, context = answer["event"], answer["context"]
    assert event["httpMethod"] == "POST"
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert event["queryStringParameters"] == {"param": "one"}
    assert event["multiValueQueryStringParameters"] == {"param": ["one"]}
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["identity"]["userAgent"].startswith("curl/")
    assert event["url"] == ""
    assert (
        context["request_id"]
        == event["requestContext"]["requestId"]
        == event["headers"]["X-Request-Id"]
    )
    assert context["deadline_ms"] > time.time() * 1000
    assert context["memory_limit_in_mb"] == 128
    form_event = json.loads(form.stdout)["event"]
    assert form_event["body"] == "aGVsbG8sIHdvcmxkIQ=="
    assert form_event["isBase64Encoded"] is True
    log = runner.output()
    assert "START RequestID: " in log
    assert "Billed Duration: " in log
    assert "Function Init Duration: " in log


def test_yandex_raw_integration_passes_the_body_as_the_event():
    with polyfaas_run(
        "index.handler", "--provider", "yandex", cwd=FUNCTIONS / "seeds" / "yandex"
    ) as runner:
        result = curl("-d", '{"messages": [{"details": {}}]}', f"{runner.url}/?integration=raw")
    assert json.loads(json.loads(result.stdout)["body"])["event"] == {"messages": [{"details": {}}]}


def test_yandex_gateway_timeout_is_504_and_next_call_served():
    target = f"{FUNCTIONS / 'behaviours.py'}:handler"
    with polyfaas_run(target, "--provider", "yandex-gateway", "--timeout", "1") as runner:
        slow = curl("-o", "/dev/null", "-w", "%{http_code}", f"{runner.url}/sleep?s=10")
        after = curl("-w", " %{http_code}", f"{runner.url}/after")
    assert slow.stdout == "504"
    assert after.stdout.endswith(" 200")


def _fc_code(tmp_path: Path) -> Path:
    from tests.alibaba.alibaba_helpers import SEED_EXAMPLE_1, SEED_EXAMPLE_3, SEED_EXAMPLE_4

    (tmp_path / "example1.py").write_text(SEED_EXAMPLE_1)
    (tmp_path / "example3.py").write_text(SEED_EXAMPLE_3)
    (tmp_path / "example4.py").write_text(SEED_EXAMPLE_4)
    return tmp_path


INVOKE_PATH = "/2023-03-30/functions/polyfaas-function/invocations"


def test_fc_seed_example_1_at_the_invoke_function_path(tmp_path):
    code = _fc_code(tmp_path)
    with polyfaas_run("example1.handler", "--provider", "alibaba", cwd=code) as runner:
        result = curl("-i", "-d", '{"key": "value"}', f"{runner.url}{INVOKE_PATH}")
        assert runner.wait_for_output("FC Invoke End RequestId: ")
    head, _, body = result.stdout.replace("\r\n", "\n").partition("\n\n")
    assert head.startswith("HTTP/1.1 200")
    assert "x-fc-request-id: 1-" in head.lower()
    assert body == "value"
    assert "FC Invoke Start RequestId: 1-" in runner.output()


def test_fc_seed_example_3_lists_the_code_folder(tmp_path):
    code = _fc_code(tmp_path)
    with polyfaas_run("example3.handler", "--provider", "alibaba", cwd=code) as runner:
        result = curl("-X", "POST", f"{runner.url}{INVOKE_PATH}")
    assert "example3.py" in result.stdout
    assert result.stdout.startswith("total ")


def test_fc_seed_example_4_behind_the_http_trigger_and_invoked(tmp_path):
    code = _fc_code(tmp_path)
    with polyfaas_run("example4.handler", "--provider", "alibaba", cwd=code) as runner:
        echoed = curl("-d", "hello FC", "-H", "Content-Type: text/plain", f"{runner.url}/any/path")
        invoked = curl("-d", "not json", f"{runner.url}{INVOKE_PATH}")
    assert echoed.stdout == "hello FC"
    assert invoked.stdout.startswith("The request did not come from an HTTP Trigger")


def test_fc_error_answers_and_load_failure_after_reload(tmp_path):
    code = _fc_code(tmp_path)
    broken = "def handler(event, context):\n    raise ValueError('boom')\n"
    (code / "broken.py").write_text(broken)
    with polyfaas_run("broken.handler", "--provider", "alibaba", "--reload", cwd=code) as runner:
        event_call = curl("-i", "-X", "POST", f"{runner.url}{INVOKE_PATH}")
        http_call = curl("-i", f"{runner.url}/")
        time.sleep(1.1)
        (code / "broken.py").write_text("def handler(event, context)\n    return 1\n")
        assert runner.wait_for_output("Detected change in broken.py")
        time.sleep(0.3)
        syntax = curl("-i", "-X", "POST", f"{runner.url}{INVOKE_PATH}")
        after = runner.output()
    assert event_call.stdout.startswith("HTTP/1.1 200")
    assert "X-Fc-Error-Type: UnhandledInvocationError" in event_call.stdout
    assert '"errorType": "ValueError"' in event_call.stdout
    assert http_call.stdout.startswith("HTTP/1.1 502")
    assert "Error: Unhandled function error" in after
    assert '"errorType": "UserCodeSyntaxError"' in syntax.stdout
    assert "Syntax error in module 'broken'" in syntax.stdout


def logged_call(provider: str, request_id_header: str) -> tuple[str, str]:
    """The runner's log of one call to ``tests/functions/logs.py``, and its request id."""
    target = f"{FUNCTIONS / 'logs.py'}:handler"
    with polyfaas_run(target, "--provider", provider) as runner:
        result = curl("-D", "-", f"{runner.url}/")
        assert runner.wait_for_output("a warning line")
        log = runner.output()
    request_id = next(
        line.split(":", 1)[1].strip()
        for line in result.stdout.splitlines()
        if line.lower().startswith(f"{request_id_header}:")
    )
    return log, request_id


def test_yandex_instance_logging_is_the_runtimes():
    log, request_id = logged_call("yandex-gateway", "x-request-id")
    warning = next(line for line in log.splitlines() if "a warning line" in line)
    assert warning.startswith("[WARNING]\t")
    assert f"\t{request_id}\t" in warning
    assert "an info line" not in log  # the root logger stays at WARNING


def test_fc_instance_logging_is_the_runtimes():
    log, request_id = logged_call("alibaba", "x-fc-request-id")
    assert "FunctionCompute python3 runtime inited." in log
    info = next(line for line in log.splitlines() if "an info line" in line)
    assert info.endswith(f"Z {request_id} [INFO] an info line")
    assert info[:4].isdigit()
    assert info[10] == "T"


def test_fc_invoke_function_for_another_function_is_404(tmp_path):
    code = _fc_code(tmp_path)
    with polyfaas_run("example1.handler", "--provider", "alibaba", cwd=code) as runner:
        other = curl("-i", "-d", "{}", f"{runner.url}/2023-03-30/functions/other/invocations")
    assert other.stdout.startswith("HTTP/1.1 404")
    assert "FunctionNotFound" in other.stdout
