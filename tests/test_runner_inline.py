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

from tests.runner_process import free_port, polyfaas_run

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


def run_refused(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``polyfaas run ARGS`` expected to stop before it serves."""
    return subprocess.run(
        [sys.executable, "-m", "polyfaas", "run", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


RAISING = """import polyfaas

@polyfaas.http
def handler(request, context):
    if request.query.get("fail"):
        raise RuntimeError("inline boom")
    return {"path": request.path}
"""


def test_inline_refuses_reload_and_a_server_of_the_functions_own(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(RAISING)
    target = f"{tmp_path / 'h.py'}:handler"
    reload = run_refused("--inline", "--reload", target)
    assert reload.returncode == 2
    assert "--inline cannot be used here: --reload restarts worker instances" in reload.stderr
    custom = run_refused("--inline", "--provider", "alibaba-custom", target)
    assert custom.returncode == 2
    assert "provider 'alibaba-custom' runs the function's own server process" in custom.stderr


def test_inline_import_failure_stops_the_runner_with_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("import polyfaas_no_such_module\n")
    done = run_refused("--inline", f"{tmp_path / 'bad.py'}:handler")
    assert done.returncode == 2
    assert "Traceback" in done.stderr
    assert "No module named 'polyfaas_no_such_module'" in done.stderr
    assert "the function failed to load" in done.stderr
    assert "Running on" not in done.stdout


def test_implied_inline_gives_way_to_reload(tmp_path: Path) -> None:
    """PYTHONBREAKPOINT only implies --inline: with --reload the workers stay."""
    (tmp_path / "h.py").write_text(RAISING)
    with polyfaas_run(
        f"{tmp_path / 'h.py'}:handler",
        "--reload",
        env={"PYTHONBREAKPOINT": "pdb.set_trace"},
    ) as runner:
        assert requests.get(runner.url + "/ok", timeout=20).json() == {"path": "/ok"}
        assert "Inline" not in runner.output()


def test_inline_raising_handler_gets_the_platforms_answer_and_the_runner_goes_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "h.py").write_text(RAISING)
    with polyfaas_run(f"{tmp_path / 'h.py'}:handler", "--inline", "--provider", "yandex") as runner:
        failed = requests.get(runner.url + "/?fail=1", timeout=20)
        assert failed.status_code == 502
        assert failed.json()["errorType"] == "RuntimeError"
        assert "inline boom" in failed.json()["errorMessage"]
        assert runner.wait_for_output("inline boom")
        assert requests.get(runner.url + "/after", timeout=20).status_code == 200
        assert "Inline (--inline)" in runner.output()
