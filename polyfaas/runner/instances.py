"""The runner's side of function instances: worker processes, and a pool of them.

An instance imports the TARGET once and stays warm between calls. A call that
outlives its timeout, or exceeds the memory limit, kills its instance; an instance
that crashes or exits is replaced; the runner itself never goes down with one.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable

import attrs

from polyfaas import Response
from polyfaas._native import (
    START_TIMEOUT_S,
    CallResult,
    ErrorInfo,
    InstanceStartError,
    LoadFailure,
    NativeCall,
    Outcome,
    exit_detail,
)
from polyfaas._target import Target
from polyfaas.platform import process_environ
from polyfaas.runner.channel import Channel
from polyfaas.runner.streaming import END, StreamedHead, StreamEnded, response_of
from polyfaas.runner.worker import resident_memory_mb

# How often a waiting call checks its instance's memory.
MEMORY_POLL_S = 0.05
#: How long an idle instance told to stop may take (its platform's stop hook, e.g.
#: FC's PreStop, runs within its own timeout) before it is killed.
STOP_WAIT_S = 70.0


class WorkerProcess:
    """One function instance: a ``polyfaas.runner.worker`` process and its socket."""

    def __init__(
        self,
        target: Target,
        environ: Mapping[str, str],
        concurrency: int,
        generation: int = 0,
        setup: str | None = None,
        command: Sequence[str] = (),
    ) -> None:
        #: Instances of an older generation retire once idle (the code changed).
        self.generation = generation
        # With one call at a time the waiting thread reads the answer itself; a
        # reader thread (and two thread switches a call) only for concurrency > 1.
        self.concurrency = concurrency
        parent_sock, child_sock = socket.socketpair()
        # Its own session (and process group): stopping the instance stops every
        # process the function started too.
        # ``command`` runs the worker module another way (``polyfaas package`` verifies
        # a package with a bare interpreter that sees only the unpacked zip).
        worker = list(command) or [sys.executable, "-m", "polyfaas.runner.worker"]
        self.process = subprocess.Popen(
            [*worker, str(child_sock.fileno())],
            pass_fds=(child_sock.fileno(),),
            cwd=str(target.folder),
            env=process_environ(environ),
            start_new_session=os.name == "posix",
        )
        child_sock.close()
        self.conn = Channel(parent_sock)
        self.conn.send((target, dict(environ), concurrency, setup))
        self.pending: dict[int, Future[tuple[Outcome, int]]] = {}
        #: The chunk messages of streamed answers, by call (a reader thread's routing).
        self.streams: dict[int, queue.SimpleQueue[tuple[Any, ...]]] = {}
        self.lock = threading.Lock()
        self.next_id = 0
        self.init_duration_ms: float | None = None
        self.calls = 0
        self.busy = 0
        self.closed = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Wait for the TARGET to load; ``InstanceStartError`` if it does not."""
        try:
            if not self.conn.poll(timeout):
                self.kill()
                raise InstanceStartError(
                    LoadFailure(
                        reason="timeout",
                        error=ErrorInfo(
                            type="TimeoutError", message=f"no answer within {timeout:.0f} s"
                        ),
                    )
                )
            kind, payload = self.conn.recv()
        except (EOFError, OSError):
            code = self.process.wait()
            self.kill()
            raise InstanceStartError(
                LoadFailure(
                    reason="crash",
                    error=ErrorInfo(
                        type="InstanceExited", message=f"instance exited with code {code}"
                    ),
                )
            ) from None
        if kind == "failed":
            reason, error = payload
            self.kill()
            raise InstanceStartError(LoadFailure(reason=reason, error=error))
        self.init_duration_ms = float(payload)
        if self.concurrency > 1:
            threading.Thread(target=self._read, name=f"instance-{self.pid}", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                break
            call_id, outcome, peak_kb, retire = message
            if type(outcome) is str:  # CHUNK or END of a streamed answer
                with self.lock:
                    stream = self.streams.get(call_id)
                if stream is not None:
                    stream.put(message)
                continue
            if retire:
                self.closed = True
            with self.lock:
                future = self.pending.pop(call_id, None)
                if isinstance(outcome.value, StreamedHead):
                    self.streams[call_id] = queue.SimpleQueue()
            if future is not None:
                future.set_result((outcome, peak_kb))
        with self.lock:
            self.closed = True
            pending, self.pending = self.pending, {}
            streams, self.streams = self.streams, {}
        for future in pending.values():
            future.set_exception(EOFError())
        for stream in streams.values():
            stream.put((0, END, ErrorInfo(type="InstanceExited", message="instance exited"), 0))

    def run(
        self,
        call: NativeCall,
        timeout: float,
        memory_mb: int | None,
        stream_ended: Callable[[], None] | None = None,
    ) -> CallResult:
        """Send ``call`` and wait for its outcome, the timeout, or the instance's death.

        A streamed answer (``polyfaas.runner.streaming``) comes back as a ``Response``
        whose chunks are read from the instance as they arrive, within the same
        timeout; ``stream_ended`` is called once they are over (read, failed, or left
        by the client), when the instance is free again."""
        future: Future[tuple[Outcome, int]] | None = Future() if self.concurrency > 1 else None
        with self.lock:
            if self.closed:
                return CallResult(ending="crash", detail=self._exit_detail())
            self.next_id += 1
            call_id = self.next_id
            if future is not None:
                self.pending[call_id] = future
            self.calls += 1
            first = self.calls == 1
        init = self.init_duration_ms if first else None
        try:
            # The canonical payload stays here: the instance makes the native call only.
            self.conn.send((call_id, attrs.evolve(call, payload=None)))  # type: ignore[arg-type]
        except (OSError, ValueError):
            return CallResult(ending="crash", detail=self._exit_detail(), init_duration_ms=init)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                return CallResult(ending="timeout", init_duration_ms=init)
            try:
                outcome, peak_kb = self._answer(
                    future, min(left, MEMORY_POLL_S) if memory_mb else left
                )
            except FutureTimeout:
                if memory_mb and resident_memory_mb(self.pid) > memory_mb:
                    used = resident_memory_mb(self.pid)
                    self.kill()
                    return CallResult(
                        ending="crash",
                        detail=f"memory limit exceeded: {used:.0f} MB used of {memory_mb} MB",
                        init_duration_ms=init,
                        max_memory_mb=used,
                    )
                continue
            except (EOFError, OSError):
                self.closed = True
                return CallResult(ending="crash", detail=self._exit_detail(), init_duration_ms=init)
            if isinstance(outcome.value, StreamedHead):
                chunks = self._chunks(call_id, deadline, stream_ended)
                outcome = attrs.evolve(outcome, value=response_of(outcome.value, chunks))
            return CallResult(
                ending="returned",
                outcome=outcome,
                init_duration_ms=init,
                max_memory_mb=peak_kb / 1024,
            )

    def _chunks(
        self, call_id: int, deadline: float, ended: Callable[[], None] | None
    ) -> _StreamReader:
        return _StreamReader(self, call_id, deadline, ended)

    def _stream_message(self, call_id: int, deadline: float) -> tuple[Any, ...]:
        left = deadline - time.monotonic()
        try:
            if self.concurrency > 1:
                with self.lock:
                    stream = self.streams.get(call_id)
                if stream is None:
                    raise StreamEnded("the instance's stream is gone")
                if left <= 0:
                    raise queue.Empty
                return stream.get(timeout=left)
            if left <= 0 or not self.conn.poll(left):
                raise queue.Empty
            message: tuple[Any, ...] = self.conn.recv()
            return message
        except queue.Empty:
            self.kill()
            raise StreamEnded("the function timed out while streaming its answer") from None
        except (EOFError, OSError):
            self.closed = True
            raise StreamEnded("the instance exited while streaming its answer") from None

    def _answer(
        self, future: Future[tuple[Outcome, int]] | None, wait: float
    ) -> tuple[Outcome, int]:
        """The call's outcome and the instance's peak memory (KiB) within ``wait``
        seconds; ``FutureTimeout`` if not yet."""
        if future is not None:
            return future.result(wait)
        if not self.conn.poll(wait):
            raise FutureTimeout
        _, outcome, peak_kb, retire = self.conn.recv()
        assert isinstance(outcome, Outcome)
        if retire:  # the instance could not serve (e.g. its initializer failed)
            self.closed = True
        return outcome, peak_kb

    def _exit_detail(self) -> str:
        return exit_detail(self.process, 1) or "instance stopped answering"

    @property
    def alive(self) -> bool:
        return not self.closed and self.process.poll() is None

    def stop(self) -> None:
        """Stop an idle instance the way a platform retires one: its end of the socket
        closed, it runs its stop hook and exits (killed after ``STOP_WAIT_S``); a
        closed or dead one is killed at once."""
        if self.closed or self.process.poll() is not None:
            self.kill()
            return
        self.closed = True
        with contextlib.suppress(OSError):
            self.conn.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_WAIT_S)
        self.kill()

    def kill(self) -> None:
        """Stop the instance now and every process it started: SIGTERM to its process
        group (the platforms' notice), SIGKILL to the group shortly after."""
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(0.2)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait()
        # What the function started may outlive the instance's own process.
        self._signal_group(signal.SIGKILL)
        self.conn.close()

    def _signal_group(self, signum: int) -> None:
        if os.name != "posix":
            if self.process.poll() is None:
                self.process.send_signal(signum)
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)


