"""The runner's front door keeps connections alive (HTTP/1.1, ``h11``'s framing) and
keeps its bounds doing so: requests one after another and pipelined on one
connection, bodies by length and chunked, ``Expect: 100-continue``, an idle
connection closed, a refused body ending its connection; the request target and the
fields reach the app as they were sent. In-process, a small WSGI app behind it."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from polyfaas.runner.bounded import BoundedWSGIServer, ServerLimits
from polyfaas.wsgi_bridge import HEADER_FIELDS


def echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """What the app saw, as JSON; ``/refuse`` answers without reading the body."""
    body = b"" if environ["PATH_INFO"] == "/refuse" else environ["wsgi.input"].read()
    seen = {
        "method": environ["REQUEST_METHOD"],
        "uri": environ["REQUEST_URI"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "cookie": environ.get("HTTP_COOKIE"),
        "host": environ.get("HTTP_HOST"),
        "fields": environ[HEADER_FIELDS],
        "body": body.decode("latin-1"),
    }
    data = json.dumps(seen).encode()
    status = "413 Payload Too Large" if environ["PATH_INFO"] == "/refuse" else "200 OK"
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


@contextmanager
def front_door(limits: ServerLimits | None = None) -> Iterator[BoundedWSGIServer]:
    server = BoundedWSGIServer("127.0.0.1", 0, echo, limits)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    answer = http.client.HTTPResponse(sock)
    answer.begin()
    body = answer.read()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body


def wait_for(condition: Callable[[], bool], timeout: float = 3) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_many_requests_share_one_connection() -> None:
    with front_door() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        for n in range(20):
            connection.request("POST", f"/n/{n}?x={n}", body=b"b" * n)
            response = connection.getresponse()
            seen = json.loads(response.read())
            assert response.status == 200
            assert response.getheader("Connection") is None
            assert (seen["path"], seen["query"], seen["body"]) == (f"/n/{n}", f"x={n}", "b" * n)
        assert server.open_connections == 1
        connection.close()
        wait_for(lambda: server.open_connections == 0)


def test_pipelined_requests_are_answered_in_order() -> None:
    with (
        front_door() as server,
        socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock,
    ):
        sock.sendall(
            b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /two HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
            b"GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):  # until the server closes, after the third
            data += chunk
    paths = []
    for _ in range(3):
        head, _, data = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1])
        length = int(head.lower().partition(b"content-length: ")[2].split(b"\r\n")[0])
        seen, data = json.loads(data[:length]), data[length:]
        paths.append((status, seen["path"], seen["body"]))
    assert data == b""
    assert paths == [(200, "/one", ""), (200, "/two", "abcde"), (200, "/three", "")]


def test_expect_100_continue_gets_its_interim_answer() -> None:
    with (
        front_door() as server,
        socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock,
    ):
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100 ")
        sock.sendall(b"hello")
        status, _, body = read_answer(sock)
    assert (status, json.loads(body)["body"]) == (200, "hello")


def test_an_unread_body_ends_its_connection_after_the_answer() -> None:
    with (
        front_door() as server,
        socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock,
    ):
        sock.sendall(b"POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nxx")
        status, headers, _ = read_answer(sock)
        assert (status, headers["connection"]) == (413, "close")
        assert sock.recv(10) == b""


def test_an_idle_connection_is_closed_at_the_idle_timeout() -> None:
    limits = ServerLimits(idle_timeout=0.3, header_timeout=5)
    with (
        front_door(limits) as server,
        socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock,
    ):
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(sock)[0] == 200
        started = time.monotonic()
        assert sock.recv(10) == b""
        assert time.monotonic() - started < 3
        wait_for(lambda: server.open_connections == 0)


def test_a_request_without_host_and_the_fields_as_sent() -> None:
    with (
        front_door() as server,
        socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock,
    ):
        sock.sendall(
            b"GET /a%2Fb?q=1 HTTP/1.1\r\nX-Multi: 1\r\nCookie: a=1\r\nx-multi: 2\r\n"
            b"Cookie: b=2\r\nX_Under: no\r\nConnection: close\r\n\r\n"
        )
        status, _, body = read_answer(sock)
    seen = json.loads(body)
    assert status == 200
    assert seen["host"] is None
    assert (seen["uri"], seen["path"]) == ("/a%2Fb?q=1", "/a/b")
    assert seen["cookie"] == "a=1; b=2"
    assert seen["fields"] == [
        ["X-Multi", "1"],
        ["Cookie", "a=1"],
        ["x-multi", "2"],
        ["Cookie", "b=2"],
        ["Connection", "close"],
    ]


def test_an_unreadable_head_gets_a_json_answer_and_the_connection_closes() -> None:
    with front_door() as server:
        for head, status in [
            (b"GARBAGE\r\n\r\n", 400),
            (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            (b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        ]:
            with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
                sock.sendall(head)
                got, headers, body = read_answer(sock)
                assert (got, headers["content-type"]) == (status, "application/json"), head[:30]
                assert set(json.loads(body)) == {"errorType", "errorMessage"}
                assert sock.recv(10) == b""


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=40).filter(lambda b: not set(b) & set(b" \r\n\t\x0b\x0c")))
def test_any_target_reaches_the_app_as_it_was_sent(tail: bytes) -> None:
    target = b"/" + tail
    with (
        front_door() as server,
        socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock,
    ):
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, _, body = read_answer(sock)
    assert status == 200
    assert json.loads(body)["uri"].encode("latin-1") == target
