"""CBOR encoding (RFC 8949, preferred serialisation) of what a Tablestore trigger
sends: the platform half's side of ``polyfaas_alibaba.cbor``."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise OverflowError(value)


def dumps(value: Any) -> bytes:
    """``value`` as CBOR: ints (bignums past 64 bits), floats as doubles, bytes, text,
    lists and tuples, mappings, booleans and ``None``."""
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _encode(value: Any, out: bytearray) -> None:
    if value is None:
        out.append(0xF6)
    elif value is True or value is False:
        out.append(0xF5 if value else 0xF4)
    elif isinstance(value, int):
        major, magnitude = (0, value) if value >= 0 else (1, -1 - value)
        if magnitude < 1 << 64:
            out += _head(major, magnitude)
        else:
            digits = magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "big")
            out += _head(6, 2 + major) + _head(2, len(digits)) + digits
    elif isinstance(value, float):
        out += b"\xfb" + struct.pack(">d", value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        out += _head(2, len(raw)) + raw
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out += _head(3, len(raw)) + raw
    elif isinstance(value, (list, tuple)):
        out += _head(4, len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, Mapping):
        out += _head(5, len(value))
        for key, item in value.items():
            _encode(key, out)
            _encode(item, out)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as CBOR")
