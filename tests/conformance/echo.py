"""The conformance echo function: it reports the canonical request it saw.

Asked with ``?do=...``, it answers with what the suite checks coming back: several ``Set-Cookie``,
binary bodies, 204, ``HTTPError`` and an unhandled exception.
"""

from __future__ import annotations

import base64
from typing import Any

import polyfaas

INIT_CALLS: list[str] = []


@polyfaas.http
def echo(request: polyfaas.Request, context: polyfaas.Context) -> Any:
    # ``?do=`` rather than a path: a direct Yandex call has no path.
    action = request.query.get("do")
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


@echo.init
def count_init(context: polyfaas.Context) -> None:
    INIT_CALLS.append(context.request_id)
