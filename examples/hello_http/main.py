"""Hello HTTP: one portable handler, the same answer on every provider."""

from __future__ import annotations

import polyfaas

#: The providers this example runs on (tests/test_examples.py runs it on each).
PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> dict[str, str]:
    return {"hello": request.query.get("name", "world"), "provider": context.provider}
