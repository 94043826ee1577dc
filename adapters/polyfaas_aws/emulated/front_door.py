"""The three front doors, imitated: a canonical ``Request`` → the event each one
builds, and the function's answer → what each one sends the client (ASSUMPTIONS.md).

``Malformed`` is an answer a front door cannot turn into HTTP; the platform half
answers it with that front door's error.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from polyfaas import Request, Response
from polyfaas_aws.envelope import grouped, is_text

#: The ``Host`` header and ``domainName`` a request without a ``Host`` gets.
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
#: Request headers a front door does not pass on (hop-by-hop fields and the framing).
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "expect"}
)


class Malformed(ValueError):
    """The function's answer breaks the front door's contract."""


def api_id(seed: str, length: int = 10) -> str:
    """A stable id shaped like API Gateway's (10 lower-case letters and digits)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_ALPHABET[b % 36] for b in digest[:length])


def request_time(now: float) -> str:
    """``27/Nov/2026:10:15:30 +0000``, API Gateway's ``requestTime``."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))


def forwarded_headers(request: Request, port: str, proto: str) -> list[tuple[str, str]]:
    """The request's headers as the front door passes them on, with its own
    ``X-Forwarded-*`` fields (the client's address first in ``X-Forwarded-For``)."""
    kept = [(n, v) for n, v in request.headers.items() if n.lower() not in _HOP_BY_HOP]
    names = {name.lower() for name, _ in kept}
    client = request.client_ip or "127.0.0.1"
    if "x-forwarded-for" not in names:
        kept.append(("X-Forwarded-For", client))
    if "x-forwarded-port" not in names:
        kept.append(("X-Forwarded-Port", port))
    if "x-forwarded-proto" not in names:
        kept.append(("X-Forwarded-Proto", proto))
    return kept


def matches(media: str, patterns: Sequence[str]) -> bool:
    """Whether a media type is one of the API's binary media types (``*/*``, ``image/*``)."""
    if any(pattern.strip() == "*/*" for pattern in patterns):
        return True  # every body, and one without a Content-Type
    bare = media.split(";", 1)[0].strip().lower()
    return bool(bare) and any(
        fnmatch.fnmatchcase(bare, pattern.strip().lower()) for pattern in patterns
    )


def _single_and_multi(items: Any) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, values in grouped(items).values():
        single[name] = values[-1]  # the last value, as the front door keeps it
        multi[name] = values
    return single, multi


def _query_single_and_multi(
    items: Any, *, encode: bool = False
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for raw_name, raw_value in items:
        name, value = (
            (quote(raw_name, safe=""), quote(raw_value, safe=""))
            if encode
            else (
                raw_name,
                raw_value,
            )
        )
        single[name] = value
        multi.setdefault(name, []).append(value)
    if not multi:
        return None, None
    return single, multi


def _body(request: Request, as_base64: bool) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    if as_base64:
        return base64.b64encode(request.body).decode("ascii"), True
    # Not a binary media type: the front door passes the bytes as UTF-8 text.
    return request.body.decode("utf-8", errors="replace"), False


# -- API Gateway REST API (payload 1.0) ---------------------------------------------------


def rest_event(
    request: Request,
    *,
    request_id: str,
    now: float,
    stage: str,
    binary_media_types: Sequence[str],
    region: str,
    account_id: str,
    function_name: str,
) -> dict[str, Any]:
    """The proxy integration's event for ``request`` on a greedy ``/{proxy+}`` resource
    of stage ``stage``."""
    api = api_id(f"rest:{function_name}")
    domain = f"{api}.execute-api.{region}.amazonaws.com"
    headers = forwarded_headers(request, "443", "https")
    single, multi = _single_and_multi(headers)
    query, multi_query = _query_single_and_multi(request.query.items(multi=True))
    binary = matches(request.headers.get("content-type", ""), binary_media_types)
    body, encoded = _body(request, binary)
    path = request.raw_path
    proxy = path.lstrip("/")
    return {
        "resource": "/{proxy+}" if proxy else "/",
        "path": path,
        "httpMethod": request.method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": {"proxy": proxy} if proxy else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api,
            "domainName": request.headers.get("host") or domain,
            "domainPrefix": api,
            "extendedRequestId": request_id[:16],
            "httpMethod": request.method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoIdentityId": None,
                "sourceIp": request.client_ip or "127.0.0.1",
                "user": None,
                "userAgent": request.headers.get("user-agent"),
                "userArn": None,
            },
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": request_time(now),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": api_id(f"resource:{function_name}", 6),
            "resourcePath": "/{proxy+}" if proxy else "/",
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def _status(value: Mapping[str, Any]) -> int:
    status = value.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise Malformed(f"statusCode {status!r} is not an HTTP status")
    return status


def _header_value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise Malformed(f"{where}: a header value must be a string, not {type(value).__name__}")


def _answer_body(value: Mapping[str, Any]) -> tuple[bytes, bool]:
    body = value.get("body")
    encoded = value.get("isBase64Encoded", False)
    if not isinstance(encoded, bool):
        raise Malformed("isBase64Encoded must be a boolean")
    if body is None:
        return b"", encoded
    if not isinstance(body, str):
        raise Malformed(f"body must be a string, not {type(body).__name__}")
    if not encoded:
        return body.encode("utf-8", errors="surrogatepass"), False
    try:
        return base64.b64decode(body, validate=True), True
    except ValueError:
        raise Malformed("body is not valid base64") from None


def _pairs_of(value: Mapping[str, Any], multi_first: bool) -> list[tuple[str, str]]:
    single = value.get("headers") or {}
    multi = value.get("multiValueHeaders") or {}
    if not isinstance(single, Mapping) or not isinstance(multi, Mapping):
        raise Malformed("headers and multiValueHeaders must be objects")
    found: list[tuple[str, str]] = []
    for name, values in multi.items():
        if not isinstance(values, list):
            raise Malformed(f"multiValueHeaders[{name!r}] must be a list")
        found += [(str(name), _header_value(v, "multiValueHeaders")) for v in values]
    # A name in both: the multi-value list wins (API Gateway drops the single value).
    taken = {name.lower() for name in multi} if multi_first else set()
    found += [
        (str(name), _header_value(v, "headers"))
        for name, v in single.items()
        if str(name).lower() not in taken
    ]
    return found


def rest_response(value: Any, request: Request, binary_media_types: Sequence[str]) -> Response:
    """What API Gateway sends for the function's answer ``value``; ``Malformed`` if it
    is no proxy integration answer."""
    if not isinstance(value, Mapping):
        raise Malformed(f"the function returned a {type(value).__name__}, not an object")
    status = _status(value)
    headers = _pairs_of(value, multi_first=True)
    body, encoded = _answer_body(value)
    if encoded:
        # Sent as binary only when the client accepts a binary media type (without an
        # Accept, when the answer is of one); else the base64 text goes as it is.
        content_type = next((v for n, v in headers if n.lower() == "content-type"), "")
        accept = request.headers.get("accept", "").split(",", 1)[0]
        if not matches(accept or content_type, binary_media_types):
            body = base64.b64encode(body)
    return Response(status, headers, body)


# -- HTTP API payload 2.0 and function URLs ----------------------------------------------


def http_event(
    request: Request,
    *,
    request_id: str,
    now: float,
    region: str,
    account_id: str,
    function_name: str,
) -> dict[str, Any]:
    """The payload 2.0 event for ``request`` on the ``$default`` route and stage."""
    api = api_id(f"http:{function_name}")
    domain = f"{api}.execute-api.{region}.amazonaws.com"
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for lower, (_, values) in grouped(forwarded_headers(request, "443", "https")).items():
        if lower == "cookie":
            cookies = [c.strip() for v in values for c in v.split(";") if c.strip()]
        else:
            headers[lower] = ",".join(values)
    query: dict[str, str] = {}
    for name, value in request.query.items(multi=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    content_type = request.headers.get("content-type", "")
    body, encoded = _body(request, not (is_text(content_type) and _utf8(request.body)))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.raw_path,
        "rawQueryString": request.query_string,
        "headers": headers,
        "requestContext": {
            "accountId": account_id,
            "apiId": api,
            "domainName": request.headers.get("host") or domain,
            "domainPrefix": api,
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.client_ip or "127.0.0.1",
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": request_time(now),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body
    return event


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def http_response(value: Any) -> Response:
    """What an HTTP API sends for the answer ``value``: a ``statusCode`` object is the
    response; any other JSON value is the body of a 200 ``application/json`` answer."""
    import json

    if not isinstance(value, Mapping) or "statusCode" not in value:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        body = text.encode("utf-8", errors="surrogatepass")
        return Response(200, [("Content-Type", "application/json")], body)
    status = _status(value)
    headers = [
        (str(name), _header_value(v, "headers")) for name, v in (value.get("headers") or {}).items()
    ]
    cookies = value.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise Malformed("cookies must be a list of strings")
    headers += [("Set-Cookie", cookie) for cookie in cookies]
    body, _ = _answer_body(value)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return Response(status, headers, body)


# -- Application Load Balancer -------------------------------------------------------------


def alb_event(request: Request, *, multi_value_headers: bool, target_group: str) -> dict[str, Any]:
    """The load balancer's event for ``request``: header names in lower case, the query
    as the client sent it (names and values percent-encoded)."""
    headers = [(n.lower(), v) for n, v in forwarded_headers(request, "80", "http")]
    single, multi = _single_and_multi(headers)
    query, multi_query = _query_single_and_multi(request.query.items(multi=True), encode=True)
    content_type = request.headers.get("content-type", "")
    body, encoded = _body(request, not (is_text(content_type) and _utf8(request.body)))
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": target_group}},
        "httpMethod": request.method,
        "path": request.raw_path,
    }
    if multi_value_headers:
        event["multiValueQueryStringParameters"] = multi_query or {}
        event["multiValueHeaders"] = multi
    else:
        event["queryStringParameters"] = query or {}
        event["headers"] = single
    event["body"] = body or ""
    event["isBase64Encoded"] = encoded
    return event


def alb_response(value: Any, multi_value_headers: bool) -> Response:
    """What the load balancer sends for the answer ``value``: ``multiValueHeaders`` in
    the multi-value mode, else ``headers``, each key its own field."""
    if not isinstance(value, Mapping):
        raise Malformed(f"the function returned a {type(value).__name__}, not an object")
    status = _status(value)
    if multi_value_headers:
        headers = _pairs_of({"multiValueHeaders": value.get("multiValueHeaders")}, True)
    else:
        headers = _pairs_of({"headers": value.get("headers")}, False)
    body, _ = _answer_body(value)
    return Response(status, headers, body)
