"""Cheap reads and copies of ``os.environ`` for runtime halves (kit, issue 15).

``os.environ.get`` of a missing name raises and catches a ``KeyError`` inside; a lazy
context must read the environment as it was at the call's start, not when a field is
first read (the handler may have changed it since). On POSIX both go through
``os.environ``'s own table of encoded names and values; elsewhere, plain reads.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

#: os.environ's own table of encoded names (POSIX): a name absent from it is absent from
#: os.environ, which spares the raised-and-caught ``KeyError`` of ``os.environ.get``.
_OS_TABLE: Any = getattr(os.environ, "_data", None) if os.name == "posix" else None
#: That table, for a runtime half that reads a few names on every call (``table.get`` of
#: an encoded name: ``None`` when unset), or ``None`` where there is no such table.
OS_ENVIRON_TABLE: dict[bytes, bytes] | None = _OS_TABLE if type(_OS_TABLE) is dict else None
#: The mapping that table belongs to: the table is ``os.environ``'s only while
#: ``os.environ is OS_ENVIRON`` (a test may put another mapping there, read as itself).
OS_ENVIRON = os.environ
_ENCODING = sys.getfilesystemencoding()


def env_get(environ: Mapping[str, str], name: str) -> str | None:
    """``environ.get(name)``, cheap for an ASCII ``name`` missing from ``os.environ``."""
    table = OS_ENVIRON_TABLE
    if environ is OS_ENVIRON and table is not None and name.encode() not in table:
        return None
    return environ.get(name)


class _EnvironCopy(Mapping[str, str]):
    """``os.environ`` as it was: a copy of its table of encoded names and values
    (a C copy of one dict), decoded when a name is read."""

    __slots__ = ("_table",)

    def __init__(self, table: dict[bytes, bytes]) -> None:
        self._table = table

    def __getitem__(self, name: str) -> str:
        return self._table[_encode(name)].decode(_ENCODING, "surrogateescape")

    def __iter__(self) -> Iterator[str]:
        return (name.decode(_ENCODING, "surrogateescape") for name in self._table)

    def __len__(self) -> int:
        return len(self._table)


def _encode(name: str) -> bytes:
    return name.encode(_ENCODING, "surrogateescape")


def environment_at_call(environ: Mapping[str, str]) -> Mapping[str, str]:
    """A copy of ``environ`` as it is now (cheap for ``os.environ`` on POSIX)."""
    if environ is OS_ENVIRON and OS_ENVIRON_TABLE is not None:
        return _EnvironCopy(OS_ENVIRON_TABLE.copy())
    return dict(environ)
