"""Lambda's Invoke API as ``polyfaas run --provider aws`` serves it, driven by boto3's
``lambda`` client: the three invocation types, the error documents of the Python
runtime and of Lambda itself, the log tail, the payload limits, and no secret in the
runner's log."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from polyfaas_aws.emulated.invoke import LOG_RESULT_BYTES, MAX_ASYNC_PAYLOAD, TOO_LARGE_ERROR
from polyfaas_aws.emulated.platform import MAX_PAYLOAD, http_platform
from tests.runner_process import RunningRunner, poll, polyfaas_run, written

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = "tests/functions/aws_invoke.py"
NAME = "orders"
ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{NAME}"
SECRET = "pf-secret-9f2c1e7d4b"
TOKEN = "pf-session-token-5a8e3c0b6d"


def lambda_client(runner: RunningRunner) -> Any:
    """A ``lambda`` client of the runner; close it (``contextlib.closing``) so its pooled
    connections are not left to the garbage collector (a ResourceWarning in a later test)."""
    return boto3.client(
        "lambda",
        endpoint_url=runner.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        config=Config(retries={"max_attempts": 0}, read_timeout=60),
    )


@pytest.fixture(scope="module")
def native() -> Iterator[RunningRunner]:
    args = ("--provider", "aws", "--function-name", NAME, "--timeout", "1")
    with polyfaas_run(f"{FIXTURES}:handler", *args, cwd=ROOT) as runner:
        yield runner


@pytest.fixture(scope="module")
def client(native: RunningRunner) -> Iterator[Any]:
    with closing(lambda_client(native)) as made:
        yield made


def invoke(client: Any, payload: Any, **options: Any) -> tuple[dict[str, Any], Any]:
    """The Invoke answer's fields and its payload, read as JSON."""
    answer = client.invoke(FunctionName=NAME, Payload=json.dumps(payload), **options)
    return answer, json.loads(answer["Payload"].read())


