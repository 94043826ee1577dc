"""One echo function, every provider: what reaches the handler and what comes back.

Runs once per provider selected with ``--polyfaas-provider`` (``all`` in this
project's own configuration); documented losses come from ``losses.py``.
"""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyfaas.testing import PolyfaasClient
from tests.conformance import losses
from tests.conformance.losses import (
    BODY_LIMITS,
    NO_AUTHORIZATION,
    NO_COOKIE,
    NO_PATH,
    QUERY_REPEATS_JOINED,
    SET_COOKIE_JOINED,
    UNHANDLED,
    loses,
)

ECHO = "tests/conformance/echo.py:echo"


@pytest.fixture
def http(polyfaas_client: Any) -> PolyfaasClient:
    client: PolyfaasClient = polyfaas_client(ECHO)
    return client


def echoed(
    http: PolyfaasClient, method: str = "GET", path: str = "/", **options: Any
) -> dict[str, Any]:
    response = http.open(path, method=method, **options)
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, Any] = response.get_json()
    response.close()
    return data


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_methods(http, method):
    assert echoed(http, method)["method"] == method


def test_head_has_no_body(http):
    response = http.head("/anything")
    assert response.status_code == 200
    assert response.get_data() == b""


@pytest.mark.parametrize(
    ("sent", "path", "raw_path"),
    [
        ("/plain/path", "/plain/path", "/plain/path"),
        ("/with%20space", "/with space", "/with%20space"),
        ("/encoded%2Fslash", "/encoded/slash", "/encoded%2Fslash"),
        ("/%C3%BC/%E2%9C%93", "/ü/✓", "/%C3%BC/%E2%9C%93"),
        ("/percent%25sign", "/percent%sign", "/percent%25sign"),
        ("/trailing/", "/trailing/", "/trailing/"),
    ],
)
def test_paths(http, polyfaas_provider, sent, path, raw_path):
    seen = echoed(http, path=sent)
    if loses(polyfaas_provider, NO_PATH):
        assert (seen["path"], seen["raw_path"]) == ("/", "/")
    else:
        assert (seen["path"], seen["raw_path"]) == (path, raw_path)


def test_query(http, polyfaas_provider):
    pairs = [("x", "1"), ("x", "2"), ("é", "ü ñ"), ("empty", ""), ("amp", "a&b=c+d")]
    seen = echoed(http, query_string="&".join(f"{quote(k)}={quote(v)}" for k, v in pairs))
    expected = [list(pair) for pair in pairs]
    if loses(polyfaas_provider, QUERY_REPEATS_JOINED):
        expected = [["x", "1,2"], *expected[2:]]
    assert sorted(seen["query"]) == sorted(expected)
    if not loses(polyfaas_provider, QUERY_REPEATS_JOINED):
        assert seen["query"] == expected  # order kept too


def test_headers(http):
    seen = echoed(
        http,
        headers=[
            ("X-Custom", "one"),
            ("X-Custom", "two"),
            ("X-Unique", "ü".encode().decode("latin-1")),
        ],
    )
    # A WSGI front door (the runner's, werkzeug's) joins repeated fields: all providers
    # then see one value.
    assert ",".join(seen["headers"]["x-custom"]).replace(" ", "") == "one,two"
    assert seen["headers"]["x-unique"] == ["ü"]


def test_authorization(http, polyfaas_provider):
    seen = echoed(http, headers={"Authorization": "Bearer token"})
    expected = [] if loses(polyfaas_provider, NO_AUTHORIZATION) else ["Bearer token"]
    assert seen["headers"].get("authorization", []) == expected


def test_cookies(http, polyfaas_provider):
    http.set_cookie("first", "1")
    http.set_cookie("second", "two")
    seen = echoed(http)
    expected = [] if loses(polyfaas_provider, NO_COOKIE) else [["first", "1"], ["second", "two"]]
    assert seen["cookies"] == expected


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", None),
        ("héllo wörld".encode(), "text/plain; charset=utf-8"),
        (b'{"json": ["v", 1, null]}', "application/json"),
        (b"a=1&b=%C3%BC", "application/x-www-form-urlencoded"),
        (bytes(range(256)), "application/octet-stream"),
        (os.urandom(1024 * 1024), "application/octet-stream"),
    ],
    ids=["empty", "text", "json", "form", "binary", "1MiB"],
)
def test_request_bodies(http, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    seen = echoed(http, "POST", data=body, headers=headers)
    assert base64.b64decode(seen["body"]) == body


def test_body_at_and_over_the_limit(http, polyfaas_provider):
    if polyfaas_provider not in BODY_LIMITS:
        body = os.urandom(4 * 1024 * 1024)
        assert base64.b64decode(echoed(http, "POST", data=body)["body"]) == body
        return
    largest, refused_with = BODY_LIMITS[polyfaas_provider]
    body = os.urandom(largest)
    assert base64.b64decode(echoed(http, "POST", data=body)["body"]) == body
    over = http.post("/", data=os.urandom(4 * 1024 * 1024))
    assert over.status_code == refused_with


def test_no_content(http):
    response = http.get("/?do=no-content")
    assert response.status_code == 204
    assert response.get_data() == b""


def test_several_set_cookie(http, polyfaas_provider):
    response = http.get("/?do=set-cookies")
    fields = response.headers.getlist("Set-Cookie")
    if loses(polyfaas_provider, SET_COOKIE_JOINED):
        assert fields == ["a=1; Path=/, b=2; Path=/"]
    else:
        assert fields == ["a=1; Path=/", "b=2; Path=/"]


def test_binary_response(http):
    response = http.get("/?do=binary")
    assert response.status_code == 200
    assert response.get_data() == bytes(range(256))


def test_http_error(http):
    response = http.get("/?do=http-error")
    assert response.status_code == 418
    assert response.get_data(as_text=True) == "short and stout"


def test_unhandled_exception(http, polyfaas_provider):
    status, marker = UNHANDLED[polyfaas_provider]
    response = http.get("/?do=unhandled")
    assert response.status_code == status
    if marker is not None:
        assert marker in response.headers


def test_init_hook_runs_once_per_instance(http):
    first = echoed(http)
    second = echoed(http)
    assert first["init_calls"] == second["init_calls"] == 1
    assert first["request_id"] != second["request_id"]


def test_losses_have_reasons():
    for provider, table in losses.LOSSES.items():
        for loss, reason in table.items():
            assert len(reason) > 40, (provider, loss)


SEGMENT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/?#"),
    min_size=1,
    max_size=8,
)
VALUE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    segments=st.lists(SEGMENT, max_size=3),
    query=st.lists(st.tuples(SEGMENT, VALUE), max_size=3, unique_by=lambda pair: pair[0]),
    body=st.binary(max_size=512),
)
def test_round_trip(http, polyfaas_provider, method, segments, query, body):
    raw_path = "/" + "/".join(quote(s, safe="") for s in segments)
    seen = echoed(
        http,
        method,
        raw_path,
        query_string="&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query),
        data=body,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert seen["method"] == method
    assert base64.b64decode(seen["body"]) == body
    assert seen["query"] == [list(pair) for pair in query] or loses(
        polyfaas_provider, QUERY_REPEATS_JOINED
    )
    if not loses(polyfaas_provider, NO_PATH):
        assert seen["raw_path"] == raw_path


def test_contract_table_is_current():
    from tests.conformance import contract_table

    assert contract_table.current() == contract_table.render(), (
        "tests/README.md is stale: python -m tests.conformance.contract_table --write"
    )
