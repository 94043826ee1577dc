"""Repeated request headers reach the platform half apart, as they came on the wire.

WSGI's environ joins repeated fields (``X-Multi: 1,2``); the runner's front door and
the test kit pass the fields as sent along (``polyfaas.header_fields``), so a platform
that keeps repeats apart (Yandex's ``multiValueHeaders``: every value, ``headers``: the
last one, D-invoke) gets them, and the others keep what they document.
"""

from __future__ import annotations

import http.client
import io
import json
from pathlib import Path
from typing import Any

import pytest

import polyfaas
from polyfaas.testing import client
from polyfaas.wsgi_bridge import HEADER_FIELDS, request_from_environ
from tests.runner_process import polyfaas_run

SEED = Path(__file__).parent / "yandex" / "functions" / "seed.py"
ECHO = Path(__file__)

REPEATED = [("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "a=1"), ("Cookie", "b=2")]


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> object:
    """The portable request's headers (the target of the local runner here)."""
    return {
        "headers": [list(pair) for pair in request.headers.items()],
        **{
            name: request.headers.getlist(name)
            for name in ("x-multi", "content-type", "content-length")
        },
    }


def send(url: str, fields: list[tuple[str, str]], path: str = "/p") -> tuple[int, bytes]:
    """A GET whose header fields are exactly ``fields``, repeats apart."""
    host, port = url.rsplit("/", 1)[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in fields:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def seed_event(body: bytes) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(body)["event"]
    return event


def test_yandex_runner_keeps_repeated_headers_apart():
    with polyfaas_run(f"{SEED}:handler", "--provider", "yandex") as runner:
        status, body = send(runner.url, REPEATED)
    assert status == 200
    event = seed_event(body)
    assert event["headers"]["X-Multi"] == "2"  # the last value (D-invoke)
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert "Cookie" not in event["headers"]  # a direct call: stripped by the router


def test_yandex_gateway_runner_joins_repeated_cookie_fields_with_semicolon():
    with polyfaas_run(f"{SEED}:handler", "--provider", "yandex-gateway") as runner:
        status, body = send(runner.url, REPEATED)
    assert status == 200
    event = seed_event(body)
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["headers"]["Cookie"] == "a=1; b=2"
    assert event["multiValueHeaders"]["Cookie"] == ["a=1; b=2"]


def test_local_runner_request_keeps_repeats_in_order():
    with polyfaas_run("tests.test_repeated_headers:handler", cwd=ECHO.parents[1]) as runner:
        status, body = send(runner.url, [("X-Multi", "1"), ("X-Other", "o"), ("X-Multi", "2")])
    assert status == 200
    shown = json.loads(body)
    assert shown["x-multi"] == ["1", "2"]
    names = [name for name, _ in shown["headers"]]
    assert names.index("X-Other") < names.index("X-Multi", names.index("X-Other"))


@pytest.mark.parametrize("provider", ["yandex", "yandex-gateway"])
def test_test_kit_passes_repeated_headers_apart(provider: str):
    with client(f"{SEED}:handler", provider=provider) as http_client:
        response = http_client.get("/p", headers=[("X-Multi", "1"), ("X-Multi", "2")])
    event = json.loads(response.get_data())["event"]
    assert event["headers"]["X-Multi"] == "2"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]


def test_test_kit_request_keeps_repeats_and_the_environs_own_fields():
    with client(f"{ECHO}:handler") as http_client:
        response = http_client.post(
            "/", data=b"hi", content_type="text/plain", headers=[("X-Multi", "1"), ("X-Multi", "2")]
        )
    shown = json.loads(response.get_data())
    assert shown["x-multi"] == ["1", "2"]
    assert shown["content-type"] == ["text/plain"]
    assert shown["content-length"] == ["2"]


def environ(**extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "HTTP_HOST": "example.com",
        "HTTP_X_MULTI": "1,2",
        "HTTP_COOKIE": "a=1; b=2",
        "CONTENT_LENGTH": "3",
        "wsgi.input": io.BytesIO(b"abc"),
        **extra,
    }


def test_request_from_environ_without_fields_is_what_the_environ_says():
    request = request_from_environ(environ())
    assert request.headers.getlist("x-multi") == ["1,2"]


def test_request_from_environ_with_fields_keeps_repeats_and_takes_the_environs_own():
    fields = [
        ("Host", "example.com"),
        ("x-multi", "1"),
        ("Cookie", "a=1"),
        ("X-Multi", "2"),
        ("Cookie", "b=2"),
        ("Content-Length", "999"),  # the environ's value wins (a body put in place)
    ]
    request = request_from_environ(environ(**{HEADER_FIELDS: fields}))
    assert list(request.headers.items()) == [
        ("Host", "example.com"),
        ("X-Multi", "1"),
        ("Cookie", "a=1; b=2"),
        ("X-Multi", "2"),
        ("Content-Length", "3"),
    ]
    assert dict(request.cookies.items()) == {"a": "1", "b": "2"}


def test_request_from_environ_refuses_malformed_fields():
    from polyfaas.errors import EventFormatError

    with pytest.raises(EventFormatError):
        request_from_environ(environ(**{HEADER_FIELDS: "X-Multi: 1"}))
    with pytest.raises(EventFormatError):
        request_from_environ(environ(**{HEADER_FIELDS: [("X-Multi", 1)]}))
