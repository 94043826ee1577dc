"""FC 3.0 HTTP triggers on a built-in runtime, the cloud side: the JSON event →
``Request``, and ``Response`` → the ``{statusCode, headers, isBase64Encoded, body}``
result. The other direction, which the emulated platform needs, is
``emulated.http_trigger``.

The event (ASSUMPTIONS.md §2) flattens what HTTP can repeat, and polyfaas decides:

- **Repeated headers** arrive as one value joined with ``,`` (FC joins them like
  Go's ``net/http``). For every header but ``Cookie`` that join is what HTTP itself
  allows (RFC 9110 §5.3), so the value stays one field: two ``X-A`` fields come back
  as one ``X-A: 1,2``. ``Cookie`` values are split back on ``,`` into one field each:
  a cookie value may not contain a comma (RFC 6265 §4.1.1), so every comma there
  is a join.
- **Repeated query keys** arrive joined with ``,`` too and are *not* split: a single
  ``?tags=a,b`` is far more common than ``?tags=a&tags=b``, and the event cannot
  tell them apart. ``request.query["tags"]`` is ``"a,b"`` either way.
- **Order**: FC serialises both maps as Go does, sorted by key, so the order of
  distinct names is lost; names arrive canonicalised (``x-foo`` → ``X-Foo``).
- **Host** is not among the headers (Go moves it to ``Request.Host``); the event's
  ``requestContext.domainName`` is the host, and it is put back as a ``Host``
  header in its sorted place.
- **Scheme** is not in the event: ``X-Forwarded-Proto`` when sent, else ``https``.
- **Bodies**: text when the content is textual (``text/*``, JSON, XML, form, JS),
  has no ``Content-Encoding`` and is valid UTF-8; base64 (``isBase64Encoded``)
  otherwise. FC documents no such list (UNCONFIRMED); polyfaas uses this rule both
  for the requests it imitates and for the responses it returns, and reads either
  form in both directions, so no body is ever altered.
- **Responses**: the result map has one value per name, so repeated response
  headers are joined with ``, ``; several ``Set-Cookie`` therefore reach the
  client as one (UNCONFIRMED how FC itself treats them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from polyfaas import Headers, MultiDict, Request, Response
from polyfaas.runtime import (
    PATH_SAFE,
    EventFormatError,
    body_from_text_or_base64,
    body_to_text_or_base64,
    decode_path,
    encode_path,
    go_canonical_header,
    media_type,
)

_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/yaml",
        "application/x-yaml",
        "image/svg+xml",
    }
)


def is_textual(content_type: str | None) -> bool:
    """Whether a media type is text for the purpose of ``isBase64Encoded``."""
    if not content_type:
        return True
    media = media_type(content_type)
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def encode_body(
    body: bytes, content_type: str | None, content_encoding: str | None
) -> tuple[str, bool]:
    """``(body, isBase64Encoded)`` as FC carries ``body``: text when the content is
    textual, not encoded and UTF-8; base64 otherwise."""
    identity = not content_encoding or content_encoding.strip().lower() in ("identity", "")
    return body_to_text_or_base64(body, identity and is_textual(content_type))


def is_http_event(event: Any) -> bool:
    """Whether a parsed event is an FC 3.0 HTTP-trigger event."""
    return isinstance(event, dict) and "requestContext" in event and "rawPath" in event


def _bad(message: str) -> EventFormatError:
    return EventFormatError(f"malformed FC HTTP-trigger event: {message}")


def _map(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = event.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(f"{key!r} must be an object of strings, not {type(value).__name__}")
    return value


def _scalar(item: Any, name: str = "Host") -> str:
    # Numbers are tolerated as strings; anything else is not a header or query value.
    if isinstance(item, bool) or not isinstance(item, (str, int, float)):
        raise _bad(f"the value of {name!r} must be a string, not {type(item).__name__}")
    return str(item)


def _header_fields(native: Mapping[str, Any], host: str | None) -> tuple[tuple[str, str], ...]:
    """The header fields of the event's ``headers`` map, with ``Host: host`` put back
    (when given) where FC's sorted map would have had it."""
    names = tuple(native)
    # A set of names seen before (all strings, no Cookie) gives its Host position from
    # one lookup: the common case costs no Python loop per header.
    at = _known_names.get(names)
    if at is not None and set(map(type, native.values())) <= _STR:
        pairs = tuple(native.items())
    else:
        pairs = _checked_pairs(native)
        at = _host_position(pairs)
        if (
            len(_known_names) < 256
            and pairs
            and not _has_cookie(names)
            and len(pairs) == len(names)
        ):
            _known_names[names] = at
    if host is None:
        return pairs
    return (*pairs[:at], ("Host", host), *pairs[at:])


