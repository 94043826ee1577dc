"""The platform half imitates FC: the docs' own handlers run unchanged through it, and
callers see FC's serialisation, errors, request ids and environment (reference §1, §7)."""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import os
import re
import subprocess

import pytest

from polyfaas import Credentials, Event, Request, Response
from polyfaas.platform import ErrorInfo, Frame, FunctionConfig, Outcome
from polyfaas.testing import client, emulate, invoke
from polyfaas_alibaba import serialize
from polyfaas_alibaba.emulated.builtin import AlibabaPlatform, platform
from tests.alibaba.alibaba_helpers import SEED_EXAMPLE_1, SEED_EXAMPLE_3, SEED_EXAMPLE_4

FC_REQUEST_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")


def write_code(folder, source, name="index.py"):
    (folder / name).write_text(source, encoding="utf-8")
    return str(folder)


def check_fc_headers(response):
    assert FC_REQUEST_ID.match(response.headers["X-Fc-Request-Id"])


# -- the seeds: the docs' handlers, unchanged -------------------------------------


def target(code: str, handler: str = "handler") -> str:
    return f"{code}/index.py:{handler}"


def test_example_1_parses_the_json_event_and_returns_value(tmp_path):
    code = write_code(tmp_path, SEED_EXAMPLE_1)
    response = invoke(target(code), Event(data={"key": "value"}), "alibaba")
    assert (response.status, response.body) == (200, b"value")
    assert "X-Fc-Error-Type" not in response.headers
    check_fc_headers(response)


def test_example_3_lists_the_code_folder(tmp_path, monkeypatch):
    code = write_code(tmp_path, SEED_EXAMPLE_3)
    (tmp_path / "data.txt").write_text("some data\n")
    (tmp_path / "lib").mkdir()
    # FC runs the function with the code folder as its working directory.
    monkeypatch.chdir(code)
    config = FunctionConfig(environment={"FC_FUNC_CODE_PATH": code})
    response = invoke(target(code), Event(data={}), "alibaba", config)
    listing = subprocess.check_output(["ls", "-l"], cwd=code)
    assert response.status == 200
    assert response.body == listing
    assert b"index.py" in response.body
    assert b"data.txt" in response.body


def test_example_4_behind_an_http_trigger_echoes_the_body(tmp_path):
    http = client(target(write_code(tmp_path, SEED_EXAMPLE_4)), "alibaba")
    # curl -d 'Hello fc3.0' sends a form content type
    response = http.post(
        "/",
        data=b"Hello fc3.0",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Host": "t.fcapp.run"},
    )
    assert response.status_code == 200
    assert response.get_data() == b"Hello fc3.0"
    assert response.headers["Content-Type"] == "text/plain"
    check_fc_headers(response)


def test_example_4_decodes_a_base64_body(tmp_path):
    http = client(target(write_code(tmp_path, SEED_EXAMPLE_4)), "alibaba")
    response = http.post(
        "/", data=b"raw bytes", headers={"Content-Type": "application/octet-stream"}
    )
    assert response.get_data() == b"raw bytes"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("Hello, FC!", "the event is not a json string"),
        ({"key": "value"}, "the event does not include the 'body' field"),
    ],
)
def test_example_4_with_a_non_http_payload_says_so(tmp_path, data, reason):
    response = invoke(target(write_code(tmp_path, SEED_EXAMPLE_4)), Event(data=data), "alibaba")
    assert response.status == 200
    text = response.body.decode()
    assert text.startswith("The request did not come from an HTTP Trigger because " + reason)


# -- return values (§1.4) ---------------------------------------------------------


class Jsonable:
    def to_json(self):
        return {"b": 2, "a": 1}


@pytest.mark.parametrize(
    ("value", "body"),
    [
        ("text ☃", "text ☃".encode()),
        (b"\x00\xff", b"\x00\xff"),
        (None, b"null"),
        (5, b"5"),
        ({"b": [1, 2], "a": None}, json.dumps({"a": None, "b": [1, 2]}, indent=4).encode()),
        (decimal.Decimal("1.5"), b"1.5"),
        (datetime.date(2024, 1, 2), b'"2024-01-02"'),
        (Jsonable(), b'{\n    "a": 1,\n    "b": 2\n}'),
    ],
)
def test_results_are_serialised_as_fc_does(value, body):
    response = emulate(lambda event, context: value, Event(), "alibaba")
    assert (response.status, response.body) == (200, body)
    assert "X-Fc-Error-Type" not in response.headers


