"""Codecs every platform's envelopes need, written once (re-exported by ``polyfaas.runtime``).

Each is total: malformed input gives an ``EventFormatError`` (or a documented fallback),
never a raw ``ValueError``, ``OverflowError`` or ``UnicodeError``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas.errors import EventFormatError

if TYPE_CHECKING:  # datetime is imported when an event carries a time, not at start-up
    from datetime import datetime

# -- bodies: text, or base64 -------------------------------------------------------------

if sys.version_info >= (3, 11):

    def _b64decode_strict(text: str) -> bytes:
        # One pass in C over the text as it is: b64decode(validate=True) copies it to
        # bytes and scans it with a regular expression first (a 1 MiB body is 1.4 MB
        # of text). Strict mode refuses what that scan and the decoder refuse.
        import binascii

        return binascii.a2b_base64(text, strict_mode=True)

else:

    def _b64decode_strict(text: str) -> bytes:
        from base64 import b64decode

        return b64decode(text, validate=True)


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` value, lower case, without parameters."""
    return content_type.partition(";")[0].strip().lower() if content_type else ""


def body_to_text_or_base64(body: bytes, textual: bool) -> tuple[str, bool]:
    """``(body, is_base64)``: the body as text when ``textual`` and it is UTF-8,
    else its base64; an empty body is ``("", False)``."""
    if not body:
        return "", False
    if textual:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    import binascii  # what b64encode calls, without its wrapper

    return binascii.b2a_base64(body, newline=False).decode("ascii"), True


def body_from_text_or_base64(body: Any, is_base64: Any, where: str) -> bytes:
    """The bytes an envelope's ``body`` field carries: text as UTF-8 (lone surrogates
    kept as their bytes), or base64 when ``is_base64``; ``EventFormatError`` naming
    ``where`` for a field of the wrong type or base64 that does not decode."""
    if not isinstance(is_base64, bool):
        raise EventFormatError(f"{where}: 'isBase64Encoded' must be a boolean")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise EventFormatError(f"{where}: 'body' must be a string, not {type(body).__name__}")
    if not is_base64:
        return body.encode("utf-8", "surrogatepass")
    import binascii

    try:
        return _b64decode_strict(body)
    except (binascii.Error, ValueError):
        raise EventFormatError(
            f"{where}: 'isBase64Encoded' is true but 'body' is not valid base64"
        ) from None


# -- header names ------------------------------------------------------------------------

_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_canonical_names: dict[str, str] = {}


def go_canonical_header(name: str) -> str:
    """Go's ``textproto.CanonicalMIMEHeaderKey``: ``x-request-id`` → ``X-Request-Id``;
    a name with a character outside the HTTP token set is returned as it is, as Go does."""
    canonical = _canonical_names.get(name)
    if canonical is None:
        canonical = name
        if name and set(name) <= _TOKEN:
            canonical = "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
        if len(_canonical_names) < 4096:  # bounded: names come from any client
            _canonical_names[name] = canonical
    return canonical


# -- native strings (PEP 3333) -----------------------------------------------------------


def native_str(text: str) -> str:
    """A PEP 3333 native string: the UTF-8 bytes of ``text`` read as latin-1 (a lone
    surrogate travels as its own three bytes rather than failing)."""
    return text if text.isascii() else text.encode("utf-8", "surrogatepass").decode("latin-1")


def from_native_str(native: str) -> str:
    """Back from a native string: UTF-8 when its bytes are UTF-8, else as it is."""
    if native.isascii():
        return native
    try:
        return native.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return native


# -- times -------------------------------------------------------------------------------

# A pattern, compiled on its first use through ``re``'s own cache: only event triggers
# read times, and compiling it at import cost every cold start ~1M instructions.
_RFC3339 = r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?\s*(Z|z|[+-]\d\d:?\d\d)?"


def parse_rfc3339(value: Any, where: str) -> datetime | None:
    """An RFC 3339 / ISO 8601 time (any number of fraction digits; ``Z``, an offset,
    or none for UTC) as an aware UTC datetime; ``None`` for ``None`` or ``""``.

    Anything else — not a string, not a time, out of datetime's range once moved to
    UTC — is an ``EventFormatError`` naming ``where``.
    """
    if value is None or value == "":
        return None
    match = re.fullmatch(_RFC3339, value) if isinstance(value, str) else None
    if match is None:
        raise EventFormatError(f"{where}: not an RFC 3339 time: {value!r:.80}")
    from datetime import datetime, timedelta, timezone

    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        tz = timezone.utc
        if zone and zone not in "Zz":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        micros = int((fraction or "0")[:6].ljust(6, "0"))
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tz
        )
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise EventFormatError(f"{where}: not a valid time: {value!r:.80} ({exc})") from None


def parse_epoch(value: Any, where: str, *, scale: int = 1) -> datetime | None:
    """An epoch timestamp in units of ``1/scale`` s (an int, a float or a string of
    digits) as an aware UTC datetime; ``EventFormatError`` when it is none or out of range."""
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():  # not "²"
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EventFormatError(f"{where}: not an epoch time: {value!r:.80}")
    from datetime import datetime, timedelta, timezone

    try:
        # exact for integers: value / scale as a float can be off by a microsecond
        micros = value * (1_000_000 // scale) if scale <= 1_000_000 else value / (scale / 1e6)
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=micros)
    except (OverflowError, ValueError) as exc:
        raise EventFormatError(f"{where}: epoch time out of range: {value!r:.80} ({exc})") from None


def format_rfc3339(moment: datetime | None, digits: int = 0) -> str:
    """``2023-12-26T07:49:00Z`` in UTC (now when ``moment`` is ``None``; a naive
    ``moment`` is UTC), with ``digits`` (0, 3 or 6) of fraction. A moment whose UTC
    time is outside years 1 to 9999 keeps its own offset (``0001-01-01T00:00:00+01:00``)."""
    from datetime import datetime, timezone

    if moment is None:
        moment = datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    zone = "Z"
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:  # an offset that pushes year 1 or 9999 out of range
        offset = moment.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
        zone = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"  # the same instant, exactly
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
    text += f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    return text + zone


# -- WSGI --------------------------------------------------------------------------------


def read_wsgi_input(environ: Mapping[str, Any]) -> bytes:
    """The request body of a WSGI environ: ``CONTENT_LENGTH`` bytes of ``wsgi.input``,
    or all of it when the server marks the stream terminated; ``b""`` otherwise."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        digits = length.strip() if isinstance(length, str) else ""
        if digits.isascii() and digits.isdigit():
            return _read_at_most(stream, int(digits))
    if environ.get("wsgi.input_terminated"):
        return _bytes(stream.read())
    return b""


#: Bodies larger than this are read in pieces of this size.
_READ_CHUNK = 1 << 20


def _read_at_most(stream: Any, size: int) -> bytes:
    # One read for any body a platform admits; a CONTENT_LENGTH past that (a client's
    # lie, or 20 digits) is read in pieces until the stream ends: no read() is ever
    # asked for more than it can allocate or index.
    if size <= _READ_CHUNK:
        return _bytes(stream.read(size))
    chunks: list[bytes] = []
    while size > 0:
        chunk = _bytes(stream.read(min(size, _READ_CHUNK)))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _bytes(data: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise EventFormatError(f"wsgi.input.read() gave a {type(data).__name__}, not bytes")
