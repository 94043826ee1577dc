"""``object_of``: the object a storage trigger's event is about."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polyfaas._event_type import EventType
from polyfaas.storage._model import ObjectRef

if TYPE_CHECKING:
    from polyfaas._context import Context

#: The portable types of an object-storage notification.
OBJECT_EVENTS = frozenset(
    {EventType.OBJECT_CREATED, EventType.OBJECT_DELETED, EventType.OBJECT_CHANGED}
)


def object_of(event: Any, context: Context | None = None) -> ObjectRef:
    """The bucket and key of an object-storage event from any provider (every adapter
    puts the bucket in ``event.source`` and the key in ``event.subject``); a
    ``ValueError`` naming the event's type for any other event. ``context`` is the
    call's, accepted so a handler passes both as it got them."""
    kind = getattr(event, "type", None)
    if kind not in OBJECT_EVENTS:
        if hasattr(event, "events"):  # an EventBatch: one record at a time
            raise ValueError("object_of takes one Event; iterate over the batch's events")
        raise ValueError(f"object_of: a {kind!r} event names no stored object")
    bucket, key = getattr(event, "source", None), getattr(event, "subject", None)
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        raise ValueError(f"object_of: a {kind} event without its bucket and key")
    return ObjectRef(bucket, key)
