"""Instructions of each step of one AWS call, polyfaas and apig-wsgi with a bare WSGI app.

    python -m bench.aws_steps [--calls N] [--door v1|v2 ...]

Where a call's cost goes (issue 19: polyfaas's WSGI path next to apig-wsgi's on the same
API Gateway event): the runtime half's ``decode`` (the canonical ``Request`` and the
lazy context), ``environ_from_request``, ``run_wsgi_app`` (the environ, the app and its
answer), ``decode_for_wsgi`` (what a WSGI entry calls: the lazy ``Request``), the
environ of that decode built straight from the event (``direct environ``, the decode
included), the runtime half's ``encode``, the whole ``polyfaas.wsgi`` call and the whole
apig-wsgi call. Each step runs ``N`` times in a process of its own under callgrind,
minus a process that builds the same and runs it no time (``bench.icount``'s method).
The steps after ``decode`` reuse one decoded request, whose lazy views are decoded
already: on v1 the whole call therefore costs more than its steps' sum (the
``headers``/``multiValueHeaders`` couple read into pairs). Prints one JSON object.

    python -m bench.aws_steps --cache [--calls N] [--door v1|v2 ...]

The two whole calls (polyfaas's and apig-wsgi's) under cachegrind's cache and branch
simulation instead, each event a call: instructions (``Ir``), first-level instruction
and data read misses (``I1mr``, ``D1mr``), conditional and indirect branches
mispredicted (``Bcm``, ``Bim``). Where the wall-time ratio of two calls is above their
instruction ratio, these tell why (a simulated machine's caches, not this one's).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.icount import ROOT, environment, instructions, valgrind

#: Run by each counted process: build every step on the door's event, run one N times.
CALLER = """
import gc, sys
import apig_wsgi
import polyfaas
from bench import events
from polyfaas.wsgi_bridge import environ_from_request, run_wsgi_app
from polyfaas_aws.function import gateway_runtime, http_runtime
door, step, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
event = events.aws_v1_event() if door == "v1" else events.aws_v2_event()
runtime = gateway_runtime if door == "v1" else http_runtime
context = events.LambdaContext()
entry = polyfaas.wsgi(events.wsgi_app)
entry(event, context)
apig = apig_wsgi.make_lambda_handler(events.wsgi_app)
apig(event, context)
invocation = runtime.decode((event, context), {})
request = invocation.payload
response = run_wsgi_app(events.wsgi_app, environ_from_request(request, invocation.context))
def direct_environ(lazy):
    return environ_from_request(lazy.payload, lazy.context)
steps = {
    "decode": lambda: runtime.decode((event, context), {}),
    "environ": lambda: environ_from_request(request, invocation.context),
    "run_wsgi_app": lambda: run_wsgi_app(
        events.wsgi_app, environ_from_request(request, invocation.context)
    ),
    "decode_for_wsgi": lambda: runtime.decode_for_wsgi((event, context), {}),
    "direct environ": lambda: direct_environ(runtime.decode_for_wsgi((event, context), {})),
    "encode": lambda: runtime.encode(response, invocation),
    "polyfaas call": lambda: entry(event, context),
    "apig-wsgi call": lambda: apig(event, context),
}
run = steps[step]
gc.collect()
gc.freeze()
for _ in range(count):
    run()
"""
STEPS = (
    "decode",
    "environ",
    "run_wsgi_app",
    "decode_for_wsgi",
    "direct environ",
    "encode",
    "polyfaas call",
    "apig-wsgi call",
)


def step_instructions(door: str, step: str, calls: int) -> float:
    """Instructions a call of ``step`` on ``door``'s event."""
    base = instructions(["-c", CALLER, door, step, "0"])
    counted = instructions(["-c", CALLER, door, step, str(calls)])
    return (counted - base) / calls


#: The events cachegrind counts with ``--cache-sim=yes --branch-sim=yes``, as ``--cache``
#: reports them.
CACHE_EVENTS = ("Ir", "I1mr", "D1mr", "Bcm", "Bim")


def cache_events(args: list[str]) -> dict[str, int]:
    """cachegrind's totals (``CACHE_EVENTS``) of ``python *args``."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "cachegrind.out"
        command = [
            valgrind() or "valgrind",
            "--tool=cachegrind",
            "--cache-sim=yes",
            "--branch-sim=yes",
            f"--cachegrind-out-file={out}",
            sys.executable,
            *args,
        ]
        done = subprocess.run(
            command, cwd=ROOT, env=environment(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"cachegrind failed: {done.stderr[-2000:]}")
        names: list[str] = []
        totals: list[int] = []
        for line in out.read_text().splitlines():
            if line.startswith("events:"):
                names = line.split()[1:]
            elif line.startswith("summary:"):
                totals = [int(value) for value in line.split()[1:]]
    found = dict(zip(names, totals))
    return {name: found[name] for name in CACHE_EVENTS}


def call_cache_events(door: str, step: str, calls: int) -> dict[str, float]:
    """``cache_events`` a call of ``step`` on ``door``'s event (``calls`` minus none)."""
    base = cache_events(["-c", CALLER, door, step, "0"])
    counted = cache_events(["-c", CALLER, door, step, str(calls)])
    return {name: round((counted[name] - base[name]) / calls, 1) for name in CACHE_EVENTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--door", action="append", choices=("v1", "v2"))
    parser.add_argument("--cache", action="store_true", help="cache and branch simulation")
    args = parser.parse_args()
    if valgrind() is None:
        print(json.dumps({"missing": "valgrind is not on PATH"}))
        return
    if args.cache:
        figures: dict[str, Any] = {
            door: {
                step: call_cache_events(door, step, args.calls)
                for step in ("polyfaas call", "apig-wsgi call")
            }
            for door in args.door or ["v1", "v2"]
        }
    else:
        figures = {
            door: {step: round(step_instructions(door, step, args.calls)) for step in STEPS}
            for door in args.door or ["v1", "v2"]
        }
    json.dump(figures, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
