"""``Bucket``: one API over every backend, and the rules every backend shares.

The rules are checked here, before a backend sees a call, so that a key or a
metadata name that one store takes is taken by all of them (the local folder is the
strictest: its keys are paths). Whatever a backend raises reaches the caller as a
``StorageError`` (``NotFound``, ``AccessDenied``…), the backend's exception as its
``__cause__``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from functools import partial
from typing import IO, TYPE_CHECKING, Any, Callable, Protocol, TypeVar, Union

from polyfaas.errors import InvalidKey, StorageError

if TYPE_CHECKING:
    from polyfaas.storage._model import ObjectInfo

#: The longest key (UTF-8 bytes) S3 and OSS take.
MAX_KEY_BYTES = 1024
#: How many objects one listing call asks a backend for (S3's and OSS's own maximum).
PAGE_SIZE = 1000
#: Methods a presigned URL may be made for.
URL_METHODS = frozenset({"GET", "PUT", "HEAD", "DELETE"})
#: The longest life of a presigned URL: S3's (SigV4) limit, seven days.
MAX_URL_EXPIRES = 7 * 24 * 3600

#: What ``put`` takes: the content itself, or a binary file to read it from.
Data = Union[bytes, bytearray, memoryview, str, IO[bytes]]

# Metadata names travel as HTTP header names (x-amz-meta-*, x-oss-meta-*): token
# characters, compared without case, so stored lower-case.
_META_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*\Z")


class Backend(Protocol):
    """One bucket of one store, as a provider's storage module opens it.

    The ``Bucket`` in front of it has checked every argument (``check_key``, the
    metadata rules, ``expires`` and ``method``) and turned ``data`` into bytes or a
    binary file. A backend raises ``NotFound``/``AccessDenied``/``StorageError`` for
    the failures it recognises; anything else it raises becomes a ``StorageError``.
    """

    def put(
        self,
        key: str,
        data: bytes | IO[bytes],
        content_type: str,
        metadata: Mapping[str, str],
    ) -> None: ...

    def get(self, key: str) -> bytes: ...

    def open(self, key: str) -> IO[bytes]: ...

    def head(self, key: str) -> ObjectInfo: ...

    def list_page(self, prefix: str, after: str, limit: int) -> tuple[list[ObjectInfo], str | None]:
        """Up to ``limit`` objects whose key starts with ``prefix`` and sorts after
        ``after`` (``""``: from the first), in key order; and the key to continue
        after, or ``None`` when there are no more."""
        ...

    def delete(self, key: str) -> None: ...

    def url(self, key: str, expires: int, method: str) -> str: ...


def check_key(key: object) -> str:
    """``key`` when every backend can store it (keys with ``/`` are folders), else
    ``InvalidKey`` saying why: it must be non-empty text of at most 1,024 UTF-8 bytes,
    with no NUL, no lone surrogate, no backslash, and no empty, ``.`` or ``..``
    segment (so no leading or trailing ``/`` either)."""
    if not isinstance(key, str):
        raise InvalidKey(f"an object key is a str, not {type(key).__name__}")
    if not key:
        raise InvalidKey("an object key cannot be empty")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidKey(f"object key {key!r} holds a lone surrogate (not UTF-8)") from None
    if size > MAX_KEY_BYTES:
        raise InvalidKey(f"an object key is at most {MAX_KEY_BYTES} UTF-8 bytes, not {size}")
    if "\x00" in key:
        raise InvalidKey(f"object key {key!r} holds a NUL character")
    if "\\" in key:
        raise InvalidKey(f"object key {key!r} holds a backslash (use / between folders)")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            shown = "an empty" if not segment else repr(segment)
            raise InvalidKey(
                f"object key {key!r} has {shown} segment (no leading, trailing or double "
                "/, no . or ..)"
            )
    return key


def check_prefix(prefix: object) -> str:
    """A listing prefix: ``""``, or text that a key may start with."""
    if not isinstance(prefix, str):
        raise InvalidKey(f"a listing prefix is a str, not {type(prefix).__name__}")
    if prefix:
        # A key's start: its whole segments are checked as a key's, the last one (a
        # part of a segment, or empty after a final "/") only for its characters.
        folders, _, last = prefix.rpartition("/")
        if folders or prefix.startswith("/"):
            check_key(folders)
        if last:
            check_key(last.replace(".", "x"))
    return prefix


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata as every store keeps it: lower-case token names, printable ASCII
    values (they travel as HTTP headers)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata is a mapping of str to str, not {type(metadata).__name__}")
    checked: dict[str, str] = {}
    pairs: Any = metadata.items()  # a caller's, checked: not trusted to be str
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"metadata is str to str; got {name!r}: {type(value).__name__}")
        folded = name.lower()
        if not _META_NAME.match(folded):
            raise ValueError(f"metadata name {name!r} is not letters, digits, '-', '_', '.'")
        if not _PRINTABLE_ASCII.match(value):
            raise ValueError(f"metadata {name!r}: a value is printable ASCII (an HTTP header)")
        checked[folded] = value
    return checked


def _content(data: object) -> bytes | IO[bytes]:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    if callable(getattr(data, "read", None)):
        return data  # type: ignore[return-value]
    raise TypeError(f"put() takes bytes, str or a binary file, not {type(data).__name__}")


def _content_type(content_type: object, data: object) -> str:
    if content_type is None:
        return "text/plain; charset=utf-8" if isinstance(data, str) else "application/octet-stream"
    if not isinstance(content_type, str) or not _PRINTABLE_ASCII.match(content_type):
        raise ValueError(f"content_type is printable ASCII text, not {content_type!r}")
    return content_type


T = TypeVar("T")


def _mapped(what: str, call: Callable[[], T]) -> T:
    # Every backend's failure in the polyfaas tree; the message names the operation.
    try:
        return call()
    except StorageError:
        raise
    except Exception as exc:
        raise StorageError(f"{what} failed: {type(exc).__name__}: {exc}") from exc


class Reader(io.RawIOBase):
    """A binary stream over a backend's reader (anything with ``read(n)`` and
    ``close()``), its failures as ``StorageError``."""

    def __init__(self, source: Any, what: str) -> None:
        super().__init__()
        self._source = source
        self._what = what

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        chunk = _mapped(f"reading {self._what}", lambda: self._source.read(len(view)))
        size = len(chunk)
        view[:size] = chunk
        return size

    def close(self) -> None:
        if not self.closed:
            try:
                close = getattr(self._source, "close", None)
                if close is not None:
                    close()
            finally:
                super().close()


class Bucket:
    """A bucket of the store the function runs beside (``polyfaas.storage.bucket``)."""

    def __init__(self, name: str, backend: Backend, kind: str) -> None:
        self.name = name
        self.backend = backend
        #: Which store: ``"local"`` (a folder), else the provider whose store it is.
        self.kind = kind

    def __repr__(self) -> str:
        return f"<polyfaas.storage.Bucket {self.name!r} ({self.kind})>"

    def _where(self, key: str) -> str:
        return f"{self.kind} bucket {self.name!r}, key {key!r}"

    def put(
        self,
        key: str,
        data: Data,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Write the object ``key`` (replacing any): ``data`` as bytes, as UTF-8 text
        (``text/plain; charset=utf-8`` unless ``content_type`` says otherwise), or read
        from a binary file; ``metadata`` is kept with it (names lower-cased)."""
        key = check_key(key)
        body, kind = _content(data), _content_type(content_type, data)
        meta = check_metadata(metadata)
        _mapped(f"put({self._where(key)})", lambda: self.backend.put(key, body, kind, meta))

    def get(self, key: str) -> bytes:
        """The object's whole content (``NotFound`` when there is none)."""
        key = check_key(key)
        return _mapped(f"get({self._where(key)})", lambda: self.backend.get(key))

    def open(self, key: str) -> IO[bytes]:
        """A binary reader of the object's content, read as it streams in (close it,
        or use it as a context manager)."""
        key = check_key(key)
        where = self._where(key)
        source = _mapped(f"open({where})", lambda: self.backend.open(key))
        return io.BufferedReader(Reader(source, where), buffer_size=256 * 1024)

    def head(self, key: str) -> ObjectInfo:
        """The object's size, etag, content type, metadata and last change."""
        key = check_key(key)
        return _mapped(f"head({self._where(key)})", lambda: self.backend.head(key))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order, fetched a page
        (1,000 objects) at a time as the iteration goes."""
        prefix = check_prefix(prefix)
        after = ""
        while True:
            where = f"list({self.kind} bucket {self.name!r}, prefix {prefix!r})"
            page, after_next = _mapped(
                where, partial(self.backend.list_page, prefix, after, PAGE_SIZE)
            )
            yield from page
            if after_next is None:
                return
            after = after_next

    def delete(self, key: str) -> None:
        """Remove the object; removing one that is not there is no error (as in S3
        and OSS)."""
        key = check_key(key)
        _mapped(f"delete({self._where(key)})", lambda: self.backend.delete(key))

    def url(self, key: str, expires: int = 3600, method: str = "GET") -> str:
        """A presigned URL that lets its holder ``method`` the object for ``expires``
        seconds, without credentials of its own."""
        key = check_key(key)
        verb: Any = method  # a caller's, checked: not trusted to be typed
        life: Any = expires
        if not isinstance(verb, str) or verb.upper() not in URL_METHODS:
            raise ValueError(f"a presigned URL's method is one of {sorted(URL_METHODS)}")
        if isinstance(life, bool) or not isinstance(life, int) or not 0 < life <= MAX_URL_EXPIRES:
            raise ValueError(f"expires is whole seconds, 1 to {MAX_URL_EXPIRES}, not {life!r}")
        upper = verb.upper()
        return _mapped(f"url({self._where(key)})", lambda: self.backend.url(key, life, upper))
