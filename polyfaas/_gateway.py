"""The provider kit's gateway pieces: several functions behind one front door.

A platform half that knows a gateway file (an API Gateway OpenAPI spec, a Serverless
Devs ``s.yaml``) reads it into a ``GatewaySpec`` (``PlatformHalf.read_gateway``):
routes, each naming the function that answers it, and the gateway's own answer to a
request no route takes. ``polyfaas run --gateway``/``--config`` serves it, each
function in instances of its own (``polyfaas.runner.gateway``). The function learns
its route from the setting ``ROUTE_SETTING`` of the configuration it is called
under, and its path parameters from ``route_params``, the matcher the runner uses.

Re-exported by ``polyfaas.platform``; never imported on a runtime path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs

from polyfaas._response import Response
from polyfaas.errors import PolyfaasError

#: The setting naming the route template a gateway called the function on (every
#: platform half takes it; a half that builds routed events reads it).
ROUTE_SETTING = "gateway-route"

#: ``{name}`` (one path segment) or ``{name+}`` (a greedy one: the rest, ``/`` and all).
_PARAMETER = re.compile(r"\{([^{}+]+)(\+?)\}")


def _settings(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _environment(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


@attrs.frozen(kw_only=True)
class GatewayRoute:
    """One route of a gateway: a path template, its methods, the function behind it."""

    #: OpenAPI's path template (``/items/{id}``); ``{name+}`` is greedy.
    template: str
    #: The key of the function that answers (``GatewayFunction.key``).
    function: str
    #: Upper-case methods the route takes; empty: any method.
    methods: tuple[str, ...] = ()
    #: The function's platform settings on this route (a payload format version).
    settings: Mapping[str, str] = attrs.field(factory=dict, converter=_settings)
    #: What the gateway removes from the front of the path before the function sees
    #: it (a function's own URL served under a prefix); empty: nothing.
    strip_prefix: str = ""

    def label(self) -> str:
        """``GET,POST /items/{id}`` (``ANY`` for any method)."""
        return f"{','.join(self.methods) or 'ANY'} {self.template}"


@attrs.frozen(kw_only=True)
class GatewayFunction:
    """A function a gateway file names, and what the file says of it."""

    #: The name the routes use (a Yandex function id, an FC function name).
    key: str
    #: Its TARGET as the file gives it (``code/index.py:handler``), absolute or
    #: relative to the file's folder; empty: the command line names it (``--function``).
    target: str = ""
    #: Its name in the emulated platform's configuration; empty: ``key``.
    name: str = ""
    memory_mb: int | None = None
    timeout: float | None = None
    environment: Mapping[str, str] = attrs.field(
        factory=dict, converter=_environment, repr=lambda value: f"<{len(value)} variables>"
    )


@attrs.frozen(kw_only=True)
class GatewaySpec:
    """What a gateway file describes: its routes, in the order they are tried, and
    its functions; ``unmatched`` is the gateway's answer when no route takes a request."""

    routes: tuple[GatewayRoute, ...]
    functions: tuple[GatewayFunction, ...]
    unmatched: Response
    #: What was read, for the runner's banner (``API Gateway spec openapi.yaml``).
    source: str = ""
    #: Routes of the file that are not served (an integration not emulated), each a line.
    skipped: tuple[str, ...] = ()
    #: The answer when a route takes the path but none the method; ``None``: ``unmatched``.
    wrong_method: Response | None = None


@lru_cache(maxsize=256)
def _pattern(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    names: list[str] = []
    parts: list[str] = []
    end = 0
    for found in _PARAMETER.finditer(template):
        parts.append(re.escape(template[end : found.start()]))
        names.append(found.group(1))
        parts.append("(.+)" if found.group(2) else "([^/]+)")
        end = found.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts)), tuple(names)


def route_params(template: str, path: str) -> dict[str, str] | None:
    """The path parameters of ``path`` (decoded) on route ``template``, or ``None``
    when it does not match: ``{id}`` takes one non-empty segment, ``{name+}`` one or
    more (``/static/{file+}`` takes ``/static/js/a.js`` with ``file`` ``js/a.js``)."""
    pattern, names = _pattern(template)
    found = pattern.fullmatch(path)
    if found is None:
        return None
    return dict(zip(names, found.groups()))


def route_order(route: GatewayRoute) -> tuple[int, int, int, int]:
    """How early ``route`` is tried: literal paths before templated ones, single-segment
    parameters before greedy ones, longer literal text first, a route of its own
    methods before one of any method (OpenAPI's "concrete paths first")."""
    names = _pattern(route.template)[1]
    greedy = route.template.count("+}")
    literal = len(_PARAMETER.sub("", route.template))
    return (greedy, len(names) - greedy, -literal, 0 if route.methods else 1)


def spec_route_table(spec: GatewaySpec) -> Any:
    """``polyfaas routes --gateway``/``--config``: the spec's routes in the order they are
    tried, as ``polyfaas.routes.RouteTable`` rows (the function as the name; ``*`` for
    any method); what is not served is the table's note."""
    from polyfaas.routes import ANY_METHOD, Route, RouteTable

    rows = [
        Route(route.methods or (ANY_METHOD,), route.template, route.function)
        for route in sorted(spec.routes, key=route_order)
    ]
    note = "not served: " + "; ".join(spec.skipped) if spec.skipped else ""
    return RouteTable(tuple(rows), note)


def read_yaml(path: Path) -> Any:
    """The YAML document at ``path`` (PyYAML, from the ``dev`` extra): a clear
    ``PolyfaasError`` without PyYAML, for a file that cannot be read, or bad YAML."""
    try:
        import yaml
    except ImportError:
        raise PolyfaasError(
            f"reading {path.name} needs PyYAML: pip install 'polyfaas[dev]'"
        ) from None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolyfaasError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolyfaasError(f"{path} is not valid YAML: {exc}") from None
