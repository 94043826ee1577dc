"""The HTTP envelope codec, inside the function: the router's and API Gateway's JSON
envelopes → ``Request``, and ``Response`` → the ``{statusCode, …}`` dict the runtime
returns.

Three envelopes carry an HTTP request (ASSUMPTIONS.md):

- a direct call (HTTP integration): ``url`` is ``""``, there is no path, and the
  router has stripped ``Cookie``, ``Authorization`` and other headers;
- API Gateway v0.1 (the default): ``url`` is the request path, ``path`` the spec's
  template, ``pathParams`` the template's values;
- API Gateway v1.0 (AWS REST v1-like): ``path``, ``resource``, ``pathParameters``.

A non-empty ``url`` is the request path whatever else the envelope carries (only
v0.1 has it); without one, a ``resource`` or ``version: "1.0"`` marks v1.0.

Lossy points: the platform is HTTPS only, so ``scheme`` is always ``"https"``;
``headers``/``multiValueHeaders`` group repeats by name, so the order between
*different* header names that interleave is lost (likewise for the query).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from polyfaas import Headers, MultiDict, Request, Response
from polyfaas.runtime import (
    PATH_SAFE,
    EventFormatError,
    body_from_text_or_base64,
    body_to_text_or_base64,
    decode_path,
    media_type,
    multi_value_index,
    multi_value_pairs,
    object_field,
)

#: The host of direct calls (``https://functions.yandexcloud.net/<function_id>``).
FUNCTIONS_HOST = "functions.yandexcloud.net"

#: Response headers the platform answers 502 to (D-invoke); the runtime half drops them.
_REJECTED = frozenset({"transfer-encoding", "via", "proxy-authenticate"})
_TEXT_TYPES = (
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
)


# What quote() would leave as it is (percent signs kept: the path is already encoded).
# A path of these alone strips to nothing: the check of a ``[...]*`` regular expression
# without compiling one at import (~0.4M instructions of a cold start).
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_RAW_PATH_PLAIN = _ALNUM + "/:@!$&'()*+,;=-._~%"
#: Where a malformed envelope's ``EventFormatError`` says it was.
WHERE = "Yandex HTTP event"


def is_http_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is an HTTP envelope (direct, API Gateway v0.1 or v1.0)."""
    return "httpMethod" in event and ("requestContext" in event or "headers" in event)


def _str_map(event: Mapping[str, Any], key: str) -> Mapping[Any, Any]:
    return object_field(event, key, WHERE)


def multi_pairs(event: Mapping[str, Any], single: str, multi: str) -> list[tuple[str, str]]:
    """Pairs from a ``headers``/``multiValueHeaders``-like couple of keys
    (``polyfaas.runtime.multi_value_pairs``: names in both take the list)."""
    return multi_value_pairs(event, single, multi, WHERE)


def _raw_path(event: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    url = event.get("url")
    if not url and ("resource" in event or event.get("version") == "1.0"):
        path, params = event.get("path"), event.get("pathParameters")
    else:
        path, params = url, event.get("pathParams")
    if path is None or path == "":
        return "/", _params(params)
    if not isinstance(path, str):
        raise EventFormatError(
            f"Yandex HTTP event: the request path must be a string: {path!r:.60}"
        )
    # [unconfirmed] whether API Gateway's ``url`` carries the query: drop it if so.
    path = path.partition("?")[0]
    if not path.startswith("/"):
        path = "/" + path
    if not path.strip(_RAW_PATH_PLAIN):  # no quote() needed: no urllib.parse import
        return path, _params(params)
    from urllib.parse import quote

    # a lone surrogate (JSON's "\udc80") is kept as its own bytes rather than failing
    return quote(path, safe=PATH_SAFE + "%", errors="surrogatepass"), _params(params)


def _params(params: Any) -> Mapping[str, Any]:
    if params is None or (type(params) is dict and not params):  # none: no generator made
        return {}
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in params.items()
    ):
        raise EventFormatError("Yandex HTTP event: path parameters must map strings to strings")
    return params


