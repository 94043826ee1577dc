"""``polyfaas serve --provider container`` as a real subprocess on 127.0.0.1, and the
functions the container tests serve."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import attrs

from tests.runner_process import free_port, poll

try:  # the official SDK: cloudevents 2 keeps the 1.x API under cloudevents.v1
    from cloudevents.v1.conversion import to_binary, to_structured
    from cloudevents.v1.http import CloudEvent
except ImportError:  # cloudevents 1.x
    from cloudevents.conversion import to_binary, to_structured  # type: ignore[no-redef,import-not-found]
    from cloudevents.http import CloudEvent  # type: ignore[no-redef,import-not-found]

__all__ = ["CloudEvent", "Served", "serve", "to_binary", "to_structured", "wait_exit"]

#: The functions most tests serve (``main.py`` in the test's folder).
MAIN = """
import base64, logging, os, pathlib, time
import polyfaas

HERE = pathlib.Path(__file__).parent

def _data(value):
    return {"base64": base64.b64encode(value).decode()} if isinstance(value, bytes) else value

@polyfaas.http
def echo(request, context):
    context.logger.warning("echo %s", request.path)
    return {
        "method": request.method,
        "path": request.path,
        "raw_path": request.raw_path,
        "query": [list(pair) for pair in request.query.items(multi=True)],
        "headers": {name.lower(): request.headers.getlist(name) for name in request.headers},
        "cookies": dict(request.cookies),
        "body": request.text,
        "request_id": context.request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "configuration": context.native.configuration,
        "memory_limit_mb": context.memory_limit_mb,
        "remaining_ms": context.remaining_time_ms(),
        "provider": context.provider,
    }

STANDARD = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype"}

@polyfaas.event
def on_event(event, context):
    return {
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "subject": event.subject,
        "time": event.time.isoformat() if event.time else None,
        "datacontenttype": event.datacontenttype,
        "data": _data(event.data),
        "extensions": {k: v for k, v in event.native.items() if k not in STANDARD},
    }

@polyfaas.event
def quiet(event, context):
    return None

@polyfaas.http
def boom(request, context):
    raise ValueError("secret-db-password")

@polyfaas.http
def slow(request, context):
    (HERE / "started").write_text("1")
    while not (HERE / "release").exists():  # the test releases it (bounded there)
        time.sleep(0.01)
    return "finished"

def _init(context):
    (HERE / "init-started").write_text("1")
    while not (HERE / "init-release").exists():
        time.sleep(0.01)

@polyfaas.http(init=_init)
def slow_init(request, context):
    return "ready"
"""


@attrs.define
class Served:
    process: subprocess.Popen[str]
    port: int
    out: list[str]
    err: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stdout(self) -> str:
        return "".join(self.out)

    def stderr(self) -> str:
        return "".join(self.err)

    def accepts(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.5).close()
        except OSError:
            return False
        return True

    def wait_listening(self) -> None:
        assert poll(lambda: self.accepts() or self.process.poll() is not None, 30), self.stderr()
        assert self.process.poll() is None, self.stderr()


def write_main(folder: Path, code: str = MAIN) -> Path:
    (folder / "main.py").write_text(code, encoding="utf-8")
    return folder


@contextmanager
def serve(
    folder: Path,
    target: str,
    *,
    gunicorn: bool = True,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    port_option: bool = True,
    wait: bool = True,
) -> Iterator[Served]:
    """``polyfaas serve --provider container --host 127.0.0.1 TARGET`` in ``folder``;
    its port from ``--port`` or (``port_option=False``) from ``$PORT`` only."""
    port = free_port()
    block = "" if gunicorn else "sys.modules['gunicorn'] = None; "
    argv = ["serve", "--provider", "container", "--host", "127.0.0.1", *args]
    if port_option:
        argv += ["--port", str(port)]
    script = (
        f"import sys; {block}from polyfaas.cli import main; sys.exit(main({[*argv, target]!r}))"
    )
    environ = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    environ.pop("POLYFAAS_PROVIDER", None)
    environ["PORT"] = str(port)
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
        start_new_session=True,
    )
    served = Served(process, port, [], [])
    pumps = [
        threading.Thread(target=_pump, args=(process.stdout, served.out), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, served.err), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    try:
        if wait:
            served.wait_listening()
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for pump in pumps:
            pump.join(5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _pump(stream: object, lines: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.append(line)


def wait_exit(served: Served, timeout: float = 30) -> int:
    """The server's exit status (it must exit within ``timeout`` seconds)."""
    return served.process.wait(timeout)
