"""FC HTTP-trigger headers and query as lazy views (issue 15, decisions 1 and 3): equal to
the eager multi-dicts of the same event, and a malformed value raises
``EventFormatError`` when read, which the emulated FC platform answers as at decode."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Headers, MultiDict
from polyfaas.errors import EventFormatError
from polyfaas.platform import ErrorInfo, FunctionConfig, Outcome
from polyfaas_alibaba.emulated.builtin import platform
from polyfaas_alibaba.http_trigger import _header_fields, _query_pairs, request_from_event
from tests.alibaba.alibaba_helpers import RID, sample

# Names that fold alike or unusually (Host, Cookie, a final sigma, a dotted capital I).
NAMES = st.sampled_from(
    ["Accept", "accept", "Host", "HOST", "Cookie", "X-A", "x-a", "Zeta", "ΣΑΣ", "İ", "A\0B"]
) | st.text(max_size=5)
VALUES = st.text(max_size=6) | st.sampled_from(["a=1, b=2", " ,x"])
ODD = (
    st.none()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False)
    | st.lists(st.integers(), max_size=1)
)
NATIVE = st.dictionaries(NAMES, VALUES | ODD, max_size=6)


def eager(build: Any, cls: type[MultiDict]) -> Any:
    try:
        return cls._trusted(build())
    except EventFormatError:
        return EventFormatError


def item(view: MultiDict, key: str) -> Any:
    try:
        return view[key]
    except KeyError as exc:
        return KeyError, exc.args


def observe(view: MultiDict, names: list[str]) -> Any:
    probes = [*names, "missing", "host", "cookie", *(name.upper() for name in names)]
    return (
        [view.get(probe) for probe in probes],
        [probe in view for probe in probes],
        [item(view, probe) for probe in probes],
        list(view.items(multi=True)),
        list(view),
        len(view),
        hash(view),
        repr(view),
        [view.getlist(probe) for probe in probes],
    )


def read(view: MultiDict, names: list[str]) -> Any:
    try:
        return observe(view, names)
    except EventFormatError:
        return EventFormatError


@settings(max_examples=300, deadline=None)
@given(NATIVE, NATIVE, st.sampled_from(["", "d.example.com"]), st.booleans())
def test_lazy_views_equal_the_eager_ones(headers, query, domain, get_first):
    event = sample("http")
    event["headers"], event["queryParameters"] = headers, query
    event["requestContext"]["domainName"] = domain
    pending = domain if domain and "Host" not in headers and "host" not in headers else None
    want_headers = eager(lambda: _header_fields(headers, pending), Headers)
    want_query = eager(lambda: _query_pairs(query), MultiDict)
    try:
        request = request_from_event(event)
    except EventFormatError:  # only a Host value of the wrong type is checked at decode
        return
    names = [name for name in headers if isinstance(name, str)]
    if get_first:  # the index answers first, the pairs later
        try:
            request.headers.get("accept")
        except EventFormatError:
            assert want_headers is EventFormatError
    for view, want in ((request.headers, want_headers), (request.query, want_query)):
        got = read(view, names)
        if want is EventFormatError:
            assert got is EventFormatError
        else:
            assert got == observe(want, names)
            assert view == want


def answer_of(event: dict[str, Any], reads_headers: bool) -> Any:
    """What the emulated FC platform half answers for this event."""

    @polyfaas.http
    def handler(request: polyfaas.Request, context: polyfaas.Context) -> str:
        if reads_headers:
            request.headers.get("content-type")
        return "never"

    call = platform.call(polyfaas.Request(), FunctionConfig())
    try:
        handler(json.dumps(event).encode(), platform.context(FunctionConfig(), RID))
    except EventFormatError as exc:
        return platform.receive(Outcome(error=ErrorInfo.from_exception(exc)), call)
    raise AssertionError("no EventFormatError")


def test_a_read_time_error_gets_the_decode_time_answer():
    at_decode = sample("http")
    at_decode["body"], at_decode["isBase64Encoded"] = "***", True
    at_read = sample("http")
    at_read["headers"] = {"Accept": ["not", "a string"]}
    decoded, read_late = answer_of(at_decode, False), answer_of(at_read, True)
    assert decoded.status == read_late.status == 502
    assert decoded.headers.get("X-Fc-Error-Type") == read_late.headers.get("X-Fc-Error-Type")
    assert decoded.json()["errorType"] == read_late.json()["errorType"] == "EventFormatError"
    assert "'Accept' must be a string" in read_late.json()["errorMessage"]
    # A handler that never reads the malformed field answers as usual.
    context = platform.context(FunctionConfig(), RID)
    answer = polyfaas.http(lambda r, c: "ok")(json.dumps(at_read).encode(), context)
    assert answer["statusCode"] == 200


def test_one_header_read_answers_without_the_whole_index(monkeypatch):
    """A handler's first ``get`` on the common event shape is answered for that one
    name (the whole lookup is never built), equal to the eager headers."""
    from polyfaas_alibaba import http_trigger

    event = sample("http")
    event["headers"] = {"Accept": "*/*", "Content-Type": "text/plain", "content-type": "x"}
    event["requestContext"]["domainName"] = "d.example.com"
    monkeypatch.setattr(http_trigger, "_header_index", lambda *a: pytest.fail("index"))
    request = request_from_event(event)
    want = Headers._trusted(_header_fields(event["headers"], "d.example.com"))
    for name in ("content-type", "CONTENT-TYPE", "host", "accept", "missing"):
        assert request.headers.get(name) == want.get(name)
        assert (name in request.headers) == (name in want)
    assert request.headers["Host"] == "d.example.com"
    assert request.headers.get("content-type") == "text/plain"  # the first field wins
    assert request.headers == want
