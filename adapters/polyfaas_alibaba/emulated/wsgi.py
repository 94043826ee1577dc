"""The ``alibaba-wsgi`` provider's emulated side: FC calling an HTTP function as a WSGI
application (ASSUMPTIONS.md §3).

It builds the environ FC's runtime builds (``os.environ`` merged in first,
``SERVER_NAME=FCRUNTIME``, ``CONTENT_TYPE`` defaulting to
``application/octet-stream``, repeated headers joined with ``,``), enforces FC's
limits (``emulated.front_door``), drops the headers FC forbids, reads the answer as
FC's runtime does (``run_wsgi_app(..., lenient=True)``) and answers handler errors
with 502 and FC's error document. The cloud side is ``wsgi``.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, Callable
from urllib.parse import unquote_to_bytes

import attrs

from polyfaas import Event, Request, Response
from polyfaas.platform import (
    ErrorInfo,
    FunctionConfig,
    NativeCall,
    Outcome,
    Package,
    override,
)
from polyfaas.runtime import EventFormatError, native_str, new_id, run_wsgi_app
from polyfaas_alibaba.context import field
from polyfaas_alibaba.emulated import deploy, fc_base
from polyfaas_alibaba.emulated.fc_base import FCWorkerPlatform
from polyfaas_alibaba.emulated.front_door import FCAsync, check_request, function_response
from polyfaas_alibaba.wsgi import DEFAULT_CONTENT_TYPE, NAME

#: Request headers a client may not send to an FC function (FC drops them).
FORBIDDEN_REQUEST = frozenset({"connection", "keep-alive"})


class ErrorStream:
    """``wsgi.errors``: the instance's standard error (picklable, unlike ``sys.stderr``)."""

    def write(self, text: str) -> int:
        """Write ``text`` to standard error."""
        return sys.stderr.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each line to standard error."""
        sys.stderr.writelines(lines)

    def flush(self) -> None:
        """Flush standard error."""
        sys.stderr.flush()


class StartResponse:
    """The ``start_response`` of the native call as the platform describes it; the
    call itself is made by ``call_wsgi``, which reads the answer as FC's runtime does."""

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        raise RuntimeError("call the function through call_wsgi (NativeCall.via)")


def fc_environ(
    request: Request, *, context: Any, handler: str, base: Mapping[str, str]
) -> dict[str, Any]:
    """The environ FC's runtime passes for ``request`` (ASSUMPTIONS.md §3)."""
    environ: dict[str, Any] = dict(base)
    joined: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        lower = name.lower()
        if lower.startswith("x-fc-") or lower in FORBIDDEN_REQUEST or lower == "content-length":
            continue
        joined.setdefault(lower, []).append(native_str(value))
    content_type = ",".join(joined.pop("content-type", []))
    for lower, values in joined.items():
        key = "HTTP_" + lower.upper().replace("-", "_")
        environ[key] = ("; " if lower == "cookie" else ",").join(values)
    environ.setdefault("HTTP_HOST", native_str(request.host))
    query = request.query_string
    body = request.body
    environ.update(
        {
            "REQUEST_METHOD": request.method,
            "PATH_INFO": unquote_to_bytes(request.raw_path).decode("latin-1") or "/",
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type or DEFAULT_CONTENT_TYPE,
            "REMOTE_ADDR": request.client_ip or "127.0.0.1",
            "SERVER_NAME": "FCRUNTIME",
            "SERVER_PORT": "9000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_SOFTWARE": "FCRUNTIME/1.0",
            "SCRIPT_NAME": "",
            "HTTP": "on",
            "HTTP_X_FC_FUNCTION_HANDLER": handler,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": ErrorStream(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "fc.request_uri": request.raw_path + (f"?{query}" if query else ""),
            "fc.context": context,
        }
    )
    return environ


def call_wsgi(entry: Any, call: NativeCall) -> Response:
    """Make the WSGI call in the instance and read the answer as FC's runtime does:
    bytes written through ``write()``, then the iterable (``str`` items as UTF-8, a
    bare ``bytes`` result accepted), the last ``start_response()`` winning,
    ``close()`` always called."""
    return run_wsgi_app(entry, call.args[0], lenient=True)


class AlibabaWSGIPlatform(FCAsync, FCWorkerPlatform):
    """Platform half of ``alibaba-wsgi``: imitates FC calling an HTTP function."""

    name = NAME
    facts = attrs.evolve(
        fc_base.FACTS,
        # An HTTP function has no InvokeFunction path and no triggers of its own.
        http_only=True,
        # WSGI HTTP functions are FC 2.0's (FC 3.0 unified the handlers into events).
        python_runtimes=deploy.FC2_PYTHON,
    )

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        if not isinstance(payload, Request):
            raise EventFormatError(
                "an FC HTTP function takes HTTP requests only; "
                "use provider 'alibaba' for event invocations"
            )
        now = time.time()
        rid = new_id()  # FC 2.0 request ids are UUIDs
        instance = self.environment(config)
        environ = fc_environ(
            payload,
            context=self.context(config, rid),
            handler=config.handler,
            base={**os.environ, **instance},
        )
        return NativeCall(
            args=(environ, StartResponse()),
            environ=instance,
            request_id=rid,
            deadline=now + self.timeout(config),
            payload=payload,
            config=config,
            via=call_wsgi,
        )

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        """The function's answer within FC's limits, or FC's error answer (502)."""
        from polyfaas_alibaba.emulated.lifecycle import (
            InitializationFailure,
            initialization_failed,
        )

        if isinstance(outcome.value, InitializationFailure):
            return initialization_failed(outcome.value, call)
        if outcome.error is not None:  # a header with CR/LF: BadResponse
            return fc_base.failed_answer(outcome.error, call)
        value = outcome.value
        if not isinstance(value, Response):
            message = f"the WSGI handler's answer is a {type(value).__name__}"
            return fc_base.error_answer({"errorMessage": message, "errorType": "BadResponse"}, call)
        return function_response(value, call, default_domain=self.on_default_domain(call.config))

    @override
    def timed_out(self, call: NativeCall) -> Response:
        return fc_base.timeout_answer(field(call.args[0].get("fc.context"), "function"), call)

    @override
    def crashed(self, call: NativeCall, detail: str) -> Response:
        return fc_base.crash_answer(call, detail)

    @override
    def load_failed(self, call: NativeCall, reason: str, error: ErrorInfo) -> Response:
        """FC's answer when the handler cannot load (the context names the handler)."""
        function = field(call.args[0].get("fc.context"), "function")
        return fc_base.load_failure_answer(function, reason, error, call)

    @override
    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        """FC's limits on the request; within them, the HTTP invocation itself."""
        return check_request(request) or request

    @override
    def deploy_files(self, package: Package) -> dict[str, str]:
        """The FC 2.0 ``devsapp/fc`` component's ``s.yaml`` (``emulated.deploy``)."""
        return {"s.yaml": deploy.fc2_http_yaml(package)}


platform = AlibabaWSGIPlatform(default_domain=True)  # fcapp.run unless --custom-domain

__all__ = ["AlibabaWSGIPlatform", "call_wsgi", "fc_environ", "platform"]