def _header_index(native: Mapping[str, Any], host: str | None) -> dict[str, str] | None:
    """The lookup ``Headers`` would build from ``_header_fields(native, host)`` (lower-cased
    name → first value), when the map has the common shape: string values, no
    ``Cookie`` (split into fields) and no two names that fold alike; else ``None``."""
    values = native.values()
    try:
        # Every value a string, checked in C (half the cost of ``set(map(type, …))``).
        "".join(values)
    except TypeError:
        return None  # a number to convert, or a malformed value: the pairs decide
    names = tuple(native)
    # Calls of one deployment repeat a few sets of header names: their lower-cased list
    # is remembered by the names (a tuple of strings hashes from their cached hashes).
    lowered = _lowered_names.get(names)
    if lowered is None:
        lowered = _fold_names(names)
        if lowered is None:
            return None
    index = dict(zip(lowered, values))
    if host is not None:
        if "host" in index:  # a "HOST" field before or after FC's: the pairs decide
            return None
        index["host"] = host
    return index


def _fold_names(names: tuple[Any, ...]) -> list[str] | None:
    """The lower-cased ``names`` when they suit the index (strings, no ``Cookie``, none
    folding alike), remembered; ``None`` otherwise."""
    if not set(map(type, names)) <= _STR:
        return None
    lowered = Headers._lower_names(list(names))
    if len(set(lowered)) != len(lowered) or "cookie" in lowered:
        return None
    # Bounded in count and size: hostile names only fill it up, then it starts again.
    if len(names) <= 64 and sum(map(len, names)) <= 4096:
        if len(_lowered_names) >= 64:
            _lowered_names.clear()
        _lowered_names[names] = lowered
    return lowered


#: header names of an event → their lower-cased list (``_header_index``); bounded.
_lowered_names: dict[tuple[Any, ...], list[str]] = {}


def _header_one(native: Mapping[str, Any], host: str | None) -> Callable[[str], str | bool | None]:
    """The one-key answer of the lazy headers (``Headers._lazy``'s ``one``): the first
    value ``_header_fields(native, host)`` would give a lower-cased name, ``False``
    when it has none, ``None`` when the pairs must decide (a value that is not a
    string anywhere in the map — a number to convert, or a malformed value, which
    then raises on this read as the pairs do —, ``Cookie``, which is split into
    fields, a ``Host`` field beside FC's). The names' spellings are looked up once."""
    spelled: dict[str, str] | None = None

    def one(key: str) -> str | bool | None:
        nonlocal spelled
        if spelled is None:
            try:
                # Every value a string, checked in C, as ``_header_index`` does: any
                # malformed value leaves the read to the pairs, which raise for it.
                "".join(native.values())
            except TypeError:
                return None
            names = tuple(native)
            found = _spellings.get(names)
            if found is None:
                found = _spell(names)
                if found is None:
                    return None  # a name that is no string: the pairs name it
            spelled = found
        if key == "host" and host is not None:
            return None if "host" in spelled else host
        name = spelled.get(key)
        if name is None:
            return False
        value = native.get(name)
        return value if type(value) is str and key != "cookie" else None

    return one


def _spell(names: tuple[Any, ...]) -> dict[str, str] | None:
    """Lower-cased name → the first of ``names`` that lowers to it, remembered by the
    names (bounded like ``_lowered_names``); ``None`` when a name is no string."""
    if not set(map(type, names)) <= _STR:
        return None
    lowered = Headers._lower_names(list(names))
    spelled = dict(zip(reversed(lowered), reversed(names)))  # the first one wins
    if len(names) <= 64 and sum(map(len, names)) <= 4096:
        if len(_spellings) >= 64:
            _spellings.clear()
        _spellings[names] = spelled
    return spelled


#: header names of an event → ``_spell``'s map (``_header_one``); bounded.
_spellings: dict[tuple[Any, ...], dict[str, str]] = {}


