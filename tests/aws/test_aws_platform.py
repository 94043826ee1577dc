"""The three front doors as the emulation answers them (``polyfaas.testing.client``,
the path ``polyfaas run`` takes): the events they build, their errors for a raising
handler and a malformed answer, their limits, the load balancer's two header modes,
the REST API's stage and binary media types, Lambda's context and log lines.

The handlers below are the targets (``tests.aws.test_aws_platform:NAME``).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

import polyfaas
from polyfaas import Credentials, Request, Response
from polyfaas.platform import FunctionConfig, InvocationReport
from polyfaas.testing import client
from polyfaas_aws.context import to_canonical
from polyfaas_aws.emulated.platform import (
    MAX_PAYLOAD,
    alb_platform,
    gateway_platform,
    http_platform,
)

MODULE = "tests.aws.test_aws_platform"
DOORS = ["aws-gateway", "aws-http", "aws-alb"]


def native_echo(event: Any, context: Any) -> dict[str, Any]:
    """A native Lambda handler: the event and the context it got, as the body."""
    seen = {
        "event": event,
        "context": {
            "aws_request_id": context.aws_request_id,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "remaining": context.get_remaining_time_in_millis(),
        },
    }
    body = json.dumps(seen)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}


def native_answer(event: Any, context: Any) -> Any:
    """A native handler answering what the request body says (to send malformed answers)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        import base64

        body = base64.b64decode(body).decode()
    return json.loads(body)


@polyfaas.http
def portable(request: Request, context: polyfaas.Context) -> Any:
    if request.path == "/raise":
        raise RuntimeError("raised on purpose")
    if request.path == "/cookies":
        cookies = [("Set-Cookie", f"c{i}={i}") for i in range(3)]
        return Response(200, [*cookies, ("Content-Type", "text/plain")], "ok")
    if request.path == "/png":
        return Response(200, [("Content-Type", "image/png")], b"\x89PNG\r\n\x1a\n\x00\xff")
    return {
        "path": request.path,
        "query": [list(pair) for pair in request.query.items(multi=True)],
        "tags": request.headers.getlist("x-tag"),
        "provider": context.provider,
        "region": context.region,
        "account": context.account_id,
        "memory": context.memory_limit_mb,
        "remaining": context.remaining_time_ms(),
        "keys": None if context.credentials is None else context.credentials.access_key_id,
    }


def seen_event(door: str, path: str = "/orders/42?x=1", **kw: Any) -> dict[str, Any]:
    config = kw.pop("config", None)
    with client(f"{MODULE}:native_echo", door, config=config) as http:
        answer = http.get(path, **kw)
    assert answer.status_code == 200, answer.get_data()
    seen: dict[str, Any] = json.loads(answer.get_data())
    return seen