def test_an_unserialisable_result_is_a_type_error():
    response = emulate(lambda event, context: object(), Event(), "alibaba")
    assert response.status == 200
    assert response.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    assert response.json()["errorType"] == "TypeError"


# -- errors (§1.5) ----------------------------------------------------------------

FAILING = "def my_handler(event, context):\n    raise Exception('something is wrong')\n"


@pytest.mark.parametrize(
    ("payload", "status"), [(Event(data={}), 200), (Request(method="POST"), 502)]
)
def test_errors_are_fc_error_documents(tmp_path, payload, status):
    entry = target(write_code(tmp_path, FAILING), "my_handler")
    if isinstance(payload, Request):
        answer = client(entry, "alibaba").post("/")
        response = Response(answer.status_code, list(answer.headers.items()), answer.get_data())
    else:
        response = invoke(entry, payload, "alibaba")
    assert response.status == status
    assert response.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    check_fc_headers(response)
    expected = {
        "errorMessage": "something is wrong",
        "errorType": "Exception",
        "stackTrace": [
            [
                f'File "{tmp_path / "index.py"}"',
                "line 2",
                "in my_handler",
                "raise Exception('something is wrong')",
            ]
        ],
    }
    assert response.json() == expected
    # serialised as FC serialises: indent 4, keys sorted
    assert response.body == serialize.to_json(expected).encode()


def test_stack_trace_is_left_out_when_only_the_runtime_frame_remains():
    error = ErrorInfo(type="ValueError", message="bad", frames=(Frame("rt.py", 1, "run", "x"),))
    call = platform.call(Event(), FunctionConfig())
    body = platform.receive(Outcome(error=error), call).json()
    assert body == {"errorMessage": "bad", "errorType": "ValueError"}


def test_timeouts_and_crashes_are_fc_errors():
    event_call = platform.call(Event(), FunctionConfig(timeout=3))
    http_call = platform.call(Request(), FunctionConfig(timeout=3))
    timed_out = platform.timed_out(event_call)
    assert timed_out.status == 200
    assert timed_out.json() == {"errorMessage": "Function time out after 3s"}
    assert timed_out.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    assert platform.timed_out(http_call).status == 502
    crashed = platform.crashed(http_call, "exit code 1")
    assert crashed.status == 502
    assert crashed.json()["errorMessage"].startswith(
        "Process exited unexpectedly before completing request"
    )


@pytest.mark.parametrize(
    ("reason", "message", "error_type", "expected"),
    [
        ("target", "Invalid handler 'index'", "InvalidHandleName", "Invalid handler 'index'"),
        ("missing-module", "no module", "ImportModuleError", "Unable to import module 'index'"),
        ("syntax", "bad syntax", "UserCodeSyntaxError", "Syntax error in module 'index'"),
        ("module-raised", "'x'", "UserCodeError", "Module initialization error: ''x''"),
        ("missing-handler", "Handler 'handler'", "HandlerNotFound", "Handler 'handler'"),
    ],
)
def test_load_failures_are_named_as_fc_names_them(reason, message, error_type, expected):
    call = platform.call(Event(), FunctionConfig(handler="index.handler"))
    error = ErrorInfo(type="HandlerImportError", message=message)
    response = platform.load_failed(call, reason, error)
    assert response.status == 200
    assert response.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    body = response.json()
    assert body == {"errorType": error_type, "errorMessage": expected}


# -- HTTP-trigger answers (§2.2) ----------------------------------------------------


@pytest.mark.parametrize(
    ("result", "status", "body"),
    [
        ("plain text", 200, b"plain text"),
        ({"no": "statusCode"}, 200, b'{\n    "no": "statusCode"\n}'),
        ({"statusCode": 201, "body": "made"}, 201, b"made"),
        ({"statusCode": 200, "isBase64Encoded": True, "body": "AP8="}, 200, b"\x00\xff"),
    ],
)
def test_http_trigger_results(result, status, body):
    response = emulate(lambda event, context: result, Request(), "alibaba")
    assert (response.status, response.body) == (status, body)
    check_fc_headers(response)


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200"},
        {"statusCode": 200, "body": 5},
        {"statusCode": 200, "headers": []},
        {"statusCode": 200, "isBase64Encoded": True, "body": "**"},
    ],
)
def test_malformed_http_results_are_bad_responses(result):
    response = emulate(lambda event, context: result, Request(), "alibaba")
    assert response.status == 502
    assert response.json()["errorType"] == "BadResponse"


