"""The vocabulary of ``Event.type`` and event ids: plain names, cheap to import.

Apart from ``polyfaas._event_model`` (the ``Event`` and ``EventBatch`` attrs classes), so
that an HTTP call, which never builds an event, does not pay for creating those
classes on a cold start.
"""

from __future__ import annotations

import os


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
    """A random UUID4 string (``uuid`` itself costs more to import).

    Its 16 random bytes come from a pool that one ``os.urandom`` call fills for 64 ids:
    the system call releases the GIL, and under a threaded server (gunicorn's gthread)
    each release may hand the interpreter to another thread mid-request. The pool is
    emptied in a forked child, so a worker never repeats its parent's ids."""
    try:
        raw = bytearray(_RANDOM_IDS.pop())  # list.pop is atomic: threads take distinct ids
    except IndexError:
        block = os.urandom(16 * _IDS_A_FILL)
        _RANDOM_IDS.extend(block[start : start + 16] for start in range(16, len(block), 16))
        raw = bytearray(block[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


#: The random bytes of the next ids (16 an id), refilled by ``new_id``.
_RANDOM_IDS: list[bytes] = []
_IDS_A_FILL = 64
if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_RANDOM_IDS.clear)
