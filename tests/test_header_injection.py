"""Issue 13 item 3: a response header cannot be injected.

A header value with CR, LF or NUL, or a header name that is not an HTTP token, is a
``ResponseFormatError`` in ``to_response`` (every portable handler's answer, and the
native results a platform half reads), in ``run_wsgi_app`` (Flask, Django, any WSGI app)
and in ``start_wsgi_response``, the last gate before anything is started. Each platform half
answers such a response with the platform's bad-response answer; the client never sees
the injected field.
"""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Request, Response
from polyfaas.errors import ResponseFormatError
from polyfaas.runtime import error_response, run_wsgi_app, start_wsgi_response, to_response
from polyfaas.testing import client, emulate
from tests.runner_process import polyfaas_run

INJECTED = "/reflect?v=a%0D%0ASet-Cookie:%20injected=1"
PROVIDERS = ["local", "alibaba", "alibaba-wsgi", "alibaba-custom", "yandex", "yandex-gateway"]
TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
FORBIDDEN_IN_VALUES = "\r\n\x00"

FUNCTION = textwrap.dedent(
    """
    import polyfaas
    from urllib.parse import parse_qs


    @polyfaas.http
    def portable(request, context):
        return polyfaas.Response(200, [("X-Echo", request.query.get("v", ""))], "ok")


    def bare(environ, start_response):
        value = parse_qs(environ.get("QUERY_STRING", "")).get("v", [""])[0]
        start_response("200 OK", [("X-Echo", value), ("Content-Type", "text/plain")])
        return [b"ok"]


    wsgi = polyfaas.wsgi(bare)


    @polyfaas.http
    def raises_http_error(request, context):
        raise polyfaas.HTTPError(400, headers={"X-Echo": request.query.get("v", "")})
    """
)


@pytest.fixture(scope="module")
def function_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("injection") / "reflect.py"
    path.write_text(FUNCTION)
    return path


def no_injected_field(headers: Any) -> None:
    names = [name.lower() for name, _ in headers.items()]
    assert "set-cookie" not in names, names
    assert all("injected" not in value for _, value in headers.items()), list(headers.items())


def assert_bad_response(provider: str, status: int, headers: Any, body: bytes) -> None:
    """The platform's own answer to a function's answer it cannot send."""
    import json

    no_injected_field(headers)
    if provider == "local":
        assert status == 500
        return
    assert status == 502
    document = json.loads(body)
    if provider.startswith("alibaba"):
        assert headers.get("X-Fc-Error-Type") == "UnhandledInvocationError"
        assert "CR, LF or NUL" in document["errorMessage"]
        # FC in front of a custom runtime passes the server's own error answer on.
        expected = "ResponseFormatError" if provider == "alibaba-custom" else "BadResponse"
        assert document["errorType"] == expected
    else:
        assert document["errorType"] == "ProxyIntegrationError"
        assert document["errorMessage"].startswith("Malformed serverless function response")


# -- the one place: to_response --------------------------------------------------------


@pytest.mark.parametrize("bad", ["\r", "\n", "\x00", "\r\n", "a\r\nSet-Cookie: x=1"])
def test_a_value_with_cr_lf_or_nul_is_refused(bad: str) -> None:
    with pytest.raises(ResponseFormatError, match="CR, LF or NUL"):
        to_response(Response(200, [("Content-Type", "text/plain"), ("X-Echo", f"a{bad}b")]))


def test_every_way_to_build_a_response_is_checked() -> None:
    bad = "x\r\nSet-Cookie: injected=1"
    for response in (
        Response.from_text("ok", headers={"X-A": bad}),
        Response.from_json({}, headers=[("X-A", bad)]),
        Response.redirect(f"/next{bad}"),
        attrs.evolve(Response(), headers=[("X-A", bad)]),
    ):
        with pytest.raises(ResponseFormatError):
            to_response(response)
    with pytest.raises(ResponseFormatError):
        error_response(polyfaas.HTTPError(400, headers={"X-A": bad}))


def test_a_value_that_smuggles_whole_fields_is_refused() -> None:
    # "X\na\nB\nc" would read as two good fields if only the joined text were matched.
    with pytest.raises(ResponseFormatError):
        to_response(Response(200, [("X-A", "a\nB\nc")]))


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(TOKEN_CHARS, min_size=1, max_size=8),
    value=st.text(st.characters(blacklist_characters=FORBIDDEN_IN_VALUES), max_size=12),
    bad=st.sampled_from(FORBIDDEN_IN_VALUES),
    at=st.integers(0, 12),
)
def test_any_forbidden_character_anywhere_in_a_value_is_refused(name, value, bad, at) -> None:
    assert to_response(Response(200, [(name, value)])).headers.getlist(name) == [value]
    with pytest.raises(ResponseFormatError):
        to_response(Response(200, [("X-Ok", "1"), (name, value[:at] + bad + value[at:])]))


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(TOKEN_CHARS, max_size=6),
    bad=st.characters(blacklist_characters=TOKEN_CHARS),
    at=st.integers(0, 6),
)
def test_a_name_outside_the_token_set_is_refused(name, bad, at) -> None:
    with pytest.raises(ResponseFormatError, match="not an HTTP token"):
        to_response(Response(200, [(name[:at] + bad + name[at:], "v")]))


