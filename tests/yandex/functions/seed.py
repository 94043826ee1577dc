"""The docs' "HTTP request structure output" function, as a user deploys it to Yandex
Cloud Functions (entry point ``seed.handler``), a slow one, a failing one and a
portable event handler."""

from __future__ import annotations

import json
import time
from typing import Any

import polyfaas


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


@polyfaas.event
def on_event_types(event: polyfaas.Event, context: polyfaas.Context) -> Any:
    """A portable event handler next to the native ones."""
    return {"type": event.type, "source": event.source, "subject": event.subject}


async def async_handler(event: Any, context: Any) -> dict[str, Any]:
    """A native ``async def`` handler, which the runtime awaits."""
    import asyncio

    await asyncio.sleep(0.01)
    return {"statusCode": 200, "body": json.dumps({"async": True, "rid": context.request_id})}
