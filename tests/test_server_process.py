"""The emulation kit's server instances (``polyfaas.platform.ServerProcess`` and
``ServerProcessPool``) against a real server subprocess on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from polyfaas import Request
from polyfaas.platform import (
    InstanceStartError,
    NativeCall,
    ServerKind,
    ServerProcess,
    ServerProcessPool,
    StreamedBody,
    override,
    process_environ,
)

#: A server of the test's own: it answers on $TEST_PORT (HTTP/1.1, keep-alive),
#: ``/peer`` with the client's port (the same for two calls on one kept connection),
#: ``/stream`` chunked, its second chunk only once the test created ``go`` (so the
#: first must have reached the test before the answer ended), ``/sleep`` never in
#: time; at SIGTERM it writes ``terminated`` and exits 0, unless told to ignore it.
SERVER = r"""
import os, pathlib, signal, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = pathlib.Path.cwd()

def terminated(signum, frame):
    (HERE / "terminated").write_text("yes")
    sys.exit(0)

signal.signal(signal.SIGTERM, signal.SIG_IGN if os.environ.get("STUBBORN") else terminated)

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/stream":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.chunk(b"one")
            for _ in range(600):  # 30 s at most: the test creates go after chunk one
                if (HERE / "go").exists():
                    break
                time.sleep(0.05)
            self.chunk(b"two" if (HERE / "go").exists() else b"never-released")
            self.chunk(b"")
            return
        if self.path == "/sleep":
            time.sleep(30)
        body = str(self.client_address[1]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Name", "caf\u00e9".encode().decode("latin-1"))
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

ThreadingHTTPServer(("127.0.0.1", int(os.environ["TEST_PORT"])), Handler).serve_forever()
"""

KIND = ServerKind(what="the test server", port_variable="TEST_PORT", error_type="NotStarted")


@attrs.frozen
class Get:
    target: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = (("Host", "127.0.0.1"),)
    body: bytes = b""


def call_of(target: str) -> NativeCall:
    return NativeCall(args=(Get(target),), request_id="r-1", payload=Request(path=target))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    return tmp_path


def start(folder: Path, kind: ServerKind = KIND, **environ: str) -> ServerProcess:
    command = [sys.executable, "server.py"]
    server = ServerProcess(command, str(folder), process_environ(environ), kind)
    server.wait_listening(timeout=60)
    return server


@pytest.fixture
def server(folder: Path) -> Iterator[ServerProcess]:
    started = start(folder)
    yield started
    started.kill()


def test_calls_share_one_kept_alive_connection(server: ServerProcess) -> None:
    first = server.send(Get("/peer"), timeout=30)
    second = server.send(Get("/peer"), timeout=30)
    assert first.status == second.status == 200
    assert first.body == second.body  # the same client port: one connection
    assert len(server.idle) == 1
    assert ("X-Name", "caf\u00e9") in first.headers  # UTF-8 header values come back as text
    assert server.take_init_duration() is not None
    assert server.take_init_duration() is None  # the first call's only


def test_a_chunked_answer_is_read_as_the_server_writes_it(
    server: ServerProcess, folder: Path
) -> None:
    ended: list[bool] = []
    answer = server.send(Get("/stream"), timeout=30, stream=True, ended=lambda: ended.append(True))
    assert isinstance(answer.body, StreamedBody)
    assert next(answer.body) == b"one"  # the server holds the rest until go exists
    (folder / "go").write_text("")
    assert b"".join(answer.body) == b"two"
    assert ended == [True]
    assert len(server.idle) == 1  # read to its end: the connection is kept


def test_without_stream_a_chunked_answer_is_read_whole(server: ServerProcess, folder: Path) -> None:
    (folder / "go").write_text("")
    assert server.send(Get("/stream"), timeout=30).body == b"onetwo"


def test_a_stream_closed_early_drops_its_connection(server: ServerProcess) -> None:
    ended: list[bool] = []
    answer = server.send(Get("/stream"), timeout=30, stream=True, ended=lambda: ended.append(True))
    assert isinstance(answer.body, StreamedBody)
    assert next(answer.body) == b"one"
    answer.body.close()
    assert ended == [True]
    assert server.idle == []


def test_stop_sends_sigterm_and_the_server_exits(server: ServerProcess, folder: Path) -> None:
    server.send(Get("/peer"), timeout=30)
    server.stop()
    assert server.process.returncode == 0
    assert (folder / "terminated").read_text() == "yes"
    assert server.idle == []


def test_a_server_ignoring_sigterm_is_killed_after_the_grace_period(folder: Path) -> None:
    stubborn = start(folder, attrs.evolve(KIND, grace_s=0.5), STUBBORN="1")
    stubborn.stop()
    assert stubborn.process.returncode == -9
    assert not (folder / "terminated").exists()


def test_a_command_that_exits_before_listening_is_a_start_failure(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "raise SystemExit(3)"]
    server = ServerProcess(command, str(tmp_path), process_environ({}), KIND)
    with pytest.raises(InstanceStartError) as raised:
        server.wait_listening(timeout=60)
    failure = raised.value.failure
    assert (failure.reason, failure.error.type) == ("crash", "NotStarted")
    assert "the test server exited with code 3 before listening on port" in failure.error.message
    assert "($TEST_PORT)" in failure.error.message


def test_a_missing_command_is_a_one_line_start_failure(tmp_path: Path) -> None:
    with pytest.raises(InstanceStartError) as raised:
        ServerProcess([str(tmp_path / "nope")], str(tmp_path), {}, KIND)
    assert raised.value.failure.error.message.startswith(f"cannot start {str(tmp_path / 'nope')!r}")


def current(pool: ServerProcessPool) -> ServerProcess | None:
    return pool.server


def test_the_pool_answers_calls_and_replaces_a_server_past_its_timeout(folder: Path) -> None:
    # The pool sets the port variable itself (the server reads TEST_PORT).
    pool = ServerProcessPool([sys.executable, "server.py"], str(folder), process_environ({}), KIND)
    try:
        pool.start()
        first = current(pool)
        assert first is not None
        answered = pool.run(call_of("/peer"), timeout=30)
        assert answered.ending == "returned"
        assert answered.outcome is not None
        assert answered.outcome.value.status == 200
        assert answered.init_duration_ms is not None
        assert pool.run(call_of("/sleep"), timeout=0.5).ending == "timeout"
        assert current(pool) is None
        again = pool.run(call_of("/peer"), timeout=30)
        assert again.ending == "returned"
        assert current(pool) not in (None, first)
        assert again.init_duration_ms is not None  # a new server's first call
    finally:
        pool.close()
    assert first.process.returncode is not None


def test_a_misspelt_hook_marked_override_fails_when_the_pool_class_is_made() -> None:
    with pytest.raises(TypeError, match="exchang"):

        class Misspelt(ServerProcessPool):
            @override
            def exchang(self) -> None: ...  # type: ignore[misc]
