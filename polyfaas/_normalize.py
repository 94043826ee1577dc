"""Handler return values and exceptions → ``Response``: the one place that decides."""

from __future__ import annotations

import sys
from typing import Any

from polyfaas._response import Response, header_fields_problem
from polyfaas.errors import HTTPError, ResponseFormatError

# What makes the check cheap a call: the fields last found sendable (a response the
# entry checked and the runtime half's encode checks again is the same tuple), and the
# short fields found sendable before (``Content-Type: application/json``), bounded.
_last_sendable: list[object] = [None]
_sendable_fields: set[tuple[str, str]] = set()
_MAX_SENDABLE_FIELDS = 2048
_MAX_REMEMBERED_FIELD = 160


def check_response(response: Response) -> Response:
    """``response`` if every header field can be sent as it is; a name that is not an
    HTTP token or a value with CR, LF or NUL (a header injection) is a
    ``ResponseFormatError``."""
    pairs = response.headers._pairs
    if pairs is _last_sendable[0] or _sendable_fields.issuperset(pairs):
        return response
    problem = header_fields_problem(pairs)
    if problem is not None:
        raise ResponseFormatError(problem)
    _last_sendable[0] = pairs
    if len(_sendable_fields) < _MAX_SENDABLE_FIELDS:
        _sendable_fields.update(
            field for field in pairs if len(field[0]) + len(field[1]) <= _MAX_REMEMBERED_FIELD
        )
    return response


def to_response(value: Any) -> Response:
    """Normalise what a handler returned.

    ``Response`` as is; ``dict``/``list`` → JSON; ``str`` → text; ``bytes`` →
    octet-stream; ``None`` → 204; an ``HTTPError`` or a werkzeug ``Response`` or
    ``HTTPException`` → the response it stands for. Anything else is a
    ``ResponseFormatError``, and so is a header field that cannot be sent as it is (a
    name that is not an HTTP token, a value with CR, LF or NUL).
    """
    if isinstance(value, Response):
        return check_response(value)
    if value is None:
        return Response._trusted(204)
    if isinstance(value, (dict, list)):
        try:
            return Response.from_json(value)
        except (TypeError, ValueError) as exc:
            raise ResponseFormatError(f"handler returned unencodable JSON: {exc}") from exc
    if isinstance(value, str):
        return Response.from_text(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Response.from_bytes(bytes(value))
    converted = error_response(value) if isinstance(value, BaseException) else None
    if converted is None:
        converted = _from_werkzeug_response(value)
    if converted is None:
        raise ResponseFormatError(
            f"handler returned a {type(value).__module__}.{type(value).__qualname__}; "
            "return a polyfaas.Response, dict, list, str, bytes or None"
        )
    return converted


def error_response(exc: BaseException) -> Response | None:
    """The response an ``HTTPError`` or werkzeug ``HTTPException`` stands for, else ``None``."""
    if isinstance(exc, HTTPError):
        return check_response(exc.to_response())
    # werkzeug is never imported here: if the user's code raised one of its
    # exceptions, werkzeug is in sys.modules already.
    exceptions = sys.modules.get("werkzeug.exceptions")
    if exceptions is not None and isinstance(exc, exceptions.HTTPException):
        converted = _from_werkzeug_response(exc.get_response())
        if converted is not None:
            return converted
    return None


def _from_werkzeug_response(value: Any) -> Response | None:
    sansio = sys.modules.get("werkzeug.sansio.response")
    if sansio is None or not isinstance(value, sansio.Response):
        return None
    try:
        body = value.get_data() if hasattr(value, "get_data") else b""
        return check_response(Response(value.status_code, value.headers.to_wsgi_list(), body))
    finally:
        close = getattr(value, "close", None)
        if close is not None:
            close()
