"""The ``alibaba`` provider's emulated side: FC calling a built-in Python function's
event handler ``handler(event: bytes, context)``.

It builds the bytes (``emulated.http_trigger``, ``emulated.native_events``), the
context object (``native_context``) and the instance's environment FC would, and
answers the caller as FC does: the result serialised (``serialize``),
``X-Fc-Request-Id`` on every answer, errors as ``{errorMessage, errorType,
stackTrace}`` with ``X-Fc-Error-Type: UnhandledInvocationError``, status 200 for
event invocations and 502 behind an HTTP trigger. The cloud side is ``builtin``.
"""

from __future__ import annotations

import time
from typing import Any

import attrs

from polyfaas import Event, Request, Response
from polyfaas.errors import ResponseFormatError
from polyfaas.platform import (
    ErrorInfo,
    FunctionConfig,
    Loss,
    NativeCall,
    Outcome,
    Package,
    override,
)
from polyfaas.runtime import dump_json, to_response
from polyfaas_alibaba import serialize
from polyfaas_alibaba.builtin import NAME, request_id
from polyfaas_alibaba.context import field
from polyfaas_alibaba.emulated import deploy, fc_base
from polyfaas_alibaba.emulated.fc_base import REQUEST_ID_HEADER, FCWorkerPlatform
from polyfaas_alibaba.emulated.front_door import FCAsync


class AlibabaPlatform(FCAsync, FCWorkerPlatform):
    """Platform half of ``alibaba``: imitates FC calling a built-in Python function
    (``python`` and ``default_domain`` as in ``FCPlatform``)."""

    name = NAME
    facts = attrs.evolve(
        fc_base.FACTS,
        losses={
            Loss.QUERY_REPEATS_JOINED: "an FC 3.0 HTTP-trigger event joins a repeated query "
            "key's values with ',' (ASSUMPTIONS.md §2); `?tags=a,b` is the common case, so "
            "polyfaas keeps the join",
            Loss.SET_COOKIE_JOINED: "the HTTP-trigger result maps one value per header name "
            "(ASSUMPTIONS.md §2): several Set-Cookie reach the client joined into one",
        },
        python_runtimes=deploy.FC3_PYTHON,
    )

    # -- the native call and its answer ---------------------------------------------

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        from polyfaas_alibaba.emulated.http_trigger import event_from_request
        from polyfaas_alibaba.emulated.native_events import event_payload

        now = time.time()
        rid = request_id(now)
        account = fc_base.account_of(config)
        if isinstance(payload, Request):
            native = event_from_request(payload, request_id=rid, account_id=account, now=now)
            args: tuple[Any, ...] = (dump_json(native), self.context(config, rid))
        else:
            raw = event_payload(payload, account_id=account, region=fc_base.region_of(config))
            args = (raw, self.context(config, rid))
        return NativeCall(
            args=args,
            environ=self.environment(config),
            request_id=rid,
            deadline=now + self.timeout(config),
            payload=payload,
            config=config,
        )

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        """FC's answer (``X-Fc-Log-Result`` with it when the caller asked for the log)."""
        from polyfaas_alibaba.emulated.instance_logging import with_log_tail

        return with_log_tail(self._answer(outcome, call), outcome, call)

    def _answer(self, outcome: Outcome, call: NativeCall) -> Response:
        from polyfaas_alibaba.emulated.http_trigger import BadResult, response_from_result
        from polyfaas_alibaba.emulated.lifecycle import (
            InitializationFailure,
            initialization_failed,
        )

        if isinstance(outcome.value, InitializationFailure):
            return initialization_failed(outcome.value, call)
        if outcome.error is not None:
            return fc_base.failed_answer(outcome.error, call)
        try:
            response = None
            if isinstance(call.payload, Request):
                response = response_from_result(outcome.value)
                if response is not None:
                    response = to_response(response)  # its header fields can be sent
            if response is None:
                body = serialize.serialize_result(outcome.value)
                response = Response(200, [("Content-Type", "application/octet-stream")], body)
        except (BadResult, ResponseFormatError) as exc:  # e.g. a header with CR/LF
            return fc_base.bad_response(str(exc), call)
        except (TypeError, ValueError) as exc:
            fc_base.log_error(call, str(exc))
            document = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return fc_base.error_answer(document, call)
        headers = [*response.headers.items(), (REQUEST_ID_HEADER, call.request_id)]
        if self.on_default_domain(call.config) and isinstance(call.payload, Request):
            headers.append(("Content-Disposition", "attachment"))
        return Response(response.status, headers, response.body)

    @override
    def timed_out(self, call: NativeCall) -> Response:
        return fc_base.timeout_answer(field(call.args[-1], "function"), call)

    @override
    def crashed(self, call: NativeCall, detail: str) -> Response:
        return fc_base.crash_answer(call, detail)

    @override
    def load_failed(self, call: NativeCall, reason: str, error: ErrorInfo) -> Response:
        """FC's answer when the handler cannot load, named as FC's runtime names it."""
        function = field(call.args[-1], "function") if call.args else None
        return fc_base.load_failure_answer(function, reason, error, call)

    # -- deployment packages ----------------------------------------------------------

    @override
    def deploy_files(self, package: Package) -> dict[str, str]:
        """The ``fc3`` component's ``s.yaml`` (``emulated.deploy``)."""
        return {"s.yaml": deploy.fc3_yaml(package)}

    # -- the front door -------------------------------------------------------------

    @override
    def endpoints(self, config: FunctionConfig, base_url: str) -> list[str]:
        """FC's InvokeFunction URL for the function's events; the HTTP trigger."""
        from polyfaas_alibaba.emulated import front_door

        return front_door.endpoints(config, base_url, default_domain=self.on_default_domain(config))

    @override
    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        """InvokeFunction's path is an event invocation of this function; any other
        request comes through the HTTP trigger, within FC's limits."""
        from polyfaas_alibaba.emulated.front_door import admit_invocation, check_request

        return admit_invocation(request, config) or check_request(request) or request


platform = AlibabaPlatform(default_domain=True)  # the fcapp.run domain unless --custom-domain

__all__ = ["AlibabaPlatform", "platform"]
