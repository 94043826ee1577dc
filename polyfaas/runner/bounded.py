"""The runner's bounds on what clients may hold: connections, threads, time, bodies.

- ``BoundedWSGIServer`` (``polyfaas.runner.front_door.FrontDoor``): the runner's
  keep-alive HTTP/1.1 server, at most ``ServerLimits.max_connections`` connections
  (one thread each), a deadline for each request head and an idle timeout; past the
  cap a new connection gets a ``503`` at once and is closed.
- ``BoundedInput``: a request body read against the platform's limit, counted as it
  arrives (``Content-Length`` or chunked); it raises ``BodyTooLarge`` past the limit
  and ``IncompleteBody`` when the body does not arrive whole.
"""

from __future__ import annotations

import io
from typing import Any

from polyfaas.runner.front_door import FrontDoor as BoundedWSGIServer
from polyfaas.runner.front_door import ServerLimits

__all__ = [
    "BodyTooLarge",
    "BoundedInput",
    "BoundedWSGIServer",
    "IncompleteBody",
    "ServerLimits",
    "bound_body",
    "content_length",
]

#: How much of a body one read asks the client's stream for.
READ_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The request body is over the platform's limit."""


class IncompleteBody(Exception):
    """The request body did not arrive whole (short, malformed, timed out, or the
    client went away)."""


class BoundedInput(io.RawIOBase):
    """``wsgi.input`` read against ``limit``: ``length`` bytes (``None``: to the end of
    a terminated stream, e.g. chunked), never more than ``limit``."""

    def __init__(self, stream: Any, length: int | None, limit: int | None) -> None:
        super().__init__()
        self.stream = stream
        self.length = length
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def _chunk(self, size: int) -> bytes:
        try:
            data = bytes(self.stream.read(size))
        except (OSError, ValueError) as exc:  # timeouts, resets, bad chunk framing
            raise IncompleteBody(f"the body stopped arriving: {exc}") from exc
        self.count += len(data)
        if self.limit is not None and self.count > self.limit:
            raise BodyTooLarge(f"the body is over {self.limit} bytes")
        return data

    def read(self, size: int | None = -1) -> bytes:
        wanted = -1 if size is None or size < 0 else size
        if self.length is not None:
            left = self.length - self.count
            wanted = left if wanted < 0 else min(wanted, left)
        parts: list[bytes] = []
        got = 0
        while wanted < 0 or got < wanted:
            # A declared length (already within the limit) is read in one go: one copy.
            ask = READ_CHUNK if wanted < 0 else wanted - got
            if self.limit is not None:  # never more than one byte past the limit
                ask = min(ask, self.limit + 1 - self.count)
            data = self._chunk(ask)
            if not data:
                if self.length is not None:
                    raise IncompleteBody(
                        f"the body ended after {self.count} of {self.length} bytes"
                    )
                break
            parts.append(data)
            got += len(data)
        if len(parts) == 1:
            return parts[0]
        return b"".join(parts)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def content_length(environ: dict[str, Any]) -> int | None:
    """The declared body length, or ``None`` when there is none (or it is not a
    number, which ``read_wsgi_input`` takes as no body)."""
    value = environ.get("CONTENT_LENGTH")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def bound_body(environ: dict[str, Any], limit: int | None) -> None:
    """Put a ``BoundedInput`` in place of ``environ['wsgi.input']``; ``BodyTooLarge`` at
    once when the declared length is over ``limit``."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    length = content_length(environ)
    if length is not None:
        if limit is not None and length > limit:
            raise BodyTooLarge(f"Content-Length {length} is over {limit} bytes")
        environ["wsgi.input"] = BoundedInput(stream, length, limit)
    elif environ.get("wsgi.input_terminated"):
        environ["wsgi.input"] = BoundedInput(stream, None, limit)
