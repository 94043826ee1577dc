"""``polyfaas invoke``, ``events`` and ``providers`` as a user types them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from polyfaas.cli import read_env_file
from polyfaas.errors import PolyfaasError

FUNCTIONS = Path(__file__).parent / "functions"
EVENT_TARGET = f"{FUNCTIONS / 'behaviours.py'}:on_event"


def polyfaas(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polyfaas", *args],
        capture_output=True,
        text=True,
        input=input,
        timeout=60,
        check=False,
    )


def test_invoke_with_inline_data_prints_the_body():
    result = polyfaas("invoke", EVENT_TARGET, "--data", '{"key": "value"}')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"type": "polyfaas.direct", "data": {"key": "value"}}


def test_invoke_with_event_file(tmp_path):
    event = tmp_path / "event.json"
    event.write_text('"from a file"')
    result = polyfaas("invoke", EVENT_TARGET, "--event", str(event))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"] == "from a file"


def test_invoke_from_stdin():
    result = polyfaas("invoke", EVENT_TARGET, "-", input="[1, 2]")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"] == [1, 2]


def test_invoke_error_goes_to_stderr_with_nonzero_exit():
    result = polyfaas("invoke", EVENT_TARGET, "--data", '"fail"')
    assert result.returncode == 1
    assert result.stdout == ""
    assert "ValueError" in result.stderr
    assert "event failed on purpose" in result.stderr


def test_invoke_missing_event_file():
    result = polyfaas("invoke", EVENT_TARGET, "--event", "/nonexistent/event.json")
    assert result.returncode == 2
    assert "cannot read --event" in result.stderr


def test_events_lists_providers_with_samples():
    result = polyfaas("events")
    assert result.returncode == 0


def test_events_unknown_provider():
    result = polyfaas("events", "nosuchcloud")
    assert result.returncode == 2
    assert "no provider named" in result.stderr


def test_providers_lists_local_first():
    result = polyfaas("providers")
    assert result.stdout.splitlines()[0].startswith("local ")


def test_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\n\nA=1\nexport B='two words'\nC=\"x=y\"\n")
    assert read_env_file(env_file) == {"A": "1", "B": "two words", "C": "x=y"}
    env_file.write_text("BROKEN\n")
    with pytest.raises(PolyfaasError, match=r"\.env:1: expected K=V"):
        read_env_file(env_file)


def test_events_lists_every_provider_with_samples():
    listed = {line.split()[0]: line.split()[1:] for line in polyfaas("events").stdout.splitlines()}
    assert {"timer", "oss", "http"} <= set(listed["alibaba"])
    assert "timer" in listed["yandex"]


def test_events_prints_a_sample_that_invoke_takes(tmp_path):
    sample = polyfaas("events", "alibaba", "timer")
    assert sample.returncode == 0
    assert "triggerTime" in json.loads(sample.stdout)
    event_file = tmp_path / "timer.json"
    event_file.write_text(sample.stdout)
    result = polyfaas("invoke", "--provider", "alibaba", EVENT_TARGET, "--event", str(event_file))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["type"] == "polyfaas.timer"
    assert "FC Invoke Start RequestId: " in result.stderr


def test_events_unknown_kind():
    result = polyfaas("events", "alibaba", "nope")
    assert result.returncode == 2
    assert "kinds: " in result.stderr


def test_invoke_error_on_alibaba_names_fcs_error_type():
    result = polyfaas("invoke", "--provider", "alibaba", EVENT_TARGET, "--data", '"fail"')
    assert result.returncode == 1
    assert '"errorType": "ValueError"' in result.stderr
    assert "event failed on purpose" in result.stderr


@pytest.mark.parametrize("provider", ["yandex", "yandex-gateway"])
def test_yandex_triggers_reach_the_function_behind_either_front(provider, tmp_path):
    sample = tmp_path / "timer.json"
    sample.write_text(polyfaas("events", "yandex", "timer").stdout)
    result = polyfaas("invoke", "--provider", provider, EVENT_TARGET, "--event", str(sample))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"type": "polyfaas.timer", "data": "payload-message"}]


@pytest.mark.parametrize("provider", ["local", "alibaba", "alibaba-custom", "yandex"])
def test_invoke_exit_status_reports_a_failed_function(provider):
    result = polyfaas("invoke", "--provider", provider, EVENT_TARGET, "--data", '"fail"')
    assert result.returncode == 1, result.stdout
    assert "event failed on purpose" in result.stderr
    assert result.stdout == ""
