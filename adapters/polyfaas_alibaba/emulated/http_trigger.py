"""FC 3.0 HTTP triggers, the emulated side: the JSON event FC builds for a
``Request``, and the ``Response`` a handler's ``{statusCode, …}`` result stands for.
The cloud side (event → ``Request``, ``Response`` → result) is ``http_trigger``.

Request bodies (ASSUMPTIONS.md, "FC 3.0 HTTP-trigger request bodies"): FC sends a body
as text (``isBase64Encoded: false``) only when its ``Content-Type`` is textual (``text/*``,
JSON, XML, ``+json``/``+xml``, JavaScript, SVG) or absent (the docs' sample), it has no
``Content-Encoding`` and it is valid UTF-8. Everything else is base64: forms (``curl -d``)
and multipart bodies, and binary types. An empty body is ``""``, flagged
``isBase64Encoded: true`` unless its ``Content-Type`` is textual (a GET without one, as
observed on ``fcapp.run``).
"""

from __future__ import annotations

import time
from typing import Any

from polyfaas import Request, Response
from polyfaas.runtime import (
    EventFormatError,
    body_from_text_or_base64,
    body_to_text_or_base64,
    media_type,
)
from polyfaas_alibaba.http_trigger import joined

#: Media types beyond ``text/*``, ``+json`` and ``+xml`` FC sends as text.
_TEXT_REQUEST_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/xml",
        "image/svg+xml",
    }
)


def request_body(
    body: bytes, content_type: str | None, content_encoding: str | None
) -> tuple[str, bool]:
    """``(body, isBase64Encoded)`` of a request body as FC 3.0 puts it in the event."""
    media = media_type(content_type) if content_type else ""
    textual = (
        media.startswith("text/")
        or media in _TEXT_REQUEST_TYPES
        or media.endswith(("+json", "+xml"))
    )
    identity = not content_encoding or content_encoding.strip().lower() == "identity"
    if not body:
        return "", not (textual and identity)
    return body_to_text_or_base64(body, (textual or not media) and identity)


def event_from_request(
    request: Request, *, request_id: str, account_id: str, now: float | None = None
) -> dict[str, Any]:
    """The HTTP-trigger event FC builds for ``request``: Go-canonical header names,
    repeats joined with ``,``, both maps sorted, ``Host`` moved to ``domainName``."""
    moment = now if now is not None else time.time()
    headers = joined(
        ((n, v) for n, v in request.headers.items() if n.lower() != "host"), ",", canonical=True
    )
    query = joined(request.query.items(multi=True), ",", canonical=False)
    body, is_base64 = request_body(
        request.body, request.headers.get("content-type"), request.headers.get("content-encoding")
    )
    return {
        "version": "v1",
        "rawPath": request.raw_path,
        "body": body,
        "isBase64Encoded": is_base64,
        "headers": dict(sorted(headers.items())),
        "queryParameters": dict(sorted(query.items())),
        "requestContext": {
            "accountId": account_id,
            "domainName": request.host,
            "domainPrefix": request.host.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.client_ip or "127.0.0.1",
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment)),
            "timeEpoch": str(int(moment * 1000)),
        },
    }


class BadResult(ValueError):
    """A handler's result claims to be an HTTP-trigger response but is malformed."""


def response_from_result(value: Any) -> Response | None:
    """The ``Response`` a ``{statusCode, …}`` result stands for; ``None`` when the
    value is not such a map (FC then sends it as the body, as for any event)."""
    if not isinstance(value, dict) or "statusCode" not in value:
        return None
    status = value["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 999:
        raise BadResult(f"statusCode must be an integer HTTP status, not {status!r}")
    headers = value.get("headers")
    if headers is None:
        headers = {}
    if not isinstance(headers, dict):
        raise BadResult(f"headers must be an object, not {type(headers).__name__}")
    body = value.get("body")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise BadResult(f"body must be a string, not {type(body).__name__}")
    try:
        data = body_from_text_or_base64(
            body, bool(value.get("isBase64Encoded")), "the HTTP-trigger result"
        )
    except EventFormatError as exc:
        raise BadResult(str(exc)) from None
    return Response(status, [(str(k), str(v)) for k, v in headers.items()], data)
