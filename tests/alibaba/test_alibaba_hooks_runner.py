"""FC's instance lifecycle hooks for the built-in runtime (``alibaba``) and HTTP
functions (``alibaba-wsgi``): ``--initializer``, ``--pre-freeze`` and ``--pre-stop``
handler strings, called as FC calls them (``hook(context)``, once per instance /
after each call / when the instance goes), between FC's log lines, within their
timeouts; a failed Initializer answers 200 with ``X-Fc-Error-Type:
InitializationError`` and the next call retries it on a new instance. Under ``polyfaas
run`` (real processes on 127.0.0.1) and in the test kit."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest
import requests

from polyfaas.platform import FunctionConfig
from polyfaas.testing import client
from tests.runner_process import polyfaas_run

INVOKE = "/2023-03-30/functions/polyfaas-function/invocations"

HOOKED = """\
import os

import polyfaas

CALLS = []
STATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "state.txt")


def init(context):
    CALLS.append("init:" + context.request_id)
    print("initializing", context.function.name)
    if os.path.exists(STATE + ".fail"):
        os.remove(STATE + ".fail")
        raise RuntimeError("the database is not up yet")


def slow_init(context):
    import time

    time.sleep(30)


def freeze(context):
    CALLS.append("freeze")


def stop(context):
    with open(STATE, "a") as out:
        out.write("stopped " + context.request_id + "\\n")


def handler(event, context):
    CALLS.append("handler:" + context.request_id)
    return {"calls": list(CALLS)}


