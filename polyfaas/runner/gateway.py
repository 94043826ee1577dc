"""``polyfaas run --gateway`` / ``--config``: several functions behind one front door.

A platform half reads its gateway file into a ``GatewaySpec`` (routes, functions, the
answer to an unknown route). Each function gets instances, a ``Dispatcher`` and
``Background`` of its own; each route a ``RunnerApp`` whose configuration carries the
route template (``ROUTE_SETTING``), so the platform half builds the event the gateway
would (``path`` the template, the path parameters filled). ``GatewayApp`` in front
hands each request to the first route that takes its method and path.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

import attrs

from polyfaas import providers
from polyfaas._gateway import route_order
from polyfaas._multidict import mask_urls
from polyfaas._request import PATH_SAFE, decode_path
from polyfaas._response import Response
from polyfaas._target import Target
from polyfaas.errors import PolyfaasError
from polyfaas.platform import (
    ROUTE_SETTING,
    FunctionConfig,
    GatewayFunction,
    GatewayRoute,
    GatewaySpec,
    InstancePool,
    PlatformHalf,
    route_params,
)
from polyfaas.runner.app import Background, Dispatcher, RunnerApp
from polyfaas.runner.bounded import BoundedWSGIServer, ServerLimits
from polyfaas.runner.server import Reloader, check_port, instance_environ, make_pool
from polyfaas.runner.storage import base_url_of, with_storage
from polyfaas.storage._local import DEFAULT_DIR
from polyfaas.wsgi_bridge import StartResponse, start_wsgi_response


@attrs.frozen(kw_only=True)
class GatewaySettings:
    """Everything ``polyfaas run --gateway``/``--config`` was asked for."""

    spec: GatewaySpec
    #: Function key → its TARGET.
    targets: Mapping[str, Target]
    provider: str
    host: str = "127.0.0.1"
    port: int = 8080
    instances: int = 1
    concurrency: int = 1
    #: The command line's configuration (memory, timeout, variables, settings), under
    #: what the file says of each function.
    config: FunctionConfig = attrs.field(factory=FunctionConfig)
    limits: ServerLimits = attrs.field(factory=ServerLimits)
    #: Restart a function's instances when a source file under its folder changes.
    reload: bool = False


def function_config(settings: GatewaySettings, function: GatewayFunction) -> FunctionConfig:
    """``function``'s configuration: the file's values over the command line's, with the
    runner's storage variables for its instances (``polyfaas.runner.storage``)."""
    target = settings.targets[function.key]
    base = settings.config
    config = attrs.evolve(
        base,
        name=function.name or function.key,
        handler=target.handler_string,
        memory_mb=function.memory_mb or base.memory_mb,
        timeout=function.timeout if function.timeout is not None else base.timeout,
        environment={**function.environment, **base.environment},
    )
    base_url = base_url_of(settings.host, settings.port)
    return with_storage(config, target.folder / DEFAULT_DIR, base_url, relative_to=target.folder)


def route_config(config: FunctionConfig, route: GatewayRoute) -> FunctionConfig:
    """The function's configuration on ``route``: the route's settings, its template."""
    return attrs.evolve(
        config, settings={**config.settings, **route.settings, ROUTE_SETTING: route.template}
    )


def request_path(environ: Mapping[str, Any]) -> str:
    """The decoded path of a WSGI request, as ``request_from_environ`` reads it."""
    from urllib.parse import quote

    raw = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "").partition("?")[0]
    if not raw.startswith("/"):
        path_info = str(environ.get("PATH_INFO", "")).encode("latin-1", "replace")
        raw = quote(path_info, safe=PATH_SAFE)
    return decode_path(raw or "/")


def without_prefix(environ: dict[str, Any], prefix: str) -> None:
    """Take ``prefix`` off the request's path in ``environ`` (its request target and
    ``PATH_INFO``), so the function sees the path after it, ``/`` at least."""
    for key in ("REQUEST_URI", "RAW_URI", "PATH_INFO"):
        value = environ.get(key)
        if isinstance(value, str) and value.startswith(prefix):
            rest = value[len(prefix) :]
            environ[key] = rest if rest.startswith("/") else "/" + rest


class GatewayApp:
    """WSGI application: the first route that takes a request's method and path hands
    it to its function's ``RunnerApp``; no route, the gateway's own ``unmatched``."""

    def __init__(
        self,
        routes: Sequence[tuple[GatewayRoute, RunnerApp]],
        unmatched: Response,
        access_log: TextIO | None = None,
        wrong_method: Response | None = None,
    ) -> None:
        self.routes = list(routes)
        self.unmatched = unmatched
        self.wrong_method = wrong_method
        self.access_log = access_log if access_log is not None else sys.stderr

    def route_for(self, method: str, path: str) -> tuple[GatewayRoute, RunnerApp] | Response:
        """The first route taking ``method`` on ``path`` and its app, or the gateway's
        answer: ``wrong_method`` when a route takes the path only, else ``unmatched``."""
        path_taken = False
        for route, app in self.routes:
            if route_params(route.template, path) is None:
                continue
            if not route.methods or method in route.methods:
                return route, app
            path_taken = True
        if path_taken and self.wrong_method is not None:
            return self.wrong_method
        return self.unmatched

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = request_path(environ)
        found = self.route_for(method, path)
        if not isinstance(found, Response):
            route, app = found
            if route.strip_prefix:
                without_prefix(environ, route.strip_prefix)
            return app(environ, start_response)
        answer = found
        # The body is never read: the front door closes the connection after this answer.
        query = str(environ.get("QUERY_STRING", ""))
        target = mask_urls(path + (f"?{query}" if query else ""))
        ms = (time.perf_counter() - started) * 1000
        client = environ.get("REMOTE_ADDR") or "-"
        self.access_log.write(f"{client} {method} {target} {answer.status} {ms:.1f} ms -\n")
        self.access_log.flush()
        body = start_wsgi_response(answer, start_response)
        return [] if method == "HEAD" else body


