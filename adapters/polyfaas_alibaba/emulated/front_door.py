"""FC's front door, as the runner's HTTP requests meet it: the InvokeFunction path
event invocations arrive at (its body is the payload, as is), FC's limits on
requests and on a function's HTTP answer, and the errors FC answers itself.

Limits (ASSUMPTIONS.md §3): request headers over 8 KB, path plus query over 4 KB, a body
over 32 MB: 400 ``InvalidArgument``; response headers over 8 KB: 502 ``BadResponse``.

Asynchronous invocations (ASSUMPTIONS.md, "Asynchronous invocations"):
``X-Fc-Invocation-Type: Async`` on InvokeFunction or through the HTTP trigger gets
202 with an empty body and ``X-Fc-Request-Id`` at once (``FCAsync``), a body over
128 KB 400 ``EntityTooLarge``; a failed call is retried up to 3 times.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from pathlib import Path

from polyfaas import Event, EventType, Request, Response
from polyfaas.platform import FunctionConfig, GatewaySpec, NativeCall, PlatformHalf, override
from polyfaas.runtime import dump_json, new_id, payload_data
from polyfaas_alibaba.emulated.fc_base import MAX_BODY, REQUEST_ID_HEADER, error_answer
from polyfaas_alibaba.serialize import ERROR_TYPE_HEADER

#: ``POST /2023-03-30/functions/{name}/invocations`` (FC 3.0); the FC 2.0 form
#: ``/2016-08-15/services/{service}/functions/{name}/invocations`` is accepted too.
INVOKE_PATH = re.compile(
    r"/(?:2023-03-30|2016-08-15/services/[^/]+)/functions/([^/]+)/invocations/?"
)
#: FC's limits on HTTP requests and responses (ASSUMPTIONS.md §3).
MAX_HEADERS = 8 * 1024
MAX_PATH_AND_QUERY = 4 * 1024
MAX_RESPONSE_HEADERS = 8 * 1024
#: The request header that makes an invocation asynchronous (``Async``; ``Sync`` the default).
INVOCATION_TYPE_HEADER = "X-Fc-Invocation-Type"
#: An asynchronous task's id, as the caller names it: FC 3.0's header, then FC 2.0's;
#: FC's 202 carries it back under the same name.
TASK_ID_HEADERS = ("X-Fc-Async-Task-Id", "X-Fc-Stateful-Async-Invocation-Id")
#: A task id FC takes: a letter or ``_`` first, then letters, digits, ``_``, ``-``; ≤ 128.
TASK_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")
#: The largest payload of an asynchronous invocation (128 KB).
MAX_ASYNC_BODY = 128 * 1024
#: How often FC retries an asynchronous call that failed (``maxAsyncRetryAttempts``).
MAX_ASYNC_RETRIES = 3
#: The wait before the first retry, doubled before each next one.
FIRST_RETRY_S = 0.5
#: Response headers a function may not set (FC sets its own or drops them).
FORBIDDEN_RESPONSE = frozenset(
    {"connection", "content-length", "date", "keep-alive", "server", "transfer-encoding"}
)


def endpoints(
    config: FunctionConfig, base_url: str, *, default_domain: bool | None = None
) -> list[str]:
    """Where the runner takes calls: FC 3.0's InvokeFunction path for this function's
    events, and the HTTP trigger for everything else (and, when ``default_domain`` is
    given, which domain the HTTP trigger answers as)."""
    lines = [
        f"events (InvokeFunction): POST {base_url}/2023-03-30/functions/{config.name}/invocations",
        f"HTTP requests (the HTTP trigger): {base_url}/",
    ]
    if default_domain is True:
        lines.append(
            "answers as FC's default *.fcapp.run domain (Content-Disposition: attachment; "
            "--custom-domain for a custom domain)"
        )
    elif default_domain is False:
        lines.append("answers as a custom domain (no Content-Disposition: attachment)")
    return lines


def admit_invocation(request: Request, config: FunctionConfig) -> Event | Response | None:
    """What an InvokeFunction request is: the event invocation of this function,
    FC's 404 for another function's name, 400 ``EntityTooLarge`` over 32 MB; ``None``
    when the request is not an InvokeFunction call."""
    event = invocation_of(request)
    if event is None:
        return None
    match = INVOKE_PATH.fullmatch(request.path)
    name = match.group(1) if match is not None else ""
    if name != config.name:
        return fc_error(
            404,
            "FunctionNotFound",
            f"function '{name}' does not exist (this one is '{config.name}')",
        )
    if len(request.body) > MAX_BODY:
        return fc_error(400, "EntityTooLarge", "the payload is over the 32 MB limit")
    return check_async(request) or event


def invocation_of(request: Request) -> Event | None:
    """The event invocation ``request`` makes, or ``None`` when it is not one."""
    if request.method != "POST" or INVOKE_PATH.fullmatch(request.path) is None:
        return None
    event = Event(
        type=EventType.DIRECT,
        data=payload_data(request.body),
        source="acs:fc:invoke",
        datacontenttype=request.content_type,
        native=request.body,
    )
    if request.headers.get(LOG_TYPE_HEADER, "").strip().lower() == "tail":
        LOG_TAILED[id(event)] = event
    return event


#: InvokeFunction's request header asking for the call's log (``Tail``; ``None`` the
#: default), answered with ``X-Fc-Log-Result`` (``emulated.instance_logging.log_tail``).
LOG_TYPE_HEADER = "X-Fc-Log-Type"
#: The event invocations whose caller asked for the log tail, by ``id`` (an event's
#: hash reads its data, which may be a dict).
LOG_TAILED: weakref.WeakValueDictionary[int, Event] = weakref.WeakValueDictionary()


def is_async(request: Request) -> bool:
    """Whether ``request`` asks for an asynchronous invocation."""
    return request.headers.get(INVOCATION_TYPE_HEADER, "").strip().lower() == "async"


def check_async(request: Request) -> Response | None:
    """FC's 400 for an asynchronous invocation it does not take (a payload over
    128 KB, a task id it does not accept), else ``None``."""
    if not is_async(request):
        return None
    if len(request.body) > MAX_ASYNC_BODY:
        return fc_error(
            400, "EntityTooLarge", "an asynchronous invocation's payload is over 128 KB"
        )
    for name in TASK_ID_HEADERS:
        value = request.headers.get(name)
        if value is not None and TASK_ID.fullmatch(value) is None:
            return fc_error(
                400,
                "InvalidArgument",
                f"{name} must start with a letter or '_' and hold letters, digits, "
                "'_' or '-' (at most 128)",
            )
    return None


def accepted(request: Request, call: NativeCall) -> Response | None:
    """FC's answer to an asynchronous invocation: 202, no body, the request id (and
    the caller's task id); ``None`` for a synchronous one."""
    if not is_async(request):
        return None
    headers = [(REQUEST_ID_HEADER, call.request_id), ("Content-Length", "0")]
    for name in TASK_ID_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            headers.append((name, value))
    return Response(202, headers, b"")