def wsgi(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [("%s" % CALLS).encode()]
"""

ID = r"1-[0-9a-f]{8}-[0-9a-f]{24}"


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "main.py").write_text(HOOKED)
    return tmp_path


def test_the_initializer_runs_once_per_instance_before_its_first_call(code: Path) -> None:
    with polyfaas_run(
        "main.handler", "--provider", "alibaba", "--initializer", "main.init", cwd=code
    ) as runner:
        first = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        second = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        assert runner.wait_for_output(
            "FC Invoke End RequestId: " + second.headers["X-Fc-Request-Id"]
        )
    calls = second.json()["calls"]
    assert [c.split(":")[0] for c in calls] == ["init", "handler", "handler"]
    init_id = calls[0].split(":")[1]
    assert re.fullmatch(ID, init_id)
    assert init_id != first.headers["X-Fc-Request-Id"]  # a request of its own
    out = runner.output()
    start = out.index(f"FC Initialize Start RequestId: {init_id}")
    assert out.index("initializing polyfaas-function") > start
    end = out.index(f"FC Initialize End RequestId: {init_id}\n")
    assert end < out.index("FC Invoke End RequestId: " + first.headers["X-Fc-Request-Id"])
    assert out.count("FC Initialize Start") == 1


def test_a_failing_initializer_answers_initialization_error_and_is_retried(code: Path) -> None:
    (code / "state.txt.fail").write_text("")
    with polyfaas_run(
        "main.handler", "--provider", "alibaba", "--initializer", "main.init", cwd=code
    ) as runner:
        failed = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        assert failed.status_code == 200
        assert failed.headers["X-Fc-Error-Type"] == "InitializationError"
        document = failed.json()
        assert document["errorMessage"] == "the database is not up yet"
        assert document["errorType"] == "RuntimeError"
        retried = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        assert "X-Fc-Error-Type" not in retried.headers
        # a new instance: the failed one's module state is gone, the initializer ran again
        assert [c.split(":")[0] for c in retried.json()["calls"]] == ["init", "handler"]
        assert runner.wait_for_output(", Error: Unhandled function error")
    assert re.search(
        rf"FC Initialize End RequestId: {ID}, Error: Unhandled function error", runner.output()
    )


def test_an_initializer_that_outlives_its_timeout_fails_the_call(code: Path) -> None:
    with polyfaas_run(
        "main.handler",
        "--provider",
        "alibaba",
        "--initializer",
        "main.slow_init",
        "--initializer-timeout",
        "1",
        cwd=code,
    ) as runner:
        failed = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
    assert failed.status_code == 200
    assert failed.headers["X-Fc-Error-Type"] == "InitializationError"
    assert "1s" in failed.json()["errorMessage"]


def test_pre_freeze_after_each_call_and_pre_stop_when_the_runner_stops(code: Path) -> None:
    with polyfaas_run(
        "main.handler",
        "--provider",
        "alibaba",
        "--pre-freeze",
        "main.freeze",
        "--pre-stop",
        "main.stop",
        cwd=code,
    ) as runner:
        requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        answer = requests.post(runner.url + INVOKE, data=b"{}", timeout=30)
        assert runner.wait_for_output("FC PreFreeze End RequestId: ")
    calls = [c.split(":")[0] for c in answer.json()["calls"]]
    assert calls == ["handler", "freeze", "handler"]
    stopped = (code / "state.txt").read_text().split()
    assert stopped[0] == "stopped"
    assert re.fullmatch(ID, stopped[1])
    out = runner.output()
    assert f"FC PreStop Start RequestId: {stopped[1]}" in out
    assert f"FC PreStop End RequestId: {stopped[1]}" in out


def test_wsgi_functions_get_the_hooks_too(code: Path) -> None:
    with polyfaas_run(
        "main.wsgi", "--provider", "alibaba-wsgi", "--initializer", "main.init", cwd=code
    ) as runner:
        answer = requests.get(runner.url + "/", timeout=30)
    assert answer.status_code == 200
    assert answer.text.startswith("['init:")


def test_the_test_kit_runs_the_hooks_in_process(
    code: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a module name of its own: the test kit imports it into this process
    (code / "fc_hooks_kit.py").write_text(HOOKED)
    (code / "state.txt.fail").write_text("")
    settings = {
        "initializer": "fc_hooks_kit.init",
        "pre-freeze": "fc_hooks_kit.freeze",
        "pre-stop": "fc_hooks_kit.stop",
    }
    config = FunctionConfig(handler="fc_hooks_kit.handler", settings=settings)
    monkeypatch.delitem(sys.modules, "fc_hooks_kit", raising=False)
    target = str(code / "fc_hooks_kit.py") + ":handler"
    with client(target, "alibaba", config=config) as http:
        failed = http.post(INVOKE, data=b"{}")
        assert failed.status_code == 200
        assert failed.headers["X-Fc-Error-Type"] == "InitializationError"
        answer = http.post(INVOKE, data=b"{}")
        calls = [c.split(":")[0] for c in json.loads(answer.data)["calls"]]
        # the failed instance's init is in the module's list; the new instance ran it again
        assert calls == ["init", "init", "handler"]
        assert not (code / "state.txt").exists()
    assert (code / "state.txt").read_text().startswith("stopped 1-")


def test_an_instance_whose_function_left_a_thread_running_still_stops(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "import threading, time\n"
        "def stop(context):\n"
        "    print('pre-stop ran', flush=True)\n"
        "def handler(event, context):\n"
        "    threading.Thread(target=time.sleep, args=(600,)).start()  # not a daemon\n"
        "    return 'ok'\n"
    )
    with polyfaas_run(
        "main.handler", "--provider", "alibaba", "--pre-stop", "main.stop", cwd=tmp_path
    ) as runner:
        assert requests.post(runner.url + INVOKE, data=b"{}", timeout=30).text == "ok"
    assert "pre-stop ran" in runner.output()
    assert runner.process.returncode != -9  # it stopped by itself, not killed after 10 s


def test_pre_stop_runs_when_reload_retires_the_instance(tmp_path: Path) -> None:
    source = tmp_path / "main.py"
    version = "def stop(context):\n    print('pre-stop of', VERSION, flush=True)\n"
    version += "def handler(event, context):\n    return VERSION\n"
    source.write_text("VERSION = 'v1'\n" + version)
    args = ("--provider", "alibaba", "--reload", "--pre-stop", "main.stop")
    with polyfaas_run("main.handler", *args, cwd=tmp_path) as runner:
        assert requests.post(runner.url + INVOKE, data=b"", timeout=30).text == "v1"
        time.sleep(1.1)  # past the file-system timestamp resolution
        source.write_text("VERSION = 'v2'\n" + version)
        # the old instance is retired: its PreStop runs while the runner goes on
        assert runner.wait_for_output("pre-stop of v1")
        assert requests.post(runner.url + INVOKE, data=b"", timeout=30).text == "v2"
        assert "pre-stop of v2" not in runner.output()
    assert re.search(rf"FC PreStop Start RequestId: {ID}\npre-stop of v1\n", runner.output())
