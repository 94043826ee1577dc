"""The docs' "HTTP request structure output" function, as a user deploys it to Yandex
Cloud Functions (entry point ``seed.handler``), plus a slow variant for timeouts."""

from __future__ import annotations

import json
import time
from typing import Any


def handler(event: Any, context: Any) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "body": json.dumps({"event": event, "context": context}, default=vars),
    }


def slow(event: Any, context: Any) -> dict[str, Any]:
    time.sleep(30)
    return {"statusCode": 200, "body": "late"}


def fails(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": unknown_variable}  # type: ignore[name-defined]  # noqa: F821
