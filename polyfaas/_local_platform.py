"""The platform half of ``local``: the runner calls the entry with canonical objects.

A handler that raises answers 500, a timeout 504, a crashed instance 502, each as
plain text; every answer carries ``X-Request-Id``.
"""

from __future__ import annotations

import logging

from polyfaas._context import Context
from polyfaas._event import Event, new_id
from polyfaas._normalize import to_response
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import ResponseFormatError
from polyfaas.platform import (
    FunctionConfig,
    NativeCall,
    Outcome,
    PlatformHalf,
    ProviderFacts,
    override,
)

_logger = logging.getLogger("polyfaas.local")


class LocalPlatform(PlatformHalf):
    """Platform half of ``local``: calls the entry with canonical objects."""

    name = "local"
    #: The runner passes a streamed answer through chunk by chunk.
    facts = ProviderFacts(streams=True)

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        deadline = self.deadline(config)
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
            config=config,
        )

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        if outcome.error is not None:
            _logger.error("request %s failed:\n%s", call.request_id, outcome.error.text.rstrip())
            return self._error(500, "Internal Server Error", call)
        try:
            response = to_response(outcome.value)
        except ResponseFormatError as exc:
            _logger.error("request %s: %s", call.request_id, exc)
            return self._error(500, "Internal Server Error", call)
        return Response(
            response.status,
            [*response.headers.items(), ("X-Request-Id", call.request_id)],
            response.body if response.chunks is None else response.chunks,
        )

    @staticmethod
    def _error(status: int, message: str, call: NativeCall) -> Response:
        return Response.from_text(message, status, [("X-Request-Id", call.request_id)])


platform = LocalPlatform()
