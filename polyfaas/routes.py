"""The HTTP routes of a loaded TARGET (``polyfaas routes``), read from the app object.

No I/O: ``route_table`` collects, ``table_lines`` and ``Route.as_json`` format; the CLI
prints. Flask, Starlette/FastAPI and Django tables come from the frameworks' own
routing objects; the frameworks are recognised by the modules of the app's classes and
imported only by the function that reads their objects (none of them is a dependency).
Paths keep each framework's notation (``/hello/<name>``, ``/items/{item_id}``,
``/hello/<str:name>``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from polyfaas.errors import PolyfaasError

#: The methods of a route that answers every method.
ANY_METHOD = "*"
#: The "method" of a WebSocket route.
WEBSOCKET = "WEBSOCKET"
#: The path of a route every path reaches (API Gateway's greedy notation).
CATCH_ALL = "/{path+}"
#: The column titles of ``table_lines``.
HEADER = ("METHODS", "PATH", "NAME")

_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_FRAMEWORKS = ("flask", "fastapi", "starlette", "django")


@attrs.frozen
class Route:
    """One row of a route table: the methods it answers (``("*",)``: any method;
    ``("WEBSOCKET",)``: a WebSocket route), its path, and the framework's name for it
    (Flask's endpoint, Starlette's route name, Django's URL name or view)."""

    methods: tuple[str, ...]
    path: str
    name: str

    def as_json(self) -> dict[str, Any]:
        return {"methods": list(self.methods), "path": self.path, "name": self.name}


@attrs.frozen
class RouteTable:
    """The routes of a TARGET, and ``note``: a sentence on why there are none (an event
    handler) or how the table falls short (Django patterns that could not be read)."""

    routes: tuple[Route, ...]
    note: str = ""


def route_table(obj: Any) -> RouteTable:
    """The routes of a loaded TARGET: a polyfaas entry, a bare WSGI or ASGI app, or a
    native ``handler(event, context)``."""
    from polyfaas._entry import Entry
    from polyfaas._target import callable_kind

    name = _name_of(obj)
    if isinstance(obj, Entry):
        if obj.kind == "event":
            return RouteTable(
                (), f"{name} is an @polyfaas.event handler: it takes events, not HTTP routes"
            )
        if obj.kind == "http":
            return RouteTable((catch_all(name),))
        return app_routes(obj.app)
    kind = callable_kind(obj)
    if kind in ("wsgi", "asgi"):
        return app_routes(obj)
    if kind == "native":
        return RouteTable(
            (),
            f"{name} is a native handler(event, context): it takes the platform's own "
            "calls (events, or a gateway's HTTP envelopes), not HTTP routes",
        )
    raise PolyfaasError(
        f"{name} is neither a polyfaas entry, a WSGI or ASGI application, nor a "
        "handler(event, context): it has no routes"
    )


def app_routes(app: Any) -> RouteTable:
    """The routes of a WSGI or ASGI application: its framework's table, or one row
    every path reaches for an app whose routing polyfaas cannot read."""
    framework = framework_of(app)
    if framework == "flask":
        return RouteTable(tuple(flask_routes(app)))
    if framework in ("fastapi", "starlette") and hasattr(app, "routes"):
        return RouteTable(tuple(starlette_routes(app.routes)))
    if framework == "django":
        return django_routes(app)
    return RouteTable((catch_all(_name_of(app)),))


def catch_all(name: str) -> Route:
    """The one row of an app that routes for itself: every method, every path."""
    return Route((ANY_METHOD,), CATCH_ALL, name)


def framework_of(app: Any) -> str:
    """``"flask"``, ``"fastapi"``, ``"starlette"``, ``"django"``, or ``""``: the
    package the app's class (or one of its bases) comes from, so a subclass in the
    user's module counts and nothing is imported to tell."""
    for cls in type(app).__mro__:
        top = cls.__module__.partition(".")[0]
        if top in _FRAMEWORKS:
            return top
    return ""


def ordered_methods(methods: Iterable[str]) -> tuple[str, ...]:
    """``methods`` in the usual order (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS,
    then the others alphabetically), ``("*",)`` when there are none."""
    found = {m.upper() for m in methods}
    known = [m for m in _METHOD_ORDER if m in found]
    return tuple(known + sorted(found - set(known))) or (ANY_METHOD,)


# -- Flask ------------------------------------------------------------------------------


def flask_routes(app: Any) -> Iterator[Route]:
    """``app.url_map``'s rules, in the order they were added (Flask's ``static`` rule
    first). HEAD is dropped where GET is there (werkzeug adds it to every GET rule, so
    an explicit one cannot be told apart), OPTIONS where Flask added it itself."""
    for rule in app.url_map.iter_rules():
        if getattr(rule, "websocket", False):
            yield Route((WEBSOCKET,), rule.rule, str(rule.endpoint))
            continue
        methods = set(rule.methods or ())  # None: the rule takes every method
        if getattr(rule, "provide_automatic_options", False):
            methods.discard("OPTIONS")
        if "GET" in methods:
            methods.discard("HEAD")
        yield Route(ordered_methods(methods), rule.rule, str(rule.endpoint))


# -- Starlette and FastAPI --------------------------------------------------------------


def starlette_routes(routes: Any, prefix: str = "", names: str = "") -> Iterator[Route]:
    """The rows of a Starlette or FastAPI route list, recursing into ``Mount`` (its
    path a prefix, its name one of the names, as ``url_path_for`` takes them) and
    ``Host``; a mounted app that is no router is one row, ``prefix/*``."""
    from starlette.routing import Host, Mount, WebSocketRoute

    for route in _flattened(routes):
        # FastAPI's view of an included router's route: the original for its class,
        # the view itself for the path with the include's prefix.
        original = getattr(route, "original_route", route)
        path = prefix + (getattr(route, "path", None) or "")
        name = getattr(route, "name", None)
        if isinstance(original, (Mount, Host)):
            inner = f"{names}{name}:" if name else names
            if isinstance(original, Host):
                yield from starlette_routes(route.routes, prefix, inner)
            elif route.routes:
                yield from starlette_routes(route.routes, path, inner)
            elif not hasattr(route.app, "routes"):  # an app, not an empty router
                yield Route((ANY_METHOD,), f"{path}/*", names + (name or _name_of(route.app)))
            continue
        if not hasattr(route, "path"):
            continue  # a route type of its own, without a path to show
        full_name = names + (name or "")
        if isinstance(original, WebSocketRoute):
            yield Route((WEBSOCKET,), path, full_name)
            continue
        yield Route(_starlette_methods(route, original), path, full_name)


def _flattened(routes: Any) -> Iterable[Any]:
    """FastAPI's routes with its included routers opened (FastAPI 0.16x keeps an
    included router as one entry of ``app.routes``; earlier releases copied its
    routes in, which this leaves as they are)."""
    if any(type(route).__module__.startswith("fastapi.") for route in routes):
        try:
            from fastapi.routing import iter_route_contexts
        except ImportError:  # an older FastAPI: its routes are already flat
            return list(routes)
        return list(iter_route_contexts(list(routes)))
    return list(routes)


def _starlette_methods(route: Any, original: Any) -> tuple[str, ...]:
    methods = getattr(route, "methods", None)
    if methods is None:  # a class endpoint: an HTTPEndpoint answers the methods it defines
        endpoint = getattr(route, "endpoint", None)
        if isinstance(endpoint, type) and _has_base(
            endpoint, "starlette.endpoints", "HTTPEndpoint"
        ):
            return ordered_methods(m for m in _METHOD_ORDER if hasattr(endpoint, m.lower()))
        return (ANY_METHOD,)
    found = set(methods)
    # Starlette's Route adds HEAD to every GET route; FastAPI's APIRoute does not.
    if "GET" in found and not _has_base(type(original), "fastapi.routing", "APIRoute"):
        found.discard("HEAD")
    return ordered_methods(found)


def _has_base(cls: type, module: str, name: str) -> bool:
    return any(c.__module__ == module and c.__name__ == name for c in cls.__mro__)


# -- Django -----------------------------------------------------------------------------


def django_routes(app: Any) -> RouteTable:
    """The URL patterns of the project's root URLconf (``ROOT_URLCONF``), with the
    prefixes of ``include()`` joined and namespaces in the names; every method reaches
    a Django view (a view refuses methods itself). Patterns that cannot be read (no
    settings, a URLconf that fails to import) give one catch-all row and a note."""
    try:
        from django.urls import get_resolver

        rows = tuple(_django_patterns(get_resolver().url_patterns, "/", ""))
    except Exception as exc:  # whatever the project's URLconf raises: say so, list one row
        return RouteTable(
            (catch_all(_name_of(app)),),
            f"the Django URL patterns cannot be read ({type(exc).__name__}: {exc}); "
            "the table shows every path reaching the app",
        )
    return RouteTable(rows)


def _django_patterns(patterns: Any, prefix: str, namespace: str) -> Iterator[Route]:
    for pattern in patterns:
        path = prefix + _django_text(pattern.pattern)
        if hasattr(pattern, "url_patterns"):  # a URLResolver: include()
            ns = getattr(pattern, "namespace", None)
            yield from _django_patterns(
                pattern.url_patterns, path, f"{namespace}{ns}:" if ns else namespace
            )
            continue
        name = (
            f"{namespace}{pattern.name}"
            if pattern.name
            else str(getattr(pattern, "lookup_str", ""))
        )
        yield Route((ANY_METHOD,), path, name)


def _django_text(pattern: Any) -> str:
    """A pattern's piece of the path: a ``path()`` route as written, a ``re_path()``
    regex without its anchors (``^``, ``$``, ``\\Z``)."""
    text = str(pattern)
    if type(pattern).__name__ == "RegexPattern":
        text = text.removeprefix("^")
        for anchor in ("\\Z", "$"):
            text = text.removesuffix(anchor)
    return text


# -- formatting -------------------------------------------------------------------------


def table_lines(routes: Iterable[Route]) -> list[str]:
    """The human table: a header, then one line a route, in aligned columns."""
    rows = [HEADER, *((",".join(r.methods), r.path, r.name) for r in routes)]
    methods_width = max(len(row[0]) for row in rows)
    path_width = max(len(row[1]) for row in rows)
    return [
        f"{methods:<{methods_width}}  {path:<{path_width}}  {name}".rstrip()
        for methods, path, name in rows
    ]


def _name_of(obj: Any) -> str:
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    return str(name) if name else type(obj).__qualname__
