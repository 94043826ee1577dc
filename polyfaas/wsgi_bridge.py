"""The WSGI (PEP 3333) bridge, both ways.

- ``environ_from_request`` + ``run_wsgi_app``: a canonical ``Request`` served by any
  WSGI application (Flask, Django), its result collected into a ``Response``;
- ``request_from_environ`` + ``start_wsgi_response``: a WSGI server's call turned
  into a canonical ``Request``, and a ``Response`` written back through it.

What WSGI itself loses: repeated request headers are joined into one value (``,``,
or ``; `` for ``Cookie``), header-name case, and — unless the server passes the raw
URI, as ``REQUEST_URI``/``RAW_URI`` — the difference between ``%2F`` and ``/``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any, Callable, Optional
from urllib.parse import quote, unquote_to_bytes

from polyfaas._codec import from_native_str, native_str, read_wsgi_input
from polyfaas._context import Context
from polyfaas._multidict import Headers
from polyfaas._normalize import check_response
from polyfaas._request import PATH_SAFE, Request, decode_path, encode_query, lazy_query
from polyfaas._response import Response, iter_chunks
from polyfaas.errors import EventFormatError, ResponseFormatError

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], Any]]
WSGIApp = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]
ExcInfo = Optional[tuple[Any, Any, Any]]

_NOT_HTTP_PREFIXED = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


def _split_host(host: str, scheme: str) -> tuple[str, str]:
    default_port = "443" if scheme == "https" else "80"
    if host.startswith("["):  # [v6]:port
        name, _, rest = host.partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return name + "]", port or default_port
    name, _, port = host.partition(":")
    return name, port if port.isdigit() else default_port


def environ_from_request(
    request: Request, context: Context | None = None, *, errors: Any = None
) -> WSGIEnviron:
    """The PEP 3333 environ for ``request``.

    ``PATH_INFO``/``SCRIPT_NAME`` come from the raw path (``base_path`` is the script
    name), ``QUERY_STRING`` is re-encoded from the query, and the canonical objects
    ride along as ``polyfaas.request`` and ``polyfaas.context``. A lazy request whose
    filler reads the environ's values straight from the native input
    (``Request._lazy``'s ``wsgi_fields``) is not filled for them.
    """
    fill = request._fill
    given: WSGIFields | None = None
    fields: Mapping[Any, Any] | None
    if fill is not None:
        direct = getattr(fill, "wsgi_fields", None)
        if direct is not None:
            given = direct(request.native)
    if given is not None:
        method, raw_path, query_string, host, scheme, body, client_ip, fields, lists = given
        base_path = ""
    else:
        method = request.method
        raw_path = request.raw_path
        base_path = request.base_path
        query_string = encode_query(request.query)
        host = request.host
        scheme = request.scheme
        body = request.body
        client_ip = request.client_ip
        source = request.headers._source
        native = None if source is None else source[3]
        fields, lists = (None, False) if native is None else native
    if "%" in raw_path or not raw_path.isascii():
        full = unquote_to_bytes(raw_path).decode("latin-1")
    else:
        full = raw_path
    script_name = ""
    path_info = full
    if base_path:
        base = base_path.rstrip("/").encode("utf-8").decode("latin-1")
        if full == base or full.startswith(base + "/"):
            script_name, path_info = base, full[len(base) :]
    if ":" in host or host[:1] == "[":
        server_name, server_port = _split_host(host, scheme)
    else:  # a name alone (what front doors pass): the scheme's port, no call
        server_name, server_port = host, "443" if scheme == "https" else "80"
    request_uri = raw_path + (f"?{query_string}" if query_string else "")
    environ: WSGIEnviron = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": query_string,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_URI": request_uri,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": errors if errors is not None else sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "polyfaas.request": request,
        "polyfaas.context": context,
        "RAW_URI": request_uri,
    }
    if client_ip:
        environ["REMOTE_ADDR"] = client_ip
    # No header name maps to a key set above (they are CONTENT_* or HTTP_*): a field
    # whose key is there already is a repeat, which the count tells (repeats joined).
    # Native fields of another shape take the pairs (which fills a lazy request: its
    # decoder's error, for a malformed input).
    if fields is None or not _fields_into(environ, fields, lists):
        _pairs_into(environ, request.headers._pairs)
    # The two keys the header fields decide: the body's length where a body or a
    # field sets one, and the host where no field gave it.
    if body or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    if "HTTP_HOST" not in environ:
        environ["HTTP_HOST"] = native_str(host)
    return environ


#: What a lazy request's filler gives for ``environ_from_request`` to read instead of
#: the canonical fields (``Request._lazy``'s ``wsgi_fields(native)``): ``(method, raw_path,
#: query_string, host, scheme, body, client_ip, fields, lists)``, as the decoded
#: request has them (no base path; ``query_string`` as ``encode_query`` gives it), the
#: header fields one native map, one entry a name (``Headers._lazy``'s ``fields``: a
#: ``str`` value or, with ``lists``, a one-item list of one).
WSGIFields = tuple[str, str, str, str, str, bytes, Optional[str], Mapping[Any, Any], bool]


_environ_keys: dict[str, str] = {}


def _fields_into(environ: WSGIEnviron, fields: Mapping[Any, Any], lists: bool) -> bool:
    """Put a lazy view's native fields (one entry a name: ``Headers._lazy``) into
    ``environ`` without decoding its pairs: whether they were all of the common shape
    (a ``str`` name, a ``str`` value or, with ``lists``, a one-item list of one) and no
    two names gave one key. Otherwise ``environ`` is left as it was, for the pairs."""
    keys = _environ_keys
    # The unbound method refuses anything but a str (a TypeError), so the value's type
    # is checked by the call the environ needs anyway.
    isascii = str.isascii
    size = len(environ)
    # One loop a shape, the same but for the lists' unpacking: a test of ``lists`` in
    # the loop costs a tenth of a call of 24 fields (C passes over the lists, more).
    try:
        if lists:
            for name, given in fields.items():
                if type(given) is not list:
                    break
                [value] = given  # a ValueError unless one item
                try:
                    key = keys[name]
                except KeyError:
                    if type(name) is not str:
                        break
                    key = _environ_key(name)
                environ[key] = value if isascii(value) else native_str(value)
            else:
                if len(environ) - size == len(fields):
                    return True
        else:
            for name, value in fields.items():
                try:
                    key = keys[name]
                except KeyError:
                    if type(name) is not str:
                        break
                    key = _environ_key(name)
                environ[key] = value if isascii(value) else native_str(value)
            else:
                if len(environ) - size == len(fields):
                    return True
    except (TypeError, ValueError):
        pass
    for key in list(environ)[size:]:  # what the loop added (headers are added last)
        del environ[key]
    return False


def _pairs_into(environ: WSGIEnviron, pairs: tuple[tuple[str, str], ...]) -> None:
    """Put header pairs into ``environ``, a repeated key's values joined."""
    keys = _environ_keys
    size = len(environ)
    for name, value in pairs:
        try:
            key = keys[name]
        except KeyError:
            key = _environ_key(name)
        environ[key] = value if value.isascii() else native_str(value)
    if len(environ) - size != len(pairs):
        _join_repeats(environ, pairs)


def _join_repeats(environ: WSGIEnviron, pairs: tuple[tuple[str, str], ...]) -> None:
    # Each key's values in order, joined: ``; `` for Cookie, ``,`` for the others.
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        text = value if value.isascii() else native_str(value)
        grouped.setdefault(_environ_key(name), []).append(text)
    for key, values in grouped.items():
        environ[key] = ("; " if key == "HTTP_COOKIE" else ",").join(values)


def _environ_key(name: str) -> str:
    lower = name.lower()
    key = _NOT_HTTP_PREFIXED.get(lower) or "HTTP_" + lower.upper().replace("-", "_")
    if len(_environ_keys) < 4096:  # bounded: names come from any client
        _environ_keys[name] = key
    return key


_THE_ENVIRON: Any = object()

#: An environ key a server may set: the request's header fields as they came, a list of
#: ``(name, value)`` in order, repeats apart (the environ joins them with ``,``).
HEADER_FIELDS = "polyfaas.header_fields"
#: Fields the environ itself gives, one each (what a server or a test client put there).
_ENVIRON_FIELDS = frozenset({"content-type", "content-length", "cookie", "host"})


def request_from_environ(environ: Mapping[str, Any], *, native: Any = _THE_ENVIRON) -> Request:
    """The canonical ``Request`` of a WSGI call (``native`` defaults to the environ).

    The path is the request target exactly as sent (``REQUEST_URI``/``RAW_URI`` when
    the server passes one): ``//x`` and ``/http://example.com/a`` stay what they are;
    only an absolute-form target (``http://host/path``, which never starts with ``/``)
    is reduced to its path. A value of the wrong type is an ``EventFormatError``.
    """
    script_name = _environ_text(environ, "SCRIPT_NAME", "")
    raw_uri = _environ_text(environ, "REQUEST_URI", "") or _environ_text(environ, "RAW_URI", "")
    if raw_uri:
        raw_path = raw_uri.partition("?")[0]
        if not raw_path.startswith("/") and "://" in raw_path:  # absolute-form target
            raw_path = "/" + raw_path.split("://", 1)[1].partition("/")[2]
        if not raw_path.isascii():  # raw UTF-8 bytes on the request line: escape them
            raw_path = quote(_wire_bytes(raw_path), safe=PATH_SAFE + "%")
    else:
        raw_path = quote(
            _wire_bytes(script_name + _environ_text(environ, "PATH_INFO", "")), safe=PATH_SAFE
        )
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if type(key) is not str:
            continue
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").title(), from_native_str(_str(key, value))))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").title(), from_native_str(_str(key, value))))
    fields = environ.get(HEADER_FIELDS)
    if fields is not None:
        headers = _with_fields(fields, headers)
    scheme = _environ_text(environ, "wsgi.url_scheme", "http")
    host = _environ_text(environ, "HTTP_HOST", "") or _server_host(environ, scheme)
    raw_path = raw_path or "/"
    # Every value is what the validating constructor would store (the names and values
    # are strings, checked above; the query a MultiDict, the body bytes), so the trusted
    # one builds it without converting each again: an equal Request (test_wsgi_bridge).
    return Request._trusted(
        _environ_text(environ, "REQUEST_METHOD", "GET").upper(),
        decode_path(raw_path),
        raw_path,
        lazy_query(from_native_str(_environ_text(environ, "QUERY_STRING", ""))),
        Headers._trusted(tuple(headers)),
        read_wsgi_input(environ),
        _environ_text(environ, "REMOTE_ADDR", "") or None,
        scheme,
        from_native_str(host),
        # decoded as the path is: a lone surrogate or non-UTF-8 byte becomes U+FFFD
        decode_path(quote(_wire_bytes(script_name), safe=PATH_SAFE)) if script_name else "",
        {},
        environ if native is _THE_ENVIRON else native,
    )


