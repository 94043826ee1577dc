"""The FC runtime half's JSON parse (``polyfaas_alibaba.fastjson``) gives exactly
``json.loads``'s value or error, with orjson (the ``fast`` extra) in use and without it."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyfaas import Event, Request, providers
from polyfaas.errors import PolyfaasError
from polyfaas_alibaba import fastjson

orjson: Any
try:  # by name: mypy then checks the same whether or not the extra is installed
    orjson = importlib.import_module("orjson")
except ImportError:  # the tests still run the standard-library path
    orjson = None


@pytest.fixture(params=["json", "orjson"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs once with orjson forced off and once with it on."""
    if request.param == "json":
        monkeypatch.setitem(fastjson._PARSER, "loads", None)
    elif orjson is None:
        pytest.skip("orjson is not installed (pip install 'polyfaas[fast]')")
    else:
        monkeypatch.setitem(fastjson._PARSER, "loads", orjson.loads)
    return str(request.param)


def outcome(parse: Any, raw: bytes) -> tuple[str, str]:
    """What ``parse(raw)`` gives, told apart by type too (``1`` vs ``1.0``, NaN)."""
    try:
        return ("value", repr(parse(raw)))
    except (ValueError, RecursionError) as exc:
        return (type(exc).__name__, str(exc))


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**70)
    | st.integers(min_value=-(2**70), max_value=-(2**62))
    | st.floats()
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


# The fixture only sets which parser runs: the same for every generated input.
SAME_PARSER = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@SAME_PARSER
@given(value=JSON_VALUES, ensure_ascii=st.booleans())
def test_any_json_text_parses_as_json_loads_parses_it(
    parser: str, value: Any, ensure_ascii: bool
) -> None:
    raw = json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    assert outcome(fastjson.loads, raw) == outcome(json.loads, raw)


@SAME_PARSER
@given(raw=st.binary(max_size=64))
def test_any_bytes_give_json_loads_value_or_error(parser: str, raw: bytes) -> None:
    assert outcome(fastjson.loads, raw) == outcome(json.loads, raw)


EDGES = [
    b"18446744073709551615",  # the largest integer orjson keeps
    b"18446744073709551616",  # orjson: a float; json: the integer
    b"-9223372036854775809",
    b'{"n": [1, 123456789012345678901234567890]}',
    b'"\\udc80"',  # a lone surrogate: json keeps it
    b'"\xed\xb2\x80"',  # its UTF-8 bytes: no UTF-8, json refuses
    b"\xef\xbb\xbf{}",  # a BOM
    '{"a": "\u00e9"}'.encode("utf-16"),
    b"NaN",
    b"[Infinity, -Infinity]",
    b"1e400",
    b"-0",
    b'{"a": 1, "b": 2, "a": 3}',
    b"[" * 1024 + b"]" * 1024,
    b"[" * 1025 + b"]" * 1025,
    b"[" * 5000,
    b"",
    b" \t\n1\r ",
    b'"\x01"',
    b"\xff",
]


@pytest.mark.parametrize("raw", EDGES)
def test_where_orjson_differs_json_loads_decides(parser: str, raw: bytes) -> None:
    assert outcome(fastjson.loads, raw) == outcome(json.loads, raw)


HOSTILE = [
    b"[" * 5000 + b"]" * 5000,
    b'{"a": ' * 1000 + b"1" + b"}" * 1000,
    b"[" * 1000 + b"]" * 1000,
    b'{"requestContext": {"http": {"method": "GET"}}, "rawPath": "/", "n": 123456789012345678901}',
    b'{"requestContext": 5, "rawPath": "/"}',
    b'{"requestContext": {"http": {"method": "GET"}}, "rawPath": "/", "body": "\\udc80"}',
    b"\xff\xfe",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_the_fc_runtime_half_decodes_hostile_events_alike(parser: str, raw: bytes) -> None:
    """A decode is total with either parser: a payload, or a documented error."""
    half = providers.runtime_half("alibaba")
    try:
        payload: Any = half.decode((raw, None), {}).payload
    except PolyfaasError:
        return  # a documented error (a raw RecursionError or ValueError fails the test)
    assert isinstance(payload, (Request, Event))
    repr(payload)  # what reads the value does not recurse too deep
    if isinstance(payload, Request):
        assert payload.native == json.loads(raw)


def test_fast_tells_whether_orjson_is_in_use(parser: str) -> None:
    assert fastjson.fast() is (parser == "orjson")


def test_a_big_event_goes_to_json_loads(parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Past MAX_FAST_BYTES the checks would cost more than orjson saves: json.loads alone.
    calls: list[bytes] = []
    original = json.loads

    def counted(raw: bytes) -> Any:
        calls.append(raw)
        return original(raw)

    monkeypatch.setattr(json, "loads", counted)
    small = b'{"body": "' + b"A" * 100 + b'"}'
    big = b'{"body": "' + b"A" * fastjson.MAX_FAST_BYTES + b'"}'
    assert fastjson.loads(big) == {"body": "A" * fastjson.MAX_FAST_BYTES}
    assert calls == [big]
    assert fastjson.loads(small) == {"body": "A" * 100}
    # the standard-library path parses the small one too; orjson's does not
    assert calls == ([big, small] if parser == "json" else [big])
