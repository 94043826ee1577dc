"""The canonical model: multi-dicts, Request, Response, Event, Context, Credentials."""

from __future__ import annotations

import time
from typing import Any, Callable

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyfaas
from polyfaas import Context, Credentials, Event, EventType, Headers, MultiDict, Request, Response
from polyfaas.errors import HTTPError


class TestMultiDict:
    def test_keeps_repeats_in_order(self):
        query = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
        assert query["a"] == "1"
        assert query.get("a") == "1"
        assert query.getlist("a") == ["1", "3"]
        assert list(query) == ["a", "b"]
        assert list(query.keys()) == ["a", "b"]
        assert len(query) == 2
        assert list(query.items()) == [("a", "1"), ("b", "2")]
        assert list(query.items(multi=True)) == [("a", "1"), ("b", "2"), ("a", "3")]
        assert query.to_dict(flat=False) == {"a": ["1", "3"], "b": ["2"]}

    def test_mapping_with_lists_means_repeats(self):
        query = MultiDict({"a": ["1", "2"], "b": "x"})
        assert list(query.items(multi=True)) == [("a", "1"), ("a", "2"), ("b", "x")]

    def test_missing_and_type_conversion(self):
        query = MultiDict([("n", "5"), ("bad", "x"), ("n", "y")])
        assert query.get("missing") is None
        assert query.get("missing", "d") == "d"
        assert query.get("n", type=int) == 5
        assert query.get("bad", -1, type=int) == -1
        assert query.getlist("n", type=int) == [5]
        assert query.getlist("missing") == []
        with pytest.raises(KeyError):
            query["missing"]
        assert "n" in query
        assert "N" not in query
        assert 3 not in query  # type: ignore[comparison-overlap]

    def test_equality_is_ordered(self):
        assert MultiDict([("a", "1"), ("a", "2")]) == MultiDict({"a": ["1", "2"]})
        assert MultiDict([("a", "1"), ("a", "2")]) != MultiDict([("a", "2"), ("a", "1")])
        assert MultiDict([("a", "1")]) == {"a": "1"}

    def test_immutable(self):
        query = MultiDict([("a", "1")])
        with pytest.raises(TypeError):
            query["a"] = "2"  # type: ignore[index]


class TestHeaders:
    def test_case_insensitive_with_repeats(self):
        headers = Headers(
            [("Set-Cookie", "a=1"), ("Content-Type", "text/plain"), ("set-cookie", "b=2")]
        )
        assert headers["content-type"] == "text/plain"
        assert headers.getlist("SET-COOKIE") == ["a=1", "b=2"]
        assert "CONTENT-TYPE" in headers
        assert len(headers) == 2
        # items() yields every field, as werkzeug's Headers does
        assert list(headers.items()) == [
            ("Set-Cookie", "a=1"),
            ("Content-Type", "text/plain"),
            ("set-cookie", "b=2"),
        ]
        assert list(headers.items(multi=False)) == [
            ("Set-Cookie", "a=1"),
            ("Content-Type", "text/plain"),
        ]

    def test_equality_ignores_name_case_but_not_order(self):
        assert Headers([("X-A", "1")]) == Headers([("x-a", "1")])
        assert Headers([("X-A", "1"), ("X-B", "2")]) != Headers([("X-B", "2"), ("X-A", "1")])
        assert Headers([("X-A", "1")]) != MultiDict([("X-A", "1")])

    def test_repr_hides_credentials(self):
        headers = Headers(
            [
                ("Authorization", "Bearer secret-token"),
                ("Cookie", "session=secret-cookie"),
                ("X-Fc-Access-Key-Secret", "secret-key"),
                ("X-Fc-Security-Token", "secret-sts"),
                ("Accept", "text/html"),
            ]
        )
        shown = repr(headers)
        assert "secret" not in shown
        assert "text/html" in shown


