"""Immutable multi-dicts for query strings and headers.

They read like werkzeug's ``MultiDict`` and ``Headers`` but are written here because
importing werkzeug costs ~60 ms of cold start, and the runtime path must not pay it.

Private API for runtime halves (issue 15, decisions 1 and 3): lazy views.

- ``MultiDict._trusted(pairs)`` / ``Headers._trusted(pairs)``: an instance over a
  tuple of ``(str, str)`` tuples already checked, no copy.
- ``MultiDict._lazy(decode, index=None, one=None, fields=None)`` / ``Headers._lazy(...)``: an
  instance of exactly that type whose pairs come from ``decode()`` on their first need
  (``items``, iteration, ``==``, ``hash``, ``repr``, pickling, ``getlist``). ``decode``
  returns what ``_trusted`` takes, or raises the adapter's ``EventFormatError`` for a
  malformed field — then on that read, not at decode; it is called until it succeeds.
  ``index`` (optional) answers ``get``/``in``/``[]``/``len`` without the pairs: it
  returns the lookup dict ``_lookup`` would build from the pairs (folded key → first
  value; for ``Headers``, ``Headers._lower_names`` folds the names), or ``None`` when the
  native shape is not the common one, and then the pairs are decoded.
  ``one`` (optional) answers ``get``/``in``/``[]`` for one key while no lookup dict is
  built (a handler that reads a header or two never pays for the whole index):
  ``one(folded_key)`` returns the key's first value (a ``str``), ``False`` when the
  view has no such key, or ``None`` when it cannot tell (then ``index``, else the
  pairs, decide). ``index`` and ``one`` must check as much as ``decode`` does for
  the keys and values they answer, so a malformed field is never answered from them.
  ``fields`` (optional, ``Headers``) is the native object of one entry a name the pairs
  are decoded from, for a reader that wants one value a name (the WSGI environ) and
  can skip the pairs: ``(fields, lists)``, each value of ``fields`` a ``str`` when
  ``lists`` is false, a one-item list of one when it is true (``multiValueHeaders``);
  the reader checks each entry and falls back to the pairs on anything else (a
  repeat, a value of another type), so the pairs still decide what is malformed.
  A view reads the native input it closes over until its pairs and lookup are built:
  the adapter must not hand it anything the handler can mutate before the first read
  (the native event is the platform's, read once).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable, TypeVar, Union, overload

T = TypeVar("T")
M = TypeVar("M", bound="MultiDict")
_MISSING: Any = object()
_name = itemgetter(0)
_value = itemgetter(1)

if TYPE_CHECKING:
    # Type aliases for annotations only (every annotation here is a string): built at
    # run time, these subscriptions cost a cold start ~1.1M instructions.

    #: What the multi-dicts are built from: a mapping (a list value means repeats),
    #: an iterable of ``(key, value)`` pairs, or another multi-dict.
    MultiSource = Union[
        "MultiDict",
        Mapping[str, Union[str, Iterable[str]]],
        Iterable[tuple[str, str]],
        None,
    ]
    #: A lazy view's thunks: its pairs, and its lookup dict (``None``: decode the pairs).
    _Decode = Callable[[], tuple[tuple[str, str], ...]]
    _Index = Callable[[], Union[dict[str, str], None]]
    #: A lazy view's one-key answer: the first value, ``False`` (absent) or ``None``.
    _One = Callable[[str], Union[str, bool, None]]
    #: A lazy view's native fields of one entry a name, and whether each is a list.
    _Fields = tuple[Mapping[Any, Any], bool]

#: The one masking rule: a header name, query key or variable name that contains one of
#: these words (in any case, anywhere: ``X-Auth-Token``, ``x-fc-security-token``,
#: ``Set-Cookie``, ``?api_key=``, ``ALIBABA_CLOUD_ACCESS_KEY_SECRET``) names a value that
#: is a credential: ``repr`` shows ``***`` in its place (docs/api.md, "What is masked").
#: Each provider lists its own secret headers in ``ProviderFacts.secret_headers``, and
#: the conformance checks the rule covers them.
SENSITIVE_WORDS = (
    "auth",
    "token",
    "secret",
    "key",
    "cookie",
    "signature",
    "password",
    "passwd",
    "credential",
    "session",
)
MASK = "***"


@cache
def _searcher() -> Callable[[str], object]:  # compiled on first use, not on the cold start
    return re.compile("|".join(SENSITIVE_WORDS), re.IGNORECASE).search


def _sensitive(name: str) -> object:
    return _searcher()(name)


def is_sensitive(name: str) -> bool:
    """Whether ``name`` (a header name, query key or variable name) names a credential."""
    return _sensitive(name) is not None


def is_sensitive_header(name: str) -> bool:
    """Whether the value of header ``name`` is a credential (never logged or shown)."""
    return _sensitive(name) is not None


@cache
def _query_masker() -> Callable[[str, str], str]:  # (replacement, text) -> text
    words = "|".join(SENSITIVE_WORDS)
    pattern = re.compile(rf"([?&;][^=&#?;\s]*(?:{words})[^=&#;\s]*=)[^&#;\s]*", re.IGNORECASE)
    return pattern.sub


def mask_urls(value: str) -> str:
    """``value`` with the values of sensitive query keys in any URL it holds masked
    (``X-Envoy-Original-Path: /a?token=…``, ``Referer``)."""
    return _query_masker()(r"\1" + MASK, value) if "=" in value else value


def masked_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with the value of every sensitive name replaced by ``***`` (and the
    sensitive query values in other values' URLs)."""
    return [(key, MASK if _sensitive(key) else mask_urls(value)) for key, value in pairs]


