"""Call an external command (FC's Python handler example 3), portable.

The seed runs ``ls -l`` in the working directory and returns its ``bytes``. Two
changes make it portable: the command runs in the code folder (FC starts functions in
``/code``, Yandex in ``/function/code``; neither promises the working directory), and
the result is ``str`` (Yandex serialises a handler's value as JSON, and ``bytes`` are
not JSON).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import polyfaas

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())

CODE = Path(__file__).resolve().parent


@polyfaas.event
def handler(event: polyfaas.Event, context: polyfaas.Context) -> str:
    # LC_ALL=C: the same listing order whatever locale the platform's image sets.
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.check_output(["ls", "-l"], cwd=CODE, env=env, text=True, timeout=10)
