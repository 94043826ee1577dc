"""``polyfaas run --provider yandex`` as a real process, called as the docs call the
function: ``curl --data '{"hello": "world"}' -H 'Content-Type: application/json'
https://functions.yandexcloud.net/<id>?param=one``."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from tests.runner_process import polyfaas_run

SEED = Path(__file__).parent / "functions" / "seed.py"
CURL = {"User-Agent": "curl/7.64.1", "Accept": "*/*"}


def test_seed_handler_returns_event_and_context_as_the_docs_show():
    with polyfaas_run(f"{SEED}:handler", "--provider", "yandex") as runner:
        started = time.time()
        response = requests.post(
            f"{runner.url}/?param=one",
            data=b'{"hello": "world"}',
            headers={**CURL, "Content-Type": "application/json", "Cookie": "a=1"},
            timeout=20,
        )
        form = requests.post(
            f"{runner.url}/",
            data=b"hello, world!",
            headers={**CURL, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=20,
        )
        assert runner.wait_for_output("REPORT RequestID")
        log = runner.output()
    assert response.status_code == 200
    shown = response.json()
    event, context = shown["event"], shown["context"]
    assert event["httpMethod"] == "POST"
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] == {"param": "one"}
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["headers"]["User-Agent"] == "curl/7.64.1"
    assert "Cookie" not in event["headers"]  # the router strips it
    assert event["multiValueHeaders"]["Content-Length"] == ["18"]
    assert event["requestContext"]["identity"] == {
        "sourceIp": "127.0.0.1",
        "userAgent": "curl/7.64.1",
    }
    assert context["request_id"] == event["requestContext"]["requestId"]
    assert context["request_id"] == response.headers["X-Request-Id"]
    assert context["deadline_ms"] > started * 1000
    assert event["url"] == ""
    form_event = form.json()["event"]
    assert form_event["body"] == "aGVsbG8sIHdvcmxkIQ=="
    assert form_event["isBase64Encoded"] is True
    request_id = context["request_id"]
    assert f"START RequestID: {request_id} Version: {context['function_version']}" in log
    assert f"END RequestID: {request_id}" in log
    assert f"REPORT RequestID: {request_id} Duration: " in log


def test_raw_integration_and_errors_through_the_runner():
    with polyfaas_run(f"{SEED}:fails", "--provider", "yandex") as runner:
        failed = requests.get(runner.url, timeout=20)
    assert failed.status_code == 502
    assert failed.headers["X-Function-Error"] == "true"
    assert failed.json()["errorType"] == "NameError"
    with polyfaas_run(f"{SEED}:handler", "--provider", "yandex") as runner:
        raw = requests.post(f"{runner.url}/?integration=raw", json={"a": [1]}, timeout=20)
        huge = requests.post(runner.url, data=b"x" * (4 * 1024 * 1024), timeout=20)
    assert raw.status_code == 200
    assert raw.json()["statusCode"] == 200  # the raw output, not an HTTP response
    assert '"event": {"a": [1]}' in raw.json()["body"]
    assert huge.status_code == 413


def test_timeout_is_504():
    with polyfaas_run(f"{SEED}:slow", "--provider", "yandex", "--timeout", "1") as runner:
        started = time.monotonic()
        response = requests.get(runner.url, timeout=20)
    assert response.status_code == 504
    assert time.monotonic() - started < 10


def test_gateway_routes_paths_and_keeps_cookies():
    with polyfaas_run(f"{SEED}:handler", "--provider", "yandex-gateway") as runner:
        response = requests.get(f"{runner.url}/items/42", headers={"Cookie": "a=1"}, timeout=20)
    event = response.json()["event"]
    assert event["url"] == "/items/42"
    assert event["pathParams"] == {"url": "items/42"}
    assert event["headers"]["Cookie"] == "a=1"


def test_native_async_handler_through_the_runner():
    with polyfaas_run(f"{SEED}:async_handler", "--provider", "yandex") as runner:
        response = requests.get(runner.url, timeout=20)
    assert response.status_code == 200
    assert response.json()["async"] is True
