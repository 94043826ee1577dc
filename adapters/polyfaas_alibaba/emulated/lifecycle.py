"""FC's instance lifecycle hooks (ASSUMPTIONS.md, "Instance lifecycle hooks"): the
Initializer once per instance before its first call, PreFreeze after each call,
PreStop when the instance is retired or the runner stops.

For the built-in runtime (``alibaba``) and HTTP functions (``alibaba-wsgi``) the
hooks are the handler strings of the ``initializer``, ``pre-freeze`` and ``pre-stop``
settings (``file.function``), called in the instance as ``hook(context)`` with FC's
context under a request id of their own, between FC's log lines (``FC Initialize
Start RequestId: …`` / ``FC Initialize End RequestId: …``, with ``, Error: Unhandled
function error`` when the hook failed), each within its timeout. ``FCInstanceHooks``
does that inside an instance: a worker process (``instance_logging.setup_instance``)
or the test kit's instance in this process (``instance_hooks``). A custom runtime's
server gets the same hooks as requests (``/initialize``, ``/pre-freeze``,
``/pre-stop``; ``emulated.custom_pool``).

A failed or timed-out Initializer answers the call that started the instance with
200, ``X-Fc-Error-Type: InitializationError`` and FC's error document
(``initialization_failed``); the instance is not used again, and the next call
starts a new one, which runs the Initializer again.
"""

from __future__ import annotations

import copy
import sys
import threading
from importlib import import_module
from typing import Any, Callable

import attrs

from polyfaas import Response
from polyfaas.platform import ErrorInfo, FunctionConfig, NativeCall, Outcome
from polyfaas_alibaba.serialize import ERROR_TYPE_HEADER, error_body, error_bytes

#: ``X-Fc-Error-Type`` of a failed or timed-out Initializer.
INITIALIZATION_ERROR = "InitializationError"
#: FC's names of the hooks in its log lines, by setting.
LOG_NAMES = {"initializer": "Initialize", "pre-freeze": "PreFreeze", "pre-stop": "PreStop"}
#: Seconds a hook may run when its ``…-timeout`` setting is unset: the Initializer
#: FC's default for code packages (60 s); PreFreeze and PreStop [guess] 3 s.
DEFAULT_TIMEOUTS = {"initializer": 60.0, "pre-freeze": 3.0, "pre-stop": 3.0}
FAILED_SUFFIX = ", Error: Unhandled function error"


@attrs.frozen
class InitializationFailure:
    """The value of a call the instance answered instead of making it: its Initializer
    failed (``body`` is FC's error document, serialised)."""

    body: bytes


def hook_timeout(config: FunctionConfig, hook: str) -> float:
    """Seconds the hook ``hook`` (``initializer``, ``pre-freeze``, ``pre-stop``) may run:
    its ``…-timeout`` setting, else FC's default."""
    value = config.setting(f"{hook}-timeout")
    try:
        return float(value) if value else DEFAULT_TIMEOUTS[hook]
    except ValueError:
        return DEFAULT_TIMEOUTS[hook]


def initialization_failed(failure: InitializationFailure, call: NativeCall) -> Response:
    """FC's answer to a call whose instance's Initializer failed or timed out: 200
    (behind an HTTP trigger too), ``X-Fc-Error-Type: InitializationError``."""
    return Response(
        200,
        [
            ("Content-Type", "application/json"),
            (ERROR_TYPE_HEADER, INITIALIZATION_ERROR),
            ("X-Fc-Request-Id", call.request_id),
        ],
        failure.body,
    )


def fc_context_of(call: NativeCall) -> Any:
    """The FC context object of an invocation: the handler's last argument, or a WSGI
    call's ``environ["fc.context"]``."""
    if call.args and isinstance(call.args[0], dict) and "fc.context" in call.args[0]:
        return call.args[0]["fc.context"]
    return call.args[-1] if call.args else None


