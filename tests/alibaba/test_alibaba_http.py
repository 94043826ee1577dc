"""FC 3.0 HTTP triggers: the round-trip law, every documented loss, and portability.

The law: ``runtime.decode(platform.call(r)).payload == r`` for every request already
in FC's normal form; for any other request it equals ``fc_form(r)``, which applies
exactly the losses ``polyfaas_alibaba.http_trigger`` documents, each also tested
on its own below.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import HTTPError, Request, Response
from polyfaas.platform import FunctionConfig, Outcome
from polyfaas.runtime import go_canonical_header as canonical_header_name
from polyfaas.testing import emulate
from polyfaas_alibaba.builtin import runtime
from polyfaas_alibaba.emulated.builtin import platform
from polyfaas_alibaba.emulated.http_trigger import event_from_request
from polyfaas_alibaba.http_trigger import encode_body, request_from_event, result_from_response
from tests.strategies import HEADER_VALUE, METHODS, TEXT, paths, requests, responses

NAMES = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1)
HEADER_NAMES = st.one_of(
    NAMES, st.sampled_from(["cookie", "Cookie", "X-Forwarded-Proto", "ACCEPT"])
)
CONTENT_TYPES = st.sampled_from(
    [None, "text/plain", "application/json", "image/png", "application/octet-stream"]
)


def roundtrip(request: Request) -> Request:
    call = platform.call(request, FunctionConfig())
    payload = runtime.decode(call.args, call.kwargs).payload
    assert isinstance(payload, Request)
    return payload


def fc_form(request: Request) -> Request:
    """``request`` as the runtime half reads it back after FC's HTTP trigger."""
    joined: dict[str, str] = {}
    for name, value in request.headers.items():
        key = canonical_header_name(name)
        if key != "Host":
            joined[key] = f"{joined[key]},{value}" if key in joined else value
    headers: list[tuple[str, str]] = []
    for name, value in sorted([*joined.items(), ("Host", request.host)]):
        if name == "Cookie" and "," in value:
            headers.extend((name, part.strip()) for part in value.split(",") if part.strip())
        else:
            headers.append((name, value))
    query: dict[str, str] = {}
    for key, value in request.query.items(multi=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    forwarded = joined.get("X-Forwarded-Proto")
    return Request(
        method=request.method,
        path=request.path,
        raw_path=request.raw_path,
        query=sorted(query.items()),
        headers=headers,
        body=request.body,
        client_ip=request.client_ip or "127.0.0.1",
        scheme=forwarded.split(",")[0].strip().lower() or "https" if forwarded else "https",
        host=request.host,
    )


@st.composite
def any_requests(draw: st.DrawFn) -> Request:
    base = draw(requests())
    extra = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUE), max_size=4))
    content_type = draw(CONTENT_TYPES)
    typed = [("Content-Type", content_type)] if content_type else []
    return Request(
        method=base.method,
        path=base.path,
        query=base.query,
        headers=[*base.headers.items(), *extra, *typed, ("Host", base.host)],
        body=base.body,
        client_ip=base.client_ip,
        scheme=base.scheme,
        host=base.host,
    )


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(any_requests())
def test_any_request_comes_back_with_only_the_documented_losses(request):
    assert roundtrip(request) == fc_form(request)


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(any_requests())
def test_requests_in_fc_form_come_back_exactly(request):
    normal = fc_form(request)
    assert fc_form(normal) == normal
    assert roundtrip(normal) == normal


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(
    method=METHODS,
    path=paths(),
    query=st.dictionaries(TEXT.filter(bool), TEXT, max_size=3),
    body=st.binary(max_size=64),
)
def test_canonical_requests_round_trip(method, path, query, body):
    request = Request(
        method=method,
        path=path,
        query=sorted(query.items()),
        headers=[("Host", "fn.cn-hangzhou.fcapp.run")],
        body=body,
        client_ip="203.0.113.9",
        scheme="https",
        host="fn.cn-hangzhou.fcapp.run",
    )
    assert roundtrip(request) == request


# -- the documented losses, one at a time ---------------------------------------------


def test_repeated_headers_arrive_comma_joined_in_one_field():
    request = Request(headers=[("X-A", "1"), ("x-a", "2"), ("Host", "h")], host="h")
    event = event_from_request(request, request_id="r", account_id="a")
    assert event["headers"] == {"X-A": "1,2"}
    assert roundtrip(request).headers.getlist("x-a") == ["1,2"]


