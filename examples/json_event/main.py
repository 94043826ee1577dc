"""A JSON event (FC's Python handler example 1), portable.

FC hands the handler raw bytes and Yandex a parsed dict; ``event.data`` is the payload
already decoded on both, so the handler never calls ``json.loads`` itself.
"""

from __future__ import annotations

from typing import Any

import polyfaas

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())


@polyfaas.event
def handler(event: polyfaas.Event, context: polyfaas.Context) -> Any:
    if not isinstance(event.data, dict) or "key" not in event.data:
        raise ValueError('send a JSON object with a "key"')  # reported as the platform does
    return event.data["key"]
