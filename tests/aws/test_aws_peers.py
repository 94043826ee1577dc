"""Judged against the adapters AWS users pick today, on the same events: a Flask app
through ``polyfaas.wsgi`` answers REST (v1), HTTP API (v2) and load balancer events as
``apig_wsgi.make_lambda_handler(app, binary_support=True)`` does, and an ASGI app
through ``polyfaas.asgi`` answers v1 and v2 events as ``Mangum(app, lifespan="off")``
does: status, body bytes, content type, ``Location`` and the set of cookies. The one
documented difference: behind a load balancer without multi-value headers polyfaas
keeps every ``Set-Cookie`` (apig-wsgi keeps the last)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

apig_wsgi = pytest.importorskip("apig_wsgi")
mangum = pytest.importorskip("mangum")

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request as StarletteRequest  # noqa: E402
from starlette.responses import JSONResponse, RedirectResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

import polyfaas  # noqa: E402
from tests.apps.flask_app import app as flask_app  # noqa: E402
from tests.aws.aws_helpers import LambdaContextStub, sample, view  # noqa: E402

FRONT_DOORS = ["gateway-v1", "http-v2", "alb-multi-value", "alb"]

#: (method, path, query pairs, body, content type, cookie header)
CASES = [
    ("GET", "/hello/ada", [("q", "1"), ("q", "two words")], b"", None, None),
    ("GET", "/cookies", [], b"", None, None),
    ("GET", "/redirect", [], b"", None, None),
    ("GET", "/binary", [], b"", None, None),
    ("POST", "/echo", [], b'{"a": [1, 2]}', "application/json", None),
    ("POST", "/echo", [], bytes(range(256)), "application/octet-stream", None),
    ("POST", "/form", [], b"x=1&x=2&y=%C3%BC", "application/x-www-form-urlencoded", None),
    ("GET", "/seen-cookies", [], b"", None, "a=1; b=two"),
]


@pytest.fixture(autouse=True)
def _mangums_loop() -> Iterator[None]:
    # Mangum runs each call on asyncio.get_event_loop(), which makes this thread a
    # loop and never closes it: once a later test replaces it, its collection warns
    # (ResourceWarning, unclosed sockets) inside whichever test is running then.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture(autouse=True)
def _no_provider_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLYFAAS_PROVIDER", raising=False)


def event_for(
    door: str,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    body: bytes,
    content_type: str | None,
    cookie: str | None,
) -> dict[str, Any]:
    """The sample event of ``door`` made into this request (as the front door would)."""
    from urllib.parse import quote, urlencode

    event: dict[str, Any] = sample(door)
    headers: dict[str, str] = {"host": "example.test", "user-agent": "pytest"}
    if content_type:
        headers["content-type"] = content_type
    encoded_body = base64.b64encode(body).decode() if body else ""
    if door == "http-v2":
        event["rawPath"] = path
        event["rawQueryString"] = urlencode(query)
        event["requestContext"]["http"].update(method=method, path=path)
        event["headers"] = headers
        event.pop("cookies", None)
        if cookie:
            event["cookies"] = [part.strip() for part in cookie.split(";")]
        joined: dict[str, str] = {}
        for name, value in query:
            joined[name] = f"{joined[name]},{value}" if name in joined else value
        event["queryStringParameters"] = joined or None
        event["body"] = encoded_body
        event["isBase64Encoded"] = bool(body)
        return event
    if cookie:
        headers["cookie"] = cookie
    event["httpMethod"] = method
    event["path"] = path
    event["body"] = encoded_body
    event["isBase64Encoded"] = bool(body)
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        # The balancer passes the query as sent (encoded).
        key, text = (quote(name), quote(value)) if door.startswith("alb") else (name, value)
        multi_query.setdefault(key, []).append(text)
    if door == "alb":
        event["headers"] = headers
        event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
        return event
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["multiValueQueryStringParameters"] = multi_query or None
    if door == "gateway-v1":
        event["headers"] = headers
        event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()} or None
        event["requestContext"]["httpMethod"] = method
    return event


def answers(door: str, case: tuple[Any, ...], ours: Any, theirs: Any) -> tuple[Any, Any]:
    event = event_for(door, *case)
    mine = ours(json.loads(json.dumps(event)), LambdaContextStub())
    peer = theirs(json.loads(json.dumps(event)), LambdaContextStub())
    # An HTTP API answers application/json where the function names no content type.
    default_type = "application/json" if door == "http-v2" else None
    return view(mine, default_type), view(peer, default_type)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
@pytest.mark.parametrize("door", FRONT_DOORS)
def test_flask_through_polyfaas_wsgi_answers_as_apig_wsgi(door: str, case: tuple[Any, ...]) -> None:
    ours = polyfaas.wsgi(flask_app)
    theirs = apig_wsgi.make_lambda_handler(flask_app, binary_support=True)
    mine, peer = answers(door, case, ours, theirs)
    if door == "alb" and len(mine["cookies"]) > 1:
        # Documented better: every Set-Cookie survives (apig-wsgi's dict keeps the last).
        assert set(peer["cookies"]) < set(mine["cookies"])
        mine["cookies"] = peer["cookies"]
    assert mine == peer


async def item(request: StarletteRequest) -> JSONResponse:
    return JSONResponse(
        {
            "id": request.path_params["item_id"],
            "q": request.query_params.getlist("q"),
            "path": request.url.path,
        }
    )


async def echo(request: StarletteRequest) -> Response:
    return Response(await request.body(), media_type=request.headers.get("content-type"))


async def cookies(request: StarletteRequest) -> Response:
    response = JSONResponse({"cookies": dict(request.cookies)})
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


async def moved(request: StarletteRequest) -> RedirectResponse:
    return RedirectResponse("/items/1", status_code=302)


asgi_app = Starlette(
    routes=[
        Route("/items/{item_id}", item),
        Route("/echo", echo, methods=["POST"]),
        Route("/cookies", cookies),
        Route("/moved", moved),
    ]
)

ASGI_CASES = [
    ("GET", "/items/7", [("q", "1"), ("q", "ü")], b"", None, None),
    ("GET", "/cookies", [], b"", None, "x=1; y=2"),
    ("GET", "/moved", [], b"", None, None),
    ("POST", "/echo", [], b'{"a": 1}', "application/json", None),
    ("POST", "/echo", [], bytes(range(256)), "application/octet-stream", None),
    ("GET", "/missing", [], b"", None, None),
]


@pytest.mark.parametrize("case", ASGI_CASES, ids=[f"{c[0]} {c[1]}" for c in ASGI_CASES])
@pytest.mark.parametrize("door", ["gateway-v1", "http-v2"])
def test_an_asgi_app_through_polyfaas_asgi_answers_as_mangum(
    door: str, case: tuple[Any, ...]
) -> None:
    ours = polyfaas.asgi(asgi_app)
    theirs = mangum.Mangum(asgi_app, lifespan="off")
    mine, peer = answers(door, case, ours, theirs)
    assert mine == peer
