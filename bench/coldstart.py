"""Cold start (section 1): process wall time of a fresh interpreter that imports a
library and serves its first call, against bare python and ``import attrs``.

    python -m bench.coldstart [--runs N]

Each case is a ``python -c`` script run ``runs`` times, the cases interleaved; the
figure is the median wall time of the whole process. ``-X importtime`` of the
polyfaas cases gives the modules that cost most. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import py_compile
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import events

ROOT = Path(__file__).resolve().parent.parent

# What the platforms' own runtimes pass as ``context`` (their classes, not polyfaas's).
FC_CONTEXT = """
class _Meta:
    def __init__(self, **kw): self.__dict__.update(kw)
fc_context = _Meta(request_id="1-64f6cd87-127fbe39cd7681596e33ebad", account_id="1234",
    region="cn-hangzhou", credentials=_Meta(access_key_id="", access_key_secret="",
    security_token=""), function=_Meta(name="fn", handler="index.handler", memory=128,
    timeout=3), service=_Meta(name="", log_project="", log_store="", qualifier="LATEST",
    version_id="1"))
"""
YANDEX_CONTEXT = """
class _Context:
    function_name = "d4e0123456789abcdefg"
    function_version = "d4e0123456789abcdefh"
    function_folder_id = "b1g0123456789abcdefg"
    invoked_function_arn = "d4e0123456789abcdefg"
    memory_limit_in_mb = 128
    request_id = "6e8356f9-489b-4c7b-8ba6-c8cd74f25455"
    deadline_ms = 4102444800000
    log_group_name = "ckg0123456789abcdefg"
    log_stream_name = "stream"
    token = None
    def get_remaining_time_in_millis(self): return 3000
yandex_context = _Context()
"""
PORTABLE = """
import polyfaas

@polyfaas.http
def handler(request, context):
    return {"ok": True, "path": request.path}
"""
#: A small FastAPI app (a catch-all, as a direct Yandex call has no path, and one
#: more route), for FastAPI's own cold start and for its first call via polyfaas.asgi.
FASTAPI_APP = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/health")
async def health():
    return {"ok": True}

@app.api_route("/{rest:path}", methods=["GET", "POST"])
async def checkout(rest: str):
    return {"ok": True, "path": rest}
"""
WSGI_APP = """
def app(environ, start_response):
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"ok":true}']
"""

#: The module that holds every case's input (the events and the stand-in contexts).
#: Compiling a ~4 KB event literal in the ``-c`` script cost ~4M instructions of the
#: measured process, which is the harness and not the library; as a module compiled to
#: ``.pyc`` beforehand (``inputs_folder``) it is loaded, not compiled. Every case but
#: bare python imports it, ``import attrs`` included, so the ratios stay like for like.
INPUTS = "polyfaas_coldstart_inputs"
LOAD = f"from {INPUTS} import *\n"


#: The cold start is a default install's: the ``polyfaas[fast]`` extra's orjson, which
#: the bench environment has for the per-call rows, is made unimportable (FC imports it
#: at its first event when installed: ~11M instructions more, uuid and datetime with it).
DEFAULT_INSTALL = 'import sys\nsys.modules["orjson"] = None\n'


def inputs_source() -> str:
    return DEFAULT_INSTALL + (
        f"fc_event = {events.native_call('alibaba').args[0]!r}\n"
        f"yandex_gateway_event = {events.native_call('yandex-gateway').args[0]!r}\n"
        f"yandex_event = {events.native_call('yandex').args[0]!r}\n"
        f"aws_event = {events.aws_v1_event()!r}\n" + FC_CONTEXT + YANDEX_CONTEXT
    )


def inputs_folder() -> str:
    """A folder holding ``INPUTS`` and its ``.pyc`` (named by the content's hash)."""
    source = inputs_source()
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"polyfaas-coldstart-{digest}"
    module = folder / f"{INPUTS}.py"
    if not module.exists():
        folder.mkdir(exist_ok=True)
        partial = folder / f"{INPUTS}.{os.getpid()}.tmp"
        partial.write_text(source)
        partial.replace(module)
    # Compiled here: the measured processes may not write bytecode.
    py_compile.compile(str(module), cfile=importlib.util.cache_from_source(str(module)))
    return str(folder)


