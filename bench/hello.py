"""The hello handler every runner benchmark serves, as a portable entry and as WSGI."""

from __future__ import annotations

from typing import Any

import polyfaas

BODY = b'{"hello":"world"}'


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> polyfaas.Response:
    return polyfaas.Response(200, {"Content-Type": "application/json"}, BODY)


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The same answer as a bare WSGI app, for werkzeug to serve directly."""
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]


def ff_handler(request: Any) -> Any:
    """The same answer for functions-framework (a Flask request in, a Flask response out)."""
    import flask

    return flask.Response(BODY, 200, {"Content-Type": "application/json"})
