"""Lazy multi-dict views (issue 15, decisions 1 and 3): a view decoded on first use
is indistinguishable from the eager multi-dict of the same pairs, and a malformed
field raises ``EventFormatError`` when read, answered by the platform as at decode."""

from __future__ import annotations

import copy
import pickle
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Headers, MultiDict
from polyfaas.errors import EventFormatError
from polyfaas.platform import ErrorInfo, FunctionConfig, Outcome
from polyfaas_yandex.emulated.context import make_context
from polyfaas_yandex.emulated.function import platform
from polyfaas_yandex.http_envelope import decode_request, multi_pairs
from tests.yandex.yandex_helpers import sample

# Names that lower-case unusually: a final sigma, a dotted capital I (two characters
# lowered), a NUL (the one-call lowering's separator), plain ASCII.
NAMES = st.text(st.sampled_from("aAbZ-_Σσİi\0é"), max_size=4)
VALUES = st.text(st.sampled_from("ab ,;=Σ\0"), max_size=3)
ODD = st.none() | st.integers(0, 3) | st.lists(st.integers(0, 1), max_size=1)
VALUE = VALUES | ODD  # mostly strings, sometimes what the platform never sends


@st.composite
def native_couples(draw: st.DrawFn) -> tuple[Any, Any]:
    """A ``headers``/``multiValueHeaders``-like couple: mostly the platform's shape
    (same names, one string a list), sometimes repeats, odd values or extra names."""
    multis: Any = draw(st.dictionaries(NAMES | st.integers(0, 2), st.lists(VALUE, max_size=3)))
    if draw(st.booleans()):
        multis = {name: [draw(VALUES)] for name in multis}
    singles: Any = {name: values[-1] if values else "" for name, values in multis.items()}
    if draw(st.integers(0, 3)) == 0:
        singles = draw(st.dictionaries(NAMES, VALUE, max_size=3))
    if draw(st.integers(0, 8)) == 0:
        odd: Any = draw(ODD | st.dictionaries(NAMES, VALUE, max_size=2))
        multis = odd
    return singles, multis


def eager(event: dict[str, Any], single: str, multi: str, cls: type[MultiDict]) -> Any:
    try:
        return cls._trusted(tuple(multi_pairs(event, single, multi)))
    except EventFormatError:
        return EventFormatError


def observe(view: MultiDict, op: str, names: list[Any]) -> Any:
    probes = [*names, "missing", *(n.upper() for n in names if isinstance(n, str))]
    probes = [p for p in probes if isinstance(p, str)]
    if op == "get":
        return [view.get(p) for p in probes]
    if op == "in":
        return [p in view for p in probes]
    if op == "getitem":
        return [view.get(p, KeyError) for p in probes]
    if op == "getlist":
        return [view.getlist(p) for p in probes]
    if op == "items":
        return list(view.items(multi=True)), list(view.items(multi=False))
    if op == "iter":
        return list(view)
    if op == "len":
        return len(view)
    if op == "hash":
        return hash(view)
    if op == "repr":
        return repr(view)
    if op == "pickle":
        loaded = pickle.loads(pickle.dumps(view))
        assert type(loaded) is type(view)
        return loaded, copy.copy(view)
    raise AssertionError(op)


OPS = ["get", "in", "getitem", "getlist", "items", "iter", "len", "hash", "repr", "pickle"]


def read(view: Callable[[], MultiDict], op: str, names: list[Any]) -> Any:
    try:
        return observe(view(), op, names)
    except EventFormatError:
        return EventFormatError


@settings(max_examples=400, deadline=None)
@given(native_couples(), native_couples(), st.sampled_from(OPS))
def test_lazy_yandex_views_equal_the_eager_ones(headers, query, first_op):
    event: dict[str, Any] = {"httpMethod": "GET", "url": "/"}
    event["headers"], event["multiValueHeaders"] = headers
    event["queryStringParameters"], event["multiValueQueryStringParameters"] = query
    want_headers = eager(event, "headers", "multiValueHeaders", Headers)
    want_query = eager(event, "queryStringParameters", "multiValueQueryStringParameters", MultiDict)
    try:
        request = decode_request(event)
    except EventFormatError:  # only when the host lookup had to decode the headers
        assert want_headers is EventFormatError
        return
    names = list(headers[1]) if isinstance(headers[1], dict) else []
    names += list(headers[0]) if isinstance(headers[0], dict) else []
    # The first read decides the path (the C index or the pairs): each op first once.
    for op in [first_op, *OPS]:
        got = read(lambda: decode_request(event).headers, op, names)
        if want_headers is EventFormatError:
            assert got is EventFormatError, op
        else:
            assert got == observe(want_headers, op, names), op
    qnames = list(query[1]) if isinstance(query[1], dict) else []
    got_query = read(lambda: request.query, first_op, qnames)
    if want_query is EventFormatError:
        assert got_query is EventFormatError
        assert read(lambda: request.query, "items", qnames) is EventFormatError
        return
    assert got_query == observe(want_query, first_op, qnames)
    assert type(request.query) is MultiDict
    assert type(request.headers) is Headers
    if want_headers is not EventFormatError:
        assert request.headers == want_headers
        assert want_headers == request.headers
        assert request.query == want_query
        assert hash(request.query) == hash(want_query)


