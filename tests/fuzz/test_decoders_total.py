"""Regression tests of issue 13, items 1 and 2: each crash site the fuzz found, and
paths kept exactly (the runtime halves, the test kit on every provider, ``polyfaas run``)."""

from __future__ import annotations

import copy
import http.client
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from polyfaas import Event, HTTPError, Request, providers
from polyfaas.errors import EventFormatError, PolyfaasError
from polyfaas.platform import FunctionConfig, Loss
from polyfaas.runtime import (
    format_rfc3339,
    parse_epoch,
    parse_rfc3339,
    payload_data,
    read_wsgi_input,
    request_from_environ,
)
from polyfaas.testing import client, emulate
from polyfaas.wsgi_bridge import environ_from_request
from tests.fuzz.path_echo import handler as echo
from tests.runner_process import polyfaas_run

PROVIDERS = ["local", "alibaba", "alibaba-wsgi", "alibaba-custom", "yandex", "yandex-gateway"]
DEEP = "[" * 5000


ECHO = str(Path(__file__).with_name("path_echo.py")) + ":handler"


def decoded(provider: str, *args: Any) -> Any:
    """The payload ``provider``'s runtime half decodes ``args`` to (``Any``: the test
    reads whichever fields its payload has)."""
    payload: Any = providers.runtime_half(provider).decode(args, {}).payload
    return payload


def yandex_context() -> Any:
    return providers.platform_half("yandex").call(Request(), FunctionConfig()).args[1]


# -- item 1: decoders are total ------------------------------------------------------


def test_a_lone_surrogate_in_a_yandex_url_is_kept_as_its_bytes() -> None:
    answer = echo({"httpMethod": "GET", "headers": {}, "url": "/\udc80"}, yandex_context())
    assert json.loads(answer["body"])["raw_path"] == "/%ED%B2%80"


def test_surrogates_in_every_yandex_field_decode() -> None:
    event = {
        "httpMethod": "GET",
        "url": "/a\udc80",
        "headers": {"X-\udc80": "v\udc80", "Host": "h\udc80"},
        "queryStringParameters": {"k\udc80": "v\udc80"},
    }
    request = decoded("yandex-gateway", event, None)
    assert request.host == "h\udc80"
    assert request.query_string == "k%ED%B2%80=v%ED%B2%80"
    assert request.url.startswith("https://h\udc80/a%ED%B2%80?")


def test_a_surrogate_in_an_fc_http_path_decodes() -> None:
    event = {
        "version": "v1",
        "rawPath": "",
        "requestContext": {"http": {"method": "GET", "path": "/\udc80"}},
        "headers": {},
    }
    assert decoded("alibaba", json.dumps(event).encode(), None).raw_path == "/%ED%B2%80"


def test_a_non_ascii_fc_raw_path_is_percent_encoded() -> None:
    event = {
        "rawPath": "/\udc80/日本",
        "requestContext": {"http": {"method": "GET"}},
        "headers": {},
    }
    request = decoded("alibaba", json.dumps(event).encode(), None)
    assert request.raw_path == "/%ED%B2%80/%E6%97%A5%E6%9C%AC"
    polyfaas_wsgi_environ = environ_from_request(request)  # what polyfaas.wsgi builds
    assert polyfaas_wsgi_environ["PATH_INFO"] == "/\xed\xb2\x80/\xe6\x97\xa5\xe6\x9c\xac"


def test_a_script_name_that_is_no_utf8_is_decoded_like_the_path() -> None:
    request = request_from_environ(environ(SCRIPT_NAME="/\udc80", PATH_INFO="/a"))
    assert request.base_path == "/\ufffd\ufffd\ufffd"
    assert request_from_environ(environ(SCRIPT_NAME="/\xe6\x97\xa5")).base_path == "/日"
    environ_from_request(request)


def test_deep_json_bodies_are_a_400_not_a_recursion_error() -> None:
    with pytest.raises(HTTPError) as caught:
        Request(body=DEEP + "]" * 5000).json()
    assert caught.value.status == 400
    assert payload_data((DEEP + "]" * 5000).encode()) == DEEP + "]" * 5000


