"""A Starlette app whose routing has every kind of entry ``polyfaas routes`` reads: a
route list mounted under a prefix (named, and nested), a WebSocket route, a class
endpoint, an explicit HEAD and OPTIONS, and a mounted app that is no router."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse("home")


async def user(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.path_params["user_id"])


async def probe(request: Request) -> PlainTextResponse:
    return PlainTextResponse("")


async def feed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


class Orders(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("orders")

    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("created", status_code=201)


async def legacy(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app of its own under ``/legacy``: it routes for itself."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"legacy"})


app = Starlette(
    routes=[
        Route("/", home),
        Mount(
            "/api",
            name="api",
            routes=[
                Route("/users/{user_id:int}", user, methods=["GET", "PUT"]),
                Route("/probe", probe, methods=["HEAD", "OPTIONS"]),
                Mount("/v2", routes=[Route("/orders", Orders, name="orders")]),
            ],
        ),
        WebSocketRoute("/ws", feed),
        Mount("/legacy", app=legacy),
    ]
)
