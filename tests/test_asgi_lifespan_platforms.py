"""An ASGI app's lifespan shutdown, and a failing startup, on every platform, through
the real thing: ``polyfaas run`` (worker processes), FC's PreStop hook
(``pre_stop(handler)``), Yandex's graceful-shutdown signal and ``polyfaas serve``. The
app (``tests/apps/lifespan_app.py``) appends ``startup <pid>``/``shutdown <pid>`` to
the file ``$LIFESPAN_LOG`` names."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from polyfaas import providers
from tests.runner_process import free_port, poll, polyfaas_run

APP = str(Path(__file__).parent / "apps" / "lifespan_app.py") + ":handler"
SAMPLES = Path(__file__).parent.parent / "adapters" / "polyfaas_yandex" / "samples"


def _trace(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def _run_once(log: Path, *args: str) -> tuple[list[str], str]:
    """One call through ``polyfaas run ARGS``, the runner then stopped (SIGTERM): the
    lifespan trace (``[what, pid, ...]``) and the answer's pid."""
    with polyfaas_run(APP, "--env", f"LIFESPAN_LOG={log}", *args) as running:
        answer = requests.get(f"{running.url}/", timeout=30)
        assert answer.status_code == 200, answer.text
        pid = str(answer.json()["pid"])
    return _trace(log), pid


@pytest.mark.parametrize("provider", providers.names())
def test_the_runner_stopping_runs_the_shutdown_once(provider: str, tmp_path: Path) -> None:
    trace, pid = _run_once(tmp_path / "log", "--provider", provider)
    assert trace == ["startup", pid, "shutdown", pid]


def test_fc_pre_stop_runs_the_shutdown_as_fcs_hook(tmp_path: Path) -> None:
    log = tmp_path / "log"
    args = ("--env", f"LIFESPAN_LOG={log}", "--provider", "alibaba")
    with polyfaas_run(APP, *args, "--pre-stop", "lifespan_app.preStop") as running:
        pid = str(requests.get(f"{running.url}/", timeout=30).json()["pid"])
        assert _trace(log) == ["startup", pid]
    assert _trace(log) == ["startup", pid, "shutdown", pid]  # once: PreStop, not again
    output = running.output()
    assert output.index("FC PreStop Start") < output.index("FC PreStop End")


@pytest.mark.parametrize(
    ("variable", "shuts_down"),
    [
        ("X_YCF_GRACEFUL_SHUTDOWN_SIGNAL_SIGINT=1", True),
        ("X_YCF_NO_GRACEFUL_SHUTDOWN_SIGNAL=1", False),
    ],
)
def test_yandex_shutdown_follows_the_graceful_signal_setting(
    variable: str, shuts_down: bool, tmp_path: Path
) -> None:
    trace, pid = _run_once(tmp_path / "log", "--provider", "yandex", "--env", variable)
    assert trace == (["startup", pid, "shutdown", pid] if shuts_down else ["startup", pid])


def test_the_yandex_runtime_handles_sigterm_with_the_shutdown(tmp_path: Path) -> None:
    # The cloud side alone, in a process of its own: the first call's startup installs
    # the handler; SIGTERM then runs the shutdown and ends the process as SIGTERM does.
    log = tmp_path / "log"
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(APP.split(':')[0]).parent)!r})\n"
        "import json, time\n"
        "from polyfaas_yandex.emulated.context import YandexContext\n"
        "import lifespan_app\n"
        f"event = json.loads(open({str(SAMPLES / 'http.json')!r}).read())\n"
        "context = YandexContext(function_id='f', version_id='v', folder_id='b',\n"
        "    log_group_id='g', request_id='r', deadline_ms=int(time.time() * 1000) + 9000)\n"
        "print(lifespan_app.handler(event, context)['statusCode'], flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        env={**os.environ, "LIFESPAN_LOG": str(log), "POLYFAAS_PROVIDER": "yandex"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "200"
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == -signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert _trace(log) == ["startup", str(process.pid), "shutdown", str(process.pid)]


@pytest.mark.parametrize(
    ("args", "status", "error_type"),
    [
        (
            ("--provider", "alibaba", "--initializer", "lifespan_app.initialize"),
            200,
            "InitializationError",
        ),
        (("--provider", "alibaba"), 502, "UnhandledInvocationError"),
        (
            ("--provider", "alibaba-custom", "--initializer", "lifespan_app.initialize"),
            200,
            "InitializationError",
        ),
        (("--provider", "yandex"), 502, None),
    ],
)
def test_a_failing_startup_is_the_platforms_failed_initialization(
    args: tuple[str, ...], status: int, error_type: str | None, tmp_path: Path
) -> None:
    log, fail = tmp_path / "log", tmp_path / "fail"
    fail.touch()
    env = ("--env", f"LIFESPAN_LOG={log}", "--env", f"LIFESPAN_FAIL={fail}")
    with polyfaas_run(APP, *env, *args) as running:
        failed = requests.get(f"{running.url}/", timeout=30)
        assert failed.status_code == status
        assert "LifespanError" in failed.text
        assert "no database" in failed.text
        if error_type is not None:
            assert failed.headers["X-Fc-Error-Type"] == error_type
        else:
            assert failed.headers["X-Function-Error"] == "true"
        assert _trace(log) == []
        again = requests.get(f"{running.url}/", timeout=30)  # the startup is tried again
        assert again.status_code == 200
        pid = str(again.json()["pid"])
    assert _trace(log) == ["startup", pid, "shutdown", pid]


@pytest.mark.parametrize("how", ["pre-stop", "sigterm"])
def test_polyfaas_serve_runs_the_shutdown(how: str, tmp_path: Path) -> None:
    log, port = tmp_path / "log", free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "polyfaas", "serve", "--provider", "alibaba-custom", APP],
        env={**os.environ, "LIFESPAN_LOG": str(log), "FC_CUSTOM_LISTEN_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return requests.get(f"{url}/", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        assert poll(up, 30)
        if how == "pre-stop":
            answer = requests.get(url, headers={"x-fc-control-path": "/pre-stop"}, timeout=30)
            assert answer.status_code == 200
            assert _trace(log)[2:3] == ["shutdown"]
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    trace = _trace(log)
    assert trace[0::2] == ["startup", "shutdown"]
