"""The package verified where it is made: unpacked into an empty folder and called
once, as the platform would, by a bare interpreter that sees only that folder.

The instance is the runner's own: a ``polyfaas.runner.worker`` process (or, for a
platform whose instances are servers, ``polyfaas serve`` started as its bootstrap
would), but run from the unpacked package with ``python -I -S`` — no
site-packages, no user site, no ``PYTHONPATH``, so nothing of this machine's
environment, polyfaas included, can stand in for what the zip lacks. The call is the
platform half's own native call, and its answer what the platform's caller receives.
"""

from __future__ import annotations

import io
import json
import os
import platform as host
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from polyfaas.errors import PolyfaasError

if TYPE_CHECKING:
    from polyfaas._event import Event
    from polyfaas._request import Request
    from polyfaas._response import Response
    from polyfaas._target import Target
    from polyfaas.platform import CallResult, FunctionConfig, InstancePool, PlatformHalf

#: The worker module, imported from the unpacked package (argv: FOLDER, socket FD).
_WORKER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from polyfaas.runner.worker import main; raise SystemExit(main(sys.argv[1:]))"
)
#: ``polyfaas serve``, imported from the unpacked package (argv: FOLDER, serve's own).
_SERVE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from polyfaas.cli import main; raise SystemExit(main(sys.argv[2:]))"
)
#: Errors of a call that say the package lacks something (a module imported late).
_PACKAGING_ERRORS = ("ImportError", "ModuleNotFoundError")
_PROBE_TIMEOUT_S = 30.0


@attrs.frozen
class Interpreter:
    """The Python that verifies: ``pythonX.Y`` from ``PATH`` when one runs there."""

    path: str
    version: str
    #: Why it is not the package's Python, or ``""``.
    note: str = ""

    @property
    def matches(self) -> bool:
        return not self.note


