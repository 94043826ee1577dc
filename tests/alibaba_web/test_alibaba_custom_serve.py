"""``polyfaas serve --provider alibaba-custom`` driven exactly as FC drives a custom
runtime: ``FC_CUSTOM_LISTEN_PORT``, the common ``x-fc-*`` headers (empty strings for
whatever is unset), the control paths, one kept-alive connection (gunicorn; werkzeug's
fallback server closes each one), FC's log lines."""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.runner_process import free_port

FUNCTION = """\
import polyfaas

INITS = []


@polyfaas.event
def handler(event, context):
    if event.data == "boom":
        raise ValueError("bad payload")
    native = context.native
    request = event.native if isinstance(event.native, polyfaas.Request) else None
    credentials = context.credentials
    return {
        "data": event.data,
        "path": request.path if request else None,
        "client_ip": request.client_ip if request else None,
        "request_headers": sorted(k.lower() for k in request.headers) if request else None,
        "request_id": context.request_id,
        "provider": context.provider,
        "function": context.function_name,
        "version": context.function_version,
        "memory": context.memory_limit_mb,
        "region": context.region,
        "account": context.account_id,
        "key_id": credentials.access_key_id if credentials else None,
        "token": credentials.security_token if credentials else None,
        "remaining": context.remaining_time_ms(),
        "service": native.service.name,
        "qualifier": native.service.qualifier,
        "handler": native.function.handler,
        "retry": native.retry_count,
        "baggage": native.tracing.span_baggages,
        "fc_headers": sorted(native.headers),
        "inits": INITS,
    }


@handler.init
def init(context):
    INITS.append(context.request_id)
"""

# What FC 3.0 sends (reference §4.3, observed [C6]): every header, empty when unset.
FC_HEADERS = {
    "X-Fc-Access-Key-Id": "",
    "X-Fc-Access-Key-Secret": "",
    "X-Fc-Security-Token": "",
    "X-Fc-Function-Handler": "index.handler",
    "X-Fc-Function-Memory": "512",
    "X-Fc-Function-Timeout": "3",
    "X-Fc-Function-Initializer": "",
    "X-Fc-Initialization-Timeout": "",
    "X-Fc-Instance-Lifecycle-Pre-Stop-Handler": "",
    "X-Fc-Instance-Lifecycle-Pre-Freeze-Handler": "",
    "X-Fc-Function-Name": "my-func",
    "X-Fc-Service-Name": "",
    "X-Fc-Service-Logproject": "",
    "X-Fc-Service-Logstore": "",
    "X-Fc-Qualifier": "LATEST",
    "X-Fc-Version-Id": "",
    "X-Fc-Region": "cn-shanghai",
    "X-Fc-Account-Id": "1234567890",
    "X-Fc-Retry-Count": "0",
    "X-Fc-Base-Path": "",
    "X-Fc-Client-Ip": "",
    "X-Fc-Api-Server-Ip": "",
    "X-Fc-Tracing-Jaeger-Endpoint": "",
    "X-Fc-Tracing-Opentracing-Span-Baggages": "",
    "X-Fc-Tracing-Opentracing-Span-Context": "",
}


class Server:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.lines: list[str] = []

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            time.sleep(0.02)
        return False


@contextmanager
def fc_server(code: Path, *, gunicorn: bool, target: str = "index.handler") -> Iterator[Server]:
    """``polyfaas serve`` started as FC starts a custom runtime; the port comes from
    ``FC_CUSTOM_LISTEN_PORT`` only (``--host`` keeps it on 127.0.0.1 for the tests)."""
    port = free_port()
    block = "" if gunicorn else "sys.modules['gunicorn'] = None; "
    script = (
        f"import sys; {block}from polyfaas.cli import main; "
        "sys.exit(main(['serve', '--provider', 'alibaba-custom', '--host', '127.0.0.1', "
        f"{target!r}]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=code,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "FC_CUSTOM_LISTEN_PORT": str(port),
        },
        start_new_session=True,
    )
    server = Server(process, port)
    ready: queue.Queue[bool] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.lines.append(line)
            if f"127.0.0.1:{port}" in line:
                ready.put(True)
        ready.put(False)

    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    try:
        try:
            started = ready.get(timeout=30)
        except queue.Empty:
            started = False
        assert started, f"polyfaas serve did not start:\n{server.output()}"
        deadline = time.monotonic() + 10
        while True:  # the banner comes just before the port accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.05)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        pumper.join(5)
        assert process.stdout is not None
        process.stdout.close()


