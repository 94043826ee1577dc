"""The native version: FC's Python handler example 2 through ``oss2`` itself.

Kept beside ``main.py`` (the portable one, through ``polyfaas.storage``) to show what
the portable handler replaces; it runs on every provider but writes to OSS only.

The seed reads ``context.credentials``, which FC's Python 3.12 runtime no longer has
(it moved the keys to ``ALIBABA_CLOUD_*`` variables). ``polyfaas.Context.credentials``
holds the role's STS keys on every FC runtime and in a custom runtime. A Yandex
function has no Alibaba role (its ``credentials`` are a Yandex IAM token), so there
the keys come from the same ``ALIBABA_CLOUD_*`` variables, set at deploy time.
"""

from __future__ import annotations

import os

import oss2

import polyfaas


def oss_auth(context: polyfaas.Context) -> oss2.StsAuth:
    """STS credentials for OSS: the function role's, else the environment's."""
    creds = context.credentials
    if creds is not None and creds.access_key_id:
        # do not forget security_token
        return oss2.StsAuth(
            creds.access_key_id, creds.access_key_secret or "", creds.security_token or ""
        )
    return oss2.StsAuth(
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        os.environ["ALIBABA_CLOUD_SECURITY_TOKEN"],
    )


@polyfaas.event
def handler(event: polyfaas.Event, context: polyfaas.Context) -> str:
    evt = event.data
    bucket = oss2.Bucket(oss_auth(context), evt["endpoint"], evt["bucket"])
    bucket.put_object(evt["objectName"], evt["message"])
    return "success"
