"""API Gateway HTTP API payload format 2.0, which Lambda function URLs send too.

The event (ASSUMPTIONS.md, "HTTP API"): ``version: "2.0"``, ``routeKey``, ``rawPath``
(encoded, as sent), ``rawQueryString`` (as sent, repeats kept), ``cookies`` (the
request's cookies, one a string; no ``cookie`` header then), ``headers`` (lower-case
names, repeated values joined with commas), ``queryStringParameters`` (repeats joined
with commas), ``pathParameters``, ``requestContext`` (``http.method``, ``http.path``
decoded, ``http.sourceIp``, ``requestId``, ``stage``, ``timeEpoch``, ``domainName``),
``body`` and ``isBase64Encoded``.

The answer: ``{statusCode, headers, cookies, body, isBase64Encoded}``: every
``Set-Cookie`` in ``cookies`` (the front door sends each as its own field), other
repeated headers joined with commas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas import Headers, Request, Response
from polyfaas.runtime import (
    EventFormatError,
    lazy_query,
    query_string_of,
)
from polyfaas_aws.envelope import (
    answer_body,
    header_maps,
    mapping,
    path_and_body,
    plain_params,
)
from polyfaas_aws.rest import path_params

if TYPE_CHECKING:
    from polyfaas.runtime import WSGIFields

_STR = frozenset({str})
WHERE = "HTTP API event"


def is_http_api_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is a payload 2.0 event (HTTP API or function URL)."""
    return event.get("version") == "2.0" and "rawPath" in event


def decode(event: Mapping[str, Any]) -> Request:
    """The canonical ``Request`` of a payload 2.0 event."""
    # The parsed JSON's own objects take no call; anything else the kit's reader checks.
    context = event.get("requestContext")
    if type(context) is not dict:
        context = mapping(event, "requestContext", WHERE)
    http = context.get("http")
    if type(http) is not dict:
        http = mapping(context, "http", WHERE)
    method = http.get("method")
    if not isinstance(method, str) or not method:
        raise EventFormatError(f"{WHERE}: 'requestContext.http.method' must be a string")
    raw_query = event.get("rawQueryString") or ""
    if not isinstance(raw_query, str):
        raise EventFormatError(f"{WHERE}: 'rawQueryString' must be a string")
    singles = event.get("headers")
    if type(singles) is not dict:
        singles = mapping(event, "headers", WHERE)
    cookies = event.get("cookies")
    cookie = None
    fields: dict[Any, Any] | Mapping[Any, Any] | None = singles
    if cookies:
        if type(cookies) is not list or not set(map(type, cookies)) <= _STR:
            raise EventFormatError(f"{WHERE}: 'cookies' must be a list of strings")
        cookie = "; ".join(cookies)
        # The front door sends no cookie header with them; a reader of the native
        # fields gets the joined list as one (two would be joined: the pairs decide).
        fields = {**singles, "cookie": cookie} if "cookie" not in singles else None

    def header_pairs() -> tuple[tuple[str, str], ...]:
        # Payload 2.0 sends one value a (lower-case) name: the strings are checked in
        # C (a join fails on anything else; half the cost of collecting their types).
        try:
            "".join(singles)
            "".join(singles.values())
        except TypeError:
            raise EventFormatError(f"{WHERE}: 'headers' must map strings to strings") from None
        pairs = tuple(singles.items())
        return pairs if cookie is None else (*pairs, ("cookie", cookie))

    # A lazy view (issue 15, decisions 1 and 3): checked and copied when read; the WSGI
    # environ reads the native fields instead (``MultiDict._lazy``'s ``fields``).
    headers = Headers._lazy(header_pairs, None, None, None if fields is None else (fields, False))
    raw_path, path, body = path_and_body(event, "rawPath", WHERE)
    source_ip = http.get("sourceIp")
    # From the native fields (the view has no other source of these names): the pairs
    # are decoded, and a malformed field raised, only when a value is not a string.
    host = singles.get("host")
    if type(host) is not str:
        host = None if host is None else headers.get("host")
        host = host or str(context.get("domainName") or "")
    scheme = singles.get("x-forwarded-proto")
    if type(scheme) is not str:
        scheme = "https" if scheme is None else headers.get("x-forwarded-proto", "https")
    return Request._trusted(
        method.upper(),
        path,
        raw_path,
        lazy_query(raw_query),
        headers,
        body,
        source_ip if isinstance(source_ip, str) and source_ip else None,
        scheme,
        host,
        "",
        path_params(event, WHERE),
        event,
    )


def wsgi_fields(event: Mapping[str, Any]) -> WSGIFields | None:
    """The WSGI environ's values of a payload 2.0 event, straight from the event
    (``WSGIFields``): those of ``decode(event)``, for the common shape (the parsed
    JSON's objects, string fields, a host header); ``None`` for any other, whose
    environ the filled request gives (``decode`` raising for a malformed event). The
    same checks as ``decode``, in its order (tests/aws/test_aws_direct_environ.py)."""
    context_field = event.get("requestContext")
    if type(context_field) is not dict:
        return None
    http = context_field.get("http")
    if type(http) is not dict:
        return None
    method = http.get("method")
    raw_query = event.get("rawQueryString") or ""
    singles = event.get("headers")
    if type(method) is not str or not method or type(raw_query) is not str:
        return None
    if type(singles) is not dict:
        return None
    cookies = event.get("cookies")
    fields = singles
    if cookies:
        if type(cookies) is not list or not set(map(type, cookies)) <= _STR:
            return None
        if "cookie" in singles:
            return None
        fields = {**singles, "cookie": "; ".join(cookies)}
    raw_path, _, body = path_and_body(event, "rawPath", WHERE)
    host = singles.get("host")
    scheme = singles.get("x-forwarded-proto", "https")
    if type(host) is not str or type(scheme) is not str:
        return None
    if "pathParameters" in event and not plain_params(event):
        return None
    source_ip = http.get("sourceIp")
    return (
        method.upper(),
        raw_path,
        query_string_of(raw_query),
        host,
        scheme,
        body,
        source_ip if isinstance(source_ip, str) and source_ip else None,
        fields,
        False,
    )


def encode(response: Response) -> dict[str, Any]:
    """The payload 2.0 answer for ``response``."""
    cookies: list[str] = []
    headers, groups, content_type = header_maps(response)
    for lower, (name, values) in groups.items():
        if lower == "set-cookie":
            cookies = values
        else:
            headers[name] = values[0] if len(values) == 1 else ",".join(values)
    body, encoded = answer_body(response.body, content_type)
    answer: dict[str, Any] = {
        "statusCode": response.status,
        "headers": headers,
        "body": body,
        "isBase64Encoded": encoded,
    }
    if cookies:
        answer["cookies"] = cookies
    return answer
