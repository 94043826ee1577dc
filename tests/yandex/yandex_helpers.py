"""Shared helpers of the Yandex tests: the platform's sample events (the package's
``samples/``), canonical payloads as JSON (for golden files), the seed handler from the
docs, and the documented transformations of a request."""

from __future__ import annotations

import base64
import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import polyfaas
from polyfaas import Event, EventBatch, Request
from polyfaas_yandex.emulated.function import platform

#: The canonical payloads the samples decode to (``<kind>.expected.json``).
GOLDEN = Path(__file__).resolve().parent.parent / "events" / "yandex"


@cache
def _samples() -> dict[str, Any]:
    return dict(platform.samples())


def sample_kinds() -> list[str]:
    """The kinds of the platform's sample events, as ``polyfaas events yandex`` lists them."""
    return list(_samples())


def sample(kind: str) -> Any:
    """A fresh copy of the sample event of ``kind`` (``samples/<kind>.json``)."""
    return copy.deepcopy(_samples()[kind])


def seed_handler(event: Any, context: Any) -> dict[str, Any]:
    """The docs' "HTTP request structure output" handler, verbatim in behaviour."""
    return {
        "statusCode": 200,
        "body": json.dumps({"event": event, "context": context}, default=vars),
    }


def _data(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    return value


def canonical(payload: Request | Event | EventBatch) -> dict[str, Any]:
    """A JSON-able account of a canonical payload (every compared field)."""
    if isinstance(payload, Request):
        return {
            "request": {
                "method": payload.method,
                "path": payload.path,
                "raw_path": payload.raw_path,
                "query": [list(pair) for pair in payload.query.items(multi=True)],
                "headers": [list(pair) for pair in payload.headers.items()],
                "body": _data(payload.body),
                "client_ip": payload.client_ip,
                "scheme": payload.scheme,
                "host": payload.host,
                "path_params": dict(payload.path_params),
            }
        }
    if isinstance(payload, EventBatch):
        return {"batch": [canonical(event)["event"] for event in payload.events]}
    return {
        "event": {
            "type": payload.type,
            "id": payload.id,
            "source": payload.source,
            "subject": payload.subject,
            "time": payload.time.isoformat() if payload.time else None,
            "data": _data(payload.data),
            "datacontenttype": payload.datacontenttype,
        }
    }


def load(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


#: What ``record`` was called with (a test module clears it before each test).
seen: list[Event] = []


@polyfaas.event
def record(event: Event, context: polyfaas.Context) -> Any:
    """A portable event handler that keeps each event and answers its routing fields."""
    seen.append(event)
    return {"type": event.type, "source": event.source, "subject": event.subject}
