"""``loads``: ``json.loads`` of FC's event bytes, through ``orjson`` when it is installed
(the ``polyfaas[fast]`` extra), with exactly ``json.loads``'s result and errors.

orjson parses a 2 KB HTTP-trigger event in about a third of ``json.loads``'s
instructions, but it differs on inputs ``json`` accepts; each difference falls back to
``json.loads``, so the result is the one the standard library gives:

- anything orjson rejects (NaN/Infinity, ``1e400``, lone surrogates such as
  ``"\\udc80"``, a BOM, UTF-16/32, nesting past 1024, invalid JSON): ``json.loads``
  decides, and raises its own error when the input is no JSON;
- integers outside 64 bits, which orjson returns as ``float``: such a number is a run of
  at least 19 digits, so a text holding one (in a string or not) goes to ``json.loads``
  (one C pass over the bytes: a Python walk of the result for floats costs as much as
  the parse);
- nesting: orjson parses up to 1024 levels, past what ``json`` accepts on Python 3.11
  (its recursion limit, less the stack), and what reads the value may then recurse too
  deep; a text with more than ``MAX_OPENERS`` ``[``/``{`` goes to ``json.loads``.

Duplicate keys keep the last value in both, at the first key's place.
"""

from __future__ import annotations

import json
from typing import Any, Callable

#: ``orjson.loads`` once imported, ``None`` without the extra; imported on the first
#: parse, not with the adapter: orjson loads uuid, datetime, dataclasses… (~12 ms), a
#: cost an instance pays once, at its first event, and only with the extra installed.
#: (one slot, set in place: no ``global``).
_UNLOADED: Any = object()
_PARSER: dict[str, Callable[[bytes], Any] | None] = {"loads": _UNLOADED}

#: Digits to ``0``, ``[``/``{`` to ``[``, every other byte to ``.``: one C pass gives
#: both checks (a run of 19 digits becomes ``_RUN``; the openers are counted).
_CLASSES = bytes(48 if 48 <= byte <= 57 else 91 if byte in (91, 123) else 46 for byte in range(256))
_RUN = b"0" * 19
#: More openers than this and the text could nest past what ``json`` accepts.
MAX_OPENERS = 400
#: Longer texts go to ``json.loads`` directly: a big event is mostly one long string
#: (a base64 body), which ``json``'s C scanner reads nearly as fast as orjson, while the
#: checks above are three passes over every byte (a 1 MiB body's 1.4 MB event: 0.8 ms
#: through ``json``, 2.5 ms through the checks and orjson).
MAX_FAST_BYTES = 64 * 1024


def loads(raw: bytes) -> Any:
    """``json.loads(raw)``: the same value, or the same error."""
    parse = _PARSER["loads"]
    if parse is _UNLOADED:
        parse = _import_orjson()
    if parse is None or len(raw) > MAX_FAST_BYTES:
        return json.loads(raw)
    classes = raw.translate(_CLASSES)
    if _RUN in classes or classes.count(b"[") > MAX_OPENERS:
        return json.loads(raw)
    try:
        return parse(raw)
    except ValueError:  # orjson.JSONDecodeError: json decides (and raises its own)
        return json.loads(raw)


def _import_orjson() -> Callable[[bytes], Any] | None:
    try:
        from orjson import loads as orjson_loads
    except ImportError:  # the extra is not installed: the standard library alone
        _PARSER["loads"] = None
    else:
        _PARSER["loads"] = orjson_loads
    return _PARSER["loads"]


def fast() -> bool:
    """Whether orjson is in use (importing it if it was not yet)."""
    parse = _PARSER["loads"]
    return (_import_orjson() if parse is _UNLOADED else parse) is not None


__all__ = ["MAX_FAST_BYTES", "MAX_OPENERS", "fast", "loads"]
