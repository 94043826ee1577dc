"""``polyfaas run --inline``: one function instance in the runner's own process, its
calls made on the main thread, so ``breakpoint()``, ``pdb`` and an IDE's debugger
reach the function with the terminal.

The HTTP server runs on threads of its own and hands each call to the main thread
through a queue, one at a time (pdb needs the main thread's stdin, stdout and
signal handling). The platform half is the same as with worker instances: the native
call is built and answered as the platform would; the call runs in the instance
environment the platform sets (``polyfaas.platform.instance_environment``) after the
platform's instance setup (``PlatformHalf.instance_setup``, as a worker runs it). A
call past the platform's timeout is not stopped, only reported in the log.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, Callable, TextIO

import attrs

from polyfaas._native import (
    CallResult,
    ErrorInfo,
    InstanceStartError,
    LoadFailure,
    NativeCall,
    Outcome,
    call_native,
)
from polyfaas._target import Target, load_target
from polyfaas.errors import HandlerImportError
from polyfaas.platform import instance_environment
from polyfaas.runner.worker import (
    CallLog,
    InstanceHooks,
    instance_setup,
    own_peak_kb,
    shutdown_entry,
)

#: Debugger modules whose presence in ``sys.modules`` means one is attached.
DEBUGGER_MODULES = ("pydevd", "debugpy", "_pydevd_bundle", "pydevd_tracing")
#: How often the main thread, waiting for a call, lets a signal (Ctrl-C) through.
WAIT_S = 0.2


def _foreign_tracer(tracer: Any) -> bool:
    """Whether ``sys.gettrace()`` is a debugger's (coverage's tracer is no debugger)."""
    if tracer is None:
        return False
    owner = getattr(type(tracer), "__module__", "") or ""
    return not owner.startswith("coverage")


def inline_reason(
    flag: bool,
    debug: bool = False,
    environ: Mapping[str, str] | None = None,
    modules: Mapping[str, Any] | None = None,
    tracer: Any = None,
) -> str:
    """Why the runner should run inline (``""``: it should not): the flag, ``--debug``,
    ``PYTHONBREAKPOINT`` set to a debugger, or a debugger attached to this process."""
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if flag:
        return "--inline"
    if debug:
        return "--debug"
    hook = environ.get("PYTHONBREAKPOINT", "")
    if hook not in ("", "0"):
        return f"PYTHONBREAKPOINT={hook}"
    attached = [name for name in DEBUGGER_MODULES if name in modules]
    if attached:
        return f"a debugger is attached ({attached[0]})"
    if _foreign_tracer(tracer if tracer is not None else sys.gettrace()):
        return "a debugger is attached (sys.gettrace() is set)"
    return ""


class _Job:
    """One call handed to the main thread, and its result once made."""

    def __init__(self, call: NativeCall, timeout: float) -> None:
        self.call = call
        self.timeout = timeout
        self.result: CallResult | None = None
        self.done = threading.Event()

    def finish(self, result: CallResult) -> None:
        self.result = result
        self.done.set()


def _stopping() -> CallResult:
    return CallResult(
        ending="load-failed",
        load_failure=LoadFailure(
            reason="crash", error=ErrorInfo(type="RunnerStopping", message="runner stopping")
        ),
    )


class InlineInstance:
    """An ``InstancePool`` of one instance of ``target`` in this process, whose calls
    ``serve`` makes on the thread that runs it (the main thread)."""

    def __init__(
        self,
        target: Target,
        environ: Mapping[str, str],
        *,
        setup: str | None = None,
        log: TextIO | None = None,
    ) -> None:
        self.target = target
        self.environ = dict(environ)
        self.setup = setup
        self.log = log if log is not None else sys.stdout
        self.jobs: queue.Queue[_Job] = queue.Queue()
        self.closed = threading.Event()
        self.entry: Any = None
        self.hooks = InstanceHooks(None)
        self.call_log: CallLog | None = None
        self.init_duration_ms: float | None = None
        self.calls = 0

    def start(self) -> None:
        """Load the TARGET here, after the platform's instance setup, as a worker does;
        ``InstanceStartError`` if it cannot load."""
        os.chdir(self.target.folder)
        with instance_environment(self.environ):
            self.hooks = instance_setup(self.setup) if self.setup else InstanceHooks(None)
            started = time.perf_counter()
            try:
                self.entry = load_target(self.target)
            except HandlerImportError as exc:
                raise InstanceStartError(
                    LoadFailure(reason=exc.reason, error=ErrorInfo.from_exception(exc))
                ) from exc
        self.init_duration_ms = (time.perf_counter() - started) * 1000
        self.call_log = CallLog()

    def run(self, call: NativeCall, timeout: float) -> CallResult:
        """Hand ``call`` to the main thread and wait for it, however long it takes."""
        if self.closed.is_set():
            return _stopping()
        job = _Job(call, timeout)
        self.jobs.put(job)
        while not job.done.wait(WAIT_S):
            if self.closed.is_set() and job.result is None:
                return _stopping()
        assert job.result is not None
        return job.result

    def serve(self, running: Callable[[], bool]) -> None:
        """Make the calls, one at a time, on this thread while ``running()``; a
        KeyboardInterrupt (Ctrl-C) ends it after answering the call it interrupted."""
        import signal

        # pdb's `continue` takes SIGINT for itself; after each call Ctrl-C stops the runner.
        on_interrupt = signal.getsignal(signal.SIGINT)
        while running() and not self.closed.is_set():
            if signal.getsignal(signal.SIGINT) is not on_interrupt:
                signal.signal(signal.SIGINT, on_interrupt)
            try:
                job = self.jobs.get(timeout=WAIT_S)
            except queue.Empty:
                continue
            try:
                job.finish(self._make(job.call, job.timeout))
            except BaseException:
                job.finish(_stopping())
                raise

    def _make(self, call: NativeCall, timeout: float) -> CallResult:
        self.calls += 1
        init = self.init_duration_ms if self.calls == 1 else None
        with instance_environment({**self.environ, **call.environ}):
            if self.hooks.before is not None:
                instead = self.hooks.before(call)
                if isinstance(instead, Outcome):  # the instance cannot serve
                    return CallResult(ending="returned", outcome=instead, init_duration_ms=init)
            started = time.monotonic()
            if self.call_log is not None:
                self.call_log.start()
            try:
                outcome = call_native(self.entry, call)
            finally:
                kept = self.call_log.stop() if self.call_log is not None else ""
            elapsed = time.monotonic() - started
            if self.hooks.after is not None:
                self.hooks.after(call)
        if elapsed > timeout:
            self.log.write(
                f" * {call.request_id}: call exceeded the platform's timeout of {timeout:g} s "
                f"(took {elapsed:.1f} s); --inline does not stop it\n"
            )
            self.log.flush()
        if kept and not outcome.log:
            outcome = attrs.evolve(outcome, log=kept)
        return CallResult(
            ending="returned",
            outcome=outcome,
            init_duration_ms=init,
            max_memory_mb=own_peak_kb() / 1024,
        )

    def restart(self) -> None:
        """Nothing to restart: ``--inline`` runs without ``--reload``."""

    def close(self) -> None:
        """Stop taking calls (those queued are answered as the runner stopping), then
        the platform's stop hook and the entry's own stop work, on this thread."""
        if self.closed.is_set():
            return
        self.closed.set()
        while True:
            try:
                self.jobs.get_nowait().finish(_stopping())
            except queue.Empty:
                break
        if self.hooks.stop is not None:
            self.hooks.stop()
        if self.entry is not None:
            shutdown_entry(self.entry, self.hooks.grace())
