"""FC's InvokeFunction API at the runner's front door: the path event invocations
arrive at, and the ``Event`` such a request is (its body is the payload, as is)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from polyfaas._entry import payload_data
from polyfaas._event import Event, EventType
from polyfaas._request import Request
from polyfaas._response import Response

if TYPE_CHECKING:
    from polyfaas._native import FunctionConfig

#: ``POST /2023-03-30/functions/{name}/invocations`` (FC 3.0); the FC 2.0 form
#: ``/2016-08-15/services/{service}/functions/{name}/invocations`` is accepted too.
INVOKE_PATH = re.compile(
    r"/(?:2023-03-30|2016-08-15/services/[^/]+)/functions/([^/]+)/invocations/?"
)


def admit_invocation(request: Request, config: FunctionConfig) -> Event | Response | None:
    """What an InvokeFunction request is: the event invocation of this function,
    FC's 404 for another function's name, 400 ``EntityTooLarge`` over 32 MB; ``None``
    when the request is not an InvokeFunction call."""
    from polyfaas_alibaba.wsgi import MAX_BODY, fc_error

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
