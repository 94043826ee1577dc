"""Timer and object-storage triggers: one portable vocabulary of event types.

An FC timer, a Yandex timer trigger, an EventBridge schedule, an OSS ``ObjectCreated``
notification, a Yandex Object Storage ``ObjectCreate`` message and an S3
``ObjectCreated:Put`` record all arrive as ``polyfaas.Event``: the
handler reads ``event.type``, ``event.subject`` (the object key) and ``event.source``
(the bucket), never the platform's JSON. A platform's batch of several records calls
the handler once per record.
"""

from __future__ import annotations

from typing import Any

import polyfaas

PROVIDERS = ("local", "alibaba", "alibaba-custom", "yandex", "aws")


@polyfaas.event
def on_timer(event: polyfaas.Event, context: polyfaas.Context) -> dict[str, Any]:
    if event.type != polyfaas.EventType.TIMER:
        raise ValueError(f"on_timer got a {event.type} event")
    context.logger.warning("tick from %s", event.source)
    return {"tick": event.data, "at": event.time.isoformat() if event.time else None}


@polyfaas.event
def on_object(event: polyfaas.Event, context: polyfaas.Context) -> dict[str, Any]:
    created = event.type == polyfaas.EventType.OBJECT_CREATED
    deleted = event.type == polyfaas.EventType.OBJECT_DELETED
    if not (created or deleted):
        raise ValueError(f"on_object got a {event.type} event")
    action = "created" if created else "deleted"
    return {"action": action, "bucket": event.source, "key": event.subject}
