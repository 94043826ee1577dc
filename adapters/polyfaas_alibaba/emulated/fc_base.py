"""What FC does alike in front of all three of its surfaces (event handler, WSGI HTTP
function, custom runtime), as helpers the platform halves share: the variables an
instance starts with (ASSUMPTIONS.md §7), the context object FC passes, FC's error answer,
and its log lines.

``FCPlatform`` is a base of helpers only: it defines none of ``PlatformHalf``'s hooks,
so each provider's behaviour is its own (no variant inherits another's answers or
log lines).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from polyfaas import Request, Response
from polyfaas.platform import (
    ErrorInfo,
    FunctionConfig,
    InvocationReport,
    NativeCall,
    PlatformHalf,
    ProviderFacts,
    Setting,
    override,
)
from polyfaas_alibaba import native_context, serialize
from polyfaas_alibaba.context import field, number
from polyfaas_alibaba.emulated.settings import FC_SETTINGS
from polyfaas_alibaba.serialize import ERROR_TYPE_HEADER, UNHANDLED, error_bytes

DEFAULT_ACCOUNT_ID = "1234567890123456"
DEFAULT_REGION = "cn-hangzhou"
REQUEST_ID_HEADER = "X-Fc-Request-Id"
#: The largest request body FC's front door takes (32 MB).
MAX_BODY = 32 * 1024 * 1024
#: Request headers that carry the function role's keys (custom runtime, ASSUMPTIONS.md §4).
SECRET_HEADERS = frozenset({"x-fc-access-key-id", "x-fc-access-key-secret", "x-fc-security-token"})
#: The largest code zip FC takes: 500 MB through the console, a developer tool (``s
#: deploy``) or OSS in FC's main regions (100 MB in the others, and through the API);
#: the unpacked size has no documented limit (ASSUMPTIONS.md "Deployment packages").
MAX_PACKAGE_ZIP = 500 * 1024 * 1024
#: What every FC surface documents alike; each provider adds what is its own.
FACTS = ProviderFacts(
    default_timeout=60.0,
    unhandled_status=502,
    failure_header=ERROR_TYPE_HEADER,
    max_request_body=MAX_BODY,
    too_large_status=400,
    secret_headers=SECRET_HEADERS,
    samples_package="polyfaas_alibaba",
    max_package_zip=MAX_PACKAGE_ZIP,
)


class FCPlatform(PlatformHalf):
    """Helpers of FC's platform halves (no hooks).

    ``python`` picks the context shape (``"3.12"`` has no credentials, service or
    tracing; anything else gets the 3.9/3.10 shape). ``default_domain=True`` adds the
    ``Content-Disposition: attachment`` FC forces on HTTP-trigger answers from its
    default ``*.fcapp.run`` domain; ``False`` imitates a custom domain. A function's
    ``custom-domain`` setting (``--custom-domain``) decides per function
    (``on_default_domain``).
    """

    def __init__(self, *, python: str = "3.10", default_domain: bool = False) -> None:
        self.python = python
        self.default_domain = default_domain
        self.instance_id = f"c-{os.urandom(4).hex()}-{os.urandom(4).hex()}-{os.urandom(6).hex()}"

    def on_default_domain(self, config: FunctionConfig | None) -> bool:
        """Whether the function's HTTP trigger answers from FC's default domain: not
        when its ``custom-domain`` setting is ``true``, yes when it is ``false``, else
        as this platform half was made (``default_domain``)."""
        chosen = config.setting("custom-domain") if config is not None else ""
        return self.default_domain if chosen not in ("true", "false") else chosen == "false"

    @override
    def settings(self) -> Sequence[Setting]:
        """FC's lifecycle hooks and the custom domain (``emulated.settings``)."""
        return FC_SETTINGS

    def context(self, config: FunctionConfig, rid: str) -> Any:
        """The context object FC passes, in this platform's Python shape."""
        version = config.version or "LATEST"
        timeout = int(self.timeout(config))
        account = account_of(config)
        region = region_of(config)
        if self.python == "3.12":
            meta = native_context.FunctionMeta(
                config.name, config.handler, config.memory_mb, timeout, version, "LATEST"
            )
            return native_context.FCContext312(account, rid, meta, None, "", "", region)
        creds = config.credentials
        return native_context.FCContext(
            account_id=account,
            request_id=rid,
            credentials=native_context.Credentials(
                (creds.access_key_id or "") if creds else "",
                (creds.access_key_secret or "") if creds else "",
                (creds.security_token or "") if creds else "",
            ),
            # At concurrency 1 FC's runtime passes these two as their header strings.
            function_meta=native_context.FunctionMeta(
                config.name, config.handler, config.memory_mb, str(timeout)
            ),
            service_meta=native_context.ServiceMeta("", "", "", "LATEST", version),
            region=region,
            retry_count="0",
        )

    def environment(self, config: FunctionConfig) -> dict[str, str]:
        """The variables FC sets on the instance (ASSUMPTIONS.md §7), over the function's own.

        ``FC_FUNC_CODE_PATH`` is ``/code`` unless the configuration names the code folder.
        """
        environ = dict(config.environment)
        environ.update(
            FC_FUNC_CODE_PATH=config.environment.get("FC_FUNC_CODE_PATH", "/code"),
            FC_ACCOUNT_ID=account_of(config),
            FC_FUNCTION_HANDLER=config.handler,
            FC_FUNCTION_MEMORY_SIZE=str(config.memory_mb),
            FC_FUNCTION_NAME=config.name,
            FC_FUNCTION_VERSION=config.version or "LATEST",
            FC_REGION=region_of(config),
            FC_INSTANCE_ID=self.instance_id,
        )
        creds = config.credentials
        if creds is not None and creds.access_key_id:
            environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = creds.access_key_id
            environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = creds.access_key_secret or ""
            environ["ALIBABA_CLOUD_SECURITY_TOKEN"] = creds.security_token or ""
        return environ


