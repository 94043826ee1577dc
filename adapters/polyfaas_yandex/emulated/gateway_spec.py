"""Yandex API Gateway's OpenAPI 3 spec, read for ``polyfaas run --gateway``: each
operation whose ``x-yc-apigateway-integration`` is ``cloud_functions`` becomes a route
to its ``function_id`` (sources in ``ASSUMPTIONS.md``, "Several functions behind one
gateway").

Operations per method (``get``, ``post``…) come before the path's
``x-yc-apigateway-any-method``, which takes the methods the path does not define.
``payload_format_version`` ("0.1" by default, or "1.0") is the route's setting
``payload-version``. Integrations of other types (``dummy``, ``object_storage``,
``http``…) are not emulated: they are listed as skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polyfaas.errors import PolyfaasError
from polyfaas.platform import GatewayFunction, GatewayRoute, GatewaySpec, read_yaml
from polyfaas_yandex.emulated import router

#: OpenAPI 3's operations of a path item.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANY_METHOD = "x-yc-apigateway-any-method"
INTEGRATION = "x-yc-apigateway-integration"
PAYLOAD_VERSIONS = ("0.1", "1.0")


def not_found() -> Any:
    """The gateway's answer to a request no path and method of the spec takes
    ([unconfirmed]: 404 is the docs'; the body's wording is the emulation's)."""
    return router.error_body(404, "NotFound", "Not Found")


def _integration(where: str, operation: Any) -> Mapping[str, Any] | None:
    if not isinstance(operation, Mapping):
        raise PolyfaasError(f"{where} is not an object")
    integration = operation.get(INTEGRATION)
    if integration is None:
        return None
    if not isinstance(integration, Mapping):
        raise PolyfaasError(f"{where}: {INTEGRATION} is not an object")
    return integration


def _route(where: str, template: str, methods: tuple[str, ...], integration: Any) -> GatewayRoute:
    function_id = integration.get("function_id")
    if not isinstance(function_id, str) or not function_id:
        raise PolyfaasError(f"{where}: a cloud_functions integration needs a function_id")
    version = str(integration.get("payload_format_version", "0.1"))
    if version not in PAYLOAD_VERSIONS:
        raise PolyfaasError(
            f"{where}: payload_format_version {version!r} is not one of "
            + ", ".join(PAYLOAD_VERSIONS)
        )
    return GatewayRoute(
        template=template,
        function=function_id,
        methods=methods,
        settings={"payload-version": version},
    )


def read_spec(path: Path) -> GatewaySpec:
    """The routes of the OpenAPI spec at ``path`` (``PolyfaasError`` naming what is wrong)."""
    document = read_yaml(path)
    paths = document.get("paths") if isinstance(document, Mapping) else None
    if not isinstance(document, Mapping) or "openapi" not in document:
        raise PolyfaasError(f"{path} is not an OpenAPI 3 spec (no 'openapi' field)")
    if not isinstance(paths, Mapping) or not paths:
        raise PolyfaasError(f"{path} has no paths")
    routes: list[GatewayRoute] = []
    skipped: list[str] = []
    for template, item in paths.items():
        where = f"{path.name}: {template}"
        if not isinstance(template, str) or not template.startswith("/"):
            raise PolyfaasError(f"{where}: a path must start with '/'")
        if not isinstance(item, Mapping):
            raise PolyfaasError(f"{where} is not an object")
        for key in (*METHODS, ANY_METHOD):
            if key not in item:
                continue
            methods = () if key == ANY_METHOD else (key.upper(),)
            integration = _integration(f"{where} {key}", item[key])
            label = f"{','.join(methods) or 'ANY'} {template}"
            if integration is None or integration.get("type") != "cloud_functions":
                kind = "none" if integration is None else integration.get("type")
                skipped.append(f"{label} (integration {kind})")
                continue
            routes.append(_route(f"{where} {key}", template, methods, integration))
    if not routes:
        raise PolyfaasError(f"{path} has no operation with a cloud_functions integration")
    keys = dict.fromkeys(route.function for route in routes)
    return GatewaySpec(
        routes=tuple(routes),
        functions=tuple(GatewayFunction(key=key) for key in keys),
        unmatched=not_found(),
        source=f"API Gateway spec {path}",
        skipped=tuple(skipped),
    )
