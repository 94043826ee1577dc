"""The round-trip law: ``runtime.decode(platform.call(r)) == r`` for any request, and
the caller receives any response ``s`` the handler gave, except for the documented
losses, which are applied explicitly here and tested on their own."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polyfaas import Event, EventBatch, EventType, Headers, MultiDict, Request, Response
from polyfaas.platform import FunctionConfig, NativeCall, Outcome
from polyfaas_yandex.emulated import router
from polyfaas_yandex.emulated.function import gateway_platform, gateway_platform_v1, platform
from polyfaas_yandex.function import runtime
from tests.strategies import requests, responses

ROUTER_ADDED = {"x-forwarded-for", *router.ROUTER_HEADERS}
CONFIG = FunctionConfig()


def grouped(pairs: Any, *, case_sensitive: bool = False) -> list[tuple[str, str]]:
    """Repeats grouped under the first occurrence of their name (what a
    ``headers``/``multiValueHeaders`` pair keeps of the order). Header names compare
    case-insensitively; query keys (``case_sensitive``) as they are: ``Ù`` and ``ù``
    are two keys."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, value in pairs:
        groups.setdefault(name if case_sensitive else name.lower(), []).append((name, value))
    return [pair for group in groups.values() for pair in group]


def by_name(pairs: Any) -> list[tuple[str, str]]:
    return sorted(grouped(pairs), key=lambda pair: pair[0].lower())


def decoded(call: NativeCall) -> Request:
    invocation = runtime.decode(call.args, call.kwargs)
    assert isinstance(invocation.payload, Request)
    assert invocation.context.request_id == call.request_id
    return invocation.payload


def expected_after(r: Request, *, direct: bool) -> Request:
    """``r`` as the function sees it after the documented transformations."""
    stripped = router.STRIPPED_REQUEST_HEADERS if direct else router.GATEWAY_STRIPPED_HEADERS
    headers = [
        (name, value)
        for name, value in r.headers.items()
        if name.lower() not in stripped and name.lower() not in ROUTER_ADDED
    ]
    if "host" not in r.headers:
        headers.append(("Host", r.host))
    raw_path = "/" if direct else r.raw_path
    return Request(
        method=r.method,
        path="/" if direct else r.path,
        raw_path=raw_path,
        query=grouped(r.query.items(multi=True), case_sensitive=True),
        headers=grouped(headers),
        body=r.body,
        client_ip=r.client_ip or "127.0.0.1",
        scheme="https",
        host=r.headers.get("host", r.host),
        path_params={} if direct else {"url": raw_path.lstrip("/")},
    )


def without_router_headers(request: Request) -> Request:
    kept = [(n, v) for n, v in request.headers.items() if n.lower() not in ROUTER_ADDED]
    return Request(
        method=request.method,
        path=request.path,
        raw_path=request.raw_path,
        query=request.query,
        headers=kept,
        body=request.body,
        client_ip=request.client_ip,
        scheme=request.scheme,
        host=request.host,
        path_params=request.path_params,
    )


@settings(max_examples=150, deadline=None)
@given(requests())
def test_direct_call_law(r):
    call = platform.call(r, CONFIG)
    got = decoded(call)
    assert without_router_headers(got) == expected_after(r, direct=True)
    assert got.headers["X-Request-Id"] == call.request_id
    assert got.headers.getlist("X-Forwarded-For")[-1].endswith(r.client_ip or "127.0.0.1")


@settings(max_examples=150, deadline=None)
@given(requests(), st.sampled_from([gateway_platform, gateway_platform_v1]))
def test_gateway_law(r, half):
    got = decoded(half.call(r, CONFIG))
    assert without_router_headers(got) == expected_after(r, direct=False)


