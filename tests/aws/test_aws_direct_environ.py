"""A WSGI entry's direct path on payload 2.0 and REST API events (``decode_for_wsgi``,
issue 19): the environ built straight from the event is the environ of the decoded
request, and its lazy ``Request`` is the decoded one, for any event; a malformed event
is the decoder's ``EventFormatError`` with the same message, raised before the app runs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Request
from polyfaas.errors import EventFormatError
from polyfaas.wsgi_bridge import environ_from_request
from polyfaas_aws import http_api
from polyfaas_aws.function import http_runtime
from tests.aws.aws_helpers import LambdaContextStub

texts = st.sampled_from(["", "a", "ünï", "\udcff", "b,c", "x y"])
header_names = st.sampled_from(["host", "x-forwarded-proto", "content-type", "cookie", "x-a", "é"])
header_values = st.one_of(st.sampled_from(["h.example", "https", "http", "1", "a=1"]), texts)


def sometimes(valid: Any, broken: Any) -> Any:
    """Mostly ``valid``, one time in five ``broken``: most events take the direct path,
    and each kind of malformed field comes up too."""
    return st.integers(0, 4).flatmap(lambda roll: broken if roll == 0 else valid)


headers = sometimes(
    st.dictionaries(header_names, header_values, max_size=5).map(
        lambda fields: {"host": "h.example", **fields}
    ),
    st.one_of(
        st.dictionaries(header_names, st.one_of(header_values, st.integers(), st.none())),
        st.none(),
        st.just("x"),
    ),
)
paths = sometimes(
    st.sampled_from(["/", "/a/b", "/a%2Fb", "/caf%C3%A9", "/x y", "/é", "", "a"]),
    st.one_of(st.none(), st.integers()),
)
queries = sometimes(
    st.sampled_from(["", "a=1&b=2", "a=%7E&b", "x=1&x=2", "q=a+b", "é=1"]),
    st.one_of(st.none(), st.integers()),
)
methods = sometimes(
    st.sampled_from(["GET", "post"]), st.one_of(st.just(""), st.none(), st.integers())
)
bodies = sometimes(
    st.one_of(st.none(), st.sampled_from(["", "{}"])), st.one_of(st.just("!!"), st.integers())
)
flags = sometimes(st.just(False), st.one_of(st.just(True), st.none(), st.just("true")))
params = sometimes(st.sampled_from([None, {}, {"proxy": "a/b"}]), st.sampled_from([{"n": 3}, "x"]))
cookies = sometimes(
    st.one_of(st.none(), st.lists(st.sampled_from(["a=1", "b=2"]), max_size=2)),
    st.sampled_from([[1], "a=1"]),
)
source_ips = st.one_of(st.none(), st.sampled_from(["", "203.0.113.9"]), st.integers())
contexts = sometimes(st.just("dict"), st.sampled_from(["not-http", None]))


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    http: Any = {"method": draw(methods), "sourceIp": draw(source_ips)}
    shape = draw(contexts)
    context: Any = {"http": http, "domainName": "d.example"} if shape == "dict" else None
    if shape == "not-http":
        context = {"http": "x"}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": draw(paths),
        "rawQueryString": draw(queries),
        "headers": draw(headers),
        "requestContext": context,
        "body": draw(bodies),
        "isBase64Encoded": draw(flags),
    }
    for key, strategy in (("cookies", cookies), ("pathParameters", params)):
        value = draw(strategy)
        if value is not None:
            event[key] = value
    return event


rest_names = st.sampled_from(["Host", "X-Forwarded-Proto", "Content-Type", "Cookie", "X-A", "é"])
rest_values = st.one_of(st.sampled_from(["h.example", "https", "1", "a=1"]), texts)


@st.composite
def rest_headers(draw: st.DrawFn) -> tuple[Any, Any]:
    """(headers, multiValueHeaders): mostly the platform's couple, else any other."""
    singles = draw(st.dictionaries(rest_names, rest_values, max_size=4))
    singles = {"Host": "h.example", "X-Forwarded-Proto": "https", **singles}
    shape = draw(st.integers(0, 7))
    if shape == 0:
        return singles, None
    if shape == 1:  # a repeat, or a name only in one map
        return singles, {**{k: [v] for k, v in singles.items()}, "X-B": ["1", "2"]}
    if shape == 2:
        return draw(st.sampled_from([None, "x", {"Host": 3}])), None
    if shape == 3:
        return {"X-A": "1"}, {"X-A": ["1"]}  # no Host: the index decides
    return singles, {k: [v] for k, v in singles.items()}


rest_queries = sometimes(
    st.sampled_from(
        [
            (None, None),
            ({"a": "1"}, {"a": ["1"]}),
            ({"a": "2"}, {"a": ["1", "2"]}),
            ({"q": "a b", "é": "~"}, {"q": ["a b"], "é": ["~"]}),
        ]
    ),
    st.sampled_from([({"a": 1}, {"a": [1]}), ("x", None), ({"a": "1"}, {"a": "1"})]),
)
rest_contexts = sometimes(
    st.sampled_from(
        [
            {"stage": "Prod", "apiId": "a1", "identity": {"sourceIp": "203.0.113.9"}},
            {"stage": "Prod", "apiId": "a1", "identity": None, "domainName": "d.example"},
        ]
    ),
    st.sampled_from([{"stage": "Prod", "apiId": "a1", "identity": "x"}]),
)


