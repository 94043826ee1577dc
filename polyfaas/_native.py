"""What a platform half deals in: the function's configuration, the native call it
makes, the outcome it reads back, and the instances the runner drives. Kept off the
runtime path (re-exported by ``polyfaas.platform``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Literal, Protocol

import attrs

from polyfaas._context import Context, Credentials
from polyfaas._event import Event
from polyfaas._multidict import MultiDict
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import PolyfaasError

if TYPE_CHECKING:
    import subprocess

#: How long an instance may take to import its TARGET (FC allows a custom runtime 120 s).
START_TIMEOUT_S = 120.0


def _to_dict(mapping: Mapping[str, str]) -> dict[str, str]:
    return dict(mapping)


# -- reprs that never show a secret ---------------------------------------------------
#
# A native call carries whatever the platform passes: events with headers, contexts
# with keys, WSGI environs with HTTP_AUTHORIZATION, the instance's variables. Its repr
# (and those of the configuration and the outcome) show the shape of those values
# (types, keys, sizes), never a value; the canonical ``Request`` keeps its own repr,
# which masks by the one rule (``polyfaas._multidict.SENSITIVE_WORDS``).

_SHOWN_KEYS = 40


class _Shape(str):
    """Text shown by ``repr`` as it is (no quotes)."""

    def __repr__(self) -> str:
        return str(self)


def shape(value: Any, depth: int = 2) -> _Shape:
    """What ``value`` is without what it says: ``str[12]``, ``bytes[40]``, a mapping's
    keys with the shapes of their values (``depth`` levels down), a sequence's length,
    any other object's type. Numbers, booleans and ``None`` are shown."""
    if value is None or isinstance(value, (bool, int, float)):
        return _Shape(repr(value))
    if isinstance(value, str):
        return _Shape(f"str[{len(value)}]")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _Shape(f"{type(value).__name__}[{len(value)}]")
    if isinstance(value, Mapping):
        if depth <= 0:
            return _Shape(f"{type(value).__name__}[{len(value)}]")
        items = [
            f"{str(key)[:60]!r}: {shape(item, depth - 1)}"
            for key, item in list(value.items())[:_SHOWN_KEYS]
        ]
        if len(value) > _SHOWN_KEYS:
            items.append(f"...(+{len(value) - _SHOWN_KEYS})")
        return _Shape("{" + ", ".join(items) + "}")
    if isinstance(value, (list, tuple)):
        if depth <= 0 or not value:
            return _Shape(f"{type(value).__name__}[{len(value)}]")
        items = [str(shape(item, depth - 1)) for item in value[:_SHOWN_KEYS]]
        if len(value) > _SHOWN_KEYS:
            items.append(f"...(+{len(value) - _SHOWN_KEYS})")
        if isinstance(value, list):
            return _Shape("[" + ", ".join(items) + "]")
        return _Shape("(" + ", ".join(items) + ("," if len(value) == 1 else "") + ")")
    if isinstance(value, _SELF_MASKED):
        return _Shape(repr(value))
    if isinstance(value, Event):
        return _Shape(_payload_repr(value))
    return _Shape(type(value).__qualname__)


#: The model's objects whose own ``repr`` masks their secrets.
_SELF_MASKED = (Request, Response, Context, Credentials, MultiDict)


def _shape_repr(value: Any) -> str:
    return str(shape(value))


def _payload_repr(payload: Any) -> str:
    # A Request masks its own secrets; an event's data is shown by its shape.
    if isinstance(payload, Event):
        return (
            f"Event(type={payload.type!r}, source={payload.source!r}, id={payload.id!r}, "
            f"data={shape(payload.data)})"
        )
    return _shape_repr(payload)


def _frames_repr(frames: tuple[Frame, ...]) -> str:
    return f"<{len(frames)} frames>"


@attrs.frozen(kw_only=True)
class FunctionConfig:
    """The function's configuration on the emulated platform (what a deploy sets).

    Empty strings and ``None`` mean "the platform's default".
    """

    name: str = "polyfaas-function"
    handler: str = "index.handler"
    version: str = ""
    memory_mb: int = 128
    timeout: float | None = None
    region: str = ""
    account_id: str = ""
    #: Shown by ``repr`` as names and sizes only: any value may be a secret.
    environment: Mapping[str, str] = attrs.field(factory=dict, converter=_to_dict, repr=_shape_repr)
    credentials: Credentials | None = None
    #: The command that starts the function's own server, for platforms whose
    #: instances are servers (FC's custom runtime); empty: the platform's default.
    bootstrap: str = ""
    #: The platform's own settings of the function, by the names its platform half
    #: declares (``PlatformHalf.settings``; ``--NAME`` on ``polyfaas run``/``invoke``):
    #: lifecycle hooks, payload versions, access control. Absent: the default.
    settings: Mapping[str, str] = attrs.field(factory=dict, converter=_to_dict)

    def setting(self, name: str, default: str = "") -> str:
        """The value of the platform setting ``name``, or ``default`` when unset."""
        return self.settings.get(name, default)


