"""``polyfaas events yandex [KIND]`` prints the samples; ``polyfaas invoke`` feeds one
to a function as a trigger would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.yandex.yandex_helpers import sample, sample_kinds

SEED = Path(__file__).parent / "functions" / "seed.py"


def polyfaas(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polyfaas", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_events_lists_and_prints_the_samples():
    listed = polyfaas("events", "yandex")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == sample_kinds()
    shown = polyfaas("events", "yandex", "timer")
    assert json.loads(shown.stdout) == sample("timer")
    overview = polyfaas("events")
    assert any(line.startswith("yandex-gateway ") for line in overview.stdout.splitlines())


def test_invoke_with_a_sample_trigger(tmp_path):
    event_file = tmp_path / "storage.json"
    event_file.write_text(json.dumps(sample("storage")))
    result = polyfaas(
        "invoke", "--provider", "yandex", f"{SEED}:on_event_types", "--event", str(event_file)
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "type": "polyfaas.storage.object.created",
            "source": "itis-2022-2023-vvot06-photos",
            "subject": "avatar.jpg",
        }
    ]
