"""The events every per-call benchmark uses: one typical ~3 KB browser request
(a JSON POST with 24 headers, three query parameters and a ~1 KB body), expressed
as each platform's native call, plus the AWS API Gateway v1 event the peers read."""

from __future__ import annotations

import json
from typing import Any

import polyfaas
from polyfaas._native import FunctionConfig, NativeCall

BODY = json.dumps(
    {
        "order": {
            "id": "5f0c6a2e-0b5b-4f8e-9c35-1f3b0c8f6d21",
            "items": [
                {"sku": f"SKU-{n:05d}", "name": f"item number {n}", "qty": n % 4 + 1}
                for n in range(12)
            ],
            "note": "leave at the door, ring twice",
        }
    },
    separators=(",", ":"),
).encode()

HEADERS = [
    ("Host", "d5dm1lba80md*******.apigw.yandexcloud.net"),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ("Accept", "application/json, text/plain, */*"),
    ("Accept-Language", "en-US,en;q=0.5"),
    ("Accept-Encoding", "gzip, deflate, br, zstd"),
    ("Content-Type", "application/json"),
    ("Content-Length", str(len(BODY))),
    ("Origin", "https://shop.example.com"),
    ("Referer", "https://shop.example.com/cart?step=2"),
    ("Sec-Fetch-Dest", "empty"),
    ("Sec-Fetch-Mode", "cors"),
    ("Sec-Fetch-Site", "same-site"),
    ("Priority", "u=0"),
    ("Pragma", "no-cache"),
    ("Cache-Control", "no-cache"),
    ("Te", "trailers"),
    ("X-Request-Id", "0a6f2f9e-7a3b-4c1d-8e2f-5b6c7d8e9f01"),
    ("X-Forwarded-For", "109.252.148.209"),
    ("X-Forwarded-Proto", "https"),
    ("X-Real-Ip", "109.252.148.209"),
    ("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ("X-Client-Version", "web-2026.11.3"),
    ("X-Envoy-External-Address", "109.252.148.209"),
    ("Uber-Trace-Id", "4bf92f3577b34da6:00f067aa0ba902b7:0:1"),
]
QUERY = [("page", "2"), ("sort", "price"), ("lang", "en")]
PATH = "/api/v1/orders/checkout"

RESPONSE_BODY = b'{"ok":true,"order":"5f0c6a2e-0b5b-4f8e-9c35-1f3b0c8f6d21"}'


def request() -> polyfaas.Request:
    return polyfaas.Request(
        method="POST",
        path=PATH,
        query=QUERY,
        headers=HEADERS,
        body=BODY,
        client_ip="109.252.148.209",
        scheme="https",
    )


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> polyfaas.Response:
    """A portable handler that touches the request the way a real one would."""
    request.headers.get("content-type")
    return polyfaas.Response(200, {"Content-Type": "application/json"}, RESPONSE_BODY)


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    environ["wsgi.input"].read()
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(RESPONSE_BODY)))],
    )
    return [RESPONSE_BODY]


wsgi_entry = polyfaas.wsgi(wsgi_app)


def flask_app() -> Any:
    """The same answer as a Flask view (a POST route on every path, as a direct Yandex
    call has none, that reads a header and the body); ``None`` without Flask."""
    try:
        import flask
    except ImportError:
        return None
    app = flask.Flask("bench")

    @app.post("/", defaults={"rest": ""})
    @app.post("/<path:rest>")
    def checkout(rest: str) -> Any:
        flask.request.headers.get("content-type")
        flask.request.get_data()
        return flask.Response(RESPONSE_BODY, 200, {"Content-Type": "application/json"})

    return app


def fastapi_app() -> Any:
    """The same answer as a FastAPI route (a POST on every path, as a direct Yandex
    call has none, that reads a header and the body); ``None`` without FastAPI."""
    try:
        import fastapi
    except ImportError:
        return None
    app = fastapi.FastAPI()

    async def checkout(request: Any) -> Any:
        request.headers.get("content-type")
        await request.body()
        return fastapi.Response(RESPONSE_BODY, 200, media_type="application/json")

    # Real classes, not this module's postponed (string) annotations, which FastAPI
    # would resolve in a namespace without ``fastapi``.
    checkout.__annotations__ = {"request": fastapi.Request, "return": fastapi.Response}
    app.post("/{rest:path}")(checkout)
    return app


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(RESPONSE_BODY)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": RESPONSE_BODY})