def cases() -> dict[str, str]:
    return {
        "bare python": "pass",
        "import attrs": LOAD + "import attrs",
        "polyfaas, alibaba (FC HTTP trigger, first call)": LOAD
        + PORTABLE
        + "result = handler(fc_event, fc_context)\nassert result['statusCode'] == 200\n",
        "polyfaas, yandex (direct, first call)": LOAD
        + PORTABLE
        + "result = handler(yandex_event, yandex_context)\n"
        + "assert result['statusCode'] == 200\n",
        "polyfaas, yandex-gateway (first call)": LOAD
        + PORTABLE
        + "result = handler(yandex_gateway_event, yandex_context)\n"
        + "assert result['statusCode'] == 200\n",
        "FastAPI app, import only": LOAD + FASTAPI_APP,
        "polyfaas, FastAPI app via polyfaas.asgi, yandex (first call)": LOAD
        + FASTAPI_APP
        + "import polyfaas\nhandler = polyfaas.asgi(app)\n"
        + "result = handler(yandex_event, yandex_context)\n"
        + "assert result['statusCode'] == 200, result\n",
        "apig-wsgi (first call)": LOAD
        + WSGI_APP
        + "from apig_wsgi import make_lambda_handler\n"
        + "handler = make_lambda_handler(app)\n"
        + "result = handler(aws_event, None)\nassert result['statusCode'] == 200\n",
        "Mangum (first call)": LOAD
        + "from mangum import Mangum\n"
        + "async def app(scope, receive, send):\n"
        + "    await receive()\n"
        + "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
        + "    await send({'type': 'http.response.body', 'body': b'{}'})\n"
        + "handler = Mangum(app, lifespan='off')\n"
        + "class C:\n    aws_request_id = 'x'\n"
        + "result = handler(aws_event, C())\nassert result['statusCode'] == 200\n",
        "Powertools APIGatewayRestResolver (first call)": LOAD + "from aws_lambda_powertools"
        ".event_handler import APIGatewayRestResolver\n"
        + "app = APIGatewayRestResolver()\n"
        + f"@app.post({events.PATH!r})\n"
        + "def checkout():\n    return {'ok': True}\n"
        + "result = app.resolve(aws_event, None)\nassert result['statusCode'] == 200\n",
        "functions-framework (create_app + first call)": LOAD
        + "import functions_framework\n"
        + "from functions_framework import create_app\n"
        + "app = create_app('handler', {source!r}, 'http')\n"
        + f"response = app.test_client().post({events.PATH!r}, data=b'{{}}')\n"
        + "assert response.status_code == 200\n",
    }


FF_SOURCE = """import functions_framework

@functions_framework.http
def handler(request):
    return {"ok": True}
"""


def environment(site: str | None) -> dict[str, str]:
    """The scripts' variables: polyfaas from ``site`` (a regular install), else the
    checkout through ``PYTHONPATH`` (no editable-install hook either way), and the
    cases' inputs (``INPUTS``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLYFAAS_", "PYTHON"))}
    # The inputs' folder last, so that it is not searched before the library's own.
    env["PYTHONPATH"] = (
        os.pathsep.join([site] if site else [str(ROOT), str(ROOT / "adapters")])
        + os.pathsep
        + inputs_folder()
    )
    return env


def run_once(
    script: str, env: dict[str, str], importtime: bool = False, cwd: str = str(ROOT)
) -> tuple[float, str]:
    """One process; ``cwd`` is the checkout, or with ``--site`` a folder with nothing in it."""
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", script]
    started = time.perf_counter()
    done = subprocess.run(command, check=False, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold-start script failed:\n{script[:400]}\n{done.stderr[-2000:]}")
    return took, done.stderr


def top_imports(stderr: str, count: int = 12) -> list[tuple[str, int, int]]:
    """``(module, self µs, cumulative µs)`` of the costliest imports, by self time."""
    rows = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(.+)$", line)
        if match:
            rows.append((match[3].strip(), int(match[1]), int(match[2])))
    rows.sort(key=lambda row: -row[1])
    return rows[:count]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--site", help="a folder polyfaas is installed in (pip install --target)")
    args = parser.parse_args()
    env = environment(args.site)
    with tempfile.TemporaryDirectory() as folder:
        cwd = folder if args.site else str(ROOT)
        source = Path(folder) / "main.py"
        source.write_text(FF_SOURCE)
        scripts = {
            name: script.replace("{source!r}", repr(str(source)))
            for name, script in cases().items()
        }
        for script in scripts.values():  # warm the page cache and the .pyc files
            run_once(script, env, cwd=cwd)
        samples: dict[str, list[float]] = {name: [] for name in scripts}
        for _ in range(args.runs):
            for name, script in scripts.items():
                samples[name].append(run_once(script, env, cwd=cwd)[0])
        importtimes = {
            name: top_imports(run_once(script, env, importtime=True, cwd=cwd)[1])
            for name, script in scripts.items()
            if name.startswith("polyfaas")
        }
        totals = {}
        for name, script in scripts.items():  # the median of 5, -X importtime is noisy
            sums = []
            for _ in range(5):
                stderr = run_once(script, env, importtime=True, cwd=cwd)[1]
                sums.append(
                    sum(
                        int(m[1])
                        for m in re.finditer(
                            r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", stderr, re.M
                        )
                    )
                )
            totals[name] = statistics.median(sums)
    attrs_ms = statistics.median(samples["import attrs"]) * 1000
    results: dict[str, Any] = {"runs": args.runs, "cases": {}, "importtime": importtimes}
    for name, values in samples.items():
        median = statistics.median(values) * 1000
        results["cases"][name] = {
            "ms": median,
            "vs_attrs": median / attrs_ms,
            "import_ms": totals[name] / 1000,
        }
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
