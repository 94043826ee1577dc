"""Where the per-call time goes: pyinstrument (from the bench environment) over the
per-call cases, flat, by self time.

    python -m bench.profile [CASE ...] [--seconds S] [--top N]

Prints one JSON object: case → the top lines of pyinstrument's flat report.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time

from bench import percall

DEFAULT_CASES = (
    "yandex, portable handler, dict in/out",
    "yandex-gateway, portable handler, dict in/out",
    "alibaba, portable handler, bytes in",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*", default=list(DEFAULT_CASES))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    pyinstrument = importlib.import_module("pyinstrument")
    renderers = importlib.import_module("pyinstrument.renderers")
    cases = percall.per_call_cases()
    report = {}
    for name in args.cases:
        case = cases[name][0]
        profiler = pyinstrument.Profiler(interval=0.0001)
        profiler.start()
        deadline = time.perf_counter() + args.seconds
        while time.perf_counter() < deadline:
            for _ in range(100):
                case()
        profiler.stop()
        text = profiler.output(renderers.ConsoleRenderer(flat=True, time="percent_of_total"))
        lines = [
            line.rstrip() for line in text.splitlines() if "%" in line and "bench/" not in line
        ]
        report[name] = lines[: args.top]
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
