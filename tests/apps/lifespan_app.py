"""A bare ASGI app whose lifespan leaves a trace: each startup and shutdown appends a
line (``startup <pid>``, ``shutdown <pid>``) to the file named by ``$LIFESPAN_LOG``;
while the file named by ``$LIFESPAN_FAIL`` exists, a startup removes it and fails
(``lifespan.startup.failed``), so the next instance's startup succeeds."""

from __future__ import annotations

import json
import os
from typing import Any

import polyfaas
from polyfaas_alibaba.builtin import initializer, pre_stop


def _trace(what: str) -> None:
    with open(os.environ["LIFESPAN_LOG"], "a", encoding="utf-8") as out:
        out.write(f"{what} {os.getpid()}\n")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                fail = os.environ.get("LIFESPAN_FAIL")
                if fail and os.path.exists(fail):
                    os.remove(fail)
                    await send({"type": "lifespan.startup.failed", "message": "no database"})
                    return
                _trace("startup")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                _trace("shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return
    await receive()
    body = json.dumps({"pid": os.getpid()}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


handler = polyfaas.asgi(app)
#: FC's hooks, for ``--initializer lifespan_app.initialize --pre-stop lifespan_app.preStop``.
initialize = initializer(handler)
preStop = pre_stop(handler)
