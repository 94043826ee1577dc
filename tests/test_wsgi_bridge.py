"""The WSGI bridge both ways, checked by wsgiref.validate and by round-trip properties."""

from __future__ import annotations

import io
import sys
import wsgiref.validate
from typing import Any

import pytest
from hypothesis import given, settings
from werkzeug.test import Client

import polyfaas
from polyfaas import Context, Request, Response
from polyfaas.errors import ResponseFormatError
from polyfaas.testing import EmulatedApp
from polyfaas.wsgi_bridge import (
    environ_from_request,
    request_from_environ,
    run_wsgi_app,
    start_wsgi_response,
)
from tests.strategies import requests


def echo_app(environ, start_response):
    """Reports what it saw; written strictly to PEP 3333."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [body]


class TestEnviron:
    def test_passes_wsgiref_validate(self):
        request = Request(
            "POST",
            "/api/é x",
            query={"q": ["1", "2"]},
            headers=[("Content-Type", "text/plain"), ("X-Multi", "a"), ("X-Multi", "b")],
            body=b"hello",
            client_ip="10.1.2.3",
        )
        response = run_wsgi_app(wsgiref.validate.validator(echo_app), environ_from_request(request))
        assert response.status == 200
        assert response.body == b"hello"

    def test_fields(self):
        context = Context(request_id="rid")
        request = Request(
            "PUT",
            "/base/a b/ü",
            raw_path="/base/a%20b/%C3%BC",
            query=[("x", "1 2"), ("x", "&")],
            headers=[
                ("Host", "example.com:8443"),
                ("Content-Type", "application/json"),
                ("X-Multi", "a"),
                ("x-multi", "b"),
                ("Cookie", "a=1"),
                ("Cookie", "b=2"),
                ("X-Unicode", "ü"),
            ],
            body=b"{}",
            client_ip="192.0.2.1",
            scheme="https",
            base_path="/base",
        )
        environ = environ_from_request(request, context)
        assert environ["REQUEST_METHOD"] == "PUT"
        assert environ["SCRIPT_NAME"] == "/base"
        assert environ["PATH_INFO"] == "/a b/" + "ü".encode().decode("latin-1")
        assert environ["QUERY_STRING"] == "x=1%202&x=%26"
        assert environ["CONTENT_TYPE"] == "application/json"
        assert environ["CONTENT_LENGTH"] == "2"
        assert "HTTP_CONTENT_TYPE" not in environ
        assert environ["HTTP_X_MULTI"] == "a,b"
        assert environ["HTTP_COOKIE"] == "a=1; b=2"
        assert environ["HTTP_X_UNICODE"] == "ü".encode().decode("latin-1")
        assert environ["SERVER_NAME"] == "example.com"
        assert environ["SERVER_PORT"] == "8443"
        assert environ["REMOTE_ADDR"] == "192.0.2.1"
        assert environ["wsgi.url_scheme"] == "https"
        assert environ["wsgi.input"].read() == b"{}"
        assert environ["REQUEST_URI"] == "/base/a%20b/%C3%BC?x=1%202&x=%26"
        assert environ["polyfaas.request"] is request
        assert environ["polyfaas.context"] is context

    def test_base_path_that_does_not_match_is_ignored(self):
        environ = environ_from_request(Request(path="/other", base_path="/base"))
        assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("", "/other")

    def test_encoded_slash_survives_through_raw_uri(self):
        request = Request(path="/a/b", raw_path="/a%2Fb")
        environ = environ_from_request(request)
        assert environ["PATH_INFO"] == "/a/b"  # WSGI itself cannot tell
        assert request_from_environ(environ).raw_path == "/a%2Fb"

    def test_default_ports_and_ipv6(self):
        assert environ_from_request(Request(scheme="https", host="h"))["SERVER_PORT"] == "443"
        environ = environ_from_request(Request(host="[::1]:8080"))
        assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("[::1]", "8080")


def start_twice(environ, start_response):
    start_response("200 OK", [])
    start_response("200 OK", [])
    return []


class TestRunApp:
    def test_write_callable_and_close(self):
        closed = []

        class Result:
            def __iter__(self):
                yield b"b"
                yield b""
                yield b"c"

            def close(self):
                closed.append(True)

        def app(environ, start_response):
            write = start_response("201 Created", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
            write(b"a")
            return Result()

        response = run_wsgi_app(app, environ_from_request(Request()))
        assert response.status == 201
        assert response.body == b"abc"
        assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
        assert closed == [True]

    def test_close_called_when_iteration_fails(self):
        closed = []

        class Result:
            def __iter__(self):
                yield b"x"
                raise RuntimeError("mid-body")

            def close(self):
                closed.append(True)

        def app(environ, start_response):
            start_response("200 OK", [])
            return Result()

        with pytest.raises(RuntimeError, match="mid-body"):
            run_wsgi_app(app, environ_from_request(Request()))
        assert closed == [True]

    def test_exc_info_replaces_headers_before_body(self):
        def app(environ, start_response):
            start_response("200 OK", [("X-First", "1")])
            try:
                raise ValueError("late failure")
            except ValueError:
                start_response("500 Internal Server Error", [("X-Second", "2")], sys.exc_info())
            return [b"error page"]

        response = run_wsgi_app(app, environ_from_request(Request()))
        assert response.status == 500
        assert "x-first" not in response.headers
        assert response.headers["x-second"] == "2"

    def test_exc_info_after_body_reraises(self):
        def app(environ, start_response):
            start_response("200 OK", [])
            yield b"started"
            try:
                raise ValueError("after body")
            except ValueError:
                start_response("500 Internal Server Error", [], sys.exc_info())
            yield b"never"

        with pytest.raises(ValueError, match="after body"):
            run_wsgi_app(app, environ_from_request(Request()))

    @pytest.mark.parametrize(
        ("app", "message"),
        [
            (lambda environ, start_response: [b"x"], "before calling start_response"),
            (lambda environ, start_response: [], "without calling start_response"),
            (start_twice, "twice"),
            (lambda environ, start_response: start_response("OK", []) and [], "malformed status"),
            (lambda environ, start_response: start_response(200, []) and [], "malformed status"),
        ],
    )
    def test_protocol_violations(self, app, message):
        with pytest.raises(ResponseFormatError, match=message):
            run_wsgi_app(app, environ_from_request(Request()))

    def test_a_status_line_seen_before_gives_its_own_code_again(self):
        def app(environ, start_response):
            start_response(environ["status"], [])
            return []

        for status, code in [("201 Created", 201), ("201 Made", 201), ("418 Teapot", 418)] * 2:
            environ = environ_from_request(Request())
            environ["status"] = status
            assert run_wsgi_app(app, environ).status == code


class TestServerSide:
    def test_request_from_environ_fields(self):
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": "/a b",
            "QUERY_STRING": "x=%C3%BC&x=2",
            "SERVER_NAME": "srv",
            "SERVER_PORT": "8080",
            "CONTENT_TYPE": "text/plain",
            "CONTENT_LENGTH": "5",
            "HTTP_X_THING": "v",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b"hello, extra"),
        }
        request = request_from_environ(environ)
        assert request.method == "POST"
        assert request.raw_path == "/a%20b"
        assert request.path == "/a b"
        assert request.query.getlist("x") == ["ü", "2"]
        assert request.headers["x-thing"] == "v"
        assert request.headers["content-length"] == "5"
        assert request.body == b"hello"
        assert request.host == "srv:8080"
        assert request.client_ip == "127.0.0.1"
        assert request.native is environ

    def test_raw_utf8_on_the_request_line_is_escaped(self):
        native_uri = "/a%20b/ü?x=1".encode().decode("latin-1")  # as a server passes it
        request = request_from_environ({"REQUEST_URI": native_uri, "PATH_INFO": "/"})
        assert request.raw_path == "/a%20b/%C3%BC"
        assert request.path == "/a b/ü"

    def test_chunked_body_without_length(self):
        environ = {
            "REQUEST_METHOD": "POST",
            "wsgi.input": io.BytesIO(b"chunked"),
            "wsgi.input_terminated": True,
        }
        assert request_from_environ(environ).body == b"chunked"

    def test_start_wsgi_response_under_validate(self):
        response = Response(
            200,
            [
                ("Content-Type", "text/plain"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
                ("X-U", "ü"),
            ],
            b"body",
        )

        def app(environ, start_response):
            return start_wsgi_response(response, start_response)

        client = Client(wsgiref.validate.validator(app))
        result = client.get("/")
        assert result.status_code == 200
        assert result.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
        assert result.data == b"body"
        result.close()

    def test_emulated_front_door_under_validate(self):
        handler = polyfaas.http(lambda request, context: {"path": request.path})
        client = Client(wsgiref.validate.validator(EmulatedApp(handler)))
        got = client.get("/x y")
        assert got.json == {"path": "/x y"}
        got.close()
        head = client.head("/x")
        assert head.data == b""
        assert head.headers["Content-Type"] == "application/json"
        head.close()


def _semantic_headers(headers):
    """Headers as WSGI can carry them: repeats joined, Content-Length dropped."""
    joined: dict[str, list[str]] = {}
    for name, value in headers.items():
        if name.lower() != "content-length":
            joined.setdefault(name.lower(), []).append(value)
    return {
        name: ("; " if name == "cookie" else ",").join(values) for name, values in joined.items()
    }


@settings(max_examples=200, deadline=None)
@given(requests())
def test_round_trip_through_environ(request):
    back = request_from_environ(environ_from_request(request))
    assert back.method == request.method
    assert back.raw_path == request.raw_path
    assert back.path == request.path
    assert back.query == request.query
    assert back.body == request.body
    assert back.client_ip == request.client_ip
    assert back.scheme == request.scheme
    assert back.host == request.host
    # WSGI joins repeated fields and loses name case: a documented loss
    expected = _semantic_headers(request.headers)
    expected.setdefault("host", request.host)  # HTTP/1.1 requires Host: WSGI always has it
    assert _semantic_headers(back.headers) == expected
    if request.body:
        assert back.headers["content-length"] == str(len(request.body))


@settings(max_examples=100, deadline=None)
@given(requests())
def test_round_trip_through_a_wsgi_app(request):
    """A WSGI app sees what a canonical handler would, and its answer comes back whole."""

    def app(environ, start_response):
        seen = request_from_environ(environ)
        start_response("200 OK", [("X-Path", seen.raw_path), ("X-Query", seen.query_string)])
        return [seen.body]

    response = polyfaas.wsgi(app)(request)
    assert response.body == request.body
    assert response.headers["x-path"] == request.raw_path
    assert response.headers["x-query"] == request.query_string
