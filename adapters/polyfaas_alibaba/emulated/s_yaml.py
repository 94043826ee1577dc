"""A Serverless Devs 3 ``s.yaml`` read for ``polyfaas run --config``: its ``fc3``
functions with HTTP triggers behind one local front door (sources in
``ASSUMPTIONS.md``, "Several functions in one s.yaml").

On FC each function's HTTP trigger has a URL of its own (``<trigger>.<region>.fcapp.run``),
and one custom domain puts several behind one host by its ``routeConfig``. So:

- with an ``fc3-domain`` resource, its ``routeConfig.routes`` are the routes (``path``
  exact, or ``/prefix/*`` for the prefix and everything under it; ``methods``;
  ``functionName``), answered as behind a custom domain;
- without one, each function with an HTTP trigger is served under ``/<functionName>``
  and sees the path after it, as on its own trigger URL; its trigger's ``methods``
  apply; answers are the default domain's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polyfaas import Response
from polyfaas.errors import PolyfaasError
from polyfaas.platform import GatewayFunction, GatewayRoute, GatewaySpec, read_yaml

#: ``${resources.NAME.props.functionName}``: a route naming another resource's function.
_REFERENCE = re.compile(r"\$\{\s*resources\.([\w-]+)\.props\.functionName\s*\}")
#: The greedy parameter a ``/*`` route and a function's prefix take.
_REST = "{fc_path+}"


def _props(name: str, resource: Any) -> Mapping[str, Any]:
    props = resource.get("props") if isinstance(resource, Mapping) else None
    if not isinstance(props, Mapping):
        raise PolyfaasError(f"s.yaml: resource {name!r} has no props")
    return props


def _methods(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(method).upper() for method in value)


def _function(name: str, props: Mapping[str, Any]) -> GatewayFunction:
    runtime = str(props.get("runtime", ""))
    if not runtime.startswith("python3"):
        raise PolyfaasError(
            f"s.yaml: function {name!r} has runtime {runtime!r}: --config serves the "
            "built-in Python runtimes (python3.x) only"
        )
    module, _, attribute = str(props.get("handler", "index.handler")).rpartition(".")
    code = props.get("code", ".")
    folder = code if isinstance(code, str) else "."
    environment = props.get("environmentVariables") or {}
    if not isinstance(environment, Mapping):
        raise PolyfaasError(f"s.yaml: function {name!r}: environmentVariables is not a map")
    memory = props.get("memorySize")
    timeout = props.get("timeout")
    return GatewayFunction(
        key=name,
        target=f"{folder}/{module.replace('.', '/')}.py:{attribute}",
        memory_mb=int(memory) if isinstance(memory, int) else None,
        timeout=float(timeout) if isinstance(timeout, (int, float)) else None,
        environment={str(k): str(v) for k, v in environment.items()},
    )


def _http_trigger(props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for trigger in props.get("triggers") or []:
        if isinstance(trigger, Mapping) and trigger.get("triggerType") == "http":
            config = trigger.get("triggerConfig")
            return config if isinstance(config, Mapping) else {}
    return None


def _path_routes(
    path: str, function: str, methods: tuple[str, ...], **kw: Any
) -> list[GatewayRoute]:
    """``/a/*`` → ``/a/`` and ``/a/{rest+}``; ``/*`` → every path; else the exact path."""
    if path.endswith("/*"):
        base = path[:-1]
        return [
            GatewayRoute(template=base + _REST, function=function, methods=methods, **kw),
            GatewayRoute(template=base, function=function, methods=methods, **kw),
        ]
    return [GatewayRoute(template=path, function=function, methods=methods, **kw)]


def _domain_routes(props: Mapping[str, Any], names: Mapping[str, str]) -> list[GatewayRoute]:
    config = props.get("routeConfig")
    routes = config.get("routes") if isinstance(config, Mapping) else None
    if not isinstance(routes, list) or not routes:
        raise PolyfaasError("s.yaml: the fc3-domain resource has no routeConfig.routes")
    found: list[GatewayRoute] = []
    for route in routes:
        if not isinstance(route, Mapping) or not isinstance(route.get("path"), str):
            raise PolyfaasError("s.yaml: a routeConfig route needs a path")
        written = str(route.get("functionName", ""))
        reference = _REFERENCE.fullmatch(written)
        function = names.get(reference.group(1), "") if reference else written
        if function not in names.values():
            raise PolyfaasError(
                f"s.yaml: route {route['path']} names function {written!r}, which no fc3 "
                f"resource with an HTTP trigger defines (they are: {', '.join(names.values())})"
            )
        found += _path_routes(
            route["path"],
            function,
            _methods(route.get("methods")),
            settings={"custom-domain": "true"},
        )
    return found


def read_s_yaml(path: Path, *, not_found: Response, wrong_method: Response) -> GatewaySpec:
    """The functions and routes of the Serverless Devs 3 file at ``path``; ``not_found``
    and ``wrong_method`` are the front door's answers to a path no route takes and to
    a method the route's trigger does not take."""
    document = read_yaml(path)
    resources = document.get("resources") if isinstance(document, Mapping) else None
    if not isinstance(resources, Mapping) or not resources:
        raise PolyfaasError(f"{path} is not a Serverless Devs s.yaml (no resources)")
    functions: list[GatewayFunction] = []
    names: dict[str, str] = {}  # resource name → function name
    triggers: dict[str, tuple[str, ...]] = {}
    skipped: list[str] = []
    domains: list[Mapping[str, Any]] = []
    for name, resource in resources.items():
        component = resource.get("component") if isinstance(resource, Mapping) else None
        if component == "fc3-domain":
            domains.append(_props(name, resource))
            continue
        if component != "fc3":
            skipped.append(f"resource {name} (component {component})")
            continue
        props = _props(name, resource)
        function_name = str(props.get("functionName") or name)
        trigger = _http_trigger(props)
        if trigger is None:
            skipped.append(f"function {function_name} (no HTTP trigger)")
            continue
        functions.append(_function(function_name, props))
        names[str(name)] = function_name
        triggers[function_name] = _methods(trigger.get("methods"))
    if not functions:
        raise PolyfaasError(f"{path} has no fc3 function with an HTTP trigger")
    routes: list[GatewayRoute] = []
    if domains:
        for props in domains:
            routes += _domain_routes(props, names)
    else:
        for function in functions:
            prefix = f"/{function.key}"
            methods = triggers[function.key]
            routes += _path_routes(prefix + "/*", function.key, methods, strip_prefix=prefix)
            routes.append(
                GatewayRoute(
                    template=prefix, function=function.key, methods=methods, strip_prefix=prefix
                )
            )
    return GatewaySpec(
        routes=tuple(routes),
        functions=tuple(functions),
        unmatched=not_found,
        wrong_method=wrong_method,
        source=f"Serverless Devs {path}" + (" (custom domain routes)" if domains else ""),
        skipped=tuple(skipped),
    )
