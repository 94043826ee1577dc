"""The canonical HTTP request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

import attrs

from polyfaas._body import body_repr, decode_text, to_bytes
from polyfaas._fields import building_twin, fields_eq, fields_hash, fields_repr, lazy_getattr
from polyfaas._multidict import Headers, MultiDict, as_headers
from polyfaas.errors import HTTPError

if TYPE_CHECKING:
    from polyfaas._multidict import MultiSource

# RFC 3986 ``pchar`` plus "/": what stays literal when a decoded path is encoded.
PATH_SAFE = "/:@!$&'()*+,;=-._~"
# Query keys and values keep these literal; "&", "=", "+", ";" and "#" never do.
QUERY_SAFE = "-._~!$'()*,/:@"


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# What ``quote(path, safe=PATH_SAFE)`` leaves as it is (urllib.parse is imported only
# when a path needs it: it costs a cold start ~4 ms, with ipaddress). A text is made of
# these alone when stripping them leaves nothing: the check a regular expression
# ``[...]*`` would make, without compiling one at import (~0.4M instructions each).
_PATH_PLAIN = _ALNUM + PATH_SAFE


def encode_path(path: str) -> str:
    """Percent-encode a decoded path (UTF-8), leaving what RFC 3986 allows; a lone
    surrogate is encoded as its own three bytes rather than failing."""
    if not path.strip(_PATH_PLAIN):
        return path
    from urllib.parse import quote

    return quote(path, safe=PATH_SAFE, errors="surrogatepass")


def decode_path(raw_path: str) -> str:
    """Decode a percent-encoded path; bytes that are not UTF-8 become U+FFFD."""
    if "%" not in raw_path:
        return raw_path
    from urllib.parse import unquote

    return unquote(raw_path, errors="replace")


# What ``quote(text, safe=QUERY_SAFE)`` leaves as it is (checked as ``_PATH_PLAIN``).
_QUERY_PLAIN = _ALNUM + QUERY_SAFE
_QUERY_PLAIN_SEPARATED = _QUERY_PLAIN + "&="


def encode_query(query: MultiDict) -> str:
    """A query string from a multi-dict, every pair kept in order (a lone surrogate
    is encoded as its own three bytes rather than failing)."""
    source = query._source
    if source is not None and type(source[0]) is _QueryText:
        text = source[0].text
        # No parse at all (issue 15) when the text is its own encoding.
        match = _PLAIN_QUERY_MATCH[0] if _PLAIN_QUERY_MATCH else _plain_query_match()
        if match(text) is not None:
            return text
    return _encoded_pairs(query)


def query_string_of(text: str) -> str:
    """``encode_query(lazy_query(text))`` without the view: ``text`` itself when it is
    its own encoding, else its parse re-encoded."""
    if not text:
        return ""
    match = _PLAIN_QUERY_MATCH[0] if _PLAIN_QUERY_MATCH else _plain_query_match()
    if match(text) is not None:
        return text
    return _encoded_pairs(parse_query(text))


def _encoded_pairs(query: MultiDict) -> str:
    pairs = query._pairs
    if not pairs:
        return ""
    joined = "&".join(map("=".join, pairs))
    # One check over the whole: plain keys and values need no quoting ("=" and "&"
    # are not plain: the separators put in are all there are when none holds one).
    if (
        not joined.strip(_QUERY_PLAIN_SEPARATED)
        and joined.count("&") + joined.count("=") == 2 * len(pairs) - 1
    ):
        return joined
    from urllib.parse import quote

    return "&".join(
        f"{quote(key, safe=QUERY_SAFE, errors='surrogatepass')}="
        f"{quote(value, safe=QUERY_SAFE, errors='surrogatepass')}"
        for key, value in query.items(multi=True)
    )


def parse_query(query_string: str) -> MultiDict:
    """A multi-dict from a query string (``+`` means space, as in forms)."""
    if not query_string:  # most requests: no urllib call, one shared empty view
        return _NO_QUERY
    from urllib.parse import parse_qsl

    return MultiDict(parse_qsl(query_string, keep_blank_values=True, errors="replace"))


class _QueryText:
    """The decoder of a lazy query (``lazy_query``): the text it parses, kept."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self) -> tuple[tuple[str, str], ...]:
        from urllib.parse import parse_qsl

        return tuple(parse_qsl(self.text, keep_blank_values=True, errors="replace"))


def lazy_query(query_string: str) -> MultiDict:
    """``parse_query(query_string)``, parsed when first read (issue 15, decision 1).

    A handler that never reads ``request.query`` never pays for the parse — a WSGI app
    reads ``QUERY_STRING`` and parses it itself — and ``encode_query`` gives the text
    back unparsed when re-encoding the parse would give that same text. Parsing never
    fails (a bad escape becomes U+FFFD), so the view has nothing to raise on a read."""
    if not query_string:
        return _NO_QUERY
    # ``MultiDict._lazy(_QueryText(query_string))`` without its two calls (every call
    # with a query builds one): the same slots, filled in place.
    text = _new(_QueryText)
    text.text = query_string
    made = _new(MultiDict)
    made._source = (text, None, None, None)
    made._first = None
    return made


#: ``fullmatch`` of the text for which ``encode_query(parse_query(text)) == text``, told
#: without parsing: only characters that neither parse nor encoding changes, and one
#: ``=`` in each ``&``-separated field (a field without one would gain it; a second
#: would be escaped; an empty field would be dropped). Compiled once, on first need.
_PLAIN_QUERY_MATCH: list[Callable[[str], object]] = []


def _plain_query_match() -> Callable[[str], object]:
    # Compiled on the first query that needs it, not at import (cold start).
    import re

    plain = f"[{re.escape(_QUERY_PLAIN)}]*"
    _PLAIN_QUERY_MATCH.append(re.compile(f"{plain}={plain}(?:&{plain}={plain})*").fullmatch)
    return _PLAIN_QUERY_MATCH[0]


def _to_query(value: MultiSource | str) -> MultiDict:
    if isinstance(value, str):
        return parse_query(value.lstrip("?"))
    if type(value) is MultiDict:
        return value
    return MultiDict(value)


def _default_raw_path(request: Request) -> str:
    return encode_path(request.path)


def _default_host(request: Request) -> str:
    return request.headers.get("host") or "localhost"


_new = object.__new__
#: A default the constructor fills in (attrs' own marker, so the signature reads as
#: attrs' generated one did).
_UNSET: Any = attrs.NOTHING
# Immutable, so every request without a query (headers) can share one.
_NO_QUERY = MultiDict._trusted(())
_NO_HEADERS = Headers._trusted(())


#: The fields ``Request._lazy`` leaves to its filler (all but ``native``).
_LAZY_FIELDS = (
    "method",
    "path",
    "raw_path",
    "query",
    "headers",
    "body",
    "client_ip",
    "scheme",
    "host",
    "base_path",
    "path_params",
)


@attrs.frozen(init=False, repr=False, eq=False)
class Request:
    """An HTTP request, whatever platform delivered it.

    ``path`` is decoded; ``raw_path`` is as it arrived (percent-encoded), so a ``%2F``
    is still told from a ``/``. ``base_path`` is the decoded prefix of ``path`` under
    which the function is mounted (WSGI's ``SCRIPT_NAME``). ``native`` is the platform's
    own input, untouched, for whatever the model does not cover.
    """

    # The conversions are the constructor's (below), not attrs' converters: attrs
    # inspects each converter's signature and compiles it into its generated
    # ``__init__`` when the class is made, ~0.8M instructions of every cold start.
    method: str = "GET"
    path: str = "/"
    raw_path: str = attrs.field(default=attrs.Factory(_default_raw_path, takes_self=True))
    query: MultiDict = attrs.field(factory=MultiDict)
    headers: Headers = attrs.field(factory=Headers)
    body: bytes = attrs.field(default=b"", repr=body_repr)
    client_ip: str | None = None
    scheme: str = "http"
    host: str = attrs.field(default=attrs.Factory(_default_host, takes_self=True))
    base_path: str = ""
    path_params: Mapping[str, str] = attrs.field(factory=dict)
    native: Any = attrs.field(default=None, repr=False, eq=False)
    # A lazy request's filler (``Request._lazy``), ``None`` once filled and in an eager
    # one; last, so pickling reads (and fills) every field before it.
    _fill: Callable[[Any], Request] | None = attrs.field(
        default=None, init=False, repr=False, eq=False
    )

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash

    def __init__(
        self,
        method: str = "GET",
        path: str = "/",
        raw_path: str = _UNSET,
        query: MultiSource | str = _UNSET,
        headers: MultiSource = _UNSET,
        body: bytes | bytearray | memoryview | str | None = b"",
        client_ip: str | None = None,
        scheme: str = "http",
        host: str = _UNSET,
        base_path: str = "",
        path_params: Mapping[str, str] = _UNSET,
        native: Any = None,
    ) -> None:
        # What attrs' generated ``__init__`` did with the converters and defaults the
        # fields had: each field converted and stored in order (a default that reads
        # the instance sees the fields before it).
        _set_method(self, method.upper())
        _set_path(self, path)
        _set_raw_path(self, encode_path(self.path) if raw_path is _UNSET else raw_path)
        _set_query(self, MultiDict() if query is _UNSET else _to_query(query))
        _set_headers(self, Headers() if headers is _UNSET else as_headers(headers))
        _set_body(self, to_bytes(body))
        _set_client_ip(self, client_ip)
        _set_scheme(self, scheme)
        _set_host(self, (self.headers.get("host") or "localhost") if host is _UNSET else host)
        _set_base_path(self, base_path)
        _set_path_params(self, {} if path_params is _UNSET else dict(path_params))
        _set_native(self, native)
        _set_fill(self, None)

    @staticmethod
    def _trusted(
        method: str = "GET",
        path: str = "/",
        raw_path: str | None = None,
        query: MultiDict = _NO_QUERY,
        headers: Headers = _NO_HEADERS,
        body: bytes = b"",
        client_ip: str | None = None,
        scheme: str = "http",
        host: str | None = None,
        base_path: str = "",
        path_params: dict[str, str] | None = None,
        native: Any = None,
    ) -> Request:
        """The trusted constructor (private, for runtime halves): a ``Request`` of values
        already as the validating constructor stores them — ``method`` upper case, a
        ``MultiDict`` (exactly that type) ``query``, ``Headers`` ``headers``, ``bytes``
        ``body``, a ``dict`` ``path_params`` (kept, not copied) — with no conversion
        and no check. ``raw_path`` and ``host`` left ``None`` get the validating
        constructor's defaults. Equal to ``Request(...)`` of the same values."""
        self: Any = _new(_BuildingRequest)
        self.method = method
        self.path = path
        self.raw_path = encode_path(path) if raw_path is None else raw_path
        self.query = query
        self.headers = headers
        self.body = body
        self.client_ip = client_ip
        self.scheme = scheme
        self.host = (headers.get("host") or "localhost") if host is None else host
        self.base_path = base_path
        self.path_params = {} if path_params is None else path_params
        self.native = native
        self._fill = None
        self.__class__ = Request
        return self  # type: ignore[no-any-return]

    @staticmethod
    def _lazy(fill: Callable[[Any], Request], native: Any) -> Request:
        """A lazy request (private, for runtime halves): ``native`` as given; every
        other field is copied from ``fill(native)``, an eager ``Request`` of the same
        call, when one of them is first read (``repr``, ``==``, ``hash``, pickling and
        ``attrs.evolve`` read them too). An exception from ``fill`` (the decoder's
        ``EventFormatError``) propagates to that read, and the next read calls it
        again. Given the native input, one filler serves every call (a decoder). It may
        also offer ``wsgi_fields(native)``: the values of the call's WSGI environ read
        straight from the native input (``polyfaas.runtime.WSGIFields``), or ``None``
        (then ``environ_from_request`` reads the fields as for any request)."""
        self: Any = _new(_BuildingRequest)
        self.native = native
        self._fill = fill
        self.__class__ = Request
        return self  # type: ignore[no-any-return]

    if not TYPE_CHECKING:  # (hidden from mypy: it would type every attribute as Any)
        # Reached only for a slot left unset: a lazy instance's fields, filled on first
        # need (an eager one never gets here, so it pays nothing).
        __getattr__ = lazy_getattr(_LAZY_FIELDS, of_native=True)

    @property
    def query_string(self) -> str:
        """The query re-encoded, without the ``?``."""
        return encode_query(self.query)

    @property
    def url(self) -> str:
        """``scheme://host/raw_path?query``."""
        query = self.query_string
        return f"{self.scheme}://{self.host}{self.raw_path}" + (f"?{query}" if query else "")

    @property
    def cookies(self) -> MultiDict:
        """The cookies of every ``Cookie`` header, in order."""
        from polyfaas._cookies import parse_cookie_headers  # first use: cold start

        return MultiDict(parse_cookie_headers(self.headers.getlist("cookie")))

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, if any."""
        return self.headers.get("content-type")

    @property
    def text(self) -> str:
        """The body decoded with its declared charset (UTF-8 by default)."""
        return decode_text(self.body, self.content_type)

    def json(self) -> Any:
        """The body parsed as JSON; ``HTTPError(400)`` when it is not JSON (or nests
        deeper than the parser can go)."""
        import json  # here: a cold start need not pay for it (``_response._json_dumps``)

        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise HTTPError(400, f"request body is not valid JSON: {exc}") from None


_BuildingRequest = building_twin(Request)
# The slots' own setters: they store past the frozen ``__setattr__`` (as attrs'
# ``__init__`` does through ``object.__setattr__``).
_set_method, _set_path, _set_raw_path, _set_query, _set_headers, _set_body = (
    Request.__dict__[name].__set__
    for name in ("method", "path", "raw_path", "query", "headers", "body")
)
_set_client_ip, _set_scheme, _set_host, _set_base_path, _set_path_params, _set_native = (
    Request.__dict__[name].__set__
    for name in ("client_ip", "scheme", "host", "base_path", "path_params", "native")
)
_set_fill = Request.__dict__["_fill"].__set__
