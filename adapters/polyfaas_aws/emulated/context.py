"""The ``context`` argument as the Lambda Python runtime builds it, imitated, and the
variables it sets on every instance (ASSUMPTIONS.md, "Context" and "Environment")."""

from __future__ import annotations

import time
from typing import Any

from polyfaas.platform import FunctionConfig

#: Memory and timeout when the function's configuration sets none (Lambda's defaults).
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT = 3.0
#: Where the emulation says the function runs, and whose it is.
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
#: The newest Python runtime the emulation names in ``AWS_EXECUTION_ENV``.
EXECUTION_ENV = "AWS_Lambda_python3.12"


def function_arn(config: FunctionConfig) -> str:
    region = config.region or DEFAULT_REGION
    account = config.account_id or DEFAULT_ACCOUNT
    return f"arn:aws:lambda:{region}:{account}:function:{config.name}"


class LambdaContext:
    """The runtime's context object: plain attributes and one method."""

    aws_request_id: str
    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    log_group_name: str
    log_stream_name: str
    identity: Any
    client_context: Any

    def __init__(
        self, *, request_id: str, config: FunctionConfig, deadline: float, stream: str
    ) -> None:
        self.aws_request_id = request_id
        self.function_name = config.name
        self.function_version = config.version or "$LATEST"
        self.invoked_function_arn = function_arn(config)
        # A string, as the runtime interface client reads it from the environment.
        self.memory_limit_in_mb = str(config.memory_mb or DEFAULT_MEMORY_MB)
        self.log_group_name = f"/aws/lambda/{config.name}"
        self.log_stream_name = stream
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(deadline * 1000)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the call's deadline (never negative)."""
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext(aws_request_id={self.aws_request_id!r}, "
            f"function_name={self.function_name!r}, "
            f"invoked_function_arn={self.invoked_function_arn!r})"
        )


def log_stream(config: FunctionConfig, started: float) -> str:
    """``2026/12/02/[$LATEST]<32 hex>``: one stream a function (the emulation's instances
    share it)."""
    import hashlib

    day = time.strftime("%Y/%m/%d", time.gmtime(started))
    digest = hashlib.sha256(config.name.encode()).hexdigest()[:32]
    return f"{day}/[{config.version or '$LATEST'}]{digest}"


def instance_environ(config: FunctionConfig) -> dict[str, str]:
    """The variables the Lambda runtime sets on every instance (reserved: the user's
    own cannot override them), the execution role's keys among them."""
    region = config.region or DEFAULT_REGION
    environ = {
        **config.environment,
        "_HANDLER": config.handler,
        "AWS_EXECUTION_ENV": EXECUTION_ENV,
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_VERSION": config.version or "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb or DEFAULT_MEMORY_MB),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream(config, time.time()),
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
    }
    credentials = config.credentials
    if credentials is not None and credentials.access_key_id and credentials.access_key_secret:
        environ["AWS_ACCESS_KEY_ID"] = credentials.access_key_id
        environ["AWS_SECRET_ACCESS_KEY"] = credentials.access_key_secret
        if credentials.security_token:
            environ["AWS_SESSION_TOKEN"] = credentials.security_token
    return environ
