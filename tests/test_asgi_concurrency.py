"""Several calls in flight in one instance do not block each other (issue 16, item 5):
``polyfaas run --concurrency 4`` on ``local`` and ``yandex-gateway``, with ``requests``
from threads over 127.0.0.1. Proved without timing: each app answers only once the
other calls of its round are inside the same instance (bounded waits, 504 otherwise).

The instance's loop runs inline on the calling thread until calls first overlap
(``polyfaas.asgi_bridge.InstanceLoop``); a call that finds the inline one in progress
is submitted to the running loop at once, and the loop moves to a thread of its own
when the inline call is done. ``test_calls_overlapping_the_first_inline_one`` checks
that very first overlap; the other tests start from a loop that moved already
(``_move_the_loop``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.runner_process import polyfaas_run

APPS = Path(__file__).parent / "apps" / "asgi_concurrency_app.py"
PROVIDERS = ["local", "yandex-gateway"]
N = 4


def _get_all(urls: list[str]) -> list[requests.Response]:
    with ThreadPoolExecutor(len(urls)) as pool:
        return list(pool.map(lambda url: requests.get(url, timeout=60), urls))


def _round(n: int, wait: float | None = None) -> str:
    extra = "" if wait is None else f"&wait={wait}"
    return f"?n={n}&round={uuid.uuid4().hex}{extra}"


def _move_the_loop(url: str) -> None:
    # Two overlapping calls: the second finds the loop running inline and moves it to
    # a thread of its own, for good (each may answer 504 while the first holds it).
    answers = _get_all([url + _round(2, wait=1)] * 2)
    assert {answer.status_code for answer in answers} <= {200, 504}


def _runner(target: str, provider: str) -> Any:
    # --timeout: Yandex's default is 3 s, less than a bounded wait in vain.
    return polyfaas_run(
        f"{APPS}:{target}", "--provider", provider, "--concurrency", str(N), "--timeout", "60"
    )


@pytest.fixture(scope="module", params=PROVIDERS)
def gather(request: pytest.FixtureRequest) -> Iterator[str]:
    with _runner("gather", request.param) as running:
        _move_the_loop(f"{running.url}/")
        yield running.url


@pytest.fixture(scope="module", params=PROVIDERS)
def mixed(request: pytest.FixtureRequest) -> Iterator[str]:
    with _runner("starlette_handler", request.param) as running:
        _move_the_loop(f"{running.url}/async")
        yield running.url


def test_four_calls_are_inside_one_instance_at_once(gather: str) -> None:
    answers = _get_all([f"{gather}/{_round(N)}"] * N)
    assert [answer.status_code for answer in answers] == [200] * N, [a.text for a in answers]
    seen: list[dict[str, Any]] = [answer.json() for answer in answers]
    assert all(item["released"] for item in seen)
    assert {item["pid"] for item in seen} == {seen[0]["pid"]}  # one instance
    assert max(item["most"] for item in seen) == N


def test_rounds_one_after_another_reuse_the_instance(gather: str) -> None:
    first = _get_all([f"{gather}/{_round(2)}"] * 2)
    second = _get_all([f"{gather}/{_round(1)}"])
    assert [a.status_code for a in first + second] == [200] * 3
    assert len({a.json()["pid"] for a in first + second}) == 1


def test_a_sync_endpoint_in_the_threadpool_beside_async_ones(mixed: str) -> None:
    query = _round(N)
    urls = [f"{mixed}/async{query}"] * (N - 1) + [f"{mixed}/sync{query}"]
    answers = _get_all(urls)
    assert [answer.status_code for answer in answers] == [200] * N, [a.text for a in answers]
    seen = [answer.json() for answer in answers]
    assert sorted(item["kind"] for item in seen) == ["async"] * (N - 1) + ["sync"]
    async_threads = {item["thread"] for item in seen if item["kind"] == "async"}
    sync_thread = next(item["thread"] for item in seen if item["kind"] == "sync")
    assert len(async_threads) == 1  # the async calls share the instance's one loop
    assert sync_thread not in async_threads  # the sync one ran in the threadpool


def test_a_lone_sync_call_then_async_ones(mixed: str) -> None:
    alone = requests.get(f"{mixed}/sync{_round(1)}", timeout=60)
    assert alone.status_code == 200
    assert alone.json()["kind"] == "sync"
    answers = _get_all([f"{mixed}/async{_round(2)}"] * 2)
    assert [answer.status_code for answer in answers] == [200, 200]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_calls_overlapping_the_first_inline_one(provider: str) -> None:
    with _runner("gather", provider) as running:
        answers = _get_all([f"{running.url}/{_round(2, wait=5)}"] * 2)
    assert [answer.status_code for answer in answers] == [200, 200], [a.text for a in answers]
