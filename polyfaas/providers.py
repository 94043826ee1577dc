"""The registry of providers: where each one's two halves live, and how they are found.

A provider translates one platform surface to and from the canonical model. Its
**runtime half** (a ``polyfaas.runtime.RuntimeHalf``) runs inside the cloud; its
**platform half** (a ``polyfaas.platform.PlatformHalf``) imitates the cloud for the
local runner and the tests. ``docs/providers.md`` shows how to write one.

Built-in providers are listed in a static table. Other names are looked up in the
``polyfaas.providers`` entry-point group, whose value is an object with ``runtime``
and ``platform`` attributes; that group is read only for a name the table does not
know, or when no built-in provider recognises a call — never on a cold start that a
built-in provider answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from polyfaas.errors import ProviderNotFoundError, ProviderUnavailableError

if TYPE_CHECKING:
    from polyfaas._provider_spec import ProviderSpec
    from polyfaas.platform import PlatformHalf
    from polyfaas.runtime import RuntimeHalf

ENTRY_POINT_GROUP = "polyfaas.providers"


#: The built-in providers, in the order the entry tries them when it detects the
#: platform from a call: ``ProviderSpec`` keyword arguments, plain values, so that
#: detection reads them without creating the class (``BUILTIN`` is built on first use).
_ROWS: dict[str, dict[str, Any]] = {
    "local": {
        "name": "local",
        "runtime": "polyfaas.local:runtime",
        "platform": "polyfaas._local_platform:platform",
        "summary": "canonical request and context, no translation (the default)",
    },
    "alibaba": {
        "name": "alibaba",
        "runtime": "polyfaas_alibaba.builtin:runtime",
        "platform": "polyfaas_alibaba.emulated.builtin:platform",
        "summary": "Alibaba FC built-in Python runtime, handler(event: bytes, context); "
        "FC 3.0 HTTP triggers and other triggers as JSON events",
        "install_hint": "pip install 'polyfaas[alibaba]'",
        "storage": "polyfaas_alibaba.storage:backend",
        "context_hint": ("request_id", "function"),
    },
    # Before the dict-event providers: a WSGI call (environ, start_response) is
    # recognised by its shape, whoever else would take a dict.
    "alibaba-wsgi": {
        "name": "alibaba-wsgi",
        "runtime": "polyfaas_alibaba.wsgi:runtime",
        "platform": "polyfaas_alibaba.emulated.wsgi:platform",
        "summary": "Alibaba FC HTTP function, WSGI handler(environ, start_response) "
        "with fc.context and fc.request_uri",
        "install_hint": "pip install 'polyfaas[alibaba]'",
        "storage": "polyfaas_alibaba.storage:backend",
    },
    "alibaba-custom": {
        "name": "alibaba-custom",
        "runtime": "polyfaas_alibaba.custom:runtime",
        "platform": "polyfaas_alibaba.emulated.custom:platform",
        "summary": "Alibaba FC custom runtime: an HTTP server on port 9000 "
        "(x-fc-control-path), served by `polyfaas serve`",
        "install_hint": "pip install 'polyfaas[alibaba]'",
        "storage": "polyfaas_alibaba.storage:backend",
    },
    "yandex": {
        "name": "yandex",
        "runtime": "polyfaas_yandex.function:runtime",
        "platform": "polyfaas_yandex.emulated.function:platform",
        "summary": "Yandex Cloud Functions handler(event: dict, context), direct call or trigger",
        "install_hint": "pip install 'polyfaas[yandex]'",
        "storage": "polyfaas_yandex.storage:backend",
        "context_hint": ("deadline_ms", "invoked_function_arn"),
    },
    "yandex-gateway": {
        "name": "yandex-gateway",
        "runtime": "polyfaas_yandex.function:gateway_runtime",
        "platform": "polyfaas_yandex.emulated.function:gateway_platform",
        "summary": "the same function behind Yandex API Gateway (greedy /{url+} route, v0.1)",
        "install_hint": "pip install 'polyfaas[yandex]'",
        "storage": "polyfaas_yandex.storage:backend",
    },
    # After Yandex, whose environment and context look alike: a Yandex call is
    # answered before these are imported; an AWS one is offered to them first
    # (context_hint: Yandex's row matches a Yandex context earlier).
    "aws": {
        "name": "aws",
        "runtime": "polyfaas_aws.function:runtime",
        "platform": "polyfaas_aws.emulated.invoke:platform",
        "summary": "AWS Lambda invoked directly (the Invoke API) or by triggers",
    },
    "aws-gateway": {
        "name": "aws-gateway",
        "runtime": "polyfaas_aws.function:gateway_runtime",
        "platform": "polyfaas_aws.emulated.platform:gateway_platform",
        "summary": "AWS Lambda behind an API Gateway REST API (proxy integration, payload 1.0)",
        "context_hint": ("aws_request_id", "invoked_function_arn", "log_stream_name"),
    },
    "aws-http": {
        "name": "aws-http",
        "runtime": "polyfaas_aws.function:http_runtime",
        "platform": "polyfaas_aws.emulated.platform:http_platform",
        "summary": "AWS Lambda behind an API Gateway HTTP API (payload 2.0) or a function URL",
    },
    "aws-alb": {
        "name": "aws-alb",
        "runtime": "polyfaas_aws.function:alb_runtime",
        "platform": "polyfaas_aws.emulated.platform:alb_platform",
        "summary": "AWS Lambda as an Application Load Balancer target "
        "(with or without multi-value headers)",
    },
    # Last: a container is called over HTTP only (its runtime detects no call).
    "container": {
        "name": "container",
        "runtime": "polyfaas_container.server:runtime",
        "platform": "polyfaas_container.emulated.platform:platform",
        "summary": "a container image under the Knative runtime contract: an HTTP server "
        "on $PORT, CloudEvents for events (Knative, Cloud Run, Yandex Serverless "
        "Containers, FC custom containers), served by `polyfaas serve`",
    },
}

_loaded: dict[str, Any] = {}
_table: dict[str, ProviderSpec] = {}

if TYPE_CHECKING:
    #: The built-in providers as ``ProviderSpec`` rows (``_ROWS``), in detection order.
    BUILTIN: Mapping[str, ProviderSpec]


def _builtin() -> Mapping[str, ProviderSpec]:
    if not _table:
        from polyfaas._provider_spec import ProviderSpec

        _table.update((name, ProviderSpec(**row)) for name, row in _ROWS.items())
    return _table


def __getattr__(name: str) -> Any:
    # ``ProviderSpec`` and ``BUILTIN`` on first use (see ``_ROWS``).
    if name == "BUILTIN":
        return _builtin()
    if name == "ProviderSpec":
        from polyfaas._provider_spec import ProviderSpec

        return ProviderSpec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "BUILTIN", "ProviderSpec"})


def spec(name: str) -> ProviderSpec:
    """The provider called ``name``: the built-in table first, then entry points."""
    found = _builtin().get(name) if name in _ROWS else None
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
    return [*_ROWS, *(s.name for s in _entry_point_specs() if s.name not in _ROWS)]


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
    half = _load(getattr(provider, which), provider.name, provider.install_hint)
    _loaded[f"{which}@{name}"] = half
    return half


def storage_backend(name: str) -> Any:
    """The object-storage backend of provider ``name`` (its row's ``storage``, imported
    on first use), or ``None`` when it has none; ``ProviderUnavailableError`` (with the
    install hint) when its code is missing."""
    row = _ROWS.get(name)
    where = row.get("storage", "") if row is not None else spec(name).storage
    if not where:
        return None
    install_hint = row.get("install_hint", "") if row is not None else ""
    return _load(where, name, install_hint)


def builtin_runtimes(args: tuple[Any, ...] = ()) -> Iterator[RuntimeHalf]:
    """The runtime halves of the built-in providers, in detection order; with a
    native call's ``args``, the provider whose ``context_hint`` they match first."""
    # The plain rows, not ``BUILTIN``: a cold start a built-in answers never creates
    # the ``ProviderSpec`` class.
    order = list(_ROWS.values())
    context = args[1] if len(args) == 2 else None
    if context is not None:
        for row in order:
            hint = row.get("context_hint", ())
            if hint and all(hasattr(context, name) for name in hint):
                order.remove(row)
                order.insert(0, row)
                break
    for row in order:
        try:
            yield _load(row["runtime"], row["name"], row.get("install_hint", ""))
        except ProviderUnavailableError:
            continue