@attrs.define
class Served:
    """What ``build_gateway`` started: the server, the pools, the front app."""

    server: BoundedWSGIServer
    pools: list[InstancePool]
    app: GatewayApp
    platform: PlatformHalf
    configs: dict[str, FunctionConfig]
    #: Each function's asynchronous calls (its routes' apps share them).
    backgrounds: list[Background]

    def close(self) -> None:
        """Stop serving; cancel the queued asynchronous calls and finish those under
        way (within the longest timeout); stop every instance."""
        self.server.server_close()
        longest = max((self.platform.timeout(c) for c in self.configs.values()), default=0.0)
        for background in self.backgrounds:
            background.close(longest + 1)
        for pool in self.pools:
            pool.close()


def build_gateway(settings: GatewaySettings, log: TextIO) -> Served:
    """Every function's pool, every route's app, and the server in front of them."""
    check_port(settings.host, settings.port)
    platform = providers.platform_half(settings.provider)
    pools: list[InstancePool] = []
    configs: dict[str, FunctionConfig] = {}
    backgrounds: dict[str, Background] = {}
    routes: list[tuple[GatewayRoute, RunnerApp]] = []
    try:
        for function in settings.spec.functions:
            config = function_config(settings, function)
            pool = make_pool(
                platform,
                settings.targets[function.key],
                config,
                size=settings.instances,
                concurrency=settings.concurrency,
            )
            pools.append(pool)
            configs[function.key] = config
            backgrounds[function.key] = Background(Dispatcher(platform, pool, config, log))
        by_key = dict(zip(configs, pools))
        for route in sorted(settings.spec.routes, key=route_order):
            dispatcher = Dispatcher(
                platform, by_key[route.function], route_config(configs[route.function], route), log
            )
            routes.append((route, RunnerApp(dispatcher, background=backgrounds[route.function])))
        app = GatewayApp(routes, settings.spec.unmatched, wrong_method=settings.spec.wrong_method)
        server = BoundedWSGIServer(settings.host, settings.port, app, settings.limits)
    except BaseException:
        for background in backgrounds.values():
            background.close(0)
        for pool in pools:
            pool.close()
        raise
    return Served(server, pools, app, platform, configs, list(backgrounds.values()))


def banner(settings: GatewaySettings, served: Served) -> str:
    """What the runner says at start: the file, each route and its function, where."""
    port = served.server.server_port
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    base = f"http://{host}:{port}"
    spec = settings.spec
    lines = [f"polyfaas run: {spec.source} as provider {settings.provider!r}"]
    for route, _app in served.app.routes:
        target = settings.targets[route.function]
        lines.append(f"{route.label()} -> {route.function} ({target.handler_string})")
    lines += [f"not served: {item}" for item in spec.skipped]
    for key, config in served.configs.items():
        timeout = served.platform.timeout(config)
        lines.append(
            f"Function {key!r}: {settings.targets[key].folder}, timeout {timeout:g} s, "
            f"memory {config.memory_mb} MB, instances {settings.instances}, reload "
            + ("on" if settings.reload else "off")
        )
    lines.append(f"Running on {base} (Press CTRL+C to quit)")
    return "".join(f" * {line}\n" for line in lines)


def targets_of(
    spec: GatewaySpec,
    given: Mapping[str, Target],
    folder: Path,
    parse: Callable[[str], Target],
) -> dict[str, Target]:
    """Each function's TARGET: ``given`` (``--function KEY=TARGET``) over the file's
    own (relative to its ``folder``, read by ``parse``); an error names a function
    without one, and a ``--function`` the file does not have."""
    keys = [function.key for function in spec.functions]
    unknown = [key for key in given if key not in keys]
    if unknown:
        raise PolyfaasError(
            f"--function {unknown[0]}: {spec.source} has no such function "
            f"(it has: {', '.join(keys)})"
        )
    targets: dict[str, Target] = {}
    for function in spec.functions:
        if function.key in given:
            targets[function.key] = given[function.key]
        elif function.target:
            written = Path(function.target.partition(":")[0])
            file_target = function.target
            if not written.is_absolute() and written.suffix == ".py":
                file_target = str(folder / function.target)
            targets[function.key] = parse(file_target)
        else:
            raise PolyfaasError(
                f"{spec.source}: function {function.key} has no TARGET; give "
                f"--function {function.key}=file.py:handler"
            )
    return targets


def run_gateway(settings: GatewaySettings, log: TextIO | None = None) -> None:
    """Serve until SIGINT or SIGTERM; instances never outlive the runner."""
    out = log if log is not None else sys.stdout
    served = build_gateway(settings, out)
    reloaders = [
        Reloader(
            settings.targets[key].folder,
            pool,
            out,
            settings.targets[key],
            instance_environ(served.platform, served.configs[key]),
        )
        for key, pool in zip(served.configs, served.pools)
        if settings.reload
    ]

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    previous_int = signal.signal(signal.SIGINT, stop)
    try:
        for reloader in reloaders:
            reloader.start()
        out.write(banner(settings, served))
        out.flush()
        served.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        for reloader in reloaders:
            reloader.stopped.set()
        served.close()
