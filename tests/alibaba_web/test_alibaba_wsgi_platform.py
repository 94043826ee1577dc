"""``alibaba-wsgi``: FC's limits and forbidden headers, errors, the round trip through
the runtime half, detection, and a light runtime path."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from werkzeug.test import Client

import polyfaas
from polyfaas import Request, Response
from polyfaas.platform import FunctionConfig, call_native
from polyfaas.testing import EmulatedApp
from polyfaas_alibaba.emulated.wsgi import platform
from polyfaas_alibaba.wsgi import is_wsgi_call, runtime


def echo_handler(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = json.dumps(
        {k: v for k, v in environ.items() if k.startswith("HTTP_")}, sort_keys=True
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def doc(response: Any) -> Any:
    return json.loads(response.get_data())


def front_door(handler: Any) -> Client:
    return Client(EmulatedApp(handler, "alibaba-wsgi"))


class TestLimits:
    def test_request_headers_over_8_kb(self):
        ok = front_door(echo_handler).get("/", headers={"X-Big": "a" * 7000})
        assert ok.status_code == 200
        refused = front_door(echo_handler).get("/", headers={"X-Big": "a" * 8200})
        assert refused.status_code == 400
        assert doc(refused)["ErrorCode"] == "InvalidArgument"
        assert refused.headers["X-Fc-Request-Id"]

    def test_path_and_query_over_4_kb(self):
        assert front_door(echo_handler).get("/" + "p" * 3000).status_code == 200
        refused = front_door(echo_handler).get("/" + "p" * 3000 + "?q=" + "x" * 1200)
        assert refused.status_code == 400
        assert doc(refused)["ErrorCode"] == "InvalidArgument"

    def test_body_over_32_mb(self):
        body = b"x" * (32 * 1024 * 1024 + 1)
        refused = front_door(echo_handler).post("/", data=body)
        assert refused.status_code == 400
        assert doc(refused)["ErrorCode"] == "InvalidArgument"

    def test_response_headers_over_8_kb(self):
        def big(environ: Any, start_response: Any) -> list[bytes]:
            start_response("200 OK", [("X-Big", "b" * 8200)])
            return [b"never seen"]

        response = front_door(big).get("/")
        assert response.status_code == 502
        assert doc(response)["errorType"] == "BadResponse"
        assert response.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"


def test_forbidden_request_headers_do_not_reach_the_function():
    response = front_door(echo_handler).get(
        "/", headers={"X-Fc-Spoofed": "1", "Keep-Alive": "5", "X-Fine": "yes"}
    )
    seen = doc(response)
    assert "HTTP_X_FC_SPOOFED" not in seen
    assert "HTTP_KEEP_ALIVE" not in seen
    assert seen["HTTP_X_FINE"] == "yes"
    assert seen["HTTP_X_FC_FUNCTION_HANDLER"] == "index.handler"  # FC's own


def test_forbidden_response_headers_are_dropped():
    def handler(environ: Any, start_response: Any) -> list[bytes]:
        start_response(
            "201 Created",
            [
                ("X-Fc-Anything", "1"),
                ("Server", "mine"),
                ("Date", "yesterday"),
                ("Content-Disposition", "attachment; filename=a.txt"),
                ("Content-Length", "999"),
                ("X-Kept", "k"),
            ],
        )
        return [b"abc"]

    custom_domain = FunctionConfig(settings={"custom-domain": "true"})
    response = Client(EmulatedApp(handler, "alibaba-wsgi", custom_domain)).get("/")
    assert response.status_code == 201
    assert response.headers.get("X-Fc-Anything") is None
    assert response.headers.get("Content-Disposition") is None
    on_fcapp_run = front_door(handler).get("/")  # FC's own, not the function's
    assert on_fcapp_run.headers["Content-Disposition"] == "attachment"
    assert response.headers["X-Kept"] == "k"
    assert response.headers["Content-Length"] == "3"
    assert response.get_data() == b"abc"


def test_a_handler_error_is_502_with_fcs_error_document():
    def handler(environ: Any, start_response: Any) -> list[bytes]:
        raise ValueError("something is wrong")

    response = front_door(handler).get("/")
    assert response.status_code == 502
    assert response.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    document = doc(response)
    assert (document["errorType"], document["errorMessage"]) == ("ValueError", "something is wrong")
    assert all(isinstance(frame, list) for frame in document["stackTrace"])


def test_written_str_and_bare_bytes_answers_are_read_as_fcs_runtime_reads_them():
    def writes(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [])(b"early ")
        return ["late"]

    def bare(environ: Any, start_response: Any) -> bytes:
        start_response("200 OK", [])
        return b"bytes"

    assert front_door(writes).get("/").get_data() == b"early late"
    assert front_door(bare).get("/").get_data() == b"bytes"


def test_a_wsgi_entry_sees_fcs_keys():
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return [b"ok"]

    front_door(polyfaas.wsgi(app)).get("/p?x=1")
    assert seen["fc.request_uri"] == "/p?x=1"
    assert seen["fc.context"].request_id
    assert seen["polyfaas.context"].provider == "alibaba"
    assert seen["polyfaas.context"].request_id == seen["fc.context"].request_id


@pytest.mark.parametrize(
    "request_",
    [
        Request("GET", "/", headers=[("Host", "example.com")]),
        Request(
            "POST",
            "/a/b%2Fc",
            query="x=1&x=2&y=%C3%A9",
            headers=[("Host", "h"), ("Content-Type", "application/json"), ("X-A", "1")],
            body=b'{"k": "v"}',
            client_ip="10.0.0.1",
        ),
        Request(
            "PUT",
            "/w%C3%B6rld",
            headers=[("Host", "h"), ("X-Ü", "ä"), ("Content-Type", "application/octet-stream")],
            body=b"\x00\xff",
        ),
    ],
)
def test_the_runtime_half_reads_back_what_the_platform_half_built(request_):
    """For requests in FC's normal form (a Host, a body's Content-Type given, no
    ``x-fc-*`` or hop-by-hop headers); the losses are in the module's docstring."""
    call = platform.call(request_, FunctionConfig())
    invocation = runtime.decode(call.args, call.kwargs)
    got = invocation.payload
    assert isinstance(got, Request)
    assert (got.method, got.path, got.raw_path, got.query, got.body) == (
        request_.method,
        request_.path,
        request_.raw_path,
        request_.query,
        request_.body,
    )
    expected = [(k.lower(), v) for k, v in request_.headers.items()]
    assert sorted((k.lower(), v) for k, v in got.headers.items()) == sorted(
        [*expected, *([("content-length", str(len(request_.body)))] if request_.body else [])]
    )
    assert got.client_ip == (request_.client_ip or "127.0.0.1")
    assert invocation.context.provider == "alibaba"
    assert invocation.context.request_id == call.request_id
    assert invocation.context.function_name == "polyfaas-function"
    assert got.native is call.args[0]


