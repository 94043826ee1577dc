"""What a runtime half decodes a native call into (on the runtime path).

``Invocation`` is the provider kit's container, not part of the canonical model
(``Request``, ``Response``, ``Event``, ``EventBatch``, ``Context``, ``Credentials``),
so it is a hand-written slotted class rather than an attrs class: building an attrs
class compiles its ``__attrs_init__`` and an attribute tuple class (~2M instructions,
1% of every cold start), and every call of every platform builds one instance. It
behaves as the frozen attrs class it was: the same constructor, ``repr``, equality,
hash and immutability (``attrs.exceptions.FrozenInstanceError``), and
``attrs.fields``/``attrs.evolve`` work on it (the field metadata is created on first
use, by an attrs class of the same fields).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

from polyfaas._context import Context
from polyfaas._fields import building_twin
from polyfaas._request import Request

if TYPE_CHECKING:  # created on first use (polyfaas._event), never by an HTTP call
    from polyfaas._event import Event, EventBatch

#: What a runtime half decodes a native call into.
Payload = Union[Request, "Event", "EventBatch"]


class _AttrsFields:
    """``Invocation.__attrs_attrs__``: the fields as attrs describes them, made on
    first read (``attrs.fields``, ``attrs.evolve``, ``attrs.has``), never by a call."""

    def __init__(self) -> None:
        self.fields: Any = None

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if self.fields is None:
            import attrs

            # The attrs class Invocation was; only its field metadata is used.
            @attrs.frozen(repr=False, eq=False)
            class Invocation:
                payload: Payload
                context: Context
                native: tuple[Any, ...] = attrs.field(default=(), repr=False, eq=False)

            self.fields = Invocation.__attrs_attrs__
        return self.fields


def _frozen(self: object, *args: object) -> None:
    from attrs.exceptions import FrozenInstanceError

    raise FrozenInstanceError()


class Invocation:
    """A native call decoded by a runtime half: the canonical payload and context,
    plus the native arguments as they came (``native``)."""

    __slots__ = ("__weakref__", "context", "native", "payload")
    __attrs_attrs__ = _AttrsFields()
    __match_args__ = ("payload", "context", "native")

    if TYPE_CHECKING:  # read-only to a type checker, as the frozen attrs fields were

        @property
        def payload(self) -> Payload: ...
        @property
        def context(self) -> Context: ...
        @property
        def native(self) -> tuple[Any, ...]: ...

    def __init__(self, payload: Payload, context: Context, native: tuple[Any, ...] = ()) -> None:
        # No converters, no validators (as the attrs class had): the values are stored
        # as given, through the slots' own setters (the class refuses assignment).
        _set_payload(self, payload)
        _set_context(self, context)
        _set_native(self, native)

    # What attrs' own ``__init__`` of the same fields does (kept for callers that build
    # an instance the attrs way: ``object.__new__`` then ``__attrs_init__``).
    __attrs_init__ = __init__

    @staticmethod
    def _trusted(payload: Payload, context: Context, native: tuple[Any, ...] = ()) -> Invocation:
        """The trusted constructor (private, for runtime halves): equal to
        ``Invocation(...)`` of the same values."""
        # Filled as a twin that allows assignment, then made an Invocation: plain
        # attribute stores are cheaper than calling the slots' setters.
        self: Any = _new(_BuildingInvocation)
        self.payload = payload
        self.context = context
        self.native = native
        self.__class__ = Invocation
        return self  # type: ignore[no-any-return]

    # Frozen, as an attrs ``frozen`` class: the same error on assignment and deletion.
    __setattr__ = _frozen
    __delattr__ = _frozen

    def __repr__(self) -> str:
        # attrs' text: the fields shown in repr (``native`` is not).
        name = type(self).__qualname__.rsplit(">.", 1)[-1]
        return f"{name}(payload={self.payload!r}, context={self.context!r})"

    def __eq__(self, other: object) -> bool:
        # Only with the very same class, over the eq fields (``native`` is not one).
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool((self.payload, self.context) == (other.payload, other.context))

    def __hash__(self) -> int:
        # What polyfaas._fields.fields_hash gives for the attrs class (the same value).
        return hash((type(self).__qualname__, (self.payload, self.context)))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling and copying rebuild through the constructor (assignment is refused).
        return (type(self), (self.payload, self.context, self.native))


_new = object.__new__
_BuildingInvocation = building_twin(Invocation)
_set_payload = Invocation.__dict__["payload"].__set__
_set_context = Invocation.__dict__["context"].__set__
_set_native = Invocation.__dict__["native"].__set__
