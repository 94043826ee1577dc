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
"""

from __future__ import annotations

import base64
import json
from typing import Any

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
