"""``polyfaas run --provider alibaba-custom``: the runner starts the function's own
server as FC starts a custom runtime (``--bootstrap`` for any command), invocations at
FC's InvokeFunction path, FC's answers for failures and timeouts, and no server
outliving the runner. Real processes on 127.0.0.1, ``requests`` as the client."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from polyfaas.testing import client
from tests.runner_process import descendants, polyfaas_run

INVOKE = "/2023-03-30/functions/polyfaas-function/invocations"
ENTRIES = Path(__file__).resolve().parent / "web_entries.py"

# seeds/003 (custom runtime event handlers), verbatim but for its last line: the port
# comes from FC_CUSTOM_LISTEN_PORT, and the tests keep servers on 127.0.0.1.
SEED_SERVER = """\
from flask import Flask, request

REQUEST_ID_HEADER = 'x-fc-request-id'

app = Flask(__name__)

@app.route("/invoke", methods=["POST"])
def handler():
    # Extract the request ID from common headers
    rid = request.headers.get(REQUEST_ID_HEADER)
    print("FC Invoke Start RequestId: " + rid)

    # Read the event payload
    data = request.stream.read()
    print(str(data))

    print("FC Invoke End RequestId: " + rid)
    # Return the response body
    return "Hello, World!"

if __name__ == '__main__':
    import os
    app.run(host='127.0.0.1', port=int(os.environ['FC_CUSTOM_LISTEN_PORT']))
"""

# The page's own example of what the caller does not see: status and headers.
IGNORED = """\
import os, time
from flask import Flask, request

app = Flask(__name__)

@app.route("/invoke", methods=["POST"])
def invoke():
    data = request.get_data()
    if data == b"fail":
        return "it failed", 404, [("x-fc-status", "404")]
    if data == b"slow":
        time.sleep(30)
    if data == b"exit":
        os._exit(3)
    return "Hello", 400, [("Author", "Aliyun-FC")]

@app.route("/<path:path>", methods=["GET", "POST"])
def web(path):
    return {"path": path, "fc": sorted(k for k in request.headers.keys() if k.startswith("X-Fc"))}

if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(os.environ['FC_CUSTOM_LISTEN_PORT']))
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "server.py").write_text(SEED_SERVER, encoding="utf-8")
    (tmp_path / "ignored.py").write_text(IGNORED, encoding="utf-8")
    return tmp_path


def test_the_seed_server_answers_through_bootstrap(code):
    args = ("--provider", "alibaba-custom", "--bootstrap", "python server.py")
    with polyfaas_run("server.py:app", *args, cwd=code) as run:
        assert run.wait_for_output(f"Running on {run.url}")  # Flask's own comes first
        response = requests.post(run.url + INVOKE, data=b'{"key": "value"}', timeout=30)
        assert response.status_code == 200
        assert response.text == "Hello, World!"
        rid = response.headers["X-Fc-Request-Id"]
        assert run.wait_for_output(f"FC Invoke Start RequestId: {rid}")
        assert run.wait_for_output('b\'{"key": "value"}\'')
        assert run.wait_for_output(f"FC Invoke End RequestId: {rid}")
        servers = descendants(run.process.pid)
        assert servers
    time.sleep(0.2)
    assert not {pid for pid in servers if Path(f"/proc/{pid}").exists()}