def test_request_response_returns_the_handlers_json(client: Any) -> None:
    answer, body = invoke(client, {"order": 42})
    assert answer["StatusCode"] == 200
    assert answer["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in answer
    assert body["event"] == {"order": 42}
    assert (body["function_name"], body["arn"]) == (NAME, ARN)
    assert body["request_id"] == answer["ResponseMetadata"]["RequestId"]


def test_the_function_is_found_by_its_arn_too(client: Any) -> None:
    answer = client.invoke(FunctionName=ARN, Payload=b"[1, 2]")
    assert json.loads(answer["Payload"].read())["event"] == [1, 2]


def test_event_answers_202_and_runs_the_handler(client: Any, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    answer = client.invoke(
        FunctionName=NAME,
        InvocationType="Event",
        Payload=json.dumps({"do": "write", "path": str(marker)}),
    )
    assert answer["StatusCode"] == 202
    assert answer["Payload"].read() == b""
    assert poll(written(marker)), "the Event invocation never ran the handler"
    assert marker.read_text() == answer["ResponseMetadata"]["RequestId"]


def test_a_failed_event_invocation_is_tried_three_times_as_lambda_does(tmp_path: Path) -> None:
    """Two retries after a function error (D-async-retry); the waits, a minute and two,
    scaled to none here."""
    attempts = tmp_path / "attempts"
    args = ("--provider", "aws", "--function-name", NAME)
    env = {"POLYFAAS_ASYNC_BACKOFF_SCALE": "0"}
    with polyfaas_run(f"{FIXTURES}:handler", *args, cwd=ROOT, env=env) as runner:
        with closing(lambda_client(runner)) as client:
            answer = client.invoke(
                FunctionName=NAME,
                InvocationType="Event",
                Payload=json.dumps({"do": "append-and-raise", "path": str(attempts)}),
            )
            assert answer["Payload"].read() == b""  # read: its connection back to the pool
        assert answer["StatusCode"] == 202
        assert poll(lambda: attempts.exists() and attempts.read_text().count("\n") >= 3)
        assert runner.wait_for_output("this attempt fails too")
        time.sleep(0.5)  # room for a fourth attempt, were there one
    lines = attempts.read_text().splitlines()
    assert len(lines) == 3, lines  # the runner stopped after the third: no fourth
    assert set(lines) == {answer["ResponseMetadata"]["RequestId"]}


def test_dry_run_answers_204_without_running(client: Any, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = json.dumps({"do": "write", "path": str(marker)})
    answer = client.invoke(FunctionName=NAME, InvocationType="DryRun", Payload=payload)
    assert answer["StatusCode"] == 204
    assert answer["Payload"].read() == b""  # read: its connection back to the pool
    # A synchronous call made after it is answered after the handler ran, so a dry
    # run that had run it would have written the marker by then.
    invoke(client, {"order": 1})
    assert not marker.exists()


def test_a_raising_handler_is_an_unhandled_error_document(client: Any) -> None:
    answer, body = invoke(client, {"do": "raise"})
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (body["errorMessage"], body["errorType"]) == ("raised on purpose", "ValueError")
    assert body["requestId"] == answer["ResponseMetadata"]["RequestId"]
    # traceback.format_list's lines, from the handler's frame on (none of the runner's).
    assert body["stackTrace"] == [
        f'  File "{ROOT / FIXTURES}", line 18, in handler\n'
        '    raise ValueError("raised on purpose")\n'
    ]


def test_log_tail_has_the_print_and_lambdas_lines(client: Any) -> None:
    answer, body = invoke(client, {"do": "print", "text": "hello from orders"}, LogType="Tail")
    tail = base64.b64decode(answer["LogResult"])
    assert len(tail) <= LOG_RESULT_BYTES
    request_id = body["request_id"]
    lines = tail.decode().splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert "hello from orders" in lines
    assert f"END RequestId: {request_id}" in lines
    assert re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\t.*",
        lines[-1],
    ), lines[-1]


def test_log_tail_keeps_the_last_4_kb(client: Any) -> None:
    text = "".join(f"line {n:05d}\n" for n in range(2000))
    answer, body = invoke(client, {"do": "print", "text": text}, LogType="Tail")
    tail = base64.b64decode(answer["LogResult"])
    assert len(tail) == LOG_RESULT_BYTES
    assert b"line 01999\n" in tail
    assert b"line 00000" not in tail
    report = f"REPORT RequestId: {body['request_id']}".encode()
    assert tail.rstrip().splitlines()[-1].startswith(report)


def test_log_tail_of_a_failed_call_has_the_runtimes_error_entry(client: Any) -> None:
    answer = client.invoke(FunctionName=NAME, Payload=b'{"do": "raise"}', LogType="Tail")
    # Each payload read to its end: an unread one keeps its connection out of the pool
    # until the garbage collector finds the socket (a ResourceWarning in a later test).
    assert json.loads(answer["Payload"].read())["errorType"] == "ValueError"
    tail = base64.b64decode(answer["LogResult"]).decode()
    assert "[ERROR] ValueError: raised on purpose\rTraceback (most recent call last):\r" in tail
    plain = client.invoke(FunctionName=NAME, Payload=b"{}")
    assert json.loads(plain["Payload"].read()) is not None
    assert "LogResult" not in plain


def test_a_payload_over_6_mb_is_refused(client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName=NAME, Payload=b'"' + b"x" * MAX_PAYLOAD + b'"')
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["Error"]["Code"] == TOO_LARGE_ERROR == "RequestEntityTooLargeException"
    assert error["Error"]["Message"] == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )


def test_an_event_payload_over_1_mb_is_refused(client: Any) -> None:
    payload = b'"' + b"x" * MAX_ASYNC_PAYLOAD + b'"'
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName=NAME, InvocationType="Event", Payload=payload)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert str(MAX_ASYNC_PAYLOAD) in caught.value.response["Error"]["Message"]
    # The same payload is within the synchronous limit.
    answer = client.invoke(FunctionName=NAME, Payload=payload)
    assert answer["StatusCode"] == 200
    # Read to its end: an unread payload keeps its connection out of the pool until
    # the garbage collector finds the socket (a ResourceWarning in a later test).
    assert json.loads(answer["Payload"].read()) is not None


def test_a_payload_that_is_not_json_is_refused(client: Any) -> None:
    with pytest.raises(client.exceptions.InvalidRequestContentException) as caught:
        client.invoke(FunctionName=NAME, Payload=b"not json")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"].startswith("Could not parse request body into json")


def test_an_unknown_function_is_resource_not_found(client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.invoke(FunctionName="payments", Payload=b"{}")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:payments"
    )


def test_a_call_past_its_timeout_is_sandbox_timedout(client: Any) -> None:
    answer, body = invoke(client, {"do": "sleep", "seconds": 30}, LogType="Tail")
    assert answer["FunctionError"] == "Unhandled"
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert body == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    tail = base64.b64decode(answer["LogResult"]).decode().splitlines()
    assert tail[0].startswith(f"START RequestId: {request_id}")
    assert tail[1].endswith(f" {request_id} Task timed out after 1.00 seconds")
    assert tail[2] == f"END RequestId: {request_id}"
    assert tail[3].startswith(f"REPORT RequestId: {request_id}\tDuration: 1000.00 ms")
    assert invoke(client, {"order": 2})[1]["event"] == {"order": 2}  # a new instance serves


