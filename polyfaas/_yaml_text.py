"""YAML text for the deploy configuration a platform writes (``PlatformHalf.deploy_files``):
a Serverless Devs ``s.yaml``, an OpenAPI spec.

A small block-style writer, not a YAML library (none is a dependency): mappings,
sequences, strings, numbers, booleans and ``None``. Every string is double-quoted
with its escapes, so no value is ever read back as another type (``"no"``,
``"3.10"``, ``"${vars.region}"`` stay strings); a key is written plain only when no
YAML reader could take it for anything but that string. The same document gives
the same text, byte for byte.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

#: A key that needs no quotes: a word of letters, digits, ``_`` and ``-``.
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
#: Words YAML 1.1 readers (PyYAML among them) take for booleans or null.
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def yaml_text(document: Mapping[str, Any], *, comments: Sequence[str] = ()) -> str:
    """``document`` as block-style YAML, after ``comments`` (one ``# `` line each)."""
    lines = [f"# {line}".rstrip() for line in comments]
    lines.extend(_mapping(document, 0))
    return "\n".join(lines) + "\n"


def quote(text: str) -> str:
    """``text`` as a double-quoted YAML scalar: printable characters as they are, the
    rest escaped (``\\uXXXX``), so no line break or control byte reaches the text."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable() and char not in "\u2028\u2029\ufeff":
            out.append(char)
        elif ord(char) > 0xFFFF:
            out.append(f"\\U{ord(char):08x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return '"' + "".join(out) + '"'


def _key(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a YAML key here must be a string, not {type(name).__name__}")
    plain = _PLAIN_KEY.fullmatch(name) and name.lower() not in _RESERVED
    return name if plain else quote(name)


def _scalar(value: object) -> str | None:
    """The one-line text of a scalar, or ``None`` for a mapping or sequence."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a YAML number here must be finite, not {value!r}")
        return _float(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, (bytes, bytearray)):
        raise TypeError("no YAML text for bytes: decode them first")
    if isinstance(value, Mapping):
        return None if value else "{}"
    if isinstance(value, Sequence):
        return None if value else "[]"
    raise TypeError(f"no YAML text for a {type(value).__name__}")


def _float(value: float) -> str:
    # YAML 1.1 readers take a number for a float only with a dot (``1.0e+16``).
    mantissa, e, exponent = repr(value).partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}{e}{exponent}"


def _mapping(document: Mapping[Any, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for name, value in document.items():
        text = _scalar(value)
        if text is not None:
            lines.append(f"{pad}{_key(name)}: {text}")
        else:
            lines.append(f"{pad}{_key(name)}:")
            lines.extend(_block(value, indent + 2))
    return lines


def _block(value: Any, indent: int) -> list[str]:
    return _mapping(value, indent) if isinstance(value, Mapping) else _sequence(value, indent)


def _sequence(items: Sequence[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for item in items:
        text = _scalar(item)
        if text is not None:
            lines.append(f"{pad}- {text}")
            continue
        # A mapping or sequence item: its first line after the dash, the rest under it.
        nested = _block(item, indent + 2)
        lines.append(f"{pad}- {nested[0].lstrip()}")
        lines.extend(nested[1:])
    return lines