def _with_fields(fields: Any, joined: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # The fields in order, repeats apart; Content-Type, Content-Length, Cookie and Host
    # as the environ has them (a test client's cookie jar, a body put in place), each
    # at its first field's place, or first when no field had it.
    if not isinstance(fields, (list, tuple)):
        raise EventFormatError(f"WSGI environ: {HEADER_FIELDS} must be a list of pairs")
    own = {name.lower(): (name, value) for name, value in joined if name.lower() in _ENVIRON_FIELDS}
    kept: list[tuple[str, str]] = []
    for field in fields:
        if not (isinstance(field, tuple) and len(field) == 2):
            raise EventFormatError(f"WSGI environ: {HEADER_FIELDS} must be a list of pairs")
        name = _str(HEADER_FIELDS, field[0]).replace("_", "-").title()
        lower = name.lower()
        if lower in _ENVIRON_FIELDS:
            found = own.pop(lower, None)
            if found is not None:
                kept.append((name, found[1]))
            continue
        kept.append((name, from_native_str(_str(HEADER_FIELDS, field[1]))))
    return [*own.values(), *kept]


def _str(key: str, value: Any) -> str:
    if type(value) is str:
        return value
    raise EventFormatError(f"WSGI environ: {key} must be a string, not {type(value).__name__}")


def _environ_text(environ: Mapping[str, Any], key: str, default: str) -> str:
    value = environ.get(key)
    return default if value is None else _str(key, value)


def _wire_bytes(text: str) -> bytes:
    # A native string's bytes; a server that passes real text (FC's "/日本") gives UTF-8.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _server_host(environ: Mapping[str, Any], scheme: str) -> str:
    name = _environ_text(environ, "SERVER_NAME", "localhost")
    port = _environ_text(environ, "SERVER_PORT", "")
    default = "443" if scheme == "https" else "80"
    return name if not port or port == default else f"{name}:{port}"


def run_wsgi_app(
    app: WSGIApp, environ: WSGIEnviron, *, lenient: bool = False, stream: bool = False
) -> Response:
    """Call a WSGI application and collect its answer into a ``Response``, reading its
    result exactly once and always calling its ``close()``.

    Strict (the default, PEP 3333): ``write()`` before ``start_response()``, a second
    ``start_response()`` without ``exc_info`` or a body before the status fail with
    ``ResponseFormatError``; ``exc_info`` may replace the headers until the first body
    byte and is re-raised after. ``lenient`` reads an answer as FC's Python runtime
    does: the last ``start_response()`` wins whatever ``exc_info`` says, a bare
    ``bytes`` result is the body, and ``str`` items are UTF-8.

    With ``stream``, an answer that is an iterable other than a list or tuple, has no
    ``Content-Length`` and started its response before returning (a werkzeug/Flask
    streamed response, Django's ``StreamingHttpResponse``, a generator app that calls
    ``start_response`` first) becomes a streamed ``Response``, read as the caller reads
    it and closed at its end (a platform that buffers collects it).
    """
    status: str | None = None
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []
    body_started = False

    def write(data: bytes) -> None:
        nonlocal body_started
        if status is None and not lenient:
            raise ResponseFormatError("WSGI application called write() before start_response()")
        body_started = body_started or bool(data)
        chunks.append(bytes(data))

    def start_response(
        status_line: str, response_headers: list[tuple[str, str]], exc_info: ExcInfo = None
    ) -> Callable[[bytes], None]:
        nonlocal status, headers
        if lenient:
            pass
        elif exc_info is not None:
            if body_started:
                raise exc_info[1].with_traceback(exc_info[2])
        elif status is not None:
            raise ResponseFormatError("WSGI application called start_response() twice")
        status, headers = status_line, list(response_headers)
        return write

    # Any: a lenient reading takes what FC's runtime takes (bytes, str items).
    result: Any = app(environ, start_response)
    if (
        stream
        and status is not None  # started already: what frameworks do before returning
        and type(result) is not list
        and type(result) is not tuple
        and not lenient
        and not _sized(headers)
        # Django says which of its answers stream (a plain HttpResponse is unsized)
        and getattr(result, "streaming", True) is not False
    ):
        return _streamed(status, headers, chunks, result)
    try:
        if lenient and isinstance(result, (bytes, bytearray)):
            chunks.append(bytes(result))
        else:
            for chunk in result:
                if lenient and isinstance(chunk, str):
                    chunks.append(chunk.encode("utf-8", "surrogatepass"))
                    continue
                if chunk:
                    if status is None and not lenient:
                        raise ResponseFormatError(
                            "WSGI application yielded a body before calling start_response()"
                        )
                    body_started = True
                    chunks.append(chunk if type(chunk) is bytes else bytes(chunk))
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if status is None:
        raise ResponseFormatError("WSGI application returned without calling start_response()")
    code = _STATUS_CODES.get(status) if type(status) is str else None
    if code is None:
        code = _status_code(status)
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    pairs: tuple[Any, ...] = tuple(headers)  # Any: what the app gave, checked below
    # What every framework gives: (str, str) tuples of ASCII text, the Headers' own
    # form already, so no conversion and no copy; anything else is converted as it
    # always was. check_response still refuses a field that cannot be sent. A loop
    # here, not a helper's: an answer has a handful of fields, every answer asks.
    for field in pairs:
        if (
            type(field) is not tuple
            or len(field) != 2
            or type(field[0]) is not str
            or type(field[1]) is not str
            or not (field[0] + field[1]).isascii()
        ):
            break
    else:
        return check_response(Response._trusted(code, Headers._trusted(pairs), body))
    return check_response(
        Response(code, [(str(name), from_native_str(str(value))) for name, value in headers], body)
    )


def _status_code(status: Any) -> int:
    """The code of a WSGI status line (``"200 OK"``), remembered for the next answer."""
    try:
        code = int(status.split(None, 1)[0])
    except (ValueError, IndexError, AttributeError, TypeError):
        raise ResponseFormatError(f"WSGI application gave a malformed status {status!r}") from None
    if type(status) is str and len(_STATUS_CODES) < 1024:  # bounded: an app's few lines
        _STATUS_CODES[status] = code
    return code


#: ``_status_code`` of each status line seen: every answer has one.
_STATUS_CODES: dict[str, int] = {}


def _streamed(status: str, headers: list[Any], written: list[bytes], result: Any) -> Response:
    """A streamed ``Response`` of a WSGI answer: what ``write()`` gave, then the result's
    chunks as the caller reads them; the result closed at their end."""
    code = _status_code(status)

    def body() -> Iterator[bytes]:
        try:
            yield from written
            for chunk in result:
                if chunk:
                    yield bytes(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    converted = [(str(name), from_native_str(str(value))) for name, value in headers]
    return check_response(Response(code, converted, body()))


def _sized(headers: list[Any]) -> bool:
    # A loop, not any() over a generator: an answer has a handful of fields, and this
    # runs for every Flask answer.
    for field in headers:  # noqa: SIM110
        if str(field[0]).lower() == "content-length":
            return True
    return False


def status_line(status: int) -> str:
    """``"200 OK"`` for ``200``."""
    line = _STATUS_LINES.get(status)
    if line is None:  # once a status: the enum's lookup costs more than the rest of a call
        try:
            line = f"{status} {HTTPStatus(status).phrase}"
        except ValueError:
            line = f"{status} Unknown"
        if 100 <= status <= 999:  # bounded: three digits
            _STATUS_LINES[status] = line
    return line


_STATUS_LINES: dict[int, str] = {}


def start_wsgi_response(response: Response, start_response: StartResponse) -> Iterable[bytes]:
    """Write ``response`` through a WSGI server's ``start_response``; the body iterable
    (a streamed body's chunks, read as the server writes them).

    The last gate before the wire: a header field with CR, LF or NUL, or a name that
    is not a token, is a ``ResponseFormatError`` and nothing is started."""
    check_response(response)
    fields = [(name, native_str(value)) for name, value in response.headers.items()]
    start_response(status_line(response.status), fields)
    if response.chunks is not None:  # streamed: the server writes each chunk as it comes
        return iter_chunks(response.chunks)
    return [response.body] if response.body else []


class WSGIHandler:
    """``(request, context) -> Response`` served by a WSGI application."""

    #: Every answer is a ``Response`` that ``check_response`` passed (``run_wsgi_app``'s),
    #: so the entry takes it as it is.
    answers_checked = True

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, request: Request, context: Context) -> Response:
        environ = environ_from_request(request, context)
        native = request.native
        if isinstance(native, dict) and "wsgi.input" in native:
            # The platform called us through WSGI: its own extension keys (PEP 3333
            # "name.key", e.g. FC's fc.context) stay visible to the application.
            for key, value in native.items():
                if "." in key and key not in environ and not key.startswith("wsgi."):
                    environ[key] = value
        # A sized answer is read whole; an unsized iterable streams where the platform
        # streams (the entry collects it where it buffers).
        return run_wsgi_app(self.app, environ, stream=True)

    def __repr__(self) -> str:
        return f"WSGIHandler({self.app!r})"