class _StreamReader:
    """A streamed answer's chunks, read from the instance until its end message.
    Closed early (the client went away, or the answer was never read), the rest is
    read and dropped, so the instance is free for its next call; past the call's
    deadline the instance is killed. ``ended`` is called once, when it is over."""

    def __init__(
        self,
        instance: WorkerProcess,
        call_id: int,
        deadline: float,
        ended: Callable[[], None] | None,
    ) -> None:
        self.instance = instance
        self.call_id = call_id
        self.deadline = deadline
        self.ended = ended
        self.done = False

    def __iter__(self) -> _StreamReader:
        return self

    def __next__(self) -> bytes:
        if self.done:
            raise StopIteration
        try:
            _, tag, data, _ = self.instance._stream_message(self.call_id, self.deadline)
        except StreamEnded:
            self._over()
            raise
        if tag == END:
            self._over()
            if data is not None:
                raise StreamEnded(f"{data.type}: {data.message}")
            raise StopIteration
        chunk: bytes = data
        return chunk

    def close(self) -> None:
        if self.done:
            return
        try:
            while True:
                _, tag, _, _ = self.instance._stream_message(self.call_id, self.deadline)
                if tag == END:
                    break
        except StreamEnded:
            pass
        self._over()

    def _over(self) -> None:
        if self.done:
            return
        self.done = True
        with self.instance.lock:
            self.instance.streams.pop(self.call_id, None)
        if self.ended is not None:
            self.ended()


