"""``polyfaas run`` hands the function the request line as it came: a non-ASCII path
is not encoded twice, a leading ``//`` is a path (not a host), and repeated ``Cookie``
fields reach it as one (``; ``-joined), whatever the provider."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

import pytest

from tests.runner_process import polyfaas_run

ECHO = Path(__file__).resolve().parent / "functions" / "request_echo.py"


def raw_get(url: str, target: bytes, extra: bytes = b"") -> dict[str, object]:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + extra + b"Connection: close\r\n\r\n"
        )
        answer = http.client.HTTPResponse(sock)  # raw bytes out, HTTP framing read back
        answer.begin()
        body = answer.read()
    assert answer.status == 200, body[:300]
    seen: dict[str, object] = json.loads(body)
    return seen


@pytest.mark.parametrize("provider", ["local", "alibaba", "yandex-gateway"])
def test_the_request_line_reaches_the_function_as_it_came(provider):
    with polyfaas_run(f"{ECHO}:handler", "--provider", provider) as runner:
        unicode = raw_get(runner.url, "/日本?q=é".encode())
        slashes = raw_get(runner.url, b"//x/y")
        absolute_looking = raw_get(runner.url, b"/http://example.com/admin")
        cookies = raw_get(runner.url, b"/c", b"Cookie: a=1; b=2\r\nCookie: c=3\r\n")
    assert (unicode["path"], unicode["raw_path"]) == ("/日本", "/%E6%97%A5%E6%9C%AC")
    assert unicode["query"] == [["q", "é"]]
    assert slashes["path"] == "//x/y"
    assert absolute_looking["path"] == "/http://example.com/admin"
    assert cookies["cookies"] == [["a", "1"], ["b", "2"], ["c", "3"]]
