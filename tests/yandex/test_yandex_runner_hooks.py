"""The platform half's optional hooks for the runner, and the instance's logging."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from polyfaas import Event, EventType, Request, Response
from polyfaas.platform import ErrorInfo, FunctionConfig, InvocationReport
from polyfaas_yandex.emulated import instance, router
from polyfaas_yandex.emulated.function import gateway_platform, platform

CONFIG = FunctionConfig(name="fn", handler="main.handler", environment={"MY_VAR": "1"})


class TestAdmit:
    def test_an_ordinary_request_is_an_http_invocation(self):
        request = Request("POST", "/", body=b"{}")
        assert platform.admit(request, CONFIG) is request

    def test_raw_integration_is_an_event_of_the_body(self):
        admitted = platform.admit(
            Request("POST", "/", query="integration=raw", body=b'{"a": 1}'), CONFIG
        )
        assert isinstance(admitted, Event)
        assert (admitted.type, admitted.data) == (EventType.DIRECT, {"a": 1})
        text = platform.admit(Request("POST", "/", query="integration=raw", body=b"plain"), CONFIG)
        assert isinstance(text, Event)
        assert text.data == "plain"

    def test_async_stays_a_request_so_the_answer_is_202(self):
        request = Request("POST", "/", query="integration=async", body=b"{}")
        assert platform.admit(request, CONFIG) is request

    def test_the_gateway_passes_integration_through_as_a_query(self):
        request = Request("GET", "/items", query="integration=raw")
        assert gateway_platform.admit(request, CONFIG) is request

    @pytest.mark.parametrize("half", [platform, gateway_platform])
    def test_over_3_5_mb_is_413(self, half):
        admitted = half.admit(Request("POST", "/", body=b"x" * router.MAX_PAYLOAD), CONFIG)
        assert isinstance(admitted, Response)
        assert admitted.status == 413

    def test_just_under_the_limit_is_admitted(self):
        body = b"x" * (router.MAX_PAYLOAD // 2)
        request = Request("POST", "/", headers={"Content-Type": "application/json"}, body=body)
        assert platform.admit(request, CONFIG) is request


def test_instance_environ():
    assert platform.instance_environ(CONFIG) == {
        "MY_VAR": "1",
        "_HANDLER": "main.handler",
        "AWS_LAMBDA_RUNTIME_API": instance.RUNTIME_API,
        "LAMBDA_TASK_ROOT": "/function/code",
        "LAMBDA_RUNTIME_DIR": "/function/runtime",
    }


def test_start_end_report_lines():
    call = platform.call(Request(), CONFIG)
    version = call.args[1].function_version
    assert platform.start_lines(call) == [f"START RequestID: {call.request_id} Version: {version}"]
    report = InvocationReport(
        duration_ms=147.43, memory_mb=128, max_memory_mb=28.2, init_duration_ms=158.153
    )
    end, line = platform.end_lines(call, report)
    assert end == f"END RequestID: {call.request_id}"
    assert line == (
        f"REPORT RequestID: {call.request_id} Duration: 147.430 ms Billed Duration: 200 ms "
        "Memory Size: 128 MB Max Memory Used: 28 MB Queuing Duration: 0.000 ms "
        "Function Init Duration: 158.153 ms"
    )
    _, warm = platform.end_lines(call, InvocationReport(duration_ms=3.2, memory_mb=128))
    assert "Billed Duration: 100 ms" in warm
    assert "Init" not in warm


def test_load_failure_is_a_function_error():
    call = platform.call(Request(), CONFIG)
    try:
        import_error = ModuleNotFoundError("No module named 'missing'")
        raise import_error
    except ModuleNotFoundError as exc:
        error = ErrorInfo.from_exception(exc)
    response = platform.load_failed(call, "module-raised", error)
    assert response.status == 502
    assert response.headers["X-Function-Error"] == "true"
    assert response.json()["errorType"] == "ModuleNotFoundError"


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield root
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_logging_like_the_runtime(root_logger):
    stream = io.StringIO()
    request_filter = instance.configure_logging(stream)
    request_filter.request_id = "rid-1"
    logging.basicConfig(level=logging.DEBUG)  # no effect, as on the platform
    assert root_logger.level == logging.WARNING
    logging.getLogger("app").info("hidden")
    logging.getLogger("app").warning("shown")
    (line,) = stream.getvalue().splitlines()
    level, stamp, request_id, message = line.split("\t")
    assert (level, request_id, message) == ("[WARNING]", "rid-1", "shown")
    assert stamp.endswith("Z")
