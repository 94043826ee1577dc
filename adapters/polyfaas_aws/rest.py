"""API Gateway REST API, Lambda proxy integration, payload format 1.0.

The event (ASSUMPTIONS.md, "REST API"): ``resource``, ``path`` (the request path
without the stage, percent-encoding kept), ``httpMethod``, ``headers`` (one value a
name, the last) and ``multiValueHeaders`` (every value), ``queryStringParameters`` and
``multiValueQueryStringParameters`` (decoded values; ``null`` when there is no query),
``pathParameters``, ``stageVariables``, ``requestContext`` (``stage``, ``path`` with the
stage, ``requestId``, ``requestTimeEpoch``, ``identity.sourceIp``, ``domainName``,
``apiId``), ``body`` and ``isBase64Encoded`` (true when the request's content type is
one of the API's binary media types).

The answer: ``{statusCode, headers, multiValueHeaders, body, isBase64Encoded}``; a
name with one value goes in ``headers``, a repeated one (several ``Set-Cookie``) in
``multiValueHeaders``; a body that is not text goes base64.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas import Headers, MultiDict, Request, Response
from polyfaas.runtime import (
    EventFormatError,
    encode_query,
    multi_value_index,
)
from polyfaas_aws.envelope import (
    answer_body,
    header_maps,
    mapping,
    pairs,
    path_and_body,
    plain_params,
)

if TYPE_CHECKING:
    from polyfaas.runtime import WSGIFields

WHERE = "API Gateway REST event"


def is_rest_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is a REST API proxy event (payload 1.0): an ``httpMethod``
    and a ``requestContext`` with a ``stage`` and an ``apiId`` (Yandex's look-alike
    envelopes have neither)."""
    context = event.get("requestContext")
    return (
        "httpMethod" in event
        and (type(context) is dict or isinstance(context, Mapping))
        and "stage" in context
        and "apiId" in context
        and event.get("version") in (None, "1.0")
    )


def path_params(event: Mapping[str, Any], where: str) -> dict[str, str]:
    given = event.get("pathParameters")
    if type(given) is dict:
        # The parsed JSON's own object (a proxy route's one or two names): one loop,
        # no generator, and a copy (the Request keeps the dict it is given).
        for name, value in given.items():
            if type(name) is not str or type(value) is not str:
                break
        else:
            return given.copy()
    elif given is None:  # most routes: null or absent
        return {}
    params = mapping(event, "pathParameters", where)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
        raise EventFormatError(f"{where}: pathParameters must map strings to strings")
    return dict(params)


def decode(event: Mapping[str, Any]) -> Request:
    """The canonical ``Request`` of a REST API proxy event."""
    method = event.get("httpMethod")
    if not isinstance(method, str) or not method:
        raise EventFormatError(f"{WHERE}: 'httpMethod' must be a non-empty string")
    # Lazy views (issue 15, decision 1): the pairs are decoded when the handler reads
    # them; lookups (the host below) go through the kit's index of the couple.
    # The WSGI environ reads the native lists instead when they are the platform's
    # shape (the same names in both maps: the pairs are then the lists' values).
    # (Either map of another type is left to the pairs, which check it.)
    given = event.get("headers")
    singles = given if type(given) is dict else {}
    multis = event.get("multiValueHeaders")
    fields = None
    if given is None or type(given) is dict:
        if type(multis) is dict and singles.keys() == multis.keys():
            fields = (multis, True)
        elif multis is None:
            fields = (singles, False)
    headers = Headers._lazy(
        lambda: tuple(pairs(event, "headers", "multiValueHeaders", WHERE)),
        lambda: multi_value_index(event),
        None,
        fields,
    )
    query = MultiDict._lazy(
        lambda: tuple(
            pairs(event, "queryStringParameters", "multiValueQueryStringParameters", WHERE)
        )
    )
    raw_path, path, body = path_and_body(event, "path", WHERE)
    context = event.get("requestContext")
    if type(context) is not dict:  # (the parsed JSON's own object takes no call)
        context = mapping(event, "requestContext", WHERE)
    identity = context.get("identity")
    source_ip = None
    if type(identity) is dict or isinstance(identity, Mapping):
        source_ip = identity.get("sourceIp")
    # Host and X-Forwarded-Proto from the single-value map in API Gateway's spelling
    # when there: the lookup index of every header is then never built (an app reads
    # the pairs, not the index).
    host = singles.get("Host")
    if type(host) is not str:
        host = headers.get("host")
    scheme = singles.get("X-Forwarded-Proto")
    if type(scheme) is not str:
        scheme = headers.get("x-forwarded-proto", "https")
    return Request._trusted(
        method.upper(),
        path,
        raw_path,
        query,
        headers,
        body,
        source_ip if isinstance(source_ip, str) and source_ip else None,
        scheme,
        host or str(context.get("domainName") or ""),
        "",
        path_params(event, WHERE),
        event,
    )


def wsgi_fields(event: Mapping[str, Any]) -> WSGIFields | None:
    """The WSGI environ's values of a REST API event, straight from the event
    (``WSGIFields``): those of ``decode(event)``, for the common shape (the parsed
    JSON's objects, ``headers`` and ``multiValueHeaders`` naming the same fields,
    ``Host`` and ``X-Forwarded-Proto`` among them); ``None`` for any other, whose
    environ the filled request gives (``decode`` raising for a malformed event). The
    checks of ``decode`` in its order, then the query's and the header fields' as the
    environ reads them (tests/aws/test_aws_direct_environ.py)."""
    method = event.get("httpMethod")
    singles = event.get("headers")
    multis = event.get("multiValueHeaders")
    if type(method) is not str or not method or type(singles) is not dict:
        return None
    if type(multis) is dict and singles.keys() == multis.keys():
        fields, lists = multis, True
    elif multis is None:
        fields, lists = singles, False
    else:
        return None
    raw_path, _, body = path_and_body(event, "path", WHERE)
    context_field = event.get("requestContext")
    if type(context_field) is not dict:
        return None
    identity = context_field.get("identity")
    host = singles.get("Host")
    scheme = singles.get("X-Forwarded-Proto")
    if (
        type(host) is not str
        or not host
        or type(scheme) is not str
        or (identity is not None and type(identity) is not dict)
        or not plain_params(event)
    ):
        return None
    source_ip = identity.get("sourceIp") if identity is not None else None
    # The query as the environ reads the decoded one (its pairs' error, if malformed).
    query = MultiDict._trusted(
        tuple(pairs(event, "queryStringParameters", "multiValueQueryStringParameters", WHERE))
    )
    return (
        method.upper(),
        raw_path,
        encode_query(query),
        host,
        scheme,
        body,
        source_ip if isinstance(source_ip, str) and source_ip else None,
        fields,
        lists,
    )


def encode(response: Response) -> dict[str, Any]:
    """The proxy integration's answer for ``response``."""
    multi: dict[str, list[str]] = {}
    headers, groups, content_type = header_maps(response)
    for name, values in groups.values():
        if len(values) == 1:
            headers[name] = values[0]
        else:
            multi[name] = values
    body, encoded = answer_body(response.body, content_type)
    return {
        "statusCode": response.status,
        "headers": headers,
        "multiValueHeaders": multi,
        "body": body,
        "isBase64Encoded": encoded,
    }
