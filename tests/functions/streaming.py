"""Streamed answers for the streaming tests: ``@polyfaas.http`` with ``Response.stream``
(a sync and an async generator) and an ASGI app's ``StreamingResponse``.

Each stream sends its first chunk, then waits (bounded) for the file the test names in
``?seen=`` — which the test writes only once it has read that first chunk — and says in
its last chunk whether it saw it: ``seen`` proves the first chunk reached the client
before the last one was produced; a platform that buffers could never say it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import polyfaas

WAIT_S = 20.0


def _seen(path: str, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.01)
    return False


def _lines(request: polyfaas.Request) -> Iterator[bytes]:
    yield b"first\n"
    path = request.query.get("seen")
    if path:
        yield b"seen\n" if _seen(path, float(request.query.get("wait", WAIT_S))) else b"unseen\n"
    for i in range(int(request.query.get("n", "0"))):
        yield b"x" * 1024
    yield b"last\n"


@polyfaas.http
def sync_stream(request: polyfaas.Request, context: polyfaas.Context) -> polyfaas.Response:
    return polyfaas.Response.stream(_lines(request), headers={"Content-Type": "text/plain"})


@polyfaas.http
def async_stream(request: polyfaas.Request, context: polyfaas.Context) -> polyfaas.Response:
    async def lines() -> AsyncIterator[str]:
        for chunk in _lines(request):
            await asyncio.sleep(0)
            yield chunk.decode()

    return polyfaas.Response.stream(lines(), headers={"Content-Type": "text/plain"})


async def _asgi(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    from urllib.parse import parse_qs

    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"first\n", "more_body": True})
    path = query.get("seen")
    if path:
        wait = float(query.get("wait", WAIT_S))
        seen = await asyncio.get_running_loop().run_in_executor(None, _seen, path, wait)
        await send(
            {
                "type": "http.response.body",
                "body": b"seen\n" if seen else b"unseen\n",
                "more_body": True,
            }
        )
    for _ in range(int(query.get("n", "0"))):
        await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})
    await send({"type": "http.response.body", "body": b"last\n"})


asgi_stream = polyfaas.asgi(_asgi)


def _flask_app() -> Any:
    import flask

    app = flask.Flask("streaming")

    @app.route("/", defaults={"rest": ""})
    @app.route("/<path:rest>")
    def lines(rest: str) -> Any:
        query = dict(flask.request.args)
        request = polyfaas.Request(query=query)
        return flask.Response(flask.stream_with_context(_lines(request)), mimetype="text/plain")

    return app


#: A Flask streamed response (an unsized iterable) through ``polyfaas.wsgi``.
wsgi_stream = polyfaas.wsgi(_flask_app())
