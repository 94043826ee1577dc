"""Real Flask and Django apps through ``polyfaas.wsgi`` and the ``local`` provider,
served by werkzeug's server on 127.0.0.1 and called with ``requests``."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server

import polyfaas
from polyfaas import Request
from polyfaas.testing import EmulatedApp, emulate


def _flask_app():
    from tests.apps import flask_app

    return flask_app.app


def _django_app():
    from tests.apps import django_app

    return django_app.app


@pytest.fixture(params=[_flask_app, _django_app], ids=["flask", "django"])
def entry(request) -> polyfaas.Entry:
    return polyfaas.wsgi(request.param())


@pytest.fixture
def base_url(entry) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, EmulatedApp(entry, "local"), threaded=True)
    # A short poll interval: shutdown() waits for the loop's next poll (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def test_route_with_unicode_and_repeated_query(base_url):
    response = requests.get(
        f"{base_url}/hello/w%C3%B6rld", params=[("q", "1"), ("q", "a b&c")], timeout=10
    )
    assert response.status_code == 200
    assert response.json()["name"] == "wörld"
    assert response.json()["q"] == ["1", "a b&c"]
    assert response.json()["path"] == "/hello/wörld"


def test_form_post(base_url):
    response = requests.post(
        f"{base_url}/form", data=[("k", "v1"), ("k", "v2"), ("é", "ü")], timeout=10
    )
    assert response.json() == {"fields": {"k": ["v1", "v2"], "é": ["ü"]}}


def test_multipart_form_post(base_url):
    response = requests.post(
        f"{base_url}/form", files={"ignored": ("f.txt", b"x")}, data={"k": "v"}, timeout=10
    )
    assert response.json()["fields"]["k"] == ["v"]


def test_two_set_cookie_headers(base_url):
    response = requests.get(f"{base_url}/cookies", timeout=10)
    assert response.cookies.get("a") == "1"
    assert response.cookies.get("b") == "2"
    raw = response.raw.headers.getlist("Set-Cookie")
    assert len(raw) == 2


def test_cookies_reach_the_app(base_url):
    response = requests.get(f"{base_url}/seen-cookies", cookies={"a": "1", "b": "two"}, timeout=10)
    assert response.json() == {"a": "1", "b": "two"}


def test_redirect(base_url):
    response = requests.get(f"{base_url}/redirect", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"] == "/hello/target"
    followed = requests.get(f"{base_url}/redirect", timeout=10)
    assert followed.json()["name"] == "target"


def test_binary_bodies_both_ways(base_url):
    assert requests.get(f"{base_url}/binary", timeout=10).content == bytes(range(256))
    payload = bytes(range(256)) * 64
    response = requests.post(
        f"{base_url}/echo",
        data=payload,
        headers={"Content-Type": "application/octet-stream"},
        timeout=10,
    )
    assert response.content == payload
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_base_path_reaches_the_app_as_script_name(entry):
    response = emulate(entry, Request("GET", "/prod/hello/x", base_path="/prod"))
    assert response.json()["script"] == "/prod"
    # URLs the app builds carry the base path (Flask's request.path omits it, Django's not)
    assert response.json()["url"] == "/prod/hello/x"


def test_not_found_is_the_apps_own(base_url):
    assert requests.get(f"{base_url}/nope", timeout=10).status_code == 404
