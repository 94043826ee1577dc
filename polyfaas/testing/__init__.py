"""Testing a function on any provider, through the emulated platform.

::

    from polyfaas.testing import client, invoke

    def test_hello():
        with client("main.py:handler", provider="yandex-gateway") as http:
            assert http.get("/hello?name=Ada").json == {"hello": "Ada"}

    def test_timer():
        assert invoke("main.py:on_timer", {"payload": "x"}, provider="alibaba").status == 200

``client`` returns a ``werkzeug.test.Client`` around the runner's own front door:
requests go through the same platform half (its limits, its native events, its
error answers) as under ``polyfaas run``. The function runs in this process, except
on providers whose instances are servers of their own (FC custom runtime), which
are started as real processes and stopped when the client closes.

``emulate`` makes one call through a provider's platform half in this process, and
``EmulatedApp`` is that front door as a WSGI application of its own. Calls into an
in-process instance are serialised (both platforms run one request per instance by
default) and cannot be killed, so timeouts and memory limits are enforced by
``polyfaas run`` only. ``polyfaas.testing.conformance`` checks a provider against
the contract every provider keeps.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from werkzeug.test import Client, EnvironBuilder, TestResponse

from polyfaas import providers
from polyfaas._entry import PROVIDER_ENV, payload_data
from polyfaas._event import Event
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas._target import Target, load_target, parse_target
from polyfaas.errors import HandlerImportError
from polyfaas.platform import (
    CallResult,
    FunctionConfig,
    InstancePool,
    NativeCall,
    Outcome,
    PlatformHalf,
    call_native,
    instance_environment,
)
from polyfaas.runner.app import Dispatcher, RunnerApp
from polyfaas.wsgi_bridge import HEADER_FIELDS

# os.environ is the process's: one in-process call at a time, whatever the entry.
_instance_lock = threading.RLock()


def default_provider() -> str:
    """``POLYFAAS_PROVIDER``, or ``local``: the provider a test run imitates."""
    return os.environ.get(PROVIDER_ENV) or "local"


def _logged_call(entry: Any, call: NativeCall) -> Outcome:
    """``call_native``, what the call writes to ``sys.stdout``/``sys.stderr`` kept with
    its outcome (``Outcome.log``) and written through."""
    import attrs

    from polyfaas.runner.worker import KEPT_LOG, Tee

    kept: list[str] = []
    out, err = Tee(sys.stdout), Tee(sys.stderr)
    out.kept = err.kept = kept
    sys.stdout, sys.stderr = out, err
    try:
        outcome = call_native(entry, call)
    finally:
        sys.stdout, sys.stderr = out.stream, err.stream
    return attrs.evolve(outcome, log="".join(kept)[-KEPT_LOG:])


class InProcessInstance:
    """An ``InstancePool`` of one instance of ``entry`` in this process (the test kit's).

    ``hooks`` (``"module:function"``, a platform half's ``instance_hooks()``) makes the
    object whose ``before_call``/``after_call``/``stop`` run around the calls, as in a
    worker process; an instance that cannot serve (its ``before_call`` answered) is
    replaced by a new one (a new hooks object; the entry stays the same)."""

    def __init__(self, entry: Any, hooks: str | None = None) -> None:
        self.entry = entry
        self.hooks_target = hooks
        self.hooks: Any = None

    def _hooks(self) -> Any:
        if self.hooks is None and self.hooks_target:
            from importlib import import_module

            module_name, _, attribute = self.hooks_target.partition(":")
            self.hooks = getattr(import_module(module_name), attribute)()
        return self.hooks

    def start(self) -> None:
        """Nothing to start: the entry is loaded."""

    def run(self, call: NativeCall, timeout: float) -> CallResult:
        """Make the call here, in the instance environment the platform sets."""
        with _instance_lock, instance_environment(call.environ):
            hooks = self._hooks()
            if hooks is not None:
                instead = hooks.before_call(call)
                if isinstance(instead, Outcome):  # this instance cannot serve
                    self.hooks = None
                    return CallResult(ending="returned", outcome=instead)
            outcome = _logged_call(self.entry, call)
            if hooks is not None:
                hooks.after_call(call)
        return CallResult(ending="returned", outcome=outcome)

    def restart(self) -> None:
        """Nothing to restart: the entry object stays the same."""

    def close(self) -> None:
        """The instance's stop hook, if any, then the entry's own stop work
        (``Entry.shutdown``: an ASGI app's lifespan shutdown), as an instance stops."""
        hooks, self.hooks = self.hooks, None
        if hooks is not None:
            with _instance_lock:
                hooks.stop()
        shutdown = getattr(self.entry, "shutdown", None)
        if shutdown is not None:
            with _instance_lock:
                shutdown()


class PolyfaasClient(Client):
    """A werkzeug test client whose application is an emulated platform.

    Close it (or use it as a context manager) to stop instances it started.
    """

    def __init__(self, app: RunnerApp, pool: InstancePool | None = None) -> None:
        super().__init__(app)
        self.runner_app = app
        self._pool = pool
        #: The function's configuration as its instances see it (the test kit's
        #: polyfaas.storage folder in its environment).
        self.config = app.dispatcher.config

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        """werkzeug's ``open``; the headers a test sends reach the platform half as
        sent, repeats apart (``X-A: 1``, ``X-A: 2``; the environ alone has ``1, 2``),
        repeated ``Cookie`` headers as one joined with ``; `` (RFC 6265 §5.4)."""
        buffered = kwargs.pop("buffered", False)
        follow_redirects = kwargs.pop("follow_redirects", False)
        given = not kwargs and len(args) == 1
        if given and isinstance(args[0], dict):
            builder = EnvironBuilder.from_environ(args[0])
        elif given and isinstance(args[0], EnvironBuilder):
            builder = args[0]  # the test's own: not closed here
        elif given:  # a werkzeug Request: its environ is made already
            return super().open(*args, buffered=buffered, follow_redirects=follow_redirects)
        else:
            builder = EnvironBuilder(*args, **kwargs)
        fields: list[tuple[str, str]] = []
        cookies: list[str] = []
        for name, value in builder.headers.to_wsgi_list():
            if name.lower() == "cookie":
                if not cookies:
                    fields.append((name, ""))  # its place; the value is the environ's
                cookies.append(value)
            else:
                fields.append((name, value))
        before = builder.environ_overrides
        overrides = {**(before or {}), HEADER_FIELDS: fields}
        if cookies:
            overrides["HTTP_COOKIE"] = "; ".join(cookies)
        builder.environ_overrides = overrides
        try:
            return super().open(builder, buffered=buffered, follow_redirects=follow_redirects)
        finally:
            builder.environ_overrides = before
            if not (given and builder is args[0]):
                builder.close()

    def close(self) -> None:
        """Stop the instances this client started, if any, and remove its storage folder."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
            _remove_storage(self.config)

    def __enter__(self) -> PolyfaasClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def target_of(obj: Any) -> Target:
    """Where an already imported handler object lives, for providers that start it anew."""
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    file = getattr(module, "__file__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module is None or file is None or not name or "<" in name:
        raise HandlerImportError(
            f"{obj!r} is not a module-level object of a file; pass its TARGET string instead",
            "target",
        )
    path = Path(file).resolve()
    return Target(path.parent, path.stem, name, path)


def _resolve(target: Any) -> tuple[Any, Target | None]:
    if isinstance(target, str):
        where = parse_target(target)
        return load_target(where), where
    return target, None


def _pool(
    entry: Any, where: Target | None, platform: PlatformHalf, config: FunctionConfig
) -> InstancePool:
    """The platform's own instances (servers, started as real processes) when its
    instances are servers, else the entry in this process."""
    if not platform.facts.runs_server:
        return InProcessInstance(entry, platform.instance_hooks())
    from polyfaas.runner.server import make_pool

    return make_pool(platform, where or target_of(entry), config)


#: Where the test kit's presigned URLs of the local storage folder point: the test
#: client's own host (``client(...).get(url)`` fetches one through the front door).
TEST_BASE_URL = "http://localhost"


def _config(config: FunctionConfig | None, where: Target | None) -> FunctionConfig:
    given = config or FunctionConfig(handler=where.handler_string if where else "index.handler")
    # polyfaas.storage: a local folder of its own for each client (a temporary one,
    # unless POLYFAAS_STORAGE_DIR says where), removed with the client.
    from polyfaas.runner.storage import with_storage

    folder = Path(tempfile.gettempdir(), f"polyfaas-storage-{os.urandom(6).hex()}")
    return with_storage(given, folder, TEST_BASE_URL)


def _remove_storage(config: FunctionConfig) -> None:
    from polyfaas.storage._local import DIR_ENV

    folder = config.environment.get(DIR_ENV, "")
    if Path(folder).name.startswith("polyfaas-storage-") and not os.environ.get(DIR_ENV):
        shutil.rmtree(folder, ignore_errors=True)


def client(
    target: Any, provider: str | None = None, config: FunctionConfig | None = None
) -> PolyfaasClient:
    """A test client for ``target`` (``"file.py:attr"``, ``"module:attr"``,
    ``"module.attr"`` or the entry object) behind ``provider``'s front door."""
    entry, where = _resolve(target)
    platform = providers.platform_half(provider or default_provider())
    config = _config(config, where)
    pool = _pool(entry, where, platform, config)
    return PolyfaasClient(RunnerApp(Dispatcher(platform, pool, config)), pool)


def as_event(event: Any) -> Event:
    """An event invocation's payload: an ``Event`` as is; bytes or text as the raw
    payload; ``None`` as an empty one; anything else as its JSON."""
    if isinstance(event, Event):
        return event
    if event is None:
        raw = b""
    elif isinstance(event, str):
        raw = event.encode("utf-8")
    elif isinstance(event, (bytes, bytearray)):
        raw = bytes(event)
    else:
        raw = json.dumps(event).encode("utf-8")
    return Event(data=payload_data(raw), datacontenttype="application/json", native=raw)


def invoke(
    target: Any,
    event: Any = None,
    provider: str | None = None,
    config: FunctionConfig | None = None,
) -> Response:
    """One event invocation of ``target`` through ``provider``: what the caller gets."""
    entry, where = _resolve(target)
    platform = providers.platform_half(provider or default_provider())
    config = _config(config, where)
    pool = _pool(entry, where, platform, config)
    try:
        response, _, _ = Dispatcher(platform, pool, config)(as_event(event))
    finally:
        pool.close()
        _remove_storage(config)
    return response


def emulate(
    entry: Any,
    payload: Request | Event,
    provider: str = "local",
    config: FunctionConfig | None = None,
) -> Response:
    """What the caller of the emulated platform receives for ``payload``, the call made
    in this process."""
    platform = providers.platform_half(provider)
    dispatcher = Dispatcher(platform, InProcessInstance(entry), config or FunctionConfig())
    response, _, _ = dispatcher(payload)
    return response


class EmulatedApp(RunnerApp):
    """A WSGI application that answers as ``provider``'s front door would, the entry
    called in this process."""

    def __init__(
        self, entry: Any, provider: str = "local", config: FunctionConfig | None = None
    ) -> None:
        self.entry = entry
        self.provider = provider
        self.config = config or FunctionConfig()
        platform = providers.platform_half(provider)
        super().__init__(Dispatcher(platform, InProcessInstance(entry), self.config))


__all__ = [
    "EmulatedApp",
    "InProcessInstance",
    "PolyfaasClient",
    "as_event",
    "client",
    "default_provider",
    "emulate",
    "invoke",
    "target_of",
]
