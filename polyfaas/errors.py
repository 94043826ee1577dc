"""Every exception polyfaas raises.

The tree::

    Exception
    ├── HTTPError                       a handler's way to answer with an HTTP error
    └── PolyfaasError                   base of everything else; catch this one
        ├── ProviderNotFoundError       (also LookupError) no provider has that name
        ├── ProviderUnavailableError    (also ImportError) its package or extra is missing
        ├── UnknownCallError            (also TypeError) the entry could not tell who called it
        ├── EventFormatError            (also ValueError) a native event is malformed
        ├── ResponseFormatError         (also TypeError) a handler returned something unencodable
        ├── HandlerImportError          (also ImportError) a TARGET could not be loaded
        ├── LifespanError               (also RuntimeError) an ASGI app's lifespan startup failed
        └── StorageError                (also OSError) polyfaas.storage: whatever the backend raised
            ├── NotFound                (also LookupError) no object (or no bucket) of that name
            ├── AccessDenied            (also PermissionError) the credentials may not do that
            └── InvalidKey              (also ValueError) a key no backend may store (``..``, NUL)

``HTTPError`` is not a ``PolyfaasError``: it is raised by user code on purpose and
turned into a response, never reported as a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from polyfaas._response import Response


class HTTPError(Exception):
    """Raise it from a handler to answer with ``status``.

    The body is ``detail`` as plain text (the status phrase when omitted), unless a
    whole ``response`` is given.
    """

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        response: Response | None = None,
    ) -> None:
        self.status = int(status)
        self.detail = detail if detail is not None else _phrase(self.status)
        self.headers = headers
        self._response = response
        super().__init__(self.status, self.detail)

    def __str__(self) -> str:
        return f"{self.status} {_phrase(self.status)}: {self.detail}"

    def to_response(self) -> Response:
        """The response this error stands for."""
        response_type = _response_class[0]
        if self._response is not None:
            return self._response
        headers: list[tuple[str, str]] = [("Content-Type", "text/plain; charset=utf-8")]
        if self.headers is not None:
            pairs: Iterable[tuple[str, str]] = (
                self.headers.items() if isinstance(self.headers, Mapping) else self.headers
            )
            extra = list(pairs)
            names = {name.lower() for name, _ in extra}
            headers = [h for h in headers if h[0].lower() not in names] + extra
        return response_type(self.status, headers, self.detail)


#: ``polyfaas._response.Response``, put here by that module once the class exists. It
#: is not imported here: ``polyfaas._response`` raises these errors (it imports this
#: module), and the package imports it before any code can build an ``HTTPError``.
_response_class: list[type[Response]] = []


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class PolyfaasError(Exception):
    """Base class of polyfaas' own errors."""


class ProviderNotFoundError(PolyfaasError, LookupError):
    """No built-in or installed provider has the requested name."""


class ProviderUnavailableError(PolyfaasError, ImportError):
    """The provider is known but its code or optional SDK is not installed."""


class UnknownCallError(PolyfaasError, TypeError):
    """An entry was called with arguments no provider recognises."""


class EventFormatError(PolyfaasError, ValueError):
    """A native event does not have the shape its platform documents."""


class ResponseFormatError(PolyfaasError, TypeError):
    """A handler returned a value that cannot become a response."""


class HandlerImportError(PolyfaasError, ImportError):
    """A handler target (``file.py:attr``, ``module:attr``, ``file.attr``) failed to load.

    ``reason`` says how, so a platform can name it its own way: ``"target"`` (the
    string is malformed or names no file), ``"missing-module"``, ``"syntax"``,
    ``"module-raised"`` (importing it raised), ``"missing-handler"``, ``"not-callable"``.
    """

    def __init__(self, message: str, reason: str = "module-raised") -> None:
        super().__init__(message)
        self.reason = reason


class LifespanError(PolyfaasError, RuntimeError):
    """An ASGI application answered ``lifespan.startup.failed``: the instance cannot
    serve, and the platform reports it as it reports a failing initializer."""


class StorageError(PolyfaasError, OSError):
    """A ``polyfaas.storage`` operation failed; the backend's own exception is its
    ``__cause__``. Every backend's failures arrive as this or one of its subclasses."""


class NotFound(StorageError, LookupError):
    """The object (or its bucket) does not exist."""


class AccessDenied(StorageError, PermissionError):
    """The function's credentials may not do this to the bucket or object (or there are
    none, or they are wrong or expired)."""


class InvalidKey(StorageError, ValueError):
    """A key no backend may store: empty, absolute, with a ``..`` or ``.`` segment, a NUL
    or a lone surrogate, or longer than 1,024 bytes."""


__all__ = [
    "AccessDenied",
    "EventFormatError",
    "HTTPError",
    "HandlerImportError",
    "InvalidKey",
    "LifespanError",
    "NotFound",
    "PolyfaasError",
    "ProviderNotFoundError",
    "ProviderUnavailableError",
    "ResponseFormatError",
    "StorageError",
    "UnknownCallError",
]