@given(st.lists(st.tuples(NAMES, VALUES), max_size=5), st.booleans())
def test_a_lazy_view_is_its_type_and_equals_the_eager_one(pairs, with_index):
    frozen: tuple[tuple[str, str], ...] = tuple(pairs)
    calls = []

    def decode() -> tuple[tuple[str, str], ...]:
        calls.append(1)
        return frozen

    index = (lambda: None) if with_index else None
    for cls in (Headers, MultiDict):
        lazy, want = cls._lazy(decode, index), cls._trusted(frozen)
        assert type(lazy) is cls
        assert lazy == want
        assert hash(lazy) == hash(want)
        assert repr(lazy) == repr(want)
        assert list(lazy.items(multi=True)) == list(want.items(multi=True))
        with pytest.raises(AttributeError):
            getattr(lazy, "no_such_attribute")
    assert len(calls) == 2  # decoded once a view


def test_a_lazy_view_masks_secrets():
    view = Headers._lazy(lambda: (("X-Auth-Token", "s3cret"), ("Accept", "*/*")))
    assert "s3cret" not in repr(view)
    assert "***" in repr(view)


def test_a_lazy_view_retries_a_failed_decode():
    def fails() -> tuple[tuple[str, str], ...]:
        raise EventFormatError("bad headers")

    view = Headers._lazy(fails)
    for _ in range(2):
        with pytest.raises(EventFormatError, match="bad headers"):
            view.get("a")


def answer_of(event: dict[str, Any], reads_headers: bool) -> Any:
    """What the emulated Yandex platform half answers for this native event."""

    @polyfaas.http
    def handler(request: polyfaas.Request, context: polyfaas.Context) -> str:
        if reads_headers:
            request.headers.get("content-type")
        return "never"

    call = platform.call(polyfaas.Request(), FunctionConfig())
    try:
        handler(event, make_context(function_seed="fn"))
    except EventFormatError as exc:
        return platform.receive(Outcome(error=ErrorInfo.from_exception(exc)), call)
    raise AssertionError("no EventFormatError")


def test_a_read_time_error_gets_the_decode_time_answer():
    at_decode = sample("http")
    at_decode["body"], at_decode["isBase64Encoded"] = "***", True
    at_read = sample("http")
    at_read["multiValueHeaders"] = {"Accept": "not a list"}
    decoded, read = answer_of(at_decode, False), answer_of(at_read, True)
    assert decoded.status == read.status == 502
    assert decoded.headers.get("x-function-error") == read.headers.get("x-function-error")
    assert decoded.json()["errorType"] == read.json()["errorType"] == "EventFormatError"
    assert "lists of strings" in read.json()["errorMessage"]
    # A handler that never reads the malformed field answers as usual.
    answer = polyfaas.http(lambda r, c: "ok")(at_read, make_context(function_seed="fn"))
    assert answer["statusCode"] == 200


@given(st.lists(st.tuples(NAMES, VALUES), max_size=5), st.lists(NAMES, max_size=4))
def test_a_one_key_answer_equals_the_lookup(pairs, probes):
    """``one`` answers get/in/[] while no lookup is built; ``None`` (cannot tell) falls
    back to the pairs; every answer equals the eager view's."""
    frozen: tuple[tuple[str, str], ...] = tuple(pairs)
    want = Headers._trusted(frozen)
    asked: list[str] = []

    def one(key: str) -> str | bool | None:
        asked.append(key)
        if key.startswith("a"):  # cannot tell: the pairs decide
            return None
        return want.get(key, False)

    names = [*probes, *(name for name, _ in frozen), "missing"]
    for probe in [*names, *(name.upper() for name in names)]:
        view = Headers._lazy(lambda: frozen, None, one)
        assert view.get(probe) == want.get(probe)
        assert (probe in view) == (probe in want)
        assert view.get(probe, KeyError) == want.get(probe, KeyError)
        if probe.lower() not in want._lookup():
            with pytest.raises(KeyError):
                view[probe]
        else:
            assert view[probe] == want[probe]
        assert view == want
    assert all(key == key.lower() for key in asked)  # asked with the folded key


def test_a_one_key_answer_is_not_used_once_the_lookup_is_built():
    calls = []

    def one(key: str) -> str | bool | None:
        calls.append(key)
        return "from one"

    view = MultiDict._lazy(lambda: (("a", "1"),), None, one)
    assert view.get("a") == "from one"
    assert calls == ["a"]
    assert len(view) == 1  # builds the lookup from the pairs
    assert view.get("a") == "1"
    assert view["a"] == "1"
    assert "a" in view
    assert calls == ["a"]