class Pool:
    """An ``InstancePool`` of worker processes: up to ``size`` instances of one
    function, each serving ``concurrency`` calls at once."""

    def __init__(
        self,
        target: Target,
        environ: Mapping[str, str],
        *,
        size: int = 1,
        concurrency: int = 1,
        memory_mb: int | None = None,
        setup: str | None = None,
        command: Sequence[str] = (),
    ) -> None:
        self.target = target
        self.setup = setup
        #: The worker's command line before its socket's number (``WorkerProcess``).
        self.command = tuple(command)
        self.environ = dict(environ)
        self.size = max(1, size)
        self.concurrency = max(1, concurrency)
        self.memory_mb = memory_mb
        self.instances: list[WorkerProcess] = []
        self.starting = 0
        self.generation = 0
        self.condition = threading.Condition()
        self.closed = False
        # Linux's PDEATHSIG fires when the *thread* that started a child ends, so
        # instances are started from one thread that lives as long as the pool.
        self.spawner = ThreadPoolExecutor(1, thread_name_prefix="polyfaas-spawner")

    def _spawn(self) -> WorkerProcess:
        return self.spawner.submit(
            WorkerProcess,
            self.target,
            self.environ,
            self.concurrency,
            self.generation,
            self.setup,
            self.command,
        ).result()

    def start(self) -> None:
        """Start one instance now, so a TARGET that cannot load fails at once."""
        instance = self._spawn()
        instance.wait_ready()
        with self.condition:
            self.instances.append(instance)

    def run(self, call: NativeCall, timeout: float) -> CallResult:
        """Run ``call`` on a free instance (starting one if the pool has room)."""
        try:
            instance = self._acquire()
        except InstanceStartError as exc:
            return CallResult(ending="load-failed", load_failure=exc.failure)
        streaming = False

        def stream_ended() -> None:  # a streamed answer keeps its instance until its end
            self._release(instance)

        try:
            result = instance.run(call, timeout, self.memory_mb, stream_ended)
            value = result.outcome.value if result.outcome is not None else None
            streaming = isinstance(value, Response) and value.chunks is not None
            return result
        finally:
            if not streaming:
                self._release(instance)

    def _acquire(self) -> WorkerProcess:
        with self.condition:
            while True:
                if self.closed:
                    raise InstanceStartError(
                        LoadFailure(
                            reason="crash",
                            error=ErrorInfo(type="RunnerStopping", message="runner stopping"),
                        )
                    )
                instance = self._free()
                if instance is not None:
                    instance.busy += 1
                    return instance
                if len(self.instances) + self.starting < self.size:
                    self.starting += 1
                    break
                self.condition.wait()
        try:
            instance = self._spawn()
            instance.wait_ready()
        except BaseException:
            with self.condition:
                self.starting -= 1
                self.condition.notify()  # room to start one: one waiter may
            raise
        # One step from starting to started: a waiting call that saw neither would
        # start one instance too many.
        if self._started(instance):
            return instance
        instance.kill()
        raise InstanceStartError(
            LoadFailure(
                reason="crash",
                error=ErrorInfo(type="RunnerStopping", message="runner stopping"),
            )
        )

    def _started(self, instance: WorkerProcess) -> bool:
        """Count a started instance in, busy, unless the pool closed meanwhile."""
        with self.condition:
            self.starting -= 1
            if self.closed:
                return False
            instance.busy = 1
            self.instances.append(instance)
            if self.concurrency > 1:  # its other slots are free
                self.condition.notify(self.concurrency - 1)
            return True

    def _free(self) -> WorkerProcess | None:
        """An instance with a free slot (under the condition), or ``None``. Only the
        instance it would hand out is checked for life: a dead one is forgotten (an
        idle one stopped with its process group here, a busy one by the call that
        holds it) and the next looked at."""
        instances = self.instances
        index = 0
        while index < len(instances):
            instance = instances[index]
            if instance.busy < self.concurrency:
                if instance.alive:
                    return instance
                del instances[index]
                if instance.busy == 0:
                    instance.kill()
                continue
            index += 1
        return None

    def _release(self, instance: WorkerProcess) -> None:
        with self.condition:
            instance.busy -= 1
            dead = not instance.alive
            retired = dead or instance.generation < self.generation
            stopping = retired and instance.busy == 0
            if stopping and instance in self.instances:
                self.instances.remove(instance)
            # One slot freed (or, if the instance went, room to start one): one
            # waiter is woken, never every waiting thread.
            self.condition.notify()
        if stopping:
            if dead:
                instance.kill()
            else:
                instance.stop()

    def restart(self) -> None:
        """Replace every instance (code changed): idle ones now, busy ones when done."""
        with self.condition:
            self.generation += 1
            idle = [instance for instance in self.instances if instance.busy == 0]
            for instance in idle:
                self.instances.remove(instance)
            self.condition.notify_all()
        for instance in idle:
            instance.stop()

    def close(self) -> None:
        """Stop every instance."""
        with self.condition:
            self.closed = True
            instances, self.instances = self.instances, []
            self.condition.notify_all()
        for instance in instances:
            if instance.busy:
                instance.kill()
            else:
                instance.stop()
        self.spawner.shutdown(wait=False)
