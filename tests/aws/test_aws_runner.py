"""A real ``polyfaas run --provider aws-http`` (and ``aws-gateway``, ``aws-alb``) on
127.0.0.1, answering ``requests`` as the front door would, with Lambda's log lines."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from tests.runner_process import polyfaas_run

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests.aws.test_aws_platform:portable"


def test_polyfaas_run_aws_http_answers_requests() -> None:
    with polyfaas_run(TARGET, "--provider", "aws-http", cwd=ROOT) as runner:
        answer = requests.get(f"{runner.url}/caf%C3%A9?q=1&q=2", timeout=30)
        cookies = requests.get(f"{runner.url}/cookies", timeout=30)
        failed = requests.get(
            f"{runner.url}/raise", headers={"Authorization": "Bearer sekrit-token"}, timeout=30
        )
        assert runner.wait_for_output("REPORT RequestId")
    assert answer.status_code == 200
    seen = answer.json()
    assert (seen["path"], seen["query"], seen["provider"]) == (
        "/café",
        [["q", "1"], ["q", "2"]],
        "aws",
    )
    assert answer.headers["apigw-requestid"]
    # Three Set-Cookie fields on the wire (requests folds them into one header value).
    assert sorted(cookies.cookies.items()) == [("c0", "0"), ("c1", "1"), ("c2", "2")]
    assert (failed.status_code, failed.json()) == (500, {"message": "Internal Server Error"})
    output = runner.output()
    request_id = failed.headers["apigw-requestid"]
    assert f"START RequestId: {request_id} Version: $LATEST" in output
    assert f"END RequestId: {request_id}" in output
    assert re.search(
        rf"REPORT RequestId: {request_id}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\t",
        output,
    ), output
    assert "raised on purpose" in output  # the trace goes to the log
    assert "sekrit-token" not in output


def test_polyfaas_run_aws_gateway_serves_the_stage_path() -> None:
    with polyfaas_run(TARGET, "--provider", "aws-gateway", cwd=ROOT) as runner:
        staged = requests.get(f"{runner.url}/prod/orders/42", timeout=30)
        too_large = requests.post(f"{runner.url}/", data=b"x" * (10 * 1024 * 1024 + 1), timeout=60)
    assert staged.status_code == 200
    assert staged.json()["path"] == "/orders/42"
    assert staged.headers["x-amzn-RequestId"]
    assert too_large.status_code == 413


def test_polyfaas_run_aws_alb_without_multi_value_headers() -> None:
    args = ("--provider", "aws-alb", "--multi-value-headers", "off")
    with polyfaas_run(TARGET, *args, cwd=ROOT) as runner:
        cookies = requests.get(f"{runner.url}/cookies", timeout=30)
        seen = requests.get(f"{runner.url}/p?q=1&q=2", timeout=30).json()
    assert sorted(cookies.cookies.items()) == [("c0", "0"), ("c1", "1"), ("c2", "2")]
    assert seen["query"] == [["q", "2"]]  # the balancer keeps the last of repeats
