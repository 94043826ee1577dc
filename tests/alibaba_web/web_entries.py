"""The entries the Alibaba web tests deploy: one portable handler, one Flask app and one
Django app (``tests/apps``), importable by file path in a server subprocess too."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:  # a custom runtime's server imports this file by its path
    sys.path.insert(0, ROOT)

import polyfaas  # noqa: E402
from tests.apps import django_app, flask_app  # noqa: E402


@polyfaas.http
def portable(request: polyfaas.Request, context: polyfaas.Context) -> Any:
    if request.path == "/cookies":
        return polyfaas.Response(
            200, [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")], "ok"
        )
    if request.path == "/binary":
        return bytes(range(256))
    if request.path == "/boom":
        raise RuntimeError("boom")
    return {
        "method": request.method,
        "path": request.path,
        "query": request.query.to_dict(flat=False),
        "cookies": request.cookies.to_dict(),
        "auth": request.headers.get("authorization"),
        "body": request.text,
        "type": request.content_type,
    }


@polyfaas.event
def on_event(event: polyfaas.Event, context: polyfaas.Context) -> Any:
    if event.data == "boom":
        raise ValueError("bad payload")
    return {"data": event.data, "provider": context.provider, "request_id": context.request_id}


flask_entry = polyfaas.wsgi(flask_app.app)
django_entry = polyfaas.wsgi(django_app.app)
