"""What travels between the halves of a provider: invocations, native calls, outcomes."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Union

import attrs

from polyfaas._context import Context, Credentials
from polyfaas._event import Event, EventBatch
from polyfaas._request import Request

#: What a runtime half decodes a native call into.
Payload = Union[Request, Event, EventBatch]


@attrs.frozen
class Invocation:
    """A native call decoded by a runtime half: the canonical payload and context,
    plus the native arguments as they came (``native``)."""

    payload: Payload
    context: Context
    native: tuple[Any, ...] = attrs.field(default=(), repr=False, eq=False)


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
    environment: Mapping[str, str] = attrs.field(factory=dict, converter=dict)
    credentials: Credentials | None = None


@attrs.frozen(kw_only=True)
class NativeCall:
    """The exact call a platform makes into the function: positional and keyword
    arguments, the environment variables it sets on the instance, and the canonical
    payload it was built from."""

    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = attrs.field(factory=dict)
    environ: Mapping[str, str] = attrs.field(factory=dict)
    request_id: str
    deadline: float | None = None
    payload: Request | Event = attrs.field(eq=False)


@attrs.frozen
class Frame:
    """One stack frame of a failed call."""

    filename: str
    lineno: int
    name: str
    line: str


@attrs.frozen(kw_only=True)
class ErrorInfo:
    """An exception, reduced to what can cross a process boundary."""

    type: str
    message: str
    frames: tuple[Frame, ...] = ()
    text: str = ""

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
    """What came back from the native call: a value, or an error."""

    value: Any = None
    error: ErrorInfo | None = None
    duration_ms: float = 0.0


def call_native(entry: Any, call: NativeCall) -> Outcome:
    """Make ``call`` into ``entry`` in this process and record what happened."""
    started = time.perf_counter()
    try:
        value = entry(*call.args, **call.kwargs)
    except Exception as exc:
        return Outcome(
            error=ErrorInfo.from_exception(exc),
            duration_ms=(time.perf_counter() - started) * 1000,
        )
    return Outcome(value=value, duration_ms=(time.perf_counter() - started) * 1000)