class FCWorkerPlatform(FCPlatform):
    """The instance hooks of FC's platform halves whose instances call the handler in
    a worker process (the built-in runtime, WSGI functions): FC's variables, its
    Python bootstrap's logging, its lifecycle hooks and its log lines."""

    @override
    def instance_environ(self, config: FunctionConfig) -> dict[str, str]:
        """The variables every instance starts with."""
        return self.environment(config)

    @override
    def instance_setup(self) -> str | None:
        """The runner sets each instance's logging up as FC's Python bootstrap does."""
        return "polyfaas_alibaba.emulated.instance_logging:setup_instance"

    @override
    def instance_hooks(self) -> str | None:
        """FC's Initializer, PreFreeze and PreStop (``emulated.lifecycle``), in the test kit."""
        return "polyfaas_alibaba.emulated.lifecycle:instance_hooks"

    @override
    def start_lines(self, call: NativeCall) -> list[str]:
        """FC's log line before a call."""
        return start_lines(call)

    @override
    def end_lines(self, call: NativeCall, report: InvocationReport) -> list[str]:
        """FC's log line after a call (with the error note of a failed one)."""
        return end_lines(call, report)


def account_of(config: FunctionConfig) -> str:
    """The function's account id (a fixed default when unset)."""
    return config.account_id or DEFAULT_ACCOUNT_ID


def region_of(config: FunctionConfig) -> str:
    """The function's region (``cn-hangzhou`` when unset)."""
    return config.region or DEFAULT_REGION


def error_answer(body: Mapping[str, Any], call: NativeCall) -> Response:
    """A failed call as FC's caller sees it: 502 behind an HTTP trigger, else 200,
    both with ``X-Fc-Error-Type: UnhandledInvocationError``."""
    return Response(
        502 if isinstance(call.payload, Request) else 200,
        [
            ("Content-Type", "application/json"),
            (ERROR_TYPE_HEADER, UNHANDLED),
            (REQUEST_ID_HEADER, call.request_id),
        ],
        error_bytes(body),
    )


#: The type of the error a handler's answer that cannot be a response raises (a header
#: with CR/LF/NUL, a name that is no token, a value that is no response).
RESPONSE_FORMAT_ERROR = "ResponseFormatError"


def bad_response(message: str, call: NativeCall) -> Response:
    """FC's answer to a function's answer it cannot send: 502 ``BadResponse``."""
    log_error(call, f"BadResponse: {message}")
    return error_answer({"errorMessage": message, "errorType": "BadResponse"}, call)


def failed_answer(error: ErrorInfo, call: NativeCall) -> Response:
    """FC's answer to a call that raised: ``BadResponse`` when what failed is the
    answer itself (``ResponseFormatError``), else the unhandled error as it is."""
    if error.type == RESPONSE_FORMAT_ERROR:
        return bad_response(error.message, call)
    log_error(call, error.text)
    return error_answer(serialize.error_body(error), call)


def timeout_answer(function: Any, call: NativeCall) -> Response:
    """FC's answer to a call that outlived the timeout of ``function`` (``context.function``)."""
    timeout = number(field(function, "timeout"))
    return error_answer({"errorMessage": f"Function time out after {timeout}s"}, call)


def crash_answer(call: NativeCall, detail: str) -> Response:
    """FC's answer when the instance died during the call."""
    message = f"Process exited unexpectedly before completing request ({detail})"
    return error_answer({"errorMessage": message}, call)


def start_lines(call: NativeCall) -> list[str]:
    """FC's log line before a call."""
    return [f"FC Invoke Start RequestId: {call.request_id}"]


def end_lines(call: NativeCall, report: InvocationReport) -> list[str]:
    """FC's log line after a call (with the error note of a failed one)."""
    error = ", Error: Unhandled function error" if report.failed else ""
    return [f"FC Invoke End RequestId: {call.request_id}{error}"]


def log_error(call: NativeCall, text: str) -> None:
    """The error of a failed call in the function's log (FC's "FC Invoke End …, Error"
    line comes from ``end_lines``, after the call)."""
    import logging

    logging.getLogger("polyfaas.alibaba").error(
        "%s (RequestId: %s)", text.rstrip(), call.request_id
    )


def load_failure_answer(function: Any, reason: str, error: ErrorInfo, call: NativeCall) -> Response:
    """FC's answer when the handler cannot load (``reason`` as in
    ``HandlerImportError``), named as FC's runtime names it; ``function`` is the
    context's ``function`` (its handler string names the module)."""
    module = str(getattr(function, "handler", "")).rpartition(".")[0]
    named = {
        "missing-module": (serialize.IMPORT_MODULE_ERROR, f"Unable to import module '{module}'"),
        "syntax": (serialize.SYNTAX_ERROR, f"Syntax error in module '{module}'"),
        "module-raised": (
            serialize.USER_CODE_ERROR,
            f"Module initialization error: '{error.message}'",
        ),
        "missing-handler": (serialize.HANDLER_NOT_FOUND, error.message),
    }
    error_type, message = named.get(reason, (serialize.INVALID_HANDLER, error.message))
    log_error(call, f"{error_type}: {message}")
    return error_answer({"errorMessage": message, "errorType": error_type}, call)
