"""A function instance: a process that imports the TARGET once and serves native calls.

Started by the runner as ``python -m polyfaas.runner.worker FD``; ``FD`` is its end
of a socket pair. The runner sends the target and the instance's environment, then
``(call_id, NativeCall)`` messages; the instance answers ``(call_id, Outcome,
peak memory in KiB, retire)``; ``retire`` set, the instance is not used again.
stdout and stderr are the runner's, as a platform's log captures a function's output;
what a call writes to them is also kept with its outcome (``Outcome.log``, one call
at a time only). The runner closing its end of the socket stops the instance (after
the platform's ``stop`` hook).

A platform's instance setup may return a callable, run before every call, or an
object with the hooks of ``PlatformHalf.instance_hooks``: ``before_call(call)``
(an ``Outcome`` it returns answers the call instead, and the instance retires),
``after_call(call)`` after the answer is sent, ``stop()`` before the instance goes.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any, Callable, TextIO

import attrs

from polyfaas._native import ErrorInfo, NativeCall, Outcome, call_native
from polyfaas._target import Target, load_target
from polyfaas.errors import HandlerImportError
from polyfaas.runner.channel import Channel
from polyfaas.runner.streaming import head_of, is_streamed, send_chunks

PR_SET_PDEATHSIG = 1
#: How much of a call's output the instance keeps with its outcome (characters).
KEPT_LOG = 16 * 1024

#: Seconds an instance that stops normally gives ``Entry.shutdown`` (an ASGI app's
#: lifespan shutdown) when its platform sets no other bound.
SHUTDOWN_GRACE = 10.0


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


class Tee:
    """A text stream that writes through to ``stream`` and, while a call runs, keeps
    what is written (the call's log)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.kept: list[str] | None = None

    def write(self, text: str) -> int:
        kept = self.kept
        if kept is not None:
            kept.append(text)
        return self.stream.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class CallLog:
    """The instance's standard output and error, a call's writes kept for its outcome."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.streams = (Tee(sys.stdout), Tee(sys.stderr))
        sys.stdout, sys.stderr = self.streams

    def start(self) -> None:
        self.kept = []
        for stream in self.streams:
            stream.kept = self.kept

    def stop(self) -> str:
        for stream in self.streams:
            stream.flush()
            stream.kept = None
        return "".join(self.kept)[-KEPT_LOG:]


class InstanceHooks:
    """What a platform's instance setup returned, as the three hooks."""

    def __init__(self, setup: Any) -> None:
        if setup is not None and hasattr(setup, "before_call"):
            self.before: Callable[[NativeCall], Any] | None = setup.before_call
            self.after: Callable[[NativeCall], Any] | None = getattr(setup, "after_call", None)
            self.stop: Callable[[], Any] | None = getattr(setup, "stop", None)
        else:
            self.before, self.after, self.stop = setup, None, None

        #: The setup object, read for ``shutdown_grace`` when the instance stops.
        self.setup = setup

    def grace(self) -> float:
        """Seconds the entry's own stop work (``Entry.shutdown``) may take after the
        platform's stop hook: the setup object's ``shutdown_grace``, else ``SHUTDOWN_GRACE``."""
        grace = getattr(self.setup, "shutdown_grace", None)
        return SHUTDOWN_GRACE if grace is None else float(grace)


class InstanceLoop:
    """The instance side of the protocol: receives calls, sends outcomes."""

    def __init__(
        self, conn: Channel, concurrency: int, hooks: Any, log: CallLog | None = None
    ) -> None:
        self.conn = conn
        self.hooks = hooks if isinstance(hooks, InstanceHooks) else InstanceHooks(hooks)
        self.before_call = self.hooks.before
        self.pool = ThreadPoolExecutor(concurrency) if concurrency > 1 else None
        # A call's own output can be told apart only when it runs alone.
        self.log = log if concurrency == 1 else None
        self.retired = False

    def send(self, message: tuple[Any, ...]) -> None:
        self.conn.send(message)  # the channel's own lock keeps messages whole

    def serve(self, entry: Any) -> None:
        while not self.retired:
            try:
                call_id, call = self.conn.recv()
            except (EOFError, OSError):
                if self.pool is not None:
                    self.pool.shutdown(wait=True)
                if self.hooks.stop is not None:
                    self.hooks.stop()
                return
            if self.pool is None:
                self.answer(entry, call_id, call)
            else:
                self.pool.submit(self.answer, entry, call_id, call)

    def answer(self, entry: Any, call_id: int, call: NativeCall) -> None:
        os.environ.update(call.environ)
        instead = self.before_call(call) if self.before_call is not None else None
        if isinstance(instead, Outcome):  # the instance cannot serve (its initializer failed)
            self.retired = True
            self.send((call_id, instead, own_peak_kb(), True))
            return
        if self.log is not None:
            self.log.start()
        outcome = call_native(entry, call)
        if self.log is not None:
            outcome = attrs.evolve(outcome, log=self.log.stop())
        if is_streamed(outcome.value):  # its head now, its chunks as they come
            head = attrs.evolve(outcome, value=head_of(outcome.value))
            self.send((call_id, head, own_peak_kb(), False))
            send_chunks(self.send, call_id, outcome.value, own_peak_kb)
            if self.hooks.after is not None:
                self.hooks.after(call)
            return
        try:
            # The peak memory travels with the answer: the runner reads no /proc per call.
            self.send((call_id, outcome, own_peak_kb(), False))
        except Exception as exc:  # the value cannot leave the instance (not picklable)
            error = ErrorInfo(
                type=type(exc).__name__,
                message=f"the handler returned a {type(outcome.value).__name__} that "
                f"cannot be sent back to the caller: {exc}",
            )
            failed = Outcome(error=error, duration_ms=outcome.duration_ms, log=outcome.log)
            self.send((call_id, failed, own_peak_kb(), False))
        if self.hooks.after is not None:
            self.hooks.after(call)


def instance_setup(target: str) -> InstanceHooks:
    """Run a platform's instance setup (``"module:function"``, before the user's code
    is imported); what it returns, if anything, is called before every call (or is an
    object with the instance hooks)."""
    module_name, _, attribute = target.partition(":")
    setup = getattr(import_module(module_name), attribute)
    return InstanceHooks(setup())


def shutdown_entry(entry: Any, grace: float) -> None:
    """``entry.shutdown()`` (an ASGI app's lifespan shutdown), given at most ``grace``
    seconds: past them the instance exits anyway, as a platform kills it."""
    stop = getattr(entry, "shutdown", None)
    if stop is None or grace <= 0:
        return

    def run() -> None:
        try:
            stop()
        except Exception:
            import traceback

            traceback.print_exc()

    import threading

    worker = threading.Thread(target=run, name="polyfaas-shutdown", daemon=True)
    worker.start()
    worker.join(grace)


def main(argv: list[str]) -> int:
    die_with_parent()
    conn = Channel(socket.socket(fileno=int(argv[1])))
    target, environ, concurrency, setup = conn.recv()
    assert isinstance(target, Target)
    os.environ.update(environ)
    os.chdir(target.folder)
    log = CallLog() if concurrency == 1 else None
    hooks = instance_setup(setup) if setup else InstanceHooks(None)
    started = time.perf_counter()
    try:
        entry = load_target(target)
    except HandlerImportError as exc:
        conn.send(("failed", (exc.reason, ErrorInfo.from_exception(exc))))
        return 1
    conn.send(("ready", (time.perf_counter() - started) * 1000))
    sys.stdout.flush()
    loop = InstanceLoop(conn, concurrency, hooks, log)
    loop.serve(entry)
    if not loop.retired:  # a normal stop, after the platform's stop hook
        shutdown_entry(entry, hooks.grace())
    sys.stdout.flush()
    sys.stderr.flush()
    # Now, whatever threads the function left running: the runner waits for this exit.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
