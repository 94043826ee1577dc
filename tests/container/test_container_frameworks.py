"""The examples' Flask app, FastAPI app and portable handler under a real ``polyfaas
serve --provider container``, with ``requests``: routes, cookies both ways, a stream
read chunk by chunk, the lifespan once (startup before the port opens, shutdown on
SIGTERM)."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import requests

from tests.container.container_helpers import serve, wait_exit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    shutil.copytree(EXAMPLES / name, folder)
    return folder


def test_the_portable_handler(tmp_path: Path) -> None:
    with serve(example("hello_http", tmp_path), "main.handler") as server:
        answer = requests.get(f"{server.url}/?name=Ada", timeout=30)
    assert answer.json() == {"hello": "Ada", "provider": "container"}


def test_the_flask_app(tmp_path: Path) -> None:
    with serve(example("flask_app", tmp_path), "main.handler") as server:
        index = requests.get(server.url, timeout=30)
        user = requests.post(f"{server.url}/users/ada", cookies={"visits": "2"}, timeout=30)
    assert index.text == "Web App with Python Flask!"
    assert user.json() == {"name": "ada", "visits": 3, "url": "/users/ada"}
    assert user.cookies["visits"] == "3"


LIFESPAN = """
import pathlib
from contextlib import asynccontextmanager

import polyfaas
from main import app as example_app

HERE = pathlib.Path(__file__).parent
example_lifespan = example_app.router.lifespan_context


@asynccontextmanager
async def lifespan(app):
    with open(HERE / "lifespan.log", "a") as log:
        log.write("startup\\n")
    async with example_lifespan(app) as state:
        yield state
    with open(HERE / "lifespan.log", "a") as log:
        log.write("shutdown\\n")


example_app.router.lifespan_context = lifespan
handler = polyfaas.asgi(example_app)
"""


def test_the_fastapi_app_with_its_lifespan_and_a_stream(tmp_path: Path) -> None:
    folder = example("fastapi_app", tmp_path)
    (folder / "served.py").write_text(LIFESPAN, encoding="utf-8")
    with serve(folder, "served.handler") as server:
        assert (folder / "lifespan.log").read_text() == "startup\n"  # before the port opened
        index = requests.get(server.url, timeout=30).json()
        item = requests.get(f"{server.url}/items/5?q=x", timeout=30).json()
        cookies = requests.get(f"{server.url}/cookies", timeout=30)
        with requests.get(f"{server.url}/stream?n=3", stream=True, timeout=30) as streamed:
            chunked = streamed.headers.get("Transfer-Encoding") == "chunked"
            lines = list(streamed.iter_lines())
        server.process.send_signal(signal.SIGTERM)
        assert wait_exit(server) == 0, server.stderr()
    assert index == {"greeting": "hello", "startups": 1}
    assert item == {"item_id": 5, "q": "x"}
    assert (cookies.cookies["first"], cookies.cookies["second"]) == ("1", "2")
    assert chunked
    assert lines == [b"line 0", b"line 1", b"line 2"]
    assert (folder / "lifespan.log").read_text() == "startup\nshutdown\n"