@st.composite
def rest_events(draw: st.DrawFn) -> dict[str, Any]:
    singles, multis = draw(rest_headers())
    query, multi_query = draw(rest_queries)
    event: dict[str, Any] = {
        "resource": "/{proxy+}",
        "httpMethod": draw(methods),
        "path": draw(paths),
        "headers": singles,
        "multiValueHeaders": multis,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "requestContext": draw(rest_contexts),
        "body": draw(bodies),
        "isBase64Encoded": draw(flags),
    }
    value = draw(params)
    if value is not None:
        event["pathParameters"] = value
    return event


def environ_or_error(build: Any) -> Any:
    try:
        environ = build()
    except EventFormatError as error:
        return ("error", str(error))
    comparable = {k: v for k, v in environ.items() if k != "wsgi.input"}
    comparable["body"] = environ["wsgi.input"].read()
    return comparable


@settings(max_examples=400)
@given(st.one_of(events(), rest_events()))
def test_the_direct_environ_is_the_decoded_requests(event: dict[str, Any]) -> None:
    context = LambdaContextStub()

    def canonical() -> Any:
        invocation = http_runtime.decode((event, context), {})
        assert isinstance(invocation.payload, Request)
        return environ_from_request(invocation.payload, invocation.context)

    def direct() -> Any:
        invocation = http_runtime.decode_for_wsgi((event, context), {})
        assert isinstance(invocation.payload, Request)
        return environ_from_request(invocation.payload, invocation.context)

    expected = environ_or_error(canonical)
    found = environ_or_error(direct)
    if isinstance(expected, tuple):
        assert found == expected
        return
    assert isinstance(found, dict)
    lazy, eager = found.pop("polyfaas.request"), expected.pop("polyfaas.request")
    found_context, expected_context = (
        found.pop("polyfaas.context"),
        expected.pop("polyfaas.context"),
    )
    assert found == expected
    assert type(lazy) is Request
    assert lazy == eager  # filled on this read: the decoded request
    assert found_context.request_id == expected_context.request_id


def filled(request: Request) -> bool:
    """Whether a lazy request's fields have been filled (an eager one's always are)."""
    return request._fill is None


def test_the_common_event_takes_the_direct_path() -> None:
    event = {
        "version": "2.0",
        "rawPath": "/orders",
        "rawQueryString": "page=2",
        "headers": {"host": "h.example", "x-a": "1"},
        "cookies": ["a=1", "b=2"],
        "requestContext": {"http": {"method": "POST", "sourceIp": "203.0.113.9"}},
        "body": "{}",
        "isBase64Encoded": False,
    }
    invocation = http_runtime.decode_for_wsgi((event, LambdaContextStub()), {})
    request = invocation.payload
    assert isinstance(request, Request)
    environ = environ_from_request(request, invocation.context)
    assert not filled(request)  # the environ did not fill it
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"]) == (
        "POST",
        "/orders",
        "page=2",
    )
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    assert environ["wsgi.input"].read() == b"{}"
    assert environ["polyfaas.request"] is request
    assert request.path == "/orders"  # read: filled now
    assert filled(request)
    assert http_api.wsgi_fields({**event, "headers": {}}) is None


def test_a_wsgi_entry_refuses_a_malformed_event_before_the_app_runs() -> None:
    ran: list[int] = []

    def app(environ: Any, start_response: Any) -> list[bytes]:
        ran.append(1)
        start_response("200 OK", [])
        return [b""]

    entry = polyfaas.wsgi(app)
    event = {
        "version": "2.0",
        "rawPath": "/",
        "headers": {"host": "h"},
        "requestContext": {"http": {"method": 42}},
    }
    with pytest.raises(EventFormatError, match=r"requestContext\.http\.method"):
        entry(event, LambdaContextStub())
    bad_body = {**event, "requestContext": {"http": {"method": "GET"}}, "body": 7}
    with pytest.raises(EventFormatError, match="'body' must be a string"):
        entry(bad_body, LambdaContextStub())
    assert ran == []


def test_a_wsgi_entry_answers_an_app_s_http_errors_on_every_call() -> None:
    # The entry's WSGI calls after the first skip ``handle``: the same answers anyway.
    from werkzeug.exceptions import NotFound

    def app(environ: Any, start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/missing":
            raise NotFound()
        if path == "/teapot":
            raise polyfaas.HTTPError(418, "short and stout")
        if path == "/broken":
            raise RuntimeError("the app failed")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    inits: list[str] = []
    entry = polyfaas.wsgi(app, init=lambda context: inits.append(context.provider))

    def call(path: str) -> Any:
        event = {
            "version": "2.0",
            "rawPath": path,
            "headers": {"host": "h.example"},
            "requestContext": {"http": {"method": "GET"}},
        }
        return entry(event, LambdaContextStub())

    for _ in range(2):  # the first call runs the init hook, the second does not
        assert call("/")["statusCode"] == 200
        assert call("/")["body"] == "ok"
        assert call("/missing")["statusCode"] == 404
        teapot = call("/teapot")
        assert teapot["statusCode"] == 418
        assert "short and stout" in teapot["body"]
        with pytest.raises(RuntimeError, match="the app failed"):
            call("/broken")
    assert inits == ["aws"]
