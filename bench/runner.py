"""Runner throughput (section 4) and ``polyfaas serve`` under gunicorn (section 5).

    python -m bench.runner [--provider P] [--requests N] [--threads T] [--seconds S]
                           [--client wrk|python] [--json]

Every server runs in this one run, one after the other, on 127.0.0.1, loaded by the
same client: wrk (Debian's package) when it is on PATH, for ``--seconds`` with
``--threads`` keep-alive connections; otherwise a bounded Python client (``--requests``
GETs over ``--threads`` keep-alive connections). Prints requests per second and
p50/p99 latency, and the ratios; ``--json`` prints one JSON object instead.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@contextmanager
def server(command: list[str], port: int) -> Iterator[None]:
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ}
    )
    try:
        wait_listening(port)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def load(port: int, requests: int, threads: int) -> tuple[float, list[float]]:
    """``requests`` GETs from ``threads`` keep-alive clients: (seconds, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = requests // threads

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_thread):
            started = time.perf_counter()
            connection.request("GET", "/hello?name=bench")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started, latencies


def load_wrk(port: int, seconds: float, connections: int) -> dict[str, float]:
    """wrk for ``seconds`` over ``connections`` keep-alive connections (2 threads)."""
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            f"http://127.0.0.1:{port}/hello?name=bench",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    text = done.stdout
    if "Non-2xx" in text or "Socket errors" in text:
        raise RuntimeError(f"wrk saw errors:\n{text}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1])  # type: ignore[index]
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", text, re.M))
    return {"rps": rps, "p50_ms": _ms(latency["50"]), "p99_ms": _ms(latency["99"])}


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def measure(
    name: str,
    command: list[str],
    port: int,
    args: argparse.Namespace,
) -> dict[str, float]:
    with server(command, port):
        if args.client == "wrk":
            load_wrk(port, 1, args.threads)  # warm-up
            result = load_wrk(port, args.seconds, args.threads)
        else:
            load(port, min(200, args.requests), args.threads)  # warm-up
            seconds, latencies = load(port, args.requests, args.threads)
            latencies.sort()
            result = {
                "rps": len(latencies) / seconds,
                "p50_ms": statistics.median(latencies) * 1000,
                "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            }
    if not args.json:
        print(
            f"{name:<44} {result['rps']:8.0f} req/s   "
            f"p50 {result['p50_ms']:6.2f} ms   p99 {result['p99_ms']:6.2f} ms"
        )
    return result


def servers(providers: list[str], instances: int) -> dict[str, tuple[str, list[str]]]:
    """name → (group, command), the command with ``{port}`` to fill in."""
    python = sys.executable
    found: dict[str, tuple[str, list[str]]] = {
        "werkzeug serving the app directly": (
            "runner",
            [
                python,
                "-c",
                "from werkzeug.serving import run_simple; from bench.hello import app; "
                "run_simple('127.0.0.1', {port}, app, threaded=True)",
            ],
        ),
    }
    for provider in providers:
        found[f"polyfaas run --provider {provider}"] = (
            "runner",
            [
                python,
                "-m",
                "polyfaas",
                "run",
                "--provider",
                provider,
                "--port",
                "{port}",
                "--instances",
                str(instances),
                "bench/hello.py:handler",
            ],
        )
    if shutil.which("functions-framework", path=os.path.dirname(python)):
        found["functions-framework (its own server)"] = (
            "runner",
            [
                os.path.join(os.path.dirname(python), "functions-framework"),
                "--target",
                "ff_handler",
                "--source",
                str(HERE / "hello.py"),
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
            ],
        )
    if _has("gunicorn"):
        gunicorn = [python, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "8"]
        found["gunicorn serving the bare WSGI app"] = (
            "serve",
            [*gunicorn, "--keep-alive", "600", "-b", "127.0.0.1:{port}", "bench.hello:app"],
        )
        found["polyfaas serve --provider alibaba-custom (gunicorn)"] = (
            "serve",
            [
                python,
                "-m",
                "polyfaas",
                "serve",
                "--provider",
                "alibaba-custom",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                "bench/hello.py:handler",
            ],
        )
    return found


def _has(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--provider",
        action="append",
        help="a provider for polyfaas run (repeatable; default yandex-gateway and alibaba)",
    )
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument(
        "--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.json:
        print(f"client {args.client}, {args.threads} keep-alive connections, {os.cpu_count()} CPUs")
    results: dict[str, dict[str, float]] = {}
    groups: dict[str, str] = {}
    for name, (group, command) in servers(
        args.provider or ["yandex-gateway", "alibaba"], args.instances
    ).items():
        port = free_port()
        filled = [part.replace("{port}", str(port)) for part in command]
        results[name] = measure(name, filled, port, args)
        groups[name] = group
    baselines = {
        "runner": "werkzeug serving the app directly",
        "serve": "gunicorn serving the bare WSGI app",
    }
    for name, result in results.items():
        base = results.get(baselines[groups[name]])
        if base is not None:
            result["rps_ratio"] = result["rps"] / base["rps"]
            result["p50_ratio"] = result["p50_ms"] / base["p50_ms"]
            result["p99_ratio"] = result["p99_ms"] / base["p99_ms"]
            result["group"] = groups[name]  # type: ignore[assignment]
    if args.json:
        json.dump({"client": args.client, "threads": args.threads, "servers": results}, sys.stdout)
        print()
        return
    for name, result in results.items():
        if "rps_ratio" in result:
            print(
                f"{name:<44} throughput {result['rps_ratio']:.2f}x, "
                f"p50 {result['p50_ratio']:.2f}x, p99 {result['p99_ratio']:.2f}x"
            )


if __name__ == "__main__":
    main()
