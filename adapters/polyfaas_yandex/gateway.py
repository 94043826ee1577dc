"""The ``yandex-gateway`` provider: the same Yandex Cloud Functions handler behind
Yandex API Gateway, on a greedy ``/{url+}`` route with payload format v0.1 (the
default).

Through the gateway, the path (``url``), ``Cookie`` and ``Authorization`` reach
the function; ``path`` is the route template and ``pathParams``/``params`` hold
the greedy parameter ``url`` (the path without its leading ``/``), so a decoded
request has ``path_params == {"url": ...}``. Which headers the gateway strips is
undocumented ([unconfirmed]): the emulation drops hop-by-hop headers only. It adds
the headers of the gateway's WebSocket sample in the official TypeScript types
(``X-Forwarded-Proto``, ``X-Envoy-Original-Path``, ``X-Serverless-Gateway-Id``…).
Errors and the response contract are the function's (§2).

The runtime half is the ``yandex`` one: it decodes every envelope.
"""

from __future__ import annotations

from polyfaas_yandex.platform_half import YandexPlatform
from polyfaas_yandex.runtime_half import YandexRuntime

#: The route of the emulated gateway's integration.
GREEDY_ROUTE = "/{url+}"

runtime = YandexRuntime("yandex-gateway")
platform = YandexPlatform("yandex-gateway", gateway="0.1")
#: The same gateway with ``payload_format_version: "1.0"`` (AWS REST v1-like).
platform_v1 = YandexPlatform("yandex-gateway", gateway="1.0")