def retry_delay(response: Response, attempt: int) -> float | None:
    """The wait before FC retries an asynchronous call whose ``attempt``-th try got
    ``response``: only a failed function (``X-Fc-Error-Type``) is retried, at most
    ``MAX_ASYNC_RETRIES`` times, 0.5 s, 1 s, 2 s apart ([guess]: FC documents that
    back-off for throttled calls)."""
    if attempt > MAX_ASYNC_RETRIES or ERROR_TYPE_HEADER not in response.headers:
        return None
    return float(FIRST_RETRY_S * 2 ** (attempt - 1))


class FCAsync(PlatformHalf):
    """FC's asynchronous invocations, as hooks an FC platform half inherits (first
    among its bases); and its ``s.yaml`` of several functions (``read_gateway``)."""

    @override
    def asynchronous(self, request: Request, call: NativeCall) -> Response | None:
        """202 at once for ``X-Fc-Invocation-Type: Async``; the runner makes the call."""
        return accepted(request, call)

    @override
    def async_retry(self, call: NativeCall, response: Response, attempt: int) -> float | None:
        """FC's retries of a failed asynchronous call (``retry_delay``)."""
        return retry_delay(response, attempt)

    @override
    def read_gateway(self, path: Path) -> GatewaySpec:
        """A Serverless Devs ``s.yaml``: its fc3 functions with HTTP triggers
        (``emulated.s_yaml``), answered as FC's front door answers an unknown path
        (404) and a method the HTTP trigger does not take (403, [S14])."""
        from polyfaas_alibaba.emulated.s_yaml import read_s_yaml

        # [unconfirmed] the error codes and wording: FC documents the statuses only.
        return read_s_yaml(
            path,
            not_found=fc_error(404, "PathNotFound", "no route matches the request's path"),
            wrong_method=fc_error(
                403, "MethodNotAllowed", "the HTTP trigger does not take this method"
            ),
        )


