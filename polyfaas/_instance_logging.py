"""Instance logging as a platform's Python runtime sets it up: the root logger with
one handler whose format carries each call's request id (``%(request_id)s``)."""

from __future__ import annotations

import logging
import sys
import time
from typing import IO


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, so ``%(request_id)s`` works in formats.

    Set ``.request_id`` at the start of each call.
    """

    def __init__(self) -> None:
        super().__init__()
        self.request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp the record with the current call's request id (never drops one)."""
        if not hasattr(record, "request_id"):
            record.request_id = self.request_id
        return True


def configure_root_logger(
    fmt: str, datefmt: str | None, level: int, stream: IO[str] | None = None
) -> RequestIdFilter:
    """Replace the root logger's handlers with one (UTC times) writing ``fmt`` to
    ``stream`` (stdout); ``logging.basicConfig()`` then has no effect, as on the
    platforms."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    formatter = logging.Formatter(fmt, datefmt)
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    request_filter = RequestIdFilter()
    handler.addFilter(request_filter)
    root.addHandler(handler)
    root.setLevel(level)
    return request_filter
