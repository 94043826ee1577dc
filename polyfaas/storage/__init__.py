"""Portable object storage: one bucket API over OSS, S3-compatible stores and a folder.

::

    from polyfaas import storage

    @polyfaas.event
    def handler(event, context):
        photos = storage.bucket("photos", context)
        photos.put("in/a.txt", "hello", metadata={"by": "polyfaas"})
        for info in photos.list("in/"):
            print(info.key, info.size)
        return photos.url("in/a.txt", expires=600)

The store follows where the function runs (``context.provider``): each provider's own
(Alibaba: OSS through ``oss2``; Yandex: Object Storage through ``boto3``), with the
function's own credentials from the context; a folder for every other provider and
whenever ``POLYFAAS_STORAGE=local`` (the default under ``polyfaas run`` and the test
kit). ``docs/storage.md`` has the whole story. Nothing here is imported by ``import
polyfaas``, and a provider's SDK only when its first bucket is opened.

Every failure is a ``StorageError`` (``polyfaas.errors``): ``NotFound``,
``AccessDenied``, ``InvalidKey``, whatever the store raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from polyfaas.errors import AccessDenied, InvalidKey, NotFound, StorageError
from polyfaas.storage._bucket import Backend, Bucket, Data, Reader, check_key, check_metadata
from polyfaas.storage._choose import MODE_ENV, check_bucket_name, open_bucket
from polyfaas.storage._events import object_of
from polyfaas.storage._model import ObjectInfo, ObjectRef, unquoted
from polyfaas.storage._redact import hide_in_logs

if TYPE_CHECKING:
    from polyfaas._context import Context


def bucket(name: str, context: Context | None = None) -> Bucket:
    """The bucket ``name`` of the store the function runs beside: its provider's own
    store (the credentials and region of ``context``), or the local folder (see the
    module's docstring). Without a context, the local folder."""
    return open_bucket(name, context)


__all__ = [
    "MODE_ENV",
    "AccessDenied",
    "Backend",
    "Bucket",
    "Data",
    "InvalidKey",
    "NotFound",
    "ObjectInfo",
    "ObjectRef",
    "Reader",
    "StorageError",
    "bucket",
    "check_bucket_name",
    "check_key",
    "check_metadata",
    "hide_in_logs",
    "object_of",
    "unquoted",
]
