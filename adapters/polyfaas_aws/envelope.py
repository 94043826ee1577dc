"""What API Gateway's and the load balancer's envelopes share: header and query pairs
from a ``headers``/``multiValueHeaders``-like couple of keys, which bodies travel as
text, and the checks that keep every decoder total."""

from __future__ import annotations

from collections.abc import Iterable

from polyfaas import Response
from polyfaas.runtime import media_type, multi_value_pairs, object_field

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


def distinct_fields(response: Response) -> tuple[dict[str, str], str | None] | None:
    """The response's fields, one value a name, and its ``Content-Type`` when no name
    comes twice (case-insensitively) and none is ``Set-Cookie``: what most answers
    are, in one pass with no grouping; ``None`` otherwise (then ``answer_fields``)."""
    fields: dict[str, str] = {}
    seen: set[str] = set()
    content_type = None
    for name, value in response.headers._pairs:
        lower = name.lower()
        if lower in seen or lower == "set-cookie":
            return None
        seen.add(lower)
        if lower == "content-type":
            content_type = value
        fields[name] = value
    return fields, content_type


def first_forwarded(value: str | None) -> str | None:
    """The client's address: the first entry of ``X-Forwarded-For``."""
    if not value:
        return None
    return value.split(",", 1)[0].strip() or None
