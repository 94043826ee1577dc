"""``polyfaas run --provider yandex|yandex-gateway`` against the platform's documented
behaviour, over real HTTP: hostile ``?integration=raw`` bodies, the gateway's payload
v1.0, private functions.

The handlers below are the targets (``tests.yandex.test_yandex_runner_fidelity:NAME``).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polyfaas
from tests.runner_process import polyfaas_run

ROOT = Path(__file__).parents[2]
MODULE = "tests.yandex.test_yandex_runner_fidelity"
SEED = Path(__file__).parent / "functions" / "seed.py"


def event_type(event: Any, context: Any) -> dict[str, Any]:
    """What the function received, by type (a raw call's output is this value)."""
    shown = event.hex() if isinstance(event, bytes) else event
    return {"type": type(event).__name__, "event": shown}


@polyfaas.event
def portable(event: polyfaas.Event, context: polyfaas.Context) -> Any:
    """A portable event handler: the raw payload's ``data``."""
    data = event.data
    return {"type": type(data).__name__, "data": data.hex() if isinstance(data, bytes) else data}


def exchange(url: str, data: bytes, half_close: bool = False) -> tuple[int, dict[str, str], bytes]:
    """``data`` sent as it is on one connection: the status, headers and body back."""
    host, port = url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), got[:200]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(lines[0].split()[1]), headers, body


def dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out


