"""FC's InvokeFunction API at the runner's front door: the path event invocations
arrive at, and the ``Event`` such a request is (its body is the payload, as is)."""

from __future__ import annotations

import re

from polyfaas._entry import payload_data
from polyfaas._event import Event, EventType
from polyfaas._request import Request

#: ``POST /2023-03-30/functions/{name}/invocations`` (FC 3.0); the FC 2.0 form
#: ``/2016-08-15/services/{service}/functions/{name}/invocations`` is accepted too.
INVOKE_PATH = re.compile(
    r"/(?:2023-03-30|2016-08-15/services/[^/]+)/functions/([^/]+)/invocations/?"
)


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
