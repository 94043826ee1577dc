"""What the function saw of the request: path, raw path, query and cookies."""

from __future__ import annotations

import polyfaas


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> object:
    return {
        "path": request.path,
        "raw_path": request.raw_path,
        "query": [list(pair) for pair in request.query.items(multi=True)],
        "cookies": [list(pair) for pair in request.cookies.items(multi=True)],
    }
