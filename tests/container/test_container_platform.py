"""The emulated platform: ``polyfaas.testing.client``/``invoke`` and ``polyfaas run
--provider container`` in front of the container's server, ``polyfaas invoke``
sending CloudEvents, and ``polyfaas events container``'s samples."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import polyfaas
from polyfaas import providers
from polyfaas.testing import client, invoke
from polyfaas_container import binding
from tests.container.container_helpers import CloudEvent, to_binary, to_structured, write_main
from tests.runner_process import poll, polyfaas_run

SAMPLES = providers.platform_half("container").samples()


@pytest.fixture(autouse=True)
def _isolated_imports() -> Iterator[None]:
    """The test kit imports each test's ``main.py``: keep sys.path and sys.modules."""
    path, main = list(sys.path), sys.modules.get("main")
    yield
    sys.path[:] = path
    if main is None:
        sys.modules.pop("main", None)
    else:
        sys.modules["main"] = main


@pytest.fixture
def code(tmp_path: Path) -> Path:
    return write_main(tmp_path)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polyfaas", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_test_client_passes_requests_and_cloudevents_through(code: Path) -> None:
    with client(str(code / "main.py:echo"), provider="container") as http:
        seen = json.loads(http.get("/a%2Fb?x=1&x=2", headers={"X-Request-Id": "r-1"}).data)
    assert (seen["path"], seen["raw_path"], seen["query"]) == (
        "/a/b",
        "/a%2Fb",
        [["x", "1"], ["x", "2"]],
    )
    assert (seen["request_id"], seen["provider"]) == ("r-1", "container")
    assert (seen["function_name"], seen["function_version"]) == (
        "polyfaas-function",
        "polyfaas-function-00001",
    )
    event = CloudEvent({"type": "com.example.t", "source": "/s", "id": "7"}, {"k": "v"})
    with client(str(code / "main.py:on_event"), provider="container") as http:
        headers, body = to_binary(event)
        got = http.post("/", headers=headers, data=body)
        headers, body = to_structured(event)
        structured = http.post("/", headers=headers, data=body)
    assert got.status_code == 200
    answer = json.loads(got.data)
    assert (answer["id"], answer["type"], answer["data"]) == ("7", "com.example.t", {"k": "v"})
    assert json.loads(structured.data) == answer


def test_invoke_sends_a_sample_as_it_is_and_a_payload_as_a_binary_event(code: Path) -> None:
    target = str(code / "main.py:on_event")
    ping = invoke(target, SAMPLES["ping"], provider="container")
    assert ping.status == 200
    assert ping.json()["type"] == "dev.knative.sources.ping"
    assert ping.json()["data"] == {"message": "Hello from the PingSource"}
    direct = invoke(target, {"a": 1}, provider="container").json()
    assert (direct["type"], direct["data"]) == (polyfaas.EventType.DIRECT, {"a": 1})
    batch = invoke(target, SAMPLES["batch"], provider="container").json()
    assert [item["id"] for item in batch] == ["order-1", "order-2"]
    assert invoke(str(code / "main.py:quiet"), {"a": 1}, provider="container").status == 202


def test_the_cli_invokes_with_cloudevents_and_lists_the_samples(code: Path) -> None:
    listed = cli("events", "container", cwd=code)
    assert listed.stdout.split() == sorted(SAMPLES)
    sample = cli("events", "container", "storage", cwd=code)
    (code / "storage.json").write_text(sample.stdout)
    sent = cli(
        "invoke", "--provider", "container", "main.py:on_event", "--event", "storage.json", cwd=code
    )
    assert sent.returncode == 0, sent.stderr
    answer = json.loads(sent.stdout)
    assert answer["type"] == "google.cloud.storage.object.v1.finalized"
    assert answer["subject"] == "objects/photos/cat.jpg"
    data = cli("invoke", "--provider", "container", "main.py:on_event", "-d", '{"n": 2}', cwd=code)
    assert json.loads(data.stdout)["data"] == {"n": 2}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_sample_is_a_valid_cloudevent(kind: str) -> None:
    sample = SAMPLES[kind]
    media = binding.BATCH if isinstance(sample, list) else binding.STRUCTURED
    decoded = binding.decode(
        polyfaas.Headers([("Content-Type", media)]), json.dumps(sample).encode()
    )
    events = decoded.events if isinstance(decoded, polyfaas.EventBatch) else (decoded,)
    assert all(event.id and event.source and event.type for event in events)


def test_polyfaas_run_serves_http_and_cloudevents(code: Path) -> None:
    with polyfaas_run("main.py:on_event", "--provider", "container", cwd=code) as runner:
        event = CloudEvent({"type": "com.example.t", "source": "/s", "id": "9"}, [1, 2])
        headers, body = to_binary(event)
        answer = requests.post(runner.url, data=body, headers=headers, timeout=30)
        headers, body = to_binary(CloudEvent({"type": "t", "source": "/s"}, None))
        del headers["ce-id"]
        refused = requests.post(runner.url, data=body, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["id"], answer.json()["data"]) == ("9", [1, 2])
    assert (refused.status_code, refused.json()["attribute"]) == (400, "id")
    with polyfaas_run("main.py:echo", "--provider", "container", cwd=code) as runner:
        seen = requests.get(f"{runner.url}/x?y=1", cookies={"c": "1"}, timeout=30).json()
    assert (seen["path"], seen["query"], seen["cookies"]) == ("/x", [["y", "1"]], {"c": "1"})


OWN_SERVER = """
import http.server, json, os

class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "port": os.environ["PORT"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Answer).serve_forever()
"""


def test_polyfaas_run_starts_a_bootstrap_server_of_any_kind(code: Path) -> None:
    (code / "server.py").write_text(OWN_SERVER, encoding="utf-8")
    bootstrap = f"{sys.executable} server.py"
    args = ("--provider", "container", "--bootstrap", bootstrap)
    with polyfaas_run("main.py:echo", *args, cwd=code) as runner:
        seen = requests.get(f"{runner.url}/own?x=1", timeout=30).json()
    assert seen["path"] == "/own?x=1"
    assert seen["port"] != "8080"  # the port the platform chose, in $PORT


def test_a_call_over_the_timeout_is_504_and_the_server_is_replaced(code: Path) -> None:
    args = ("--provider", "container", "--timeout", "1")
    with polyfaas_run("main.py:slow", *args, cwd=code) as runner:
        timed_out = requests.get(runner.url, timeout=60)
        assert poll((code / "started").exists, 30)
        (code / "release").write_text("1")
        again = requests.get(runner.url, timeout=60)
    assert timed_out.status_code == 504
    assert (again.status_code, again.text) == (200, "finished")