class FC:
    """FC's side of the connection: one kept-alive connection, FC's headers."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.sockets: set[int] = set()
        self.closed = 0

    def __enter__(self) -> FC:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.conn.close()

    def send(
        self,
        method: str,
        path: str,
        control: str | None,
        rid: str,
        body: bytes = b"",
        extra: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {**FC_HEADERS, "X-Fc-Request-Id": rid, **(extra or {})}
        if control is not None:
            headers["X-Fc-Control-Path"] = control
        if body or method == "POST":
            headers.setdefault("Content-Type", "application/octet-stream")
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.closed += 1
        else:
            assert self.conn.sock is not None
            self.sockets.add(id(self.conn.sock))
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "index.py").write_text(FUNCTION, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("gunicorn", [True, False], ids=["gunicorn", "werkzeug"])
def test_driven_as_fc_drives_it(code, gunicorn):
    with fc_server(code, gunicorn=gunicorn) as server, FC(server.port) as fc:
        # FC's mocker posts hooks to "/", the control path says what they are.
        status, headers, _ = fc.send("POST", "/", "/initialize", "rid-init")
        assert (status, headers["x-fc-status"]) == (200, "200")
        status, _, _ = fc.send("POST", "/initialize", "/initialize", "rid-init-2")
        assert status == 200

        status, headers, body = fc.send("POST", "/invoke", "/invoke", "rid-1", b'{"key": "value"}')
        assert (status, headers["x-fc-status"]) == (200, "200")
        assert body.startswith(b"{\n    ")  # serialised as FC's runtime does
        result = json.loads(body)
        assert result["data"] == {"key": "value"}
        assert result["inits"] == ["rid-init"]  # once, by /initialize
        assert (result["request_id"], result["provider"]) == ("rid-1", "alibaba")
        assert (result["function"], result["memory"], result["region"]) == (
            "my-func",
            512,
            "cn-shanghai",
        )
        assert (result["account"], result["handler"], result["qualifier"]) == (
            "1234567890",
            "index.handler",
            "LATEST",
        )
        assert result["version"] == "LATEST"
        assert result["key_id"] is None  # empty headers are absent: no role
        assert result["service"] == ""
        assert 0 < result["remaining"] <= 3000
        assert result["retry"] == 0
        assert "access-key-id" not in result["fc_headers"]
        assert {"request-id", "function-name", "control-path", "qualifier"} <= set(
            result["fc_headers"]
        )

        baggage = "eyJrIjogInYifQ=="  # base64 of {"k": "v"}
        status, _, body = fc.send(
            "POST",
            "/invoke",
            "/invoke",
            "rid-2",
            b"plain text",
            {
                "X-Fc-Access-Key-Id": "STS.key",
                "X-Fc-Access-Key-Secret": "secret",
                "X-Fc-Security-Token": "token",
                "X-Fc-Tracing-Opentracing-Span-Baggages": baggage,
            },
        )
        result = json.loads(body)
        assert (result["data"], result["key_id"], result["token"]) == (
            "plain text",
            "STS.key",
            "token",
        )
        assert result["baggage"] == {"k": "v"}

        status, headers, body = fc.send("POST", "/invoke", "/invoke", "rid-3", b"boom")
        assert (status, headers["x-fc-status"]) == (404, "404")
        error = json.loads(body)
        assert (error["errorType"], error["errorMessage"]) == ("ValueError", "bad payload")

        status, headers, body = fc.send(
            "GET", "/some/path?x=1", "/http-invoke", "rid-4", b"", {"X-Fc-Client-Ip": "203.0.113.9"}
        )
        assert (status, headers["x-fc-status"]) == (200, "200")
        result = json.loads(body)
        assert (result["path"], result["client_ip"]) == ("/some/path", "203.0.113.9")
        assert not [h for h in result["request_headers"] if h.startswith("x-fc-")]

        # fc-docker's shell mock: the path alone, no control header.
        status, _, body = fc.send("POST", "/invoke", None, "rid-5", b"[1, 2]")
        assert (status, json.loads(body)["data"]) == (200, [1, 2])
        # A user path that looks like a control path is still an HTTP request.
        status, _, body = fc.send("POST", "/invoke", "/http-invoke", "rid-6", b"x")
        assert json.loads(body)["path"] == "/invoke"

        for control in ("/pre-freeze", "/pre-stop"):
            status, headers, _ = fc.send("GET", control, control, f"rid{control}")
            assert (status, headers["x-fc-status"]) == (200, "200")
        if gunicorn:
            assert (len(fc.sockets), fc.closed) == (1, 0)  # one connection, kept alive
        else:
            assert (len(fc.sockets), fc.closed) == (0, 10)  # werkzeug closes each one

        expected = [
            "FC Initialize Start RequestId: rid-init\n",
            "FC Initialize End RequestId: rid-init\n",
            "FC Invoke Start RequestId: rid-1\n",
            "FC Invoke End RequestId: rid-1\n",
            "FC Invoke End RequestId: rid-3, Error: Unhandled function error\n",
            "FC Invoke Start RequestId: rid-4\n",
            "FC Invoke End RequestId: rid-4\n",
            "FC PreFreeze Start RequestId: rid/pre-freeze\n",
            "FC PreFreeze End RequestId: rid/pre-freeze\n",
            "FC PreStop Start RequestId: rid/pre-stop\n",
            "FC PreStop End RequestId: rid/pre-stop\n",
        ]
        assert server.wait_for(expected[-1]), server.output()
        lines = server.lines
        positions = [lines.index(line) for line in expected]
        assert positions == sorted(positions), server.output()
        output = server.output()
        assert "ValueError: bad payload" in output  # the traceback, in the log
        assert ("(gunicorn)" in output) is gunicorn
        assert ("falling back to werkzeug" in output) is not gunicorn


def test_listens_on_all_interfaces_and_port_9000_by_default():
    from polyfaas_alibaba.custom import listen_address

    saved = os.environ.pop("FC_CUSTOM_LISTEN_PORT", None)
    try:
        assert listen_address(None, None) == ("0.0.0.0", 9000)
        os.environ["FC_CUSTOM_LISTEN_PORT"] = "9321"
        assert listen_address(None, None) == ("0.0.0.0", 9321)
        assert listen_address("127.0.0.1", 8000) == ("127.0.0.1", 8000)
    finally:
        os.environ.pop("FC_CUSTOM_LISTEN_PORT", None)
        if saved is not None:
            os.environ["FC_CUSTOM_LISTEN_PORT"] = saved


def test_a_failing_init_hook_answers_404(tmp_path):
    (tmp_path / "index.py").write_text(
        "import polyfaas\n\n"
        "@polyfaas.http\ndef handler(request, context):\n    return 'ok'\n\n"
        "@handler.init\ndef init(context):\n    raise RuntimeError('no database')\n",
        encoding="utf-8",
    )
    with fc_server(tmp_path, gunicorn=True) as server, FC(server.port) as fc:
        status, headers, body = fc.send("POST", "/initialize", "/initialize", "r-i")
        assert (status, headers["x-fc-status"]) == (404, "404")
        assert json.loads(body)["errorMessage"] == "no database"
        assert server.wait_for("FC Initialize End RequestId: r-i, Error: Unhandled function error")


def test_an_unloadable_target_fails_to_start(tmp_path):
    (tmp_path / "index.py").write_text("raise ImportError('missing dependency')\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "polyfaas",
            "serve",
            "--provider",
            "alibaba-custom",
            "--host",
            "127.0.0.1",
            "index.handler",
        ],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "FC_CUSTOM_LISTEN_PORT": str(free_port())},
    )
    assert result.returncode == 2
    assert "missing dependency" in result.stderr


def test_a_plain_fc_handler_serves_invoke_and_a_wsgi_app_serves_http(tmp_path: Path) -> None:
    (tmp_path / "index.py").write_text(
        "def handler(event, context):\n    return event.upper() + context.request_id.encode()\n",
        encoding="utf-8",
    )
    (tmp_path / "web.py").write_text(
        "def handler(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    name = environ['fc.context'].function.name\n"
        "    return [name.encode(), environ['PATH_INFO'].encode()]\n",
        encoding="utf-8",
    )
    with fc_server(tmp_path, gunicorn=True) as server, FC(server.port) as fc:
        status, _, body = fc.send("POST", "/invoke", "/invoke", "-r", b"abc")
        assert (status, body) == (200, b"ABC-r")
    with fc_server(tmp_path, gunicorn=True, target="web.handler") as server, FC(server.port) as fc:
        status, _, body = fc.send("GET", "/a/b", "/http-invoke", "-r")
        assert (status, body) == (200, b"my-func/a/b")


LOADED_REPORTER = """
import sys
import polyfaas

OFF_THE_RUNTIME_PATH = ("polyfaas.platform", "polyfaas.runner", "polyfaas.testing", "werkzeug")


@polyfaas.event  # over HTTP it gets the request as a direct event
def handler(event, context):
    return {"loaded": sorted(
        name for name in sys.modules
        if ".emulated" in name or name.startswith(OFF_THE_RUNTIME_PATH)
    )}
"""


def test_the_served_runtime_path_loads_no_emulation(tmp_path):
    """``polyfaas serve`` is a runtime path too: after its first call (HTTP and
    ``/invoke``) under gunicorn, nothing that imitates FC, nor the platform kit, the
    runner, the test kit or werkzeug is loaded in the server."""
    (tmp_path / "index.py").write_text(LOADED_REPORTER, encoding="utf-8")
    with fc_server(tmp_path, gunicorn=True) as server, FC(server.port) as fc:
        status, _, body = fc.send("GET", "/anything", "/http-invoke", "rid-http")
        assert status == 200, body
        assert json.loads(body)["loaded"] == []
        status, _, body = fc.send("POST", "/invoke", "/invoke", "rid-event", b"{}")
        assert status == 200, body
        assert json.loads(body)["loaded"] == []
