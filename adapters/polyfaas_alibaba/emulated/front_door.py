"""FC's front door, as the runner's HTTP requests meet it: the InvokeFunction path
event invocations arrive at (its body is the payload, as is), FC's limits on
requests and on a function's HTTP answer, and the errors FC answers itself.

Limits (ASSUMPTIONS.md §3): request headers over 8 KB, path plus query over 4 KB, a body
over 32 MB: 400 ``InvalidArgument``; response headers over 8 KB: 502 ``BadResponse``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from polyfaas import Event, EventType, Request, Response
from polyfaas.platform import FunctionConfig, NativeCall
from polyfaas.runtime import dump_json, new_id, payload_data
from polyfaas_alibaba.emulated.fc_base import MAX_BODY, REQUEST_ID_HEADER, error_answer

#: ``POST /2023-03-30/functions/{name}/invocations`` (FC 3.0); the FC 2.0 form
#: ``/2016-08-15/services/{service}/functions/{name}/invocations`` is accepted too.
INVOKE_PATH = re.compile(
    r"/(?:2023-03-30|2016-08-15/services/[^/]+)/functions/([^/]+)/invocations/?"
)
#: FC's limits on HTTP requests and responses (ASSUMPTIONS.md §3).
MAX_HEADERS = 8 * 1024
MAX_PATH_AND_QUERY = 4 * 1024
MAX_RESPONSE_HEADERS = 8 * 1024
#: Response headers a function may not set (FC sets its own or drops them).
FORBIDDEN_RESPONSE = frozenset(
    {"connection", "content-length", "date", "keep-alive", "server", "transfer-encoding"}
)


def endpoints(config: FunctionConfig, base_url: str) -> list[str]:
    """Where the runner takes calls: FC 3.0's InvokeFunction path for this function's
    events, and the HTTP trigger for everything else."""
    return [
        f"events (InvokeFunction): POST {base_url}/2023-03-30/functions/{config.name}/invocations",
        f"HTTP requests (the HTTP trigger): {base_url}/",
    ]


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
    return event


def invocation_of(request: Request) -> Event | None:
    """The event invocation ``request`` makes, or ``None`` when it is not one."""
    if request.method != "POST" or INVOKE_PATH.fullmatch(request.path) is None:
        return None
    return Event(
        type=EventType.DIRECT,
        data=payload_data(request.body),
        source="acs:fc:invoke",
        datacontenttype=request.content_type,
        native=request.body,
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
    return None


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
    kept.append(("Content-Length", str(len(response.body))))
    kept.append((REQUEST_ID_HEADER, call.request_id))
    if default_domain:
        kept.append(("Content-Disposition", "attachment"))
    return Response(response.status, kept, response.body)
