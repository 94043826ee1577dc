"""An emulated FC instance: handler loading and the lifecycle hooks, the FC way.

- ``load_handler(code_path, "dir/pkg.module.func")`` resolves a handler string as FC's
  Python bootstrap does (``rsplit('.', 1)``, dots in the module part are folders, a
  ``/`` prefix too) and fails with FC's own ``errorType``: ``InvalidHandleName``,
  ``ImportModuleError``, ``UserCodeSyntaxError``, ``UserCodeError``,
  ``HandlerNotFound``.
- ``Instance`` is one FC instance: the initializer runs once, before the first
  invocation; if it fails, that invocation fails with the initializer's error and
  the next one runs it again (FC starts a new instance); ``freeze()`` and ``stop()``
  call the pre-freeze and pre-stop hooks, each ``hook(context)``.

This is for the runner and the tests; nothing here is on the runtime path.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any, Callable, Union

from polyfaas._event import Event
from polyfaas._native import ErrorInfo, FunctionConfig, NativeCall, Outcome, call_native
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import HandlerImportError
from polyfaas.platform import instance_environment
from polyfaas_alibaba import serialize
from polyfaas_alibaba.event import AlibabaPlatform
from polyfaas_alibaba.event import platform as default_platform


class HandlerLoadError(HandlerImportError):
    """A handler string FC could not load; ``error_type`` is FC's name for the failure."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message

    def body(self) -> dict[str, str]:
        """The error document FC's caller receives."""
        return {"errorMessage": self.message, "errorType": self.error_type}


#: A loaded handler or hook, or why it could not be loaded.
Hook = Union[Callable[..., Any], HandlerLoadError]


def load_handler(code_path: str, handler: str) -> Callable[..., Any]:
    """The function ``handler`` (``file.function``) names under ``code_path``."""
    module_name, dot, function_name = handler.rpartition(".")
    if not dot or not module_name or not function_name:
        raise HandlerLoadError(serialize.INVALID_HANDLER, f"Invalid handler '{handler}'")
    relative = module_name.replace(".", "/")
    candidates = [
        os.path.join(code_path, relative + ".py"),
        os.path.join(code_path, relative, "__init__.py"),
    ]
    filename = next((path for path in candidates if os.path.isfile(path)), None)
    if filename is None:
        raise HandlerLoadError(
            serialize.IMPORT_MODULE_ERROR, f"Unable to import module '{module_name}'"
        )
    import_name = relative.replace("/", ".")
    module = _modules.get(filename)
    if module is None:
        module = _import(filename, import_name, module_name, code_path)
        _modules[filename] = module
    function = getattr(module, function_name, None)
    if function is None or not callable(function):
        raise HandlerLoadError(
            serialize.HANDLER_NOT_FOUND,
            f"Handler '{function_name}' is missing on module '{module_name}'",
        )
    return function  # type: ignore[no-any-return]


# One module object per file, so a handler and its hooks share the module's globals
# (what an initializer sets up is there for the handler).
_modules: dict[str, Any] = {}


def _import(filename: str, import_name: str, module_name: str, code_path: str) -> Any:
    spec = importlib.util.spec_from_file_location(import_name, filename)
    if spec is None or spec.loader is None:
        raise HandlerLoadError(
            serialize.IMPORT_MODULE_ERROR, f"Unable to import module '{module_name}'"
        )
    module = importlib.util.module_from_spec(spec)
    if code_path not in sys.path:
        sys.path.insert(0, code_path)
    sys.modules[import_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError:
        sys.modules.pop(import_name, None)
        raise HandlerLoadError(
            serialize.SYNTAX_ERROR, f"Syntax error in module '{module_name}'"
        ) from None
    except Exception as exc:
        sys.modules.pop(import_name, None)
        raise HandlerLoadError(
            serialize.USER_CODE_ERROR, f"Module initialization error: '{exc}'"
        ) from exc
    return module


class Instance:
    """One emulated FC instance of a function: its handler and lifecycle hooks."""

    def __init__(
        self,
        handler: Hook,
        *,
        initializer: Hook | None = None,
        pre_freeze: Hook | None = None,
        pre_stop: Hook | None = None,
        config: FunctionConfig | None = None,
        platform: AlibabaPlatform | None = None,
    ) -> None:
        self.handler = handler
        self.initializer = initializer
        self.pre_freeze = pre_freeze
        self.pre_stop = pre_stop
        self.config = config or FunctionConfig()
        self.platform = platform or default_platform
        #: Whether the initializer has succeeded (FC guarantees one success per instance).
        self.initialized = initializer is None
        #: How many instances FC would have started (a failed initializer costs one).
        self.generation = 1

    def invoke(self, payload: Request | Event) -> Response:
        """What the caller receives for ``payload``, the initializer run first if due."""
        call = self.platform.call(payload, self.config)
        if not self.initialized and self.initializer is not None:
            hook_outcome = self._run("initializer", self.initializer)
            if hook_outcome.error is not None:
                self.generation += 1
                return self.platform.receive(hook_outcome, call)
            self.initialized = True
        return self.platform.receive(self._native(self.handler, call), call)

    def freeze(self) -> Outcome | None:
        """Call the pre-freeze hook, if configured, as FC does before freezing."""
        return self._run("pre-freeze", self.pre_freeze) if self.pre_freeze else None

    def stop(self) -> Outcome | None:
        """Call the pre-stop hook, if configured, as FC does before destroying."""
        return self._run("pre-stop", self.pre_stop) if self.pre_stop else None

    def _run(self, hook: str, function: Hook) -> Outcome:
        return self._native(function, self.platform.hook_call(hook, self.config))

    @staticmethod
    def _native(function: Hook, call: NativeCall) -> Outcome:
        if isinstance(function, HandlerLoadError):
            return Outcome(error=ErrorInfo(type=function.error_type, message=function.message))
        with instance_environment(call.environ):
            return call_native(function, call)

    @classmethod
    def from_code(
        cls,
        code_path: str,
        handler: str = "index.handler",
        *,
        initializer: str | None = None,
        pre_freeze: str | None = None,
        pre_stop: str | None = None,
        config: FunctionConfig | None = None,
        platform: AlibabaPlatform | None = None,
    ) -> Instance:
        """An instance of the code in ``code_path``, handler strings as FC takes them.

        A handler or hook that fails to load fails every call into it with FC's
        ``errorType`` for the failure (and no stack trace).
        """
        base = config or FunctionConfig()
        environment = {**base.environment, "FC_FUNC_CODE_PATH": code_path}
        import attrs

        config = attrs.evolve(base, handler=handler, environment=environment)

        def load(name: str) -> Hook:
            try:
                return load_handler(code_path, name)
            except HandlerLoadError as exc:
                return exc

        return cls(
            load(handler),
            initializer=None if initializer is None else load(initializer),
            pre_freeze=None if pre_freeze is None else load(pre_freeze),
            pre_stop=None if pre_stop is None else load(pre_stop),
            config=config,
            platform=platform,
        )
