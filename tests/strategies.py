"""Hypothesis strategies for canonical requests and responses."""

from __future__ import annotations

from hypothesis import strategies as st

from polyfaas import Request, Response

METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
# Text without surrogates (not representable in UTF-8) or control characters
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).filter(
    lambda s: s[0] != "-" and s[-1] != "-"
)
# Header names that no platform reserves and WSGI does not fold together
HEADER_NAME = TOKEN.map(lambda s: "X-" + s)
HEADER_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30).map(
    str.strip
)
SEGMENT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"), max_size=10
)


@st.composite
def paths(draw: st.DrawFn) -> str:
    segments = draw(st.lists(SEGMENT, max_size=4))
    return "/" + "/".join(segments)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    path = draw(paths())
    return Request(
        method=draw(METHODS),
        path=path,
        query=draw(st.lists(st.tuples(TEXT.filter(bool), TEXT), max_size=4)),
        headers=draw(st.lists(st.tuples(HEADER_NAME, HEADER_VALUE), max_size=5)),
        body=draw(st.binary(max_size=256)),
        client_ip=draw(st.sampled_from([None, "127.0.0.1", "203.0.113.9"])),
        scheme=draw(st.sampled_from(["http", "https"])),
        host=draw(st.sampled_from(["localhost", "example.com", "fn.example.com:8443"])),
    )


@st.composite
def responses(draw: st.DrawFn) -> Response:
    return Response(
        status=draw(st.sampled_from([200, 201, 204, 301, 302, 400, 404, 418, 500, 503])),
        headers=draw(st.lists(st.tuples(HEADER_NAME, HEADER_VALUE), max_size=5)),
        body=draw(st.binary(max_size=256)),
    )
