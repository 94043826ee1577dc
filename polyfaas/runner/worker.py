"""A function instance: a process that imports the TARGET once and serves native calls.

Started by the runner as ``python -m polyfaas.runner.worker FD``; ``FD`` is its end
of a socket pair. The runner sends the target and the instance's environment, then
``(call_id, NativeCall)`` messages; the instance answers ``(call_id, Outcome,
peak memory in KiB)``.
stdout and stderr are the runner's, as a platform's log captures a function's output.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from multiprocessing.connection import Connection
from typing import Any, Callable

from polyfaas._native import ErrorInfo, NativeCall, Outcome, call_native
from polyfaas._target import Target, load_target
from polyfaas.errors import HandlerImportError

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the runner dies, even by SIGKILL."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the runner died before prctl took effect
        os._exit(1)


def own_peak_kb() -> int:
    """This process's peak resident memory in KiB (``VmHWM``, from one ``getrusage``
    rather than a read of ``/proc``); 0 where unknown."""
    try:
        import resource
    except ImportError:  # not a Unix
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS counts bytes


def resident_memory_mb(pid: int) -> float:
    """Current resident memory of a process (``VmRSS``), in MB; 0 where unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class InstanceLoop:
    """The instance side of the protocol: receives calls, sends outcomes."""

    def __init__(
        self, conn: Connection, concurrency: int, before_call: Callable[[NativeCall], Any] | None
    ) -> None:
        self.conn = conn
        self.before_call = before_call
        self.send_lock = threading.Lock()
        self.pool = ThreadPoolExecutor(concurrency) if concurrency > 1 else None

    def send(self, message: tuple[Any, ...]) -> None:
        with self.send_lock:
            self.conn.send(message)

    def serve(self, entry: Any) -> None:
        while True:
            try:
                call_id, call = self.conn.recv()
            except (EOFError, OSError):
                return
            if self.pool is None:
                self.answer(entry, call_id, call)
            else:
                self.pool.submit(self.answer, entry, call_id, call)

    def answer(self, entry: Any, call_id: int, call: NativeCall) -> None:
        os.environ.update(call.environ)
        if self.before_call is not None:
            self.before_call(call)
        outcome = call_native(entry, call)
        try:
            # The peak memory travels with the answer: the runner reads no /proc per call.
            self.send((call_id, outcome, own_peak_kb()))
        except Exception as exc:  # the value cannot leave the instance (not picklable)
            error = ErrorInfo(
                type=type(exc).__name__,
                message=f"the handler returned a {type(outcome.value).__name__} that "
                f"cannot be sent back to the caller: {exc}",
            )
            self.send(
                (call_id, Outcome(error=error, duration_ms=outcome.duration_ms), own_peak_kb())
            )


def instance_setup(target: str) -> Callable[[NativeCall], Any] | None:
    """Run a platform's instance setup (``"module:function"``, before the user's code
    is imported); what it returns, if anything, is called before every call."""
    module_name, _, attribute = target.partition(":")
    setup = getattr(import_module(module_name), attribute)
    before_call: Callable[[NativeCall], Any] | None = setup()
    return before_call


def main(argv: list[str]) -> int:
    die_with_parent()
    conn = Connection(int(argv[1]))
    target, environ, concurrency, setup = conn.recv()
    assert isinstance(target, Target)
    os.environ.update(environ)
    os.chdir(target.folder)
    before_call = instance_setup(setup) if setup else None
    started = time.perf_counter()
    try:
        entry = load_target(target)
    except HandlerImportError as exc:
        conn.send(("failed", (exc.reason, ErrorInfo.from_exception(exc))))
        return 1
    conn.send(("ready", (time.perf_counter() - started) * 1000))
    sys.stdout.flush()
    InstanceLoop(conn, concurrency, before_call).serve(entry)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
