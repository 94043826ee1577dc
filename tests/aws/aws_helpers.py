"""Shared helpers of the AWS tests: the documented sample events (the package's
``samples/``), a Lambda context shaped as the Python runtime's, and one view of an
answer in any of the three envelopes (to compare polyfaas with apig-wsgi and Mangum)."""

from __future__ import annotations

import base64
import copy
import time
from functools import cache
from typing import Any

from polyfaas_aws.emulated.platform import gateway_platform


@cache
def _samples() -> dict[str, Any]:
    return dict(gateway_platform.samples())


def sample(kind: str) -> Any:
    """A fresh copy of the sample event of ``kind`` (``samples/<kind>.json``)."""
    return copy.deepcopy(_samples()[kind])


class LambdaContextStub:
    """The attributes and the method of the runtime interface client's LambdaContext."""

    def __init__(self, request_id: str = "c0ffee00-1111-2222-3333-444455556666") -> None:
        self.aws_request_id = request_id
        self.function_name = "orders"
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
        self.memory_limit_in_mb = "256"
        self.log_group_name = "/aws/lambda/orders"
        self.log_stream_name = "2026/12/02/[$LATEST]0123456789abcdef0123456789abcdef"
        self.identity = None
        self.client_context = None
        self._deadline = time.time() + 30

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.time()) * 1000)


def header_fields(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """Every header field the front door sends for ``answer`` (each key of ``headers``
    its own field, every value of ``multiValueHeaders``, each of ``cookies``)."""
    multi = answer.get("multiValueHeaders") or {}
    fields = [(name.lower(), value) for name, values in multi.items() for value in values]
    taken = {name.lower() for name in multi}
    fields += [
        (name.lower(), value)
        for name, value in (answer.get("headers") or {}).items()
        if name.lower() not in taken
    ]
    fields += [("set-cookie", cookie) for cookie in answer.get("cookies") or []]
    return fields


def view(answer: dict[str, Any], default_type: str | None = None) -> dict[str, Any]:
    """What a client sees of an answer: status, body bytes, content type, Location and
    the set of cookies (``default_type``: the content type the front door gives an
    answer without one; an HTTP API's is ``application/json``)."""
    fields = header_fields(answer)
    body = answer.get("body") or ""
    data = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()

    def first(name: str) -> str | None:
        return next((value for key, value in fields if key == name), None)

    return {
        "status": answer["statusCode"],
        "body": data,
        "content_type": first("content-type") or default_type,
        "location": first("location"),
        "cookies": sorted(value for key, value in fields if key == "set-cookie"),
    }
