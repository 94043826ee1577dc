"""What ``polyfaas.storage`` answers with: an object's description and its address."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import NamedTuple

import attrs


class ObjectRef(NamedTuple):
    """Where an object is: its bucket's name and its key (``object_of`` answers one)."""

    bucket: str
    key: str


def _frozen_metadata(value: Mapping[str, str] | None) -> Mapping[str, str] | None:
    return None if value is None else dict(value)


@attrs.frozen(kw_only=True)
class ObjectInfo:
    """An object as ``Bucket.head`` (every field) or ``Bucket.list`` describes it.

    ``etag`` is the store's own tag, without its quotes (the MD5 of the content in
    hex for an object written in one piece). A listing names no content type and no
    metadata (the stores' listings do not carry them): both are ``None`` there.
    """

    key: str
    size: int
    etag: str
    last_modified: datetime.datetime
    content_type: str | None = None
    metadata: Mapping[str, str] | None = attrs.field(default=None, converter=_frozen_metadata)


def unquoted(etag: str | None) -> str:
    """An ETag header's value without its quotes (and the weak ``W/`` mark)."""
    tag = (etag or "").strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    return tag.strip('"')
