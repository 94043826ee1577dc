"""The provider kit, cloud side: what a provider's runtime half is made of.

A runtime half runs inside the cloud, in the user's function. It subclasses
``RuntimeHalf`` and overrides what its platform needs::

    from polyfaas.runtime import Invocation, RuntimeHalf, override

    class MyCloudRuntime(RuntimeHalf):
        name = "mycloud"
        cloud = "mycloud"

        @override
        def detect(self, args, kwargs, environ):      # is this call from my cloud?
            ...
        @override
        def decode(self, args, kwargs) -> Invocation:  # native call → canonical
            ...
        @override
        def encode(self, result, invocation):          # canonical answer → native
            ...

With the half come the codecs every platform's envelopes need, each total (bad input
is an ``EventFormatError``, never a raw ``ValueError``/``OverflowError``): bodies as
text or base64, Go-canonical header names, RFC 3339 times, compact JSON, PEP 3333
native strings, ``wsgi.input``, running a WSGI app, lazy views (a query parsed on first
read, ``os.environ`` as it was at the call). Everything here is cheap to
import: the WSGI bridge and the TARGET loader are imported on first use.

The other half, which imitates the cloud for the runner and the tests, is in
``polyfaas.platform``; the contract both halves must keep, in
``polyfaas.testing.conformance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas._codec import (
    body_from_text_or_base64,
    body_to_text_or_base64,
    format_rfc3339,
    from_native_str,
    go_canonical_header,
    media_type,
    native_str,
    parse_epoch,
    parse_rfc3339,
    read_wsgi_input,
)
from polyfaas._entry import (
    describe_call,
    event_from_request,
    live_environ,
    payload_data,
    resolve_awaitable,
)
from polyfaas._environ_copy import OS_ENVIRON, OS_ENVIRON_TABLE, env_get, environment_at_call
from polyfaas._event import new_id
from polyfaas._invocation import Invocation, Payload
from polyfaas._multi_value import multi_value_index, multi_value_pairs, object_field
from polyfaas._override import check_overrides, override
from polyfaas._request import (
    PATH_SAFE,
    decode_path,
    encode_path,
    encode_query,
    lazy_query,
    parse_query,
    query_string_of,
)
from polyfaas._response import collected, dump_json, error_response, iter_chunks, to_response
from polyfaas.errors import (
    EventFormatError,
    HandlerImportError,
    PolyfaasError,
    ResponseFormatError,
    UnknownCallError,
)

if TYPE_CHECKING:
    from polyfaas._native import ErrorInfo, Frame
    from polyfaas._target import Target, load_target, parse_target
    from polyfaas.serving import serve_wsgi
    from polyfaas.wsgi_bridge import (
        WSGIFields,
        environ_from_request,
        request_from_environ,
        run_wsgi_app,
        start_wsgi_response,
        status_line,
    )


class RuntimeHalf:
    """Native call → canonical ``Invocation``; handler result → native return value.

    Subclasses override ``decode`` (required) and whichever of the others their
    platform needs, each marked ``@override`` (a marked method that overrides
    nothing fails when the class is made, and in mypy).
    """

    #: The provider's name, as in the registry (``yandex-gateway``).
    name: str = ""
    #: The platform the function runs on, which ``Context.provider`` reports
    #: (``yandex`` for ``yandex`` and ``yandex-gateway`` alike).
    cloud: str = ""
    #: Whether ``encode`` takes a streamed ``Response`` (``Response.stream``, an ASGI
    #: streaming response) as it is, to send chunk by chunk; when false (the default:
    #: the platform buffers) the entry reads its chunks into ``body`` first.
    streams: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_overrides(cls)

    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        """Whether this native call (and the instance's environment) comes from this
        platform. The default claims nothing: the provider is used when named."""
        return False

    def recognizes(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> bool:
        """Whether a call still has this platform's shape, asked on every call of the
        runtime that decoded an earlier one of the entry (a platform never changes
        under a running process, issue 15 decision 2), instead of ``detect``. Override
        it with a cheaper check of the call's shape that no other platform's call
        passes (the test kit and the runner call one entry from several emulated
        platforms); the default is ``detect`` with the live environment. A ``False``
        only sends the call through full detection."""
        return self.detect(args, kwargs, live_environ)

    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        """The canonical invocation of a native call; ``EventFormatError`` if malformed."""
        raise UnknownCallError(
            f"provider {self.name!r} takes no function calls; got {describe_call(args, kwargs)}"
        )

    def decode_for_wsgi(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        """``decode`` for an entry that serves a WSGI application (``polyfaas.wsgi``):
        the same invocation, whose ``Request`` may be lazy (``Request._lazy``), its
        filler reading the WSGI environ's values straight from the native input
        (``wsgi_fields``, see ``WSGIFields``): a WSGI app reads the environ, not the
        canonical fields. A malformed input must still be the
        decoder's ``EventFormatError``, raised when the environ is built. The default
        is ``decode``."""
        return self.decode(args, kwargs)

    def encode(self, result: Any, invocation: Invocation) -> Any:
        """The native return value for ``result``: the handler's value as it is by default
        (a ``Response`` for a request, an event handler's value, a batch's list)."""
        return result

    def instance_started(self, entry: Any) -> None:
        """Called once per instance by ``Entry.run_init`` after the instance's init (an
        ASGI app's lifespan startup, the init hook) succeeded, with the entry. Override
        it where the platform stops an instance in a way only the runtime sees, to run
        ``entry.shutdown()`` then (Yandex: a handler for its graceful-shutdown signal).
        The default does nothing."""

    def serve(
        self,
        target: str,
        *,
        host: str | None = None,
        port: int | None = None,
        timeout: float | None = None,
        grace: float | None = None,
    ) -> int:
        """Run the platform's production server for ``target`` (``polyfaas serve``), for
        platforms whose instances are servers; the default has none. ``timeout``: the
        calls' deadline in seconds where the platform tells the function none;
        ``grace``: how long SIGTERM waits for the calls in flight (``None``: the
        platform's default)."""
        raise PolyfaasError(
            f"provider {self.name!r} has no server of its own; its platform calls the "
            "handler directly"
        )


_LAZY = {
    "ErrorInfo": "polyfaas._native",
    "Frame": "polyfaas._native",
    "Target": "polyfaas._target",
    "load_target": "polyfaas._target",
    "parse_target": "polyfaas._target",
    "environ_from_request": "polyfaas.wsgi_bridge",
    "WSGIFields": "polyfaas.wsgi_bridge",
    "request_from_environ": "polyfaas.wsgi_bridge",
    "run_wsgi_app": "polyfaas.wsgi_bridge",
    "start_wsgi_response": "polyfaas.wsgi_bridge",
    "status_line": "polyfaas.wsgi_bridge",
    "serve_wsgi": "polyfaas.serving",
}


def __getattr__(name: str) -> Any:
    # What only some runtime halves need stays out of every cold start.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "PATH_SAFE",
    "ErrorInfo",
    "EventFormatError",
    "HandlerImportError",
    "PolyfaasError",
    "ResponseFormatError",
    "UnknownCallError",
    "WSGIFields",
    "Frame",
    "Invocation",
    "OS_ENVIRON",
    "OS_ENVIRON_TABLE",
    "Payload",
    "RuntimeHalf",
    "Target",
    "body_from_text_or_base64",
    "body_to_text_or_base64",
    "collected",
    "decode_path",
    "describe_call",
    "dump_json",
    "encode_path",
    "encode_query",
    "env_get",
    "environment_at_call",
    "environ_from_request",
    "error_response",
    "event_from_request",
    "format_rfc3339",
    "from_native_str",
    "go_canonical_header",
    "iter_chunks",
    "lazy_query",
    "load_target",
    "media_type",
    "multi_value_index",
    "multi_value_pairs",
    "native_str",
    "new_id",
    "object_field",
    "override",
    "parse_epoch",
    "parse_query",
    "parse_rfc3339",
    "parse_target",
    "payload_data",
    "query_string_of",
    "read_wsgi_input",
    "resolve_awaitable",
    "request_from_environ",
    "run_wsgi_app",
    "serve_wsgi",
    "start_wsgi_response",
    "status_line",
    "to_response",
]
