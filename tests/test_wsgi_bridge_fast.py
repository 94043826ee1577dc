"""run_wsgi_app's fast path (the app's header tuples taken as they are) gives the
same Response as the converting path always did."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from polyfaas import Response
from polyfaas._codec import from_native_str
from polyfaas.errors import ResponseFormatError
from polyfaas.wsgi_bridge import run_wsgi_app

_names = st.sampled_from(["Content-Type", "X-A", "Set-Cookie", "x-b", "Bad Name", "é"])
_values = st.text(max_size=12)
_fields = st.lists(
    st.one_of(
        st.tuples(_names, _values),
        st.tuples(_names, st.integers()),  # not a str: converted with str()
        st.lists(st.tuples(_names, _values), min_size=1, max_size=1).map(lambda x: list(x[0])),
    ),
    max_size=5,
)


def _expected(status: str, fields: list[Any], body: bytes) -> Response | type[Exception]:
    try:
        from polyfaas._normalize import check_response

        pairs = [(str(name), from_native_str(str(value))) for name, value in fields]
        return check_response(Response(int(status.split(maxsplit=1)[0]), pairs, body))
    except ResponseFormatError:
        return ResponseFormatError


@given(_fields, st.lists(st.binary(max_size=8), max_size=3))
def test_fast_path_equals_converting_path(fields: list[Any], chunks: list[bytes]) -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("201 Created", fields)
        return chunks

    expected = _expected("201 Created", fields, b"".join(chunks))
    try:
        got: Response | type[Exception] = run_wsgi_app(app, {})
    except ResponseFormatError:
        got = ResponseFormatError
    assert got == expected
    if isinstance(got, Response):
        assert repr(got) == repr(expected)
        assert hash(got) == hash(expected)
        assert all(type(pair) is tuple for pair in got.headers.items(multi=True))


@given(st.text(alphabet="AQgw+/=\n é-_", max_size=16))
def test_base64_body_refused_as_b64decode_validate_refuses(text: str) -> None:
    import base64
    import binascii

    from polyfaas._codec import body_from_text_or_base64
    from polyfaas.errors import EventFormatError

    try:
        expected: bytes | None = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        expected = None
    try:
        got: bytes | None = body_from_text_or_base64(text, True, "test")
    except EventFormatError:
        got = None
    assert got == expected


@given(st.binary(max_size=64))
def test_base64_body_round_trip(data: bytes) -> None:
    import base64

    from polyfaas._codec import body_from_text_or_base64, body_to_text_or_base64

    text, encoded = body_to_text_or_base64(data, False)
    assert encoded == bool(data)
    if data:
        assert text == base64.b64encode(data).decode("ascii")
    assert body_from_text_or_base64(text, encoded, "test") == data


_environ_keys = st.sampled_from(
    ["HTTP_ACCEPT", "HTTP_X_A", "HTTP_COOKIE", "HTTP_HOST", "CONTENT_TYPE", "CONTENT_LENGTH"]
)


@given(
    st.sampled_from(["get", "POST", "Put"]),
    st.text(max_size=10).map(lambda text: "/" + text),
    st.sampled_from(["", "a=1&a=2", "x=%41+b", "flag"]),
    st.dictionaries(_environ_keys, st.text(max_size=8), max_size=4),
    st.sampled_from(["", "/mount"]),
)
def test_request_from_environ_equals_the_validating_constructor(
    method: str, path: str, query: str, fields: dict[str, str], script_name: str
) -> None:
    # request_from_environ builds through the trusted constructor; attrs.evolve builds
    # the same fields again through the validating one: equal, with the same repr.
    import io

    import attrs

    from polyfaas.wsgi_bridge import request_from_environ

    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.encode("utf-8", "surrogatepass").decode("latin-1"),
        "SCRIPT_NAME": script_name,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b"body"),
        **{
            key: value.encode("utf-8", "surrogatepass").decode("latin-1")
            for key, value in fields.items()
        },
    }
    environ["CONTENT_LENGTH"] = "4"
    trusted = request_from_environ(environ)
    validated = attrs.evolve(trusted)
    assert trusted == validated
    assert repr(trusted) == repr(validated)
    assert trusted.method == method.upper()
    assert trusted.body == b"body"