def plugin_runtimes(only: Iterable[str] | None = None) -> Iterator[RuntimeHalf]:
    """The runtime halves of installed plugins (all, or those named in ``only``), in
    entry-point order; one that cannot be loaded is passed over."""
    wanted = None if only is None else set(only)
    for provider in _entry_point_specs():
        if provider.name in _ROWS or (wanted is not None and provider.name not in wanted):
            continue
        try:
            yield runtime_half(provider.name)
        except ProviderUnavailableError:
            continue


def _load(target: str, name: str, install_hint: str = "") -> Any:
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
        hint = f" ({install_hint})" if install_hint else ""
        raise ProviderUnavailableError(
            f"provider {name!r} cannot be loaded from {target!r}: {exc}{hint}"
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
    return [_plugin_spec(ep.name, ep.value) for ep in found]


def _plugin_spec(name: str, value: str) -> ProviderSpec:
    # "module:object" names an object with the two halves; a bare "module" is one.
    where = value if ":" in value else f"{value}:"
    separator = "." if not where.endswith(":") else ""
    from polyfaas._provider_spec import ProviderSpec

    return ProviderSpec(
        name=name,
        runtime=f"{where}{separator}runtime",
        platform=f"{where}{separator}platform",
        summary=f"plugin {value}",
    )


__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "ProviderSpec",
    "builtin_runtimes",
    "names",
    "platform_half",
    "plugin_runtimes",
    "runtime_half",
    "spec",
    "storage_backend",
]
