"""``polyfaas run``: a bounded keep-alive HTTP/1.1 server in front, function instances behind."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import TextIO

import attrs

from polyfaas import providers
from polyfaas._target import Target
from polyfaas.errors import PolyfaasError
from polyfaas.platform import FunctionConfig, InstancePool, PlatformHalf
from polyfaas.runner.app import Background, Dispatcher, RunnerApp
from polyfaas.runner.bounded import BoundedWSGIServer, ServerLimits
from polyfaas.runner.instances import Pool
from polyfaas.runner.storage import base_url_of, with_storage
from polyfaas.storage._local import DEFAULT_DIR

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
    #: Why the one instance runs in this process (``polyfaas.runner.inline``); ``""``: not.
    inline: str = ""


def instance_config(settings: RunSettings) -> FunctionConfig:
    """The function's configuration with the runner's own variables for its instances
    (``polyfaas.storage``'s folder and URLs, ``polyfaas.runner.storage``)."""
    base = base_url_of(settings.host, settings.port)
    default = settings.target.folder / DEFAULT_DIR
    return with_storage(settings.config, default, base, relative_to=settings.target.folder)


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


#: How long the reloader's import check of the changed code may take.
RELOAD_CHECK_S = 30.0


class Reloader(threading.Thread):
    """Restarts the instances when a source file under the target's folder changes,
    and imports the TARGET in a fresh process as an instance would, so a broken edit
    shows its traceback in the terminal at once (not a 502 on the next request)."""

    def __init__(
        self,
        folder: Path,
        pool: InstancePool,
        log: TextIO,
        target: Target | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(name="polyfaas-reloader", daemon=True)
        self.folder = folder
        self.pool = pool
        self.log = log
        self.target = target
        self.environ = dict(environ or {})
        self.stopped = threading.Event()

    def check(self) -> None:
        """Import the TARGET in a subprocess; write its error, if any, to the log."""
        import subprocess

        from polyfaas.platform import process_environ

        target = self.target
        if target is None:
            return
        argv = [str(target.folder), target.module, target.attribute]
        if target.file is not None:
            argv.append(str(target.file))
        code = "import sys; from polyfaas._target import check_main as c; sys.exit(c(sys.argv[1:]))"
        try:
            done = subprocess.run(
                [sys.executable, "-c", code, *argv],
                cwd=str(target.folder),
                env=process_environ(self.environ),
                capture_output=True,
                text=True,
                timeout=RELOAD_CHECK_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return
        if done.returncode != 0:
            self.log.write(done.stderr if done.stderr.endswith("\n") else done.stderr + "\n")
            self.log.write(" * The function fails to load; fix it and save again\n")
            self.log.flush()

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
                self.check()
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
    settings = attrs.evolve(settings, config=instance_config(settings))
    platform = providers.platform_half(settings.provider)
    pool: InstancePool
    if settings.inline:
        from polyfaas.runner.inline import InlineInstance

        pool = InlineInstance(
            settings.target,
            instance_environ(platform, settings.config),
            setup=platform.instance_setup(),
            log=log,
        )
        pool.start()
    else:
        pool = make_pool(
            platform,
            settings.target,
            settings.config,
            size=settings.instances,
            concurrency=settings.concurrency,
        )
    try:
        dispatcher = Dispatcher(platform, pool, settings.config, log)
        app = RunnerApp(dispatcher, background=Background(dispatcher))
        try:
            server = BoundedWSGIServer(settings.host, settings.port, app, settings.limits)
        except BaseException:
            app.close(0)
            raise
    except BaseException:
        pool.close()
        raise
    return server, pool


def banner(settings: RunSettings, platform: PlatformHalf, port: int) -> str:
    """What ``polyfaas run`` says at start: the function, its file, where to send
    calls (the platform's ``endpoints``), the timeout, instances and reload."""
    target = settings.target
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    base = f"http://{host}:{port}"
    where = target.file if target.file is not None else target.folder / f"{target.module}.py"
    timeout = platform.timeout(settings.config)
    lines = [
        f"polyfaas run: {target.handler_string} as provider {settings.provider!r}",
        f"File: {where}",
        *platform.endpoints(settings.config, base),
        f"Function {settings.config.name!r}: timeout {timeout:g} s, memory "
        f"{settings.config.memory_mb} MB, instances {settings.instances}, reload "
        + ("on" if settings.reload else "off"),
        f"Running on {base} (Press CTRL+C to quit)",
    ]
    if settings.inline:
        lines.insert(
            -1,
            f"Inline ({settings.inline}): one instance in this process, calls on its main "
            "thread; timeouts are logged, not enforced",
        )
    return "".join(f" * {line}\n" for line in lines)


def run(settings: RunSettings, log: TextIO | None = None) -> None:
    """Serve until SIGINT or SIGTERM; instances never outlive the runner."""
    out = log if log is not None else sys.stdout
    settings = attrs.evolve(settings, config=instance_config(settings))
    server, pool = build_server(settings, out)
    platform = providers.platform_half(settings.provider)
    reloader = (
        Reloader(
            settings.target.folder,
            pool,
            out,
            # A --bootstrap command of the function's own is not a TARGET to import.
            None if settings.config.bootstrap else settings.target,
            instance_environ(platform, settings.config),
        )
        if settings.reload
        else None
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell that starts the runner in the background ignores SIGINT
    # for it, and Python then keeps ignoring it; Ctrl-C and `kill -INT` must stop it.
    previous = signal.signal(signal.SIGTERM, stop)
    previous_int = signal.signal(signal.SIGINT, stop)
    try:
        if reloader is not None:
            reloader.start()
        out.write(banner(settings, platform, server.server_port))
        out.flush()
        if settings.inline:
            # The server on a thread of its own, the calls on this one (pdb's).
            serving = threading.Thread(target=server.serve_forever, daemon=True)
            serving.start()
            try:
                pool.serve(serving.is_alive)  # type: ignore[attr-defined]
            finally:
                pool.close()
                server.shutdown()
        else:
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        if reloader is not None:
            reloader.stopped.set()
        server.server_close()
        # Queued asynchronous calls are cancelled (a log line each); those under way
        # end within their timeout, before the instances go.
        if isinstance(server.app, RunnerApp):
            server.app.close(platform.timeout(settings.config) + 1)
        pool.close()
