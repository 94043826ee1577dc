"""A streamed response across the instance boundary, chunk by chunk.

An instance whose call answers a streamed ``Response`` (``Response.stream``, an ASGI
streaming response, on a platform whose runtime half streams) cannot pickle it: it
sends the answer's head instead — the ``Outcome`` with a ``StreamedHead`` as its value
— and then one message a chunk, ``(call_id, CHUNK, data, 0)``, and last ``(call_id,
END, error, peak_kb)`` (``error`` an ``ErrorInfo`` when the stream failed). The runner
turns the head back into a ``Response`` whose ``chunks`` read those messages as they
arrive, so the client gets each chunk when the function produces it. The instance
stays busy until the end message: no other call is sent to it meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import attrs

from polyfaas import Headers, Response
from polyfaas._native import ErrorInfo
from polyfaas._response import iter_chunks

CHUNK = "polyfaas.chunk"
END = "polyfaas.end"


@attrs.frozen
class StreamedHead:
    """What travels for a streamed response before its chunks: status and headers."""

    status: int
    headers: tuple[tuple[str, str], ...]


def is_streamed(value: Any) -> bool:
    return isinstance(value, Response) and value.chunks is not None


def head_of(response: Response) -> StreamedHead:
    return StreamedHead(response.status, tuple(response.headers.items()))


def send_chunks(
    send: Callable[[tuple[Any, ...]], None],
    call_id: int,
    response: Response,
    peak: Callable[[], int],
) -> None:
    """The instance's side: every chunk of ``response``, then the end message."""
    error: ErrorInfo | None = None
    try:
        for chunk in iter_chunks(response.chunks):
            send((call_id, CHUNK, chunk, 0))
    except Exception as exc:  # the stream failed part way: the runner cuts the answer short
        error = ErrorInfo.from_exception(exc)
    send((call_id, END, error, peak()))


class StreamEnded(Exception):
    """A streamed answer that did not end well: the instance's stream raised, timed
    out or died. The front door cuts the answer short (no last chunk)."""


def response_of(head: StreamedHead, chunks: Iterator[bytes]) -> Response:
    """The runner's side: the answer whose chunks are read from the instance."""
    return Response.stream(chunks, head.status, Headers._trusted(head.headers))
