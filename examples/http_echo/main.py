"""An HTTP echo (FC's Python handler example 4), portable.

The seed parses FC's HTTP-trigger JSON and decodes ``isBase64Encoded`` bodies by
hand; here ``request.body`` is the bytes the client sent on every provider, text or
binary, and the answer keeps the request's content type.
"""

from __future__ import annotations

import polyfaas

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> polyfaas.Response:
    context.logger.info("%s %s: %d bytes", request.method, request.path, len(request.body))
    content_type = request.content_type or "text/plain"
    return polyfaas.Response(200, {"Content-Type": content_type}, request.body)
