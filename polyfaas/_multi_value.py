"""The ``headers``/``multiValueHeaders`` couple of API Gateway's REST payload (1.0),
which Yandex's HTTP envelopes copy and an ALB target with multi-value headers gets:
the pairs of such a couple, and a lower-cased lookup of it that needs no pairs.

Written once for every adapter that reads this shape (re-exported by
``polyfaas.runtime``), because it runs on every HTTP call: the checks and copies stay
in C passes where they can.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from typing import Any

from polyfaas._multidict import Headers
from polyfaas.errors import EventFormatError

_LIST = frozenset({list})
#: Up to this many names, ``multi_value_pairs`` reads the platform's shape in one loop.
_FEW = 8
#: Header names joined by NUL → their lower-cased list (``multi_value_index``).
_LOWERED: dict[str, list[str]] = {}
_LOWERED_SETS = 64
_LOWERED_TEXT = 4096


def object_field(event: Mapping[str, Any], key: str, where: str) -> Mapping[Any, Any]:
    """``event[key]`` as an object; ``null`` or absent is empty (API Gateway sends
    ``null`` for no query); ``EventFormatError`` naming ``where`` for anything else."""
    value = event.get(key)
    if type(value) is dict:  # the JSON the runtime parsed: skip the slow ABC check
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise EventFormatError(f"{where}: {key!r} must be an object, not {value!r:.60}")
    return value


def multi_value_pairs(
    event: Mapping[str, Any], single: str, multi: str, where: str
) -> list[tuple[str, str]]:
    """Name/value pairs from a ``headers``/``multiValueHeaders``-like couple of keys.

    Names in both take the list (the single value is the list's last one); the
    pairs follow the order of ``multi`` and then of names only in ``single`` (compared
    case-insensitively). ``EventFormatError`` naming ``where`` when a value is not a
    string (or a list of strings).
    """
    singles = object_field(event, single, where)
    multis = object_field(event, multi, where)
    pairs: list[tuple[str, str]]
    if len(multis) <= _FEW:
        # A query or a short header set: one loop costs less than the C passes' own
        # calls. Only the platform's shape (one string a list, the same names in
        # both); anything else takes the checks below.
        pairs = []
        for name, values in multis.items():
            if type(values) is not list or len(values) != 1:
                break
            value = values[0]
            if type(value) is not str or type(name) is not str:
                break
            pairs.append((name, value))
        else:
            if singles.keys() == multis.keys():
                return pairs
    try:
        "".join(multis)
        values_of = multis.values()
        if set(map(type, values_of)) <= _LIST:
            try:  # one value a list, else a ValueError (a repeat, or none)
                firsts = [value for [value] in values_of]
            except ValueError:
                pairs = _repeated_pairs(multis)
            else:
                "".join(firsts)
                pairs = list(zip(multis, firsts))
        else:
            pairs = _repeated_pairs(multis)
        if singles.keys() == multis.keys():  # what the platform sends
            return pairs
        "".join(singles)
        "".join(singles.values())
    except TypeError:
        raise EventFormatError(
            f"{where}: {single!r} must map strings to strings and {multi!r} "
            "strings to lists of strings"
        ) from None
    folded = {name.lower() for name in multis}
    pairs += [(name, value) for name, value in singles.items() if name.lower() not in folded]
    return pairs


def _repeated_pairs(multis: Mapping[Any, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, values in multis.items():
        if type(values) is not list:
            raise TypeError(name)
        if len(values) == 1:
            value = values[0]
            if type(value) is not str:
                raise TypeError(name)
            pairs.append((name, value))
        else:
            "".join(values)
            pairs += [(name, value) for value in values]
    return pairs


def multi_value_index(event: Mapping[str, Any]) -> dict[str, str] | None:
    """The lower-cased lookup of ``headers`` (name → first value) when the couple has
    the platform's shape — ``headers`` and ``multiValueHeaders`` with the same names,
    one string a list — checked as ``multi_value_pairs`` checks it; else ``None`` (the
    caller then decodes the pairs)."""
    singles = event.get("headers")
    multis = event.get("multiValueHeaders")
    if type(singles) is not dict or type(multis) is not dict:
        return None
    names = list(multis)
    # json.loads gives both objects the same key strings in the same order (its key
    # memo), so the list compare is mostly identity checks; another order still
    # takes the set compare the decode makes.
    if list(singles) != names and singles.keys() != multis.keys():
        return None
    values_of = multis.values()
    # Every value a list, none empty, and as many values as lists: each holds one
    # (three C passes instead of a type, a length and a first-item pass).
    if not set(map(type, values_of)) <= _LIST or [] in values_of:
        return None
    firsts = list(chain.from_iterable(values_of))
    if len(firsts) != len(names):
        return None
    try:
        "".join(firsts)
        joined = "\0".join(names)
    except TypeError:  # not strings: the decode reports it
        return None
    # Calls of one deployment repeat a few sets of header names (one a kind of
    # client): their lower-cased list is remembered by the names' joined text, which
    # saves a third of this index; bounded in count and size (hostile names only
    # fill it up to the bound, then it starts again).
    lowered = _LOWERED.get(joined)
    # A remembered list is of names without a NUL; names with one can join to its
    # text (["b", "-"] and ["b\0-"]) but are fewer: the length tells them apart.
    if lowered is None or len(lowered) != len(names):
        lowered = Headers._lower_names(names)
        # Only names without a NUL (else two lists could join alike).
        if len(joined) <= _LOWERED_TEXT and joined.count("\0") == len(names) - 1:
            if len(_LOWERED) >= _LOWERED_SETS:
                _LOWERED.clear()
            _LOWERED[joined] = lowered
    index = dict(zip(lowered, firsts))
    if len(index) != len(names):
        # Two names fold alike: built backwards, so the first value of each wins
        # (reversed copies: the remembered list is never changed).
        index = dict(zip(lowered[::-1], firsts[::-1]))
    return index
