"""What a runtime half decodes a native call into (on the runtime path)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import attrs

from polyfaas._context import Context
from polyfaas._fields import building_twin, fields_eq, fields_hash, fields_repr
from polyfaas._request import Request

if TYPE_CHECKING:  # created on first use (polyfaas._event), never by an HTTP call
    from polyfaas._event import Event, EventBatch

#: What a runtime half decodes a native call into.
Payload = Union[Request, "Event", "EventBatch"]


@attrs.frozen(init=False, repr=False, eq=False)
class Invocation:
    """A native call decoded by a runtime half: the canonical payload and context,
    plus the native arguments as they came (``native``)."""

    payload: Payload
    context: Context
    native: tuple[Any, ...] = attrs.field(default=(), repr=False, eq=False)

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash

    def __init__(self, payload: Payload, context: Context, native: tuple[Any, ...] = ()) -> None:
        # What attrs would write (no converters, no validators: the values are stored
        # as given), through the slots' own setters rather than three calls of
        # ``object.__setattr__``: every runtime half builds one a call.
        _set_payload(self, payload)
        _set_context(self, context)
        _set_native(self, native)

    @staticmethod
    def _trusted(payload: Payload, context: Context, native: tuple[Any, ...] = ()) -> Invocation:
        """The trusted constructor (private, for runtime halves): equal to
        ``Invocation(...)`` of the same values."""
        self: Any = _new(_BuildingInvocation)
        self.payload = payload
        self.context = context
        self.native = native
        self.__class__ = Invocation
        return self  # type: ignore[no-any-return]


_new = object.__new__
_BuildingInvocation = building_twin(Invocation)
_set_payload = Invocation.__dict__["payload"].__set__
_set_context = Invocation.__dict__["context"].__set__
_set_native = Invocation.__dict__["native"].__set__
