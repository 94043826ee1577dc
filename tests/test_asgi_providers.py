"""A Starlette app through ``polyfaas.asgi`` under the real runner, on every provider,
called with ``requests`` over 127.0.0.1: what the app answers reaches the client as the
platform lets it, the lifespan runs once per instance, background work finishes, and an
app that crashes gets the platform's own error answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from polyfaas import providers
from polyfaas.platform import Loss
from tests.runner_process import polyfaas_run

APP = str(Path(__file__).parent / "apps" / "starlette_app.py") + ":handler"


def _losses(provider: str) -> frozenset[str]:
    return frozenset(providers.platform_half(provider).facts.losses)


#: The providers whose function sees the request's path: every route can be reached.
#: (A direct Yandex call has none, so every URL reaches ``/``: the first test covers it.)
ROUTED = [name for name in providers.names() if Loss.NO_PATH not in _losses(name)]


@pytest.fixture(scope="module", params=providers.names())
def runner(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with polyfaas_run(APP, "--provider", request.param) as running:
        yield request.param, running.url


@pytest.fixture(scope="module", params=ROUTED)
def routed(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with polyfaas_run(APP, "--provider", request.param) as running:
        yield request.param, running.url


def test_lifespan_runs_once_and_its_state_reaches_every_call(runner: tuple[str, str]) -> None:
    provider, url = runner
    first = requests.get(f"{url}/", timeout=30).json()
    second = requests.get(
        f"{url}/items/7" if Loss.NO_PATH in _losses(provider) else f"{url}/", timeout=30
    ).json()
    assert first["startups"] == second["startups"] == 1
    assert first["pid"] == second["pid"]  # one instance served both
    assert first["state"] == "lifespan"
    assert first["provider"] == providers.runtime_half(provider).cloud


def test_path_query_and_raw_path(routed: tuple[str, str]) -> None:
    provider, url = routed
    answer = requests.get(f"{url}/items/caf%C3%A9", params=[("q", "1"), ("q", "x y")], timeout=30)
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == "caf\u00e9"
    assert body["raw_path"] == "/items/caf%C3%A9"
    if Loss.QUERY_REPEATS_JOINED in _losses(provider):
        assert body["q"] == ["1,x y"]
    else:
        assert body["q"] == ["1", "x y"]


def test_json_and_binary_bodies(routed: tuple[str, str]) -> None:
    _provider, url = routed
    created = requests.post(f"{url}/json", json={"a": [1, "\u00e9"]}, timeout=30)
    assert (created.status_code, created.json()) == (201, {"got": {"a": [1, "\u00e9"]}})
    binary = bytes(range(256)) * 4
    echoed = requests.post(
        f"{url}/binary",
        data=binary,
        headers={"Content-Type": "application/octet-stream"},
        timeout=30,
    )
    assert echoed.status_code == 200
    assert echoed.content == binary


def test_two_set_cookie_and_a_redirect(routed: tuple[str, str]) -> None:
    provider, url = routed
    answer = requests.get(f"{url}/cookies", timeout=30)
    fields = answer.raw.headers.getlist("Set-Cookie")
    expected = ["a=1; Path=/; SameSite=lax", "b=2; Path=/; SameSite=lax"]
    if Loss.SET_COOKIE_JOINED in _losses(provider):
        assert fields == [", ".join(expected)]
    else:
        assert fields == expected
    moved = requests.get(f"{url}/moved", allow_redirects=False, timeout=30)
    assert (moved.status_code, moved.headers["Location"]) == (302, "/items/1")


def test_a_background_task_finishes_before_the_next_call(routed: tuple[str, str]) -> None:
    provider, url = routed
    queued = requests.post(f"{url}/task?name={provider}", timeout=30)
    assert queued.json() == {"queued": provider}
    assert provider in requests.get(f"{url}/tasks", timeout=30).json()


def test_a_stream_arrives_whole(routed: tuple[str, str]) -> None:
    _provider, url = routed
    answer = requests.get(f"{url}/stream?n=5", timeout=30)
    assert answer.status_code == 200
    assert answer.text == "".join(f"chunk {i}\n" for i in range(5))


def test_an_app_that_crashes_gets_the_platforms_error_answer(routed: tuple[str, str]) -> None:
    provider, url = routed
    answer = requests.get(f"{url}/crash", timeout=30)
    facts = providers.platform_half(provider).facts
    assert answer.status_code == facts.unhandled_status
    if facts.failure_header:
        assert facts.failure_header in answer.headers
    # The instance survives: the next call is served by it.
    assert requests.get(f"{url}/", timeout=30).json()["startups"] == 1


FASTAPI = str(Path(__file__).parent.parent / "examples" / "fastapi_app" / "main.py") + ":handler"


@pytest.mark.parametrize("provider", ROUTED)
def test_the_fastapi_example_under_the_runner(provider: str) -> None:
    with polyfaas_run(FASTAPI, "--provider", provider) as running:
        url = running.url
        item = requests.get(f"{url}/items/7", params={"q": "x"}, timeout=30)
        invalid = requests.get(f"{url}/items/seven", timeout=30)
        created = requests.post(f"{url}/items", json={"name": "pen", "price": 1.5}, timeout=30)
        done = requests.get(f"{url}/done", timeout=30)
        streamed = requests.get(f"{url}/stream", params={"n": "3"}, timeout=30)
        index = requests.get(f"{url}/", timeout=30)
    assert (item.status_code, item.json()) == (200, {"item_id": 7, "q": "x"})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["path", "item_id"]
    assert created.json() == {"created": "pen", "price": 1.5}
    assert done.json() == ["pen"]
    assert streamed.text == "line 0\nline 1\nline 2\n"
    assert index.json() == {"greeting": "hello", "startups": 1}
