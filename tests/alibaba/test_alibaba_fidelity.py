"""FC runtime fidelity (issue 14): the bodies an FC 3.0 HTTP trigger sends a built-in
runtime, and the ``Content-Disposition: attachment`` of FC's default domain, so that a
handler which passes locally passes on FC. Sources in ASSUMPTIONS.md ("FC 3.0
HTTP-trigger request bodies", "The default domain")."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from polyfaas import Event, Request
from polyfaas.platform import FunctionConfig, Outcome
from polyfaas.testing import client, emulate
from polyfaas_alibaba.emulated.builtin import AlibabaPlatform, platform
from polyfaas_alibaba.emulated.fc_base import FCPlatform
from polyfaas_alibaba.emulated.http_trigger import event_from_request, request_body
from polyfaas_alibaba.http_trigger import request_from_event
from tests.alibaba.alibaba_helpers import SEED_EXAMPLE_4
from tests.runner_process import polyfaas_run

WAIT_S = 20

# A handler that reads the trigger's body as it arrives, without decoding it.
RAW_BODY = """\
import json

def handler(event, context):
    event = json.loads(event)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps([event["body"], event["isBase64Encoded"]])}
"""


def event_for(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = Request(method="POST", path="/", headers=headers, body=body)
    return event_from_request(request, request_id="1-x", account_id="1")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        # curl -d 'Hello fc3.0' (the seed's Example 4; honojs/hono's FC 3.0 runtime test)
        (b"Hello fc3.0", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"--b\r\n\r\nx\r\n--b--", {"Content-Type": "multipart/form-data; boundary=b"}),
        (b"\xc0\xff\xee", {"Content-Type": "application/octet-stream"}),
        (b'{"a": 1}', {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
    ],
)
def test_form_binary_and_untyped_bodies_arrive_base64(body, headers):
    event = event_for(body, headers)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/html; charset=utf-8",
        "application/json",
        "application/ld+json",
        "application/xml",
        "image/svg+xml",
        "application/javascript",
        "",  # no Content-Type: the docs' sample ("Hello FC!", isBase64Encoded false)
    ],
)
def test_textual_bodies_arrive_as_text(content_type):
    event = event_for(b"Hello FC!", {"Content-Type": content_type} if content_type else {})
    assert (event["body"], event["isBase64Encoded"]) == ("Hello FC!", False)


def test_an_empty_body_is_an_empty_string_flagged_as_its_type_says():
    # hono's fcapp.run fixture: a GET without a body is "" with isBase64Encoded true
    assert request_body(b"", None, None) == ("", True)
    assert request_body(b"", "text/plain", None) == ("", False)
    untyped = event_from_request(Request(), request_id="1-x", account_id="1")
    assert (untyped["body"], untyped["isBase64Encoded"]) == ("", True)


def test_text_that_is_not_utf8_arrives_base64():
    assert request_body(b"\xff", "text/plain", None) == ("/w==", True)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"a=1&b=%C3%BC", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"Hello FC!", {"Content-Type": "text/plain"}),
        (b"", {}),
        (bytes(range(256)), {"Content-Type": "image/png"}),
    ],
)
def test_the_runtime_half_reads_both_forms_back(body, headers):
    assert request_from_event(event_for(body, headers)).body == body


def test_the_runtime_half_reads_an_empty_base64_body():
    event = {
        "rawPath": "/",
        "body": "",
        "isBase64Encoded": True,
        "requestContext": {"http": {"method": "GET", "path": "/"}},
    }
    assert request_from_event(event).body == b""


def write(folder: Path, source: str) -> str:
    (folder / "index.py").write_text(source)
    return f"{folder / 'index.py'}:handler"


def test_a_handler_that_reads_the_raw_body_sees_base64_for_curl_d(tmp_path):
    http = client(write(tmp_path, RAW_BODY), "alibaba")
    form = http.post("/", data=b"a=1", content_type="application/x-www-form-urlencoded")
    text = http.post("/", data=b"a=1", content_type="text/plain")
    assert json.loads(form.get_data()) == ["YT0x", True]
    assert json.loads(text.get_data()) == ["a=1", False]


def test_the_seed_example_4_decodes_curl_d_behind_polyfaas_run(tmp_path):
    # The seed's own curl: `curl -i URL -d 'Hello fc3.0'` → the body decoded from base64.
    with polyfaas_run(write(tmp_path, SEED_EXAMPLE_4), "--provider", "alibaba") as runner:
        answer = requests.post(
            runner.url + "/",
            data=b"Hello fc3.0",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=WAIT_S,
        )
        raw = requests.post(
            runner.url + "/", data=b"a=1", headers={"Content-Type": "x/y"}, timeout=WAIT_S
        )
    assert (answer.status_code, answer.content) == (200, b"Hello fc3.0")
    assert raw.content == b"a=1"


# -- the default domain ----------------------------------------------------------------


def test_the_default_domain_is_modelled_unless_a_custom_domain_is_set():
    call = platform.call(Request(), FunctionConfig())
    answer = platform.receive(Outcome(value={"statusCode": 200, "body": "x"}), call)
    assert answer.headers["Content-Disposition"] == "attachment"
    custom = FunctionConfig(settings={"custom-domain": "true"})
    call = platform.call(Request(), custom)
    answer = platform.receive(Outcome(value={"statusCode": 200, "body": "x"}), call)
    assert "Content-Disposition" not in answer.headers


def test_event_invocations_get_no_download_header():
    call = platform.call(Event(data={}), FunctionConfig())
    assert "Content-Disposition" not in platform.receive(Outcome(value="x"), call).headers


def test_a_platform_half_made_for_a_custom_domain_keeps_to_it():
    fc = AlibabaPlatform(default_domain=False)
    call = fc.call(Request(), FunctionConfig())
    answer = fc.receive(Outcome(value={"statusCode": 200, "body": "x"}), call)
    assert "Content-Disposition" not in answer.headers


def test_polyfaas_run_answers_as_the_default_domain_and_says_so(tmp_path):
    with polyfaas_run(write(tmp_path, SEED_EXAMPLE_4), "--provider", "alibaba") as runner:
        answer = requests.post(runner.url + "/", data=b"x", timeout=WAIT_S)
        banner = "".join(runner.lines)
    assert answer.headers["Content-Disposition"] == "attachment"
    assert "fcapp.run" in banner
    assert "--custom-domain" in banner


def test_polyfaas_run_custom_domain_sends_no_download_header(tmp_path):
    target = write(tmp_path, SEED_EXAMPLE_4)
    with polyfaas_run(target, "--provider", "alibaba", "--custom-domain") as runner:
        answer = requests.post(runner.url + "/", data=b"x", timeout=WAIT_S)
        banner = "".join(runner.lines)
    assert (answer.status_code, answer.content) == (200, b"x")
    assert "Content-Disposition" not in answer.headers
    assert "custom domain" in banner


@pytest.mark.parametrize("provider", ["alibaba-wsgi", "alibaba-custom"])
def test_every_http_surface_models_the_default_domain_unless_a_custom_one(provider):
    """The download header is the domain's rule, so every FC HTTP surface has it."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"x"]

    custom = FunctionConfig(settings={"custom-domain": "true"})
    if provider == "alibaba-wsgi":
        answer = emulate(app, Request(), provider)
        assert answer.headers["Content-Disposition"] == "attachment"
        assert "Content-Disposition" not in emulate(app, Request(), provider, custom).headers
    from polyfaas import providers

    platform_half = providers.platform_half(provider)
    assert isinstance(platform_half, FCPlatform)
    assert platform_half.on_default_domain(FunctionConfig())
    assert not platform_half.on_default_domain(custom)
