"""``polyfaas serve --provider container`` as a real subprocess on 127.0.0.1: HTTP
passed through (``requests``), CloudEvents from the official SDK in the three content
modes, the contract's variables in the context, JSON log lines, the port opened after
the init, ``$PORT``, and SIGTERM during a call (gunicorn and the werkzeug fallback)."""

from __future__ import annotations

import http.client
import json
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.container.container_helpers import (
    CloudEvent,
    serve,
    to_binary,
    to_structured,
    wait_exit,
    write_main,
)
from tests.runner_process import poll

SERVERS = pytest.mark.parametrize("gunicorn", [True, False], ids=["gunicorn", "werkzeug"])


@pytest.fixture
def code(tmp_path: Path) -> Path:
    return write_main(tmp_path)


def test_http_reaches_the_handler_unchanged(code: Path) -> None:
    env = {"K_SERVICE": "shop", "K_REVISION": "shop-00003", "K_CONFIGURATION": "shop-config"}
    with serve(code, "main.py:echo", env=env) as server:
        answer = requests.post(
            f"{server.url}/caf%C3%A9/a%2Fb?x=1&x=2&empty=&q=%C3%BC",
            headers={"Cookie": "a=1; b=2", "X-Custom": "ü".encode()},
            data="héllo".encode(),
            timeout=30,
        )
        # requests sends one field a name: a repeated one goes out through http.client.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.putrequest("GET", "/repeat")
        conn.putheader("X-Repeat", "one")
        conn.putheader("X-Repeat", "two")
        conn.endheaders()
        repeated = json.loads(conn.getresponse().read())
        conn.close()
    assert answer.status_code == 200, answer.text
    seen = answer.json()
    assert repeated["headers"]["x-repeat"] in (["one", "two"], ["one,two"])
    assert seen["headers"]["x-custom"] == ["ü"]
    assert seen["method"] == "POST"
    assert (seen["path"], seen["raw_path"]) == ("/café/a/b", "/caf%C3%A9/a%2Fb")
    assert seen["query"] == [["x", "1"], ["x", "2"], ["empty", ""], ["q", "ü"]]
    assert seen["cookies"] == {"a": "1", "b": "2"}
    assert seen["body"] == "héllo"
    assert (seen["function_name"], seen["function_version"]) == ("shop", "shop-00003")
    assert (seen["configuration"], seen["provider"]) == ("shop-config", "container")
    assert seen["remaining_ms"] is None  # no deadline without --timeout


def test_the_request_id_comes_from_the_trace_headers(code: Path) -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    with serve(code, "main.py:echo", args=["--timeout", "60"]) as server:

        def rid(headers: dict[str, str]) -> Any:
            return requests.get(server.url, headers=headers, timeout=30).json()

        assert rid({"traceparent": f"00-{trace}-00f067aa0ba902b7-01"})["request_id"] == trace
        assert rid({"X-Request-Id": "req-7"})["request_id"] == "req-7"
        assert rid({"X-Cloud-Trace-Context": f"{trace}/1;o=1"})["request_id"] == trace
        first, second = rid({})["request_id"], rid({})["request_id"]
        timed = rid({})["remaining_ms"]
    assert first != second
    assert len(first) == 36
    assert 0 < timed <= 60_000  # --timeout sets a deadline


def test_logs_are_json_lines_with_the_request_id(code: Path) -> None:
    with serve(code, "main.py:echo") as server:
        requests.get(f"{server.url}/logged", headers={"X-Request-Id": "r-42"}, timeout=30)
    records = [json.loads(line) for line in server.stdout().splitlines() if line.strip()]
    mine = [r for r in records if r.get("message") == "echo /logged"]
    assert len(mine) == 1, server.stdout()
    assert mine[0]["severity"] == "WARNING"
    assert mine[0]["request_id"] == "r-42"


def test_port_is_honoured_from_the_environment(code: Path) -> None:
    with serve(code, "main.py:echo", port_option=False) as server:
        answer = requests.get(f"{server.url}/via-port", timeout=30)
    assert answer.json()["path"] == "/via-port"


def _attributes() -> dict[str, str]:
    return {
        "type": "com.example.order.created",
        "source": "/shop/orders",
        "id": "order-1",
        "subject": "orders/1",
        "time": "2026-12-02T10:11:12.5Z",
        "datacontenttype": "application/json",
        "tenant": "acme",
    }


def _expected(extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "order-1",
        "source": "/shop/orders",
        "type": "com.example.order.created",
        "subject": "orders/1",
        "time": "2026-12-02T10:11:12.500000+00:00",
        "extensions": {"tenant": "acme"},
        **extra,
    }