def test_only_the_body_reaches_the_caller_and_failures_are_fcs(code):
    args = ("--provider", "alibaba-custom", "--bootstrap", "python ignored.py", "--timeout", "2")
    with polyfaas_run("ignored.py:app", *args, cwd=code) as run:
        assert run.wait_for_output(f"Running on {run.url}")
        response = requests.post(run.url + INVOKE, data=b"hi", timeout=30)
        assert (response.status_code, response.text) == (200, "Hello")
        assert "Author" not in response.headers
        assert "X-Fc-Error-Type" not in response.headers

        failed = requests.post(run.url + INVOKE, data=b"fail", timeout=30)
        assert (failed.status_code, failed.text) == (200, "it failed")
        assert failed.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"

        web = requests.get(run.url + "/some/page", headers={"X-Fc-Forged": "1"}, timeout=30)
        assert web.json()["path"] == "some/page"
        assert "X-Fc-Forged" not in web.json()["fc"]
        assert {"X-Fc-Request-Id", "X-Fc-Control-Path", "X-Fc-Function-Name"} <= set(
            web.json()["fc"]
        )

        started = time.monotonic()
        slow = requests.post(run.url + INVOKE, data=b"slow", timeout=30)
        assert time.monotonic() - started < 15
        assert slow.status_code == 200
        assert slow.json() == {"errorMessage": "Function time out after 2s"}
        assert slow.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
        # The timed-out instance is gone; the next call gets a new one.
        again = requests.post(run.url + INVOKE, data=b"hi", timeout=30)
        assert (again.status_code, again.text) == (200, "Hello")

        crashed = requests.post(run.url + INVOKE, data=b"exit", timeout=30)
        assert crashed.status_code == 200
        assert crashed.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
        assert "Process exited unexpectedly" in crashed.json()["errorMessage"]
        again = requests.post(run.url + INVOKE, data=b"hi", timeout=30)
        assert (again.status_code, again.text) == (200, "Hello")


def test_the_front_door_answers_for_fc():
    with client(f"{ENTRIES}:on_event", provider="alibaba-custom") as http:
        ok = http.post(INVOKE, data=b'{"a": 1}')
        assert ok.status_code == 200
        assert ok.headers["Content-Type"] == "application/octet-stream"
        result = ok.get_json(force=True)
        assert result["data"] == {"a": 1}
        assert result["provider"] == "alibaba"
        assert result["request_id"] == ok.headers["X-Fc-Request-Id"]

        failed = http.post(INVOKE, data=b"boom")
        assert failed.status_code == 200
        assert failed.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
        document = failed.get_json(force=True)
        assert (document["errorType"], document["errorMessage"]) == ("ValueError", "bad payload")

        unknown = http.post("/2023-03-30/functions/someone-else/invocations", data=b"{}")
        assert unknown.status_code == 404
        assert unknown.get_json(force=True)["ErrorCode"] == "FunctionNotFound"

        too_big = http.get("/", headers={"X-Big": "x" * 9000})
        assert too_big.status_code == 400
        assert too_big.get_json(force=True)["ErrorCode"] == "InvalidArgument"

    with client(f"{ENTRIES}:portable", provider="alibaba-custom") as http:
        boom = http.get("/boom")
        assert boom.status_code == 502
        assert boom.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
        assert boom.get_json(force=True)["errorMessage"] == "boom"


def test_polyfaas_invoke_through_the_server():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "polyfaas",
            "invoke",
            "--provider",
            "alibaba-custom",
            f"{ENTRIES}:on_event",
            "--data",
            '{"n": 1}',
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["data"], answer["provider"]) == ({"n": 1}, "alibaba")


def test_in_process_the_same_requests_reach_the_servers_application():
    from polyfaas import Event, Request
    from polyfaas.platform import FunctionConfig
    from polyfaas.testing import emulate
    from polyfaas_alibaba.emulated import custom

    entries = load_entries()
    response = emulate(entries.portable, Request("GET", "/p", query="q=1"), "alibaba-custom")
    assert response.status == 200
    assert json.loads(response.body)["query"] == {"q": ["1"]}
    event = Event(data={"x": 1}, native=b'{"x": 1}')
    response = emulate(entries.on_event, event, "alibaba-custom")
    assert json.loads(response.body)["data"] == {"x": 1}
    assert custom.platform.call(event, FunctionConfig()).args[0].body == b'{"x": 1}'


def load_entries() -> Any:
    from polyfaas.runtime import load_target, parse_target

    load_target(parse_target(f"{ENTRIES}:portable"))
    return sys.modules["web_entries"]


def test_a_target_that_cannot_load_stops_polyfaas_run(tmp_path):
    import subprocess
    import sys

    (tmp_path / "index.py").write_text("import not_installed_anywhere\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "polyfaas", "run", "--provider", "alibaba-custom", "index.handler"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PORT": "0"},
    )
    assert result.returncode == 2
    assert "exited with code 2 before listening" in result.stderr


def test_bootstrap_needs_a_provider_with_servers(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "polyfaas", "run", "--bootstrap", "true", "index.handler"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "alibaba-custom" in result.stderr
