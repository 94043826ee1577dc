"""``polyfaas run`` bounds what a client may hold: bodies (checked against the
platform's limit before they are buffered), connections, threads and time; a request
whose head or body did not arrive whole is never invoked (issue 13, items 4 and 5)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from polyfaas import testing
from polyfaas._target import parse_target
from polyfaas.runner.bounded import BoundedWSGIServer, ServerLimits
from polyfaas.runner.server import RunSettings, build_server
from tests.runner_process import RunningRunner, polyfaas_run

COUNTING = """
import polyfaas

CALLS = {calls!r}


@polyfaas.http
def handler(request, context):
    with open(CALLS, "a") as calls:
        calls.write(f"{{request.method}} {{request.path}} {{len(request.body)}}\\n")
    return {{"n": len(request.body)}}
"""


def counting_target(tmp_path: Path) -> tuple[str, Path]:
    calls = tmp_path / "calls.txt"
    (tmp_path / "counting.py").write_text(COUNTING.format(calls=str(calls)))
    return f"{tmp_path / 'counting.py'}:handler", calls


def invocations(calls: Path) -> list[str]:
    return calls.read_text().splitlines() if calls.exists() else []


def address(runner: RunningRunner) -> tuple[str, int]:
    host, port = runner.url.rsplit("/", 1)[1].split(":")
    return host, int(port)


def answer_of(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (the socket has a timeout)."""
    chunks: list[bytes] = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads")


# -- item 4: bodies are bounded before they are buffered -----------------------------


def test_declared_body_over_the_limit_is_refused_at_once(tmp_path: Path) -> None:
    """``Content-Length: 300000000`` with a little sent: the platform's own 413 now,
    without waiting for (or holding) the body, and no invocation."""
    target, calls = counting_target(tmp_path)
    with polyfaas_run(target, "--provider", "yandex") as runner:
        with socket.create_connection(address(runner), timeout=4) as sock:
            sock.sendall(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n\r\n" + b"x" * 1000
            )
            started = time.monotonic()
            head = answer_of(sock)
            assert time.monotonic() - started < 3
        assert head.startswith(b"HTTP/1.1 413 "), head
        assert b"RequestTooLarge" in head
        assert invocations(calls) == []


def test_chunked_body_is_counted_and_stopped_past_the_limit(tmp_path: Path) -> None:
    """A chunked body never declares its size: 24 MB of it to yandex (3.5 MB limit)
    is refused with the platform's 413, and the runner holds at most the limit plus
    bounded buffers of it."""
    target, calls = counting_target(tmp_path)
    chunk = b"%x\r\n%s\r\n" % (1 << 20, b"y" * (1 << 20))
    with polyfaas_run(target, "--provider", "yandex") as runner:
        before = peak_rss_kb(runner.process.pid)
        with socket.create_connection(address(runner), timeout=4) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            try:
                for _ in range(24):
                    sock.sendall(chunk)
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the runner may close once it has answered
            head = sock.recv(65536)
        grown_mb = (peak_rss_kb(runner.process.pid) - before) / 1024
        assert head.startswith(b"HTTP/1.1 413 "), head[:200]
        assert grown_mb < 60, f"the runner grew by {grown_mb:.0f} MB"
        assert invocations(calls) == []


def test_test_client_refuses_a_declared_body_over_the_limit(tmp_path: Path) -> None:
    """The test kit's front door is the runner's: a lying Content-Length over the
    limit gets the platform's answer (FC: 400), not a silently short body."""
    target, calls = counting_target(tmp_path)
    client = testing.client(target, provider="alibaba")
    refused = client.post("/", data=b"x", environ_overrides={"CONTENT_LENGTH": "300000000"})
    assert refused.status_code == 400, refused.status_code
    assert b"InvalidArgument" in refused.data
    accepted = client.post("/", data=b"hello")
    assert accepted.status_code == 200
    assert invocations(calls) == ["POST / 5"]


