"""The ``yandex`` and ``yandex-gateway`` platform halves answer HTTP as the docs show."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from werkzeug.test import Client

import polyfaas
from polyfaas import Request, Response
from polyfaas.errors import HTTPError
from polyfaas.platform import FunctionConfig, NativeCall, Outcome
from polyfaas.testing import EmulatedApp, emulate
from polyfaas_yandex.emulated import router
from polyfaas_yandex.emulated.function import gateway_platform, platform
from polyfaas_yandex.function import runtime
from polyfaas_yandex.http_envelope import encode_response
from tests.yandex.yandex_helpers import sample, seed_handler

CURL_HEADERS = {"User-Agent": "curl/7.64.1", "Accept": "*/*"}


def seed_call(provider: str = "yandex", **kwargs) -> Any:
    client = Client(EmulatedApp(seed_handler, provider))
    response = client.post(
        "/d4eo2faf62?param=one",
        data=b'{"hello": "world"}',
        headers={**CURL_HEADERS, "Content-Type": "application/json"},
        environ_base={"REMOTE_ADDR": "109.252.148.209"},
        **kwargs,
    )
    assert response.status_code == 200
    return json.loads(response.get_data())


class TestSeedHandler:
    """The docs' handler returns its event and context for the docs' curl."""

    def test_event_as_the_docs_show(self):
        started = time.time()
        shown = seed_call()
        event, context = shown["event"], shown["context"]
        assert event["httpMethod"] == "POST"
        assert event["body"] == '{"hello": "world"}'
        assert event["isBase64Encoded"] is False
        assert event["queryStringParameters"] == {"param": "one"}
        assert event["multiValueQueryStringParameters"] == {"param": ["one"]}
        assert event["url"] == ""
        assert event["params"] == event["multiValueParams"] == event["pathParams"] == {}
        headers = event["headers"]
        assert headers["Content-Type"] == "application/json"
        assert headers["Content-Length"] == "18"
        assert headers["User-Agent"] == "curl/7.64.1"
        assert headers["Accept"] == "*/*"
        assert headers["X-Forwarded-For"] == "109.252.148.209"
        assert headers["X-Real-Remote-Address"].startswith("[109.252.148.209]:")
        assert headers["X-Request-Id"] == event["requestContext"]["requestId"]
        assert len(headers["X-Trace-Id"]) == 36
        assert event["multiValueHeaders"] == {k: [v] for k, v in headers.items()}
        ctx = event["requestContext"]
        assert ctx["identity"] == {"sourceIp": "109.252.148.209", "userAgent": "curl/7.64.1"}
        assert ctx["httpMethod"] == "POST"
        assert isinstance(ctx["requestTimeEpoch"], int)
        assert abs(ctx["requestTimeEpoch"] - started) < 5
        assert time.strptime(ctx["requestTime"], "%d/%b/%Y:%H:%M:%S +0000")
        assert context["request_id"] == ctx["requestId"] == context["aws_request_id"]
        assert context["deadline_ms"] > time.time() * 1000
        assert context["deadline_ms"] <= (started + 3.5) * 1000  # the 3 s default timeout

    def test_context_as_the_docs_show(self):
        context = seed_call()["context"]
        assert set(context) == {
            "aws_request_id",
            "deadline_ms",
            "function_folder_id",
            "function_name",
            "function_version",
            "invoked_function_arn",
            "log_group_name",
            "log_stream_name",
            "memory_limit_in_mb",
            "request_id",
        }  # no token: no service account configured
        assert context["function_name"] == context["invoked_function_arn"]
        assert context["function_name"].startswith("d4e")
        assert len(context["function_name"]) == 20
        assert context["log_stream_name"] == context["function_version"]
        assert context["log_group_name"].startswith("ckg")
        assert context["memory_limit_in_mb"] == 128

    def test_same_through_the_gateway_keeps_the_path(self):
        event = seed_call("yandex-gateway")["event"]
        assert event["url"] == "/d4eo2faf62"
        assert event["path"] == "/{url+}"
        assert event["pathParams"] == event["params"] == {"url": "d4eo2faf62"}
        assert event["queryStringParameters"] == {"param": "one"}

    def test_form_body_is_base64(self):
        client = Client(EmulatedApp(seed_handler, "yandex"))
        # what `curl -d "hello, world!"` sends
        headers = {**CURL_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}
        response = client.post("/", data="hello, world!", headers=headers)
        event = json.loads(response.get_data())["event"]
        assert event["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
        assert event["body"] == "aGVsbG8sIHdvcmxkIQ=="
        assert event["isBase64Encoded"] is True


def event_for(request: Request, provider=platform) -> Any:
    call = provider.call(request, FunctionConfig())
    return call.args[0]


class TestRequestEvent:
    def test_direct_call_strips_cookie_authorization_and_the_documented_headers(self):
        stripped = {name.title(): "x" for name in router.STRIPPED_REQUEST_HEADERS}
        event = event_for(Request("GET", "/a/b", headers={**stripped, "X-Keep": "1"}))
        assert set(event["headers"]) == {
            "X-Keep",
            "Host",
            "X-Forwarded-For",
            "X-Real-Remote-Address",
            "X-Request-Id",
            "X-Trace-Id",
        }
        assert event["url"] == ""

    def test_gateway_keeps_cookie_and_authorization(self):
        request = Request("GET", "/a", headers={"Cookie": "a=1", "Authorization": "Bearer t"})
        event = event_for(request, gateway_platform)
        assert event["headers"]["Cookie"] == "a=1"
        assert event["headers"]["Authorization"] == "Bearer t"

    def test_header_names_are_canonicalised_and_repeats_kept(self):
        request = Request(headers=[("x-custom-id", "1"), ("X-CUSTOM-ID", "2")])
        event = event_for(request)
        assert event["headers"]["X-Custom-Id"] == "2"  # last value wins
        assert event["multiValueHeaders"]["X-Custom-Id"] == ["1", "2"]

    def test_forwarded_for_is_appended(self):
        request = Request(headers={"X-Forwarded-For": "10.0.0.1"}, client_ip="203.0.113.9")
        event = event_for(request)
        assert event["headers"]["X-Forwarded-For"] == "10.0.0.1, 203.0.113.9"

    def test_empty_query_is_an_empty_object_not_null(self):
        event = event_for(Request())
        assert event["queryStringParameters"] == {}
        assert event["multiValueQueryStringParameters"] == {}

    def test_repeated_query_last_value_wins(self):
        event = event_for(Request(query="a=1&a=2"))
        assert event["queryStringParameters"] == {"a": "2"}
        assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}

    @pytest.mark.parametrize(
        ("content_type", "body", "expected"),
        [
            ("application/json", b'{"a": 1}', ('{"a": 1}', False)),
            ("application/json; charset=utf-8", b"[]", ("[]", False)),
            ("text/plain", b"hi", ("aGk=", True)),
            (None, b"", ("", True)),  # an empty GET body is flagged base64 (CAP1)
            ("application/json", b"\xff", ("/w==", True)),  # not UTF-8: base64 anyway
        ],
    )
    def test_base64_rule(self, content_type, body, expected):
        headers = {"Content-Type": content_type} if content_type else {}
        event = event_for(Request("POST", headers=headers, body=body))
        assert (event["body"], event["isBase64Encoded"]) == expected

    def test_request_over_3_5_mb_is_413(self):
        body = b"x" * router.MAX_PAYLOAD
        with pytest.raises(HTTPError) as caught:
            platform.call(Request("POST", body=body), FunctionConfig())
        assert caught.value.to_response().status == 413
        assert caught.value.to_response().json()["errorType"] == "RequestTooLarge"


def receive(value, *, error: Exception | None = None, payload=None) -> Response:
    call = platform.call(payload or Request(), FunctionConfig())
    if error is not None:
        try:
            raise error
        except Exception as exc:
            from polyfaas.platform import ErrorInfo

            return platform.receive(Outcome(error=ErrorInfo.from_exception(exc)), call)
    return platform.receive(Outcome(value=value), call)


class TestResponse:
    @pytest.mark.parametrize(
        "value",
        [
            "a string",
            ["a", "list"],
            None,
            {"statusCode": "200"},
            {"statusCode": True},
            {"statusCode": 200, "headers": {"X-A": 1}},
            {"statusCode": 200, "headers": []},
            {"statusCode": 200, "multiValueHeaders": {"X-A": "one"}},
            {"statusCode": 200, "body": "!!", "isBase64Encoded": True},
            {"statusCode": 200, "isBase64Encoded": "yes"},
        ],
    )
    def test_malformed_response_is_502_proxy_integration_error(self, value):
        response = receive(value)
        assert response.status == 502
        assert response.json() == {
            "errorMessage": "Malformed serverless function response: not a valid json",
            "errorType": "ProxyIntegrationError",
            "payload": json.dumps(value),
        }
        assert "X-Function-Error" not in response.headers

    def test_exception_is_502_with_function_error(self):
        response = receive(None, error=NameError("name 'unknownVariable' is not defined"))
        assert response.status == 502
        assert response.headers["X-Function-Error"] == "true"
        body = response.json()
        assert body["errorMessage"] == "name 'unknownVariable' is not defined"
        assert body["errorType"] == "NameError"
        assert all(
            isinstance(line, str) and line.startswith("  File ") for line in body["stackTrace"]
        )

    def test_handler_exception_end_to_end(self):
        @polyfaas.http
        def handler(request, context):
            raise KeyError("missing")

        response = emulate(handler, Request(), "yandex")
        assert response.status == 502
        assert response.json()["errorType"] == "KeyError"
        assert any("in handler" in line for line in response.json()["stackTrace"])

    def test_headers_removed_and_remapped(self):
        value = {
            "statusCode": 201,
            "headers": {
                "Host": "h",
                "User-Agent": "u",
                "Cookie": "c",
                "Date": "d",
                "server": "s",
                "Content-MD5": "m",
                "WWW-Authenticate": "w",
                "X-Kept": "k",
            },
        }
        response = receive(value)
        assert response.status == 201
        assert dict(response.headers.items()) == {
            "X-Yf-Remapped-Date": "d",
            "X-Yf-Remapped-Server": "s",
            "X-Yf-Remapped-Content-Md5": "m",
            "X-Yf-Remapped-Www-Authenticate": "w",
            "X-Kept": "k",
            "X-Request-Id": response.headers["X-Request-Id"],
        }

    @pytest.mark.parametrize("name", ["Transfer-Encoding", "Via", "Proxy-Authenticate"])
    def test_forbidden_response_header_is_502(self, name):
        response = receive({"statusCode": 200, "headers": {name: "x"}})
        assert response.status == 502
        assert response.json()["errorType"] == "ProxyIntegrationError"

    def test_headers_ignored_when_the_name_is_in_multi_value_headers(self):
        value = {
            "statusCode": 200,
            "headers": {"set-cookie": "ignored", "X-One": "1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": "",
        }
        response = receive(value)
        assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
        assert response.headers["X-One"] == "1"

    def test_base64_body_is_decoded(self):
        body = base64.b64encode(bytes(range(256))).decode()
        response = receive({"statusCode": 200, "body": body, "isBase64Encoded": True})
        assert response.body == bytes(range(256))

    def test_dict_body_is_serialised(self):  # [unconfirmed], see ASSUMPTIONS.md
        response = receive({"statusCode": 200, "body": {"a": 1}})
        assert json.loads(response.body) == {"a": 1}

    def test_missing_status_code_is_200(self):  # [unconfirmed], see ASSUMPTIONS.md
        assert receive({"body": "ok"}).status == 200

    def test_unserialisable_return_is_a_function_error(self):
        response = receive({"statusCode": 200, "body": object()})
        assert response.status == 502
        assert response.headers["X-Function-Error"] == "true"
        assert response.json()["errorType"] == "TypeError"

    def test_oversize_response_is_502(self):
        response = receive({"statusCode": 200, "body": "x" * router.MAX_PAYLOAD})
        assert response.status == 502

    def test_timed_out_is_504_and_crash_is_502(self):
        call = platform.call(Request(), FunctionConfig())
        assert platform.timed_out(call).status == 504
        crashed = platform.crashed(call, "exit code 1")
        assert crashed.status == 502
        assert crashed.headers["X-Function-Error"] == "true"


class TestRuntimeEncode:
    def test_repeats_go_to_multi_value_headers_and_binary_is_base64(self):
        response = Response(
            200,
            [
                ("Set-Cookie", "a=1"),
                ("Content-Type", "image/png"),
                ("Set-Cookie", "b=2"),
                ("Transfer-Encoding", "chunked"),
                ("Via", "1.1 proxy"),
                ("Proxy-Authenticate", "Basic"),
            ],
            b"\x89PNG",
        )
        assert encode_response(response) == {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(b"\x89PNG").decode(),
            "isBase64Encoded": True,
        }

    @pytest.mark.parametrize(
        "content_type",
        [
            "text/html; charset=utf-8",
            "application/json",
            "application/problem+json",
            "image/svg+xml",
        ],
    )
    def test_text_stays_text(self, content_type):
        encoded = encode_response(Response(200, {"Content-Type": content_type}, "héllo"))
        assert (encoded["body"], encoded["isBase64Encoded"]) == ("héllo", False)

    def test_encode_of_a_request_invocation(self):
        invocation = runtime.decode((event_for(Request()), None), {})
        assert runtime.encode({"a": 1}, invocation)["body"] == '{"a":1}'


class TestOtherIntegrations:
    def test_raw_integration_passes_the_body_and_returns_the_output(self):
        def native(event, context):
            return {"got": event, "rid": context.request_id}

        call = platform.raw_call(b'{"x": [1, 2]}', FunctionConfig())
        assert call.args[0] == {"x": [1, 2]}
        from polyfaas.platform import call_native

        response = platform.receive(call_native(native, call), call)
        assert response.status == 200
        assert response.json() == {"got": {"x": [1, 2]}, "rid": call.request_id}

    def test_raw_query_through_the_front_door(self):
        client = Client(EmulatedApp(lambda event, context: event, "yandex"))
        response = client.post("/?integration=raw", data="not json")
        assert response.status_code == 200
        assert response.get_json() == "not json"

    def test_async_integration_is_202(self):
        client = Client(EmulatedApp(lambda event, context: event, "yandex"))
        assert client.post("/?integration=async", data="{}").status_code == 202

    def test_portable_event_handler_on_a_raw_call(self):
        @polyfaas.event
        def handler(event, context):
            return {"type": event.type, "data": event.data}

        call = platform.raw_call(
            '{"queryStringParameters": {"name": "Username"}}', FunctionConfig()
        )
        from polyfaas.platform import call_native

        response = platform.receive(call_native(handler, call), call)
        assert response.json() == {
            "type": "polyfaas.direct",
            "data": {"queryStringParameters": {"name": "Username"}},
        }

    def test_native_call_record(self):
        call = platform.call(Request(), FunctionConfig(environment={"A": "1"}, timeout=10))
        assert isinstance(call, NativeCall)
        assert call.environ["A"] == "1"
        assert call.environ["LAMBDA_TASK_ROOT"] == "/function/code"
        assert call.environ["_HANDLER"] == "index.handler"
        assert call.deadline is not None
        assert call.args[1].deadline_ms == int(call.deadline * 1000)


class TestOlderShapes:
    def test_cap1_get_with_empty_base64_body(self):
        # A real GET event captured in 2020 (CAP1), trimmed: an empty body flagged base64.
        event = {
            "httpMethod": "GET",
            "headers": {"Accept": "*/*", "Host": "functions.yandexcloud.net"},
            "multiValueHeaders": {"Accept": ["*/*"], "Host": ["functions.yandexcloud.net"]},
            "queryStringParameters": {},
            "multiValueQueryStringParameters": {},
            "requestContext": {
                "identity": {"sourceIp": "203.0.113.5", "userAgent": "curl/7.58.0"},
                "httpMethod": "GET",
                "requestId": "a1b2",
                "requestTime": "24/Jan/2020:13:39:41 +0000",
                "requestTimeEpoch": 1579873181,
            },
            "body": "",
            "isBase64Encoded": True,
            "url": "",
            "params": {},
            "multiValueParams": {},
            "pathParams": {},
            "path": "",
        }
        invocation = runtime.decode((event, None), {})
        request = invocation.payload
        assert isinstance(request, Request)
        assert (request.method, request.path, request.body) == ("GET", "/", b"")
        assert request.client_ip == "203.0.113.5"
        assert request.host == "functions.yandexcloud.net"
        assert request.scheme == "https"

    def test_null_query_and_no_multi_value_headers(self):
        event = {
            "httpMethod": "GET",
            "headers": {"X-A": "1"},
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "requestContext": {},
            "body": None,
        }
        request = runtime.decode((event, None), {}).payload
        assert isinstance(request, Request)
        assert request.headers["x-a"] == "1"
        assert request.host == "functions.yandexcloud.net"
        assert not request.query

    def test_a_url_is_the_path_even_beside_v1_keys(self):
        # Only v0.1 has ``url``: an envelope carrying it and ``resource`` takes the url.
        event = {
            **sample("gateway-v0"),
            "resource": "/{url+}",
            "pathParameters": {"url": "ignored"},
        }
        request = runtime.decode((event, None), {}).payload
        assert isinstance(request, Request)
        assert (request.path, dict(request.path_params)) == (
            "/items/42/photo",
            {"url": "items/42/photo"},
        )
        v1 = runtime.decode((sample("gateway-v1"), None), {}).payload
        assert isinstance(v1, Request)
        assert (v1.path, dict(v1.path_params)) == ("/items/42", {"id": "42"})


def test_errors_are_also_written_to_the_log(caplog):
    with caplog.at_level("ERROR", logger="polyfaas.yandex"):
        response = receive(None, error=ValueError("bad input"))
        receive("not a dict")
    assert response.status == 502
    messages = [record.getMessage() for record in caplog.records]
    assert any("ValueError: bad input" in message for message in messages)
    assert any("malformed function response" in message for message in messages)
