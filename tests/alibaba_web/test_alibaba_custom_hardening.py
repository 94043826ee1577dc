"""``alibaba-custom`` answers on time and shrugs off odd input: a timeout is answered
at the timeout (the server stopped after); a control byte in the path, an ``Expect``
header or repeated ``Cookie`` headers neither fail the call nor restart the server;
``polyfaas serve`` reads ``x-fc-retry-count: inf`` without crashing. Real servers on
127.0.0.1."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.test import Client

import polyfaas
from polyfaas import Request
from polyfaas.testing import emulate
from polyfaas_alibaba.custom import CustomRuntimeApp
from tests.runner_process import polyfaas_run

HANDLER = """\
import os, time
import polyfaas

@polyfaas.http
def handler(request, context):
    time.sleep(float(request.query.get("sleep", "0")))
    return {"pid": os.getpid(), "raw_path": request.raw_path, "cookies": dict(request.cookies)}
"""


@polyfaas.http
def echo(request: Request, context: polyfaas.Context) -> dict[str, Any]:
    return {
        "cookies": dict(request.cookies),
        "retry_count": context.native.retry_count,
        "expect": request.headers.get("expect"),
    }


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "main.py").write_text(HANDLER)
    return tmp_path


def raw_get(url: str, head: bytes) -> tuple[int, dict[str, Any]]:
    """One request written byte for byte; its status and JSON body."""
    host, _, port = url.rpartition("/")[2].partition(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b"Host: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    while data.startswith(b"HTTP/1.1 100"):  # an interim answer to an Expect
        data = data.partition(b"\r\n\r\n")[2]
    status_line, _, rest = data.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    try:
        document = json.loads(body)
    except ValueError:
        document = {"text": body.decode("latin-1")}
    return int(status_line.split()[1]), document


def test_a_timeout_is_answered_at_the_timeout(code: Path) -> None:
    with polyfaas_run(
        "main.py:handler", "--provider", "alibaba-custom", "--timeout", "2", cwd=code
    ) as runner:
        first = requests.get(runner.url + "/", timeout=10).json()["pid"]
        started = time.monotonic()
        answer = requests.get(runner.url + "/", params={"sleep": "30"}, timeout=10)
        elapsed = time.monotonic() - started
        assert answer.status_code >= 500
        assert "Function time out after 2s" in answer.text
        assert 1.9 < elapsed < 3.0, f"answered after {elapsed:.2f} s"
        # the timed-out server was stopped; the next call gets a new one
        again = requests.get(runner.url + "/", timeout=10)
        assert again.status_code == 200
        assert again.json()["pid"] != first


def test_odd_bytes_and_headers_neither_fail_nor_restart_the_server(code: Path) -> None:
    with polyfaas_run("main.py:handler", "--provider", "alibaba-custom", cwd=code) as runner:
        pid = requests.get(runner.url + "/", timeout=10).json()["pid"]
        status, body = raw_get(runner.url, b"GET /a\x1bb HTTP/1.1\r\n")
        assert status == 200, body
        assert body["raw_path"] == "/a%1Bb"
        status, body = raw_get(runner.url, b"GET /e HTTP/1.1\r\nExpect: something-else\r\n")
        assert status == 200, body
        status, body = raw_get(runner.url, b"GET /e HTTP/1.1\r\nExpect: 100-continue\r\n")
        assert status == 200, body
        assert requests.get(runner.url + "/", timeout=10).json()["pid"] == pid


def test_repeated_cookie_headers_reach_the_handler_whole() -> None:
    request = Request(
        path="/",
        headers=[("Cookie", "a=1; b=2"), ("X-Other", "x"), ("Cookie", "c=3")],
    )
    answer = emulate(echo, request, provider="alibaba-custom")
    assert answer.status == 200, answer.body
    assert json.loads(answer.body)["cookies"] == {"a": "1", "b": "2", "c": "3"}


def test_an_expect_header_is_answered_by_the_front_door() -> None:
    request = Request(path="/", headers=[("Expect", "nonsense")])
    answer = emulate(echo, request, provider="alibaba-custom")
    assert answer.status == 200, answer.body
    assert json.loads(answer.body)["expect"] is None


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "x", "-1"])
def test_the_server_reads_any_retry_count(value: str) -> None:
    app = CustomRuntimeApp(echo, out=open("/dev/null", "w"))  # noqa: SIM115
    try:
        answer = Client(app).get(
            "/", headers={"x-fc-control-path": "/http-invoke", "x-fc-retry-count": value}
        )
    finally:
        app.out.close()
    assert answer.status_code == 200, answer.get_data()
    assert isinstance(json.loads(answer.get_data())["retry_count"], int)