class TestRequest:
    def test_defaults(self):
        request = Request()
        assert request.method == "GET"
        assert request.path == request.raw_path == "/"
        assert request.body == b""
        assert request.host == "localhost"
        assert request.query == MultiDict()
        assert request.cookies == MultiDict()

    def test_raw_path_defaults_to_encoded_path(self):
        request = Request("post", "/a b/ü/%")
        assert request.method == "POST"
        assert request.raw_path == "/a%20b/%C3%BC/%25"

    def test_raw_path_keeps_encoded_slash(self):
        request = Request("GET", "/a/b", raw_path="/a%2Fb")
        assert request.path == "/a/b"
        assert request.raw_path == "/a%2Fb"

    def test_query_from_string_and_reencoded(self):
        request = Request(query="a=1&a=x+y&b=%26%3D&c")
        assert request.query.getlist("a") == ["1", "x y"]
        assert request.query["b"] == "&="
        assert request.query["c"] == ""
        assert request.query_string == "a=1&a=x%20y&b=%26%3D&c="
        assert Request(query=request.query_string).query == request.query

    def test_body_and_text_and_charset(self):
        assert Request(body="héllo").body == "héllo".encode()
        latin = Request(
            headers={"Content-Type": "text/plain; charset=latin-1"}, body="é".encode("latin-1")
        )
        assert latin.text == "é"
        unknown = Request(headers={"Content-Type": "text/plain; charset=nope"}, body=b"ok")
        assert unknown.text == "ok"

    def test_json(self):
        assert Request(body=b'{"a": [1, 2]}').json() == {"a": [1, 2]}

    @pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe", b"nope"])
    def test_bad_json_is_400(self, body):
        with pytest.raises(HTTPError) as raised:
            Request(body=body).json()
        assert raised.value.status == 400
        assert raised.value.to_response().status == 400

    def test_cookies_from_every_cookie_header(self):
        request = Request(headers=[("Cookie", 'a=1; b="two"'), ("Cookie", "c=3;bad; =x; a=4")])
        assert request.cookies.getlist("a") == ["1", "4"]
        assert request.cookies["b"] == "two"
        assert request.cookies["c"] == "3"
        assert "bad" not in request.cookies

    def test_host_and_url(self):
        request = Request(
            "GET", "/p q", headers={"Host": "example.com"}, query={"x": "1"}, scheme="https"
        )
        assert request.host == "example.com"
        assert request.url == "https://example.com/p%20q?x=1"

    def test_frozen_and_native_not_compared(self):
        request = Request(native={"raw": True})
        assert request == Request()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            request.method = "POST"  # type: ignore[misc]

    def test_repr_hides_body_and_secrets(self):
        request = Request(headers={"Authorization": "Bearer s3cr3t"}, body=b"password=hunter2")
        shown = repr(request)
        assert "s3cr3t" not in shown
        assert "hunter2" not in shown
        assert "<16 bytes>" in shown