def _query_pairs(native: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if set(map(type, native.values())) <= _STR and set(map(type, native)) <= _STR:
        return tuple(native.items())
    return tuple(
        (str(name), item if type(item) is str else _scalar(item, name))
        for name, item in native.items()
    )


def _has_cookie(names: tuple[Any, ...]) -> bool:
    return any(type(name) is not str or name.lower() == "cookie" for name in names)


def _checked_pairs(native: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    for key, item in native.items():
        name = key if type(key) is str else str(key)
        value = item if type(item) is str else _scalar(item, name)
        if "," in value and name.lower() == "cookie":
            headers.extend((name, part.strip()) for part in value.split(",") if part.strip())
        else:
            headers.append((name, value))
    return tuple(headers)


_STR = frozenset({str})
#: names of a headers map (strings, no Cookie) -> where Host goes among them; bounded.
_known_names: dict[tuple[Any, ...], int] = {}


def _host_position(headers: tuple[tuple[str, str], ...]) -> int:
    """Where FC's sorted map would have put ``Host``: before the first header whose
    Go-canonical name sorts after it."""
    return next(
        (i for i, (name, _) in enumerate(headers) if go_canonical_header(name) > "Host"),
        len(headers),
    )


def _optional_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _bad(f"{where}{key!r} must be a string, not {type(value).__name__}")


def request_from_event(event: Mapping[str, Any]) -> Request:
    """The ``Request`` of a parsed HTTP-trigger event; ``EventFormatError`` if malformed."""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        raise _bad("'requestContext' must be an object")
    http = context.get("http")
    if not isinstance(http, dict):
        raise _bad("'requestContext.http' must be an object")
    method = http.get("method")
    if not isinstance(method, str) or not method:
        raise _bad("'requestContext.http.method' must be a non-empty string")
    # Strings pass with one type check; anything else goes to the check that names it.
    given_raw_path = event.get("rawPath")
    if given_raw_path is not None and type(given_raw_path) is not str:
        given_raw_path = _optional_str(event, "rawPath", "")
    given_path = http.get("path")
    if given_path is not None and type(given_path) is not str:
        given_path = _optional_str(http, "path", "requestContext.http.")
    raw_path = given_raw_path or (encode_path(given_path) if given_path else "/")
    if not raw_path.isascii():  # raw_path is percent-encoded: escape what is not
        from urllib.parse import quote

        raw_path = quote(raw_path, safe=PATH_SAFE + "%", errors="surrogatepass")
    path = given_path or decode_path(raw_path)
    client_ip = http.get("sourceIp")
    if client_ip is not None and type(client_ip) is not str:
        client_ip = _optional_str(http, "sourceIp", "requestContext.http.")
    client_ip = client_ip or None
    domain = context.get("domainName")
    if domain is not None and type(domain) is not str:
        domain = _optional_str(context, "domainName", "requestContext.")
    domain = domain or ""

    encoded = event.get("isBase64Encoded")
    body = body_from_text_or_base64(
        event.get("body"), False if encoded is None else encoded, "malformed FC HTTP-trigger event"
    )

    native_headers = _map(event, "headers")
    host = domain or _scalar(native_headers.get("Host") or native_headers.get("host") or "")
    # Go keeps Host out of the map; put it back where FC's sorted map would have it.
    pending_host = bool(domain) and "Host" not in native_headers and "host" not in native_headers
    given_host = domain if pending_host else None
    # Lazy views (issue 15, decisions 1 and 3): a header or query value of the wrong type
    # raises EventFormatError when the handler first reads the field, not here.
    headers = Headers._lazy(
        lambda: _header_fields(native_headers, given_host),
        lambda: _header_index(native_headers, given_host),
        _header_one(native_headers, given_host),
    )
    native_query = _map(event, "queryParameters")
    query = MultiDict._lazy(lambda: _query_pairs(native_query))
    forwarded = native_headers.get("X-Forwarded-Proto")
    scheme = "https"
    if isinstance(forwarded, str):
        scheme = forwarded.split(",", 1)[0].strip().lower() or scheme
    # Checked above, every value in its final form ((str, str) pairs, bytes, strings):
    # the trusted constructors fill the fields with no second pass (equal objects).
    return Request._trusted(
        method.upper(),
        path,
        raw_path,
        query,
        headers,
        body,
        client_ip,
        scheme,
        str(host) or "localhost",
        "",
        {},
        event,
    )


def joined(pairs: Any, separator: str, canonical: bool) -> dict[str, str]:
    """Pairs as one value per name (Go-canonical names when ``canonical``), repeats
    joined with ``separator``."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        key = go_canonical_header(name) if canonical else name
        joined[key] = joined[key] + separator + value if key in joined else value
    return joined


def result_from_response(response: Response) -> dict[str, Any]:
    """The ``{statusCode, headers, isBase64Encoded, body}`` result for ``response``."""
    # One pass: the joined map and the two fields the body's form depends on.
    headers: dict[str, str] = {}
    content_type = content_encoding = None
    for name, value in response.headers.items():
        headers[name] = headers[name] + ", " + value if name in headers else value
        folded = name.lower()
        if folded == "content-type":
            content_type = value if content_type is None else content_type
        elif folded == "content-encoding":
            content_encoding = value if content_encoding is None else content_encoding
    body, is_base64 = encode_body(response.body, content_type, content_encoding)
    return {
        "statusCode": response.status,
        "headers": headers,
        "isBase64Encoded": is_base64,
        "body": body,
    }
