"""The second FC function of tests/gateway/s.yaml: says what reached it."""

from __future__ import annotations

import os
from typing import Any

import polyfaas


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> dict[str, Any]:
    return {
        "function": "b",
        "name": context.function_name,
        "memory": context.memory_limit_mb,
        "greeting": os.environ.get("GREETING", ""),
        "pid": os.getpid(),
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
    }
