"""The runner's front door: a WSGI application that answers like the chosen platform.

Each HTTP request goes through the provider's platform half — which may answer it
itself (limits, the platform's own endpoints) — into a function instance, and the
native result comes back the way the platform's caller would receive it.

The hooks a platform half offers (each with a default) are in ``polyfaas.platform``.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
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
from polyfaas.runner.storage import serve as serve_own_path
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
        response, result = self.run(call)
        return response, call, result

    def run(self, call: NativeCall) -> tuple[Response, CallResult]:
        """Make ``call`` once, between the platform's log lines: what its caller gets."""
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
        return response, result

    def attempts(self, call: NativeCall, wait: Callable[[float], bool] | None = None) -> int:
        """Make an asynchronous ``call`` and its retries, as the platform's
        ``async_retry`` decides (``wait(seconds)`` between them, returning ``False``
        to give up; ``None`` retries at once): the number of attempts made."""
        attempt = 0
        while True:
            attempt += 1
            response, _ = self.run(call)
            delay = self.platform.async_retry(call, response, attempt)
            if delay is None:
                return attempt
            if wait is not None and not wait(delay):
                self.note(
                    f"asynchronous invocation {call.request_id} cancelled before retry "
                    f"{attempt}: the runner is stopping"
                )
                return attempt

    def note(self, text: str) -> None:
        """One line of the runner's own in the function's log."""
        self._lines([f" * {text}"])

    def _lines(self, lines: list[str]) -> None:
        if lines:
            self.log.write("".join(f"{line}\n" for line in lines))
            self.log.flush()


#: Asynchronous invocations the runner holds at most (queued or being retried).
MAX_PENDING_ASYNC = 100
#: Threads that make them (each waits for a free instance, like an HTTP request).
ASYNC_WORKERS = 4
#: Multiplies the platform's waits between retries (``0`` retries at once).
ASYNC_BACKOFF_SCALE_ENV = "POLYFAAS_ASYNC_BACKOFF_SCALE"


def backoff_scale() -> float:
    """``POLYFAAS_ASYNC_BACKOFF_SCALE`` as a factor ≥ 0 (``1`` when unset or unusable)."""
    try:
        scale = float(os.environ.get(ASYNC_BACKOFF_SCALE_ENV, "1"))
    except ValueError:
        return 1.0
    return scale if scale >= 0 else 1.0


class Background:
    """The runner's asynchronous invocations: a bounded queue, a few threads, the
    platform's retries; ``close`` cancels what has not started, with a log line
    each, and waits for the attempts under way."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        workers: int = ASYNC_WORKERS,
        limit: int = MAX_PENDING_ASYNC,
        scale: float | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.scale = backoff_scale() if scale is None else scale
        self.calls: queue.Queue[NativeCall | None] = queue.Queue()
        self.slots = threading.BoundedSemaphore(limit)
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._work, name=f"polyfaas-async-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, call: NativeCall) -> bool:
        """Queue ``call``; ``False`` when the queue is full or the runner is stopping."""
        if self.stopping.is_set() or not self.slots.acquire(blocking=False):
            return False
        self.calls.put(call)
        return True

    def _wait(self, delay: float) -> bool:
        return not self.stopping.wait(max(0.0, delay) * self.scale)

    def _work(self) -> None:
        while True:
            call = self.calls.get()
            if call is None:
                return
            try:
                if self.stopping.is_set():
                    self.dispatcher.note(
                        f"asynchronous invocation {call.request_id} cancelled before it "
                        "started: the runner is stopping"
                    )
                else:
                    self.dispatcher.attempts(call, self._wait)
            except Exception as exc:  # never lose the thread: say what happened
                self.dispatcher.note(
                    f"asynchronous invocation {call.request_id} failed in the runner: {exc!r}"
                )
            finally:
                self.slots.release()

    def close(self, timeout: float | None = None) -> None:
        """Stop taking calls, cancel the queued ones (logged), and wait (up to
        ``timeout`` seconds) for the attempts under way."""
        self.stopping.set()
        for _ in self.threads:
            self.calls.put(None)
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self.threads:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(left)


def queue_full(call: NativeCall) -> Response:
    """The runner's own answer when it holds ``MAX_PENDING_ASYNC`` asynchronous calls."""
    return Response.from_text(
        "Too many pending asynchronous invocations; retry later",
        503,
        [("Retry-After", "1"), ("X-Request-Id", call.request_id)],
    )


class RunnerApp:
    """WSGI application: HTTP → platform half → instance → platform half → HTTP.

    An asynchronous invocation (the platform's ``asynchronous`` answers it) runs in
    ``background`` when there is one (``polyfaas run``); without one (the test kit)
    its attempts, retries included and without the waits, are made before the
    platform's immediate answer is returned.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        access_log: TextIO | None = None,
        background: Background | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.access_log = access_log if access_log is not None else sys.stderr
        self.colour = self.access_log.isatty()
        self.background = background

    def close(self, timeout: float | None = None) -> None:
        """Cancel the queued asynchronous calls and wait for those under way."""
        if self.background is not None:
            self.background.close(timeout)

    def invoke(self, request: Request, admitted: Request | Event) -> tuple[Response, str]:
        """The answer to an admitted request, and its request id: the call made now,
        or, for an asynchronous invocation, the platform's immediate answer."""
        dispatcher = self.dispatcher
        call = dispatcher.platform.call(admitted, dispatcher.config)
        immediate = dispatcher.platform.asynchronous(request, call)
        if immediate is None:
            response, _ = dispatcher.run(call)
        elif self.background is None:
            dispatcher.attempts(call)
            response = immediate
        elif self.background.submit(call):
            response = immediate
        else:
            response = queue_full(call)
        return response, call.request_id

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
            try:
                # The runner's own paths first (polyfaas.storage's presigned URLs).
                own = serve_own_path(request, self.dispatcher.config)
                admitted = own or self.dispatcher.platform.admit(request, self.dispatcher.config)
                if isinstance(admitted, Response):
                    response = admitted
                else:
                    response, request_id = self.invoke(request, admitted)
            except Exception:  # a fault of the runner or a platform half, not the function's
                response = self.runner_failed()
        self._access(request, response, (time.perf_counter() - started) * 1000, request_id)
        body = start_wsgi_response(response, start_response)
        if request.method == "HEAD":
            close = getattr(body, "close", None)
            if close is not None:  # a streamed body unread: its instance is freed
                close()
            return []
        return body

    def runner_failed(self) -> Response:
        """The answer when the runner itself failed on a request: its traceback on the
        runner's log (never werkzeug's HTML page to the client), a JSON 500 that says
        the fault is the emulation's, and the runner goes on serving."""
        traceback.print_exc(file=self.access_log)
        self.access_log.write(
            f"polyfaas: the {self.dispatcher.platform.name} emulation failed on this request "
            "(a bug in polyfaas or a provider plugin; the function was not at fault)\n"
        )
        body = {"errorType": "PolyfaasRunnerError", "errorMessage": "the local emulation failed"}
        return Response.from_json(body, 500)

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
