"""The trusted constructors (``Request._trusted`` & co.) give what the validating ones
give for valid values: equal, the same hash and repr, every field the same (``native``
and the other ``eq=False`` fields included), the exact class, and still frozen."""

from __future__ import annotations

import logging
from datetime import timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from polyfaas import Context, Credentials, Event, Headers, MultiDict, Request, Response
from polyfaas.runtime import Invocation

text = st.text(max_size=12)
names = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=10)
pairs = st.lists(st.tuples(names, text), max_size=5).map(tuple)
optional_text = st.none() | text
numbers = st.none() | st.floats(allow_nan=False, allow_infinity=False)


def same(trusted: Any, validated: Any) -> None:
    assert type(trusted) is type(validated)
    assert trusted == validated
    try:
        expected = hash(validated)
    except TypeError:  # a dict or list inside (path_params, data): neither hashes
        with pytest.raises(TypeError):
            hash(trusted)
    else:
        assert hash(trusted) == expected
    assert repr(trusted) == repr(validated)
    for field in attrs.fields(type(validated)):
        assert getattr(trusted, field.name) == getattr(validated, field.name), field.name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        trusted.native = "changed"


request_values = st.fixed_dictionaries(
    {},
    optional={
        "method": st.sampled_from(["GET", "POST", "DELETE", "PATCH"]),
        "path": text.map(lambda p: "/" + p),
        "raw_path": text.map(lambda p: "/" + p),
        "query": pairs,
        "headers": pairs,
        "body": st.binary(max_size=20),
        "client_ip": optional_text,
        "scheme": st.sampled_from(["http", "https"]),
        "host": text,
        "base_path": text,
        "path_params": st.dictionaries(names, text, max_size=3),
        "native": st.none() | st.integers() | st.dictionaries(text, text, max_size=2),
    },
)


@given(request_values)
def test_request(values: dict[str, Any]) -> None:
    trusted = dict(values)
    if "query" in values:
        trusted["query"] = MultiDict._trusted(values["query"])
    if "headers" in values:
        trusted["headers"] = Headers._trusted(values["headers"])
    same(Request._trusted(**trusted), Request(**values))


@given(request_values)
def test_request_positionally(values: dict[str, Any]) -> None:
    validated = Request(**values)
    # The constructor's fields, in order (``_fill``, which a constructor never takes, is not one).
    fields = [getattr(validated, field.name) for field in attrs.fields(Request) if field.init]
    same(Request._trusted(*fields), validated)


@given(st.integers(100, 599), pairs, st.binary(max_size=20))
def test_response(status: int, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
    trusted = Response._trusted(status, Headers._trusted(headers), body)
    same(trusted, Response(status, headers, body))


def test_response_defaults() -> None:
    same(Response._trusted(), Response())
    same(Response._trusted(204), Response(204))


@given(st.dictionaries(text, text, max_size=2) | st.lists(st.integers()), st.integers(200, 500))
def test_the_model_s_own_fast_responses(obj: Any, status: int) -> None:
    assert Response.from_json(obj, status) == Response(
        status, {"Content-Type": "application/json"}, Response.from_json(obj).body
    )
    assert Response.from_text("é", status) == Response(
        status, [("Content-Type", "text/plain; charset=utf-8")], "é".encode()
    )
    assert Response.from_bytes(b"\x00", status) == Response(
        status, [("Content-Type", "application/octet-stream")], b"\x00"
    )


times = st.none() | st.datetimes(timezones=st.just(timezone.utc))


@given(
    st.fixed_dictionaries(
        {"id": text},
        optional={
            "type": text,
            "data": st.none() | text | st.binary(max_size=5) | st.lists(st.integers(), max_size=3),
            "source": text,
            "time": times,
            "subject": optional_text,
            "datacontenttype": optional_text,
            "native": st.none() | text,
        },
    )
)
def test_event(values: dict[str, Any]) -> None:
    same(Event._trusted(**values), Event(**values))


def test_event_without_an_id_gets_a_new_one() -> None:
    first, second = Event._trusted(), Event._trusted()
    assert len(first.id) == 36
    assert first.id != second.id
    assert first.time is None


credentials: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    access_key_id=optional_text,
    access_key_secret=optional_text,
    security_token=optional_text,
    token=optional_text,
    expires_at=numbers,
)


@given(credentials)
def test_credentials(values: dict[str, Any]) -> None:
    same(Credentials._trusted(**values), Credentials(**values))
    assert "hunter2" not in repr(Credentials._trusted(access_key_secret="hunter2"))


@given(
    st.fixed_dictionaries(
        {"request_id": text},
        optional={
            "provider": text,
            "function_name": text,
            "function_version": text,
            "memory_limit_mb": st.none() | st.integers(0, 4096),
            "deadline": numbers,
            "region": text,
            "account_id": text,
            "credentials": st.none() | credentials.map(lambda kw: Credentials(**kw)),
            "logger": st.none() | st.just(logging.getLogger("test")),
            "native": st.none() | text,
        },
    )
)
def test_context(values: dict[str, Any]) -> None:
    trusted, validated = Context._trusted(**values), Context(**values)
    same(trusted, validated)
    assert trusted.logger is validated.logger


@given(request_values, st.tuples(text, text))
def test_invocation(values: dict[str, Any], native: tuple[str, str]) -> None:
    request, context = Request(**values), Context(request_id="r")
    same(
        Invocation._trusted(request, context, native),
        Invocation(request, context, native=native),
    )


def test_evolve_and_defaults() -> None:
    built = Request._trusted(path="/a b", headers=Headers._trusted((("Host", "h"),)))
    assert built.raw_path == "/a%20b"
    assert built.host == "h"
    assert built == Request(path="/a b", headers=[("Host", "h")])
    assert attrs.evolve(built, method="post").method == "POST"
    assert Request._trusted().path_params is not Request._trusted().path_params
    assert Context._trusted().request_id != Context._trusted().request_id


@given(st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=4))
def test_encode_query_fast_path_is_quote(query: list[tuple[str, str]]) -> None:
    from urllib.parse import quote

    from polyfaas._request import QUERY_SAFE, encode_query

    def q(text: str) -> str:
        return quote(text, safe=QUERY_SAFE, errors="surrogatepass")

    assert encode_query(MultiDict(query)) == "&".join(f"{q(k)}={q(v)}" for k, v in query)
