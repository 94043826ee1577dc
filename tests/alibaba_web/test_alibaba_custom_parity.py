"""One portable handler, one Flask app and one Django app answer identically on
``local``, ``alibaba-wsgi`` and ``alibaba-custom``.

``polyfaas.testing.client`` puts each behind the runner's own front door: the first two
run in this process, ``alibaba-custom`` in a real ``polyfaas serve`` server (gunicorn on
127.0.0.1) that the platform half starts, initialises and talks HTTP to.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from polyfaas.platform import FunctionConfig
from polyfaas.testing import PolyfaasClient, client

ENTRIES = Path(__file__).resolve().parent / "web_entries.py"
APPS = ["portable", "flask_entry", "django_entry"]
PROVIDERS = ["local", "alibaba-wsgi", "alibaba-custom"]
# Each platform's own: the request id, and the length its front door sets itself.
PLATFORM_HEADERS = {"x-request-id", "x-fc-request-id", "content-length"}

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
    ("POST", "/echo?x=%2F", {"data": "ünïcode", "content_type": "text/plain; charset=utf-8"}),
]


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[tuple[str, str], PolyfaasClient]]:
    made: dict[tuple[str, str], PolyfaasClient] = {}
    try:
        for app in APPS:
            for provider in PROVIDERS:
                # behind a custom domain: FC's default one adds a download header
                config = FunctionConfig(
                    handler=f"web_entries.{app}", settings={"custom-domain": "true"}
                )
                target = f"{ENTRIES}:{app}"
                made[app, provider] = client(
                    target, provider=provider, config=config if provider != "local" else None
                )
        yield made
    finally:
        for each in made.values():
            each.close()


def answer(http: PolyfaasClient, method: str, url: str, kwargs: dict[str, Any]) -> Any:
    response = http.open(url, method=method, **kwargs)
    # Leading blanks of a value (Django writes " a=1" cookies) never survive the wire.
    headers = sorted(
        (k, v.strip()) for k, v in response.headers.items() if k.lower() not in PLATFORM_HEADERS
    )
    return response.status_code, headers, response.get_data()


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize(("method", "url", "kwargs"), CALLS, ids=[f"{m} {u}" for m, u, _ in CALLS])
def test_identical_on_local_alibaba_wsgi_and_alibaba_custom(clients, app, method, url, kwargs):
    local = answer(clients[app, "local"], method, url, kwargs)
    for provider in ("alibaba-wsgi", "alibaba-custom"):
        assert answer(clients[app, provider], method, url, kwargs) == local, provider


def test_the_apps_really_ran(clients):
    status, _, body = answer(
        clients["flask_entry", "alibaba-custom"], "GET", "/hello/w%C3%B6rld", {}
    )
    assert status == 200
    assert b"w\\u00f6rld" in body
    for provider in ("alibaba-wsgi", "alibaba-custom"):
        status, headers, _ = answer(clients["django_entry", provider], "GET", "/cookies", {})
        assert [k for k, _ in headers].count("Set-Cookie") == 2


@pytest.mark.parametrize("provider", ["alibaba-wsgi", "alibaba-custom"])
def test_every_answer_carries_fcs_request_id(clients, provider):
    response = clients["portable", provider].get("/hello")
    assert response.headers["X-Fc-Request-Id"]
    assert "X-Request-Id" not in response.headers
