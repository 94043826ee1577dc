"""Run every benchmark and write ``bench/RESULTS.md``.

    python -m bench [--quick] [--no-install] [--output bench/RESULTS.md] [--render]

The peers (apig-wsgi, Mangum, Powertools, functions-framework, gunicorn), polyfaas's
own dependencies and the profiler are installed from PyPI into the benchmark's own
environment, ``bench/.venv`` (created on first use, never the project's test
environment). polyfaas itself is not installed there: the sections run from this
checkout through ``PYTHONPATH`` (an editable install's import hook would cost every
process of the environment ~20 ms at start-up, peers and baselines included), each
in its own process, one after the other:

1. cold start (``bench.coldstart``), 2. per-call overhead and 3. the 1 MiB body
(``bench.percall``), instruction counts of the per-call cases and the cold starts
(``bench.icount``, callgrind, when valgrind is on PATH), a profile of the per-call
cases (``bench.profile``), and last 4. runner throughput and 5. ``polyfaas serve``
under gunicorn (``bench.runner``).

The run ends by printing the budget table (issue 15, DESIGN §5): every figure next to
its goal, with the command that measured it; a figure that could not be measured says
why ("not measured: …"), never a silent gap.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
PEERS = [
    "attrs",
    "h11",
    "flask",
    "fastapi",
    "apig-wsgi",
    "mangum",
    "aws-lambda-powertools",
    "functions-framework",
    "gunicorn",
    "werkzeug",
    "pyinstrument",
    "orjson",  # the polyfaas[fast] extra, for the FC row's second figure
]


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment() -> Path:
    """``bench/.venv`` with polyfaas (editable) and the peers; its python."""
    python = venv_python()
    if not python.exists():
        print(f"creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    marker = VENV / ".polyfaas-bench"
    wanted = " ".join(PEERS)
    if not marker.exists() or marker.read_text() != wanted:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
        marker.write_text(wanted)
    return python


def run_section(python: str, module: str, *args: str) -> Any:
    command = [python, "-m", module, *args]
    print("$", " ".join(["python", "-m", module, *args]), file=sys.stderr, flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYFAAS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "adapters")])
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def machine() -> list[str]:
    models: dict[str, int] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.partition(":")[2].strip()
                models[name] = models.get(name, 0) + 1
    except OSError:
        pass
    nproc = shutil.which("nproc")
    cores = (
        subprocess.run([nproc], capture_output=True, text=True, check=False).stdout.strip()
        if nproc
        else str(os.cpu_count())
    )
    python = subprocess.run(
        [str(venv_python()), "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    cpu = ", ".join(f"{count} x {name}" for name, count in models.items()) or platform.processor()
    return [
        f"- CPU (/proc/cpuinfo): {cpu}",
        f"- `nproc`: {cores}",
        f"- Python: {python} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}",
        f"- load average when the run started: {load_average()}",
    ]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _icount_ratio(counts: dict[str, Any], name: str, floor: str) -> str:
    """``N k instr = R x`` of two per-call counts (by name prefix), or why not."""
    if "missing" in counts:
        return f"not counted: {counts['missing']}"
    found = {key: value["per_call"] for key, value in counts.get("percall", {}).items()}
    mine = next((v for k, v in found.items() if k.startswith(name)), None)
    base = next((v for k, v in found.items() if k.startswith(floor)), None)
    if mine is None or base is None:
        return "not counted"
    return f"{mine / 1000:.1f}k / {base / 1000:.1f}k instr = {mine / base:.2f}x"


def _instr_ratio(counts: dict[str, Any], name: str, floor: str) -> float | None:
    found = {key: value["per_call"] for key, value in counts.get("percall", {}).items()}
    mine = next((v for k, v in found.items() if k.startswith(name)), None)
    base = next((v for k, v in found.items() if k.startswith(floor)), None)
    return None if mine is None or base is None else mine / base


def both_verdicts(wall: float, instr: float | None, goal: float) -> str:
    """The verdict on the wall-time ratio and, where counted, on the instruction ratio
    (which a shared machine does not move): each can be met while the other is not."""
    if instr is None:
        return verdict(wall <= goal)
    if (wall <= goal) == (instr <= goal):
        return verdict(wall <= goal)
    return f"{verdict(instr <= goal)} in instructions, {verdict(wall <= goal)} in wall time"


def _per_call_rows(
    per: dict[str, Any], missing: dict[str, str], counts: dict[str, Any], percall_cmd: str
) -> list[list[str]]:
    rows: list[list[str]] = []
    for figure, case, floor, goal in (
        (
            "Yandex direct, `@polyfaas.http`, dict in/out ÷ one `json.loads` of the event",
            "yandex, portable handler, dict in/out",
            "json.loads, yandex event",
            0.70,
        ),
        (
            "Yandex gateway, same ÷ `json.loads`",
            "yandex-gateway, portable handler, dict in/out",
            "json.loads, yandex-gateway event",
            0.80,
        ),
        (
            "FC HTTP trigger, bytes in (parse included) ÷ `json.loads`",
            "alibaba, portable handler, bytes in",
            "json.loads, FC HTTP-trigger event",
            1.60,
        ),
        (
            "FC HTTP trigger, same, with the `polyfaas[fast]` extra (orjson) ÷ `json.loads`",
            "alibaba, portable handler, bytes in, with polyfaas[fast]",
            "json.loads, FC HTTP-trigger event",
            1.60,
        ),
    ):
        value = per.get(case)
        if value is None:
            why = missing.get(case, "the case was not built")
            rows.append(
                [figure, f"not measured: {why}", "", f"≤ {goal:.2f}x", "not measured", percall_cmd]
            )
            continue
        rows.append(
            [
                figure,
                f"{value['us']:.1f} µs = {value['ratio']:.2f}x",
                _icount_ratio(counts, case, floor),
                f"≤ {goal:.2f}x",
                both_verdicts(value["ratio"], _instr_ratio(counts, case, floor), goal),
                percall_cmd,
            ]
        )
    return rows


#: (ours, the peer's, the figure): same app, equal event, goal ≤ 1.00x (DESIGN §5, issue 16).
PEER_ROWS = (
    (
        "yandex, Flask app via polyfaas.wsgi, dict in/out",
        "apig-wsgi, Flask app, dict in/out",
        "a Flask app via `polyfaas.wsgi` on the Yandex event ÷ apig-wsgi, same app, AWS v1 event",
    ),
    (
        "yandex, ASGI app via polyfaas.asgi, dict in/out",
        "Mangum, ASGI app, dict in/out",
        "a bare ASGI app via `polyfaas.asgi` on the Yandex event ÷ Mangum, same app, AWS v1 event",
    ),
    (
        "yandex, FastAPI app via polyfaas.asgi, dict in/out",
        "Mangum, FastAPI app, dict in/out",
        "a FastAPI app via `polyfaas.asgi` on the Yandex event ÷ Mangum, same app, AWS v1 event",
    ),
    # On AWS itself (issue 19): the same app, the very event the peer gets.
    (
        "aws-gateway, Flask app via polyfaas.wsgi, v1 event",
        "apig-wsgi, Flask app, dict in/out",
        "AWS: a Flask app via `polyfaas.wsgi` ÷ apig-wsgi, API Gateway REST (v1) event",
    ),
    (
        "aws-http, Flask app via polyfaas.wsgi, v2 event",
        "apig-wsgi, Flask app, v2 event",
        "AWS: a Flask app via `polyfaas.wsgi` ÷ apig-wsgi, HTTP API (v2) event",
    ),
    (
        "aws-gateway, ASGI app via polyfaas.asgi, v1 event",
        "Mangum, ASGI app, dict in/out",
        "AWS: a bare ASGI app via `polyfaas.asgi` ÷ Mangum, API Gateway REST (v1) event",
    ),
    (
        "aws-http, ASGI app via polyfaas.asgi, v2 event",
        "Mangum, ASGI app, v2 event",
        "AWS: a bare ASGI app via `polyfaas.asgi` ÷ Mangum, HTTP API (v2) event",
    ),
    (
        "aws-gateway, FastAPI app via polyfaas.asgi, v1 event",
        "Mangum, FastAPI app, dict in/out",
        "AWS: a FastAPI app via `polyfaas.asgi` ÷ Mangum, API Gateway REST (v1) event",
    ),
)


def _peer_row(
    per: dict[str, Any],
    missing: dict[str, str],
    counts: dict[str, Any],
    command: str,
    mine: str,
    peer: str,
    figure: str,
) -> list[str]:
    if mine not in per or peer not in per:
        why = missing.get(mine) or missing.get(peer) or "a case was not built"
        return [figure, f"not measured: {why}", "", "≤ 1.00x", "not measured", command]
    ratio = per[mine]["us"] / per[peer]["us"]
    return [
        figure,
        f"{per[mine]['us']:.1f} / {per[peer]['us']:.1f} µs = {ratio:.2f}x",
        _icount_ratio(counts, mine, peer),
        "≤ 1.00x",
        both_verdicts(ratio, _instr_ratio(counts, mine, peer), 1.0),
        command,
    ]


#: The FastAPI cold-start row (issue 16, item 6): FastAPI via polyfaas.asgi, against
#: FastAPI's own import plus polyfaas' Yandex runtime path (bare python counted once).
FASTAPI_VIA = "polyfaas, FastAPI app via polyfaas.asgi, yandex (first call)"
FASTAPI_ALONE = "FastAPI app, import only"
YANDEX_FIRST = "polyfaas, yandex (direct, first call)"


def fastapi_cold_ratio(figures: dict[str, float]) -> float:
    """cold(FastAPI via polyfaas) ÷ (cold(FastAPI import) + cold(polyfaas' Yandex first
    call) - cold(bare python)): what the ASGI path adds beyond both, as a ratio."""
    floor = figures[FASTAPI_ALONE] + figures[YANDEX_FIRST] - figures["bare python"]
    return figures[FASTAPI_VIA] / floor


def _fastapi_cold_row(
    cold: dict[str, Any], counts: dict[str, Any], commands: dict[str, str]
) -> list[str]:
    figure = (
        "cold start, FastAPI app's cold start via polyfaas.asgi (first Yandex call) ÷ "
        "FastAPI's import + polyfaas' Yandex runtime path"
    )
    command = commands["coldstart"] + "; " + commands["icount"]
    names = (FASTAPI_VIA, FASTAPI_ALONE, YANDEX_FIRST, "bare python")
    if not all(name in cold for name in names):
        return [figure, "not measured: a case is missing", "", "≤ 1.00x", "not measured", command]
    wall = fastapi_cold_ratio({name: cold[name]["ms"] for name in names})
    cold_counts = counts.get("coldstart", {})
    instr: float | None = None
    if "missing" in counts:
        counted = f"not counted: {counts['missing']}"
    elif all(name in cold_counts for name in names):
        totals = {name: cold_counts[name]["total"] for name in names}
        instr = fastapi_cold_ratio(totals)
        floor = totals[FASTAPI_ALONE] + totals[YANDEX_FIRST] - totals["bare python"]
        counted = f"{totals[FASTAPI_VIA] / 1e6:.1f}M / {floor / 1e6:.1f}M instr = {instr:.2f}x"
    else:
        counted = "not counted"
    floor_ms = cold[FASTAPI_ALONE]["ms"] + cold[YANDEX_FIRST]["ms"] - cold["bare python"]["ms"]
    return [
        figure,
        f"{cold[FASTAPI_VIA]['ms']:.1f} ms / {floor_ms:.1f} ms = {wall:.2f}x",
        counted,
        "≤ 1.00x",
        both_verdicts(wall, instr, 1.00),
        command,
    ]


def budget_rows(results: dict[str, Any], commands: dict[str, str]) -> list[list[str]]:
    """[figure, measured (wall, same run), instruction counts, goal, verdict, command]."""
    calls = results["percall"]
    per, body = calls["percall"], calls["body"]
    missing = calls.get("missing", {})
    counts = results.get("icount", {})
    rows: list[list[str]] = []
    percall_cmd = commands["percall"] + "; " + commands["icount"]
    rows += _per_call_rows(per, missing, counts, percall_cmd)
    for mine, peer, figure in PEER_ROWS:
        rows.append(_peer_row(per, missing, counts, percall_cmd, mine, peer, figure))
    cold = results["coldstart"]["cases"]
    cold_counts = counts.get("coldstart", {})
    for name in (
        "polyfaas, yandex (direct, first call)",
        "polyfaas, yandex-gateway (first call)",
        "polyfaas, alibaba (FC HTTP trigger, first call)",
    ):
        ratio = cold[name]["vs_attrs"]
        if "missing" in counts:
            counted = f"not counted: {counts['missing']}"
        elif name in cold_counts and "import attrs" in cold_counts:
            total, attrs_total = cold_counts[name]["total"], cold_counts["import attrs"]["total"]
            counted = (
                f"{total / 1e6:.1f}M / {attrs_total / 1e6:.1f}M instr = {total / attrs_total:.2f}x"
            )
        else:
            counted = "not counted"
        cold_instr = (
            cold_counts[name]["total"] / cold_counts["import attrs"]["total"]
            if counted[0].isdigit()
            else None
        )
        rows.append(
            [
                f"cold start, {name} ÷ `import attrs` ({results['coldstart'].get('install', '')})",
                f"{cold[name]['ms']:.1f} ms = {ratio:.2f}x",
                counted,
                "≤ 1.10x",
                both_verdicts(ratio, cold_instr, 1.10),
                commands["coldstart"] + "; " + commands["icount"],
            ]
        )
    rows.append(_fastapi_cold_row(cold, counts, commands))
    for name, value in body.items():
        if not name.startswith("floor"):
            rows.append(
                [
                    f"{name} ÷ its base64 floor",
                    f"{value['us'] / 1000:.2f} ms = {value['ratio']:.2f}x",
                    "",
                    "≤ 1.02x",
                    verdict(value["ratio"] <= 1.02),
                    commands["percall"],
                ]
            )
    run = results.get("runner", {})
    servers = run.get("servers", {})
    runner = servers.get("polyfaas run --provider yandex-gateway")
    figure = (
        "`polyfaas run --provider yandex-gateway` req/s ÷ werkzeug serving the app (p99 ≤ 1.5x)"
    )
    if runner is not None and "rps_ratio" in runner:
        ok = runner["rps_ratio"] >= 1.0 and runner["p99_ratio"] <= 1.5
        rows.append(
            [
                figure,
                f"{runner['rps_ratio']:.2f}x req/s, p99 {runner['p99_ratio']:.2f}x",
                "",
                "≥ 1.00x, p99 ≤ 1.5x",
                verdict(ok),
                commands["runner"],
            ]
        )
    else:
        why = run.get("failed", "the runner section did not measure it")
        rows.append(
            [figure, f"not measured: {why}", "", "≥ 1.00x", "not measured", commands["runner"]]
        )
    serve = servers.get("polyfaas serve --provider alibaba-custom (gunicorn)")
    figure = "`polyfaas serve --provider alibaba-custom` under gunicorn ÷ gunicorn, bare app"
    if serve is not None and "rps_ratio" in serve:
        rows.append(
            [
                figure,
                f"{serve['rps_ratio']:.2f}x req/s, p99 {serve['p99_ratio']:.2f}x",
                "",
                "≥ 0.80x",
                verdict(serve["rps_ratio"] >= 0.8),
                commands["runner"],
            ]
        )
    else:
        why = run.get("failed") or "gunicorn is not installed in the bench environment"
        rows.append(
            [figure, f"not measured: {why}", "", "≥ 0.80x", "not measured", commands["runner"]]
        )
    return rows


def budget_table(rows: list[list[str]]) -> list[str]:
    lines = [
        "| figure | measured (wall, same run) | instructions (callgrind) | goal | | command |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join([*row[:5], f"`{row[5]}`"]) + " |" for row in rows]
    return lines


def write_results(
    results: dict[str, Any],
    commands: list[str],
    output: Path,
    section_commands: dict[str, str],
) -> None:
    cold, calls, run = results["coldstart"], results["percall"], results.get("runner", {})
    lines = [
        "# polyfaas benchmarks",
        "",
        f"Generated by `python -m bench` on {results['meta']['time']}.",
        "Figures are medians; ratios are taken within the same run. The machine is shared:",
        "other engineers' test runs compete for its 2 cores, so each figure is a median",
        "of many interleaved rounds and single figures can still move by ±15%.",
        "",
        "## Machine",
        "",
        *results["meta"]["machine"],
        f"- load average when the run ended: {results['meta']['load_end']}",
        "",
        "## Commands",
        "",
        "```",
        *commands,
        "```",
        "",
        "## Budgets (issue 15, DESIGN §5)",
        "",
        *budget_table(budget_rows(results, section_commands)),
    ]
    cases = cold["cases"]
    per = calls["percall"]
    lines += [
        "",
        "## 1. Cold start",
        "",
        f"A fresh `python -c` process, {cold['runs']} runs per case, interleaved; median wall",
        "time of the whole process. The polyfaas cases run the runtime path: `import polyfaas`,",
        "one `@polyfaas.http` handler, and its first call with the platform's native",
        "arguments (the context is a stand-in object of the platform's shape, not polyfaas's",
        "own class). `imports` is the sum of `-X importtime`'s top-level cumulative times.",
        "",
        "| case | wall (median) | x `import attrs` | imports |",
        "|---|---|---|---|",
    ]
    for name, value in cases.items():
        lines.append(
            f"| {name} | {value['ms']:.1f} ms | {value['vs_attrs']:.2f}x | "
            f"{value['import_ms']:.1f} ms |"
        )
    for name, rows in cold["importtime"].items():
        lines += ["", f"`-X importtime`, {name}: costliest modules by self time (µs)", ""]
        lines += ["| module | self | cumulative |", "|---|---|---|"]
        lines += [f"| {module} | {own} | {total} |" for module, own, total in rows]
    lines += [
        "",
        "## 2. Per-call overhead",
        "",
        "The same ~3 KB request (a JSON POST, 24 headers, 3 query parameters, ~1 KB body;",
        "`bench/events.py`) as each platform delivers it: the whole native call into the",
        "deployed entry (detection, decode, a handler that reads one header and returns a",
        "`Response`, encode), timeit-style, the cases interleaved in each round. The",
        "instance's environment variables are set as the platform sets them. The floor is",
        "one `json.loads` of the same event's JSON text.",
        "",
        "| case | per call (median) | x its floor |",
        "|---|---|---|",
    ]
    for name, value in per.items():
        lines.append(f"| {name} | {value['us']:.1f} µs | {value['ratio']:.2f}x |")
    lines += [
        "",
        "## 3. A 1 MiB binary body round trip",
        "",
        "1 MiB of random bytes (`application/octet-stream`) in, the same bytes back: base64",
        "both ways. Floors: `b64decode` + `b64encode` (dict in), plus the `json.loads` of",
        "the event for FC's bytes in.",
        "",
        "| case | per call (median) | x its floor |",
        "|---|---|---|",
    ]
    for name, value in calls["body"].items():
        lines.append(f"| {name} | {value['us'] / 1000:.2f} ms | {value['ratio']:.2f}x |")
    counts = results.get("icount", {})
    lines += ["", "## Instruction counts (callgrind)", ""]
    if "missing" in counts:
        lines.append(f"Not counted: {counts['missing']}.")
    else:
        lines += [
            "Per call: the difference of two processes' totals (every case built; then this",
            "case called N times, or not at all) divided by N. Cold start: the whole process.",
            "",
            "| case | instructions |",
            "|---|---|",
        ]
        for name, value in counts.get("percall", {}).items():
            lines.append(f"| {name} | {value['per_call'] / 1000:.1f}k per call |")
        for name, value in counts.get("coldstart", {}).items():
            lines.append(f"| cold start, {name} | {value['total'] / 1e6:.1f}M |")
    if "failed" in run or "servers" not in run:
        lines += ["", "## 4. and 5. Runner and serve", "", f"Not measured: {run.get('failed')}"]
    else:
        client = run["client"]
        lines += [
            "",
            "## 4. Runner throughput and 5. `polyfaas serve` under gunicorn",
            "",
            f"Client: {'wrk (2 threads)' if client == 'wrk' else 'the bounded Python client'}, "
            f"{run['threads']} keep-alive connections, every server on 127.0.0.1, one at a time,",
            "serving `bench/hello.py` (a fixed JSON answer; the same app as bare WSGI for",
            "werkzeug and gunicorn, as a Flask view for functions-framework). werkzeug's",
            "server (the runner's too) sends `Connection: close` on every answer, so each",
            "request pays a new connection and a new thread there. Ratios are to",
            "werkzeug serving the app directly (section 4) and to gunicorn (gthread, 1 worker,",
            "8 threads) serving the bare app (section 5).",
            "",
            "| server | req/s | p50 | p99 | req/s ratio | p99 ratio |",
            "|---|---|---|---|---|---|",
        ]
        for name, value in run["servers"].items():
            lines.append(
                f"| {name} | {value['rps']:.0f} | {value['p50_ms']:.2f} ms | "
                f"{value['p99_ms']:.2f} ms | {value.get('rps_ratio', 0):.2f}x | "
                f"{value.get('p99_ratio', 0):.2f}x |"
            )
    lines += [
        "",
        "## Profiles of the per-call cases (pyinstrument, flat, self time)",
        "",
    ]
    for name, rows in results["profile"].items():
        lines += [f"{name}:", "", "```", *rows, "```", ""]
    notes = HERE / "NOTES.md"
    if notes.exists():  # what was changed for speed, and why the misses remain
        lines += ["", notes.read_text().strip()]
    output.write_text("\n".join(lines).rstrip() + "\n")


def regular_install(python: str) -> tuple[str | None, str]:
    """polyfaas installed as a user's deployment has it (a wheel's files, no editable
    hook) into ``bench/.venv/polyfaas-site``, for the cold start; its folder and how."""
    site = VENV / "polyfaas-site"
    shutil.rmtree(site, ignore_errors=True)
    done = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return None, "from the checkout: the regular install failed: " + done.stderr[-200:]
    return str(site), "regular install, not editable"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke test")
    parser.add_argument(
        "--no-install", action="store_true", help="use this interpreter as it is (no bench/.venv)"
    )
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--render",
        action="store_true",
        help="only write RESULTS.md again from the last run's bench/results.json",
    )
    args = parser.parse_args()
    raw = HERE / "results.json"
    if args.render:
        saved = json.loads(raw.read_text())
        write_results(saved["results"], saved["commands"], args.output, saved["sections"])
        print("\n".join(budget_table(budget_rows(saved["results"], saved["sections"]))))
        return
    python = sys.executable if args.no_install else str(ensure_environment())
    site, install = (None, "from the checkout") if args.no_install else regular_install(python)
    runs, repeat, seconds, load_s = ("5", "5", "4", "2") if args.quick else ("30", "15", "20", "5")
    site_args = ("--site", site) if site else ()
    icount: tuple[str, ...] = ("--calls", "200", *site_args)
    if args.quick:
        icount = ("--calls", "20", *site_args, "--case", "json.loads, yandex event")
        icount += ("--case", "yandex, portable", "--no-coldstart")
    # The runner's rows last: they load the machine most, and the runner changes most.
    sections = {
        "coldstart": ("bench.coldstart", "--runs", runs, *site_args),
        "percall": ("bench.percall", "--repeat", repeat, "--seconds", seconds),
        "icount": ("bench.icount", *icount),
        "profile": ("bench.profile", "--seconds", "2"),
        "runner": ("bench.runner", "--json", "--seconds", load_s),
    }
    meta: dict[str, Any] = {
        "time": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
    }
    results: dict[str, Any] = {}
    for name, section in sections.items():
        try:
            results[name] = run_section(python, *section)
        except subprocess.CalledProcessError as exc:
            if name != "runner":
                raise
            tail = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            results[name] = {"failed": f"{' '.join(section)} failed: {tail[0][:200]}"}
    results["coldstart"]["install"] = install
    meta["load_end"] = load_average()
    results["meta"] = meta
    section_commands = {
        name: "python -m " + shlex.join(part.replace(str(ROOT) + "/", "") for part in section)
        for name, section in sections.items()
    }
    commands = ["python -m bench" + (" --quick" if args.quick else "")]
    commands += list(section_commands.values())
    raw.write_text(
        json.dumps(
            {"results": results, "commands": commands, "sections": section_commands}, indent=1
        )
        + "\n"
    )
    write_results(results, commands, args.output, section_commands)
    print("\n".join(budget_table(budget_rows(results, section_commands))))
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
