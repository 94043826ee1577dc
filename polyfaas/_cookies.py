"""Lenient ``Cookie`` header parsing.

``http.cookies.SimpleCookie`` drops a whole header on one odd character; browsers
and frameworks do not, so neither does this.
"""

from __future__ import annotations

from collections.abc import Iterable


def parse_cookie_headers(values: Iterable[str]) -> list[tuple[str, str]]:
    """``name=value`` pairs of one or more ``Cookie`` header values, in order."""
    pairs: list[tuple[str, str]] = []
    for header in values:
        for part in header.split(";"):
            name, sep, value = part.partition("=")
            name = name.strip()
            if not sep or not name:
                continue
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            pairs.append((name, value))
    return pairs
