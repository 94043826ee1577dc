"""The deployable entry: what ``@polyfaas.http``, ``@polyfaas.event``,
``polyfaas.wsgi`` and ``polyfaas.asgi`` return, and what each platform's handler
setting points at."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any, Callable, Literal, TypeVar, overload

from polyfaas._context import Context
from polyfaas._event import EventType, is_event
from polyfaas._request import Request
from polyfaas._response import Response, check_response, collected, error_response, to_response
from polyfaas.errors import EventFormatError, UnknownCallError

if TYPE_CHECKING:
    # Annotations only (they are strings here): each run-time subscription of a typing
    # alias costs a cold start ~0.1M instructions.
    from polyfaas._event import Event
    from polyfaas._invocation import Payload
    from polyfaas.runtime import RuntimeHalf

    HandlerKind = Literal["http", "event", "wsgi", "asgi"]
    #: ``init(context)``, sync or async: runs once per instance before the first call.
    InitHook = Callable[[Context], Any]
    F = TypeVar("F", bound=Callable[..., Any])

#: Forces the provider of every call in a deployment (detection is skipped).
PROVIDER_ENV = "POLYFAAS_PROVIDER"
#: Plugin providers (names, comma- or space-separated) to ask before the built-ins.
DETECT_FIRST_ENV = "POLYFAAS_DETECT_FIRST"

_ENVIRON = os.environ
_ENVIRON_DATA = getattr(_ENVIRON, "_data", None)  # name (encoded) → value, CPython's own
_FAST_ENVIRON = type(_ENVIRON_DATA) is dict
_environ_keys: dict[str, Any] = {}


def resolve_awaitable(value: Any) -> Any:
    """``value`` itself, or its result when it is awaitable (a coroutine).

    Here rather than in ``polyfaas._aio``, which is imported only when a handler
    returns an awaitable: a module costs every cold start ~0.5M instructions to load,
    and most handlers are synchronous."""
    if not hasattr(value, "__await__"):
        return value
    from polyfaas._aio import run

    return run(value)


def getenv(name: str) -> str | None:
    """``os.environ.get(name)`` without the raised and caught ``KeyError`` that
    ``os.environ`` pays for an unset name (~9,000 instructions, on every call):
    the encoded name is looked up in the environment's own table first."""
    if _FAST_ENVIRON and os.environ is _ENVIRON:
        key = _environ_keys.get(name)
        if key is None:
            key = _environ_keys[name] = _ENVIRON.encodekey(name)
        if key not in _ENVIRON_DATA:  # type: ignore[operator]
            return None
    return os.environ.get(name)