def test_the_default_domain_forces_a_download():
    fc = AlibabaPlatform(default_domain=True)
    call = fc.call(Request(), FunctionConfig())
    response = fc.receive(Outcome(value={"statusCode": 200, "body": "x"}), call)
    assert response.headers["Content-Disposition"] == "attachment"
    custom = FunctionConfig(settings={"custom-domain": "true"})
    custom_call = platform.call(Request(), custom)
    assert "Content-Disposition" not in platform.receive(Outcome(value="x"), custom_call).headers
    assert platform.receive(Outcome(value="x"), call).headers["Content-Disposition"] == "attachment"


def test_the_request_id_is_the_one_the_handler_saw():
    seen = {}

    def handler(event, context):
        seen["context"] = context.request_id
        seen["event"] = json.loads(event)["requestContext"]["requestId"]
        return {"statusCode": 204}

    response = emulate(handler, Request(), "alibaba")
    assert seen["context"] == seen["event"] == response.headers["X-Fc-Request-Id"]
    assert FC_REQUEST_ID.match(seen["context"])


# -- the instance's environment (§7) -------------------------------------------------


def test_fc_environment_is_set_for_the_call_and_restored():
    config = FunctionConfig(
        name="fn",
        handler="index.handler",
        memory_mb=256,
        region="cn-shanghai",
        account_id="1111",
        environment={"MY_SETTING": "on"},
        credentials=Credentials(access_key_id="STS.key", access_key_secret="s3cr3t"),
    )
    names = [
        "FC_FUNCTION_NAME",
        "FC_REGION",
        "FC_ACCOUNT_ID",
        "FC_INSTANCE_ID",
        "FC_FUNC_CODE_PATH",
        "FC_FUNCTION_HANDLER",
        "FC_FUNCTION_MEMORY_SIZE",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "MY_SETTING",
    ]
    before = {name: os.environ.get(name) for name in names}
    response = emulate(
        lambda e, c: {n: os.environ.get(n) for n in names}, Event(), "alibaba", config
    )
    seen = response.json()
    assert seen["FC_FUNCTION_NAME"] == "fn"
    assert seen["FC_REGION"] == "cn-shanghai"
    assert seen["FC_ACCOUNT_ID"] == "1111"
    assert seen["FC_INSTANCE_ID"] == platform.instance_id
    assert seen["FC_FUNC_CODE_PATH"] == "/code"
    assert seen["FC_FUNCTION_HANDLER"] == "index.handler"
    assert seen["FC_FUNCTION_MEMORY_SIZE"] == "256"
    assert seen["ALIBABA_CLOUD_ACCESS_KEY_ID"] == "STS.key"
    assert seen["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == "s3cr3t"
    assert seen["MY_SETTING"] == "on"
    assert {name: os.environ.get(name) for name in names} == before


def test_no_credentials_no_credential_variables():
    environ = platform.environment(FunctionConfig())
    assert not any(name.startswith("ALIBABA_CLOUD_") for name in environ)


def test_event_bytes_are_what_the_handler_gets():
    seen = []
    emulate(lambda event, context: seen.append(event), Event(data={"a": 1}), "alibaba")
    emulate(lambda event, context: seen.append(event), Event(data=b"\x00\x01"), "alibaba")
    assert seen == [b'{"a":1}', b"\x00\x01"]


def test_http_event_bytes_are_json_with_the_trigger_shape():
    seen = []
    emulate(lambda event, context: seen.append(event), Request(body=b"\xff"), "alibaba")
    (event,) = seen
    assert isinstance(event, bytes)
    parsed = json.loads(event)
    assert parsed["isBase64Encoded"] is True
    assert base64.b64decode(parsed["body"]) == b"\xff"


def test_a_polyfaas_response_is_no_fc_result():
    # FC's runtime cannot serialise arbitrary objects, polyfaas' own included.
    call = platform.call(Event(), FunctionConfig())
    response = platform.receive(Outcome(value=Response(200)), call)
    assert response.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    assert response.json()["errorType"] == "TypeError"


def test_a_failed_call_is_logged_with_fcs_end_line(caplog, capsys):
    def handler(event, context):
        raise ValueError("boom")

    with caplog.at_level("ERROR", logger="polyfaas.alibaba"):
        response = emulate(handler, Event(), "alibaba")
    request_id = response.headers["X-Fc-Request-Id"]
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"FC Invoke Start RequestId: {request_id}",
        f"FC Invoke End RequestId: {request_id}, Error: Unhandled function error",
    ]
    assert "ValueError: boom" in caplog.text
