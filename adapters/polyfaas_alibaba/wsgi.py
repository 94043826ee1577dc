"""The ``alibaba-wsgi`` provider's cloud side: an FC HTTP function,
``handler(environ, start_response)``.

FC 2.0's built-in Python runtime calls an HTTP function as a WSGI application
(ASSUMPTIONS.md §3): the environ holds the request, ``fc.context`` (the same context
object event handlers get) and ``fc.request_uri``; the answer goes back through
``start_response`` and an iterable of bytes.

Any WSGI call ``(environ, start_response)`` becomes a ``Request`` (``native`` is the
environ) and a ``Context`` read from ``fc.context`` and FC's variables; a ``Response``
goes back through ``start_response``. An entry made by ``polyfaas.wsgi(app)`` sees
FC's ``fc.*`` keys in its environ too. The platform half, which builds FC's environ
and enforces its limits, is ``emulated.wsgi``.

What the runtime half cannot give back (documented losses): the client's own
``x-fc-*``, ``Connection`` and ``Keep-Alive`` headers (FC forbids them); an explicit
``Content-Type: application/octet-stream`` or ``Content-Length: 0`` on an empty body
(FC's defaults look the same); the order and case of header names; and, when
``fc.request_uri`` does not carry it, ``%2F`` as opposed to ``/``.

Assumptions where the reference says UNCONFIRMED (also in ``ASSUMPTIONS.md``):
``fc.request_uri`` is the request target as the client sent it (path and query);
``PATH_INFO`` and header values are PEP 3333 native strings (UTF-8 bytes read as
latin-1), as every WSGI server gives them; ``HTTP_HOST`` carries the request's host;
``Cookie`` repeats are joined with ``; `` (FC joins every header with ``,``);
forbidden request headers are dropped, not refused; the limit errors are
``{"ErrorCode", "ErrorMessage"}`` documents with ``X-Fc-Error-Type: FcCommonError``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from polyfaas.runtime import (
    Invocation,
    RuntimeHalf,
    UnknownCallError,
    describe_call,
    new_id,
    override,
    request_from_environ,
    start_wsgi_response,
    to_response,
)
from polyfaas_alibaba import context as fc_context

if TYPE_CHECKING:
    from polyfaas import Context

NAME = "alibaba-wsgi"
#: The ``CONTENT_TYPE`` FC's runtime gives a request that has none.
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def is_wsgi_call(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> bool:
    """Whether a call is ``(environ, start_response)``."""
    if len(args) != 2 or kwargs:
        return False
    environ, start_response = args
    return (
        isinstance(environ, dict)
        and callable(start_response)
        and "REQUEST_METHOD" in environ
        and ("wsgi.input" in environ or "fc.context" in environ)
    )


def _canonical_view(environ: Mapping[str, Any]) -> dict[str, Any]:
    """The environ without what FC adds of its own (``HTTP_X_FC_*``, the default
    content type of an empty body), and with the raw request target when
    ``fc.request_uri`` carries one that matches ``PATH_INFO``."""
    view = {k: v for k, v in environ.items() if not k.startswith("HTTP_X_FC_")}
    if view.get("CONTENT_LENGTH") in ("0", "", None):
        view.pop("CONTENT_LENGTH", None)
        if view.get("CONTENT_TYPE") == DEFAULT_CONTENT_TYPE:
            view.pop("CONTENT_TYPE")
    uri = environ.get("fc.request_uri")
    if isinstance(uri, str) and uri.startswith("/") and "REQUEST_URI" not in environ:
        raw_path = uri.partition("?")[0]
        try:  # the target is a native string too: its bytes are latin-1
            target = unquote_to_bytes(raw_path.encode("latin-1")).decode("latin-1")
        except UnicodeEncodeError:  # real text ("/日本") or a lone surrogate: not a target
            target = None
        if target == environ.get("PATH_INFO"):
            view["REQUEST_URI"] = uri
    return view


def canonical_context(native: Any, environ: Mapping[str, str]) -> Context:
    """The canonical ``Context`` of ``fc.context`` (absent under another WSGI server),
    its fields built when first read (``context.lazy_canonical``)."""
    context = fc_context.lazy_canonical(native, environ)
    if context.request_id:
        return context
    import attrs

    return attrs.evolve(context, request_id=new_id())


class AlibabaWSGIRuntime(RuntimeHalf):
    """Runtime half of ``alibaba-wsgi``: ``(environ, start_response)`` ⇄ canonical."""

    name = NAME
    cloud = "alibaba"

    @override
    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        return is_wsgi_call(args, kwargs)

    @override
    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        environ = args[0] if args else kwargs.get("environ")
        start_response = args[1] if len(args) > 1 else kwargs.get("start_response")
        if not isinstance(environ, dict) or not callable(start_response):
            raise UnknownCallError(
                "an FC HTTP function is called as handler(environ, start_response); got "
                + describe_call(args, kwargs)
            )
        request = request_from_environ(_canonical_view(environ), native=environ)
        context = canonical_context(environ.get("fc.context"), os.environ)
        return Invocation(request, context, native=(environ, start_response))

    @override
    def encode(self, result: Any, invocation: Invocation) -> Any:
        return start_wsgi_response(to_response(result), invocation.native[1])


runtime = AlibabaWSGIRuntime()

__all__ = ["DEFAULT_CONTENT_TYPE", "NAME", "AlibabaWSGIRuntime", "is_wsgi_call", "runtime"]
