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
import os
import signal
import sys
import threading
from typing import IO

from polyfaas.platform import FunctionConfig, NativeCall, RequestIdFilter, configure_root_logger
from polyfaas_yandex.function import TASK_ROOT, graceful_shutdown_signal

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


#: Seconds between the graceful-shutdown signal and SIGKILL for an idle instance
#: (ASSUMPTIONS.md, "Shutdown": the documented 50 ms).
KILL_AFTER_S = 0.05


class YandexInstance:
    """A worker-process instance: each call's request id on its log lines, and the
    platform's stop — its graceful-shutdown signal (``graceful_shutdown_signal``),
    then the kill ``KILL_AFTER_S`` later."""

    #: The worker runs no ``Entry.shutdown`` of its own: only a handler of the signal
    #: does (``polyfaas_yandex.function.install_shutdown_handler``), as in the cloud.
    shutdown_grace = 0.0

    def __init__(self, request_filter: RequestIdFilter) -> None:
        self.request_filter = request_filter

    def before_call(self, call: NativeCall) -> None:
        self.request_filter.request_id = call.request_id

    def stop(self) -> None:
        """Send the signal when the function handles it (the default action would end
        the process, which the worker does anyway); no signal, nothing runs."""
        number = graceful_shutdown_signal(os.environ)
        if number is None:
            return
        handler = signal.getsignal(number)
        if not callable(handler) or handler is signal.default_int_handler:
            return
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        kill = threading.Timer(KILL_AFTER_S, os._exit, (128 + signal.SIGKILL,))
        kill.daemon = True
        kill.start()
        try:
            signal.raise_signal(number)  # the handler runs here, on the main thread
        except KeyboardInterrupt:  # SIGINT's default action, after the handler
            os._exit(128 + number)


def setup_instance() -> YandexInstance:
    """The runner's instance setup: the runtime's logging, each call's request id
    stamped on its log lines, and the platform's stop. SIGINT as the runtime's process
    has it (Python's default), even when the runner was started with it ignored (a
    shell's background job)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return YandexInstance(configure_logging())
