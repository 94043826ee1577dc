"""How FC's Python runtime turns a handler's result or exception into response bytes.

- ``str`` → its UTF-8 bytes, ``bytes`` → as they are, anything else →
  ``json.dumps(obj, default=..., indent=4, sort_keys=True)`` (``None`` → ``null``;
  ``Decimal`` → float, ``date``/``datetime`` → ISO, objects with ``to_json()`` → its
  result); what that cannot serialise fails the call with ``errorType: TypeError``.
- An exception → ``{"errorMessage", "errorType", "stackTrace"}``, serialised the same
  way, where ``stackTrace`` is a list of frames, each a list of strings
  (``'File "…"', 'line N', 'in name', source``), the runtime's own first frame
  removed and the key left out when no frame remains.

Source: ASSUMPTIONS.md §1 (FC's bootstrap ``to_json`` and ``make_error``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polyfaas.runtime import ErrorInfo

#: The header FC's caller sees on every failed invocation of a Python function.
ERROR_TYPE_HEADER = "X-Fc-Error-Type"
UNHANDLED = "UnhandledInvocationError"
#: The handler-load failures, by the ``errorType`` FC reports.
IMPORT_MODULE_ERROR = "ImportModuleError"
SYNTAX_ERROR = "UserCodeSyntaxError"
INVALID_HANDLER = "InvalidHandleName"
USER_CODE_ERROR = "UserCodeError"
HANDLER_NOT_FOUND = "HandlerNotFound"


def _default(obj: Any) -> Any:
    import datetime
    import decimal

    if isinstance(obj, decimal.Decimal):
        return float(obj)
    if isinstance(obj, (datetime.datetime, datetime.date)):
        return obj.isoformat()
    to_json = getattr(obj, "to_json", None)
    if callable(to_json):
        return to_json()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def to_json(obj: Any) -> str:
    """FC's JSON: pretty-printed (indent 4), keys sorted; ``TypeError`` if unserialisable."""
    return json.dumps(obj, default=_default, indent=4, sort_keys=True)


def serialize_result(value: Any) -> bytes:
    """The bytes FC sends back for a handler's return value (``TypeError`` if it cannot)."""
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogateescape")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return to_json(value).encode("utf-8")


def stack_trace(error: ErrorInfo, *, drop_first: bool = True) -> list[list[str]]:
    """FC's ``stackTrace``: one list of strings per frame, the runtime's frame dropped."""
    frames = error.frames[1:] if drop_first else error.frames
    return [
        [f'File "{frame.filename}"', f"line {frame.lineno}", f"in {frame.name}", frame.line]
        for frame in frames
    ]


def error_body(error: ErrorInfo, *, drop_first: bool = True) -> dict[str, Any]:
    """The error document FC's caller receives for a failed call."""
    body: dict[str, Any] = {"errorMessage": error.message, "errorType": error.type}
    trace = stack_trace(error, drop_first=drop_first)
    if trace:
        body["stackTrace"] = trace
    return body


def error_bytes(body: Mapping[str, Any]) -> bytes:
    """An error document serialised as FC serialises it."""
    return to_json(dict(body)).encode("utf-8")
