"""What API Gateway's and the load balancer's envelopes share: header and query pairs
from a ``headers``/``multiValueHeaders``-like couple of keys, which bodies travel as
text, and the checks that keep every decoder total."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from polyfaas import Request, Response
from polyfaas.runtime import (
    PATH_SAFE,
    EventFormatError,
    body_from_text_or_base64,
    body_to_text_or_base64,
    decode_path,
    media_type,
    multi_value_pairs,
    object_field,
)

if TYPE_CHECKING:
    from polyfaas.runtime import WSGIFields

#: Media types sent as text besides ``text/*``, ``*+json`` and ``*+xml`` (the types
#: apig-wsgi and Mangum treat as text, so a polyfaas answer has the same shape).
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/problem+json",
        "application/vnd.api+json",
        "image/svg+xml",
    }
)


def is_text(content_type: str | None) -> bool:
    """Whether a body of this media type travels as text rather than base64."""
    textual = _TEXTUAL.get(content_type)
    if textual is None:
        media = media_type(content_type)
        textual = (
            media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))
        )
        if len(_TEXTUAL) < 256:  # bounded: the types an app answers with are few
            _TEXTUAL[content_type] = textual
    return textual


#: ``is_text`` of each Content-Type value seen: every answer asks it.
_TEXTUAL: dict[str | None, bool] = {}


def answer_body(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """``(body, isBase64Encoded)`` of an answer: the body as text when its type travels
    as text (``is_text``) and it is UTF-8, else its base64; one call, the type's
    remembered answer read inline (every answer of every envelope asks)."""
    if not body:
        return "", False
    textual = _TEXTUAL.get(content_type)
    if textual is None:
        textual = is_text(content_type)
    if textual:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return body_to_text_or_base64(body, False)


#: ``event[key]`` as an object; ``null`` or absent is empty (API Gateway sends ``null``
#: for no query). The kit's reader itself, not a wrapper: a call less on every event.
mapping = object_field
#: Name/value pairs: ``multi``'s lists when the envelope has them, else ``single``'s one
#: value a name (a name only in ``single`` is kept too): the kit's ``multi_value_pairs``,
#: which Yandex's copy of this envelope reads too.
pairs = multi_value_pairs


def grouped(items: Iterable[tuple[str, str]]) -> dict[str, tuple[str, list[str]]]:
    """Header pairs grouped by lower-cased name: ``(first spelling, values)``."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for name, value in items:
        entry = groups.get(name.lower())
        if entry is None:
            groups[name.lower()] = (name, [value])
        else:
            entry[1].append(value)
    return groups


def answer_fields(
    response: Response,
) -> tuple[dict[str, tuple[str, list[str]]], str | None]:
    """``grouped`` of the response's header pairs and its ``Content-Type`` (the first
    value), found in the same pass: the answer's body form needs the type, and a
    lookup would build the headers' whole index for that one read."""
    groups: dict[str, tuple[str, list[str]]] = {}
    content_type = None
    for name, value in response.headers.items():
        lower = name.lower()
        entry = groups.get(lower)
        if entry is None:
            groups[lower] = (name, [value])
            if lower == "content-type":
                content_type = value
        else:
            entry[1].append(value)
    return groups, content_type


def header_maps(
    response: Response,
) -> tuple[dict[str, str], dict[str, tuple[str, list[str]]], str | None]:
    """``(fields, groups, content_type)`` of the response's header fields: when no name
    comes twice (case-insensitively) and none is ``Set-Cookie`` (what most answers
    are), the fields one value a name, found in one pass with no grouping, and no
    groups; otherwise no fields and every field in ``answer_fields``' groups. The
    envelopes put the groups into their own maps (joined, multi-value, cookies)."""
    fields: dict[str, str] = {}
    seen: set[str] = set()
    content_type = None
    for name, value in response.headers._pairs:
        lower = name.lower()
        if lower in seen or lower == "set-cookie":
            groups, content_type = answer_fields(response)
            return {}, groups, content_type
        seen.add(lower)
        if lower == "content-type":
            content_type = value
        fields[name] = value
    return fields, {}, content_type


def raw_path_of(value: Any, where: str) -> str:
    """A request path as the front door passed it (encoded), or a clear error."""
    if value is None or value == "":
        return "/"
    if not isinstance(value, str):
        raise EventFormatError(f"{where}: the path must be a string, not {value!r:.60}")
    path = value if value.startswith("/") else "/" + value
    if path.isascii() and path.isprintable() and " " not in path:
        return path
    from urllib.parse import quote

    return quote(path, safe=PATH_SAFE + "%", errors="surrogatepass")


def path_and_body(event: Mapping[str, Any], path_key: str, where: str) -> tuple[str, str, bytes]:
    """``(raw_path, path, body)`` of an API Gateway event: ``raw_path_of`` its path field,
    that path decoded, and ``body_from_text_or_base64`` of ``body``/``isBase64Encoded``.
    One call for the three: what a front door sends (a plain path, a text body) is
    checked inline, and only anything else takes the readers."""
    raw_path = event.get(path_key)
    if not (
        type(raw_path) is str
        and raw_path[:1] == "/"
        and raw_path.isascii()
        and raw_path.isprintable()
        and " " not in raw_path
    ):
        raw_path = raw_path_of(raw_path, where)
    path = raw_path if "%" not in raw_path else decode_path(raw_path)
    body = event.get("body")
    encoded = event.get("isBase64Encoded", False)
    if type(body) is str and encoded is False:
        return raw_path, path, body.encode("utf-8", "surrogatepass")
    return raw_path, path, body_from_text_or_base64(body, encoded, where)


class EventReader:
    """The filler of every lazy ``Request`` of one front door's events
    (``Request._lazy``): called with an event, the envelope's ``decode`` of it; its
    ``wsgi_fields(event)``, the envelope's direct reader of the WSGI environ's values,
    which gives ``None`` for an event of any but the common shape (the environ is then
    built from the filled request, which raises the decoder's ``EventFormatError`` for
    a malformed one). One a front door, made once: a call makes no filler. The reader
    is the attribute itself, not a method around it: no frame of its own a call."""

    __slots__ = ("decoder", "wsgi_fields")

    def __init__(
        self, decoder: Callable[[Any], Request], reader: Callable[[Any], WSGIFields | None]
    ) -> None:
        self.decoder = decoder
        self.wsgi_fields = reader

    def __call__(self, event: Any) -> Request:
        return self.decoder(event)


def plain_params(event: Mapping[str, Any]) -> bool:
    """Whether the event's ``pathParameters`` are absent or a dict of strings: those
    ``path_params`` reads without an error (a direct path needs no other)."""
    given = event.get("pathParameters")
    if given is None:
        return True
    if type(given) is not dict:
        return False
    for name, value in given.items():
        if type(name) is not str or type(value) is not str:
            return False
    return True


def first_forwarded(value: str | None) -> str | None:
    """The client's address: the first entry of ``X-Forwarded-For``."""
    if not value:
        return None
    return value.split(",", 1)[0].strip() or None