def test_a_deep_kafka_batch_element_is_an_event_format_error() -> None:
    good = json.dumps({"specversion": "1.0", "type": "alikafka:Topic:Message", "data": {}})
    deep = '{"specversion": "1.0", "type": "t", "data": ' + DEEP + "]" * 5000 + "}"
    raw = json.dumps([good, deep]).encode()
    with pytest.raises(EventFormatError, match="element 1 is not a CloudEvent"):
        providers.runtime_half("alibaba").decode((raw, None), {})


def test_a_deep_yandex_raw_payload_is_data() -> None:
    assert decoded("yandex", DEEP.encode(), None).data == DEEP


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00:00+01:00", "2024-01-01T00:00:00+99:99", "9999-12-31T23:59:59-01:00"],
)
def test_times_out_of_range_are_event_format_errors(text: str) -> None:
    with pytest.raises(EventFormatError, match="not a valid time"):
        parse_rfc3339(text, "t")


@pytest.mark.parametrize("value", ["²", "١٢", "1e400", 10**400, float("inf")])
def test_epoch_times_that_are_no_number_are_event_format_errors(value: Any) -> None:
    with pytest.raises(EventFormatError):
        parse_epoch(value, "t")
    sls = {"jobName": "j", "taskId": "t", "cursorTime": value, "source": {}}
    with pytest.raises(EventFormatError):
        decoded("alibaba", json.dumps(sls).encode(), None)


def test_format_rfc3339_keeps_the_offset_where_utc_is_out_of_range() -> None:
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    late = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=1)))
    assert format_rfc3339(early) == "0001-01-01T00:00:00+01:00"
    assert format_rfc3339(late, 3) == "9999-12-31T23:59:59.000-01:00"
    assert format_rfc3339(datetime(5, 1, 1)) == "0005-01-01T00:00:00Z"  # strftime gives "5"


def environ(**extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b"abc"),
        **extra,
    }


def test_non_latin1_path_info_is_utf8() -> None:
    request = request_from_environ(environ(PATH_INFO="/日本"))
    assert (request.path, request.raw_path) == ("/日本", "/%E6%97%A5%E6%9C%AC")
    native = environ(PATH_INFO="/日本", **{"fc.request_uri": "/日本"})
    assert decoded("alibaba-wsgi", native, print).path == "/日本"


@pytest.mark.parametrize("length", ["99999999999999999999", "１２", "²", "-1", "x"])
def test_absurd_content_lengths_read_what_is_there(length: str) -> None:
    body = read_wsgi_input(environ(CONTENT_LENGTH=length))
    assert body in (b"abc", b"")


def test_environ_values_of_the_wrong_type_are_event_format_errors() -> None:
    for key in ("PATH_INFO", "REQUEST_METHOD", "HTTP_X_A", "QUERY_STRING", "REQUEST_URI"):
        with pytest.raises(EventFormatError, match=key):
            request_from_environ(environ(**{key: 5}))


def test_fc_context_numbers_that_overflow_are_unread() -> None:
    from polyfaas_alibaba.context import number

    assert number("inf") is None
    assert number("1e400") is None
    assert number(float("inf")) is None


def test_a_deep_body_through_yandex_integration_raw_is_text() -> None:
    target = str(Path(__file__).with_name("path_echo.py")) + ":on_event"
    body = DEEP + "]" * 5000
    test_client = client(target, provider="yandex")
    with test_client, test_client.post("/?integration=raw", data=body) as response:
        assert response.status_code == 200, response.get_data()
        assert response.get_json() == {"type": "str", "size": 10000}


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 10**400, 1e308])
def test_context_times_a_clock_cannot_add_make_no_deadline(value: Any) -> None:
    yandex = copy.copy(yandex_context())
    yandex.deadline_ms = value
    yandex.token = {"access_token": "t", "expires_in": value}
    invocation = providers.runtime_half("yandex").decode(({"a": 1}, yandex), {})
    assert invocation.context.remaining_time_ms() is None
    fc = copy.copy(providers.platform_half("alibaba").call(Request(), FunctionConfig()).args[1])
    fc.function = copy.copy(fc.function)
    fc.function.timeout = value
    invocation = providers.runtime_half("alibaba").decode((b"{}", fc), {})
    assert invocation.context.remaining_time_ms() is None