def fc_error(status: int, code: str, message: str) -> Response:
    """An error FC's front door answers itself (limits, unknown paths)."""
    return Response(
        status,
        [
            ("Content-Type", "application/json"),
            ("X-Fc-Error-Type", "FcCommonError"),
            (REQUEST_ID_HEADER, new_id()),
        ],
        dump_json({"ErrorCode": code, "ErrorMessage": message}),
    )


def _size(pairs: Iterable[tuple[str, str]]) -> int:
    return sum(len(name.encode("utf-8")) + len(value.encode("utf-8")) for name, value in pairs)


def check_request(request: Request) -> Response | None:
    """FC's 400 ``InvalidArgument`` for a request over its limits, else ``None``."""
    size = _size(request.headers.items())
    if size > MAX_HEADERS:
        return fc_error(
            400, "InvalidArgument", f"request headers are {size} bytes; the limit is 8 KB"
        )
    query = request.query_string
    target = len(request.raw_path.encode("utf-8")) + len(query.encode("utf-8"))
    if target > MAX_PATH_AND_QUERY:
        return fc_error(
            400, "InvalidArgument", f"path and query are {target} bytes; the limit is 4 KB"
        )
    if len(request.body) > MAX_BODY:
        return fc_error(
            400, "InvalidArgument", f"request body is {len(request.body)} bytes; the limit is 32 MB"
        )
    return check_async(request)


def function_response(response: Response, call: NativeCall, *, default_domain: bool) -> Response:
    """A function's HTTP answer as FC's caller receives it: forbidden headers dropped
    (``x-fc-*``, hop-by-hop, ``Content-Length``/``Date``/``Server``, which FC sets
    itself, ``Content-Disposition: attachment``), over 8 KB of headers refused with
    502 ``BadResponse``, FC's own ``Content-Length`` and ``X-Fc-Request-Id`` added
    (and ``Content-Disposition: attachment`` on FC's ``default_domain``)."""
    kept = []
    for name, value in response.headers.items():
        lower = name.lower()
        if lower.startswith("x-fc-") or lower in FORBIDDEN_RESPONSE:
            continue
        if lower == "content-disposition" and value.strip().lower().startswith("attachment"):
            continue
        kept.append((name, value.strip()))  # as it reaches the client over HTTP
    size = _size(kept)
    if size > MAX_RESPONSE_HEADERS:
        message = f"response headers are {size} bytes; the limit is 8 KB"
        return error_answer({"errorMessage": message, "errorType": "BadResponse"}, call)
    if response.chunks is None:
        kept.append(("Content-Length", str(len(response.body))))
    kept.append((REQUEST_ID_HEADER, call.request_id))
    if default_domain:
        kept.append(("Content-Disposition", "attachment"))
    # A streamed answer (a custom runtime's chunked one) passes through as it comes.
    return Response(
        response.status, kept, response.body if response.chunks is None else response.chunks
    )