@attrs.frozen(kw_only=True)
class NativeCall:
    """The exact call a platform makes into the function: positional and keyword
    arguments, the environment variables it sets on the instance, and the canonical
    payload it was built from.

    ``repr`` (and ``str``) show the native arguments and the variables by their shape
    (types, keys, sizes) only: they carry the platform's headers and credentials."""

    args: tuple[Any, ...] = attrs.field(repr=_shape_repr)
    kwargs: Mapping[str, Any] = attrs.field(factory=dict, repr=_shape_repr)
    environ: Mapping[str, str] = attrs.field(factory=dict, repr=_shape_repr)
    request_id: str
    deadline: float | None = None
    payload: Request | Event = attrs.field(eq=False, repr=_payload_repr)
    #: How the instance makes the call when it is more than ``entry(*args, **kwargs)``:
    #: a module-level (picklable) ``via(entry, call)`` whose return value is the
    #: outcome's value (e.g. a WSGI call, whose answer arrives through
    #: ``start_response`` and an iterable that must be read in the instance).
    via: Callable[[Any, NativeCall], Any] | None = attrs.field(default=None, eq=False)
    #: The function's configuration the call was made under (its settings decide
    #: parts of the answer, e.g. FC's custom domain).
    config: FunctionConfig = attrs.field(factory=FunctionConfig, eq=False, repr=False)


@attrs.frozen
class Frame:
    """One stack frame of a failed call."""

    filename: str
    lineno: int
    name: str
    line: str


@attrs.frozen(kw_only=True)
class ErrorInfo:
    """An exception, reduced to what can cross a process boundary.

    ``repr`` shows the type and the message (the exception's own words, not masked)
    and only the number of frames and the size of the traceback text."""

    type: str
    message: str
    frames: tuple[Frame, ...] = attrs.field(default=(), repr=_frames_repr)
    text: str = attrs.field(default="", repr=_shape_repr)

    @classmethod
    def from_exception(cls, exc: BaseException) -> ErrorInfo:
        import traceback

        summary = traceback.extract_tb(exc.__traceback__)
        frames = tuple(
            Frame(f.filename, f.lineno or 0, f.name, (f.line or "").strip()) for f in summary
        )
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(type=type(exc).__name__, message=str(exc), frames=frames, text=text)


@attrs.frozen(kw_only=True)
class Outcome:
    """What came back from the native call: a value, or an error (``repr`` shows the
    value's shape only: a native answer carries ``Set-Cookie`` and the like)."""

    value: Any = attrs.field(default=None, repr=_shape_repr)
    error: ErrorInfo | None = None
    duration_ms: float = 0.0
    #: What the call wrote to the instance's standard output and error (the last
    #: 16 KB; empty where the instance cannot tell a call's output apart), for
    #: platforms that return a call's log (FC's ``X-Fc-Log-Result``). Shown by size only.
    log: str = attrs.field(default="", repr=_shape_repr)


@attrs.frozen(kw_only=True)
class InvocationReport:
    """Figures of one finished call, for the platform's own log lines."""

    duration_ms: float
    memory_mb: int
    max_memory_mb: float = 0.0
    #: Time the instance took to import the TARGET, on its first call only.
    init_duration_ms: float | None = None
    failed: bool = False


def call_native(entry: Any, call: NativeCall) -> Outcome:
    """Make ``call`` into ``entry`` in this process and record what happened."""
    started = time.perf_counter()
    try:
        value = call.via(entry, call) if call.via is not None else entry(*call.args, **call.kwargs)
    except Exception as exc:
        return Outcome(
            error=ErrorInfo.from_exception(exc),
            duration_ms=(time.perf_counter() - started) * 1000,
        )
    return Outcome(value=value, duration_ms=(time.perf_counter() - started) * 1000)


@attrs.frozen(kw_only=True)
class LoadFailure:
    """The TARGET could not be loaded in an instance (``reason`` as in
    ``HandlerImportError``, or ``"timeout"``/``"crash"`` for an instance that never
    became ready)."""

    reason: str
    error: ErrorInfo


@attrs.frozen(kw_only=True)
class CallResult:
    """How a call into an instance ended: an outcome, or a timeout, crash or load failure."""

    ending: Literal["returned", "timeout", "crash", "load-failed"]
    outcome: Outcome | None = None
    detail: str = ""
    load_failure: LoadFailure | None = None
    init_duration_ms: float | None = None
    max_memory_mb: float = 0.0


class InstanceStartError(PolyfaasError):
    """An instance could not start: its TARGET failed to load, or it died."""

    def __init__(self, failure: LoadFailure) -> None:
        super().__init__(f"the function failed to load: {failure.error.message}")
        self.failure = failure


class InstancePool(Protocol):
    """The function instances the runner and the test kit drive: worker processes,
    one instance in this process, or a platform's own kind (a custom runtime's server)."""

    def start(self) -> None:
        """Start an instance now, so a TARGET that cannot load fails at once."""

    def run(self, call: NativeCall, timeout: float) -> CallResult:
        """Run ``call`` on a free instance; how it ended."""

    def restart(self) -> None:
        """Replace every instance (the code changed)."""

    def close(self) -> None:
        """Stop every instance."""


def exit_detail(process: subprocess.Popen[bytes], wait: float) -> str:
    """How an instance's process ended (waiting up to ``wait`` s), or ``""`` if it runs."""
    import signal
    import subprocess

    try:
        code = process.wait(wait)
    except subprocess.TimeoutExpired:
        return ""
    if code < 0:
        try:
            return f"instance killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"instance killed by signal {-code}"
    return f"instance exited with code {code}"
