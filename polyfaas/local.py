"""The ``local`` provider: the canonical model itself, no translation.

Its native call is ``entry(request_or_event, context)`` and its native result is
the canonical ``Response`` (or the event handler's value). It is the reference
every other provider is tested against, and the default of the runner. This is its
runtime half; the platform half is ``polyfaas._local_platform``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from polyfaas._context import Context
from polyfaas._entry import describe_call
from polyfaas._event import Event, EventBatch
from polyfaas._invocation import Invocation
from polyfaas._request import Request
from polyfaas.errors import UnknownCallError
from polyfaas.runtime import RuntimeHalf, override


class LocalRuntime(RuntimeHalf):
    """Runtime half of ``local``: the call already is canonical."""

    name = "local"
    cloud = "local"
    #: The canonical ``Response`` is the native answer: a streamed one stays streamed
    #: (the runner sends it chunk by chunk).
    streams = True

    @override
    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        return bool(args) and isinstance(args[0], (Request, Event, EventBatch))

    @override
    def decode(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Invocation:
        payload = args[0] if args else kwargs.get("request", kwargs.get("event"))
        context = args[1] if len(args) > 1 else kwargs.get("context")
        if not isinstance(payload, (Request, Event, EventBatch)) or not (
            context is None or isinstance(context, Context)
        ):
            raise UnknownCallError(
                "the local provider takes (Request | Event, Context | None); got "
                + describe_call(args, kwargs)
            )
        return Invocation(payload, context or Context(provider="local"), native=args)


runtime = LocalRuntime()
