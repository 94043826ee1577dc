"""``polyfaas run`` as a real process on 127.0.0.1: instances that time out, crash,
stay warm and reload, and a runner that survives them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.runner_process import descendants, polyfaas_run

FUNCTIONS = Path(__file__).parent / "functions"
TARGET = f"{FUNCTIONS / 'behaviours.py'}:handler"


def test_instance_stays_warm_and_inits_once():
    with polyfaas_run(TARGET, "--env", "POLYFAAS_TEST_ENV=configured") as runner:
        first = requests.get(f"{runner.url}/a", timeout=10).json()
        second = requests.get(f"{runner.url}/b", timeout=10).json()
    assert first["pid"] == second["pid"]
    assert (first["calls"], second["calls"]) == (1, 2)
    assert first["inits"] == second["inits"] == 1
    assert first["cwd"] == str(FUNCTIONS)
    assert first["env"] == "configured"
    assert first["memory"] == 128


def test_timeout_kills_the_instance_and_the_next_call_is_served():
    with polyfaas_run(TARGET, "--timeout", "1") as runner:
        before = requests.get(f"{runner.url}/", timeout=10).json()
        assert 0 < before["remaining_ms"] <= 1000
        started = time.monotonic()
        timed_out = requests.get(f"{runner.url}/sleep", params={"s": "30"}, timeout=20)
        elapsed = time.monotonic() - started
        after = requests.get(f"{runner.url}/", timeout=10).json()
    assert timed_out.status_code == 504
    assert elapsed < 5
    assert after["pid"] != before["pid"]
    assert after["calls"] == 1  # a fresh instance
    with pytest.raises(ProcessLookupError):
        os.kill(before["pid"], 0)


def test_exit_in_handler_gets_the_platform_error_and_runner_survives():
    with polyfaas_run(TARGET) as runner:
        crashed = requests.get(f"{runner.url}/exit", timeout=10)
        after = requests.get(f"{runner.url}/", timeout=10)
    assert crashed.status_code == 502
    assert "exited with code 3" in crashed.text
    assert after.status_code == 200


def test_exception_is_500_and_logged_and_instance_stays():
    with polyfaas_run(TARGET) as runner:
        warm = requests.get(f"{runner.url}/", timeout=10).json()
        failed = requests.get(f"{runner.url}/raise", timeout=10)
        after = requests.get(f"{runner.url}/", timeout=10).json()
        assert runner.wait_for_output("RuntimeError: raised on purpose")
    assert failed.status_code == 500
    assert "raised on purpose" not in failed.text
    assert after["pid"] == warm["pid"]


def test_memory_limit_is_enforced():
    with polyfaas_run(TARGET, "--memory", "64") as runner:
        hog = requests.get(f"{runner.url}/memory", params={"mb": "200"}, timeout=20)
        after = requests.get(f"{runner.url}/", timeout=10)
    assert hog.status_code == 502
    assert "memory limit exceeded" in hog.text
    assert after.status_code == 200


def test_400_requests_from_16_threads():
    with polyfaas_run(TARGET, "--instances", "2") as runner:
        session_url = f"{runner.url}/load"

        def get(_: int) -> int:
            return requests.get(session_url, timeout=30).status_code

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(get, range(400)))
    assert statuses == [200] * 400


def test_concurrency_serves_calls_side_by_side():
    with polyfaas_run(TARGET, "--concurrency", "4") as runner:
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            statuses = list(
                pool.map(
                    lambda _: (
                        requests.get(
                            f"{runner.url}/sleep", params={"s": "1"}, timeout=20
                        ).status_code
                    ),
                    range(4),
                )
            )
        elapsed = time.monotonic() - started
    assert statuses == [200] * 4
    assert elapsed < 3.5  # one instance, four calls at once: not 4 s in a row


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_start_stop_20_times_leaves_no_process(stop):
    seen: set[int] = set()
    for _ in range(10):
        with polyfaas_run(TARGET) as runner:
            requests.get(f"{runner.url}/", timeout=10)
            seen |= descendants(runner.process.pid)
            runner.process.send_signal(stop)
            assert runner.process.wait(10) == 0
    time.sleep(0.2)
    alive = [pid for pid in seen if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)]
    assert seen
    assert alive == []


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "Z"


def test_killed_runner_takes_its_instances_along():
    with polyfaas_run(TARGET) as runner:
        requests.get(f"{runner.url}/", timeout=10)
        children = descendants(runner.process.pid)
        runner.process.kill()
        runner.process.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in children):
            time.sleep(0.05)
    assert children
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]


def test_reload_picks_up_an_edited_handler(tmp_path):
    source = tmp_path / "main.py"
    source.write_text(
        "import polyfaas\n\n@polyfaas.http\ndef handler(request, context):\n    return 'v1'\n"
    )
    with polyfaas_run("main.handler", "--reload", cwd=tmp_path) as runner:
        assert requests.get(runner.url, timeout=10).text == "v1"
        time.sleep(1.1)  # past the file-system timestamp resolution
        source.write_text(
            "import polyfaas\n\n@polyfaas.http\ndef handler(request, context):\n    return 'v2'\n"
        )
        deadline = time.monotonic() + 10
        text = ""
        while time.monotonic() < deadline and text != "v2":
            time.sleep(0.2)
            text = requests.get(runner.url, timeout=10).text
        assert runner.wait_for_output("Detected change in main.py")
    assert text == "v2"


def run_cli(
    *args: str, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polyfaas", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=input,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nonexistent.py:handler"], "no such file"),
        (["run", "nodots"], "must look like"),
        (
            ["run", f"{FUNCTIONS / 'behaviours.py'}:missing"],
            "has no 'missing'; callables it defines: ",
        ),
        (["run", "--provider", "nosuchcloud", TARGET], "no provider named 'nosuchcloud'"),
        (["run", "--env", "NOEQUALS", TARGET], "--env takes K=V"),
        (["invoke", "no_such_module:handler"], "no module 'no_such_module'"),
    ],
)
def test_user_mistakes_get_one_clear_line(args, message):
    result = run_cli(*args, cwd=FUNCTIONS)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_port_in_use_gets_one_clear_line():
    with polyfaas_run(TARGET) as runner:
        port = runner.url.rsplit(":", 1)[1]
        result = run_cli("run", "--port", port, TARGET)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback():
    result = run_cli("run", "--debug", "nonexistent.py:handler", cwd=FUNCTIONS)
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_the_runners_provider_setting_never_reaches_an_instance():
    """POLYFAAS_PROVIDER chooses what the runner imitates; the worker process sees what
    that platform sets, so --provider alibaba is decoded as FC even with the variable set."""
    with polyfaas_run(TARGET, "--provider", "alibaba", env={"POLYFAAS_PROVIDER": "yandex"}) as r:
        answer = requests.get(f"{r.url}/", timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["provider"] == "alibaba"


def test_the_access_line_masks_secret_query_values():
    with polyfaas_run(TARGET) as runner:
        answer = requests.get(f"{runner.url}/?token=s3cr3t-value&page=2", timeout=10)
        assert answer.status_code == 200
        deadline = time.monotonic() + 5
        while "GET /?" not in "".join(runner.lines) and time.monotonic() < deadline:
            time.sleep(0.02)
    log = "".join(runner.lines)
    assert "GET /?token=***&page=2 200" in log, log
    assert "s3cr3t-value" not in log
