"""One portable handler, one Flask app and one Django app answer identically on
``local`` and ``yandex-gateway`` (werkzeug's test client at the emulated front door)."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

import polyfaas
from polyfaas.testing import EmulatedApp


@polyfaas.http
def portable(request: polyfaas.Request, context: polyfaas.Context) -> Any:
    if request.path == "/cookies":
        return polyfaas.Response(
            200, [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")], "ok"
        )
    if request.path == "/binary":
        return bytes(range(256))
    return {
        "method": request.method,
        "path": request.path,
        "query": request.query.to_dict(flat=False),
        "cookies": request.cookies.to_dict(),
        "auth": request.headers.get("authorization"),
        "body": request.text,
        "type": request.content_type,
    }


def _flask() -> polyfaas.Entry:
    from tests.apps import flask_app

    return polyfaas.wsgi(flask_app.app)


def _django() -> polyfaas.Entry:
    from tests.apps import django_app

    return polyfaas.wsgi(django_app.app)


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/hello/w%C3%B6rld?q=1&q=a+b%26c", {}),
    ("POST", "/form", {"data": {"k": ["v1", "v2"], "é": "ü"}}),
    ("GET", "/cookies", {}),
    ("GET", "/redirect", {}),
    ("GET", "/binary", {}),
    ("POST", "/echo", {"json": {"hello": "world", "n": [1, 2]}}),
    ("POST", "/echo", {"data": b"\x00\xff\x10", "content_type": "application/octet-stream"}),
    ("GET", "/seen-cookies", {"headers": {"Cookie": "session=abc; theme=dark"}}),
    ("GET", "/missing", {}),
    ("GET", "/hello/x", {"headers": {"Authorization": "Bearer t1.abc"}}),
]


def answer(
    entry: polyfaas.Entry, provider: str, method: str, url: str, kwargs: dict[str, Any]
) -> Any:
    response = Client(EmulatedApp(entry, provider)).open(url, method=method, **kwargs)
    headers = sorted((k, v) for k, v in response.headers.items() if k != "X-Request-Id")
    return response.status_code, headers, response.get_data()


@pytest.mark.parametrize(
    "make", [lambda: portable, _flask, _django], ids=["portable", "flask", "django"]
)
@pytest.mark.parametrize(("method", "url", "kwargs"), CALLS, ids=[f"{m} {u}" for m, u, _ in CALLS])
def test_identical_on_local_and_yandex_gateway(make, method, url, kwargs):
    entry = make()
    local = answer(entry, "local", method, url, kwargs)
    yandex = answer(entry, "yandex-gateway", method, url, kwargs)
    assert yandex == local
    if method == "GET" and url == "/cookies":
        assert [v for k, v in local[1] if k == "Set-Cookie"][:2] != []


def test_the_apps_really_ran():
    status, _, body = answer(_flask(), "yandex-gateway", "GET", "/hello/w%C3%B6rld?q=1", {})
    assert status == 200
    assert b'"name":"w\\u00f6rld"' in body.replace(b" ", b"") or "wörld".encode() in body
    status, headers, _ = answer(_django(), "yandex-gateway", "GET", "/cookies", {})
    assert len([v for k, v in headers if k == "Set-Cookie"]) == 2