class TestResponse:
    def test_positional_and_defaults(self):
        response = Response()
        assert (response.status, response.body) == (200, b"")
        assert Response(404, {"X-A": "1"}, "nope") == Response(404, [("X-A", "1")], b"nope")

    def test_repeated_set_cookie_survive(self):
        response = Response(200, [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        assert response.headers.getlist("set-cookie") == ["a=1", "b=2"]

    def test_constructors(self):
        assert Response.from_json({"é": 1}).body == '{"é":1}'.encode()
        assert Response.from_json([]).content_type == "application/json"
        assert Response.from_json(
            {}, headers={"Content-Type": "application/problem+json"}
        ).content_type == ("application/problem+json")
        text = Response.from_text("hi", 201)
        assert (text.status, text.content_type, text.text) == (
            201,
            "text/plain; charset=utf-8",
            "hi",
        )
        assert Response.from_bytes(b"\x00").content_type == "application/octet-stream"
        redirect = Response.redirect("/next", headers={"X-A": "1"})
        assert redirect.status == 302
        assert redirect.headers["location"] == "/next"
        assert redirect.headers["x-a"] == "1"
        assert Response.from_json({"a": 1}).json() == {"a": 1}


class TestEvent:
    def test_cloudevents_shape(self):
        event = Event(type=EventType.TIMER, source="acs:fc", subject="t", data={"a": 1})
        assert event.specversion == "1.0"
        assert len(event.id) == 36
        assert event.id != Event().id
        assert Event().type == EventType.DIRECT

    def test_types_are_namespaced_and_distinct(self):
        values = [v for k, v in vars(EventType).items() if k.isupper()]
        assert len(values) == len(set(values))
        assert all(v.startswith("polyfaas.") for v in values)


class TestContext:
    def test_remaining_time(self):
        assert Context().remaining_time_ms() is None
        remaining = Context(deadline=time.time() + 2).remaining_time_ms()
        assert remaining is not None
        assert 1000 < remaining <= 2000
        assert Context(deadline=time.time() - 5).remaining_time_ms() == 0

    def test_repr_and_str_never_show_secrets(self):
        credentials = Credentials(
            access_key_id="LTAI5tAbCdEfGh",
            access_key_secret="very-secret-key",
            security_token="very-secret-sts",
            token="t1.very-secret-iam",
        )
        context = Context(
            provider="alibaba", credentials=credentials, native={"token": "very-secret-native"}
        )
        for shown in (repr(credentials), str(credentials), repr(context), str(context)):
            assert "very-secret" not in shown
            assert "AbCdEfGh" not in shown
        assert "LTAI***" in repr(credentials)

    def test_logger(self):
        assert Context().logger.name == "polyfaas.function"


class TestHTTPError:
    def test_default_detail_and_headers(self):
        error = HTTPError(404)
        assert str(error) == "404 Not Found: Not Found"
        response = error.to_response()
        assert (response.status, response.text) == (404, "Not Found")
        custom = HTTPError(401, "who?", headers={"WWW-Authenticate": "Bearer"}).to_response()
        assert custom.headers["www-authenticate"] == "Bearer"
        assert custom.content_type == "text/plain; charset=utf-8"

    def test_whole_response(self):
        given = Response.from_json({"error": "x"}, 409)
        assert HTTPError(409, response=given).to_response() is given

    def test_unknown_status(self):
        assert HTTPError(599).to_response().text == "Error"


def test_public_names():
    for name in (
        "Request",
        "Response",
        "Event",
        "Context",
        "Credentials",
        "HTTPError",
        "http",
        "event",
        "wsgi",
    ):
        assert name in polyfaas.__all__
        assert hasattr(polyfaas, name)


# -- dump_json without the json package (cold start) ------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from([set(), b"x", object(), (1, "a")]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text() | st.integers() | st.floats() | st.none() | st.booleans() | st.tuples(),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def _outcome(dump: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        return "ok", dump(value)
    except Exception as exc:  # the error is part of the behaviour compared
        return type(exc).__name__, str(exc)


@given(_json_values)
def test_dump_json_is_json_dumps(value: Any) -> None:
    # Same text and same errors as json.dumps with the same arguments (NaN, non-str
    # keys, unserializable values, tuples as lists).
    import json

    from polyfaas._response import _json_dumps, dump_json

    expected = _outcome(lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")), value)
    assert _outcome(_json_dumps, value) == expected
    if expected[0] == "ok":
        assert dump_json(value) == expected[1].encode("utf-8")


def test_dump_json_circular_is_json_dumps() -> None:
    from polyfaas._response import _json_dumps

    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        _json_dumps(loop)


_URL_CHARS = st.text(
    st.sampled_from("aZ09/:@!$&'()*+,;=-._~%?#[] é\x00\U0001f600") | st.characters(), max_size=12
)


@given(_URL_CHARS)
def test_plain_checks_are_the_character_classes(text: str) -> None:
    # The strip checks make the decision the regular expressions made before.
    import re

    from polyfaas._request import _PATH_PLAIN, _QUERY_PLAIN, encode_path

    path_class = r"[A-Za-z0-9/:@!$&'()*+,;=\-._~]*"
    query_class = r"[A-Za-z0-9\-._~!$'()*,/:@]*"
    assert (not text.strip(_PATH_PLAIN)) == bool(re.fullmatch(path_class, text))
    assert (not text.strip(_QUERY_PLAIN)) == bool(re.fullmatch(query_class, text))
    from urllib.parse import quote

    assert encode_path(text) == quote(text, safe="/:@!$&'()*+,;=-._~", errors="surrogatepass")