def test_a_body_shorter_than_its_content_length_is_never_invoked(tmp_path: Path) -> None:
    target, calls = counting_target(tmp_path)
    with polyfaas_run(target, "--provider", "alibaba") as runner:
        for _ in range(5):
            with socket.create_connection(address(runner), timeout=4) as sock:
                sock.sendall(b"POST /short HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
                sock.sendall(b"only ten..")
                sock.shutdown(socket.SHUT_WR)  # the client is gone mid-body
                answer_of(sock)
        assert requests.post(runner.url + "/whole", data=b"abc", timeout=4).status_code == 200
        assert invocations(calls) == ["POST /whole 3"]


# -- item 5: connections and threads are bounded ----------------------------------------


def test_a_request_cut_off_mid_headers_is_never_invoked(tmp_path: Path) -> None:
    target, calls = counting_target(tmp_path)
    with polyfaas_run(target, "--provider", "yandex-gateway") as runner:
        for _ in range(10):
            with socket.create_connection(address(runner), timeout=4) as sock:
                sock.sendall(b"GET /half HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
                sock.shutdown(socket.SHUT_WR)
                answer_of(sock)
        assert requests.get(runner.url + "/whole", timeout=4).status_code == 200
        assert invocations(calls) == ["GET /whole 0"]


def test_served_promptly_while_300_connections_sit_half_open(tmp_path: Path) -> None:
    target, calls = counting_target(tmp_path)
    with polyfaas_run(target, "--provider", "alibaba") as runner:
        idle = []
        try:
            for _ in range(300):
                sock = socket.create_connection(address(runner), timeout=4)
                sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n")
                idle.append(sock)
            started = time.monotonic()
            assert requests.get(runner.url + "/prompt", timeout=4).status_code == 200
            assert time.monotonic() - started < 2
            assert threads_of(runner.process.pid) <= ServerLimits().max_connections + 8
        finally:
            for sock in idle:
                sock.close()
        time.sleep(0.5)
        assert requests.get(runner.url + "/after", timeout=4).status_code == 200
        assert invocations(calls) == ["GET /prompt 0", "GET /after 0"]


@contextmanager
def bounded_runner(tmp_path: Path, limits: ServerLimits) -> Iterator[BoundedWSGIServer]:
    """``polyfaas run``'s own server and instances, in this process, with ``limits``."""
    target, _ = counting_target(tmp_path)
    settings = RunSettings(target=parse_target(target), port=0, limits=limits)
    log = open(tmp_path / "log.txt", "w")  # noqa: SIM115 - closed below
    server, pool = build_server(settings, log)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serving.start()
    try:
        yield server
    finally:
        server.shutdown()
        serving.join(5)
        server.server_close()
        pool.close()
        log.close()


def wait_for(condition: object, timeout: float = 3) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_connections_past_the_cap_get_a_clean_503(tmp_path: Path) -> None:
    limits = ServerLimits(max_connections=4, header_timeout=4)
    with bounded_runner(tmp_path, limits) as server:
        where = ("127.0.0.1", server.server_port)
        held = [socket.create_connection(where, timeout=4) for _ in range(4)]
        try:
            wait_for(lambda: server.open_connections == 4)
            for _ in range(3):
                with socket.create_connection(where, timeout=4) as extra:
                    extra.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    refused = answer_of(extra)
                assert refused.startswith(b"HTTP/1.1 503 "), refused
                assert b"Retry-After: 1" in refused
            assert server.open_connections == 4
        finally:
            for sock in held:
                sock.close()
        wait_for(lambda: server.open_connections == 0)
        url = f"http://127.0.0.1:{server.server_port}/"
        assert requests.get(url, timeout=4).status_code == 200


def test_a_head_that_does_not_arrive_in_time_is_dropped(tmp_path: Path) -> None:
    """A slowloris client sending a header byte now and then is cut off at the header
    timeout, however often it sends; a prompt client is unaffected."""
    limits = ServerLimits(header_timeout=0.6, idle_timeout=0.6)
    with bounded_runner(tmp_path, limits) as server:
        where = ("127.0.0.1", server.server_port)
        with socket.create_connection(where, timeout=4) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\n")
            started = time.monotonic()
            closed = False
            while time.monotonic() - started < 3:
                try:
                    slow.sendall(b"X")  # a byte every 0.1 s: each read is prompt
                except OSError:
                    closed = True
                    break
                slow.settimeout(0.1)
                try:
                    if slow.recv(1024) == b"":
                        closed = True
                        break
                except socket.timeout:
                    pass
            assert closed, "the slow head was never cut off"
            assert time.monotonic() - started < 2
        with socket.create_connection(where, timeout=4) as quiet:
            quiet.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            started = time.monotonic()
            answer = answer_of(quiet)  # the body stalls: idle timeout, no invocation
            assert time.monotonic() - started < 2
            assert not answer.startswith(b"HTTP/1.1 200"), answer
        url = f"http://127.0.0.1:{server.server_port}/"
        assert requests.get(url, timeout=4).status_code == 200
