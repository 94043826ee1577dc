"""The conformance echo function: it reports the canonical request it saw.

A module-level entry, loadable as the TARGET ``polyfaas.testing.conformance_echo:echo``
(so a provider whose instances are servers of their own can start it). Asked with
``?do=...`` (a query, not a path: some platforms deliver no path), it answers with what
the conformance points check coming back:

- ``respond``: the response the request body describes, as JSON
  ``{"status": int, "headers": [[name, value], ...], "body": base64}``;
- ``set-cookies``: two ``Set-Cookie`` fields; ``binary``: bytes 0 to 255;
  ``no-content``: ``None`` (204); ``http-error``: ``HTTPError(418)``;
  ``unhandled``: a ``RuntimeError``.

Otherwise it answers the request it saw as JSON: method, path, raw path, query pairs,
headers (lower-case name → values), cookie pairs, body (base64), the context's
provider and request id, and how many times the init hook ran in this process.

``asgi_echo`` (the TARGET ``polyfaas.testing.conformance_echo:asgi_echo``) is the same
function written as a raw ASGI 3 application (``asgi_app``, no framework) served by
``polyfaas.asgi``: it answers every action and every request exactly as ``echo`` does,
reading what it reports from the ASGI ``http`` scope and its ``http.request`` messages
(the path, ``raw_path``, ``query_string``, the header byte pairs), the context from the
scope's ``polyfaas.context``; its ``init_calls`` counts the app's lifespan startups in
this process (the ASGI app's once-per-instance work).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable
from urllib.parse import parse_qsl

import polyfaas

INIT_CALLS: list[str] = []


def described_response(body: bytes) -> polyfaas.Response:
    """The response a ``respond`` request describes."""
    spec = json.loads(body)
    return polyfaas.Response(
        int(spec["status"]),
        [(str(name), str(value)) for name, value in spec["headers"]],
        base64.b64decode(spec["body"]),
    )


def seen(request: polyfaas.Request, context: polyfaas.Context) -> dict[str, Any]:
    """What reached the function, as JSON-able data."""
    return {
        "method": request.method,
        "path": request.path,
        "raw_path": request.raw_path,
        "query": [list(pair) for pair in request.query.items(multi=True)],
        "headers": {name.lower(): request.headers.getlist(name) for name in request.headers},
        "cookies": [list(pair) for pair in request.cookies.items(multi=True)],
        "body": base64.b64encode(request.body).decode("ascii"),
        "provider": context.provider,
        "request_id": context.request_id,
        "init_calls": len(INIT_CALLS),
    }


@polyfaas.http
def echo(request: polyfaas.Request, context: polyfaas.Context) -> Any:
    action = request.query.get("do")
    if action == "respond":
        return described_response(request.body)
    if action == "set-cookies":
        return polyfaas.Response(
            200, [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")], "ok"
        )
    if action == "binary":
        return bytes(range(256))
    if action == "no-content":
        return None
    if action == "http-error":
        raise polyfaas.HTTPError(418, "short and stout")
    if action == "unhandled":
        raise RuntimeError("unhandled on purpose")
    return seen(request, context)


@echo.init
def count_init(context: polyfaas.Context) -> None:
    INIT_CALLS.append(context.request_id)


# -- the same echo as a raw ASGI 3 application -------------------------------------------

LIFESPAN_STARTUPS: list[int] = []

_Send = Callable[[dict[str, Any]], Any]


def _text(raw: bytes) -> str:
    # A header's bytes as the canonical request held them (UTF-8, else latin-1).
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _cookie_pairs(headers: list[tuple[str, str]]) -> list[list[str]]:
    pairs = []
    for name, value in headers:
        if name != "cookie":
            continue
        for part in value.split(";"):
            key, has_value, item = part.strip().partition("=")
            if key and has_value:
                pairs.append([key.strip(), item.strip()])
    return pairs


def _asgi_seen(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    headers = [
        (_text(bytes(name)).lower(), _text(bytes(value))) for name, value in scope["headers"]
    ]
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    context = scope.get("polyfaas.context")
    return {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": bytes(scope["raw_path"]).decode("latin-1"),
        "query": [list(pair) for pair in query],
        "headers": grouped,
        "cookies": _cookie_pairs(headers),
        "body": base64.b64encode(body).decode("ascii"),
        "provider": getattr(context, "provider", None),
        "request_id": getattr(context, "request_id", None),
        "init_calls": len(LIFESPAN_STARTUPS),
    }


async def _answer(
    send: _Send, status: int, headers: list[tuple[str, str]], body: bytes = b""
) -> None:
    raw = [(name.encode("utf-8"), value.encode("utf-8")) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _lifespan(receive: Callable[[], Any], send: _Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            LIFESPAN_STARTUPS.append(len(LIFESPAN_STARTUPS) + 1)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def asgi_app(scope: dict[str, Any], receive: Callable[[], Any], send: _Send) -> None:
    """The echo as an ASGI 3 application (``http`` and ``lifespan`` scopes)."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(bytes(message.get("body", b"")))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    action = query.get("do")
    if action == "respond":
        described = described_response(body)
        headers = [(name, value) for name, value in described.headers.items()]
        await _answer(send, described.status, headers, described.body)
    elif action == "set-cookies":
        cookies = [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")]
        await _answer(send, 200, [("Content-Type", "text/plain; charset=utf-8"), *cookies], b"ok")
    elif action == "binary":
        await _answer(send, 200, [("Content-Type", "application/octet-stream")], bytes(range(256)))
    elif action == "no-content":
        await _answer(send, 204, [])
    elif action == "http-error":
        text = [("Content-Type", "text/plain; charset=utf-8")]
        await _answer(send, 418, text, b"short and stout")
    elif action == "unhandled":
        raise RuntimeError("unhandled on purpose")
    else:
        seen = json.dumps(_asgi_seen(scope, body)).encode("utf-8")
        await _answer(send, 200, [("Content-Type", "application/json")], seen)


#: ``asgi_app`` served by ``polyfaas.asgi``: the echo every point calls in the ASGI style.
asgi_echo = polyfaas.asgi(asgi_app)