def test_start_wsgi_response_is_the_last_gate() -> None:
    response = Response(200, [("X-A", "a\r\nSet-Cookie: x=1")])  # not through to_response
    started: list[Any] = []

    def start_response(*args: Any) -> Any:
        started.append(args)
        return started.append

    with pytest.raises(ResponseFormatError):
        start_wsgi_response(response, start_response)
    assert started == []


@pytest.mark.parametrize("lenient", [False, True])
def test_a_wsgi_app_cannot_inject(lenient: bool) -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-A", "a\r\nSet-Cookie: x=1")])
        return [b"ok"]

    with pytest.raises(ResponseFormatError, match="CR, LF or NUL"):
        run_wsgi_app(app, {"REQUEST_METHOD": "GET"}, lenient=lenient)


# -- every provider, through the test kit ----------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("style", ["portable", "wsgi"])
def test_every_provider_refuses_the_injection(function_file: Path, provider, style) -> None:
    with client(f"{function_file}:{style}", provider=provider) as http:
        answer = http.get(INJECTED)
        assert_bad_response(provider, answer.status_code, answer.headers, answer.get_data())
        fine = http.get("/reflect?v=plain")
        assert fine.status_code == 200
        assert fine.headers["X-Echo"] == "plain"


@pytest.mark.parametrize("provider", ["local", "alibaba", "yandex"])
def test_an_http_error_cannot_inject(function_file: Path, provider) -> None:
    with client(f"{function_file}:raises_http_error", provider=provider) as http:
        answer = http.get(INJECTED)
    assert_bad_response(provider, answer.status_code, answer.headers, answer.get_data())


BAD_NATIVE_HEADERS = [
    {"X-Echo": "a\r\nSet-Cookie: injected=1"},
    {"X-Echo": "a\x00b"},
    {"X Echo": "injected"},
    {"X-Echo:Set-Cookie": "injected"},
]


@pytest.mark.parametrize("headers", BAD_NATIVE_HEADERS)
def test_a_native_fc_result_cannot_inject(headers) -> None:
    def handler(event: bytes, context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "headers": headers, "body": "ok"}

    answer = emulate(handler, Request(path="/x"), "alibaba")
    no_injected_field(answer.headers)
    assert answer.status == 502
    assert answer.json()["errorType"] == "BadResponse"


@pytest.mark.parametrize("headers", BAD_NATIVE_HEADERS)
def test_a_native_fc_wsgi_app_cannot_inject(headers) -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", list(headers.items()))
        return [b"ok"]

    answer = emulate(app, Request(path="/x"), "alibaba-wsgi")
    no_injected_field(answer.headers)
    assert answer.status == 502
    assert answer.json()["errorType"] == "BadResponse"


@pytest.mark.parametrize("provider", ["yandex", "yandex-gateway"])
@pytest.mark.parametrize("headers", BAD_NATIVE_HEADERS)
def test_a_native_yandex_result_cannot_inject(provider, headers) -> None:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "multiValueHeaders": {k: [v] for k, v in headers.items()}}

    answer = emulate(handler, Request(path="/x"), provider)
    no_injected_field(answer.headers)
    assert answer.status == 502
    assert answer.json()["errorType"] == "ProxyIntegrationError"


# -- what a client really receives from polyfaas run -----------------------------------


@pytest.mark.parametrize("provider", ["local", "alibaba", "yandex"])
def test_polyfaas_run_never_sends_the_injected_field(function_file: Path, provider) -> None:
    with polyfaas_run(f"{function_file}:portable", "--provider", provider) as runner:
        answer = requests.get(runner.url + INJECTED, timeout=5)
        host, port = runner.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            raw.sendall(f"GET {INJECTED} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            wire = b""
            while chunk := raw.recv(65536):
                wire += chunk
    assert_bad_response(provider, answer.status_code, answer.headers, answer.content)
    head = wire.partition(b"\r\n\r\n")[0].lower()
    assert b"set-cookie" not in head, wire
    assert b"injected" not in head, wire
