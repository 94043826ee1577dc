"""A total CBOR decoder (RFC 8949) for the one FC trigger that sends CBOR: Tablestore.

FC passes a Tablestore trigger's rows as CBOR bytes (ASSUMPTIONS.md §6). This reads
what that payload may hold — integers of any size, byte and text strings, arrays,
maps, booleans, null, floats, tags (their content) and indefinite lengths — and
raises ``ValueError`` on anything else: a truncated or oversized item, nesting deeper
than ``MAX_DEPTH``, invalid UTF-8, a map key that cannot be one, trailing bytes. It
never allocates more than the payload's own size. Small enough to keep FC's runtime
path free of a dependency.
"""

from __future__ import annotations

import struct
from typing import Any

#: Deeper nesting is refused (a hostile payload must not exhaust the stack).
MAX_DEPTH = 200

_BREAK = object()
_SIMPLE = {20: False, 21: True, 22: None, 23: None}


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, size: int) -> bytes:
        end = self.at + size
        if size < 0 or end > len(self.data):
            raise ValueError(f"CBOR item at byte {self.at} runs past the end")
        chunk = self.data[self.at : end]
        self.at = end
        return chunk

    def argument(self, info: int) -> int | None:
        """The head's argument (``None`` for an indefinite length)."""
        if info < 24:
            return info
        if info == 31:
            return None
        if info > 27:
            raise ValueError(f"CBOR additional information {info} is reserved")
        return int.from_bytes(self.take(1 << (info - 24)), "big")

    def item(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"CBOR nesting deeper than {MAX_DEPTH}")
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if major == 7:
            return self._simple(info)
        length = self.argument(info)
        if major == 0:
            return _definite(length)
        if major == 1:
            return -1 - _definite(length)
        if major in (2, 3):
            raw = self.take(length) if length is not None else self._chunks(major, depth)
            return raw if major == 2 else raw.decode("utf-8")
        if major == 4:
            return self._array(length, depth)
        if major == 5:
            return self._map(length, depth)
        # major 6: a tag; its content stands for it, bignums become integers.
        content = self.item(depth + 1)
        tag = _definite(length)
        if tag in (2, 3) and isinstance(content, bytes):
            number = int.from_bytes(content, "big")
            return number if tag == 2 else -1 - number
        return content

    def _simple(self, info: int) -> Any:
        if info in _SIMPLE:
            return _SIMPLE[info]
        if info == 25:
            return struct.unpack(">e", self.take(2))[0]
        if info == 26:
            return struct.unpack(">f", self.take(4))[0]
        if info == 27:
            return struct.unpack(">d", self.take(8))[0]
        if info == 31:
            return _BREAK
        raise ValueError(f"CBOR simple value {info} is not supported")

    def _chunks(self, major: int, depth: int) -> bytes:
        parts: list[bytes] = []
        while True:
            part = self.item(depth + 1)
            if part is _BREAK:
                return b"".join(parts)
            if major == 2 and isinstance(part, bytes):
                parts.append(part)
            elif major == 3 and isinstance(part, str):
                parts.append(part.encode("utf-8"))
            else:
                raise ValueError("CBOR indefinite string holds a chunk of another type")

    def _array(self, length: int | None, depth: int) -> list[Any]:
        items = []
        if length is not None:
            if length > len(self.data) - self.at:  # each item takes a byte at least
                raise ValueError(f"CBOR array of {length} items runs past the end")
            for _ in range(length):
                items.append(self._element(depth))
            return items
        while (element := self.item(depth + 1)) is not _BREAK:
            items.append(element)
        return items

    def _map(self, length: int | None, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        count = 0
        while length is None or count < length:
            key = self.item(depth + 1)
            if key is _BREAK and length is None:
                return result
            if isinstance(key, (list, dict)) or key is _BREAK:
                raise ValueError("CBOR map key is not a string, number or simple value")
            result[key] = self._element(depth)
            count += 1
        return result

    def _element(self, depth: int) -> Any:
        element = self.item(depth + 1)
        if element is _BREAK:
            raise ValueError("CBOR break outside an indefinite-length item")
        return element


def _definite(length: int | None) -> int:
    if length is None:
        raise ValueError("CBOR integer or tag with an indefinite length")
    return length


def loads(data: bytes) -> Any:
    """The value CBOR ``data`` encodes (exactly one item); ``ValueError`` otherwise."""
    reader = _Reader(bytes(data))
    try:
        value = reader.item(0)
    except UnicodeDecodeError as exc:
        raise ValueError(f"CBOR text string is not UTF-8: {exc.reason}") from None
    except struct.error as exc:  # pragma: no cover - take() guards the sizes
        raise ValueError(f"CBOR float: {exc}") from None
    if value is _BREAK:
        raise ValueError("CBOR break outside an indefinite-length item")
    if reader.at != len(reader.data):
        raise ValueError(f"{len(reader.data) - reader.at} bytes after the CBOR item")
    return value