def _version_of(executable: str) -> str | None:
    try:
        done = subprocess.run(
            [executable, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def find_interpreter(python: str) -> Interpreter:
    """``pythonX.Y`` on ``PATH`` if it runs and is X.Y (a pyenv shim of a version not
    selected does not), else this Python, with the reason."""
    found = shutil.which(f"python{python}")
    if found is not None and _version_of(found) == python:
        return Interpreter(found, python)
    mine = "{}.{}".format(*sys.version_info[:2])
    if mine == python:
        return Interpreter(sys.executable, mine)
    return Interpreter(
        sys.executable,
        mine,
        note=f"no python{python} runs from PATH, so this Python {mine} verifies the package",
    )


def compiled_modules(names: Iterable[str]) -> list[str]:
    """The files of the package that are compiled extension modules."""
    return sorted(name for name in names if name.endswith((".so", ".pyd")) or ".so." in name)


def check_can_verify(interpreter: Interpreter, python: str, names: Iterable[str]) -> None:
    """Refuse, with the way out, a verification that cannot load the package's
    compiled modules here (another Python, or not Linux x86_64)."""
    compiled = compiled_modules(names)
    if not compiled:
        return
    linux = sys.platform.startswith("linux") and host.machine() in ("x86_64", "AMD64")
    if linux and interpreter.matches:
        return
    why = (
        "this machine is not Linux x86_64"
        if not linux
        else f"no python{python} runs from PATH (this is Python {interpreter.version})"
    )
    raise PolyfaasError(
        f"cannot verify the package here: it holds compiled modules for CPython {python} "
        f"on Linux x86_64 ({compiled[0]}{', ...' if len(compiled) > 1 else ''}) and {why}; "
        "put that Python on PATH, or pass --no-verify"
    )


@attrs.frozen
class Verified:
    """How the verification call went (it loaded the handler and got an answer)."""

    interpreter: Interpreter
    #: What was sent (``"the 'http' sample event"``, ``"GET /"``).
    sent: str
    status: int
    #: The handler's own exception on that call (not a packaging problem), or ``""``.
    handler_error: str = ""


def verification_payload(platform: PlatformHalf) -> tuple[str, Request | Event]:
    """What the verification sends: to a platform that takes HTTP only, or whose
    function is a server, ``GET /`` through its front door; otherwise its ``http``
    sample event (or its first), as ``polyfaas invoke`` sends a native event."""
    from polyfaas import Event, Request
    from polyfaas._entry import payload_data

    if platform.facts.http_only or platform.facts.runs_server:
        return "GET /", Request("GET", "/")
    samples: Mapping[str, Any] = platform.samples()
    kind = "http" if "http" in samples else next(iter(samples), "")
    sample = samples.get(kind, {})
    raw = sample if isinstance(sample, bytes) else json.dumps(sample).encode("utf-8")
    data = payload_data(raw)
    sent = f"its {kind!r} sample event" if kind else "an empty event"
    return sent, Event(data=data, datacontenttype="application/json", native=raw)


def _pool(
    platform: PlatformHalf,
    target: Target,
    config: FunctionConfig,
    interpreter: Interpreter,
) -> InstancePool:
    from polyfaas.runner.instances import Pool
    from polyfaas.runner.server import instance_environ

    environ = instance_environ(platform, config)
    bare = [interpreter.path, "-I", "-S", "-c"]
    if platform.facts.runs_server:
        serve = [*bare, _SERVE, str(target.folder), "serve", "--provider", platform.name]
        spec = f"{target.module}:{target.attribute}"
        command = [*serve, "--host", "127.0.0.1", spec]
        config = attrs.evolve(config, bootstrap=shlex.join(command))
        pool = platform.make_pool(target, environ, config)
        if pool is None:
            raise PolyfaasError(f"provider {platform.name!r} has no server to verify with")
        return pool
    return Pool(
        target,
        environ,
        memory_mb=None,
        setup=platform.instance_setup(),
        command=[*bare, _WORKER, str(target.folder)],
    )


def _failure(result: CallResult) -> str | None:
    """Why a call shows the package is broken, or ``None``."""
    if result.ending == "load-failed" and result.load_failure is not None:
        return f"it does not load: {result.load_failure.error.message}"
    if result.ending != "returned":
        return f"its instance did not answer ({result.ending}: {result.detail})"
    error = result.outcome.error if result.outcome is not None else None
    if error is not None and error.type in _PACKAGING_ERRORS:
        return f"the call failed: {error.type}: {error.message}"
    return None


def verify(
    folder: Path,
    platform: PlatformHalf,
    target: Target,
    config: FunctionConfig,
    interpreter: Interpreter,
) -> Verified:
    """Call the unpacked package in ``folder`` once; ``PolyfaasError`` if it is broken."""
    from polyfaas._target import Target as TargetClass
    from polyfaas.platform import InstanceStartError

    unpacked = TargetClass(folder, target.module, target.attribute)
    sent, payload = verification_payload(platform)
    where = f"python {interpreter.version} -I -S"
    try:
        with _instance_output_on_stderr():
            response, result = _call_once(platform, unpacked, config, interpreter, payload)
    except InstanceStartError as exc:
        raise PolyfaasError(
            f"the package fails its verification ({where}): it does not load: "
            f"{exc.failure.error.message}"
        ) from exc
    reason = _failure(result)
    if reason is not None:
        raise PolyfaasError(f"the package fails its verification ({where}): {reason}")
    error = result.outcome.error if result.outcome is not None else None
    raised = f"{error.type}: {error.message}" if error is not None else ""
    return Verified(interpreter, sent, response.status, raised)


def _call_once(
    platform: PlatformHalf,
    target: Target,
    config: FunctionConfig,
    interpreter: Interpreter,
    payload: Request | Event,
) -> tuple[Response, CallResult]:
    from polyfaas.runner.app import Dispatcher

    pool = _pool(platform, target, config, interpreter)
    try:
        pool.start()
        response, _, result = Dispatcher(platform, pool, config, log=io.StringIO())(payload)
    finally:
        pool.close()
    return response, result


@contextmanager
def _instance_output_on_stderr() -> Iterator[None]:
    """What the instance prints (the platform's start lines, the handler's logs) goes
    to stderr: stdout carries the command's own report (the deploy command)."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
