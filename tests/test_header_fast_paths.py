"""The per-call fast paths of the header conversions give what their plain rules give:
the Yandex envelope's ``multi_pairs`` (one loop for a few names, C passes for more)
and the WSGI environ's header fields (one store a field, repeats found by the count)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from polyfaas import Request, _multi_value
from polyfaas._codec import native_str
from polyfaas.errors import EventFormatError
from polyfaas.wsgi_bridge import environ_from_request
from polyfaas_yandex.http_envelope import multi_pairs

_NAMES = st.sampled_from(["Host", "host", "X-A", "x-a", "Cookie", "A", "b", "Σ"])
_TEXT = st.text(st.sampled_from("ab=&é\0"), max_size=3)
# What a multi-value map may hold: the platform's one-string lists, repeats, none,
# and the shapes the decode refuses.
_MULTI_VALUE = st.one_of(
    st.lists(_TEXT, min_size=1, max_size=1),
    st.lists(_TEXT, max_size=3),
    _TEXT,
    st.none(),
    st.integers(0, 2),
    st.tuples(_TEXT),
    st.lists(st.one_of(_TEXT, st.integers(0, 2)), min_size=1, max_size=2),
)


def _reference(singles: dict[Any, Any], multis: dict[Any, Any]) -> list[tuple[str, str]]:
    """``multi_pairs``'s documented rule, one field at a time."""
    pairs: list[tuple[str, str]] = []
    for name, values in multis.items():
        if type(name) is not str or type(values) is not list:
            raise EventFormatError("malformed")
        for value in values:
            if type(value) is not str:
                raise EventFormatError("malformed")
            pairs.append((name, value))
    if singles.keys() == multis.keys():
        return pairs
    for name, value in singles.items():
        if type(name) is not str or type(value) is not str:
            raise EventFormatError("malformed")
    folded = {name.lower() for name in multis}
    return pairs + [(n, v) for n, v in singles.items() if n.lower() not in folded]


def _answer(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except EventFormatError:
        return EventFormatError


@st.composite
def _envelopes(draw: st.DrawFn) -> tuple[dict[Any, Any], dict[Any, Any]]:
    size = draw(st.sampled_from([0, 1, 3, _multi_value._FEW, _multi_value._FEW + 1, 12]))
    names: list[Any] = [f"N{i}" for i in range(size)]
    if size and draw(st.booleans()):
        names[draw(st.integers(0, size - 1))] = draw(st.sampled_from([1, None]))
    multis: dict[Any, Any]
    if draw(st.booleans()):  # the platform's shape: every value a one-string list
        multis = {name: [draw(_TEXT)] for name in names}
    else:
        multis = {name: draw(_MULTI_VALUE) for name in names}
    if size and draw(st.booleans()):
        multis[draw(st.sampled_from(names))] = draw(_MULTI_VALUE)
    singles: dict[Any, Any] = {}
    for name, values in multis.items():
        if type(values) is list and values:
            singles[name] = values[-1]
    if draw(st.booleans()):
        singles[draw(st.sampled_from(["n0", "Extra", 2]))] = draw(st.one_of(_TEXT, st.none()))
    return singles, multis


@settings(max_examples=400)
@given(_envelopes())
@example(({"A": "1"}, {"A": "1"}))  # a string where the list goes: refused
@example(({"A": "1"}, {"A": ("1",)}))
@example(({"A": "2"}, {"A": ["1", "2"]}))  # a repeat in a short map
@example(({}, {"A": []}))
def test_multi_pairs_gives_its_rule_for_every_shape(shape: tuple[Any, Any]) -> None:
    singles, multis = shape
    event = {"headers": singles, "multiValueHeaders": multis}
    expected = _answer(_reference, singles, multis)
    assert _answer(multi_pairs, event, "headers", "multiValueHeaders") == expected


@pytest.mark.parametrize("size", [1, _multi_value._FEW, _multi_value._FEW + 1, 30])
def test_multi_pairs_of_the_platform_shape(size: int) -> None:
    names = [f"X-H{i}" for i in range(size)]
    event = {
        "queryStringParameters": {name: f"v{i}" for i, name in enumerate(names)},
        "multiValueQueryStringParameters": {name: [f"v{i}"] for i, name in enumerate(names)},
    }
    pairs = multi_pairs(event, "queryStringParameters", "multiValueQueryStringParameters")
    assert pairs == [(name, f"v{i}") for i, name in enumerate(names)]


def _reference_fields(pairs: list[tuple[str, str]]) -> dict[str, str]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        lower = name.lower()
        key = (
            lower.upper().replace("-", "_")
            if lower in ("content-type", "content-length")
            else "HTTP_" + lower.upper().replace("-", "_")
        )
        grouped.setdefault(key, []).append(native_str(value))
    return {
        key: ("; " if key == "HTTP_COOKIE" else ",").join(values) for key, values in grouped.items()
    }


@settings(max_examples=300)
@given(st.lists(st.tuples(_NAMES, st.text(st.sampled_from("ab é"), max_size=3)), max_size=8))
@example([("Cookie", "a=1"), ("X-A", "é"), ("cookie", "b=2"), ("x-a", "2"), ("X-A", "3")])
def test_the_environ_joins_repeated_fields_in_order(pairs: list[tuple[str, str]]) -> None:
    environ = environ_from_request(Request("POST", "/", headers=pairs, body=b"xy"))
    fields = {
        key: value
        for key, value in environ.items()
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
    }
    expected = _reference_fields(pairs)
    expected["CONTENT_LENGTH"] = "2"  # the body's length, whatever a field said
    expected.setdefault("HTTP_HOST", "localhost")
    assert fields == expected
