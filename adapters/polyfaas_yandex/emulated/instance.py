"""What a Yandex Cloud Functions instance looks like from inside: its environment
variables and its logging setup (ASSUMPTIONS.md).

Detection from the environment is in ``polyfaas_yandex.function`` (on the runtime
path; this module imports ``logging`` and is not). The runner runs ``setup_instance``
(the platform half's ``instance_setup``) in an instance's worker process before it
imports the user's code, and sets ``instance_environ`` on it; the test kit sets the
variables around each call.
"""

from __future__ import annotations

import logging
from typing import IO, Callable

from polyfaas.platform import FunctionConfig, NativeCall, RequestIdFilter, configure_root_logger
from polyfaas_yandex.function import TASK_ROOT

#: Where the runtime itself lives on an instance.
RUNTIME_DIR = "/function/runtime"
#: The runtime API address ([unconfirmed]: the value is not documented).
RUNTIME_API = "127.0.0.1:9000"
#: The runtime's log format: time, request id and level before the message ([inf]).
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(request_id)s\t%(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def instance_environ(config: FunctionConfig) -> dict[str, str]:
    """The variables the runtime defines (they cannot be overridden), plus the user's."""
    return {
        **config.environment,
        "_HANDLER": config.handler,
        "AWS_LAMBDA_RUNTIME_API": RUNTIME_API,
        "LAMBDA_TASK_ROOT": TASK_ROOT,
        "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
    }


def configure_logging(stream: IO[str] | None = None) -> RequestIdFilter:
    """Set the root logger up as the runtime does: one stdout handler whose format
    adds time, request id and level, and level WARNING. ``logging.basicConfig()``
    then has no effect, as on the platform. Set ``.request_id`` on the returned
    filter at the start of each call.
    """
    return configure_root_logger(LOG_FORMAT, DATE_FORMAT, logging.WARNING, stream)


def setup_instance() -> Callable[[NativeCall], None]:
    """The runner's instance setup: the runtime's logging, and each call's request id
    stamped on its log lines."""
    request_filter = configure_logging()

    def before_call(call: NativeCall) -> None:
        request_filter.request_id = call.request_id

    return before_call
