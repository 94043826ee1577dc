"""Streamed responses under the real runner and ``polyfaas serve``, with ``requests``
over 127.0.0.1: where the platform streams (its facts say: ``local``, ``alibaba-custom``)
the first chunk reaches the client before the last one is produced — the function
waits for the client to say so (a file) before producing it —; where it buffers, the
chunks arrive as one body."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import polyfaas
from polyfaas import providers
from polyfaas.testing import client
from tests.runner_process import free_port, poll, polyfaas_run

FUNCTIONS = Path(__file__).parent / "functions" / "streaming.py"
ENTRIES = ("sync_stream", "async_stream", "asgi_stream", "wsgi_stream")
STREAMING = [name for name in providers.names() if providers.platform_half(name).facts.streams]
BUFFERING = [name for name in providers.names() if name not in STREAMING]


def test_the_facts_name_the_streaming_surfaces() -> None:
    assert STREAMING == ["local", "alibaba-custom", "container"]


def _handshake(url: str, tmp: Path) -> list[bytes]:
    """GET a stream, read its first line, then let the function go on; its lines."""
    seen = tmp / "client-has-the-first-chunk"
    with requests.get(url, params={"seen": str(seen)}, stream=True, timeout=60) as answer:
        assert answer.status_code == 200
        assert "chunked" in answer.headers.get("Transfer-Encoding", "")
        lines = answer.iter_lines()
        first = next(lines)
        seen.write_text("yes")  # only now may the function produce the rest
        return [first, *lines]


@pytest.mark.parametrize("provider", STREAMING)
@pytest.mark.parametrize("entry", ENTRIES)
def test_a_stream_reaches_the_client_chunk_by_chunk(
    provider: str, entry: str, tmp_path: Path
) -> None:
    with polyfaas_run(f"{FUNCTIONS}:{entry}", "--provider", provider) as runner:
        assert _handshake(f"{runner.url}/stream", tmp_path) == [b"first", b"seen", b"last"]
        # The instance is free again: the next call is served.
        assert requests.get(f"{runner.url}/again?n=3", timeout=30).content.endswith(b"last\n")


@pytest.mark.parametrize("entry", ["asgi_stream", "wsgi_stream"])
@pytest.mark.parametrize("provider", ["yandex-gateway", "alibaba"])
def test_where_the_platform_buffers_the_chunks_arrive_as_one_body(
    provider: str, entry: str, tmp_path: Path
) -> None:
    assert provider in BUFFERING
    with polyfaas_run(f"{FUNCTIONS}:{entry}", "--provider", provider) as runner:
        seen = tmp_path / "never-written"
        answer = requests.get(
            f"{runner.url}/s", params={"seen": str(seen), "wait": "0.2", "n": "2"}, timeout=60
        )
    assert answer.status_code == 200
    # Buffered: the function could not see the client before it finished.
    assert answer.content == b"first\nunseen\n" + b"x" * 2048 + b"last\n"


def test_a_client_that_leaves_mid_stream_frees_the_instance(tmp_path: Path) -> None:
    with polyfaas_run(f"{FUNCTIONS}:sync_stream", "--provider", "local") as runner:
        seen = tmp_path / "s"
        with requests.get(
            f"{runner.url}/", params={"seen": str(seen), "wait": "1"}, stream=True, timeout=30
        ) as answer:
            assert next(answer.iter_lines()) == b"first"
        # The client went away before the end; the instance finishes and serves again.
        after = requests.get(f"{runner.url}/?n=1", timeout=30)
        assert after.status_code == 200
        assert after.content == b"first\n" + b"x" * 1024 + b"last\n"


@pytest.fixture
def served() -> Iterator[str]:
    """``polyfaas serve --provider alibaba-custom`` (gunicorn) on 127.0.0.1."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "polyfaas",
            "serve",
            "--provider",
            "alibaba-custom",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            f"{FUNCTIONS}:asgi_stream",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            requests.get(f"{url}/?n=0", timeout=2)
            return True
        except requests.ConnectionError:
            return False

    try:
        assert poll(up, 30), "polyfaas serve did not start"
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_polyfaas_serve_streams_in_production(served: str, tmp_path: Path) -> None:
    assert _handshake(f"{served}/stream", tmp_path) == [b"first", b"seen", b"last"]


def test_a_stream_over_a_buffering_platforms_limit_gets_its_own_error() -> None:
    """Collected, a stream is a body like any other: over Yandex's 3.5 MB response
    limit it gets the answer a whole body that size gets."""
    big = 4 * 1024 * 1024

    def chunks() -> Iterator[bytes]:
        for _ in range(big // 65536):
            yield b"x" * 65536

    streamed = polyfaas.http(lambda request, context: polyfaas.Response.stream(chunks()))
    whole = polyfaas.http(lambda request, context: polyfaas.Response(200, None, b"x" * big))
    answers = []
    for entry in (streamed, whole):
        with client(entry, "yandex-gateway") as http:
            answer = http.get("/")
            answers.append((answer.status_code, answer.get_data()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 502  # Yandex's answer to a response over its limit
