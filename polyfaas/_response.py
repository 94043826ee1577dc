"""The canonical HTTP response."""

from __future__ import annotations

import json
import re
from functools import cache
from itertools import chain
from typing import Any, Callable

import attrs

from polyfaas._body import body_repr, decode_text, to_bytes
from polyfaas._fields import fields_eq, fields_hash, fields_repr
from polyfaas._multidict import Headers, MultiSource, as_headers
from polyfaas.errors import ResponseFormatError

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
BINARY_TYPE = "application/octet-stream"


def dump_json(obj: Any) -> bytes:
    """Compact UTF-8 JSON (``,``/``:`` separators, non-ASCII kept), as Go's encoder
    writes it: the body of every JSON response polyfaas builds."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# A response's header fields, joined with "\n" (name, value, name, …): every name an
# RFC 9110 token, no value with CR, LF or NUL. With the count of "\n" checked too, one
# search in C settles every field (no "\n" inside a name or a value can hide).
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_FIELDS = rf"{_TOKEN}\n[^\r\n\x00]*(?:\n{_TOKEN}\n[^\r\n\x00]*)*"


@cache
def _fields_ok() -> Callable[[str], object]:  # compiled on first use, not on the cold start
    return re.compile(_FIELDS).fullmatch


def check_header_fields(pairs: tuple[tuple[str, str], ...]) -> None:
    """Refuse header fields that would not reach a client as they are: a name that is
    not an HTTP token, a value with CR, LF or NUL (a header injection) —
    ``ResponseFormatError``, never sent."""
    if not pairs:
        return
    text = "\n".join(chain.from_iterable(pairs))
    if text.count("\n") == 2 * len(pairs) - 1 and _fields_ok()(text) is not None:
        return
    for name, value in pairs:
        if re.fullmatch(_TOKEN, name) is None:
            raise ResponseFormatError(f"response header name {name[:60]!r} is not an HTTP token")
        if "\r" in value or "\n" in value or "\x00" in value:
            raise ResponseFormatError(
                f"response header {name!r} has a CR, LF or NUL in its value (header injection)"
            )


def _checked_headers(value: MultiSource) -> Headers:
    headers = as_headers(value)
    check_header_fields(headers._pairs)
    return headers


@attrs.frozen(repr=False, eq=False)
class Response:
    """An HTTP response: ``status``, ``headers`` (repeats kept, so several
    ``Set-Cookie`` survive) and ``body`` (``str`` is stored as UTF-8).

    A header name that is not an HTTP token, or a value with CR, LF or NUL, is a
    ``ResponseFormatError``: such a field could split into fields the handler never set.
    """

    status: int = attrs.field(default=200, converter=int)
    headers: Headers = attrs.field(factory=Headers, converter=_checked_headers)
    body: bytes = attrs.field(default=b"", converter=to_bytes, repr=body_repr)

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash

    @classmethod
    def from_json(cls, obj: Any, status: int = 200, headers: MultiSource = None) -> Response:
        """A JSON response (``application/json``)."""
        return cls(status, _with_type(headers, JSON_TYPE), dump_json(obj))

    @classmethod
    def from_text(cls, text: str, status: int = 200, headers: MultiSource = None) -> Response:
        """A ``text/plain; charset=utf-8`` response."""
        return cls(status, _with_type(headers, TEXT_TYPE), text)

    @classmethod
    def from_bytes(cls, data: bytes, status: int = 200, headers: MultiSource = None) -> Response:
        """An ``application/octet-stream`` response."""
        return cls(status, _with_type(headers, BINARY_TYPE), data)

    @classmethod
    def redirect(cls, location: str, status: int = 302, headers: MultiSource = None) -> Response:
        """A redirect to ``location``."""
        return cls(status, [*Headers(headers).items(), ("Location", location)], b"")

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, if any."""
        return self.headers.get("content-type")

    @property
    def text(self) -> str:
        """The body decoded with its declared charset (UTF-8 by default)."""
        return decode_text(self.body, self.content_type)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _with_type(headers: MultiSource, content_type: str) -> Headers:
    given = Headers(headers)
    if "content-type" in given:
        return given
    return Headers([("Content-Type", content_type), *given.items()])
