"""``__repr__``, ``__eq__`` and ``__hash__`` shared by the model's attrs classes.

attrs writes these methods for each class by compiling source code, which is most
of what a class costs at import time (~0.6 ms each on a small machine, and the cold
start pays it for every class of the model). These generic versions read the same
field metadata (``repr=``, ``eq=``) and behave as attrs' own: the same ``repr``
text, equality only between instances of the same class over the ``eq`` fields, and
a hash consistent with it. A class opts in with ``@attrs.frozen(repr=False,
eq=False)`` and the three assignments in its body.
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