def test_an_exiting_runtime_is_runtime_exit_error(client: Any) -> None:
    answer, body = invoke(client, {"do": "exit"}, LogType="Tail")
    assert answer["FunctionError"] == "Unhandled"
    request_id = answer["ResponseMetadata"]["RequestId"]
    message = f"RequestId: {request_id} Error: Runtime exited with error: exit status 3"
    assert body == {"errorType": "Runtime.ExitError", "errorMessage": message}
    tail = base64.b64decode(answer["LogResult"]).decode().splitlines()
    assert tail[1:3] == [message, "Runtime.ExitError"]
    assert tail[3] == f"END RequestId: {request_id}"


def test_an_answer_json_cannot_carry_is_runtime_marshal_error(client: Any) -> None:
    answer, body = invoke(client, {"do": "unmarshalable"})
    assert answer["FunctionError"] == "Unhandled"
    assert body == {
        "errorMessage": "Unable to marshal response: Object of type object is not JSON "
        "serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": answer["ResponseMetadata"]["RequestId"],
        "stackTrace": [],
    }


def test_bytes_are_passed_through_as_they_are(client: Any) -> None:
    answer = client.invoke(FunctionName=NAME, Payload=b'{"do": "bytes"}')
    assert "FunctionError" not in answer
    assert answer["Payload"].read() == b"\x00raw\xff"


def test_an_answer_over_the_limit_is_function_response_size_too_large(client: Any) -> None:
    answer, body = invoke(client, {"do": "huge"})
    assert answer["FunctionError"] == "Unhandled"
    assert body == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_no_secret_reaches_the_runners_log(native: RunningRunner, client: Any) -> None:
    invoke(client, {"do": "print"}, LogType="Tail")
    with pytest.raises(ClientError):
        client.invoke(FunctionName=NAME, Payload=b"not json")
    assert native.wait_for_output("REPORT RequestId")
    output = native.output()
    secrets = [SECRET, TOKEN, os.environ.get("AWS_SESSION_TOKEN")]
    for secret in filter(None, secrets):
        assert secret not in output


def test_portable_event_handler_gets_the_payload_as_a_direct_event() -> None:
    with polyfaas_run(f"{FIXTURES}:on_event", "--provider", "aws", cwd=ROOT) as runner:
        client = lambda_client(runner)
        name = "polyfaas-function"  # the runner's default name
        ok = client.invoke(FunctionName=name, Payload=b'{"sku": "b-1"}')
        failed = client.invoke(FunctionName=name, Payload=b'"fail"')
        body = json.loads(ok["Payload"].read())
        document = json.loads(failed["Payload"].read())
        client.close()
    assert body == {
        "type": "polyfaas.direct",
        "data": {"sku": "b-1"},
        "request_id": ok["ResponseMetadata"]["RequestId"],
    }
    assert failed["FunctionError"] == "Unhandled"
    assert (document["errorType"], document["errorMessage"]) == (
        "LookupError",
        "event failed on purpose",
    )
    source = (ROOT / FIXTURES).read_text().splitlines()
    line = next(n for n, text in enumerate(source, 1) if "event failed on purpose" in text)
    assert f"line {line}, in on_event" in document["stackTrace"][-1]


def test_portable_http_handler_answers_a_function_url_event_invoked_directly() -> None:
    event = http_platform.samples()["http-v2"]
    with polyfaas_run(f"{FIXTURES}:on_request", "--provider", "aws", cwd=ROOT) as runner:
        client = lambda_client(runner)
        name = "polyfaas-function"
        answer = client.invoke(FunctionName=name, Payload=json.dumps(event))
        plain = client.invoke(FunctionName=name, Payload=b'{"sku": "b-1"}')
        envelope = json.loads(answer["Payload"].read())
        document = json.loads(plain["Payload"].read())
        client.close()
    assert "FunctionError" not in answer
    assert envelope["statusCode"] == 200
    seen = json.loads(envelope["body"])
    assert (seen["method"], seen["path"]) == (
        event["requestContext"]["http"]["method"],
        event["rawPath"],
    )
    # A payload of no front door is no HTTP request: the handler refuses it.
    assert plain["FunctionError"] == "Unhandled"
    assert document["errorType"] == "EventFormatError"
