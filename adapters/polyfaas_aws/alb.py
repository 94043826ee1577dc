"""Application Load Balancer target events, with and without multi-value headers.

The event (ASSUMPTIONS.md, "ALB"): ``requestContext.elb.targetGroupArn``,
``httpMethod``, ``path`` (as sent), ``body``, ``isBase64Encoded``, and either
``headers``/``queryStringParameters`` (one value a name, the last; lower-case header
names) or, when the target group's ``lambda.multi_value_headers.enabled`` is true,
``multiValueHeaders``/``multiValueQueryStringParameters`` (every value). The load
balancer passes query names and values as the client sent them, percent-encoding
kept: they are decoded here.

The answer: ``statusCode``, ``statusDescription`` (``"200 OK"``), ``isBase64Encoded``,
``body``, and ``multiValueHeaders`` when the request came with them, else
``headers``: one value a key. Without multi-value headers, several ``Set-Cookie``
still survive as the balancer allows: it sends each key of ``headers`` as its own
field and compares keys exactly, so each cookie goes under a spelling of its own
(``Set-Cookie``, ``set-cookie``, ``SET-COOKIE``, ``sEt-cookie``…); other repeated
headers are joined with commas.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from polyfaas import Headers, MultiDict, Request, Response
from polyfaas.runtime import EventFormatError
from polyfaas_aws.envelope import (
    answer_body,
    answer_fields,
    first_forwarded,
    pairs,
    path_and_body,
)

WHERE = "ALB event"


def is_alb_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` comes from a load balancer (``requestContext.elb``)."""
    context = event.get("requestContext")
    if type(context) is not dict and not isinstance(context, Mapping):
        return False
    return "elb" in context and "httpMethod" in event


def multi_value(event: Mapping[str, Any]) -> bool:
    """Whether the target group sends (and so takes) multi-value headers."""
    return "multiValueHeaders" in event


def decode(event: Mapping[str, Any]) -> Request:
    """The canonical ``Request`` of a load balancer's event."""
    method = event.get("httpMethod")
    if not isinstance(method, str) or not method:
        raise EventFormatError(f"{WHERE}: 'httpMethod' must be a non-empty string")
    headers = pairs(event, "headers", "multiValueHeaders", WHERE)
    from urllib.parse import unquote_plus  # here: no other front door's cold start needs it

    query = [
        (unquote_plus(name), unquote_plus(value))
        for name, value in pairs(
            event, "queryStringParameters", "multiValueQueryStringParameters", WHERE
        )
    ]
    raw_path, path, body = path_and_body(event, "path", WHERE)
    lowered = {name.lower(): value for name, value in headers}
    return Request._trusted(
        method.upper(),
        path,
        raw_path,
        MultiDict(query),
        Headers(headers),
        body,
        first_forwarded(lowered.get("x-forwarded-for")),
        lowered.get("x-forwarded-proto", "http"),
        lowered.get("host", ""),
        "",
        {},
        event,
    )


def spellings(name: str) -> Iterator[str]:
    """Distinct spellings of ``name`` that differ in letter case only: the name as it
    is, lower case, upper case, then the binary count over its letters."""
    seen: set[str] = set()
    first = (name, name.lower(), name.upper())
    for spelling in first:
        if spelling not in seen:
            seen.add(spelling)
            yield spelling
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    for mask in range(2 ** len(letters)):
        chars = list(name.lower())
        for bit, index in enumerate(letters):
            if mask >> bit & 1:
                chars[index] = chars[index].upper()
        spelling = "".join(chars)
        if spelling not in seen:
            seen.add(spelling)
            yield spelling


def status_description(status: int) -> str:
    """``"200 OK"``: the status line's text the balancer sends (its reason phrase)."""
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def encode(response: Response, multi_value_headers: bool) -> dict[str, Any]:
    """The target's answer for ``response``, in the target group's header mode."""
    groups, content_type = answer_fields(response)
    answer: dict[str, Any] = {
        "statusCode": response.status,
        "statusDescription": status_description(response.status),
    }
    if multi_value_headers:
        answer["multiValueHeaders"] = dict(groups.values())
    else:
        headers: dict[str, str] = {}
        for lower, (name, values) in groups.items():
            if lower == "set-cookie" and len(values) > 1:
                headers.update(zip(spellings(name), values))
            else:
                headers[name] = ",".join(values)
        answer["headers"] = headers
    body, encoded = answer_body(response.body, content_type)
    answer["body"] = body
    answer["isBase64Encoded"] = encoded
    return answer