def load_hook(handler: str) -> Callable[[Any], Any]:
    """The function a hook's handler string (``file.function``) names, from the module
    the function's own handler was loaded from when it is the same file."""
    module_name, _, attribute = handler.rpartition(".")
    if not module_name or not attribute:
        raise ValueError(f"Invalid handler '{handler}'")
    module = sys.modules.get(module_name) or import_module(module_name)
    hook = getattr(module, attribute, None)
    if not callable(hook):
        raise AttributeError(f"Handler '{attribute}' is missing on module '{module_name}'")
    return hook  # type: ignore[no-any-return]


def _timeout_document(timeout: float) -> dict[str, str]:
    return {
        "errorMessage": f"Function initialization timeout after {timeout:g}s",
        "errorType": INITIALIZATION_ERROR,
    }


class FCInstanceHooks:
    """The lifecycle of one FC instance, run inside it around each call (the protocol
    of ``polyfaas.platform.PlatformHalf.instance_hooks``)."""

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self.initialized = False
        self.last: NativeCall | None = None
        self.write = write or _print

    def before_call(self, call: NativeCall) -> Outcome | None:
        """The Initializer before the instance's first call; an ``Outcome`` answers
        the call instead when it failed (the instance then retires)."""
        self.last = call
        if self.initialized:
            return None
        handler = call.config.setting("initializer")
        if not handler:
            self.initialized = True
            return None
        timeout = hook_timeout(call.config, "initializer")
        document = self.run_hook("initializer", handler, call, timeout)
        if document is None:
            self.initialized = True
            return None
        return Outcome(value=InitializationFailure(error_bytes(document)))

    def after_call(self, call: NativeCall) -> None:
        """PreFreeze after each call, when configured."""
        handler = call.config.setting("pre-freeze")
        if handler:
            self.run_hook("pre-freeze", handler, call, hook_timeout(call.config, "pre-freeze"))

    @property
    def shutdown_grace(self) -> float:
        """Seconds the entry's own stop work (an ASGI app's lifespan shutdown) may take
        after PreStop in a worker process: the PreStop timeout (FC's bound on the
        instance's stop)."""
        call = self.last
        return (
            DEFAULT_TIMEOUTS["pre-stop"] if call is None else hook_timeout(call.config, "pre-stop")
        )

    def stop(self) -> None:
        """PreStop before the instance goes, when configured and it served a call."""
        call = self.last
        if call is None or not self.initialized:
            return
        handler = call.config.setting("pre-stop")
        if handler:
            self.run_hook("pre-stop", handler, call, hook_timeout(call.config, "pre-stop"))

    def run_hook(
        self, hook: str, handler: str, call: NativeCall, timeout: float
    ) -> dict[str, Any] | None:
        """Call ``handler`` as FC calls hook ``hook``: its own request id, FC's log lines,
        within ``timeout``; FC's error document when it raised or timed out."""
        from polyfaas_alibaba.builtin import request_id

        rid = request_id()
        context = copy.copy(fc_context_of(call))
        if context is not None:
            context.request_id = rid
        name = LOG_NAMES[hook]
        self.write(f"FC {name} Start RequestId: {rid}")
        failure: list[ErrorInfo] = []

        def run() -> None:
            try:
                load_hook(handler)(context)
            except Exception as exc:
                failure.append(ErrorInfo.from_exception(exc))

        worker = threading.Thread(target=run, name=f"fc-{hook}", daemon=True)
        worker.start()
        worker.join(timeout)
        document: dict[str, Any] | None = None
        if worker.is_alive():
            document = _timeout_document(timeout)
        elif failure:
            sys.stderr.write(failure[0].text)
            sys.stderr.flush()
            document = error_body(failure[0])
        self.write(f"FC {name} End RequestId: {rid}{FAILED_SUFFIX if document else ''}")
        return document


def _print(line: str) -> None:
    print(line, flush=True)


def instance_hooks() -> FCInstanceHooks:
    """The test kit's lifecycle of an FC instance in this process."""
    return FCInstanceHooks()
