"""The canonical non-HTTP invocation, shaped after CloudEvents 1.0."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from polyfaas._fields import building_twin, fields_eq, fields_hash, fields_repr

if TYPE_CHECKING:
    from datetime import datetime


class EventType:
    """The polyfaas vocabulary of ``Event.type``.

    Every provider maps its timer, object-storage and message triggers onto these,
    so a portable handler does not care which cloud the timer came from. Triggers
    with no portable meaning keep their platform's own type string.
    """

    #: A direct invocation with an arbitrary payload (``data``).
    DIRECT = "polyfaas.direct"
    #: A scheduled (cron/timer) trigger; ``data`` is the configured payload, if any.
    TIMER = "polyfaas.timer"
    #: An object was written; ``subject`` is the key, ``source`` names the bucket.
    OBJECT_CREATED = "polyfaas.storage.object.created"
    #: An object was removed; ``subject`` is the key, ``source`` names the bucket.
    OBJECT_DELETED = "polyfaas.storage.object.deleted"
    #: Any other object-storage notification; the native name is in ``native``.
    OBJECT_CHANGED = "polyfaas.storage.object.changed"
    #: A message from a queue; ``data`` is the message body.
    QUEUE_MESSAGE = "polyfaas.queue.message"
    #: A message published to a topic (pub/sub); ``data`` is the message body.
    TOPIC_MESSAGE = "polyfaas.topic.message"
    #: A record from a stream or Kafka topic; ``data`` is the record value.
    STREAM_RECORD = "polyfaas.stream.record"
    #: Log records delivered by a logging service.
    LOG = "polyfaas.log"
    #: A message from an IoT broker; ``data`` is the payload.
    IOT_MESSAGE = "polyfaas.iot.message"


def new_id() -> str:
    """A random UUID4 string (``uuid`` itself costs more to import)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Event:
    """A non-HTTP invocation: a trigger, or a direct call with any payload.

    For object-storage events ``subject`` is the object key and ``source`` names the
    bucket. ``data`` is already decoded (JSON as Python objects, text as ``str``,
    binary as ``bytes``). ``native`` is the platform's own event, untouched.
    """

    specversion = "1.0"

    type: str = EventType.DIRECT
    data: Any = None
    source: str = "polyfaas"
    id: str = attrs.field(factory=new_id)
    time: datetime | None = None
    subject: str | None = None
    datacontenttype: str | None = None
    native: Any = attrs.field(default=None, repr=False, eq=False)

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash

    @staticmethod
    def _trusted(
        *,
        type: str = EventType.DIRECT,
        data: Any = None,
        source: str = "polyfaas",
        id: str | None = None,
        time: datetime | None = None,
        subject: str | None = None,
        datacontenttype: str | None = None,
        native: Any = None,
    ) -> Event:
        """The trusted constructor (private, for runtime halves): an ``Event`` of the
        values as they are (``id`` left ``None`` is a new UUID4). Equal to
        ``Event(...)`` of the same values."""
        self: Any = _new(_BuildingEvent)
        self.type = type
        self.data = data
        self.source = source
        self.id = new_id() if id is None else id
        self.time = time
        self.subject = subject
        self.datacontenttype = datacontenttype
        self.native = native
        self.__class__ = Event
        return self  # type: ignore[no-any-return]


_new = object.__new__
_BuildingEvent = building_twin(Event)


def _to_events(events: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(events)


@attrs.frozen(repr=False, eq=False)
class EventBatch:
    """Several events delivered in one call (a queue batch, a Kafka batch).

    A portable ``@polyfaas.event`` handler is called once per event, in order; one
    failure fails the whole call, so the platform retries the batch.
    """

    events: tuple[Event, ...] = attrs.field(converter=_to_events)
    native: Any = attrs.field(default=None, repr=False, eq=False)

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash
