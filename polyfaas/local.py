"""The ``local`` provider: the canonical model itself, no translation.

Its native call is ``entry(request_or_event, context)`` and its native result is
the canonical ``Response`` (or the event handler's value). It is the reference
every other provider is tested against, and the default of the runner.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas._context import Context
from polyfaas._entry import describe_call
from polyfaas._event import Event, EventBatch, new_id
from polyfaas._invocation import Invocation
from polyfaas._normalize import to_response
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import ResponseFormatError, UnknownCallError

if TYPE_CHECKING:
    import logging

    from polyfaas._native import FunctionConfig, NativeCall, Outcome


def _logger() -> logging.Logger:
    import logging

    return logging.getLogger("polyfaas.local")


class LocalRuntime:
    """Runtime half of ``local``: the call already is canonical."""

    name = "local"

    def detect(
        self, args: tuple[Any, ...], kwargs: Mapping[str, Any], environ: Mapping[str, str]
    ) -> bool:
        return bool(args) and isinstance(args[0], (Request, Event, EventBatch))

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

    def encode(self, result: Any, invocation: Invocation) -> Any:
        return result


class LocalPlatform:
    """Platform half of ``local``: calls the entry with canonical objects."""

    name = "local"
    default_timeout = 60.0

    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        # The platform vocabulary stays off the runtime path, where this module is
        # imported to detect canonical calls.
        from polyfaas._native import NativeCall

        timeout = config.timeout if config.timeout is not None else self.default_timeout
        deadline = time.time() + timeout
        context = Context(
            provider="local",
            request_id=new_id(),
            function_name=config.name,
            function_version=config.version or "$LATEST",
            memory_limit_mb=config.memory_mb,
            deadline=deadline,
            region=config.region,
            account_id=config.account_id,
            credentials=config.credentials,
        )
        return NativeCall(
            args=(payload, context),
            environ=dict(config.environment),
            request_id=context.request_id,
            deadline=deadline,
            payload=payload,
        )

    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        if outcome.error is not None:
            _logger().error("request %s failed:\n%s", call.request_id, outcome.error.text.rstrip())
            return self._error(500, "Internal Server Error", call)
        try:
            response = to_response(outcome.value)
        except ResponseFormatError as exc:
            _logger().error("request %s: %s", call.request_id, exc)
            return self._error(500, "Internal Server Error", call)
        return Response(
            response.status,
            [*response.headers.items(), ("X-Request-Id", call.request_id)],
            response.body,
        )

    def timed_out(self, call: NativeCall) -> Response:
        return self._error(504, "Function timed out", call)

    def crashed(self, call: NativeCall, detail: str) -> Response:
        return self._error(502, f"Function instance exited: {detail}", call)

    @staticmethod
    def _error(status: int, message: str, call: NativeCall) -> Response:
        return Response.from_text(message, status, [("X-Request-Id", call.request_id)])


runtime = LocalRuntime()
platform = LocalPlatform()
