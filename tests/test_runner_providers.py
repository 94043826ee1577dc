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
