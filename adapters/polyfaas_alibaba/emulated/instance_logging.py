"""An FC built-in Python instance's logging (ASSUMPTIONS.md §4): the root logger at
INFO, lines ``2017-07-05T05:13:35.920Z <request id> [INFO] message`` in UTC, and
the runtime's start-up line; and its lifecycle hooks (``emulated.lifecycle``)."""

from __future__ import annotations

import base64
import logging
from typing import IO, Any

from polyfaas import Event, Response
from polyfaas.platform import NativeCall, Outcome, RequestIdFilter, configure_root_logger
from polyfaas_alibaba.emulated.lifecycle import FCInstanceHooks

LOG_FORMAT = "%(asctime)s.%(msecs)03dZ %(request_id)s [%(levelname)s] %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
STARTUP_LINE = "FunctionCompute python3 runtime inited."


def configure_logging(stream: IO[str] | None = None) -> RequestIdFilter:
    """The root logger as FC's bootstrap leaves it."""
    return configure_root_logger(LOG_FORMAT, DATE_FORMAT, logging.INFO, stream)


class FCInstance(FCInstanceHooks):
    """A worker-process instance's lifecycle: the log lines' request id, and FC's hooks."""

    def __init__(self, request_filter: RequestIdFilter) -> None:
        super().__init__()
        self.request_filter = request_filter

    def before_call(self, call: NativeCall) -> Outcome | None:
        """The call's request id in the log lines; the Initializer before the first."""
        self.request_filter.request_id = call.request_id
        return super().before_call(call)


def setup_instance() -> Any:
    """The runner's instance setup for ``alibaba`` and ``alibaba-wsgi``."""
    request_filter = configure_logging()
    print(STARTUP_LINE, flush=True)
    return FCInstance(request_filter)


#: The response header that carries a call's log tail, and how much of it (FC's 4 KB).
LOG_RESULT_HEADER = "X-Fc-Log-Result"
LOG_RESULT_BYTES = 4 * 1024


def with_log_tail(response: Response, outcome: Outcome, call: NativeCall) -> Response:
    """``response`` with ``X-Fc-Log-Result`` when the InvokeFunction caller asked for
    the log tail (``X-Fc-Log-Type: Tail``): base64 of the last 4 KB of the call's log,
    FC's ``FC Invoke Start``/``End`` lines around what the call wrote."""
    from polyfaas_alibaba.emulated.front_door import LOG_TAILED
    from polyfaas_alibaba.serialize import ERROR_TYPE_HEADER

    payload = call.payload
    if not isinstance(payload, Event) or LOG_TAILED.get(id(payload)) is not payload:
        return response
    failed = ERROR_TYPE_HEADER in response.headers
    suffix = ", Error: Unhandled function error" if failed else ""
    written = outcome.log
    if written and not written.endswith("\n"):
        written += "\n"
    text = (
        f"FC Invoke Start RequestId: {call.request_id}\n"
        f"{written}"
        f"FC Invoke End RequestId: {call.request_id}{suffix}\n"
    )
    tail = text.encode("utf-8", "replace")[-LOG_RESULT_BYTES:]
    headers = [*response.headers.items(), (LOG_RESULT_HEADER, base64.b64encode(tail).decode())]
    return Response(response.status, headers, response.body)
