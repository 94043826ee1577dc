"""An FC custom runtime: the function is an HTTP server of its own.

``polyfaas serve`` is that server: FC starts ``bootstrap`` in the instance, and it
listens on ``0.0.0.0:$FC_CUSTOM_LISTEN_PORT`` (9000), answering FC's ``/invoke``,
``/initialize`` and HTTP calls with this portable entry. The same file deploys to the
built-in runtimes and to Yandex unchanged.
"""

from __future__ import annotations

import os

import polyfaas

PROVIDERS = ("local", "alibaba-custom")


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> dict[str, object]:
    return {
        "provider": context.provider,
        "path": request.path,
        "request_id": context.request_id,
        "pid": os.getpid(),
    }