def native_call(provider: str, body: bytes = BODY, content_type: str = "") -> NativeCall:
    """The native call ``provider``'s platform half makes for the typical request."""
    from polyfaas import providers

    request = polyfaas.Request(
        method="POST",
        path=PATH,
        query=QUERY,
        headers=[
            (k, content_type if content_type and k == "Content-Type" else v)
            for k, v in HEADERS
            if k != "Content-Length"
        ]
        + [("Content-Length", str(len(body)))],
        body=body,
        client_ip="109.252.148.209",
        scheme="https",
    )
    platform: Any = providers.platform_half(provider)
    call: NativeCall = platform.call(request, FunctionConfig(name="bench", handler="index.handler"))
    return call


def event_json(call: NativeCall) -> bytes:
    """The native event as the JSON text the platform delivers (the floor parses it)."""
    event = call.args[0]
    if isinstance(event, bytes):
        return event
    return json.dumps(event).encode()


def aws_v1_event(body: bytes = BODY, binary: bool = False) -> dict[str, Any]:
    """The same request as AWS API Gateway REST (v1) sends it to apig-wsgi and Mangum."""
    import base64

    headers = dict(HEADERS)
    headers["Content-Length"] = str(len(body))
    multi = {k: [v] for k, v in headers.items()}
    return {
        "resource": "/{proxy+}",
        "path": PATH,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": dict(QUERY),
        "multiValueQueryStringParameters": {k: [v] for k, v in QUERY},
        "pathParameters": {"proxy": PATH[1:]},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "2gxmpl",
            "resourcePath": "/{proxy+}",
            "httpMethod": "POST",
            "extendedRequestId": "JJbxmHc-vHcFQWg=",
            "requestTime": "10/Mar/2020:00:03:59 +0000",
            "path": "/Prod" + PATH,
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "Prod",
            "domainPrefix": "70ixmpl4fl",
            "requestTimeEpoch": 1583798639428,
            "requestId": "77375676-xmpl-4b79-853a-f982474efe18",
            "identity": {"sourceIp": "109.252.148.209", "userAgent": headers["User-Agent"]},
            "domainName": "70ixmpl4fl.execute-api.us-east-2.amazonaws.com",
            "apiId": "70ixmpl4fl",
        },
        "body": base64.b64encode(body).decode() if binary else body.decode(),
        "isBase64Encoded": binary,
    }


def aws_v2_event(body: bytes = BODY) -> dict[str, Any]:
    """The same request as an API Gateway HTTP API (payload 2.0) or a function URL
    sends it: lower-case single-valued headers, ``rawQueryString`` (this request has
    no cookies, which v2 would carry apart)."""
    from urllib.parse import urlencode

    headers = {name.lower(): value for name, value in HEADERS}
    headers["content-length"] = str(len(body))
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": PATH,
        "rawQueryString": urlencode(QUERY),
        "headers": headers,
        "queryStringParameters": dict(QUERY),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "70ixmpl4fl",
            "domainName": "70ixmpl4fl.execute-api.us-east-2.amazonaws.com",
            "domainPrefix": "70ixmpl4fl",
            "http": {
                "method": "POST",
                "path": PATH,
                "protocol": "HTTP/1.1",
                "sourceIp": "109.252.148.209",
                "userAgent": headers["user-agent"],
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "10/Mar/2020:05:16:23 +0000",
            "timeEpoch": 1583817383220,
        },
        "body": body.decode(),
        "isBase64Encoded": False,
    }


class LambdaContext:
    """What AWS Lambda passes as ``context`` (the fields the peers read)."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-2:123456789012:function:bench"
    memory_limit_in_mb = 128
    aws_request_id = "77375676-xmpl-4b79-853a-f982474efe18"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2020/03/10/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 3000
