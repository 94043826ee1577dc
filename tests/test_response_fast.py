"""``Response(...)`` stores the shapes handlers write (an int status, a bytes or str
body, a dict of str fields, ``Headers`` or none) without attrs' generated ``__init__``;
every input gives what that validating ``__init__`` (``__attrs_init__``, the
converters) gives: the same fields of the same types, the same repr and hash, or the
same error."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from polyfaas import Headers, Response
from polyfaas._normalize import to_response
from polyfaas.errors import ResponseFormatError


class Text(str):
    """A ``str`` subclass: the fast path leaves it to the converters."""


class Blob(bytes):
    """A ``bytes`` subclass: the fast path leaves it to the converters."""


def _validated(*args: Any, **kwargs: Any) -> Response:
    made: Any = object.__new__(Response)
    made.__attrs_init__(*args, **kwargs)
    return made  # type: ignore[no-any-return]


def _outcome(build: Any) -> tuple[str, Any]:
    try:
        response = build()
    except Exception as exc:
        return ("error", (type(exc), str(exc)))
    return ("response", response)


names = st.text(max_size=8) | st.sampled_from(["Content-Type", "Set-Cookie", "X-A"])
plain = st.text(max_size=12)
values = plain | plain.map(Text) | st.integers() | st.none() | st.lists(plain, max_size=2)
statuses = (
    st.integers(-5, 1000)
    | st.booleans()
    | st.integers(100, 599).map(str)
    | st.sampled_from(["", "abc", " 200 ", "2.5"])
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.none()
)
headers = (
    st.none()
    | st.dictionaries(names, plain, max_size=12)
    | st.dictionaries(names | names.map(Text), values, max_size=4)
    | st.lists(st.tuples(names, plain), max_size=4)
    | st.lists(st.tuples(names, plain), max_size=3).map(Headers)
    | st.sampled_from([5, "x", [("a",)], [("a", "b", "c")], {1: "a"}])
)
bodies = (
    st.binary(max_size=16)
    | plain
    | st.sampled_from(["\ud800", "é", b"", None, 3, bytearray(b"ab"), memoryview(b"cd")])
    | st.binary(max_size=4).map(Blob)
    | plain.map(Text)
)


def same(fast: Response, validated: Response) -> None:
    assert type(fast) is Response
    assert fast == validated
    assert hash(fast) == hash(validated)
    assert repr(fast) == repr(validated)
    for field in attrs.fields(Response):
        got, expected = getattr(fast, field.name), getattr(validated, field.name)
        assert type(got) is type(expected), field.name
        assert got == expected, field.name
    assert [tuple(map(type, pair)) for pair in fast.headers._pairs] == [
        tuple(map(type, pair)) for pair in validated.headers._pairs
    ]
    assert fast.headers._pairs == validated.headers._pairs
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.status = 1  # type: ignore[misc]


@given(statuses, headers, bodies)
def test_positional_arguments_give_what_the_converters_give(
    status: Any, fields: Any, body: Any
) -> None:
    fast = _outcome(lambda: Response(status, fields, body))
    validated = _outcome(lambda: _validated(status, fields, body))
    assert fast[0] == validated[0], (fast, validated)
    if fast[0] == "error":
        assert fast == validated
    else:
        same(fast[1], validated[1])


@given(st.fixed_dictionaries({}, optional={"status": statuses, "headers": headers, "body": bodies}))
def test_keyword_arguments_and_defaults_give_what_the_converters_give(
    given_fields: dict[str, Any],
) -> None:
    fast = _outcome(lambda: Response(**given_fields))
    validated = _outcome(lambda: _validated(**given_fields))
    assert fast[0] == validated[0], (fast, validated)
    if fast[0] == "error":
        assert fast == validated
    else:
        same(fast[1], validated[1])


def test_evolve_and_the_handlers_shape() -> None:
    response = Response(201, {"Content-Type": "application/json"}, b"{}")
    same(response, _validated(201, {"Content-Type": "application/json"}, b"{}"))
    evolved = attrs.evolve(response, status=202)
    same(evolved, _validated(202, [("Content-Type", "application/json")], b"{}"))
    # The remembered fields are shared, immutable Headers: equal answers each time.
    assert Response(200, {"X-A": "1"}).headers == Response(200, {"x-a": "1"}).headers


def test_a_remembered_field_set_is_still_checked_before_it_is_sent() -> None:
    bad = {"X-A": "1\r\nSet-Cookie: evil=1"}
    for _ in range(2):
        with pytest.raises(ResponseFormatError):
            to_response(Response(200, bad, b""))


def test_long_values_are_not_remembered() -> None:
    from polyfaas import _response

    long_value = "v" * 600
    Response(200, {"X-Long": long_value})
    assert (("X-Long", long_value),) not in _response._known_headers
