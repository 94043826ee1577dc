"""Runner throughput: ``polyfaas run`` against werkzeug serving the same app directly.

    python -m bench.runner [--provider P] [--requests N] [--threads T]

Both servers run side by side in this one run, on 127.0.0.1, loaded by the same
bounded Python client (keep-alive connections, one per thread). Prints requests per
second and p50/p99 latency, and the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import os
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


def measure(
    name: str, command: list[str], port: int, requests: int, threads: int
) -> dict[str, float]:
    with server(command, port):
        load(port, min(200, requests), threads)  # warm-up
        seconds, latencies = load(port, requests, threads)
    latencies.sort()
    result = {
        "rps": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }
    print(
        f"{name:<34} {result['rps']:8.0f} req/s   "
        f"p50 {result['p50_ms']:6.2f} ms   p99 {result['p99_ms']:6.2f} ms"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provider", default="yandex-gateway")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--instances", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.requests} requests from {args.threads} keep-alive clients, {os.cpu_count()} CPUs")
    base_port, runner_port = free_port(), free_port()
    baseline = measure(
        "werkzeug serving the app directly",
        [
            sys.executable,
            "-c",
            f"from werkzeug.serving import run_simple; from bench.hello import app; "
            f"run_simple('127.0.0.1', {base_port}, app, threaded=True)",
        ],
        base_port,
        args.requests,
        args.threads,
    )
    runner = measure(
        f"polyfaas run --provider {args.provider}",
        [
            sys.executable,
            "-m",
            "polyfaas",
            "run",
            "--provider",
            args.provider,
            "--port",
            str(runner_port),
            "--instances",
            str(args.instances),
            "bench/hello.py:handler",
        ],
        runner_port,
        args.requests,
        args.threads,
    )
    print(
        f"ratio: throughput {runner['rps'] / baseline['rps']:.2f}x, "
        f"p50 {runner['p50_ms'] / baseline['p50_ms']:.2f}x, "
        f"p99 {runner['p99_ms'] / baseline['p99_ms']:.2f}x"
    )


if __name__ == "__main__":
    main()
