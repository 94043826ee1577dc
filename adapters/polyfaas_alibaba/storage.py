"""OSS through ``oss2``: the Alibaba provider's object store for ``polyfaas.storage``.

The registry row's ``storage`` names ``backend``; ``polyfaas.storage`` calls it when a
function opens its first bucket, and only then is ``oss2`` imported. Credentials are
the function role's temporary keys from the context (FC 3.9/3.10's
``context.credentials``, FC 3.12's ``ALIBABA_CLOUD_*`` variables: ``context.py`` reads
both), signed with the STS token (``oss2.StsAuth``); the endpoint is the region's
internal one inside FC, the public one elsewhere, ``OSS_ENDPOINT`` over both
(ASSUMPTIONS.md, "Object storage").
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

from polyfaas.errors import AccessDenied, NotFound, ProviderUnavailableError, StorageError
from polyfaas.storage import ObjectInfo, hide_in_logs, unquoted

if TYPE_CHECKING:
    from polyfaas import Context

ENDPOINT_ENV = "OSS_ENDPOINT"
#: Set on every FC instance ([fc-env-vars]): the function runs inside FC.
INSIDE_FC_ENV = "FC_FUNCTION_NAME"
META_PREFIX = "x-oss-meta-"
_KEY_ENV = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
_TOKEN_ENV = "ALIBABA_CLOUD_SECURITY_TOKEN"


def _oss2() -> Any:
    try:
        import oss2
    except ImportError:
        raise ProviderUnavailableError(
            "polyfaas.storage on Alibaba needs oss2: pip install 'polyfaas[alibaba]'"
        ) from None
    return oss2


def endpoint(region: str, environ: Mapping[str, str]) -> str:
    """``OSS_ENDPOINT``, else ``https://oss-<region>-internal.aliyuncs.com`` inside FC
    (free traffic, no public network) and ``https://oss-<region>.aliyuncs.com`` elsewhere."""
    given = environ.get(ENDPOINT_ENV, "").strip()
    if given:
        return given if "://" in given else f"https://{given}"
    if not region:
        raise StorageError(
            f"OSS needs a region to find its endpoint: the context names none; set {ENDPOINT_ENV}"
        )
    internal = "-internal" if environ.get(INSIDE_FC_ENV) else ""
    return f"https://oss-{region}{internal}.aliyuncs.com"


def auth(context: Context | None, environ: Mapping[str, str]) -> Any:
    """``oss2.StsAuth`` of the role's temporary keys (``oss2.Auth`` for keys without a
    token); ``AccessDenied`` when the function has none."""
    oss2 = _oss2()
    creds = context.credentials if context is not None else None
    if creds is not None and creds.access_key_id:
        key_id, secret, token = creds.access_key_id, creds.access_key_secret, creds.security_token
    else:
        key_id, secret = (environ.get(name, "") for name in _KEY_ENV)
        token = environ.get(_TOKEN_ENV, "")
    hide_in_logs([secret, token], "oss2", "urllib3", "requests")
    if not key_id or not secret:
        raise AccessDenied(
            "no OSS credentials: give the function a role (FC passes its temporary keys), or "
            "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
        )
    if token:
        return oss2.StsAuth(key_id, secret, token)
    return oss2.Auth(key_id, secret)


@contextmanager
def _mapped(what: str) -> Iterator[None]:
    """oss2's exceptions as polyfaas'. Their ``str`` shows OSS's answer (codes, ids,
    the message), never the request's credentials."""
    oss2 = _oss2()
    try:
        yield
    except oss2.exceptions.NotFound as exc:
        raise NotFound(f"{what}: {exc.code or 'NotFound'} ({exc.message or exc.status})") from exc
    except oss2.exceptions.AccessDenied as exc:
        raise AccessDenied(f"{what}: AccessDenied ({exc.message})") from exc
    except oss2.exceptions.OssError as exc:
        if exc.status == 403:
            raise AccessDenied(f"{what}: {exc.code} ({exc.message})") from exc
        if exc.status == 404:
            raise NotFound(f"{what}: {exc.code} ({exc.message})") from exc
        raise StorageError(f"{what}: OSS answered {exc.status} {exc.code}: {exc.message}") from exc


def _utc(stamp: Any) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(int(stamp or 0), tz=datetime.timezone.utc)


class OSSBackend:
    """One OSS bucket (a ``polyfaas.storage.Backend``)."""

    def __init__(self, name: str, context: Context | None, environ: Mapping[str, str]) -> None:
        oss2 = _oss2()
        self.name = name
        self.endpoint = endpoint(context.region if context is not None else "", environ)
        self._bucket = oss2.Bucket(auth(context, environ), self.endpoint, name)

    def __repr__(self) -> str:  # oss2's objects hold the keys: never shown
        return f"OSSBackend({self.name!r}, endpoint={self.endpoint!r})"

    def _what(self, verb: str, key: str) -> str:
        return f"OSS {verb} oss://{self.name}/{key}"

    def put(
        self, key: str, data: bytes | IO[bytes], content_type: str, metadata: Mapping[str, str]
    ) -> None:
        headers = {"Content-Type": content_type}
        headers.update((META_PREFIX + name, value) for name, value in metadata.items())
        with _mapped(self._what("put", key)):
            self._bucket.put_object(key, data, headers=headers)

    def get(self, key: str) -> bytes:
        with _mapped(self._what("get", key)):
            result = self._bucket.get_object(key)
            try:
                content: bytes = result.read()
            finally:
                result.close()
        return content

    def open(self, key: str) -> IO[bytes]:
        with _mapped(self._what("get", key)):
            reader: IO[bytes] = self._bucket.get_object(key)
        return reader

    def head(self, key: str) -> ObjectInfo:
        with _mapped(self._what("head", key)):
            result = self._bucket.head_object(key)
        metadata = {
            name[len(META_PREFIX) :].lower(): value
            for name, value in result.headers.items()
            if name.lower().startswith(META_PREFIX)
        }
        return ObjectInfo(
            key=key,
            size=int(result.content_length or 0),
            etag=unquoted(result.etag),
            last_modified=_utc(result.last_modified),
            content_type=result.content_type or "application/octet-stream",
            metadata=metadata,
        )

    def list_page(self, prefix: str, after: str, limit: int) -> tuple[list[ObjectInfo], str | None]:
        with _mapped(f"OSS list oss://{self.name}/{prefix}*"):
            result = self._bucket.list_objects(prefix=prefix, marker=after, max_keys=limit)
        page = [
            ObjectInfo(
                key=item.key,
                size=int(item.size),
                etag=unquoted(item.etag),
                last_modified=_utc(item.last_modified),
            )
            for item in result.object_list
        ]
        more = bool(result.is_truncated) and bool(page)
        return page, (result.next_marker or page[-1].key) if more else None

    def delete(self, key: str) -> None:
        with _mapped(self._what("delete", key)):
            self._bucket.delete_object(key)

    def url(self, key: str, expires: int, method: str) -> str:
        with _mapped(self._what("sign", key)):
            signed: str = self._bucket.sign_url(method, key, expires, slash_safe=True)
        return signed


def backend(name: str, context: Context | None, environ: Mapping[str, str]) -> OSSBackend:
    """What the registry row's ``storage`` names: bucket ``name`` of OSS, as the
    function with ``context`` may reach it."""
    return OSSBackend(name, context, environ)
