"""A handler that misbehaves on request, for the runner tests."""

from __future__ import annotations

import os
import time

import polyfaas

CALLS = {"count": 0}
INITS: list[str] = []


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> object:
    CALLS["count"] += 1
    if request.path == "/sleep":
        time.sleep(float(request.query.get("s", "30")))
    elif request.path == "/exit":
        os._exit(3)
    elif request.path == "/raise":
        raise RuntimeError("raised on purpose")
    elif request.path == "/memory":
        hog = bytearray(int(request.query.get("mb", "300")) * 1024 * 1024)
        hog[::4096] = b"x" * len(hog[::4096])
        return {"allocated": len(hog)}
    return {
        "pid": os.getpid(),
        "calls": CALLS["count"],
        "inits": len(INITS),
        "cwd": os.getcwd(),
        "env": os.environ.get("POLYFAAS_TEST_ENV"),
        "memory": context.memory_limit_mb,
        "remaining_ms": context.remaining_time_ms(),
        "provider": context.provider,
    }


@handler.init
def setup(context: polyfaas.Context) -> None:
    INITS.append(context.request_id)


@polyfaas.event
def on_event(event: polyfaas.Event, context: polyfaas.Context) -> object:
    if event.data == "fail":
        raise ValueError("event failed on purpose")
    return {"type": event.type, "data": event.data}
