"""The portable ``EventType`` vocabulary and the CloudEvents types real sources send.

A CloudEvent's own ``type`` reaches the handler as it was sent (``Event.type``); this
table says which CloudEvents types mean what a portable handler knows from the other
providers, in both directions, so a handler can match either::

    from polyfaas_container.event_types import portable_type

    if portable_type(event.type) == polyfaas.EventType.TIMER: ...

The sources of each row are in ``ASSUMPTIONS.md`` (§ "Event types"). A portable type
with no row (a direct invocation, a queue message, an IoT message) is sent under its
own name (``polyfaas.queue.message``), which is a valid CloudEvents type too.
"""

from __future__ import annotations

from polyfaas import EventType

#: portable type → the CloudEvents type its best-known container-platform source sends.
TO_CLOUDEVENTS: dict[str, str] = {
    EventType.TIMER: "dev.knative.sources.ping",
    EventType.OBJECT_CREATED: "google.cloud.storage.object.v1.finalized",
    EventType.OBJECT_DELETED: "google.cloud.storage.object.v1.deleted",
    EventType.OBJECT_CHANGED: "google.cloud.storage.object.v1.metadataUpdated",
    EventType.TOPIC_MESSAGE: "google.cloud.pubsub.topic.v1.messagePublished",
    EventType.STREAM_RECORD: "dev.knative.kafka.event",
    EventType.LOG: "google.cloud.audit.log.v1.written",
}

#: CloudEvents type → portable type (every row above, and the other object changes).
FROM_CLOUDEVENTS: dict[str, str] = {
    **{cloudevents: portable for portable, cloudevents in TO_CLOUDEVENTS.items()},
    "google.cloud.storage.object.v1.archived": EventType.OBJECT_CHANGED,
}


def portable_type(cloudevents_type: str) -> str:
    """The portable name of a CloudEvents type, or the type itself when it has none."""
    return FROM_CLOUDEVENTS.get(cloudevents_type, cloudevents_type)


def cloudevents_type(portable: str) -> str:
    """The CloudEvents type a source sends for a portable type (itself when none)."""
    return TO_CLOUDEVENTS.get(portable, portable)
