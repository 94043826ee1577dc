"""A FastAPI app with an APIRouter included under a prefix (a path parameter, a nested
router, an explicit HEAD, a WebSocket route), an APIRouter mounted as an ASGI app, and a
FastAPI sub-app mounted by name; the docs routes are off, so the table is the app's own
routes only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, WebSocket

items = APIRouter(prefix="/items")


@items.get("/{item_id}")
def read_item(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id}


@items.api_route("/{item_id}/stock", methods=["GET", "HEAD"])
def stock(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id, "stock": 3}


@items.websocket("/live")
async def live(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


admin = APIRouter(prefix="/admin")


@admin.delete("/cache")
def clear_cache() -> None:
    return None


items.include_router(admin)

reports = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@reports.post("/daily")
def daily() -> dict[str, Any]:
    return {"report": "daily"}


tools = APIRouter(prefix="/tools")


@tools.patch("/{tool}")
def tune(tool: str) -> dict[str, Any]:
    return {"tool": tool}


app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/")
def index() -> dict[str, Any]:
    return {"hello": "world"}


app.include_router(items, prefix="/v1")
app.mount("/reports", reports, name="reports")
app.mount("/internal", tools)
