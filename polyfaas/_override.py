"""``@override`` for provider halves, checked by mypy and when the class is made.

mypy knows ``typing_extensions.override`` (its stubs ship with mypy), so a method
marked with it that overrides nothing is a type error; at run time the marker is
kept (``__override__``, as ``typing.override`` sets it) and the halves' base classes
refuse such a method when the class is created, so a misspelt hook fails loudly
instead of being silently ignored. No dependency at run time.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from typing_extensions import override
else:

    def override(method: F) -> F:
        """Mark ``method`` as overriding one of its base class (a hook of the kit)."""
        with suppress(AttributeError, TypeError):  # an object that takes no attributes
            method.__override__ = True
        return method


def check_overrides(cls: type) -> None:
    """``TypeError`` for a method of ``cls`` marked ``@override`` that no base has."""
    for name, value in vars(cls).items():
        marked = value.fget if isinstance(value, property) else value
        marked = getattr(marked, "__func__", marked)  # staticmethod, classmethod
        if getattr(marked, "__override__", False) and not any(
            hasattr(base, name) for base in cls.__mro__[1:]
        ):
            raise TypeError(
                f"{cls.__qualname__}.{name} is marked @override, but no base class has "
                f"{name!r}: a misspelt hook?"
            )


__all__ = ["check_overrides", "override"]
