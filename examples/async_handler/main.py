"""An ``async def`` handler: concurrent I/O inside one call.

asyncio is imported only for async handlers; one event loop lives per instance, so
loop-bound clients created in an init hook stay usable across calls.
"""

from __future__ import annotations

import asyncio

import polyfaas

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())


async def fetch(name: str, delay: float) -> str:
    await asyncio.sleep(delay)  # stands for a network call
    return name.upper()


@polyfaas.http
async def handler(request: polyfaas.Request, context: polyfaas.Context) -> dict[str, object]:
    # One comma-separated value, not ?name=a&name=b: FC 3.0 HTTP triggers join repeats.
    names = request.query.get("names", "world").split(",")
    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await asyncio.gather(*(fetch(name, 0.2) for name in names))
    return {"results": list(results), "concurrent": loop.time() - started < 0.2 * len(names)}