class TestDocumentedLosses:
    """Each loss the law above allows, on its own."""

    def test_direct_call_drops_cookie_and_authorization_and_has_no_path(self):
        r = Request(
            "GET", "/deep/path", headers={"Cookie": "a=1", "Authorization": "Bearer x", "X-A": "1"}
        )
        got = decoded(platform.call(r, CONFIG))
        assert got.path == got.raw_path == "/"
        assert "cookie" not in got.headers
        assert "authorization" not in got.headers
        assert got.cookies == MultiDict()
        assert got.headers["X-A"] == "1"

    def test_the_gateway_keeps_them(self):
        r = Request("GET", "/deep/path", headers={"Cookie": "a=1", "Authorization": "Bearer x"})
        got = decoded(gateway_platform.call(r, CONFIG))
        assert got.path == "/deep/path"
        assert got.cookies["a"] == "1"
        assert got.headers["Authorization"] == "Bearer x"
        assert got.path_params == {"url": "deep/path"}

    def test_scheme_is_always_https(self):
        assert decoded(platform.call(Request(scheme="http"), CONFIG)).scheme == "https"

    def test_interleaved_header_order_is_grouped(self):
        r = Request(headers=[("X-A", "1"), ("X-B", "2"), ("X-A", "3")])
        got = decoded(platform.call(r, CONFIG))
        assert [p for p in got.headers.items() if p[0].startswith("X-")][:3] == [
            ("X-A", "1"),
            ("X-A", "3"),
            ("X-B", "2"),
        ]

    def test_unknown_client_ip_becomes_loopback(self):
        assert decoded(platform.call(Request(client_ip=None), CONFIG)).client_ip == "127.0.0.1"

    def test_percent_encoded_slash_survives_the_gateway(self):
        r = Request("GET", "/a/b/c", raw_path="/a%2Fb/c")
        got = decoded(gateway_platform.call(r, CONFIG))
        assert got.raw_path == "/a%2Fb/c"
        assert got.path == "/a/b/c"


def answer(s: Response, half: Any = platform) -> Response:
    call = half.call(Request(), CONFIG)
    invocation = runtime.decode(call.args, call.kwargs)
    native = runtime.encode(s, invocation)
    received: Response = half.receive(Outcome(value=native), call)
    return received


@settings(max_examples=150, deadline=None)
@given(responses(), st.sampled_from([platform, gateway_platform]))
def test_response_law(s, half):
    got = answer(s, half)
    assert got.status == s.status
    assert got.body == s.body
    # single-valued names travel in ``headers``, repeated ones in ``multiValueHeaders``:
    # the order between names is the platform's, the order of a name's values is kept
    kept = [p for p in got.headers.items() if p[0] != "X-Request-Id"]
    assert Headers(by_name(kept)) == Headers(by_name(s.headers.items()))


@given(st.text(max_size=50), st.sampled_from(["text/plain; charset=utf-8", "application/json"]))
def test_text_response_law(text, content_type):
    s = Response(200, {"Content-Type": content_type}, text)
    assert answer(s).body == s.body


UTC_TIMES = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.just(timezone.utc),
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@st.composite
def trigger_events(draw: st.DrawFn) -> Event:
    kind = draw(
        st.sampled_from(
            [
                EventType.TIMER,
                EventType.QUEUE_MESSAGE,
                EventType.OBJECT_CREATED,
                EventType.OBJECT_DELETED,
                EventType.OBJECT_CHANGED,
            ]
        )
    )
    data: Any = None
    subject: str | None = None
    if kind == EventType.TIMER:
        data = draw(st.none() | TEXT)
    elif kind == EventType.QUEUE_MESSAGE:
        data, subject = draw(TEXT), draw(TEXT.filter(bool))
    else:
        subject = draw(TEXT)
    return Event(
        type=kind,
        id=draw(TEXT.filter(bool)),
        source=draw(TEXT),
        subject=subject,
        time=draw(UTC_TIMES),
        data=data,
    )


@settings(max_examples=150, deadline=None)
@given(trigger_events())
def test_trigger_law(e):
    call = platform.call(e, CONFIG)
    assert runtime.decode(call.args, call.kwargs).payload == EventBatch([e])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), JSON, min_size=1))
def test_direct_payload_law(data):
    e = Event(type=EventType.DIRECT, data=data)
    call = platform.call(e, CONFIG)
    assert call.args[0] == data  # a raw call passes the JSON as the event
    got = runtime.decode(call.args, call.kwargs).payload
    assert isinstance(got, Event)
    assert (got.type, got.data) == (EventType.DIRECT, data)
    assert got.id == call.request_id  # a raw payload carries no id of its own


@pytest.mark.parametrize(
    ("event", "lost"),
    [
        (Event(type=EventType.TIMER, source="t"), "time"),  # the platform stamps a time
        (Event(type=EventType.QUEUE_MESSAGE, source="q", data="x"), "subject"),  # message id
    ],
)
def test_trigger_fields_the_platform_fills(event, lost):
    call = platform.call(event, CONFIG)
    batch = runtime.decode(call.args, call.kwargs).payload
    assert isinstance(batch, EventBatch)
    (got,) = batch.events
    assert getattr(got, lost) is not None
    assert getattr(event, lost) is None


def test_an_empty_direct_payload_is_an_empty_body():
    call = platform.call(Event(type=EventType.DIRECT), CONFIG)
    assert call.args[0] == ""
    got = runtime.decode(call.args, call.kwargs).payload
    assert isinstance(got, Event)
    assert got.data is None
