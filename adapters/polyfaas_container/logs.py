"""A container's log: one JSON object a line on standard output, with ``severity``,
``message`` and the call's request id — the shape Cloud Logging and Yandex Cloud
Logging parse from a container's output (ASSUMPTIONS.md § "Logs") — or plain text
lines when standard output is a terminal (someone is reading it).
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from typing import IO

#: The request id of the call this thread (or task) is serving.
current_request_id: ContextVar[str] = ContextVar("polyfaas_container_request_id", default="")


#: Python's level names as Yandex Cloud Logging names them (the others are the same).
_YANDEX_LEVELS = {"WARNING": "WARN", "CRITICAL": "FATAL"}


class JsonLines(logging.Formatter):
    """One JSON object a record: ``severity`` (Cloud Logging's names, which are
    Python's), ``level`` (Yandex's: ``WARN``, ``FATAL``), ``message`` (with the
    traceback, if any), ``logger`` and ``request_id``."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        line = {
            "severity": record.levelname,
            "level": _YANDEX_LEVELS.get(record.levelname, record.levelname),
            "message": message,
            "logger": record.name,
        }
        rid = current_request_id.get()
        if rid:
            line["request_id"] = rid
        return json.dumps(line, ensure_ascii=False)


class PlainLines(logging.Formatter):
    """``LEVEL [request id] message``, for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        rid = current_request_id.get()
        text = super().format(record)
        return f"{record.levelname} [{rid}] {text}" if rid else f"{record.levelname} {text}"


def configure(stream: IO[str] | None = None, level: int = logging.INFO) -> logging.Handler:
    """Send every log record to ``stream`` (standard output) in the right shape."""
    out = stream if stream is not None else sys.stdout
    handler = logging.StreamHandler(out)
    isatty = getattr(out, "isatty", None)
    handler.setFormatter(PlainLines() if isatty is not None and isatty() else JsonLines())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
