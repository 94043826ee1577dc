"""Write an object with the function's own credentials (FC's handler example 2), portable.

FC's example builds ``oss2.StsAuth`` from ``context.credentials`` and writes to OSS
(``seed.py`` keeps that native version). Through ``polyfaas.storage`` the same handler
writes to OSS on Alibaba (the role's STS keys, the region's internal endpoint), to
Object Storage on Yandex (the service account's IAM token, or static keys) and to a
local folder under ``polyfaas run`` and the test kit: no SDK, no endpoint, no keys in
the code.
"""

from __future__ import annotations

import polyfaas
from polyfaas import storage

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())


@polyfaas.event
def handler(event: polyfaas.Event, context: polyfaas.Context) -> str:
    evt = event.data
    bucket = storage.bucket(evt["bucket"], context)
    bucket.put(evt["objectName"], evt["message"])
    return "success"
