"""An FC built-in Python instance's logging (ASSUMPTIONS.md §4): the root logger at
INFO, lines ``2017-07-05T05:13:35.920Z <request id> [INFO] message`` in UTC, and
the runtime's start-up line."""

from __future__ import annotations

import logging
from typing import IO, Any, Callable

from polyfaas.platform import RequestIdFilter, configure_root_logger

LOG_FORMAT = "%(asctime)s.%(msecs)03dZ %(request_id)s [%(levelname)s] %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
STARTUP_LINE = "FunctionCompute python3 runtime inited."


def configure_logging(stream: IO[str] | None = None) -> RequestIdFilter:
    """The root logger as FC's bootstrap leaves it."""
    return configure_root_logger(LOG_FORMAT, DATE_FORMAT, logging.INFO, stream)


def setup_instance() -> Callable[[Any], None]:
    """The runner's instance setup for ``alibaba``."""
    request_filter = configure_logging()
    print(STARTUP_LINE, flush=True)

    def before_call(call: Any) -> None:
        request_filter.request_id = call.request_id

    return before_call
