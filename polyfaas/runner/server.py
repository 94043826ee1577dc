"""``polyfaas run``: a bounded werkzeug server in front, function instances behind."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TextIO

import attrs

from polyfaas import providers
from polyfaas._target import Target
from polyfaas.errors import PolyfaasError
from polyfaas.platform import FunctionConfig, InstancePool, PlatformHalf
from polyfaas.runner.app import Dispatcher, RunnerApp
from polyfaas.runner.bounded import BoundedWSGIServer, ServerLimits
from polyfaas.runner.instances import Pool

RELOAD_POLL_S = 0.5
SKIPPED_DIRS = {".git", ".venv", "venv", "__pycache__", ".tox", "node_modules", ".mypy_cache"}


@attrs.frozen(kw_only=True)
class RunSettings:
    """Everything ``polyfaas run`` was asked for."""

    target: Target
    provider: str = "local"
    host: str = "127.0.0.1"
    port: int = 8080
    instances: int = 1
    concurrency: int = 1
    reload: bool = False
    config: FunctionConfig = attrs.field(factory=FunctionConfig)
    #: Connections, header and idle timeouts (``docs/cli.md``, "Limits").
    limits: ServerLimits = attrs.field(factory=ServerLimits)


def instance_environ(platform: PlatformHalf, config: FunctionConfig) -> dict[str, str]:
    """Variables every instance starts with: the function's, then the platform's own."""
    return {**config.environment, **platform.instance_environ(config)}


def source_files(folder: Path) -> Iterator[Path]:
    """The ``.py`` files under ``folder`` a reload watches."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                yield Path(root, name)


def snapshot(folder: Path) -> dict[Path, float]:
    stamps = {}
    for path in source_files(folder):
        try:
            stamps[path] = path.stat().st_mtime
        except OSError:
            continue
    return stamps


class Reloader(threading.Thread):
    """Restarts the instances when a source file under the target's folder changes."""

    def __init__(self, folder: Path, pool: InstancePool, log: TextIO) -> None:
        super().__init__(name="polyfaas-reloader", daemon=True)
        self.folder = folder
        self.pool = pool
        self.log = log
        self.stopped = threading.Event()

    def run(self) -> None:
        before = snapshot(self.folder)
        while not self.stopped.wait(RELOAD_POLL_S):
            now = snapshot(self.folder)
            if now != before:
                changed = sorted({*now.items()} ^ {*before.items()})
                names = ", ".join(sorted({str(p.relative_to(self.folder)) for p, _ in changed}))
                self.log.write(f" * Detected change in {names}, restarting instances\n")
                self.log.flush()
                self.pool.restart()
                before = now


def check_port(host: str, port: int) -> None:
    """Fail with one clear line if the address is taken (werkzeug would exit instead)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PolyfaasError(
                f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port"
            ) from None


def make_pool(
    platform: PlatformHalf,
    target: Target,
    config: FunctionConfig,
    *,
    size: int = 1,
    concurrency: int = 1,
) -> InstancePool:
    """The platform's own kind of instances if it has one (a custom runtime's HTTP
    server), else worker processes; started, so a TARGET that cannot load fails now."""
    environ = instance_environ(platform, config)
    pool = platform.make_pool(target, environ, config, size=size, concurrency=concurrency)
    if pool is None:
        pool = Pool(
            target,
            environ,
            size=size,
            concurrency=concurrency,
            memory_mb=config.memory_mb,
            setup=platform.instance_setup(),
        )
    pool.start()
    return pool


def build_server(settings: RunSettings, log: TextIO) -> tuple[BoundedWSGIServer, InstancePool]:
    """The pool and the server in front of it."""
    check_port(settings.host, settings.port)
    platform = providers.platform_half(settings.provider)
    pool = make_pool(
        platform,
        settings.target,
        settings.config,
        size=settings.instances,
        concurrency=settings.concurrency,
    )
    try:
        app = RunnerApp(Dispatcher(platform, pool, settings.config, log))
        server = BoundedWSGIServer(settings.host, settings.port, app, settings.limits)
    except BaseException:
        pool.close()
        raise
    return server, pool


def run(settings: RunSettings, log: TextIO | None = None) -> None:
    """Serve until SIGINT or SIGTERM; instances never outlive the runner."""
    out = log if log is not None else sys.stdout
    server, pool = build_server(settings, out)
    reloader = Reloader(settings.target.folder, pool, out) if settings.reload else None

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell that starts the runner in the background ignores SIGINT
    # for it, and Python then keeps ignoring it; Ctrl-C and `kill -INT` must stop it.
    previous = signal.signal(signal.SIGTERM, stop)
    previous_int = signal.signal(signal.SIGINT, stop)
    try:
        if reloader is not None:
            reloader.start()
        out.write(
            f" * polyfaas run: {settings.target.handler_string} as provider "
            f"{settings.provider!r}\n"
            f" * Running on http://{settings.host}:{server.server_port} (Press CTRL+C to quit)\n"
        )
        out.flush()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        if reloader is not None:
            reloader.stopped.set()
        server.server_close()
        pool.close()
