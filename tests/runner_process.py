"""Start ``polyfaas run`` as a real subprocess on 127.0.0.1 for the tests."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import attrs


def poll(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Whether ``condition()`` became true within ``timeout`` seconds (a bounded wait
    for what a runner's background work does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def written(path: Path) -> Callable[[], bool]:
    """A ``poll`` condition: ``path`` exists and holds something (a file another process
    is writing exists, empty, before its content arrives)."""
    return lambda: path.exists() and path.stat().st_size > 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@attrs.define
class RunningRunner:
    process: subprocess.Popen[str]
    url: str
    lines: list[str]

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_output(self, text: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            time.sleep(0.05)
        return False


def descendants(pid: int) -> set[int]:
    """Every live process whose ancestry includes ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if fields and fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found.add(child)
                frontier.append(child)
    return found


@contextmanager
def polyfaas_run(
    target: str, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[RunningRunner]:
    """``polyfaas run TARGET ARGS`` on a free port; stopped (SIGTERM) on exit."""
    port = free_port()
    command: Sequence[str] = [
        sys.executable,
        "-m",
        "polyfaas",
        "run",
        "--port",
        str(port),
        *args,
        target,
    ]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    lines: list[str] = []
    ready: queue.Queue[bool] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Running on" in line:
                ready.put(True)
        ready.put(False)

    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    try:
        started = ready.get(timeout=30)
    except queue.Empty:
        started = False
    if not started:
        process.kill()
        process.wait()
        pumper.join(5)
        assert process.stdout is not None
        process.stdout.close()
        raise AssertionError(f"polyfaas run did not start:\n{''.join(lines)}")
    runner = RunningRunner(process, f"http://127.0.0.1:{port}", lines)
    try:
        yield runner
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        pumper.join(5)
        assert process.stdout is not None
        process.stdout.close()
