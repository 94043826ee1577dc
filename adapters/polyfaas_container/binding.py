"""The CloudEvents 1.0 HTTP protocol binding, receiving side: a request → ``Event``s.

Three content modes (ASSUMPTIONS.md § "CloudEvents over HTTP"):

- **binary**: the attributes in ``ce-*`` headers (values percent-encoded), the
  ``Content-Type`` as ``datacontenttype``, the body as ``data``;
- **structured**: ``Content-Type: application/cloudevents+json``, the whole event one
  JSON object (``data``, or ``data_base64`` for binary data);
- **batched**: ``Content-Type: application/cloudevents-batch+json``, a JSON array of
  such objects (an ``EventBatch``).

``id``, ``source``, ``specversion`` (``1.0``) and ``type`` are required; a request
that lacks one is a ``MalformedCloudEvent`` naming it (the server answers 400).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from polyfaas import Event, EventBatch, Headers
from polyfaas.runtime import EventFormatError, media_type, parse_rfc3339, payload_data

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
REQUIRED = ("specversion", "id", "source", "type")
SPECVERSION = "1.0"
#: Attributes the canonical ``Event`` has a field for (the rest, extensions included,
#: stay in ``Event.native``).
_FIELDS = ("id", "source", "type", "subject", "time", "datacontenttype")


class MalformedCloudEvent(EventFormatError):
    """A request in a CloudEvents content mode that is not a valid CloudEvent."""

    def __init__(self, message: str, attribute: str = "") -> None:
        super().__init__(message)
        #: The attribute that is missing or wrong, when one is.
        self.attribute = attribute


def content_mode(headers: Headers) -> str | None:
    """``"binary"``, ``"structured"``, ``"batch"``, or ``None``: not a CloudEvent."""
    media = media_type(headers.get("content-type"))
    if media == BATCH:
        return "batch"
    if media.startswith("application/cloudevents"):
        return "structured"
    if any(f"ce-{name}" in headers for name in REQUIRED):
        return "binary"
    return None


def decode(headers: Headers, body: bytes) -> Event | EventBatch:
    """The ``Event`` (or ``EventBatch``) a CloudEvents request carries."""
    mode = content_mode(headers)
    if mode == "binary":
        return from_binary(headers, body)
    if mode == "structured" and media_type(headers.get("content-type")) != STRUCTURED:
        raise MalformedCloudEvent(
            f"unsupported CloudEvents format {headers.get('content-type')!r} "
            f"(this server reads {STRUCTURED} and {BATCH})",
            "datacontenttype",
        )
    document = _json_body(body)
    if mode == "batch":
        if not isinstance(document, list):
            raise MalformedCloudEvent("a CloudEvents batch is a JSON array of events")
        return EventBatch(
            [
                from_structured(item, f"CloudEvent {index} of the batch")
                for index, item in enumerate(document)
            ],
            native=document,
        )
    return from_structured(document)


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedCloudEvent(f"the CloudEvent body is not valid JSON: {exc}") from None


def _check(attributes: Mapping[str, Any], where: str) -> None:
    for name in REQUIRED:
        value = attributes.get(name)
        if value is None or value == "":
            raise MalformedCloudEvent(
                f"{where}: missing the required attribute {name!r}", attribute=name
            )
        if not isinstance(value, str):
            raise MalformedCloudEvent(f"{where}: attribute {name!r} is not a string", name)
    if attributes["specversion"] != SPECVERSION:
        raise MalformedCloudEvent(
            f"{where}: specversion {attributes['specversion']!r} is not supported "
            f"(CloudEvents {SPECVERSION})",
            "specversion",
        )


def _event(attributes: dict[str, Any], data: Any, where: str) -> Event:
    try:
        moment = parse_rfc3339(attributes.get("time"), f"{where}: time")
    except EventFormatError as exc:
        raise MalformedCloudEvent(str(exc), "time") from None
    for name in ("subject", "datacontenttype"):
        if attributes.get(name) is not None and not isinstance(attributes[name], str):
            raise MalformedCloudEvent(f"{where}: attribute {name!r} is not a string", name)
    return Event(
        id=attributes["id"],
        source=attributes["source"],
        type=attributes["type"],
        subject=attributes.get("subject"),
        time=moment,
        datacontenttype=attributes.get("datacontenttype"),
        data=data,
        native=attributes,
    )


def from_binary(headers: Headers, body: bytes) -> Event:
    """An event in binary content mode: ``ce-*`` headers, the body as its data."""
    attributes: dict[str, Any] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("ce-") and len(lower) > 3:
            try:
                attributes[lower[3:]] = unquote(value, errors="strict")
            except UnicodeDecodeError:
                message = f"header {name!r} is not percent-encoded UTF-8"
                raise MalformedCloudEvent(message, lower[3:]) from None
    content_type = headers.get("content-type")
    if content_type:
        attributes["datacontenttype"] = content_type
    _check(attributes, "CloudEvent in binary mode")
    # No Content-Type: JSON when it parses, else text, else bytes (as the SDKs read it).
    return _event(attributes, payload_data(body, content_type or None), "CloudEvent in binary mode")


def from_structured(document: Any, where: str = "CloudEvent in structured mode") -> Event:
    """An event in the JSON event format (one object of a structured or batched
    request): ``data`` as JSON, or ``data_base64`` as bytes."""
    if not isinstance(document, dict):
        raise MalformedCloudEvent(f"{where} is not a JSON object")
    attributes = {k: v for k, v in document.items() if k not in ("data", "data_base64")}
    _check(attributes, where)
    if "data_base64" in document:
        import base64
        import binascii

        try:
            data: Any = base64.b64decode(document["data_base64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise MalformedCloudEvent(
                f"{where}: data_base64 is not base64", "data_base64"
            ) from None
    else:
        data = document.get("data")
    return _event(attributes, data, where)


def attributes_of(event: Event) -> dict[str, str]:
    """The context attributes of a canonical ``Event`` as CloudEvents names them
    (strings; ``time`` in RFC 3339), for sending it."""
    from polyfaas.runtime import format_rfc3339

    attributes = {"specversion": SPECVERSION}
    for name in _FIELDS:
        value = getattr(event, name)
        if value is None:
            continue
        attributes[name] = format_rfc3339(value, 6) if name == "time" else str(value)
    return attributes
