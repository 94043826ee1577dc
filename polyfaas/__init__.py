"""polyfaas: write a Python serverless function once, run it on every platform.

::

    import polyfaas

    @polyfaas.http
    def handler(request, context):
        return {"hello": request.query.get("name", "world")}

The object ``@polyfaas.http`` returns is the deployable entry: point the platform's
handler setting at it (``main.handler``) and it answers in that platform's native
form. See ``polyfaas.providers`` for how platforms are plugged in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polyfaas._context import Context
from polyfaas._entry import Entry, asgi, event, http, wsgi
from polyfaas._event import EventType
from polyfaas._multidict import Headers, MultiDict
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import HTTPError, PolyfaasError

if TYPE_CHECKING:
    from polyfaas._credentials import Credentials
    from polyfaas._event import Event, EventBatch

__version__ = "0.1.0"

__all__ = [
    "Context",
    "Credentials",
    "Entry",
    "Event",
    "EventBatch",
    "EventType",
    "HTTPError",
    "Headers",
    "MultiDict",
    "PolyfaasError",
    "Request",
    "Response",
    "__version__",
    "asgi",
    "event",
    "http",
    "wsgi",
]


def __getattr__(name: str) -> Any:
    # ``Event`` and ``EventBatch`` are created on first use (``polyfaas._event``): an
    # HTTP function's cold start never pays for the two attrs classes.
    if name in ("Event", "EventBatch"):
        from polyfaas import _event

        value = getattr(_event, name)
        globals()[name] = value
        return value
    if name == "Credentials":  # likewise: only a call with credentials needs it
        from polyfaas._credentials import Credentials

        globals()[name] = Credentials
        return Credentials
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