def test_rest_event_has_the_stage_and_the_request_context() -> None:
    seen = seen_event("aws-gateway", "/prod/orders/42?x=1&x=2", headers={"X-Tag": "a"})
    event = seen["event"]
    assert event["path"] == "/orders/42"
    assert event["resource"] == "/{proxy+}"
    assert event["pathParameters"] == {"proxy": "orders/42"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueHeaders"]["X-Tag"] == ["a"]
    context = event["requestContext"]
    assert (context["stage"], context["path"]) == ("prod", "/prod/orders/42")
    assert context["requestId"] == seen["context"]["aws_request_id"]
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["domainName"] == "localhost"
    assert context["apiId"]
    assert context["accountId"] == "123456789012"
    arn = seen["context"]["invoked_function_arn"]
    assert re.fullmatch(r"arn:aws:lambda:us-east-1:123456789012:function:[\w-]+", arn), arn
    assert seen["context"]["memory_limit_in_mb"] == "128"
    assert 0 < seen["context"]["remaining"] <= 3000


def test_rest_stage_setting_and_a_path_outside_the_stage() -> None:
    config = FunctionConfig(settings={"stage": "v2"})
    event = seen_event("aws-gateway", "/prod/x", config=config)["event"]
    assert event["path"] == "/prod/x"  # not under the stage v2: the path as it is
    assert event["requestContext"]["path"] == "/v2/prod/x"


def test_rest_binary_media_types_decide_how_bodies_travel() -> None:
    config = FunctionConfig(settings={"binary-media-types": "image/*"})
    with client(f"{MODULE}:native_echo", "aws-gateway", config=config) as http:
        text = json.loads(http.post("/", data="héllo", content_type="text/plain").get_data())
        image = json.loads(http.post("/", data=b"\x89PNG", content_type="image/png").get_data())
    assert (text["event"]["body"], text["event"]["isBase64Encoded"]) == ("héllo", False)
    assert (image["event"]["body"], image["event"]["isBase64Encoded"]) == ("iVBORw==", True)
    with client(f"{MODULE}:portable", "aws-gateway", config=config) as http:
        # The answer is binary only when the client accepts a binary media type.
        as_binary = http.get("/png", headers={"Accept": "image/png"})
        as_text = http.get("/png", headers={"Accept": "text/html"})
    assert as_binary.get_data() == b"\x89PNG\r\n\x1a\n\x00\xff"
    assert as_text.get_data() == b"iVBORw0KGgoA/w=="


def test_http_event_has_raw_path_raw_query_and_cookies() -> None:
    with client(f"{MODULE}:native_echo", "aws-http") as http:
        http.set_cookie("a", "1")  # the test client sends its own jar's cookies
        http.set_cookie("b", "2")
        seen = json.loads(http.get("/caf%C3%A9?q=1&q=2", headers={"X-Tag": "one"}).get_data())
    event = seen["event"]
    assert (event["version"], event["routeKey"]) == ("2.0", "$default")
    assert (event["rawPath"], event["rawQueryString"]) == ("/caf%C3%A9", "q=1&q=2")
    assert event["queryStringParameters"] == {"q": "1,2"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-tag"] == "one"
    http = event["requestContext"]["http"]
    assert (http["method"], http["path"], http["sourceIp"]) == ("GET", "/café", "127.0.0.1")
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["requestId"] == seen["context"]["aws_request_id"]
    assert isinstance(event["requestContext"]["timeEpoch"], int)


@pytest.mark.parametrize("mode", ["on", "off"])
def test_alb_event_in_each_header_mode(mode: str) -> None:
    config = FunctionConfig(settings={"multi-value-headers": mode})
    headers = [("X-Tag", "a"), ("X-Tag", "b")]
    event = seen_event("aws-alb", "/p?q=1&q=%C3%BC", headers=headers, config=config)["event"]
    assert event["requestContext"]["elb"]["targetGroupArn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/"
    )
    if mode == "on":
        assert event["multiValueHeaders"]["x-tag"] == ["a", "b"]
        assert event["multiValueQueryStringParameters"] == {"q": ["1", "%C3%BC"]}
        assert "headers" not in event
    else:  # the last value of each, as the balancer keeps it
        assert event["headers"]["x-tag"] == "b"
        assert event["queryStringParameters"] == {"q": "%C3%BC"}
        assert "multiValueHeaders" not in event


@pytest.mark.parametrize("mode", ["on", "off"])
def test_several_set_cookie_survive_the_balancer_in_both_modes(mode: str) -> None:
    config = FunctionConfig(settings={"multi-value-headers": mode})
    with client(f"{MODULE}:portable", "aws-alb", config=config) as http:
        answer = http.get("/cookies")
        seen = json.loads(http.get("/p?q=1&q=2", headers=[("X-Tag", "a"), ("X-Tag", "b")]).text)
    assert sorted(answer.headers.getlist("Set-Cookie")) == ["c0=0", "c1=1", "c2=2"]
    # Without multi-value headers the function sees the last value of repeats only.
    expected = ([["q", "1"], ["q", "2"]], ["a", "b"]) if mode == "on" else ([["q", "2"]], ["b"])
    assert (seen["query"], seen["tags"]) == expected


def test_the_portable_context_on_lambda() -> None:
    creds = Credentials(access_key_id="AKIDEXAMPLE", access_key_secret="s3cr3t", security_token="t")
    config = FunctionConfig(region="eu-west-1", account_id="210987654321", credentials=creds)
    with client(f"{MODULE}:portable", "aws-http", config=config) as http:
        seen = json.loads(http.get("/").get_data())
    assert seen["provider"] == "aws"
    assert (seen["region"], seen["account"], seen["memory"]) == ("eu-west-1", "210987654321", 128)
    assert seen["keys"] == "AKIDEXAMPLE"
    assert 0 < seen["remaining"] <= 3000


MALFORMED = [
    {"statusCode": "200"},
    {"statusCode": 200, "body": {"not": "a string"}},
    {"statusCode": 200, "headers": {"X": ["a list"]}},
    {"statusCode": 200, "body": "%%", "isBase64Encoded": True},
    {"statusCode": 200, "isBase64Encoded": "yes"},
]


@pytest.mark.parametrize("answer", MALFORMED, ids=[json.dumps(a)[:40] for a in MALFORMED])
def test_a_malformed_answer_is_the_front_door_s_error(answer: dict[str, Any]) -> None:
    with client(f"{MODULE}:native_answer", "aws-gateway") as http:
        rest = http.post("/", json=answer)
    assert rest.status_code == 502
    assert json.loads(rest.get_data()) == {"message": "Internal server error"}
    assert rest.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    if "headers" not in answer:  # the balancer reads multiValueHeaders only (the default)
        with client(f"{MODULE}:native_answer", "aws-alb") as http:
            alb = http.post("/", json=answer)
        assert alb.status_code == 502
        assert b"502 Bad Gateway" in alb.get_data()
    with client(f"{MODULE}:native_answer", "aws-http") as http:
        v2 = http.post("/", json=answer)
    assert (v2.status_code, json.loads(v2.get_data())) == (
        500,
        {"message": "Internal Server Error"},
    )


def test_an_http_api_takes_an_answer_without_status_as_a_json_body() -> None:
    with client(f"{MODULE}:native_answer", "aws-http") as http:
        answer = http.post("/", json={"just": "data"})
    assert (answer.status_code, json.loads(answer.get_data())) == (200, {"just": "data"})
    assert answer.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("door", "status", "body"),
    [
        ("aws-gateway", 502, b'{"message": "Internal server error"}'),
        ("aws-http", 500, b'{"message": "Internal Server Error"}'),
        ("aws-alb", 502, b"<center><h1>502 Bad Gateway</h1></center>"),
    ],
)
def test_a_raising_handler(
    door: str, status: int, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), client(f"{MODULE}:portable", door) as http:
        answer = http.get("/raise")
    assert answer.status_code == status
    assert body in answer.get_data()
    assert b"raised on purpose" not in answer.get_data()  # the trace is the log's
    assert "raised on purpose" in caplog.text


@pytest.mark.parametrize(
    ("door", "limit"), [("aws-gateway", 10 * 1024 * 1024), ("aws-alb", 1024 * 1024)]
)
def test_the_front_door_s_request_limit(door: str, limit: int) -> None:
    with client(f"{MODULE}:portable", door) as http:
        assert http.post("/", data=b"x" * (limit + 1)).status_code == 413


def test_lambda_s_six_megabytes_for_the_event() -> None:
    # 5 MB of binary body is 6.7 MB of base64 in the event: over Lambda's limit.
    with client(f"{MODULE}:portable", "aws-http") as http:
        over = http.post("/", data=b"\xff" * (5 * 1024 * 1024))
        under = http.post("/", data=b"\xff" * (4 * 1024 * 1024))
    assert over.status_code == 413
    assert str(MAX_PAYLOAD) in json.loads(over.get_data())["message"]
    assert under.status_code == 200


def test_lambda_s_log_lines() -> None:
    half = gateway_platform
    call = half.call(Request("GET", "/"), FunctionConfig(name="orders"))
    assert half.start_lines(call) == [f"START RequestId: {call.request_id} Version: $LATEST"]
    report = InvocationReport(
        duration_ms=12.3456, memory_mb=256, max_memory_mb=41.2, init_duration_ms=101.5
    )
    end, line = half.end_lines(call, report)
    assert end == f"END RequestId: {call.request_id}"
    assert line == (
        f"REPORT RequestId: {call.request_id}\tDuration: 12.35 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 256 MB\tMax Memory Used: 41 MB\tInit Duration: 101.50 ms\t"
    )


def test_the_instance_environment_and_no_secret_in_a_repr() -> None:
    creds = Credentials(
        access_key_id="AKIDEXAMPLE", access_key_secret="s3cr3t", security_token="tok"
    )
    config = FunctionConfig(name="orders", memory_mb=512, credentials=creds)
    for half in (gateway_platform, http_platform, alb_platform):
        call = half.call(Request("GET", "/"), config)
        environ = call.environ
        assert environ["AWS_LAMBDA_FUNCTION_NAME"] == "orders"
        assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
        assert environ["AWS_EXECUTION_ENV"].startswith("AWS_Lambda_python3.")
        assert environ["AWS_SECRET_ACCESS_KEY"] == "s3cr3t"
        assert environ["AWS_SESSION_TOKEN"] == "tok"
        context = call.args[1]
        assert "s3cr3t" not in repr(context)
        assert "tok" not in repr(context)
        canonical = to_canonical(context, "aws")
        assert canonical.function_name == "orders"
        assert canonical.memory_limit_mb == 512
        assert "s3cr3t" not in repr(canonical.credentials)
