"""``polyfaas run --inline``: breakpoint() driven through a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

from tests.runner_process import free_port

HANDLER = """import polyfaas

@polyfaas.http
def handler(request, context):
    breakpoint()
    return {"path": request.path}
"""


def test_breakpoint_reaches_the_terminal(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(HANDLER)
    port = free_port()
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "polyfaas",
            "run",
            "--inline",
            "--port",
            str(port),
            f"{tmp_path / 'h.py'}:handler",
        ],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
    )
    os.close(follower)
    seen = bytearray()

    def until(text: bytes, within: float = 20.0) -> bool:
        end = time.monotonic() + within
        while text not in seen and time.monotonic() < end:
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    seen.extend(os.read(leader, 4096))
                except OSError:
                    break
        return text in seen

    try:
        assert until(b"Inline (--inline)")
        assert until(b"Running on")
        for path in ("/abc", "/second"):
            answers: dict[str, Any] = {}
            url = f"http://127.0.0.1:{port}{path}"
            thread = threading.Thread(
                target=lambda: answers.update(r=requests.get(url, timeout=30))
            )
            thread.start()
            assert until(b"(Pdb)")
            del seen[:]
            os.write(leader, b"p request.path\n")
            assert until(f"'{path}'".encode())
            os.write(leader, b"c\n")
            thread.join(30)
            assert answers["r"].json() == {"path": path}
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
    finally:
        process.kill()
        process.wait()
        os.close(leader)


SLOW = """import time

import polyfaas

@polyfaas.http
def handler(request, context):
    time.sleep(1.5)
    return "done"
"""


def test_pythonbreakpoint_implies_inline_and_timeouts_only_warn(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(SLOW)
    port = free_port()
    env = {**os.environ, "PYTHONBREAKPOINT": "pdb.set_trace", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "polyfaas",
            "run",
            "--port",
            str(port),
            "--timeout",
            "1",
            f"{tmp_path / 'slow.py'}:handler",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        end = time.monotonic() + 20
        while True:
            try:
                answer = requests.get(url, timeout=20)
                break
            except requests.ConnectionError:
                assert time.monotonic() < end
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.text == "done"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
        assert b"Inline (PYTHONBREAKPOINT=pdb.set_trace)" in out
        assert b"exceeded the platform's timeout of 1 s" in out
        assert process.returncode == 0
    finally:
        process.kill()
        process.wait()
