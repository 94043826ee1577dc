"""The second function behind tests/gateway/openapi.yaml: says what reached it."""

from __future__ import annotations

import os
from typing import Any

import polyfaas


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> dict[str, Any]:
    event = request.native if isinstance(request.native, dict) else {}
    return {
        "function": "b",
        "pid": os.getpid(),
        "method": request.method,
        "path": request.path,
        "path_params": dict(request.path_params),
        "event": {
            key: event.get(key)
            for key in ("path", "url", "resource", "pathParams", "params", "pathParameters")
            if key in event
        },
        "version": event.get("version"),
    }
