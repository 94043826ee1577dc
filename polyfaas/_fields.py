"""``__repr__``, ``__eq__`` and ``__hash__`` shared by the model's attrs classes.

attrs writes these methods for each class by compiling source code, which is most
of what a class costs at import time (~0.6 ms each on a small machine, and the cold
start pays it for every class of the model). These generic versions read the same
field metadata (``repr=``, ``eq=``) and behave as attrs' own: the same ``repr``
text, equality only between instances of the same class over the ``eq`` fields, and
a hash consistent with it. A class opts in with ``@attrs.frozen(repr=False,
eq=False)`` and the three assignments in its body.

The trusted constructors (``Request._trusted``, ``Response._trusted``, ``Event._trusted``,
``Context._trusted``, ``Credentials._trusted``,
``Invocation._trusted``) build an instance without attrs' generated ``__init__``: they
take values that are already what the validating constructor would store (converted,
checked) and fill the slots through a *building twin* (``building_twin``): a subclass
with the same slots whose attributes can be assigned, whose instance becomes the real
class once filled. The result is equal (``==``, ``hash``, ``repr``) to what the
validating constructor gives for the same valid values (``tests/test_trusted_model.py``)
at a fifth of the cost.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Callable

_eq_getters: dict[type, Callable[[Any], Any]] = {}


def _eq_getter(cls: type) -> Callable[[Any], Any]:
    getter = _eq_getters.get(cls)
    if getter is None:
        names = [a.name for a in cls.__attrs_attrs__ if a.eq]  # type: ignore[attr-defined]
        getter = _eq_getters[cls] = attrgetter(*names) if names else (lambda self: ())
    return getter


def building_twin(cls: type) -> Any:
    """A subclass of the frozen slotted attrs class ``cls`` with the same slots and plain
    attribute assignment: a trusted constructor makes an instance of it
    (``object.__new__``), assigns every field, then sets ``__class__`` to ``cls`` (the
    layouts are the same, so an instance of ``cls`` is all that is left)."""
    namespace = {
        "__slots__": (),
        "__module__": cls.__module__,
        "__qualname__": f"{cls.__qualname__}._building",
        # Both: the type's attribute-setting slot is generic only when neither is
        # the frozen class's own (attrs sets both).
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
    }
    return type(cls.__name__, (cls,), namespace)


def lazy_getattr(fields: tuple[str, ...], *, of_native: bool = False) -> Callable[[Any, str], Any]:
    """The ``__getattr__`` of a frozen slotted class with a lazy form (``Context._lazy``,
    ``Request._lazy``: ``fields`` left unset, ``_fill`` the filler). Python reaches it
    only for a slot left unset, so an eager instance never pays for it: the first read
    of one of ``fields`` copies them all from ``_fill()`` (``of_native``:
    ``_fill(native)``, the instance's ``native``), an eager instance of the same value,
    and clears ``_fill``; an exception from the filler propagates to that read, and
    the next read calls it again. An instance made by ``__new__`` elsewhere
    (unpickling) reads ``_fill`` as ``None``."""

    def __getattr__(self: Any, name: str) -> Any:
        if name in fields:
            fill = self._fill
            if fill is not None:
                filled = fill(self.native) if of_native else fill()
                for field in fields:
                    _setattr(self, field, getattr(filled, field))
                _setattr(self, "_fill", None)
                return getattr(self, name)
        elif name == "_fill":
            return None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    return __getattr__


_setattr = object.__setattr__


def fields_repr(self: Any) -> str:
    """``Class(field=value, ...)`` over the fields shown in ``repr``, as attrs writes it."""
    parts = []
    for field in self.__attrs_attrs__:
        if field.repr is False:
            continue
        value = getattr(self, field.name)
        shown = repr(value) if field.repr is True else field.repr(value)
        parts.append(f"{field.name}={shown}")
    return f"{type(self).__qualname__.rsplit('>.', 1)[-1]}({', '.join(parts)})"


def fields_eq(self: Any, other: object) -> Any:
    """Equal when ``other`` is of the very same class and every ``eq`` field is equal."""
    if other.__class__ is not self.__class__:
        return NotImplemented
    getter = _eq_getter(type(self))
    return bool(getter(self) == getter(other))


def fields_hash(self: Any) -> int:
    """A hash over the class and the ``eq`` fields (frozen instances only)."""
    return hash((type(self).__qualname__, _eq_getter(type(self))(self)))