def _pairs(source: MultiSource) -> tuple[tuple[str, str], ...]:
    if source is None:
        return ()
    fast = _clean_pairs(source)  # first: isinstance() on the Mapping ABCs is slower
    if fast is not None:
        return fast
    if isinstance(source, MultiDict):
        return source._pairs
    if isinstance(source, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in source.items():
            if isinstance(value, str):
                pairs.append((str(key), value))
            elif isinstance(value, (list, tuple)):
                pairs.extend((str(key), str(item)) for item in value)
            else:
                pairs.append((str(key), str(value)))
        return tuple(pairs)
    return tuple([(str(key), str(value)) for key, value in source])


def _clean_pairs(source: object) -> tuple[tuple[str, str], ...] | None:
    """``source`` as pairs when it is a ``dict`` of ``str`` or a list/tuple of
    ``(str, str)`` tuples, what adapters build (checked and copied in C); else ``None``."""
    if type(source) is dict:
        if set(map(type, source)) <= _STR and set(map(type, source.values())) <= _STR:
            return tuple(source.items())
    elif (
        (type(source) is list or type(source) is tuple)
        and set(map(type, source)) <= _TUPLE
        and set(map(len, source)) <= _TWO
        and set(map(type, chain.from_iterable(source))) <= _STR
    ):
        return tuple(source)
    return None


_STR = frozenset({str})
_TUPLE = frozenset({tuple})
_TWO = frozenset({2})


#: ``object.__new__``: the views' own constructors fill every slot they read.
_new = object.__new__


class MultiDict(Mapping[str, str]):
    """An ordered, immutable mapping that keeps every value of a repeated key.

    ``d[key]`` and ``d.get(key)`` give the first value, ``d.getlist(key)`` all of
    them; iteration, ``keys()`` and ``len()`` see each key once, in first-seen order;
    ``items(multi=True)`` gives every pair in order.
    """

    __slots__ = ("_first", "_pairs", "_source")

    # Unset in a lazy view until ``__getattr__`` decodes it.
    _pairs: tuple[tuple[str, str], ...]
    # folded key → its first value, built in C on the first lookup.
    _first: dict[str, str] | None
    # A lazy view's (decode, index, one) thunks and its native fields; unset (read as
    # None) in an eager one.
    _source: tuple[_Decode, _Index | None, _One | None, _Fields | None] | None

    def __init__(self, source: MultiSource = None) -> None:
        self._pairs = _pairs(source)
        self._first = None
        self._source = None

    if not TYPE_CHECKING:  # (hidden from mypy: it would type every attribute as Any)

        def __getattr__(self, name):
            # Reached only for a slot left unset: a lazy view's pairs, decoded on first
            # need (an eager instance never gets here, so it pays nothing for it).
            if name == "_pairs":
                source = self._source
                if source is None:
                    raise AttributeError(name)
                pairs = self._pairs = source[0]()
                return pairs
            if name == "_source":  # an instance made by __new__ elsewhere
                return None
            raise AttributeError(name)

    def __reduce__(self) -> tuple[Any, ...]:
        # The pairs, decoded if lazy (a thunk does not pickle); equal when loaded.
        return (_rebuild, (type(self), self._pairs))

    @classmethod
    def _lazy(
        cls: type[M],
        decode: _Decode,
        index: _Index | None = None,
        one: _One | None = None,
        fields: _Fields | None = None,
    ) -> M:
        """A lazy view (see the module docstring): pairs from ``decode()`` on first
        need, lookups from ``one(key)`` and then ``index()`` when they answer; the
        native ``fields`` for a reader of one value a name."""
        made = _new(cls)
        made._source = (decode, index, one, fields)
        made._first = None
        return made

    #: Whether keys compare case-insensitively (``_fold`` is ``str.lower``).
    _folds_case = False

    @classmethod
    def _trusted(cls: type[M], pairs: tuple[tuple[str, str], ...]) -> M:
        """An instance over ``pairs`` as they are: for callers that hold a tuple of
        ``(str, str)`` tuples already (no checks, no copy)."""
        made = _new(cls)
        made._pairs = pairs
        made._first = None
        made._source = None
        return made

    @staticmethod
    def _fold(key: str) -> str:
        return key

    def _lookup(self) -> dict[str, str]:
        first = self._first
        if first is None:
            source = self._source
            if source is not None and source[1] is not None:
                first = source[1]()
                if first is not None:
                    self._first = first
                    return first
            backwards = self._pairs[::-1]
            names: Iterator[str] = map(_name, backwards)
            if self._folds_case:
                names = map(str.lower, names)
            first = self._first = dict(zip(names, map(_value, backwards)))
        return first

    def _first_value(self, key: str) -> Any:
        """The first value of ``key``, or ``_MISSING``: answered by a lazy view's
        ``one`` while no lookup dict is built, else from the lookup."""
        folded = self._fold(key)
        first = self._first
        if first is None:
            source = self._source
            if source is not None and source[2] is not None:
                answer = source[2](folded)
                if answer is not None:
                    return _MISSING if answer is False else answer
            first = self._lookup()
        return first.get(folded, _MISSING)

    def __getitem__(self, key: str) -> str:
        value: str = self._first_value(key)
        if value is _MISSING:
            raise KeyError(self._fold(key))
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._first_value(key) is not _MISSING

    def __iter__(self) -> Iterator[str]:
        if len(self._lookup()) == len(self._pairs):  # no repeats
            return map(_name, self._pairs)
        return self._iter_once()

    def _iter_once(self) -> Iterator[str]:
        seen: set[str] = set()
        for key, _ in self._pairs:
            folded = self._fold(key)
            if folded not in seen:
                seen.add(folded)
                yield key

    def __len__(self) -> int:
        return len(self._lookup())

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

    def _values_of(self, key: str) -> list[str]:
        folded = self._fold(key)
        if folded not in self._lookup():
            return []
        fold = self._fold
        return [value for name, value in self._pairs if fold(name) == folded]

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
        first = self._first  # a lookup dict built: read it here, without a call
        if first is None:
            source = self._source
            if source is not None and source[2] is not None:  # a view that answers one key
                value = self._first_value(key)
            else:  # no frame more than the lookup itself (every call's first read)
                value = self._lookup().get(self._fold(key), _MISSING)
        else:
            value = first.get(self._fold(key), _MISSING)
        if value is _MISSING:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except ValueError:
            return default

    def getlist(self, key: str, type: Callable[[str], T] | None = None) -> list[Any]:
        """Every value of ``key`` in order; ``[]`` when absent."""
        values = self._values_of(key)
        if type is None:
            return values
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
        # Query keys follow the header rule: ``?token=…`` shows ``***``.
        return f"{type(self).__name__}({masked_pairs(self._pairs)!r})"


class Headers(MultiDict):
    """HTTP header fields: case-insensitive names, order and repeats kept.

    ``items()`` yields every field in order, like werkzeug's ``Headers``, so a
    second ``Set-Cookie`` is never lost by a loop over the headers.
    """

    __slots__ = ()

    _folds_case = True

    @staticmethod
    def _fold(key: str) -> str:
        return key.lower()

    @staticmethod
    def _lower_names(names: list[str]) -> list[str]:
        """``[name.lower() for name in names]`` of ``str`` names (``TypeError`` for
        another), lowered in one C call when they are ASCII without NUL (``str.lower``
        of a whole string is per character then; beyond ASCII a final sigma depends on
        its neighbours, so each name is lowered alone)."""
        joined = "\0".join(names)
        if joined.isascii():
            lowered = joined.lower().split("\0")
            if len(lowered) == len(names):  # no name held a NUL
                return lowered
        return list(map(str.lower, names))

    def items(self, multi: bool = True) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        """Every ``(name, value)`` field in order (``multi=False``: one per name)."""
        if multi:  # every encode's loop: no second frame through the base class
            return iter(self._pairs)
        return super().items(multi=False)

    def __repr__(self) -> str:
        return f"Headers({masked_pairs(self._pairs)!r})"


def _rebuild(cls: type[M], pairs: tuple[tuple[str, str], ...]) -> M:
    return cls._trusted(pairs)


def as_headers(value: MultiSource) -> Headers:
    """``value`` as ``Headers``, without a copy when it already is."""
    return value if type(value) is Headers or isinstance(value, Headers) else Headers(value)
