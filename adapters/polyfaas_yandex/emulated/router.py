"""The platform's front door, imitated: ``Request`` → the HTTP envelope the router or
API Gateway builds, and the function's return value → what the caller receives.

Facts and their sources: ASSUMPTIONS.md. Choices where the docs are silent are marked
[unconfirmed] here and listed in ``ASSUMPTIONS.md``.
"""

from __future__ import annotations

import hmac
import json
import os
import random
import time
from base64 import b64decode
from collections.abc import Mapping
from typing import Any

from polyfaas import Request, Response
from polyfaas.platform import route_params
from polyfaas.runtime import (
    body_to_text_or_base64,
    dump_json,
    go_canonical_header,
    media_type,
    new_id,
)

#: Request and response JSON structures are each limited to 3.5 MB ([unconfirmed]: MiB).
MAX_PAYLOAD = 3584 * 1024

#: Request headers the router removes on a direct call (D-invoke).
STRIPPED_REQUEST_HEADERS = frozenset(
    {
        "expect",
        "te",
        "trailer",
        "upgrade",
        "proxy-authenticate",
        "authorization",
        "connection",
        "content-md5",
        "max-forwards",
        "server",
        "transfer-encoding",
        "www-authenticate",
        "cookie",
    }
)
#: Hop-by-hop headers API Gateway is assumed to drop ([unconfirmed]: undocumented).
GATEWAY_STRIPPED_HEADERS = frozenset(
    {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "expect"}
)
#: Response headers the router removes, rejects (502) and renames (D-invoke).
REMOVED_RESPONSE_HEADERS = frozenset(
    {"host", "authorization", "user-agent", "connection", "max-forwards", "cookie"}
)
REJECTED_RESPONSE_HEADERS = frozenset({"proxy-authenticate", "transfer-encoding", "via"})
REMAPPED_RESPONSE_HEADERS = frozenset({"content-md5", "date", "server", "www-authenticate"})
REMAPPED_PREFIX = "X-Yf-Remapped-"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Headers the router (or the gateway) sets itself, replacing any the client sent.
ROUTER_HEADERS = frozenset(
    {
        "x-request-id",
        "x-trace-id",
        "x-real-remote-address",
        "x-api-gateway-function-id",
        "x-envoy-external-address",
        "x-envoy-original-path",
        "x-forwarded-proto",
        "x-serverless-gateway-id",
    }
)
#: The route of the emulated gateway's integration: one greedy parameter.
GREEDY_ROUTE = "/{url+}"
#: The emulated gateway's id (``d5d…``, as in the platform's samples).
GATEWAY_ID = "d5d0polyfaas0gateway"

#: The media type whose body the router passes as text; every other body is base64.
JSON_MEDIA_TYPE = "application/json"