def test_repeated_cookie_headers_are_recovered():
    request = Request(headers=[("Cookie", "a=1"), ("Cookie", "b=2; c=3")])
    event = event_from_request(request, request_id="r", account_id="a")
    assert event["headers"]["Cookie"] == "a=1,b=2; c=3"
    back = roundtrip(request)
    assert back.headers.getlist("Cookie") == ["a=1", "b=2; c=3"]
    assert back.cookies.to_dict() == {"a": "1", "b": "2", "c": "3"}


def test_repeated_query_keys_stay_joined():
    request = Request(query="tag=a&tag=b&one=x,y")
    event = event_from_request(request, request_id="r", account_id="a")
    assert event["queryParameters"] == {"one": "x,y", "tag": "a,b"}
    back = roundtrip(request)
    assert back.query.getlist("tag") == ["a,b"]
    assert back.query["one"] == "x,y"


def test_header_names_are_go_canonical_and_sorted():
    request = Request(headers=[("x-b", "1"), ("accept-encoding", "gzip"), ("X-FOO-bar", "2")])
    event = event_from_request(request, request_id="r", account_id="a")
    assert list(event["headers"]) == ["Accept-Encoding", "X-B", "X-Foo-Bar"]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("content-type", "Content-Type"),
        ("X-FC-REQUEST-ID", "X-Fc-Request-Id"),
        ("a", "A"),
        ("x--y", "X--Y"),
        ("with space", "with space"),
        ("bad:name", "bad:name"),
    ],
)
def test_canonical_header_name(name, canonical):
    assert canonical_header_name(name) == canonical


def test_host_travels_as_domain_name():
    request = Request(headers=[("Host", "abc.cn-hangzhou.fcapp.run"), ("Zeta", "z"), ("A", "a")])
    event = event_from_request(request, request_id="r", account_id="a")
    assert "Host" not in event["headers"]
    assert event["requestContext"]["domainName"] == "abc.cn-hangzhou.fcapp.run"
    assert event["requestContext"]["domainPrefix"] == "abc"
    back = roundtrip(request)
    assert list(back.headers.items()) == [
        ("A", "a"),
        ("Host", "abc.cn-hangzhou.fcapp.run"),
        ("Zeta", "z"),
    ]
    assert back.host == "abc.cn-hangzhou.fcapp.run"


@pytest.mark.parametrize(("forwarded", "scheme"), [(None, "https"), ("http", "http")])
def test_scheme_comes_from_x_forwarded_proto(forwarded, scheme):
    headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
    assert roundtrip(Request(scheme="http", headers=headers)).scheme == scheme


def test_event_fields_are_as_fc_sends_them():
    request = Request(
        method="post",
        path="/a b/ü",
        headers={"User-Agent": "curl/8", "Host": "h.fcapp.run"},
        client_ip="198.51.100.7",
    )
    event = event_from_request(request, request_id="1-x", account_id="42", now=1693896071.895)
    assert event["version"] == "v1"
    assert event["rawPath"] == "/a%20b/%C3%BC"
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/a b/ü",
        "protocol": "HTTP/1.1",
        "sourceIp": "198.51.100.7",
        "userAgent": "curl/8",
    }
    assert context["accountId"] == "42"
    assert context["requestId"] == "1-x"
    assert context["time"] == "2023-09-05T06:41:11Z"
    assert context["timeEpoch"] == "1693896071895"
    assert isinstance(context["timeEpoch"], str)


def test_raw_path_keeps_an_encoded_slash():
    request = Request(path="/a/b", raw_path="/a%2Fb")
    back = roundtrip(request)
    assert (back.path, back.raw_path) == ("/a/b", "/a%2Fb")


def test_a_missing_raw_path_is_encoded_from_the_path():
    event = {"rawPath": None, "requestContext": {"http": {"method": "GET", "path": "/a b"}}}
    request = request_from_event(event)
    assert (request.path, request.raw_path) == ("/a b", "/a%20b")


def test_minimal_event_is_read_with_defaults():
    event = {"rawPath": "/x", "requestContext": {"http": {"method": "GET"}}}
    request = request_from_event(event)
    assert (request.path, request.body, request.host) == ("/x", b"", "localhost")
    assert request.client_ip is None
    assert list(request.headers.items()) == []


