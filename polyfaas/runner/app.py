"""The runner's front door: a WSGI application that answers like the chosen platform.

Each HTTP request goes through the provider's platform half — which may answer it
itself (limits, the platform's own endpoints) — into a function instance, and the
native result comes back the way the platform's caller would receive it.

The hooks a platform half offers (each with a default) are in ``polyfaas.platform``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from polyfaas._event import Event
from polyfaas._multidict import mask_urls
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.platform import (
    CallResult,
    FunctionConfig,
    InstancePool,
    InvocationReport,
    NativeCall,
    PlatformHalf,
)
from polyfaas.runner.bounded import BodyTooLarge, IncompleteBody, bound_body
from polyfaas.wsgi_bridge import StartResponse, request_from_environ, start_wsgi_response

STATUS_COLOURS = {2: "32", 3: "36", 4: "33", 5: "1;31"}


def answer(platform: PlatformHalf, call: NativeCall, result: CallResult) -> Response:
    """What the caller receives for a finished call, however it ended."""
    if result.ending == "returned" and result.outcome is not None:
        return platform.receive(result.outcome, call)
    if result.ending == "timeout":
        return platform.timed_out(call)
    if result.ending == "load-failed" and result.load_failure is not None:
        failure = result.load_failure
        return platform.load_failed(call, failure.reason, failure.error)
    return platform.crashed(call, result.detail)


class _Given:
    """A ``wsgi.input`` that hands over ``body`` itself (``io.BytesIO`` would copy it)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self, size: int = -1) -> bytes:
        body, self.body = self.body, b""
        return body


def head_of(environ: dict[str, Any], body: bytes = b"") -> Request:
    """The request of ``environ`` with ``body`` in place of the one it sent."""
    head = {key: value for key, value in environ.items() if key != "wsgi.input_terminated"}
    head["wsgi.input"] = _Given(body)
    if body:
        head["CONTENT_LENGTH"] = str(len(body))
    return request_from_environ(head, native=None)


class Dispatcher:
    """Runs canonical payloads through a platform half and a pool of instances,
    writing the platform's log lines."""

    def __init__(
        self,
        platform: PlatformHalf,
        pool: InstancePool,
        config: FunctionConfig,
        log: TextIO | None = None,
    ) -> None:
        platform.check_settings(config)
        self.platform = platform
        self.pool = pool
        self.config = config
        self.log = log if log is not None else sys.stdout

    def __call__(self, payload: Request | Event) -> tuple[Response, NativeCall, CallResult]:
        call = self.platform.call(payload, self.config)
        self._lines(self.platform.start_lines(call))
        started = time.perf_counter()
        result = self.pool.run(call, self.platform.timeout(self.config))
        duration_ms = (time.perf_counter() - started) * 1000
        response = answer(self.platform, call, result)
        report = InvocationReport(
            duration_ms=result.outcome.duration_ms if result.outcome is not None else duration_ms,
            memory_mb=self.config.memory_mb,
            max_memory_mb=result.max_memory_mb,
            init_duration_ms=result.init_duration_ms,
            failed=result.ending != "returned"
            or result.outcome is None
            or result.outcome.error is not None,
        )
        self._lines(self.platform.end_lines(call, report))
        return response, call, result

    def _lines(self, lines: list[str]) -> None:
        if lines:
            self.log.write("".join(f"{line}\n" for line in lines))
            self.log.flush()


class RunnerApp:
    """WSGI application: HTTP → platform half → instance → platform half → HTTP."""

    def __init__(self, dispatcher: Dispatcher, access_log: TextIO | None = None) -> None:
        self.dispatcher = dispatcher
        self.access_log = access_log if access_log is not None else sys.stderr
        self.colour = self.access_log.isatty()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = "-"
        # Past a refusal the rest of the body is never read: the server closes every
        # connection after its answer (werkzeug's own rule), and drains what was sent.
        try:
            # The body is counted against the platform's limit before it is buffered.
            bound_body(environ, self.dispatcher.platform.facts.max_request_body)
            # The runner's own environ is no platform's native input, and cannot travel.
            request = request_from_environ(environ, native=None)
        except BodyTooLarge:
            request = head_of(environ)
            response = self.too_large(environ)
        except IncompleteBody as exc:
            # Never invoke a request whose body did not arrive whole.
            request = head_of(environ)
            response = Response.from_text(f"Bad Request: {exc}", 400)
        else:
            admitted = self.dispatcher.platform.admit(request, self.dispatcher.config)
            if isinstance(admitted, Response):
                response = admitted
            else:
                response, call, _ = self.dispatcher(admitted)
                request_id = call.request_id
        self._access(request, response, (time.perf_counter() - started) * 1000, request_id)
        body = start_wsgi_response(response, start_response)
        return [] if request.method == "HEAD" else body

    def too_large(self, environ: dict[str, Any]) -> Response:
        """The platform's own answer to this request with a body just over its limit
        (its front door's refusal), else one built from its facts."""
        platform = self.dispatcher.platform
        limit = platform.facts.max_request_body or 0
        probe = head_of(environ, body=bytes(limit + 1))  # zero pages: not resident
        answer = platform.admit(probe, self.dispatcher.config)
        if isinstance(answer, Response):
            return answer
        return Response.from_text("Request Entity Too Large", platform.facts.too_large_status)

    def _access(self, request: Request, response: Response, ms: float, request_id: str) -> None:
        status = str(response.status)
        if self.colour:
            status = f"\x1b[{STATUS_COLOURS.get(response.status // 100, '0')}m{status}\x1b[0m"
        # A token in the query (?token=…) never reaches the log; nor does the path's own.
        target = mask_urls(request.raw_path + (f"?{request.query_string}" if request.query else ""))
        self.access_log.write(
            f"{request.client_ip or '-'} {request.method} {target} {status} "
            f"{ms:.1f} ms {request_id}\n"
        )
        self.access_log.flush()
