"""``alibaba-custom`` lifecycle hooks as FC sends them: ``/initialize`` only when an
initializer is configured (``--initializer``), once per instance with FC's headers
and the initializer timeout; a failed one answers 200 with ``X-Fc-Error-Type:
InitializationError`` and the next call starts a new server; ``/pre-freeze`` after each
call with ``--pre-freeze``; ``/pre-stop`` when the runner stops with ``--pre-stop``.
Real processes on 127.0.0.1 (``polyfaas run --bootstrap``), ``requests`` as the client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.runner_process import polyfaas_run

INVOKE = "/2023-03-30/functions/polyfaas-function/invocations"

# A server that records every request FC sends it (one JSON line each) and answers
# /initialize with 500 unless told otherwise: a server that has no initializer.
RECORDER = """\
import json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "requests.jsonl")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with open(LOG, "a") as out:
            out.write(json.dumps({"method": self.command, "path": self.path,
                                  "headers": {k.lower(): v for k, v in self.headers.items()},
                                  "pid": os.getpid()}) + "\\n")
        status, body = 200, b"ok"
        if self.path == "/initialize":
            flag = LOG + ".init"
            mode = open(flag).read() if os.path.exists(flag) else "500"
            if mode == "fail-once":
                open(flag, "w").write("200")
                mode = "500"
            status = int(mode)
            if status != 200:
                body = json.dumps({"errorMessage": "no database", "errorType": "Boom"}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    PORT = int(os.environ["FC_CUSTOM_LISTEN_PORT"])
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "server.py").write_text(RECORDER)
    return tmp_path


def recorded(code: Path) -> list[dict[str, Any]]:
    log = code / "requests.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def run(code: Path, *settings: str) -> Any:
    args = ("--provider", "alibaba-custom", "--bootstrap", "python server.py", *settings)
    return polyfaas_run("server.py:Handler", *args, cwd=code)


def test_without_an_initializer_initialize_is_never_posted(code: Path) -> None:
    with run(code) as runner:
        answer = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        page = requests.get(runner.url + "/page", timeout=30)
    assert answer.status_code == 200
    assert "X-Fc-Error-Type" not in answer.headers
    assert answer.content == b"ok"
    assert page.status_code == 200
    paths = [r["path"] for r in recorded(code)]
    assert paths == ["/invoke", "/page"]


def test_a_configured_initializer_is_posted_once_with_fcs_headers(code: Path) -> None:
    (code / "requests.jsonl.init").write_text("200")
    with run(code, "--initializer", "true", "--initializer-timeout", "7") as runner:
        requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
    seen = recorded(code)
    assert [(r["method"], r["path"]) for r in seen] == [
        ("POST", "/initialize"),
        ("POST", "/invoke"),
        ("POST", "/invoke"),
    ]
    init = seen[0]["headers"]
    assert init["x-fc-control-path"] == "/initialize"
    assert init["x-fc-function-initializer"] == "true"
    assert init["x-fc-initialization-timeout"] == "7"
    assert init["x-fc-request-id"].startswith("1-")
    assert init["x-fc-request-id"] != seen[1]["headers"]["x-fc-request-id"]
    # every call says which hooks the function has
    assert seen[1]["headers"]["x-fc-function-initializer"] == "true"


def test_a_failed_initializer_answers_initialization_error_and_a_new_server_retries(
    code: Path,
) -> None:
    (code / "requests.jsonl.init").write_text("fail-once")
    with run(code, "--initializer", "true") as runner:
        failed = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        retried = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
    assert failed.status_code == 200
    assert failed.headers["X-Fc-Error-Type"] == "InitializationError"
    assert failed.json() == {"errorMessage": "no database", "errorType": "Boom"}
    assert retried.status_code == 200
    assert "X-Fc-Error-Type" not in retried.headers
    seen = recorded(code)
    assert [r["path"] for r in seen] == ["/initialize", "/initialize", "/invoke"]
    assert seen[0]["pid"] != seen[1]["pid"]  # a new instance


def test_a_failed_initializer_behind_the_http_trigger_is_200_too(code: Path) -> None:
    with run(code, "--initializer", "true") as runner:
        page = requests.get(runner.url + "/page", timeout=30)
    assert page.status_code == 200
    assert page.headers["X-Fc-Error-Type"] == "InitializationError"


def test_pre_freeze_after_each_call_and_pre_stop_when_the_runner_stops(code: Path) -> None:
    with run(code, "--pre-freeze", "true", "--pre-stop", "true") as runner:
        requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        requests.get(runner.url + "/page", timeout=30)
    seen = recorded(code)
    assert [(r["method"], r["path"]) for r in seen] == [
        ("POST", "/invoke"),
        ("GET", "/pre-freeze"),
        ("GET", "/page"),
        ("GET", "/pre-freeze"),
        ("GET", "/pre-stop"),
    ]
    assert seen[1]["headers"]["x-fc-control-path"] == "/pre-freeze"
    assert seen[-1]["headers"]["x-fc-control-path"] == "/pre-stop"
    assert seen[-1]["headers"]["x-fc-instance-lifecycle-pre-stop-handler"] == "true"


def test_without_pre_stop_the_server_is_just_stopped(code: Path) -> None:
    with run(code) as runner:
        requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
    assert [r["path"] for r in recorded(code)] == ["/invoke"]
