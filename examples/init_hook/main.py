"""An init hook: build a client once per instance and reuse it across calls.

The hook runs before the first call of each instance (on FC, as the function's
``initializer`` when one is configured; in a custom runtime, on ``/initialize``).
If it raises, that call fails and the next call runs it again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import polyfaas

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())


class Client:
    """Stands for an expensive client: a database pool, an SDK session."""

    created: Iterator[int] = itertools.count(1)

    def __init__(self, region: str) -> None:
        self.id = next(Client.created)
        self.region = region
        self.calls = 0

    def query(self) -> int:
        self.calls += 1
        return self.calls


#: What the instance keeps between calls (module globals live as long as the instance).
instance: dict[str, Client] = {}


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> dict[str, int]:
    client = instance["client"]  # the init hook ran before the first call
    return {"client": client.id, "calls": client.query()}


@handler.init
def setup(context: polyfaas.Context) -> None:
    instance["client"] = Client(region=context.region)
