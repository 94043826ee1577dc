"""Yandex's ``?integration=async`` through ``polyfaas run`` in a subprocess: 202 with
an empty body at once, the call made after (fire and forget, its log lines as a
call's); in the test kit, the call made before the 202."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from polyfaas.testing import client
from tests.runner_process import poll, polyfaas_run, written

WAIT_S = 15.0

HANDLERS = '''
import json
import pathlib
import time

FOLDER = pathlib.Path({folder!r})


def waits(event, context):
    """Runs until the test releases it, then writes the event it got."""
    (FOLDER / "started").write_text(context.request_id)
    deadline = time.monotonic() + 20
    while not (FOLDER / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    (FOLDER / "done").write_text(json.dumps(event))
    return {{"statusCode": 200, "body": "finished"}}


def fails(event, context):
    with open(FOLDER / "attempts", "a") as out:
        out.write(context.request_id + "\\n")
    raise RuntimeError("always fails")
'''


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "fn.py").write_text(HANDLERS.format(folder=str(tmp_path)))
    return tmp_path


def test_integration_async_answers_202_before_the_call_ends(code):
    with polyfaas_run(f"{code / 'fn.py'}:waits", "--provider", "yandex") as runner:
        answer = requests.post(f"{runner.url}/?integration=async", json={"job": 1}, timeout=WAIT_S)
        # The handler cannot have finished: it waits for the file the test makes now.
        assert not (code / "done").exists()
        assert answer.status_code == 202
        assert answer.content == b""
        request_id = answer.headers["X-Request-Id"]
        assert poll(written(code / "started"))
        assert (code / "started").read_text() == request_id
        (code / "release").write_text("go")
        assert poll(written(code / "done"))
        assert runner.wait_for_output(f"REPORT RequestID: {request_id}")
        log = runner.output()
    assert (code / "done").read_text() == '{"job": 1}'  # the body as the event, as raw
    assert f"START RequestID: {request_id}" in log
    assert f"END RequestID: {request_id}" in log


def test_a_failed_async_call_is_not_retried(code):
    with polyfaas_run(f"{code / 'fn.py'}:fails", "--provider", "yandex") as runner:
        answer = requests.post(f"{runner.url}/?integration=async", data=b"{}", timeout=WAIT_S)
        assert answer.status_code == 202
        request_id = answer.headers["X-Request-Id"]
        assert runner.wait_for_output(f"REPORT RequestID: {request_id}")
        runner.process.terminate()
        assert runner.process.wait(WAIT_S) == 0
    assert (code / "attempts").read_text().splitlines() == [request_id]


def test_the_test_kit_makes_the_call_before_the_202(code):
    (code / "release").write_text("go")
    with client(f"{code / 'fn.py'}:waits", provider="yandex") as http:
        answer = http.post("/?integration=async", json={"job": 2})
    assert answer.status_code == 202
    assert answer.data == b""
    assert (code / "done").read_text() == '{"job": 2}'
