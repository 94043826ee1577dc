"""The canonical non-HTTP invocation, shaped after CloudEvents 1.0.

``EventType`` and ``new_id`` are defined in ``polyfaas._event_type``; the ``Event`` and
``EventBatch`` classes in ``polyfaas._event_model``, imported the first time one of
them is named here (module ``__getattr__``): a cold start that serves HTTP never
creates them (two attrs classes, ~4 million instructions).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from polyfaas._event_type import EventType, new_id

if TYPE_CHECKING:
    from polyfaas._event_model import Event, EventBatch

__all__ = ["Event", "EventBatch", "EventType", "is_event", "new_id"]

_LAZY = frozenset({"Event", "EventBatch"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from polyfaas import _event_model

        value = getattr(_event_model, name)
        globals()[name] = value  # later look-ups are plain module attributes
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_event(value: object) -> bool:
    """``isinstance(value, (Event, EventBatch))`` without creating the classes: until
    they exist, no value can be one."""
    model: Any = sys.modules.get("polyfaas._event_model")
    return model is not None and isinstance(value, (model.Event, model.EventBatch))
