"""The canonical HTTP response."""

from __future__ import annotations

import json
from typing import Any

import attrs

from polyfaas._body import body_repr, decode_text, to_bytes
from polyfaas._fields import fields_eq, fields_hash, fields_repr
from polyfaas._multidict import Headers, MultiSource, as_headers

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
BINARY_TYPE = "application/octet-stream"


def dump_json(obj: Any) -> bytes:
    """Compact UTF-8 JSON (``,``/``:`` separators, non-ASCII kept), as Go's encoder
    writes it: the body of every JSON response polyfaas builds."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@attrs.frozen(repr=False, eq=False)
class Response:
    """An HTTP response: ``status``, ``headers`` (repeats kept, so several
    ``Set-Cookie`` survive) and ``body`` (``str`` is stored as UTF-8)."""

    status: int = attrs.field(default=200, converter=int)
    headers: Headers = attrs.field(factory=Headers, converter=as_headers)
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