def test_cloudevents_in_binary_and_structured_mode(code: Path) -> None:
    event = CloudEvent(_attributes(), {"total": 12.5, "items": ["ü"]})
    with serve(code, "main.py:on_event") as server:
        headers, body = to_binary(event)
        binary = requests.post(server.url, data=body, headers=headers, timeout=30)
        headers, body = to_structured(event)
        structured = requests.post(server.url, data=body, headers=headers, timeout=30)
        untyped = CloudEvent(
            {k: v for k, v in _attributes().items() if k != "datacontenttype"}, [1]
        )
        headers, body = to_binary(untyped)
        no_type = requests.post(server.url, data=body, headers=headers, timeout=30)
        raw = {**_attributes(), "datacontenttype": "application/octet-stream"}
        headers, body = to_structured(CloudEvent(raw, b"\x00\xff"))
        as_bytes = requests.post(server.url, data=body, headers=headers, timeout=30)
    data = {"total": 12.5, "items": ["ü"]}
    assert binary.status_code == 200, binary.text
    assert binary.json() == _expected({"datacontenttype": "application/json", "data": data})
    assert structured.status_code == 200, structured.text
    assert structured.json() == _expected({"datacontenttype": "application/json", "data": data})
    assert no_type.json() == _expected({"datacontenttype": None, "data": [1]})
    assert as_bytes.json()["data"] == {"base64": "AP8="}
    assert as_bytes.json()["datacontenttype"] == "application/octet-stream"


def test_a_batch_is_one_call_a_event(code: Path) -> None:
    events = [CloudEvent({**_attributes(), "id": f"order-{n}"}, {"n": n}) for n in (1, 2, 3)]
    body = "[" + ",".join(to_structured(e)[1].decode() for e in events) + "]"
    with serve(code, "main.py:on_event") as server:
        answer = requests.post(
            server.url,
            data=body.encode(),
            headers={"Content-Type": "application/cloudevents-batch+json"},
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    assert [(r["id"], r["data"]) for r in answer.json()] == [
        ("order-1", {"n": 1}),
        ("order-2", {"n": 2}),
        ("order-3", {"n": 3}),
    ]


def test_none_is_202_and_a_malformed_event_400_naming_the_attribute(code: Path) -> None:
    event = CloudEvent(_attributes(), {"x": 1})
    headers, body = to_binary(event)
    with serve(code, "main.py:quiet") as server:
        accepted = requests.post(server.url, data=body, headers=headers, timeout=30)
        no_id = {k: v for k, v in headers.items() if k.lower() != "ce-id"}
        missing = requests.post(server.url, data=body, headers=no_id, timeout=30)
        document = json.loads(to_structured(event)[1])
        del document["source"]
        missing_source = requests.post(
            server.url,
            data=json.dumps(document),
            headers={"Content-Type": "application/cloudevents+json"},
            timeout=30,
        )
    assert (accepted.status_code, accepted.content) == (202, b"")
    assert missing.status_code == 400
    assert missing.json()["attribute"] == "id"
    assert "'id'" in missing.json()["error"]
    assert missing_source.status_code == 400
    assert missing_source.json()["attribute"] == "source"


@SERVERS
def test_the_port_opens_only_after_the_init(code: Path, gunicorn: bool) -> None:
    with serve(code, "main.py:slow_init", gunicorn=gunicorn, wait=False) as server:
        assert poll((code / "init-started").exists, 30), server.stderr()
        assert not server.accepts()  # the init runs: nothing listens yet
        (code / "init-release").write_text("1")
        server.wait_listening()
        assert requests.get(server.url, timeout=30).text == "ready"


@SERVERS
def test_sigterm_lets_the_call_in_flight_finish_and_exits_0(code: Path, gunicorn: bool) -> None:
    with serve(code, "main.py:slow", gunicorn=gunicorn) as server:
        answers: list[requests.Response] = []
        caller = threading.Thread(
            target=lambda: answers.append(requests.get(server.url, timeout=60))
        )
        caller.start()
        assert poll((code / "started").exists, 30)
        server.process.send_signal(signal.SIGTERM)
        assert poll(lambda: not server.accepts(), 30), "still accepting after SIGTERM"
        (code / "release").write_text("1")
        caller.join(60)
        assert wait_exit(server) == 0, server.stderr()
    assert [(a.status_code, a.text) for a in answers] == [(200, "finished")]


@SERVERS
def test_a_failing_init_never_opens_the_port(tmp_path: Path, gunicorn: bool) -> None:
    code = write_main(
        tmp_path,
        "import polyfaas\n\n"
        "def broken(context):\n"
        "    raise RuntimeError('no database')\n\n"
        "handler = polyfaas.http(lambda request, context: 'never', init=broken)\n",
    )
    with serve(code, "main.handler", gunicorn=gunicorn, wait=False) as server:
        status = wait_exit(server)
        assert not server.accepts()
    assert status != 0
    assert "RuntimeError: no database" in server.stderr() + server.stdout()


def test_a_raising_handler_is_a_500_whose_message_stays_in_the_log(code: Path) -> None:
    with serve(code, "main.py:boom") as server:
        answer = requests.get(server.url, headers={"X-Request-Id": "r-9"}, timeout=30)
    assert answer.status_code == 500
    assert answer.json() == {
        "error": "the function failed",
        "type": "ValueError",
        "request_id": "r-9",
    }
    assert "secret-db-password" not in answer.text
    records = [json.loads(line) for line in server.stdout().splitlines() if line.strip()]
    (failed,) = [r for r in records if r["severity"] == "ERROR"]
    assert failed["request_id"] == "r-9"
    assert "ValueError: secret-db-password" in failed["message"]  # the traceback, logged