@pytest.mark.parametrize(
    ("provider", "event", "status", "kind"),
    [
        ("yandex", {"httpMethod": 5, "headers": {}}, 502, "EventFormatError"),
        ("yandex-gateway", {"httpMethod": "GET", "headers": []}, 502, "EventFormatError"),
        ("alibaba", {"requestContext": 5, "rawPath": "/"}, 200, "EventFormatError"),
    ],
)
def test_the_platform_answers_a_decode_failure_natively(
    provider: str, event: Any, status: int, kind: str
) -> None:
    response = emulate(echo, Event(data=event), provider)
    assert response.status == status
    assert response.json()["errorType"] == kind


def test_an_http_entry_called_with_an_event_gets_the_platforms_error() -> None:
    response = emulate(echo, Event(data={"a": 1}), "alibaba")
    assert response.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    assert response.json()["errorType"] == "EventFormatError"


# -- item 2: paths are kept exactly --------------------------------------------------

PATHS = ["/http://example.com/admin", "//x", "//x//y/", "/a/http:/b"]


@pytest.mark.parametrize("path", PATHS)
def test_request_from_environ_keeps_the_request_target(path: str) -> None:
    request = request_from_environ(environ(PATH_INFO="/x", REQUEST_URI=path + "?q=1"))
    assert (request.path, request.raw_path) == (path, path)


def test_only_an_absolute_form_target_is_reduced_to_its_path() -> None:
    request = request_from_environ(environ(REQUEST_URI="http://example.com/admin?q=1"))
    assert request.path == "/admin"
    assert request_from_environ(environ(REQUEST_URI="http://example.com")).path == "/"


@pytest.mark.parametrize("path", PATHS)
def test_the_fc_wsgi_runtime_half_keeps_the_path(path: str) -> None:
    native = environ(PATH_INFO=path, **{"fc.request_uri": path})
    request = decoded("alibaba-wsgi", native, print)
    assert (request.path, request.raw_path) == (path, path)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_test_kit_keeps_the_path_on_every_provider(provider: str) -> None:
    # A platform that documents the loss of the path (a direct Yandex call) gives "/".
    no_path = Loss.NO_PATH in providers.platform_half(provider).facts.losses
    with client(ECHO, provider=provider) as test_client:
        for path in PATHS:
            # werkzeug's client would read "//x" as a host: give the request target itself
            overrides = {"REQUEST_URI": path, "PATH_INFO": path}
            with test_client.get("/", environ_overrides=overrides) as response:
                assert response.status_code == 200, response.get_data()
                assert response.get_json()["path"] == ("/" if no_path else path), (provider, path)


ECHO_FILE = """
import polyfaas

@polyfaas.http
def handler(request, context):
    return {"path": request.path}
"""


def served_paths(provider: str, folder: Path, paths: list[str]) -> list[tuple[str, str]]:
    """``(sent, received)`` for each request target sent to ``polyfaas run`` on a raw
    connection."""
    (folder / "main.py").write_text(ECHO_FILE)
    seen = []
    with polyfaas_run("main.py:handler", "--provider", provider, cwd=folder) as runner:
        port = int(runner.url.rsplit(":", 1)[1])
        for path in paths:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", path)
                answer = connection.getresponse()
                body = answer.read()
            finally:
                connection.close()
            assert answer.status == 200, body
            seen.append((path, json.loads(body)["path"]))
    return seen


@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p != "yandex"])
def test_polyfaas_run_keeps_the_path(provider: str, tmp_path: Path) -> None:
    paths = ["/http://example.com/admin", "/a/http:/b", "/a//b", "http://example.com/abs?q"]
    assert served_paths(provider, tmp_path, paths) == [
        ("/http://example.com/admin", "/http://example.com/admin"),
        ("/a/http:/b", "/a/http:/b"),
        ("/a//b", "/a//b"),
        ("http://example.com/abs?q", "/abs"),  # absolute-form: its path
    ]


def test_polyfaas_run_keeps_a_leading_double_slash(tmp_path: Path) -> None:
    assert served_paths("local", tmp_path, ["//x"]) == [("//x", "//x")]


def test_every_clean_error_is_a_polyfaas_error() -> None:
    assert issubclass(EventFormatError, PolyfaasError)
