"""Running ``async def`` handlers from the synchronous entry every platform calls.

asyncio is imported only when a handler is async: it costs cold start. Each thread
that calls a handler keeps one event loop for the instance's life, so clients an
init hook creates stay bound to a loop that keeps running across calls, and two
calls served side by side (``--concurrency``, a threaded server) never share a loop
(one loop cannot run twice at once).
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable


class _ThreadLoop:
    """A thread's own loop, closed when the thread ends (its local storage goes)."""

    def __init__(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        # At interpreter exit asyncio's own modules may already be gone: nothing to tidy.
        if sys.is_finalizing() or self.loop.is_running() or self.loop.is_closed():
            return
        self.loop.close()


class _Loops:
    """The instance's event loops: one per calling thread, and one on a thread of its
    own for callers that already run a loop (ours cannot nest in theirs)."""

    def __init__(self) -> None:
        self.per_thread = threading.local()
        self.background: asyncio.AbstractEventLoop | None = None
        self.lock = threading.Lock()

    def for_this_thread(self) -> asyncio.AbstractEventLoop:
        owned: _ThreadLoop | None = getattr(self.per_thread, "owned", None)
        if owned is None or owned.loop.is_closed():
            owned = self.per_thread.owned = _ThreadLoop()
        return owned.loop

    def on_own_thread(self) -> asyncio.AbstractEventLoop:
        import asyncio

        with self.lock:
            if self.background is None:
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="polyfaas-asyncio", daemon=True
                ).start()
                self.background = loop
            return self.background


_loops = _Loops()


def resolve(value: Any) -> Any:
    """``value`` itself, or its result when it is awaitable (a coroutine)."""
    if not hasattr(value, "__await__"):
        return value
    return run(value)


def run(awaitable: Awaitable[Any]) -> Any:
    """Run ``awaitable`` to completion on this instance's event loop."""
    import asyncio

    async def wrapper() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _loops.for_this_thread().run_until_complete(wrapper())
    return asyncio.run_coroutine_threadsafe(wrapper(), _loops.on_own_thread()).result()
