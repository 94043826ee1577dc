"""Instruction counts (callgrind), stable on a shared machine where wall time is not.

    python -m bench.icount [--calls N] [--case NAME ...] [--no-coldstart]
                           [--no-percall] [--cold NAME ...]

Per call: one process under ``valgrind --tool=callgrind`` builds every per-call case
(``bench.percall``: each entry has made its first call already) and stops; one more
process per case builds them the same way and then runs that case ``N`` times. The
figure is the difference of the two processes' totals divided by ``N``. Cold start: the
whole process of each ``bench.coldstart`` script under callgrind. ``PYTHONHASHSEED``
is fixed so that repeated runs count the same, and the set-up's objects are frozen
(``gc.freeze``) so that no collection over them lands in the counted calls; what is
left varies by about ±1M instructions a process (±5k a call at 200 calls). Prints one
JSON object; without valgrind on PATH it says so (``{"missing": ...}``) instead.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

PER_CALL = (
    "json.loads, yandex event",
    "yandex, portable handler, dict in/out",
    "json.loads, yandex-gateway event",
    "yandex-gateway, portable handler, dict in/out",
    "json.loads, FC HTTP-trigger event",
    "alibaba, portable handler, bytes in",
    "alibaba, portable handler, bytes in, with polyfaas[fast]",
    "yandex, wsgi handler, dict in/out",
    "alibaba, wsgi handler, bytes in",
    "yandex, Flask app via polyfaas.wsgi, dict in/out",
    "apig-wsgi, Flask app, dict in/out",
    "yandex, ASGI app via polyfaas.asgi, dict in/out",
    "Mangum, ASGI app, dict in/out",
    "yandex, FastAPI app via polyfaas.asgi, dict in/out",
    "Mangum, FastAPI app, dict in/out",
    "aws-gateway, Flask app via polyfaas.wsgi, v1 event",
    "aws-http, Flask app via polyfaas.wsgi, v2 event",
    "apig-wsgi, Flask app, v2 event",
    "aws-gateway, ASGI app via polyfaas.asgi, v1 event",
    "aws-http, ASGI app via polyfaas.asgi, v2 event",
    "Mangum, ASGI app, v2 event",
    "aws-gateway, FastAPI app via polyfaas.asgi, v1 event",
)
COLD = (
    "bare python",
    "import attrs",
    "polyfaas, yandex (direct, first call)",
    "polyfaas, yandex-gateway (first call)",
    "polyfaas, alibaba (FC HTTP trigger, first call)",
    "FastAPI app, import only",
    "polyfaas, FastAPI app via polyfaas.asgi, yandex (first call)",
)
#: Run by each counted process: build the cases, then call one ``N`` times.
CALLER = """
import gc, sys
from bench.percall import per_call_cases
cases = per_call_cases()
gc.collect()
gc.freeze()  # a collection over the set-up's objects is no call's cost
count, wanted = int(sys.argv[1]), sys.argv[2]
if count:
    case = next(case for name, (case, _) in cases.items() if name.startswith(wanted))
    for _ in range(count):
        case()
"""


def valgrind() -> str | None:
    return shutil.which("valgrind")


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLYFAAS_", "PYTHON"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "adapters")])
    env["PYTHONHASHSEED"] = "0"
    return env


def instructions(args: list[str], env: dict[str, str] | None = None, cwd: str = "") -> int:
    """The total instruction count of ``python *args`` under callgrind."""
    command = [
        valgrind() or "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        *args,
    ]
    done = subprocess.run(
        command,
        cwd=cwd or ROOT,
        env=env or environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"callgrind failed: {' '.join(args)[:200]}\n{done.stderr[-2000:]}")
    return int(match[1])


def per_call(names: list[str], calls: int, site: str | None) -> dict[str, Any]:
    """name → instructions per call (cases that are not built here are left out).

    With ``site`` (a regular install) polyfaas comes from that frozen copy: a source
    file edited in the checkout during the run would make one counted process compile
    its ``.pyc`` (millions of instructions) and not the next."""
    import tempfile

    from bench.percall import per_call_cases

    built = list(per_call_cases())
    env = environment()
    if site:
        env["PYTHONPATH"] = os.pathsep.join([site, str(ROOT)])
    with tempfile.TemporaryDirectory() as folder:
        cwd = folder if site else str(ROOT)  # not the checkout first on sys.path
        # Once outside callgrind first, so that no counted process compiles ``.pyc`` files.
        subprocess.run([sys.executable, "-c", CALLER, "0", ""], cwd=cwd, env=env, check=True)
        # The first counted process still differs (caches filled on first use).
        base = min(instructions(["-c", CALLER, "0", ""], env, cwd) for _ in range(2))
        out: dict[str, Any] = {}
        for wanted in names:
            name = next((name for name in built if name.startswith(wanted)), None)
            if name is None:
                continue
            total = instructions(["-c", CALLER, str(calls), wanted], env, cwd)
            out[name] = {"per_call": (total - base) / calls, "calls": calls}
    return out


def cold_start(names: list[str], site: str | None) -> dict[str, Any]:
    """name → instructions of the whole process (polyfaas from ``site`` when given)."""
    import tempfile

    from bench import coldstart

    scripts = coldstart.cases()
    env = {**coldstart.environment(site), "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as folder:
        cwd = folder if site else str(ROOT)
        for name in names:  # compile the ``.pyc`` files outside callgrind
            subprocess.run([sys.executable, "-c", scripts[name]], cwd=cwd, env=env, check=True)
        instructions(["-c", scripts[names[0]]], env, cwd)  # the first counted process differs
        return {name: {"total": instructions(["-c", scripts[name]], env, cwd)} for name in names}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--case", action="append", help="a per-call case (name prefix)")
    parser.add_argument("--no-coldstart", action="store_true")
    parser.add_argument("--no-percall", action="store_true")
    parser.add_argument("--cold", action="append", help="a cold-start case (name prefix)")
    parser.add_argument("--site", help="cold start: a folder polyfaas is installed in")
    args = parser.parse_args()
    if valgrind() is None:
        json.dump({"missing": "valgrind is not on PATH (apt-get install valgrind)"}, sys.stdout)
        print()
        return
    cold = [name for name in COLD if not args.cold or name.startswith(tuple(args.cold))]
    out: dict[str, Any] = {
        "tool": "valgrind --tool=callgrind",
        "percall": {}
        if args.no_percall
        else per_call(args.case or list(PER_CALL), args.calls, args.site),
        "coldstart": {} if args.no_coldstart else cold_start(cold, args.site),
    }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