def test_a_portable_entry_answers_through_start_response():
    @polyfaas.http
    def handler(request: Request, context: polyfaas.Context) -> Response:
        return Response(201, [("X-A", "1"), ("X-A", "2")], request.path)

    call = platform.call(Request("GET", "/here"), FunctionConfig())
    outcome = call_native(handler, call)
    assert outcome.error is None
    response = platform.receive(outcome, call)
    assert response.status == 201
    assert response.headers.getlist("X-A") == ["1", "2"]
    assert response.body == b"/here"


def test_detection_takes_a_wsgi_call_before_any_dict_event():
    from polyfaas import providers

    names = list(providers.BUILTIN)
    assert names.index("alibaba-wsgi") < names.index("yandex")
    call = platform.call(Request("GET", "/"), FunctionConfig())
    assert is_wsgi_call(call.args, {})
    found = [r.name for r in providers.builtin_runtimes() if r.detect(call.args, {}, {})]
    assert found == ["alibaba-wsgi"]
    yandex_like = ({"httpMethod": "GET", "headers": {}, "body": ""}, object())
    assert not runtime.detect(yandex_like, {}, {})


def test_an_event_cannot_reach_an_http_function():
    with pytest.raises(polyfaas.errors.EventFormatError, match="HTTP requests only"):
        platform.call(polyfaas.Event(data=1), FunctionConfig())


def _modules_after(code: str) -> set[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_the_runtime_path_stays_light():
    loaded = _modules_after(
        """
import io, polyfaas
from polyfaas_alibaba.native_context import FCContext, Credentials, FunctionMeta, ServiceMeta

@polyfaas.http
def handler(request, context):
    return {"ok": True}

context = FCContext("1", "r-1", Credentials("", "", ""), FunctionMeta("f", "i.h", 128, 3),
                    ServiceMeta("s", "", "", "LATEST", "1"), "cn-hangzhou")
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "", "CONTENT_LENGTH": "0",
           "wsgi.input": io.BytesIO(), "fc.context": context, "fc.request_uri": "/"}
seen = []
assert handler(environ, lambda status, headers: seen.append(status)) == [b'{"ok":true}']
assert seen == ["200 OK"]
"""
    )
    heavy = {"werkzeug", "importlib.metadata", "polyfaas._native", "polyfaas.runner", "http.client"}
    assert not loaded & heavy, sorted(loaded & heavy)


def test_a_failed_call_logs_fcs_end_line_once(caplog, capsys):
    # Regression: the error log line and the platform's end line both said
    # "FC Invoke End …, Error" for one failed alibaba-wsgi call.
    from polyfaas.testing import emulate

    def failing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise ValueError("boom")

    with caplog.at_level("ERROR", logger="polyfaas.alibaba"):
        response = emulate(failing, Request("GET", "/"), "alibaba-wsgi")
    assert response.status == 502
    request_id = response.headers["X-Fc-Request-Id"]
    logged = capsys.readouterr().out + caplog.text
    assert "ValueError: boom" in caplog.text
    assert logged.count("FC Invoke End") == 1, logged
    assert f"FC Invoke End RequestId: {request_id}, Error: Unhandled function error" in logged