def raw_post(body: bytes, query: str = "integration=raw") -> bytes:
    return (
        f"POST /?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


NOT_UTF8 = b"\xff\xfe\x00\x80"


def test_raw_body_that_is_not_utf8_reaches_the_function_as_bytes():
    with polyfaas_run(f"{MODULE}:event_type", "--provider", "yandex", cwd=ROOT) as runner:
        status, headers, body = exchange(runner.url, raw_post(NOT_UTF8))
        surrogate = exchange(runner.url, raw_post(b"\xed\xa0\x80"))  # a UTF-8 surrogate
        text = exchange(runner.url, raw_post("héllo".encode()))
    assert (status, headers["content-type"]) == (200, "application/json")
    assert json.loads(body) == {"type": "bytes", "event": NOT_UTF8.hex()}
    assert json.loads(surrogate[2]) == {"type": "bytes", "event": "eda080"}
    assert json.loads(text[2]) == {"type": "str", "event": "héllo"}


def test_raw_body_that_is_not_utf8_reaches_a_portable_handler_as_bytes():
    with polyfaas_run(f"{MODULE}:portable", "--provider", "yandex", cwd=ROOT) as runner:
        status, _, body = exchange(runner.url, raw_post(NOT_UTF8))
    assert status == 200
    assert json.loads(body) == {"type": "bytes", "data": NOT_UTF8.hex()}


HOSTILE = {
    "not-utf8": raw_post(NOT_UTF8),
    "surrogate-escape": raw_post(b'"\\ud800"'),
    "deep": raw_post(b"[" * 100_000),
    "nul": raw_post(b"\x00" * 10),
    "not-utf8-json-typed": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 2\r\nConnection: close\r\n\r\n\xff\xfe",
    "bad-length": b"POST /?integration=raw HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n"
    b"Connection: close\r\n\r\n",
    "bad-request-line": b"GARBAGE\r\n\r\n",
    "bad-version": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    "header-too-long": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 70_000 + b"\r\n\r\n",
    "too-many-headers": b"GET / HTTP/1.1\r\n"
    + b"".join(b"X-%d: 1\r\n" % i for i in range(150))
    + b"\r\n",
    "not-latin1-query": b"POST /?integration=raw&a=%ed%a0%80 HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: 0\r\nConnection: close\r\n\r\n",
}


@pytest.mark.parametrize("provider", ["yandex", "yandex-gateway"])
def test_hostile_requests_get_json_answers_never_an_html_page(provider: str):
    with polyfaas_run(f"{MODULE}:event_type", "--provider", provider, cwd=ROOT) as runner:
        answers = {name: exchange(runner.url, data) for name, data in HOSTILE.items()}
        # A body cut short is never invoked (the runner's own 400, not HTML either).
        short = exchange(
            runner.url,
            b"POST /?integration=raw HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab",
            half_close=True,
        )
        log = runner.output()
    assert "Traceback" not in log, log
    for name, (status, headers, body) in answers.items():
        assert "html" not in headers.get("content-type", ""), (name, status, body[:200])
        assert b"<html" not in body.lower(), name
        raw = provider == "yandex" and b"integration=raw" in HOSTILE[name].split(b"\r\n")[0]
        if status >= 400 or raw:  # (through the gateway, ?integration=raw is a query)
            assert headers.get("content-type") == "application/json", (name, status, body[:200])
            json.loads(body)  # the function's raw output or the platform's error
    assert answers["not-utf8"][0] == 200
    assert answers["surrogate-escape"][0] == 200
    assert answers["bad-request-line"][0] == 400
    assert answers["header-too-long"][0] == 431
    assert short[0] == 400
    assert b"<html" not in short[2].lower()


@polyfaas.http
def portable_http(request: polyfaas.Request, context: polyfaas.Context) -> Any:
    """A portable HTTP handler: what it sees of the request."""
    return {
        "path": request.path,
        "path_params": dict(request.path_params),
        "query": request.query.getlist("x"),
        "cookie": request.cookies.get("c"),
    }


def http_get(url: str, path: str, extra: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode()
    return exchange(url, request + extra + b"\r\n")


V1_FIELDS = {"version", "resource", "path", "pathParameters", "parameters", "operationId"}


def test_gateway_payload_version_1_0_from_the_command_line():
    with polyfaas_run(
        f"{SEED}:handler", "--provider", "yandex-gateway", "--payload-version", "1.0"
    ) as runner:
        status, _, body = http_get(runner.url, "/a/b?x=1")
    assert status == 200
    event = json.loads(body)["event"]  # the docs' debug function shows the event
    assert set(event) >= V1_FIELDS
    assert event["version"] == "1.0"
    assert (event["resource"], event["path"]) == ("/{url+}", "/a/b")
    assert event["pathParameters"] == {"url": "a/b"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert "url" not in event
    assert "params" not in event
    # A portable handler decodes the v1.0 event whole (the runtime half reads both).
    with polyfaas_run(
        f"{MODULE}:portable_http",
        "--provider",
        "yandex-gateway",
        "--payload-version",
        "1.0",
        cwd=ROOT,
    ) as runner:
        status, _, body = http_get(runner.url, "/a/b?x=1&x=2", b"Cookie: c=3\r\n")
    assert status == 200
    assert json.loads(body) == {
        "path": "/a/b",
        "path_params": {"url": "a/b"},
        "query": ["1", "2"],
        "cookie": "3",
    }


def test_gateway_payload_version_in_the_test_kit():
    from polyfaas.platform import FunctionConfig
    from polyfaas.testing import client

    seed = f"{SEED}:handler"
    v1 = FunctionConfig(settings={"payload-version": "1.0"})
    with client(seed, provider="yandex-gateway", config=v1) as http_client:
        event = json.loads(http_client.get("/a/b").get_data())["event"]
    assert event["version"] == "1.0"
    assert event["path"] == "/a/b"
    with client(seed, provider="yandex-gateway") as http_client:  # the default: v0.1
        event = json.loads(http_client.get("/a/b").get_data())["event"]
    assert "version" not in event
    assert event["url"] == "/a/b"
    v0 = FunctionConfig(settings={"payload-version": "0.1"})
    with client(seed, provider="yandex-gateway", config=v0) as http_client:
        event = json.loads(http_client.get("/a/b").get_data())["event"]
    assert event["url"] == "/a/b"
    assert event["path"] == "/{url+}"


def starts(log: str) -> int:
    return log.count("START RequestID:")


def test_private_function_refuses_calls_without_valid_credentials():
    with polyfaas_run(f"{SEED}:handler", "--provider", "yandex", "--private") as runner:
        anonymous = http_get(runner.url, "/")
        basic = http_get(runner.url, "/", b"Authorization: Basic dXNlcjpwYXNz\r\n")
        empty = http_get(runner.url, "/?integration=raw", b"Authorization: Bearer \r\n")
        refused_log = runner.output()
        bearer = http_get(runner.url, "/", b"Authorization: Bearer t1.secret-iam-token\r\n")
        api_key = http_get(runner.url, "/?integration=raw", b"Authorization: Api-Key AQVN-key\r\n")
        assert runner.wait_for_output("REPORT RequestID", timeout=10)
        log = runner.output()
    assert anonymous[0] == 403
    assert json.loads(anonymous[2])["errorType"] == "Forbidden"
    assert anonymous[1]["content-type"] == "application/json"
    assert "x-request-id" in anonymous[1]
    assert (basic[0], json.loads(basic[2])["errorType"]) == (401, "Unauthorized")
    assert empty[0] == 401
    assert starts(refused_log) == 0  # the handler never ran for a refused call
    assert bearer[0] == 200
    assert "Authorization" not in json.loads(bearer[2])["event"]["headers"]  # stripped
    assert api_key[0] == 200
    assert starts(log) == 2
    assert "secret-iam-token" not in log
    assert "AQVN-key" not in log


def test_private_function_takes_only_the_configured_tokens():
    env = {"POLYFAAS_YANDEX_TOKENS": "good-token, good-key"}
    with polyfaas_run(f"{SEED}:handler", "--provider", "yandex", "--private", env=env) as runner:
        wrong = http_get(runner.url, "/", b"Authorization: Bearer other-token\r\n")
        token = http_get(runner.url, "/", b"Authorization: Bearer good-token\r\n")
        key = http_get(runner.url, "/", b"Authorization: Api-Key good-key\r\n")
    assert (wrong[0], json.loads(wrong[2])["errorType"]) == (403, "Forbidden")
    assert (token[0], key[0]) == (200, 200)


def test_private_function_in_the_test_kit_and_triggers_are_not_refused():
    from polyfaas.platform import FunctionConfig
    from polyfaas.testing import client, invoke

    private = FunctionConfig(settings={"private": "true"})
    with client(f"{SEED}:handler", provider="yandex", config=private) as http_client:
        assert http_client.get("/").status_code == 403
        authorized = http_client.get("/", headers={"Authorization": "Bearer t"})
        assert authorized.status_code == 200
    timer = {
        "messages": [
            {
                "event_metadata": {
                    "event_id": "a1",
                    "event_type": "yandex.cloud.events.serverless.triggers.TimerMessage",
                    "created_at": "2024-01-01T00:00:00Z",
                    "cloud_id": "b1g",
                    "folder_id": "b1g",
                },
                "details": {"trigger_id": "a1s", "payload": "tick"},
            }
        ]
    }
    # A trigger calls with its own service account: never refused.
    answer = invoke(f"{SEED}:on_event_types", timer, provider="yandex", config=private)
    assert answer.status == 200
    assert json.loads(answer.body)[0]["source"] == "a1s"


def echo_back(event: Any, context: Any) -> Any:
    """Returns its event as it came: a raw call's output is the event itself."""
    return event


FRONT_DOORS: dict[tuple[str, bool], Any] = {}


def front_door(provider: str, private: bool) -> Any:
    """One test client a front door (the test kit's, the same platform half as the runner)."""
    from polyfaas.platform import FunctionConfig
    from polyfaas.testing import client

    key = (provider, private)
    if key not in FRONT_DOORS:
        settings = {"private": "true"} if private else {}
        config = FunctionConfig(settings=settings)
        FRONT_DOORS[key] = client(echo_back, provider=provider, config=config)
    return FRONT_DOORS[key]


@given(
    body=st.binary(max_size=64) | st.sampled_from([b'"\\ud800"', b"[" * 5000, b"\xed\xa0\x80"]),
    query=st.sampled_from(["integration=raw", "integration=async", "", "integration=x"]),
    content_type=st.sampled_from([None, "application/json", "text/plain; charset=latin-1"]),
    authorization=st.none() | st.sampled_from(["Bearer t", "Api-Key k", "Basic x", "Bearer"]),
    door=st.sampled_from([("yandex", False), ("yandex", True), ("yandex-gateway", False)]),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_front_door_answers_any_body_as_the_platform_never_raising(
    body: bytes, query: str, content_type: str | None, authorization: str | None, door: Any
):
    headers = {"Authorization": authorization} if authorization is not None else {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    # The test client lets an exception out of the front door: none may come.
    response = front_door(*door).post(f"/?{query}", data=body, headers=headers)
    assert response.status_code in {200, 202, 401, 403, 413, 502}, response.get_data()[:200]
    assert "html" not in response.headers.get("Content-Type", "")
    if response.status_code >= 400:
        json.loads(response.get_data())