def clf_time(now: float) -> str:
    """``13/Jul/2022:11:58:59 +0000``: the time of ``requestTime`` (CLF-like)."""
    t = time.gmtime(now)
    return (  # the day is not zero-padded ("4/Jan/2023" in the gateway's sample)
        f"{t.tm_mday}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


#: The client ports of the envelopes (random, as a client's ephemeral port is; drawn
#: without a system call a request, unlike ``os.urandom``).
_ports = random.Random()


def _random_port() -> int:
    return 1024 + _ports.randrange(64000)


#: What an envelope holds besides its strings' own characters, at most: the keys, the
#: punctuation and the fixed values (``http_event_size_bound``).
_FIXED_BYTES = 4096
#: What one header or query pair adds to an envelope besides its characters, at most
#: (quotes, ``": "``, ``", "`` and brackets in both the single and the multi map).
_PAIR_BYTES = 32
#: The most bytes one character of a string takes in the envelope's JSON
#: (``\u001f``; non-ASCII is kept, at most 4 bytes of UTF-8).
_CHAR_BYTES = 6


def http_event_size_bound(
    request: Request, *, function_id: str = "", gateway_id: str = GATEWAY_ID
) -> int:
    """An upper bound of ``event_size(http_event(request, ...))`` for any request id,
    trace id, time and client port (the ids are 36 characters) and either payload
    format: each string the envelope repeats counted as often as it can appear, at
    the most bytes a character can take. Cheap, so a request far under the limit
    needs no envelope built to be checked (the exact size decides near it)."""
    headers = request.headers
    pairs = 0
    chars = 0
    for name, value in headers.items():
        pairs += 1
        chars += len(name) + len(value)
    for key, value in request.query.items(multi=True):
        pairs += 1
        chars += len(key) + len(value)
    ip = request.client_ip or "127.0.0.1"
    text = (
        2 * chars  # headers and multiValueHeaders; the query's two maps
        + len(headers.get("user-agent", ""))
        + 2 * len(request.host)
        + 2 * len(request.method)
        + 8 * (len(request.raw_path) + len(request.query_string))
        + 8 * len(ip)
        + 2 * (len(function_id) + len(gateway_id))
        + 5 * 36  # the request id (3) and the trace id (2)
        + 64  # requestTime, requestTimeEpoch, the port
    )
    body = len(request.body)
    return _CHAR_BYTES * (text + body) + _PAIR_BYTES * (pairs + 16) + _FIXED_BYTES


def _grouped(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
        single[name] = value  # last value wins, as the docs say
    return single, multi


def http_event(
    request: Request,
    *,
    request_id: str,
    now: float,
    gateway: str | None = None,
    route: str = GREEDY_ROUTE,
    trace_id: str | None = None,
    client_port: int | None = None,
    function_id: str = "",
    gateway_id: str = GATEWAY_ID,
) -> dict[str, Any]:
    """The envelope the platform hands the function for ``request``.

    ``gateway=None`` is a direct call; ``"0.1"`` and ``"1.0"`` are API Gateway's
    payload formats for an integration on ``route`` (a greedy ``{url+}`` by default).
    ``trace_id`` and ``client_port`` are random unless given. The gateway's own
    headers follow its WebSocket sample in the official TypeScript types ([obs]).
    """
    client_ip = request.client_ip or "127.0.0.1"
    stripped = STRIPPED_REQUEST_HEADERS if gateway is None else GATEWAY_STRIPPED_HEADERS
    pairs: list[tuple[str, str]] = []
    forwarded: list[str] = []
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in stripped or lower in ROUTER_HEADERS:
            continue
        if lower == "x-forwarded-for":
            forwarded.append(value)
            continue
        pairs.append((go_canonical_header(name), value))
    if "host" not in request.headers:
        pairs.append(("Host", request.host))
    port = client_port or _random_port()
    pairs.append(("X-Forwarded-For", ", ".join([*forwarded, client_ip])))
    if gateway is None:
        pairs.append(("X-Real-Remote-Address", f"[{client_ip}]:{port}"))
    else:
        query_string = request.query_string
        pairs += [
            ("X-Api-Gateway-Function-Id", function_id),
            ("X-Envoy-External-Address", client_ip),
            (
                "X-Envoy-Original-Path",
                request.raw_path + (f"?{query_string}" if query_string else ""),
            ),
            ("X-Forwarded-Proto", "https"),
            ("X-Real-Remote-Address", f"{client_ip}:{port}"),
            ("X-Serverless-Gateway-Id", gateway_id),
        ]
    pairs += [("X-Request-Id", request_id), ("X-Trace-Id", trace_id or new_id())]
    headers, multi_headers = _grouped(pairs)
    query, multi_query = _grouped(list(request.query.items(multi=True)))
    media = media_type(request.content_type)
    body, encoded = body_to_text_or_base64(request.body, media == JSON_MEDIA_TYPE)
    if not request.body and media != JSON_MEDIA_TYPE:
        encoded = True  # an empty GET body is flagged base64 too (CAP1)
    context: dict[str, Any] = {
        "httpMethod": request.method,
        "identity": {"sourceIp": client_ip, "userAgent": request.headers.get("user-agent", "")},
        "requestId": request_id,
        "requestTime": clf_time(now),
        "requestTimeEpoch": int(now),
    }
    event: dict[str, Any] = {
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": encoded,
    }
    if gateway is None:
        event.update(url="", params={}, multiValueParams={}, pathParams={})
        return event
    params = path_params(request, route)
    multi_params = {name: [value] for name, value in params.items()}
    if gateway == "1.0":
        event.update(
            version="1.0",
            resource=route,
            path=request.raw_path,
            pathParameters=params,
            parameters=dict(params),
            multiValueParameters=multi_params,
            operationId="",
        )
        context["apiGateway"] = {"operationContext": {}}
    else:
        event.update(
            url=request.raw_path,
            path=route,
            params=dict(params),
            multiValueParams=multi_params,
            pathParams=params,
        )
        context["apiGateway"] = {"operationContext": {}}
    return event


def path_params(request: Request, route: str) -> dict[str, str]:
    """The path parameters the gateway fills for ``request`` on ``route``: the
    emulation's greedy ``url`` (the raw path without its leading ``/``), or the
    template's parameters, decoded (none when the path does not fit the template)."""
    if route == GREEDY_ROUTE:
        return {"url": request.raw_path.lstrip("/")}
    return route_params(route, request.path) or {}


#: The credentials a private function accepts under the emulation: a comma-separated
#: list of IAM tokens and API keys. Unset, any well-formed credentials are accepted.
TOKENS_ENV = "POLYFAAS_YANDEX_TOKENS"
#: The forms of ``Authorization`` a private function takes (auth-invoke-private.md).
CREDENTIAL_SCHEMES = ("bearer", "api-key")


def access_denied(
    authorization: str | None, environ: Mapping[str, str] = os.environ
) -> Response | None:
    """The router's refusal of a call to a private function, or ``None`` to let it in.

    No ``Authorization``: 403, anonymous callers hold no invoker role. One that is not
    ``Bearer <IAM token>`` or ``Api-Key <key>``: 401, it authenticates no one. A token
    outside ``POLYFAAS_YANDEX_TOKENS`` (when set): 403. [unconfirmed] the bodies.
    """
    if authorization is None:
        return error_body(403, "Forbidden", "Permission denied: the function is private")
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() not in CREDENTIAL_SCHEMES or not credential or " " in credential:
        message = "the Authorization header is not 'Bearer <IAM token>' or 'Api-Key <key>'"
        return error_body(401, "Unauthorized", message)
    accepted = [item.strip() for item in environ.get(TOKENS_ENV, "").split(",") if item.strip()]
    given = credential.encode("utf-8", "surrogateescape")
    if accepted and not any(
        hmac.compare_digest(given, item.encode("utf-8", "surrogateescape")) for item in accepted
    ):
        return error_body(403, "Forbidden", "Permission denied: the function is private")
    return None


def payload_size(value: Any) -> int:
    """The size in bytes of ``value`` as the JSON the platform would carry (as the
    Python runtime serialises it: ``json.dumps``, not the router's compact JSON).
    ``TypeError``/``ValueError`` for a value JSON cannot carry."""
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def event_size(event: Any) -> int:
    """The size in bytes of the ``event`` the router hands on: a raw body that is not
    JSON (``?integration=raw``; bytes when it is not UTF-8) travels as it came."""
    if isinstance(event, (bytes, bytearray)):
        return len(event)
    if isinstance(event, str):
        return len(event.encode("utf-8", "surrogatepass"))
    return payload_size(event)


def error_body(status: int, error_type: str, message: str, **extra: Any) -> Response:
    """A JSON error answer of the platform's own (``{errorMessage, errorType, …}``),
    compact as the router (a Go service) writes it."""
    body = {"errorMessage": message, "errorType": error_type, **extra}
    return Response(status, [("Content-Type", "application/json")], dump_json(body))


def malformed(value: Any) -> Response:
    """502 ``ProxyIntegrationError``: the function's answer is not a valid HTTP response.

    The docs give one message for every case, so the reason goes to the log only.
    """
    try:
        payload = json.dumps(value)  # the original response: the Python runtime's JSON
    except (TypeError, ValueError):
        payload = repr(value)
    return error_body(
        502,
        "ProxyIntegrationError",
        "Malformed serverless function response: not a valid json",
        payload=payload,
    )


class Malformed(Exception):
    """The function's return value breaks the response contract (reason in ``args``)."""


def response_of(value: Any) -> Response:
    """What the caller receives for the function's return ``value`` (HTTP integration).

    Raises ``Malformed`` when the value breaks the contract (ASSUMPTIONS.md).
    """
    if not isinstance(value, Mapping):
        raise Malformed(f"the function returned a {type(value).__name__}, not an object")
    status = value.get("statusCode", 200)  # [unconfirmed] a missing statusCode means 200
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise Malformed(f"statusCode {status!r} is not an HTTP status")
    single = value.get("headers")
    multi = value.get("multiValueHeaders")
    single = {} if single is None else single
    multi = {} if multi is None else multi
    if not isinstance(single, Mapping) or not isinstance(multi, Mapping):
        raise Malformed("headers and multiValueHeaders must be objects")
    pairs: list[tuple[str, str]] = []
    in_multi = {str(name).lower() for name in multi}
    for name, item in single.items():
        if str(name).lower() not in in_multi:  # headers is ignored for such a name
            pairs.append((str(name), _header_value(item)))
    for name, items in multi.items():
        if not isinstance(items, list):
            raise Malformed(f"multiValueHeaders[{name!r}] is not a list")
        pairs.extend((str(name), _header_value(item)) for item in items)
    kept: list[tuple[str, str]] = []
    for name, item in pairs:
        lower = name.lower()
        if lower in REJECTED_RESPONSE_HEADERS:
            raise Malformed(f"the response sets the forbidden header {name!r}")
        if lower in REMOVED_RESPONSE_HEADERS:
            continue
        remapped = lower in REMAPPED_RESPONSE_HEADERS
        kept.append((REMAPPED_PREFIX + go_canonical_header(name) if remapped else name, item))
    body = value.get("body", "")
    encoded = value.get("isBase64Encoded", False)
    if not isinstance(encoded, bool):
        raise Malformed("isBase64Encoded is not a boolean")
    if body is None:
        body = ""
    elif not isinstance(body, str):
        body = json.dumps(body)  # [unconfirmed] a non-string body is serialised as JSON
        encoded = False
    if not encoded:
        return Response(status, kept, body.encode("utf-8", "surrogatepass"))
    try:
        return Response(status, kept, b64decode(body, validate=True))
    except ValueError:
        raise Malformed("isBase64Encoded is true but the body is not base64") from None


def _header_value(item: Any) -> str:
    if not isinstance(item, str):
        raise Malformed(f"header value {item!r:.40} is not a string")
    return item
