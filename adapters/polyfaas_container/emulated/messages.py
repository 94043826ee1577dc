"""The HTTP exchange between the emulated platform's proxy and the container's server:
what the platform half builds (``platform``) and the server pool sends (``pool``).
Their own module, so that neither of those two imports the other."""

from __future__ import annotations

from collections.abc import Iterator

import attrs


@attrs.frozen
class ServedRequest:
    """One HTTP request the platform's proxy sends to the container."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""


@attrs.frozen
class ServedAnswer:
    """The server's answer, as it came (``body`` an iterator of chunks when the
    server streamed it)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes | Iterator[bytes] = b""