# -- bodies: the text/binary rule --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "text"),
    [
        (b"", "image/png", None, ""),
        (b"hi", None, None, "hi"),
        (b"hi", "text/html; charset=utf-8", None, "hi"),
        (b"{}", "application/json", None, "{}"),
        (b"{}", "application/problem+json", None, "{}"),
        (b"<a/>", "application/atom+xml", None, "<a/>"),
        (b"a=1", "application/x-www-form-urlencoded", None, "a=1"),
        (b"PNG", "image/png", None, None),
        (b"{}", "application/json", "gzip", None),
        (b"{}", "application/json", "identity", "{}"),
        (b"\xff", "text/plain", None, None),
    ],
)
def test_text_or_base64(body, content_type, encoding, text):
    carried, is_base64 = encode_body(body, content_type, encoding)
    assert is_base64 is (text is None)
    assert carried == (base64.b64encode(body).decode() if text is None else text)


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(body=st.binary(max_size=64), content_type=CONTENT_TYPES)
def test_bodies_are_never_altered(body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    assert roundtrip(Request(method="POST", headers=headers, body=body)).body == body
    result = result_from_response(Response(200, headers, body))
    raw = base64.b64decode(result["body"]) if result["isBase64Encoded"] else result["body"].encode()
    assert raw == body


def test_bad_base64_is_an_event_format_error():
    event = {"rawPath": "/", "body": "not base64!", "isBase64Encoded": True}
    event["requestContext"] = {"http": {"method": "GET"}}
    with pytest.raises(polyfaas.errors.EventFormatError, match="base64"):
        request_from_event(event)


# -- responses -----------------------------------------------------------------------------


#: A function behind a custom domain: no Content-Disposition: attachment (the default
#: fcapp.run domain's is tested in test_alibaba_fidelity.py).
CUSTOM_DOMAIN = FunctionConfig(settings={"custom-domain": "true"})


def caller_sees(response: Response) -> Response:
    call = platform.call(Request(), CUSTOM_DOMAIN)
    native = runtime.encode(response, runtime.decode(call.args, call.kwargs))
    json.dumps(native)  # what the handler returns must be plain JSON for FC
    return platform.receive(Outcome(value=native), call)


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(responses())
def test_responses_reach_the_caller(response):
    seen = caller_sees(response)
    assert seen.status == response.status
    assert seen.body == response.body
    joined: dict[str, str] = {}
    for name, value in response.headers.items():
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    assert list(seen.headers.items())[:-1] == list(joined.items())
    assert seen.headers["X-Fc-Request-Id"] == list(seen.headers.items())[-1][1]


def test_the_result_shape():
    result = result_from_response(Response(201, {"Content-Type": "image/png"}, b"\x89PNG"))
    assert result == {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png"},
        "isBase64Encoded": True,
        "body": base64.b64encode(b"\x89PNG").decode(),
    }


def test_several_set_cookie_headers_are_joined_into_one():
    response = Response(200, [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2")])
    assert caller_sees(response).headers.getlist("Set-Cookie") == ["a=1; Path=/, b=2"]


# -- portability -------------------------------------------------------------------------


@polyfaas.http
def echo(request, context):
    if request.path == "/teapot":
        raise HTTPError(418, "short and stout")
    if request.path == "/missing":
        return None
    return {
        "method": request.method,
        "path": request.path,
        "raw_path": request.raw_path,
        # FC sorts the query (a documented loss): compare it as a mapping
        "query": sorted(request.query.to_dict().items()),
        "body": base64.b64encode(request.body).decode(),
        "custom": request.headers.get("x-custom"),
        "cookies": request.cookies.to_dict(),
        "host": request.host,
    }


def answers(request: Request, provider: str) -> tuple[int, list[tuple[str, str]], bytes]:
    response = emulate(echo, request, provider, CUSTOM_DOMAIN if provider == "alibaba" else None)
    headers = [
        (n, v)
        for n, v in response.headers.items()
        if n.lower() not in ("x-request-id", "x-fc-request-id")
    ]
    return response.status, headers, response.body


@pytest.mark.parametrize(
    "request_",
    [
        Request(method="GET", path="/items/1", query="q=x&n=1", headers={"X-Custom": "v"}),
        Request(method="POST", path="/b", body=b"\x00\xffbinary", headers={"Cookie": "s=1; t=2"}),
        Request(path="/teapot"),
        Request(path="/missing"),
        Request(path="/caf%C3%A9", raw_path="/caf%C3%A9"),
    ],
)
def test_a_portable_handler_answers_the_same_on_local_and_alibaba(request_):
    assert answers(request_, "alibaba") == answers(request_, "local")


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(
    method=METHODS,
    path=paths(),
    query=st.dictionaries(TEXT.filter(bool), TEXT, max_size=3),
    body=st.binary(max_size=64),
    custom=HEADER_VALUE,
)
def test_portable_answers_match_for_generated_requests(method, path, query, body, custom):
    request = Request(
        method=method, path=path, query=query, headers={"X-Custom": custom}, body=body
    )
    assert answers(request, "alibaba") == answers(request, "local")


def test_a_portable_entry_answers_fc_natively():
    call = platform.call(Request(path="/x"), FunctionConfig())
    result = echo(*call.args)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["path"] == "/x"


def test_unhandled_exceptions_propagate_for_fc_to_report():
    @polyfaas.http
    def broken(request, context):
        raise LookupError("no such thing")

    call = platform.call(Request(), FunctionConfig())
    with pytest.raises(LookupError):
        broken(*call.args)
    response = emulate(broken, Request(), "alibaba")
    assert response.status == 502
    assert response.json()["errorType"] == "LookupError"
    assert response.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"


def test_a_wsgi_app_answers_the_same_on_local_and_alibaba():
    def app(environ, start_response):
        body = json.dumps(
            {
                "path": environ["PATH_INFO"],
                "query": environ["QUERY_STRING"],
                "length": environ.get("CONTENT_LENGTH"),
                "input": environ["wsgi.input"].read().decode(),
            }
        ).encode()
        start_response("201 Created", [("Content-Type", "application/json")])
        return [body]

    entry = polyfaas.wsgi(app)
    request = Request(method="POST", path="/w/x", query="a=1", body=b"payload")
    local, alibaba = emulate(entry, request, "local"), emulate(entry, request, "alibaba")
    assert (
        (alibaba.status, alibaba.body)
        == (local.status, local.body)
        == (
            201,
            b'{"path": "/w/x", "query": "a=1", "length": "7", "input": "payload"}',
        )
    )


def test_the_emulated_front_door_over_werkzeug():
    from werkzeug.test import Client

    from polyfaas.testing import EmulatedApp

    client = Client(EmulatedApp(echo, "alibaba"))
    response = client.post("/items?b=2&a=1", data=b"\x00\x01", headers={"X-Custom": "c"})
    assert response.status_code == 200
    assert response.headers["X-Fc-Request-Id"].startswith("1-")
    body = response.get_json()
    assert body["query"] == [["a", "1"], ["b", "2"]]
    assert base64.b64decode(body["body"]) == b"\x00\x01"
    assert body["custom"] == "c"
    assert body["host"] == "localhost"


def test_an_event_handler_behind_an_http_trigger_sees_a_direct_event():
    @polyfaas.event
    def on_event(event, context):
        return {"type": event.type, "data": event.data}

    response = emulate(
        on_event,
        Request(method="POST", headers={"Content-Type": "application/json"}, body=b'{"a": 1}'),
        "alibaba",
    )
    assert response.status == 200
    assert response.json() == {"type": "polyfaas.direct", "data": {"a": 1}}


@settings(max_examples=80, deadline=None)
@given(
    names=st.lists(
        st.sampled_from(["Accept", "x-a", "Host-X", "hz", "A", "Zeta", "cookie", "HOST-b", "Te"]),
        unique=True,
        max_size=6,
    ),
    value=st.sampled_from(["v", "a,b", 7]),
)
def test_host_is_put_back_in_its_sorted_place_on_every_call(
    names: list[str], value: object
) -> None:
    # The second decode of the same names reuses the first one's Host position.
    event = {
        "rawPath": "/",
        "requestContext": {"http": {"method": "GET"}, "domainName": "d.example"},
        "headers": dict.fromkeys(names, value),
    }
    first = request_from_event(event)
    again = request_from_event(event)
    assert first == again
    fields = list(first.headers.items())
    at = [name for name, _ in fields].index("Host")
    assert fields[at] == ("Host", "d.example")
    # Before the first field whose Go-canonical name sorts after Host (FC sorts them).
    others = [name for name, _ in fields[:at] + fields[at + 1 :]]
    after = [canonical_header_name(name) > "Host" for name in others]
    assert at == (after.index(True) if True in after else len(others))
