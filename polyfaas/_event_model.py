"""The canonical non-HTTP invocation, shaped after CloudEvents 1.0: ``Event`` and
``EventBatch``.

Imported on first use (``polyfaas._event`` and ``polyfaas`` give the names through a
module ``__getattr__``): creating an attrs class costs ~2 million instructions of a
cold start, and an HTTP call never needs these two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from polyfaas._event_type import EventType, new_id
from polyfaas._fields import building_twin, fields_eq, fields_hash, fields_repr

if TYPE_CHECKING:
    from datetime import datetime


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

    ``item_failures`` opts in to per-item answers (a runtime half sets it when its
    platform takes them, as Lambda's ``ReportBatchItemFailures``): ``"each"`` runs
    every event, ``"ordered"`` counts the events after the first failure failed
    without running them (a FIFO queue, a stream); the call's value is then the tuple
    of the events that failed (empty: all succeeded), and only when none succeeded
    does the first failure propagate.
    """

    events: tuple[Event, ...] = attrs.field(converter=_to_events)
    native: Any = attrs.field(default=None, repr=False, eq=False)
    item_failures: str | None = attrs.field(
        default=None,
        kw_only=True,
        validator=attrs.validators.in_((None, "each", "ordered")),
    )

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash
