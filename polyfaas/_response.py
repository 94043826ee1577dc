"""The canonical HTTP response."""

from __future__ import annotations

import re
import sys
from operator import itemgetter
from typing import TYPE_CHECKING, Any, SupportsIndex, SupportsInt, Union

import attrs

from polyfaas._body import body_repr, decode_text, to_bytes
from polyfaas._fields import building_twin, fields_eq, fields_hash, fields_repr
from polyfaas._multidict import Headers, as_headers
from polyfaas.errors import HTTPError, ResponseFormatError, _response_class

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
BINARY_TYPE = "application/octet-stream"


def _not_serializable(obj: Any) -> Any:
    # ``json.JSONEncoder.default``'s error, word for word.
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


def _json_dumps(obj: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``, without
    importing ``json``: the stdlib package compiles six regular expressions on import
    (~5M instructions, a tenth of what polyfaas adds to a cold start), and a Yandex
    function that answers with a dict never parses JSON. It makes the very call
    ``json.dumps`` makes for these arguments (``JSONEncoder.encode`` with the C
    encoder of ``_json``: circular check on, NaN allowed, keys unsorted), so the text
    and every error are the same; where ``_json`` has no C encoder, ``json.dumps``."""
    if _c_encoder is None:
        import json

        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    if isinstance(obj, str):
        return _c_encode_string(obj)
    return "".join(
        _c_encoder({}, _not_serializable, _c_encode_string, None, ":", ",", False, False, True)(
            obj, 0
        )
    )


try:
    from _json import encode_basestring as _c_encode_string
    from _json import make_encoder as _c_encoder
except ImportError:  # another interpreter: json.dumps
    _c_encoder = None  # type: ignore[assignment,misc]


def dump_json(obj: Any) -> bytes:
    """Compact UTF-8 JSON (``,``/``:`` separators, non-ASCII kept), as Go's encoder
    writes it: the body of every JSON response polyfaas builds."""
    return _json_dumps(obj).encode("utf-8")


_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # RFC 9110 field names
_name = itemgetter(0)
_value = itemgetter(1)
# Names found to be tokens, so the common case is one set lookup a field (bounded: a
# handler that makes up names only pays the regex for the ones past the bound).
_TOKEN_NAMES: set[str] = {
    "Content-Type",
    "Content-Length",
    "Content-Encoding",
    "Content-Disposition",
    "Location",
    "Set-Cookie",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Expires",
    "Vary",
    "Allow",
    "Access-Control-Allow-Origin",
    "X-Request-Id",
}
_MAX_TOKEN_NAMES = 1024


def header_fields_problem(pairs: tuple[tuple[str, str], ...]) -> str | None:
    """What is wrong with header fields that would not reach a client as they are (a
    name that is not an HTTP token, a value with CR, LF or NUL: a header injection),
    or ``None``. ``check_response`` (below) turns it into the error.

    Cheap on the per-call path: the names are set lookups, the values one join and
    three searches in C (a "\n" count tells any LF inside a value)."""
    if not pairs:
        return None
    if not _TOKEN_NAMES.issuperset(map(_name, pairs)):
        for name in map(_name, pairs):
            if name in _TOKEN_NAMES:
                continue
            if re.fullmatch(_TOKEN, name) is None:
                return f"response header name {name[:60]!r} is not an HTTP token"
            if len(_TOKEN_NAMES) < _MAX_TOKEN_NAMES:
                _TOKEN_NAMES.add(name)
    text = "\n".join(map(_value, pairs))
    if text.count("\n") == len(pairs) - 1 and "\r" not in text and "\x00" not in text:
        return None
    for name, value in pairs:
        if "\r" in value or "\n" in value or "\x00" in value:
            return f"response header {name!r} has a CR, LF or NUL in its value (header injection)"
    return None


_new = object.__new__
_NO_HEADERS = Headers._trusted(())
if TYPE_CHECKING:  # annotations only: a run-time Union costs a cold start
    from collections.abc import AsyncIterable, Iterator

    from polyfaas._multidict import MultiSource

    #: What ``Response(status=...)`` takes: what ``int()`` converts.
    StatusSource = Union[str, bytes, bytearray, SupportsInt, SupportsIndex]
    #: What ``Response(body=...)`` takes (``str`` is stored as UTF-8).
    #: (an iterator or async iterable of chunks is a streamed body)
    BodySource = Union[bytes, bytearray, memoryview, str, None, Iterator[Any], AsyncIterable[Any]]
# One ``Headers`` a media type for the responses the model builds without headers
# given: immutable, so shared, and the same pairs each time (``check_response``
# recognises them at once).
_TYPE_ONLY = {
    media: Headers._trusted((("Content-Type", media),))
    for media in (JSON_TYPE, TEXT_TYPE, BINARY_TYPE)
}


@attrs.frozen(init=False, repr=False, eq=False)
class Response:
    """An HTTP response: ``status``, ``headers`` (repeats kept, so several
    ``Set-Cookie`` survive) and ``body`` (``str`` is stored as UTF-8).

    A header name that is not an HTTP token, or a value with CR, LF or NUL, is never
    sent: ``to_response`` (every handler's answer) and ``start_wsgi_response`` refuse it
    with ``ResponseFormatError``, as such a field could split into fields the handler
    never set.
    """

    status: int = attrs.field(default=200, converter=int)
    headers: Headers = attrs.field(factory=Headers, converter=as_headers)
    body: bytes = attrs.field(default=b"", converter=to_bytes, repr=body_repr)
    #: A streamed body (``Response.stream``): an iterator or async iterator of
    #: ``bytes``/``str`` chunks, read once, where ``body`` is then ``b""``; ``None``
    #: for a whole body. Not part of equality or ``repr``.
    chunks: Any = attrs.field(default=None, init=False, eq=False, repr=False)

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash

    def __init__(
        self, status: StatusSource = 200, headers: MultiSource = None, body: BodySource = b""
    ) -> None:
        # Every handler's answer is built here, so the shapes handlers write (an int
        # status, a bytes or str body, a dict of str fields, Headers or none) are
        # stored as the converters would store them without attrs' generated
        # ``__init__`` (its converter calls and frozen-setattr cost ~15k instructions
        # a response); every other shape goes through it, converters and errors as
        # they are (``tests/test_response_fast.py`` holds the two equal).
        if type(status) is int:
            fields = _fast_headers(headers)
            if fields is not None:
                kind = type(body)
                if kind is bytes or kind is str:
                    _set_status(self, status)
                    _set_headers(self, fields)
                    _set_body(self, body if kind is bytes else body.encode("utf-8"))  # type: ignore[union-attr]
                    _set_chunks(self, None)
                    return
        if is_stream(body):  # an iterator of chunks: a streamed body
            self.__attrs_init__(status, headers, b"")
            _set_chunks(self, body)
            return
        self.__attrs_init__(status, headers, body)  # type: ignore[arg-type]

    @staticmethod
    def _trusted(status: int = 200, headers: Headers = _NO_HEADERS, body: bytes = b"") -> Response:
        """The trusted constructor (private, for runtime halves): a ``Response`` of an
        ``int`` status, ``Headers`` and ``bytes`` as they are (no conversion, no check;
        ``to_response`` still checks the header fields before they are sent). Equal
        to ``Response(...)`` of the same values."""
        self: Any = _new(_BuildingResponse)
        self.status = status
        self.headers = headers
        self.body = body
        self.chunks = None
        self.__class__ = Response
        return self  # type: ignore[no-any-return]

    @classmethod
    def stream(cls, chunks: Any, status: int = 200, headers: MultiSource = None) -> Response:
        """A response whose body is ``chunks``: an iterable or async iterable of
        ``bytes`` (``str`` is UTF-8), read once, chunk by chunk. Where the platform
        streams (``local`` and ``alibaba-custom`` under ``polyfaas run``, ``polyfaas
        serve``) each chunk reaches the client as it is produced (chunked transfer
        encoding unless ``headers`` set a ``Content-Length``); elsewhere the chunks are
        collected into one body and the platform's response limit applies."""
        if not is_stream(chunks):
            if not hasattr(chunks, "__iter__") or isinstance(chunks, (bytes, str, bytearray)):
                raise TypeError(
                    "Response.stream takes an iterable or async iterable of bytes chunks, "
                    f"not {type(chunks).__name__}"
                )
            chunks = iter(chunks)
        return cls(status, headers, chunks)

    @property
    def streamed(self) -> bool:
        """Whether the body is streamed (``chunks``) rather than whole (``body``)."""
        return self.chunks is not None

    @classmethod
    def from_json(cls, obj: Any, status: int = 200, headers: MultiSource = None) -> Response:
        """A JSON response (``application/json``)."""
        if headers is None and cls is Response and type(status) is int:
            return Response._trusted(status, _TYPE_ONLY[JSON_TYPE], dump_json(obj))
        return cls(status, _with_type(headers, JSON_TYPE), dump_json(obj))

    @classmethod
    def from_text(cls, text: str, status: int = 200, headers: MultiSource = None) -> Response:
        """A ``text/plain; charset=utf-8`` response."""
        if headers is None and cls is Response and type(status) is int and type(text) is str:
            return Response._trusted(status, _TYPE_ONLY[TEXT_TYPE], text.encode("utf-8"))
        return cls(status, _with_type(headers, TEXT_TYPE), text)

    @classmethod
    def from_bytes(cls, data: bytes, status: int = 200, headers: MultiSource = None) -> Response:
        """An ``application/octet-stream`` response."""
        if headers is None and cls is Response and type(status) is int and type(data) is bytes:
            return Response._trusted(status, _TYPE_ONLY[BINARY_TYPE], data)
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
        import json  # here: a cold start need not pay for it (``_json_dumps``)

        return json.loads(self.body)


_BuildingResponse = building_twin(Response)
_response_class.append(Response)  # what HTTPError.to_response builds
# The slots' own setters: they store past the frozen ``__setattr__`` (as attrs'
# ``__init__`` does through ``object.__setattr__``), at a fraction of its cost.
_set_status = Response.__dict__["status"].__set__
_set_headers = Response.__dict__["headers"].__set__
_set_body = Response.__dict__["body"].__set__
_set_chunks = Response.__dict__["chunks"].__set__


def is_stream(value: object) -> bool:
    """Whether a body is an iterator or async iterable of chunks (a generator, an
    async generator), as opposed to ``bytes``/``str`` or ``None``."""
    return (
        not isinstance(value, (bytes, str, bytearray, memoryview))
        and value is not None
        and (hasattr(value, "__next__") or hasattr(value, "__aiter__"))
    )


def iter_chunks(chunks: Any) -> ChunkIterator:
    """The chunks of a streamed body as ``bytes``, in order (``ChunkIterator``)."""
    return chunks if type(chunks) is ChunkIterator else ChunkIterator(chunks)


class ChunkIterator:
    """A streamed body's chunks as ``bytes``: an async iterable is driven on the
    calling thread's event loop (``polyfaas._aio``), one chunk a step; ``str`` chunks
    are UTF-8; empty ones are skipped. ``close()`` (which WSGI servers call) closes the
    source whether or not it was read — a generator's ``finally`` runs, a runner's
    stream frees its instance — once."""

    def __init__(self, chunks: Any) -> None:
        self._source = chunks
        self._async = hasattr(chunks, "__aiter__")
        self._iterator: Any = None
        self._closed = False

    def __iter__(self) -> ChunkIterator:
        return self

    def __next__(self) -> bytes:
        while True:
            iterator = self._iterator
            if iterator is None:
                source = self._source
                iterator = self._iterator = source.__aiter__() if self._async else iter(source)
            if self._async:
                from polyfaas._aio import run

                try:
                    chunk = run(iterator.__anext__())
                except StopAsyncIteration:
                    raise StopIteration from None
            else:
                chunk = next(iterator)
            data = _chunk_bytes(chunk)
            if data:
                return data

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._async:
            aclose = getattr(self._iterator, "aclose", None) or getattr(
                self._source, "aclose", None
            )
            if aclose is not None:
                from polyfaas._aio import run

                run(aclose())
            return
        for closing in (self._iterator, self._source):
            close = getattr(closing, "close", None)
            if close is not None:
                close()


def _chunk_bytes(chunk: Any) -> bytes:
    if type(chunk) is bytes:
        return chunk
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise ResponseFormatError(f"a streamed body yielded a {type(chunk).__name__}, not bytes or str")


def collected(response: Response) -> Response:
    """``response`` with a streamed body read into ``body`` (what a platform that
    buffers answers sends); a whole response as it is."""
    if response.chunks is None:
        return response
    chunks = iter_chunks(response.chunks)
    try:
        body = b"".join(chunks)
    finally:
        chunks.close()
    return Response._trusted(response.status, response.headers, body)


# Headers that handlers' dicts gave before (the same few fields each call, e.g.
# ``{"Content-Type": "application/json"}``), by their pairs: immutable, so shared, and
# ``check_response`` recognises the very same pairs at once. Bounded in number and
# size (a handler echoing a long request value is not remembered): past the bound a
# handler that makes up fields each call pays one ``Headers`` a response.
_known_headers: dict[tuple[tuple[str, str], ...], Headers] = {}
_MAX_KNOWN_HEADERS = 256
_MAX_KNOWN_FIELDS = 8
_MAX_KNOWN_VALUES = 512  # characters of values a remembered set of fields holds


def _fast_headers(headers: object) -> Headers | None:
    """``as_headers(headers)`` for ``None``, ``Headers`` and a ``dict`` of exact ``str``
    names and values (the same pairs, in order); ``None`` for any other shape (the
    validating converter takes it)."""
    if headers is None:
        return _NO_HEADERS
    kind = type(headers)
    if kind is Headers:
        return headers  # type: ignore[return-value]
    if kind is not dict:
        return None
    fields: dict[Any, Any] = headers  # type: ignore[assignment]
    if len(fields) > _MAX_KNOWN_FIELDS:
        # Many fields: C checks beat the loop below.
        if _STR.issuperset(map(type, fields)) and _STR.issuperset(map(type, fields.values())):
            return Headers._trusted(tuple(fields.items()))
        return None
    for name, value in fields.items():
        if type(name) is not str or type(value) is not str:
            return None
    pairs = tuple(fields.items())
    known = _known_headers.get(pairs)
    if known is None:
        known = Headers._trusted(pairs)
        if (
            len(_known_headers) < _MAX_KNOWN_HEADERS
            and sum(map(len, fields.values())) <= _MAX_KNOWN_VALUES
        ):
            _known_headers[pairs] = known
    return known


_STR = frozenset({str})


def _with_type(headers: MultiSource, content_type: str) -> Headers:
    given = Headers(headers)
    if "content-type" in given:
        return given
    return Headers([("Content-Type", content_type), *given.items()])


# -- handler return values and exceptions -> Response: the one place that decides --
# (here rather than in a module of its own, ``polyfaas._normalize``, which re-exports
# them: every cold start imports this module, and a module costs ~0.5M instructions
# to load before any of its code runs)

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
    if pairs is _last_sendable[0]:
        return response
    if _sendable_fields.issuperset(pairs):
        _last_sendable[0] = pairs  # the next check of this answer (the entry's) is this one
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
