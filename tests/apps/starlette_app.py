"""A real Starlette application, served through ``polyfaas.asgi`` by the tests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

import polyfaas

#: This instance's process: lifespan runs and background-task results.
seen: dict[str, Any] = {"startups": 0, "tasks": [], "pid": os.getpid()}


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    seen["startups"] += 1
    yield {"started_by": "lifespan"}


async def index(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "startups": seen["startups"],
            "pid": seen["pid"],
            "state": request.state.started_by,
            "root_path": request.scope.get("root_path"),
            "provider": request.scope["polyfaas.context"].provider,
        }
    )


async def item(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "id": request.path_params["item_id"],
            "q": request.query_params.getlist("q"),
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
        }
    )


async def echo_json(request: Request) -> JSONResponse:
    return JSONResponse({"got": await request.json()}, status_code=201)


async def echo_binary(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


async def cookies(request: Request) -> Response:
    response = JSONResponse({"cookies": dict(request.cookies)})
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


async def moved(request: Request) -> RedirectResponse:
    return RedirectResponse("/items/1", status_code=302)


async def task(request: Request) -> JSONResponse:
    async def later(name: str) -> None:
        await asyncio.sleep(0.2)  # still running when the response is complete
        seen["tasks"].append(name)

    name = request.query_params.get("name", "task")
    return JSONResponse({"queued": name}, background=BackgroundTask(later, name))


async def tasks(request: Request) -> JSONResponse:
    return JSONResponse(seen["tasks"])


async def stream(request: Request) -> StreamingResponse:
    count = int(request.query_params.get("n", "3"))
    delay = float(request.query_params.get("delay", "0"))

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(count):
            yield f"chunk {i}\n".encode()
            await asyncio.sleep(delay)

    return StreamingResponse(chunks(), media_type="text/plain")


starlette_app = Starlette(
    routes=[
        Route("/", index),
        Route("/items/{item_id}", item),
        Route("/json", echo_json, methods=["POST"]),
        Route("/binary", echo_binary, methods=["POST"]),
        Route("/cookies", cookies),
        Route("/moved", moved),
        Route("/task", task, methods=["POST"]),
        Route("/tasks", tasks),
        Route("/stream", stream),
    ],
    lifespan=lifespan,
)


async def app(scope: Any, receive: Any, send: Any) -> None:
    """The Starlette app, and ``/crash``: raising before any answer, past Starlette's
    error middleware (which answers 500 itself), so the platform's own error shows."""
    if scope["type"] == "http" and scope["path"] == "/crash":
        raise RuntimeError("the app crashed")
    await starlette_app(scope, receive, send)


handler = polyfaas.asgi(app)
