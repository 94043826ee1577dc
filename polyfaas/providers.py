"""Providers: the protocol of their two halves, and the registry that finds them.

A provider translates one platform surface to and from the canonical model:

- its **runtime half** runs inside the cloud: it recognises the platform's native
  call (``detect``), turns it into an ``Invocation`` (``decode``) and turns the
  handler's result back into the platform's native return value (``encode``);
- its **platform half** imitates the cloud for the local runner and the tests: it
  builds the exact native call the cloud would make from a canonical request or
  event (``call``), and turns the native return value, or the error, into what the
  cloud's caller would receive (``receive``, ``timed_out``, ``crashed``).

Optional hooks, used by the runner and the CLI when a half has them:

- platform ``admit(request, config) -> Request | Event | Response``: what an HTTP
  request to the platform's front door is: an HTTP invocation, an event invocation
  (FC's InvokeFunction path, Yandex's ``?integration=raw``), or an answer of the
  platform's own (limits, unknown endpoints);
- platform ``instance_environ(config) -> Mapping[str, str]``: variables every
  instance starts with;
- platform ``start_lines(call) -> list[str]``, ``end_lines(call, report) -> list[str]``:
  the platform's own log lines around a call (``report`` is an ``InvocationReport``);
- platform ``load_failed(call, reason, error) -> Response``: the answer when the
  TARGET cannot load (``reason`` as in ``HandlerImportError``);
- platform ``instance_setup``: ``"module:function"`` run in each worker-process
  instance before the user's code is imported (logging set up as the platform's
  runtime does); what it returns, if callable, runs before every call with it;
- platform ``make_pool(target, environ, config, *, size, concurrency)``: instances
  of the platform's own kind (default: worker processes calling the entry);
- platform ``function_failed(response) -> bool``: whether an answer reports a
  failed function (FC answers some with 200 and ``X-Fc-Error-Type``), for
  ``polyfaas invoke``'s exit status;
- platform ``samples() -> Mapping[str, Any]``: sample native events by kind, for
  ``polyfaas events``;
- runtime ``serve(target, *, host, port) -> int``: a production server, for
  ``polyfaas serve``.

Built-in providers are listed in a static table. Other names are looked up in the
``polyfaas.providers`` entry-point group, whose value is an object with ``runtime``
and ``platform`` attributes; that group is read only for a name the table does not
know, never on the runtime path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from polyfaas.errors import ProviderNotFoundError, ProviderUnavailableError

if TYPE_CHECKING:
    from polyfaas._event import Event
    from polyfaas._invocation import Invocation
    from polyfaas._native import FunctionConfig, NativeCall, Outcome
    from polyfaas._request import Request
    from polyfaas._response import Response

ENTRY_POINT_GROUP = "polyfaas.providers"


@runtime_checkable
class RuntimeHalf(Protocol):
    """Native call → canonical ``Invocation``; handler result → native return value."""

    name: str

    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        """Whether this call (and the instance's environment) comes from this platform."""

    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        """The canonical invocation of a native call; ``EventFormatError`` if malformed."""

    def encode(self, result: Any, invocation: Invocation) -> Any:
        """The native return value for ``result``: a ``Response`` for an HTTP request,
        the handler's own value for an event, a list of values for a batch."""


@runtime_checkable
class PlatformHalf(Protocol):
    """Canonical request or event → native call; native outcome → what the caller gets."""

    name: str
    #: Seconds a call may run when the function's configuration sets no timeout.
    default_timeout: float

    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        """The exact native call the platform makes for ``payload``."""

    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        """What the platform's caller receives once the native call returned or raised."""

    def timed_out(self, call: NativeCall) -> Response:
        """What the caller receives when the call outlived its timeout."""

    def crashed(self, call: NativeCall, detail: str) -> Response:
        """What the caller receives when the instance died during the call."""


@attrs.frozen(kw_only=True)
class ProviderSpec:
    """Where a provider's halves live (``"module:attribute"``) and what it is."""

    name: str
    runtime: str
    platform: str
    summary: str
    install_hint: str = ""
    #: Attributes that only this platform's native ``context`` has. A call whose
    #: second argument has them all is offered to this provider first, so a cold
    #: start does not import every other adapter to ask it (its ``detect`` still decides).
    context_hint: tuple[str, ...] = ()


#: The built-in providers, in the order the entry tries them when it detects the
#: platform from a call.
BUILTIN: Mapping[str, ProviderSpec] = {
    "local": ProviderSpec(
        name="local",
        runtime="polyfaas.local:runtime",
        platform="polyfaas.local:platform",
        summary="canonical request and context, no translation (the default)",
    ),
    "alibaba": ProviderSpec(
        name="alibaba",
        runtime="polyfaas_alibaba.event:runtime",
        platform="polyfaas_alibaba.event:platform",
        summary="Alibaba FC built-in Python runtime, handler(event: bytes, context); "
        "FC 3.0 HTTP triggers and other triggers as JSON events",
        install_hint="pip install 'polyfaas[alibaba]'",
        context_hint=("request_id", "function"),
    ),
    # Before the dict-event providers: a WSGI call (environ, start_response) is
    # recognised by its shape, whoever else would take a dict.
    "alibaba-wsgi": ProviderSpec(
        name="alibaba-wsgi",
        runtime="polyfaas_alibaba.wsgi:runtime",
        platform="polyfaas_alibaba.wsgi:platform",
        summary="Alibaba FC HTTP function, WSGI handler(environ, start_response) "
        "with fc.context and fc.request_uri",
        install_hint="pip install 'polyfaas[alibaba]'",
    ),
    "alibaba-custom": ProviderSpec(
        name="alibaba-custom",
        runtime="polyfaas_alibaba.custom:runtime",
        platform="polyfaas_alibaba.custom:platform",
        summary="Alibaba FC custom runtime: an HTTP server on port 9000 "
        "(x-fc-control-path), served by `polyfaas serve`",
        install_hint="pip install 'polyfaas[alibaba]'",
    ),
    "yandex": ProviderSpec(
        name="yandex",
        runtime="polyfaas_yandex.function:runtime",
        platform="polyfaas_yandex.function:platform",
        summary="Yandex Cloud Functions handler(event: dict, context), direct call or trigger",
        install_hint="pip install 'polyfaas[yandex]'",
        context_hint=("deadline_ms", "invoked_function_arn"),
    ),
    "yandex-gateway": ProviderSpec(
        name="yandex-gateway",
        runtime="polyfaas_yandex.gateway:runtime",
        platform="polyfaas_yandex.gateway:platform",
        summary="the same function behind Yandex API Gateway (greedy /{url+} route, v0.1)",
        install_hint="pip install 'polyfaas[yandex]'",
    ),
}

_loaded: dict[str, Any] = {}


def spec(name: str) -> ProviderSpec:
    """The provider called ``name``: the built-in table first, then entry points."""
    found = BUILTIN.get(name)
    if found is not None:
        return found
    for plugin in _entry_point_specs():
        if plugin.name == name:
            return plugin
    raise ProviderNotFoundError(
        f"no provider named {name!r}; known providers: {', '.join(names())}"
    )


def names() -> list[str]:
    """Every provider name: built-ins in table order, then installed plugins."""
    return [*BUILTIN, *(s.name for s in _entry_point_specs() if s.name not in BUILTIN)]


def runtime_half(name: str) -> RuntimeHalf:
    """The runtime half of provider ``name`` (imported on first use)."""
    half: RuntimeHalf = _half(name, "runtime")
    return half


def platform_half(name: str) -> PlatformHalf:
    """The platform half of provider ``name`` (imported on first use)."""
    half: PlatformHalf = _half(name, "platform")
    return half


def _half(name: str, which: str) -> Any:
    # Cached by name, so a plugin's entry points are read once, not on every call.
    try:
        return _loaded[f"{which}@{name}"]
    except KeyError:
        pass
    provider = spec(name)
    half = _load(getattr(provider, which), provider)
    _loaded[f"{which}@{name}"] = half
    return half


def builtin_runtimes(args: tuple[Any, ...] = ()) -> Iterator[RuntimeHalf]:
    """The runtime halves of the built-in providers, in detection order; with a
    native call's ``args``, the provider whose ``context_hint`` they match first."""
    order = list(BUILTIN.values())
    context = args[1] if len(args) == 2 else None
    if context is not None:
        for provider in order:
            hint = provider.context_hint
            if hint and all(hasattr(context, name) for name in hint):
                order.remove(provider)
                order.insert(0, provider)
                break
    for provider in order:
        try:
            yield _load(provider.runtime, provider)
        except ProviderUnavailableError:
            continue


def _load(target: str, provider: ProviderSpec) -> Any:
    try:
        return _loaded[target]
    except KeyError:
        pass
    module_name, _, attribute = target.partition(":")
    from importlib import import_module

    try:
        obj: Any = import_module(module_name)
        for part in attribute.split("."):
            obj = getattr(obj, part)
    except ImportError as exc:
        hint = f" ({provider.install_hint})" if provider.install_hint else ""
        raise ProviderUnavailableError(
            f"provider {provider.name!r} cannot be loaded from {target!r}: {exc}{hint}"
        ) from exc
    _loaded[target] = obj
    return obj


def _entry_point_specs() -> list[ProviderSpec]:
    import sys
    from importlib.metadata import entry_points

    if sys.version_info >= (3, 10):
        found = list(entry_points(group=ENTRY_POINT_GROUP))
    else:  # Python 3.9: a dict of groups
        found = list(entry_points().get(ENTRY_POINT_GROUP, []))
    return [
        ProviderSpec(
            name=ep.name,
            runtime=f"{ep.value}.runtime",
            platform=f"{ep.value}.platform",
            summary=f"plugin {ep.value}",
        )
        for ep in found
    ]
