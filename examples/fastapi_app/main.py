"""A FastAPI app, deployable unchanged on every provider with ``polyfaas.asgi``.

Its lifespan runs once per instance (the counter below stays 1 across calls), a
background task finishes before the platform gets the answer (FC and Yandex freeze
an instance between calls), and the streaming route streams where the platform
does (``local`` and ``alibaba-custom``) and is collected elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

from fastapi import BackgroundTasks, FastAPI, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel

import polyfaas

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())

#: What this instance has seen: lifespan runs, and the names the background task kept.
instance = {"startups": 0, "shutdowns": 0}
done_names: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    instance["startups"] += 1  # a connection pool would be opened here
    yield {"greeting": "hello"}
    instance["shutdowns"] += 1


app = FastAPI(lifespan=lifespan)


class Item(BaseModel):
    name: str
    price: float


@app.get("/")
async def index(request: Request) -> dict[str, Any]:
    return {"greeting": request.state.greeting, "startups": instance["startups"]}


# Optional, not ``str | None``: FastAPI evaluates the annotations, on Python 3.9 too.
@app.get("/items/{item_id}")
async def read_item(item_id: int, q: Optional[str] = None) -> dict[str, Any]:  # noqa: UP045
    return {"item_id": item_id, "q": q}


@app.post("/items")
async def create_item(item: Item, tasks: BackgroundTasks) -> dict[str, Any]:
    tasks.add_task(done_names.append, item.name)  # runs after the response
    return {"created": item.name, "price": item.price}


@app.get("/done")
async def done() -> list[str]:
    return list(done_names)


@app.get("/cookies")
async def cookies(response: Response) -> dict[str, bool]:
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return {"set": True}


@app.get("/old")
async def old() -> RedirectResponse:
    return RedirectResponse("/items/1", status_code=301)


@app.post("/echo")
async def echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


@app.get("/stream")
async def stream(n: int = 3, delay: float = 0.0) -> StreamingResponse:
    async def lines() -> AsyncIterator[str]:
        for i in range(n):
            yield f"line {i}\n"
            await asyncio.sleep(delay)

    return StreamingResponse(lines(), media_type="text/plain")


handler = polyfaas.asgi(app)
