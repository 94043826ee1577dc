"""The runner's instances: never more than ``--instances`` at once, under concurrent
load and after an instance dies; and nothing an instance started outlives it (a
timeout, a crash, a restart or the runner's shutdown stop its whole process group),
on every provider. Real worker processes, real ``polyfaas run`` subprocesses."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from polyfaas import Event
from polyfaas._native import NativeCall
from polyfaas._target import parse_target
from polyfaas.runner.instances import Pool
from tests.runner_process import descendants, polyfaas_run

PROVIDERS = ["local", "alibaba", "alibaba-wsgi", "alibaba-custom", "yandex", "yandex-gateway"]

# Routed by query only: a direct Yandex call has no path.
HANDLER = """\
import os, subprocess, time
import polyfaas

@polyfaas.http
def handler(request, context):
    what = request.query.get("do", "")
    if what == "spawn":
        child = subprocess.Popen(["sleep", "60"])
        with open(request.query["file"], "w") as out:
            out.write(str(child.pid))
        time.sleep(float(request.query.get("then", "0")))
    elif what == "crash":
        os._exit(3)
    else:
        time.sleep(float(request.query.get("s", "0")))
    return {"pid": os.getpid()}
"""

NATIVE = """\
import os, time

def sleepy(seconds):
    time.sleep(seconds)
    return os.getpid()
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "main.py").write_text(HANDLER)
    (tmp_path / "native.py").write_text(NATIVE)
    return tmp_path


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def fast_switching() -> Iterator[None]:
    # Thread switches at every chance: the window a race needs is open often.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


@pytest.mark.usefixtures("fast_switching")
def test_a_pool_under_concurrent_load_runs_at_most_size_instances(code: Path) -> None:
    pool = Pool(parse_target(f"{code / 'native.py'}:sleepy"), {}, size=3)
    pool.start()
    call = NativeCall(args=(0.05,), request_id="r", payload=Event(type="t", source="s"))
    try:
        with ThreadPoolExecutor(12) as calls:
            results = list(calls.map(lambda _: pool.run(call, 10), range(48)))
        live = {p for p in descendants(os.getpid()) if running(p)}
    finally:
        pool.close()
    assert [r.ending for r in results] == ["returned"] * 48
    pids = {r.outcome.value for r in results if r.outcome is not None}
    assert len(pids) <= 3, pids
    assert len(live) <= 3


def _pids(url: str, calls: int) -> set[int]:
    with ThreadPoolExecutor(calls) as pool:
        answers = list(
            pool.map(lambda _: requests.get(url, params={"s": "0.2"}, timeout=10), range(calls))
        )
    assert [a.status_code for a in answers] == [200] * calls, [a.text for a in answers]
    return {a.json()["pid"] for a in answers}


def test_instances_stay_bounded_after_one_is_killed_and_one_crashes(code: Path) -> None:
    with polyfaas_run("main.py:handler", "--instances", "2", cwd=code) as runner:
        first = _pids(runner.url + "/", 8)
        assert len(first) <= 2
        os.kill(min(first), signal.SIGKILL)
        crash = requests.get(runner.url + "/", params={"do": "crash"}, timeout=10)
        assert crash.status_code >= 500
        second = _pids(runner.url + "/", 8)
        assert len(second) <= 2
        workers = {p for p in descendants(runner.process.pid) if running(p)}
        assert len(workers) <= 2, workers
        assert min(first) not in second


@pytest.mark.parametrize("provider", PROVIDERS)
def test_what_an_instance_started_dies_with_it(code: Path, provider: str) -> None:
    """A timed-out call's child is gone after the timeout answer; a returned call's
    child is gone once the runner exits."""
    timed_out, returned = code / "timed-out.pid", code / "returned.pid"
    with polyfaas_run(
        "main.py:handler", "--provider", provider, "--timeout", "1", cwd=code
    ) as runner:
        started = time.monotonic()
        answer = requests.get(
            runner.url + "/",
            params={"do": "spawn", "file": str(timed_out), "then": "30"},
            timeout=10,
        )
        elapsed = time.monotonic() - started
        assert answer.status_code >= 500
        assert elapsed < 3.0, f"the timeout was answered after {elapsed:.1f} s"
        assert gone_within(int(timed_out.read_text()), 2.0)
        answer = requests.get(
            runner.url + "/", params={"do": "spawn", "file": str(returned)}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        child = int(returned.read_text())
        assert running(child)
    assert runner.process.returncode is not None
    assert gone_within(child, 2.0)
