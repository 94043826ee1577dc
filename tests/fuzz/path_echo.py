"""A handler that answers with the path it got (the path tests of ``test_decoders_total``)."""

from __future__ import annotations

from typing import Any

import polyfaas


@polyfaas.http
def handler(request: polyfaas.Request, context: Any) -> dict[str, Any]:
    return {"path": request.path, "raw_path": request.raw_path}


@polyfaas.event
def on_event(event: polyfaas.Event, context: Any) -> dict[str, Any]:
    data = event.data
    return {"type": type(data).__name__, "size": len(data) if isinstance(data, str) else None}