class _LiveEnviron(Mapping[str, str]):
    """``os.environ`` as ``detect`` reads it, live (the test kit and the runner change
    the environment between the calls they imitate), but an unset name costs a dict
    lookup, not a raised ``KeyError``."""

    def __getitem__(self, name: str) -> str:
        return os.environ[name]

    def get(self, name: str, default: Any = None) -> Any:
        if _FAST_ENVIRON and os.environ is _ENVIRON:
            key = _environ_keys.get(name)
            if key is not None and key not in _ENVIRON_DATA:  # type: ignore[operator]
                return default
        value = getenv(name)
        return default if value is None else value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and getenv(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(os.environ)

    def __len__(self) -> int:
        return len(os.environ)


live_environ: Mapping[str, str] = _LiveEnviron()
_PROVIDER_KEY = _ENVIRON.encodekey(PROVIDER_ENV) if _FAST_ENVIRON else None
_NATIVE_FIRST = frozenset({dict, bytes, bytearray, str, list})


class Entry:
    """A handler made deployable.

    Called with a platform's native arguments, it finds the provider — a canonical
    ``Request``/``Event`` means ``local``; then ``POLYFAAS_PROVIDER`` (a deployment's
    choice, detection skipped); then the provider that answered last; then the
    ``detect`` of the plugins named in ``POLYFAAS_DETECT_FIRST``, of each built-in
    provider, and of the other installed plugins —, decodes the call, runs the init
    hook once per instance, runs the handler and answers in the platform's native form.
    """

    __name__: str
    __qualname__: str

    def __init__(
        self,
        handler: Callable[..., Any],
        kind: HandlerKind,
        *,
        init: InitHook | None = None,
        app: Any = None,
    ) -> None:
        self.handler = handler
        self.kind: HandlerKind = kind
        #: The WSGI or ASGI application, for entries made by ``polyfaas.wsgi``/``asgi``.
        self.app = app
        self._init_hook = init
        self._init_done = threading.Event()
        # ``_init_done.is_set()`` as a plain attribute, read on every call (an
        # ``Event``'s method call costs more than the rest of the check); set after
        # the Event, under the lock, so a thread that sees it True sees a finished hook.
        self._initialized = False
        self._init_lock = threading.Lock()
        # The runtime that detection chose: a platform never changes under a running
        # instance (issue 15, decision 2), so it keeps the calls its ``detect`` takes.
        self._last_runtime: RuntimeHalf | None = None
        # A handler that answers every request with a checked ``Response`` (a WSGI
        # app's ``WSGIHandler``) needs none of ``handle``'s conversions.
        self._checked_answers = getattr(handler, "answers_checked", False) is True
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            value = getattr(app if app is not None else handler, attribute, None)
            if value is not None:
                setattr(self, attribute, value)
        self.__wrapped__ = handler

    def __repr__(self) -> str:
        name = getattr(self, "__qualname__", type(self.handler).__name__)
        return f"<polyfaas {self.kind} entry {name}>"

    # -- init hook --------------------------------------------------------------

    def init(self, hook: F) -> F:
        """Register ``hook(context)`` to run once per instance before the first call.

        Use it as a decorator: ``@handler.init``. If the hook raises, that call fails
        and the next call runs the hook again (a platform retries on a new instance).
        """
        self._init_hook = hook
        return hook

    @property
    def initialized(self) -> bool:
        """Whether the init hook has run successfully in this instance."""
        return self._init_done.is_set()

    def run_init(self, context: Context) -> None:
        """Run the init hook now unless it already succeeded (idempotent, thread-safe).

        Platforms with an explicit initializer call (FC's initializer, a custom
        runtime's ``/initialize``) call this; otherwise the first invocation does.
        """
        if self._init_done.is_set():
            return
        with self._init_lock:
            if self._init_done.is_set():
                return
            if self.kind == "asgi":  # the app's lifespan startup, before the user's hook
                self.handler.startup(context)  # type: ignore[attr-defined]
            if self._init_hook is not None:
                resolve_awaitable(self._init_hook(context))
            self._init_done.set()
            self._initialized = True
            # The runtime's hook (e.g. Yandex's graceful-shutdown signal): the runtime that
            # decoded the call, else the one the context names (a runtime calling run_init).
            runtime = self._last_runtime
            if runtime is None:
                from polyfaas import providers

                try:
                    runtime = providers.runtime_half(context.provider)
                except Exception:  # no such provider: no hook
                    runtime = None
            if runtime is not None:
                runtime.instance_started(self)

    def shutdown(self) -> None:
        """Run the instance's stop work: an ASGI app's lifespan shutdown, once, after a
        startup that completed (nothing for other entries). Platforms call it when the
        instance stops — FC's PreStop, SIGTERM on Yandex, the runner retiring an
        instance."""
        if self.kind != "asgi" or not self._init_done.is_set():
            return
        with self._init_lock:
            if self._init_done.is_set():
                self.handler.shutdown()  # type: ignore[attr-defined]
                # The instance is gone: a later call (the same entry object in a new
                # test client) is a new instance's first, its startup run again.
                self._initialized = False
                self._init_done.clear()

    # -- native call ------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # ``_runtime_for``'s common case inline (a native first argument, no forced
        # provider, the last runtime taking the call): a frame less on every call.
        runtime = self._last_runtime
        if (
            runtime is None
            or not args
            or type(args[0]) not in _NATIVE_FIRST
            or not _FAST_ENVIRON
            or os.environ is not _ENVIRON
            or _PROVIDER_KEY in _ENVIRON_DATA  # type: ignore[operator]
            or not runtime.recognizes(args, kwargs)
        ):
            runtime = self._runtime_for(args, kwargs)
        if self.kind == "wsgi":  # the app reads an environ: the runtime may build it directly
            invocation = runtime.decode_for_wsgi(args, kwargs)
            payload = invocation.payload
            if self._checked_answers and self._initialized and type(payload) is Request:
                # ``handle``'s request case inline: the app's handler answers a checked
                # ``Response`` (``run_wsgi_app``), so only an exception is converted.
                try:
                    result = self.handler(payload, invocation.context)
                except Exception as exc:
                    result = error_response(exc)
                    if result is None:
                        raise
            else:
                result = self.handle(payload, invocation.context)
        else:
            invocation = runtime.decode(args, kwargs)
            result = self.handle(invocation.payload, invocation.context)
        # A streamed body reaches a platform that buffers (most do) read whole.
        if type(result) is Response and result.chunks is not None and not runtime.streams:
            result = collected(result)
        return runtime.encode(result, invocation)

    def _runtime_for(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> RuntimeHalf:
        # What native calls pass first (an event dict, FC's bytes) is never canonical:
        # one set lookup instead of the two checks below on every call.
        if (
            args
            and type(args[0]) not in _NATIVE_FIRST
            and (isinstance(args[0], Request) or is_event(args[0]))
        ):
            from polyfaas import providers

            return providers.runtime_half("local")
        # ``getenv(PROVIDER_ENV)`` inlined: one set lookup when it is unset (every call
        # of a deployment that leaves detection on), read live as the test kit and
        # the runner change the environment between the calls they imitate.
        if _FAST_ENVIRON and os.environ is _ENVIRON and _PROVIDER_KEY not in _ENVIRON_DATA:  # type: ignore[operator]
            forced = None
        else:
            forced = getenv(PROVIDER_ENV)
        if forced:
            from polyfaas import providers

            return providers.runtime_half(forced)
        last = self._last_runtime
        if last is not None and last.recognizes(args, kwargs):
            return last
        return self._detect(args, kwargs)

    def _detect(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> RuntimeHalf:
        from polyfaas import providers

        first = getenv(DETECT_FIRST_ENV)
        candidates = chain(
            providers.plugin_runtimes(first.replace(",", " ").split()) if first else (),
            providers.builtin_runtimes(args),
            # Plugins are asked last (generators: nothing runs until reached): reading
            # entry points costs a cold start, which only a call no built-in takes pays.
            providers.plugin_runtimes(),
        )
        for runtime in candidates:
            if runtime.detect(args, kwargs, live_environ):
                self._last_runtime = runtime
                return runtime
        raise UnknownCallError(
            f"polyfaas cannot tell which platform made this call: {describe_call(args, kwargs)}. "
            f"Set {PROVIDER_ENV} to one of: {', '.join(providers.names())}"
        )

    # -- canonical call ---------------------------------------------------------

    def handle(self, payload: Payload, context: Context) -> Any:
        """Run the handler on a canonical payload.

        A ``Request`` gives a ``Response`` (``HTTPError`` and werkzeug's
        ``HTTPException`` become responses); an ``Event`` gives the handler's own
        value; an ``EventBatch`` gives the list of values, one call per event (with
        ``item_failures`` set, the tuple of the events that failed).
        Other exceptions propagate, so each platform reports them natively.
        """
        if not self._initialized:
            self.run_init(context)
        if isinstance(payload, Request):
            # An event handler behind HTTP sees the request as a direct invocation.
            called = event_from_request(payload) if self.kind == "event" else payload
            try:
                # ``_call`` inlined, and a ``Response`` (what most handlers return) is
                # not asked whether it is awaitable: the per-call path of every request.
                value = self.handler(called, context)
                if type(value) is Response:  # (``to_response``'s own first case)
                    return check_response(value)
                return to_response(resolve_awaitable(value))
            except Exception as exc:
                converted = error_response(exc)
                if converted is None:
                    raise
                return converted
        # An event: its classes exist (polyfaas._event creates them on first use).
        from polyfaas._event import Event, EventBatch

        if self.kind != "event":
            kind = payload.type if isinstance(payload, Event) else "a batch of events"
            raise EventFormatError(
                f"{self!r} handles HTTP requests, but this call carried {kind!r} "
                f"from {context.provider}; use @polyfaas.event for event triggers"
            )
        if isinstance(payload, EventBatch):
            if payload.item_failures is not None:
                return self._call_each(payload.events, payload.item_failures == "ordered", context)
            return [self._call(event, context) for event in payload.events]
        return self._call(payload, context)

    def _call(self, payload: Request | Event, context: Context) -> Any:
        return resolve_awaitable(self.handler(payload, context))

    def _call_each(
        self, events: tuple[Event, ...], ordered: bool, context: Context
    ) -> tuple[Event, ...]:
        """A batch with per-item answers (``EventBatch.item_failures``): the events that
        failed; ``ordered``: those after the first failure fail without running."""
        errors: list[tuple[Event, Exception]] = []
        done = 0
        for event in events:
            if ordered and errors:
                break
            done += 1
            try:
                self._call(event, context)
            except Exception as exc:
                errors.append((event, exc))
        if errors and len(errors) == done:
            raise errors[0][1]  # nothing succeeded: the platform retries the whole batch
        for failed, error in errors:
            # The call succeeds, so the platform logs nothing of these: log them here.
            context.logger.error("event %s failed", failed.id, exc_info=error)
        return tuple(failed for failed, _ in errors) + events[done:]


def event_from_request(request: Request) -> Event:
    """The direct-invocation ``Event`` an event handler sees for an HTTP request."""
    from polyfaas._event import Event

    content_type = request.content_type
    return Event._trusted(
        type=EventType.DIRECT,
        data=payload_data(request.body, content_type),
        source=request.host,
        datacontenttype=content_type,
        native=request,
    )


def payload_data(raw: bytes, content_type: str | None = None) -> Any:
    """The ``data`` of a direct invocation.

    With no ``content_type`` (event payloads carry none): JSON when it parses, else
    text, else bytes. With one: JSON only for JSON media types, text when it
    decodes, bytes otherwise.
    """
    if not raw:
        return None
    if content_type is None or "json" in content_type.lower():
        import json  # here: an HTTP call never needs it (cold start)

        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):  # too deep: text
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def describe_call(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    """A short account of a native call for error messages (no values: they may be secret)."""
    types = ", ".join(type(arg).__qualname__ for arg in args)
    parts = [f"positional argument types ({types})"]
    if kwargs:
        parts.append(f"keyword arguments {sorted(kwargs)}")
    first = args[0] if args else None
    if isinstance(first, Mapping):
        parts.append(f"top-level keys of the first argument {sorted(map(str, first))[:20]}")
    elif isinstance(first, (bytes, bytearray)):
        parts.append(f"a {len(first)}-byte payload")
    return "; ".join(parts)


if TYPE_CHECKING:  # (as above)
    HttpHandler = Callable[[Request, Context], Any]
    EventHandler = Callable[[Event, Context], Any]
    Decorator = Callable[[Callable[..., Any]], Entry]


@overload
def http(handler: HttpHandler, /, *, init: InitHook | None = None) -> Entry: ...
@overload
def http(*, init: InitHook | None = None) -> Decorator: ...


def http(
    handler: HttpHandler | None = None, /, *, init: InitHook | None = None
) -> Entry | Decorator:
    """Make ``handler(request, context)`` deployable on every provider.

    It may return a ``Response``, ``dict``/``list`` (JSON), ``str``, ``bytes`` or
    ``None`` (204), and may be ``async def``. ``init`` runs once per instance.
    """
    if handler is None:
        return lambda func: Entry(func, "http", init=init)
    return Entry(handler, "http", init=init)


@overload
def event(handler: EventHandler, /, *, init: InitHook | None = None) -> Entry: ...
@overload
def event(*, init: InitHook | None = None) -> Decorator: ...


def event(
    handler: EventHandler | None = None, /, *, init: InitHook | None = None
) -> Entry | Decorator:
    """Make ``handler(event, context)`` deployable on every provider.

    Triggers of every platform arrive as ``Event`` objects in one vocabulary of types
    (``polyfaas.EventType``); batches call the handler once per event.
    """
    if handler is None:
        return lambda func: Entry(func, "event", init=init)
    return Entry(handler, "event", init=init)


def asgi(app: Any, *, init: InitHook | None = None) -> Entry:
    """Make an ASGI 3 application (FastAPI, Starlette, …) deployable on every provider.

    Its lifespan runs once per instance: ``startup`` before the first call (in the
    platform's initializer where it has one), ``shutdown`` when the instance stops;
    an app without lifespan support is served without it. ``init`` runs after the
    startup."""
    from polyfaas.asgi_bridge import ASGIHandler

    return Entry(ASGIHandler(app), "asgi", init=init, app=app)


def wsgi(app: Any, *, init: InitHook | None = None) -> Entry:
    """Make a PEP 3333 application (Flask, Django, …) deployable on every provider."""
    from polyfaas.wsgi_bridge import WSGIHandler

    return Entry(WSGIHandler(app), "wsgi", init=init, app=app)
