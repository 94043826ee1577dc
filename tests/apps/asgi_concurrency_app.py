"""ASGI apps that can only answer when several calls are inside one instance at once.

``gather``: a raw ASGI 3 app whose every call waits on an ``asyncio.Event`` that is set
only when ``n`` calls of the same ``round`` are inside (made on the instance's loop on
first use); ``starlette_handler``: a Starlette app whose ``async def`` endpoint and
sync ``def`` endpoint (run by Starlette's threadpool) wait for each other. Every wait is
bounded (``WAIT`` seconds, or the query's ``wait``): a call that waited in vain answers
504, so a test fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from typing import Any, Callable
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import polyfaas

#: How long a call waits for the others of its round (a bound, never a measurement).
WAIT = 20.0


class _Round:
    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.released: asyncio.Event | None = None


_rounds: dict[str, _Round] = {}


async def _answer(send: Callable[[dict[str, Any]], Any], status: int, data: Any) -> None:
    body = json.dumps(data).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def gather_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return  # no lifespan support: served without it
    await receive()
    query = dict(parse_qsl(scope["query_string"].decode()))
    wanted = int(query["n"])
    state = _rounds.setdefault(query["round"], _Round())
    if state.released is None:
        state.released = asyncio.Event()
    state.inside += 1
    state.most = max(state.most, state.inside)
    if state.inside >= wanted:
        state.released.set()
    try:
        await asyncio.wait_for(state.released.wait(), float(query.get("wait", WAIT)))
    except asyncio.TimeoutError:
        await _answer(send, 504, {"released": False, "inside": state.inside})
        return
    finally:
        state.inside -= 1
    await _answer(send, 200, {"released": True, "most": state.most, "pid": os.getpid()})


gather = polyfaas.asgi(gather_app)


# -- Starlette: a sync endpoint in the threadpool beside async ones ------------------------

_lock = threading.Lock()
_mixed: dict[str, dict[str, Any]] = {}


def _enter(round_id: str, wanted: int) -> dict[str, Any]:
    with _lock:
        state = _mixed.setdefault(
            round_id, {"inside": 0, "all": threading.Event(), "threads": set()}
        )
        state["inside"] += 1
        state["threads"].add(threading.get_ident())
        if state["inside"] >= wanted:
            state["all"].set()
        return state


async def waiting(request: Request) -> JSONResponse:
    state = _enter(request.query_params["round"], int(request.query_params["n"]))
    deadline = time.monotonic() + float(request.query_params.get("wait", WAIT))
    while not state["all"].is_set() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)  # the loop stays free for the other calls
    released = state["all"].is_set()
    return JSONResponse(
        {"released": released, "kind": "async", "thread": threading.get_ident()},
        status_code=200 if released else 504,
    )


def blocking(request: Request) -> JSONResponse:
    # A sync endpoint: Starlette runs it in its threadpool, so blocking here blocks
    # neither the loop nor the async calls of the same round.
    state = _enter(request.query_params["round"], int(request.query_params["n"]))
    released = state["all"].wait(float(request.query_params.get("wait", WAIT)))
    return JSONResponse(
        {"released": released, "kind": "sync", "thread": threading.get_ident()},
        status_code=200 if released else 504,
    )


app = Starlette(routes=[Route("/async", waiting), Route("/sync", blocking)])
starlette_handler = polyfaas.asgi(app)