#: The lower-cased header lookup without decoding the pairs (the kit's, shared with
#: AWS's REST envelope, which Yandex's copies).
_header_index = multi_value_index


def decode_request(event: Mapping[str, Any]) -> Request:
    """The canonical ``Request`` of an HTTP envelope; ``EventFormatError`` if malformed.

    The headers and the query are lazy views (issue 15, decisions 1 and 3): decoded,
    and checked, when the handler first reads them, so a malformed one raises its
    ``EventFormatError`` then, which the entry lets propagate as at decode (the
    platform answers it the same way).
    """
    method = event.get("httpMethod")
    if not isinstance(method, str) or not method:
        raise EventFormatError("Yandex HTTP event: 'httpMethod' must be a non-empty string")
    headers = Headers._lazy(
        lambda: tuple(multi_pairs(event, "headers", "multiValueHeaders")),
        lambda: _header_index(event),
    )
    query = MultiDict._lazy(
        lambda: tuple(
            multi_pairs(event, "queryStringParameters", "multiValueQueryStringParameters")
        )
    )
    raw_path, path_params = _raw_path(event)
    client_ip = None
    context = _str_map(event, "requestContext")
    identity = context.get("identity")
    if type(identity) is dict:
        source_ip = identity.get("sourceIp")
        client_ip = source_ip if isinstance(source_ip, str) and source_ip else None
    host = _str_map(event, "headers").get("Host")
    if type(host) is not str:  # not in the canonical spelling: look for it (decoded now)
        host = headers.get("host", FUNCTIONS_HOST)
    # Every value below is already in its final form (the views check their names and
    # values, the body is bytes, the params a dict of strings): the trusted constructor
    # fills the fields without the validating one's second pass (equal objects).
    return Request._trusted(
        method.upper(),
        decode_path(raw_path),
        raw_path,
        query,
        headers,
        body_from_text_or_base64(
            event.get("body"), event.get("isBase64Encoded", False), "Yandex HTTP event"
        ),
        client_ip,
        "https",
        host,
        "",
        dict(path_params) if path_params else {},
        event,
    )


def is_text(content_type: str | None) -> bool:
    """Whether a body of this media type is sent as text rather than base64."""
    media = media_type(content_type)
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def encode_response(response: Response) -> dict[str, Any]:
    """The ``{statusCode, headers, multiValueHeaders, body, isBase64Encoded}`` dict.

    A header with one value goes in ``headers``, a repeated one (``Set-Cookie``) in
    ``multiValueHeaders``; text bodies stay text, others are base64. The headers
    the platform rejects with a 502 (``Transfer-Encoding``, ``Via``,
    ``Proxy-Authenticate``) are dropped: a portable app that happens to set one
    still answers, and ``Transfer-Encoding`` means nothing once the body is whole.
    """
    # One pass over the fields (what a call sends: each name once) finds the
    # Content-Type too; a repeated name takes the grouping pass below.
    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    seen: set[str] = set()
    content_type = None
    for name, value in response.headers.items():
        lower = name.lower()
        if lower in seen:
            headers, multi = _grouped(response.headers.items())
            content_type = response.content_type
            break
        seen.add(lower)
        if lower == "content-type":
            content_type = value
        if lower not in _REJECTED:
            headers[name] = value
    body, encoded = body_to_text_or_base64(response.body, is_text(content_type))
    return {
        "statusCode": response.status,
        "headers": headers,
        "multiValueHeaders": multi,
        "body": body,
        "isBase64Encoded": encoded,
    }


def _grouped(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``headers`` and ``multiValueHeaders``: a name with one value in the first, a
    repeated one in the second (under its first spelling), the rejected ones dropped."""
    grouped: dict[str, tuple[str, list[str]]] = {}
    for name, value in pairs:
        lower = name.lower()
        if lower in _REJECTED:
            continue
        entry = grouped.get(lower)
        if entry is None:
            grouped[lower] = (name, [value])
        else:
            entry[1].append(value)
    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, values in grouped.values():
        if len(values) == 1:
            headers[name] = values[0]
        else:
            multi[name] = values
    return headers, multi
