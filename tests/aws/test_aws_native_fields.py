"""The WSGI environ read from an AWS event's native header maps (the lazy view's
``fields``, issue 15) equals the environ of the decoded pairs, and a malformed field
is still the decoder's ``EventFormatError``, whatever shape the maps have."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polyfaas import Headers, Request
from polyfaas.errors import EventFormatError
from polyfaas.wsgi_bridge import environ_from_request
from polyfaas_aws import http_api, rest

_names = st.sampled_from(
    ["host", "Host", "content-type", "Content-Type", "cookie", "x-a", "X-A", "é", 7]
)
_values = st.one_of(
    st.sampled_from(["a", "b,c", "ünï", "\udcff", ""]),
    st.integers(),  # not a string: malformed
    st.none(),
)
_singles = st.one_of(st.dictionaries(_names, _values, max_size=5), st.none(), st.just("x"))
_lists = st.one_of(st.lists(_values, max_size=2), _values)
_multis = st.one_of(st.dictionaries(_names, _lists, max_size=5), st.none(), st.just(3))


def _comparable(environ: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in environ.items() if k not in ("wsgi.input", "polyfaas.request")}


def _environ_or_error(decode: Any, event: dict[str, Any]) -> tuple[Any, Any]:
    """(environ from the native fields, environ from the decoded pairs), each the
    error's type when it raised."""
    try:
        request = decode(event)
    except EventFormatError:
        return EventFormatError, EventFormatError
    try:
        fast: Any = _comparable(environ_from_request(request))
    except EventFormatError:
        fast = EventFormatError
    try:
        eager = Headers._trusted(tuple(decode(event).headers.items(multi=True)))
        slow: Any = _comparable(environ_from_request(_with_headers(request, eager)))
    except EventFormatError:
        slow = EventFormatError
    return fast, slow


def _with_headers(request: Request, headers: Headers) -> Request:
    import attrs

    return attrs.evolve(request, headers=headers)


@settings(max_examples=300)
@given(_singles, _multis)
def test_rest_environ_from_the_native_maps_is_the_pairs_environ(singles: Any, multis: Any) -> None:
    event: dict[str, Any] = {
        "httpMethod": "GET",
        "path": "/",
        "requestContext": {"domainName": "example.com"},
        "headers": singles,
        "multiValueHeaders": multis,
    }
    fast, slow = _environ_or_error(rest.decode, event)
    assert fast == slow


@settings(max_examples=300)
@given(_singles, st.one_of(st.none(), st.lists(st.sampled_from(["a=1", "b=2"]), max_size=2)))
def test_http_api_environ_from_the_native_map_is_the_pairs_environ(
    singles: Any, cookies: Any
) -> None:
    event: dict[str, Any] = {
        "version": "2.0",
        "rawPath": "/",
        "requestContext": {"http": {"method": "GET"}, "domainName": "example.com"},
        "headers": singles,
    }
    if cookies is not None:
        event["cookies"] = cookies
    fast, slow = _environ_or_error(http_api.decode, event)
    assert fast == slow


def test_the_common_shapes_take_the_native_maps() -> None:
    v1 = rest.decode(
        {
            "httpMethod": "GET",
            "path": "/",
            "requestContext": {},
            "headers": {"Host": "h", "X-A": "1"},
            "multiValueHeaders": {"Host": ["h"], "X-A": ["1"]},
        }
    )
    v2 = http_api.decode(
        {
            "version": "2.0",
            "rawPath": "/",
            "requestContext": {"http": {"method": "GET"}},
            "headers": {"host": "h", "x-a": "1"},
            "cookies": ["a=1", "b=2"],
        }
    )
    for request in (v1, v2):
        environ = environ_from_request(request)
        assert environ["HTTP_HOST"] == "h"
        assert environ["HTTP_X_A"] == "1"
        assert request.headers._source is not None
        assert request.headers._source[3] is not None
    assert environ_from_request(v2)["HTTP_COOKIE"] == "a=1; b=2"
    # the environ did not decode the pairs (a slot still unset)
    assert not _has_pairs(v1.headers)
    assert not _has_pairs(v2.headers)


def _has_pairs(headers: Headers) -> bool:
    try:
        object.__getattribute__(headers, "_pairs")
    except AttributeError:
        return False
    return True
