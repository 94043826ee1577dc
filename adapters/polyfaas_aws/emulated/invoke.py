"""The platform half of ``aws``: Lambda's Invoke API (``POST
/2015-03-31/functions/{name}/invocations``), as boto3's ``lambda`` client and ``sam
local start-lambda`` meet it.

The body is the JSON payload, passed to the handler as the event. ``X-Amz-Invocation-Type``:
``RequestResponse`` (the default: 200 and the function's JSON answer), ``Event`` (202 at
once, the call runs in the background; 1 MB payload limit), ``DryRun`` (204). A
raising handler, a timeout, an exit, an answer that is not JSON or too large: 200 with
``X-Amz-Function-Error: Unhandled`` and the error document. ``X-Amz-Log-Type: Tail``:
``X-Amz-Log-Result``, base64 of the last 4 KB of the call's log. Lambda's own errors
carry ``x-amzn-ErrorType``. Lambda has no HTTP door; any other path is taken as a
function URL's request (payload 2.0), as ``aws-http`` takes it. Sources: ``ASSUMPTIONS.md``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import signal
import time
import weakref
from collections.abc import Mapping
from typing import Any

from polyfaas import Event, EventType, Request, Response
from polyfaas.platform import (
    ErrorInfo,
    FunctionConfig,
    InvocationReport,
    NativeCall,
    Outcome,
    ProviderFacts,
    load_samples,
    override,
)
from polyfaas.runtime import format_rfc3339, new_id
from polyfaas_aws.emulated.context import (
    DEFAULT_ACCOUNT,
    DEFAULT_MEMORY_MB,
    DEFAULT_REGION,
    DEFAULT_TIMEOUT,
)
from polyfaas_aws.emulated.platform import MAX_PAYLOAD, AwsHttpPlatform
from polyfaas_aws.function import envelope_of

_log = logging.getLogger("polyfaas.aws")

INVOKE_PATH = re.compile(r"/2015-03-31/functions/([^/]+)/invocations/?")
#: A function named by name, partial ARN (``account:function:name``) or full ARN,
#: with an optional ``:qualifier``.
FUNCTION_NAME = re.compile(
    r"(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:function:)?([A-Za-z0-9_-]{1,64})(?::[A-Za-z0-9$_-]+)?"
)
#: Lambda's asynchronous invocation payload limit (256 KB until 2025).
MAX_ASYNC_PAYLOAD = 1024 * 1024
#: The waits before Lambda's two retries of an asynchronous invocation the function
#: failed (its code raised, or its runtime: a timeout, an exit), D-async-retry.
ASYNC_RETRY_WAITS_S = (60.0, 120.0)
#: The function's answer may be 100 bytes over the request's limit (Lambda's own
#: figure in its ``Function.ResponseSizeTooLarge`` message).
MAX_RESPONSE = MAX_PAYLOAD + 100
#: The error code of a payload over the limit, as the service and AWS's own Lambda
#: test tool send it; the API reference names it ``RequestTooLargeException``.
TOO_LARGE_ERROR = "RequestEntityTooLargeException"
#: How much of the call's log ``X-Amz-Log-Result`` carries.
LOG_RESULT_BYTES = 4 * 1024
INVOCATION_TYPE_HEADER = "X-Amz-Invocation-Type"
LOG_TYPE_HEADER = "X-Amz-Log-Type"
FUNCTION_ERROR_HEADER = "X-Amz-Function-Error"

#: Invocations whose caller asked for the log tail, by ``id`` of their event.
_TAILED: weakref.WeakValueDictionary[int, Event] = weakref.WeakValueDictionary()
#: How Lambda words a runtime killed by a signal (Go's names for them).
_SIGNAL_WORDS = {
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
}
_EXIT_DETAIL = re.compile(r"instance (?:exited with code (-?\d+)|killed by signal (\w+))")


def lambda_error(status: int, error_type: str, message: str) -> Response:
    """An error Lambda's service answers itself: ``x-amzn-ErrorType`` names it (what
    botocore reads as the error code), the body is ``{"Type", "message"}``."""
    body = json.dumps({"Type": "User", "message": message}).encode()
    return Response(
        status,
        [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", error_type),
            ("x-amzn-RequestId", new_id()),
        ],
        body,
    )


def _invocation_type(request: Request) -> str:
    return request.headers.get(INVOCATION_TYPE_HEADER, "RequestResponse").strip()


def function_arn(name: str, config: FunctionConfig) -> str:
    region = config.region or DEFAULT_REGION
    account = config.account_id or DEFAULT_ACCOUNT
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def stack_trace(error: ErrorInfo) -> list[str]:
    """``stackTrace`` as the Python runtime writes it: ``traceback.format_list`` of the
    frames below its own (here the runner's first frame, as its ``bootstrap.py``)."""
    lines = []
    for frame in error.frames[1:]:
        line = f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
        lines.append(line + (f"    {frame.line}\n" if frame.line else ""))
    return lines


def exit_words(detail: str) -> str:
    """The runner's ``instance exited with code 3`` as Lambda says it: ``exit status 3``
    (``signal: killed`` for a signal)."""
    match = _EXIT_DETAIL.fullmatch(detail)
    if match is None:
        return detail
    code, name = match.groups()
    if code is not None:
        return f"exit status {code}"
    number = getattr(signal, name, None)
    return f"signal: {_SIGNAL_WORDS.get(number, name)}" if number else f"signal: {name}"


def error_log(document: Mapping[str, Any]) -> str:
    """The ``[ERROR]`` entry the Python runtime writes for a failed call: its lines
    joined by carriage returns, so the log keeps it as one entry."""
    head = f"[ERROR] {document['errorType']}: {document['errorMessage']}"
    lines = [head, "Traceback (most recent call last):"]
    for entry in document.get("stackTrace", ()):
        lines += entry.splitlines()
    return "\r".join(lines)


class AwsInvokePlatform(AwsHttpPlatform):
    """Platform half of ``aws``: Lambda invoked directly through its Invoke API."""

    def __init__(self) -> None:
        super().__init__("aws", "http")
        self.facts = ProviderFacts(
            default_timeout=DEFAULT_TIMEOUT,
            unhandled_status=500,  # through the function-URL door; the Invoke API: 200
            # None: HTTP on other paths is a function URL's, whose failures carry no
            # marker; the Invoke API's answers carry X-Amz-Function-Error themselves.
            failure_header=None,
            # Over Lambda's limit the Invoke API answers itself (admit); the runner's
            # own bound only keeps a huge body from being buffered.
            max_request_body=2 * MAX_PAYLOAD,
            secret_headers=frozenset({"x-amz-security-token", "authorization"}),
            samples_package="polyfaas_aws",
        )

    @override
    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        match = INVOKE_PATH.fullmatch(request.path)
        if match is None:
            # Lambda itself has no HTTP door; the runner offers the function URL's
            # (payload 2.0) for any other path, as the conformance contract asks.
            return super().admit(request, config)
        if request.method != "POST":
            return lambda_error(404, "ResourceNotFoundException", "Unknown operation")
        name = FUNCTION_NAME.fullmatch(match.group(1))
        if name is None or name.group(1) != config.name:
            asked = name.group(1) if name is not None else match.group(1)
            _log.error(
                "Invoke: no function %r here (this one is %r: --function-name)", asked, config.name
            )
            message = f"Function not found: {function_arn(asked, config)}"
            return lambda_error(404, "ResourceNotFoundException", message)
        kind = _invocation_type(request)
        if kind not in ("RequestResponse", "Event", "DryRun"):
            return lambda_error(
                400, "InvalidParameterValueException", f"Unknown InvocationType: {kind}"
            )
        limit = MAX_ASYNC_PAYLOAD if kind == "Event" else MAX_PAYLOAD
        if len(request.body) > limit:
            message = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
            _log.error("Invoke: the payload is %d bytes, over %d", len(request.body), limit)
            return lambda_error(413, TOO_LARGE_ERROR, message)
        try:
            data = json.loads(request.body) if request.body.strip() else {}
        except ValueError as exc:
            _log.error("Invoke: the payload is not JSON: %s", exc)
            message = (
                f"Could not parse request body into json: Could not parse payload into json: {exc}"
            )
            return lambda_error(400, "InvalidRequestContentException", message)
        if kind == "DryRun":
            return Response(204, [("x-amzn-RequestId", new_id())], b"")
        event = Event(type=EventType.DIRECT, data=data, source="aws.lambda", native=request.body)
        if request.headers.get(LOG_TYPE_HEADER, "").strip().lower() == "tail":
            _TAILED[id(event)] = event
        return event

    @override
    def asynchronous(self, request: Request, call: NativeCall) -> Response | None:
        if _invocation_type(request) != "Event":
            return None
        return Response(202, [("x-amzn-RequestId", call.request_id), ("Content-Length", "0")])

    @override
    def async_retry(self, call: NativeCall, response: Response, attempt: int) -> float | None:
        """Lambda's retries of a failed ``Event`` invocation: two, one minute and then two
        minutes after the failure (the runner scales the waits by
        ``POLYFAAS_ASYNC_BACKOFF_SCALE``); a success, or the third failure, ends it."""
        if attempt > len(ASYNC_RETRY_WAITS_S) or FUNCTION_ERROR_HEADER not in response.headers:
            return None
        return ASYNC_RETRY_WAITS_S[attempt - 1]

    def _answer(self, body: bytes, call: NativeCall, failed: bool) -> Response:
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", call.request_id),
            ("X-Amz-Executed-Version", call.config.version or "$LATEST"),
        ]
        if failed:
            headers.append((FUNCTION_ERROR_HEADER, "Unhandled"))
        return Response(200, headers, body)

    def _failure(self, document: Mapping[str, Any], call: NativeCall) -> Response:
        return self._answer(json.dumps(document).encode(), call, failed=True)

    def _tail(self, response: Response, call: NativeCall, written: str, ms: float) -> Response:
        """``response`` with ``X-Amz-Log-Result`` when the call asked for the tail: the
        last 4 KB of its log (``START``, what it wrote, ``END``, ``REPORT``)."""
        payload = call.payload
        if not isinstance(payload, Event) or _TAILED.get(id(payload)) is not payload:
            return response
        report = InvocationReport(
            duration_ms=ms, memory_mb=call.config.memory_mb or DEFAULT_MEMORY_MB
        )
        if written and not written.endswith("\n"):
            written += "\n"
        lines = "\n".join(self.end_lines(call, report))
        text = "\n".join(self.start_lines(call)) + "\n" + written + lines + "\n"
        tail = text.encode("utf-8", "replace")[-LOG_RESULT_BYTES:]
        headers = [*response.headers.items(), ("X-Amz-Log-Result", base64.b64encode(tail).decode())]
        return Response(response.status, headers, response.body)

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        if isinstance(call.payload, Request):
            return super().receive(outcome, call)
        response = self._result(outcome, call)
        written = outcome.log
        if FUNCTION_ERROR_HEADER in response.headers and outcome.error is not None:
            written += ("" if not written or written.endswith("\n") else "\n") + error_log(
                json.loads(response.body)
            )
        return self._tail(response, call, written, outcome.duration_ms)

    def _result(self, outcome: Outcome, call: NativeCall) -> Response:
        if outcome.error is not None:
            error = outcome.error
            _log.error("request %s failed:\n%s", call.request_id, error.text.rstrip())
            document = {
                "errorMessage": error.message,
                "errorType": error.type,
                "requestId": call.request_id,
                "stackTrace": stack_trace(error),
            }
            return self._failure(document, call)
        value = outcome.value
        try:
            # The runtime passes bytes through as they are (its marshaller's rule).
            raw = isinstance(value, (bytes, bytearray))
            body = bytes(value) if raw else json.dumps(value).encode()
        except (TypeError, ValueError) as exc:
            _log.error("request %s: the answer is not JSON: %s", call.request_id, exc)
            document = {
                "errorMessage": f"Unable to marshal response: {exc}",
                "errorType": "Runtime.MarshalError",
                "requestId": call.request_id,
                "stackTrace": [],
            }
            return self._failure(document, call)
        if len(body) > MAX_RESPONSE:
            _log.error("request %s: the answer is over %d bytes", call.request_id, MAX_RESPONSE)
            document = {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
            return self._failure(document, call)
        return self._answer(body, call, failed=False)

    @override
    def timed_out(self, call: NativeCall) -> Response:
        if isinstance(call.payload, Request):
            return super().timed_out(call)
        seconds = self.timeout(call.config)
        _log.error("request %s: task timed out after %.2f seconds", call.request_id, seconds)
        document = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {call.request_id} Error: Task timed out after "
            f"{seconds:.2f} seconds",
        }
        # The runtime's own line in the log [unconfirmed wording: observed, not documented].
        now = format_rfc3339(None, 3)
        line = f"{now} {call.request_id} Task timed out after {seconds:.2f} seconds"
        return self._tail(self._failure(document, call), call, line, seconds * 1000)

    @override
    def crashed(self, call: NativeCall, detail: str) -> Response:
        if isinstance(call.payload, Request):
            return super().crashed(call, detail)
        _log.error("request %s: the runtime exited: %s", call.request_id, detail)
        document = {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {call.request_id} Error: Runtime exited with error: "
            f"{exit_words(detail)}",
        }
        deadline = call.deadline if call.deadline is not None else time.time()
        ms = max(0.0, (time.time() - deadline + self.timeout(call.config)) * 1000)
        line = f"{document['errorMessage']}\nRuntime.ExitError"
        return self._tail(self._failure(document, call), call, line, ms)

    @override
    def function_failed(self, response: Response) -> bool:
        return FUNCTION_ERROR_HEADER in response.headers

    @override
    def samples(self) -> Mapping[str, Any]:
        """Every non-HTTP sample of the AWS samples folder (the HTTP envelopes are the
        other AWS providers')."""
        found = load_samples("polyfaas_aws")
        return {kind: event for kind, event in found.items() if envelope_of(event) is None}

    @override
    def endpoints(self, config: FunctionConfig, base_url: str) -> list[str]:
        return [
            f"Lambda Invoke API: POST {base_url}/2015-03-31/functions/{config.name}/invocations"
            f" (boto3: endpoint_url={base_url})"
        ]


#: ``aws``: Lambda invoked directly (boto3's ``lambda`` client, triggers' events).
platform = AwsInvokePlatform()
