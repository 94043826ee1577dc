"""Immutable multi-dicts for query strings and headers.

They read like werkzeug's ``MultiDict`` and ``Headers`` but are written here because
importing werkzeug costs ~60 ms of cold start, and the runtime path must not pay it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Callable, TypeVar, Union, overload

T = TypeVar("T")

#: What the multi-dicts are built from: a mapping (a list value means repeats),
#: an iterable of ``(key, value)`` pairs, or another multi-dict.
MultiSource = Union[
    "MultiDict",
    Mapping[str, Union[str, Iterable[str]]],
    Iterable[tuple[str, str]],
    None,
]

# Values of these headers are credentials: never shown by ``repr``.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-fc-access-key-id",
        "x-fc-access-key-secret",
        "x-fc-security-token",
        "x-yacloud-subjecttoken",
    }
)


def _pairs(source: MultiSource) -> list[tuple[str, str]]:
    if source is None:
        return []
    if isinstance(source, MultiDict):
        return list(source._pairs)
    if isinstance(source, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in source.items():
            if isinstance(value, str):
                pairs.append((str(key), value))
            elif isinstance(value, (list, tuple)):
                pairs.extend((str(key), str(item)) for item in value)
            else:
                pairs.append((str(key), str(value)))
        return pairs
    return [(str(key), str(value)) for key, value in source]


class MultiDict(Mapping[str, str]):
    """An ordered, immutable mapping that keeps every value of a repeated key.

    ``d[key]`` and ``d.get(key)`` give the first value, ``d.getlist(key)`` all of
    them; iteration, ``keys()`` and ``len()`` see each key once, in first-seen order;
    ``items(multi=True)`` gives every pair in order.
    """

    __slots__ = ("_index", "_pairs")

    _pairs: tuple[tuple[str, str], ...]
    _index: dict[str, list[str]]

    def __init__(self, source: MultiSource = None) -> None:
        self._pairs = tuple(_pairs(source))
        index: dict[str, list[str]] = {}
        for key, value in self._pairs:
            index.setdefault(self._fold(key), []).append(value)
        self._index = index

    @staticmethod
    def _fold(key: str) -> str:
        return key

    def __getitem__(self, key: str) -> str:
        return self._index[self._fold(key)][0]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._fold(key) in self._index

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for key, _ in self._pairs:
            folded = self._fold(key)
            if folded not in seen:
                seen.add(folded)
                yield key

    def __len__(self) -> int:
        return len(self._index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return type(self) is type(other) and self._folded_pairs() == other._folded_pairs()
        if isinstance(other, Mapping):
            return self == type(self)(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._folded_pairs())

    def _folded_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple((self._fold(key), value) for key, value in self._pairs)

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str | T) -> str | T: ...
    @overload
    def get(self, key: str, default: T | None = None, *, type: Callable[[str], T]) -> T | None: ...

    def get(
        self, key: str, default: Any = None, *, type: Callable[[str], Any] | None = None
    ) -> Any:
        """The first value of ``key``, or ``default``; converted by ``type`` if given
        (a value ``type`` rejects with ``ValueError`` counts as missing, as in werkzeug)."""
        values = self._index.get(self._fold(key))
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except ValueError:
            return default

    def getlist(self, key: str, type: Callable[[str], T] | None = None) -> list[Any]:
        """Every value of ``key`` in order; ``[]`` when absent."""
        values = self._index.get(self._fold(key), [])
        if type is None:
            return list(values)
        converted = []
        for value in values:
            try:
                converted.append(type(value))
            except ValueError:
                continue
        return converted

    def items(self, multi: bool = False) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        """``(key, first value)`` per key, or with ``multi=True`` every pair in order."""
        if multi:
            return iter(self._pairs)
        return ((key, self[key]) for key in self)

    def values(self, multi: bool = False) -> Iterator[str]:  # type: ignore[override]
        """The first value per key, or with ``multi=True`` every value in order."""
        return (value for _, value in self.items(multi=multi))

    def to_dict(self, flat: bool = True) -> dict[str, Any]:
        """A plain ``dict``: first values, or lists of values with ``flat=False``."""
        if flat:
            return {key: self[key] for key in self}
        return {key: self.getlist(key) for key in self}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._pairs)!r})"


class Headers(MultiDict):
    """HTTP header fields: case-insensitive names, order and repeats kept.

    ``items()`` yields every field in order, like werkzeug's ``Headers``, so a
    second ``Set-Cookie`` is never lost by a loop over the headers.
    """

    __slots__ = ()

    @staticmethod
    def _fold(key: str) -> str:
        return key.lower()

    def items(self, multi: bool = True) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        """Every ``(name, value)`` field in order (``multi=False``: one per name)."""
        return super().items(multi=multi)

    def __repr__(self) -> str:
        shown = [
            (key, "***" if key.lower() in SENSITIVE_HEADERS else value)
            for key, value in self._pairs
        ]
        return f"Headers({shown!r})"


def as_headers(value: MultiSource) -> Headers:
    """``value`` as ``Headers``, without a copy when it already is."""
    return value if isinstance(value, Headers) else Headers(value)
