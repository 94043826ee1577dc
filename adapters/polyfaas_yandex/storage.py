"""Object Storage through ``boto3``: the Yandex provider's store for ``polyfaas.storage``.

The registry row's ``storage`` names ``backend``; ``boto3`` is imported when a function
opens its first bucket. Object Storage speaks S3 at ``https://storage.yandexcloud.net``
(region ``ru-central1``); boto3's own ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL`` move
it, so any S3-compatible endpoint serves. Credentials: a static key from the standard
variables (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``) when set; else the
function's service-account IAM token from the context (``context.token``), sent
unsigned in ``X-YaCloud-SubjectToken`` (ASSUMPTIONS.md, "Object storage"), so a
function with a service account needs no keys. An IAM token signs nothing, so
presigned URLs need a static key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

from polyfaas.errors import AccessDenied, NotFound, ProviderUnavailableError, StorageError
from polyfaas.storage import ObjectInfo, hide_in_logs, unquoted

if TYPE_CHECKING:
    from polyfaas import Context

DEFAULT_ENDPOINT = "https://storage.yandexcloud.net"
DEFAULT_REGION = "ru-central1"
ENDPOINT_ENVS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
REGION_ENVS = ("AWS_REGION", "AWS_DEFAULT_REGION")
TOKEN_HEADER = "X-YaCloud-SubjectToken"
_NOT_FOUND = frozenset({"404", "NoSuchKey", "NoSuchBucket", "NotFound"})
_DENIED = frozenset(
    {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"}
)
_METHODS = {"GET": "get_object", "PUT": "put_object", "HEAD": "head_object"}
_METHODS["DELETE"] = "delete_object"
#: Clients made, by endpoint, region and credentials (a client costs ~50 ms to make);
#: a few: an instance has one set of credentials at a time, a new token now and then.
_CLIENTS: dict[tuple[str, ...], Any] = {}
_MAX_CLIENTS = 4


def _boto() -> tuple[Any, Any, Any]:
    try:
        import boto3
        import botocore
        import botocore.config
    except ImportError:
        raise ProviderUnavailableError(
            "polyfaas.storage on Yandex needs boto3: pip install 'polyfaas[yandex]'"
        ) from None
    return boto3, botocore, botocore.config


def _first(environ: Mapping[str, str], names: tuple[str, ...], default: str) -> str:
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return default


def _add_token(token: str) -> Any:
    def add(request: Any, **kwargs: Any) -> None:
        request.headers[TOKEN_HEADER] = token

    return add


def client(context: Context | None, environ: Mapping[str, str]) -> tuple[Any, bool]:
    """A boto3 S3 client for Object Storage (or the endpoint the variables name), and
    whether it signs (a static key) or sends the IAM token."""
    boto3, botocore, config = _boto()
    endpoint = _first(environ, ENDPOINT_ENVS, DEFAULT_ENDPOINT)
    region = _first(environ, REGION_ENVS, DEFAULT_REGION)
    key_id = environ.get("AWS_ACCESS_KEY_ID", "")
    secret = environ.get("AWS_SECRET_ACCESS_KEY", "")
    session_token = environ.get("AWS_SESSION_TOKEN", "")
    creds = context.credentials if context is not None else None
    token = creds.token if creds is not None and creds.token else ""
    if not (key_id and secret) and not token:
        raise AccessDenied(
            "no Object Storage credentials: attach a service account to the function "
            "(its IAM token is used), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    hide_in_logs([secret, session_token, token], "boto3", "botocore", "s3transfer", "urllib3")
    signs = bool(key_id and secret)
    cache_key = (endpoint, region, key_id, secret, session_token) if signs else (endpoint, token)
    made = _CLIENTS.get(cache_key)
    if made is not None:
        return made, signs
    options = config.Config(
        region_name=region,
        signature_version="s3v4" if signs else botocore.UNSIGNED,
        s3={"addressing_style": "path"},
        retries={"max_attempts": 3, "mode": "standard"},
    )
    if signs:
        made = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            aws_session_token=session_token or None,
            config=options,
        )
    else:
        made = boto3.session.Session().client("s3", endpoint_url=endpoint, config=options)
        made.meta.events.register("request-created.s3.*", _add_token(token))
    if len(_CLIENTS) >= _MAX_CLIENTS:
        _CLIENTS.pop(next(iter(_CLIENTS)))
    _CLIENTS[cache_key] = made
    return made, signs


class S3Backend:
    """One Object Storage (S3) bucket (a ``polyfaas.storage.Backend``)."""

    def __init__(self, name: str, context: Context | None, environ: Mapping[str, str]) -> None:
        self.name = name
        self._client, self._signs = client(context, environ)
        self._errors = _boto()[1].exceptions

    def __repr__(self) -> str:  # the client holds the keys: never shown
        return f"S3Backend({self.name!r}, endpoint={self._client.meta.endpoint_url!r})"

    def _call(self, what: str, key: str, operation: str, **params: Any) -> Any:
        """One S3 call, its errors as polyfaas'. A ``ClientError``'s text is S3's answer
        (code, message), never the request's credentials."""
        where = f"Object Storage {what} s3://{self.name}/{key}"
        try:
            return getattr(self._client, operation)(Bucket=self.name, **params)
        except self._errors.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            message = f"{where}: {code or status} ({error.get('Message') or 'no message'})"
            if code in _NOT_FOUND or status == "404":
                raise NotFound(message) from exc
            if code in _DENIED or status == "403":
                raise AccessDenied(message) from exc
            raise StorageError(message) from exc
        except self._errors.BotoCoreError as exc:
            raise StorageError(f"{where}: {exc}") from exc

    def put(
        self, key: str, data: bytes | IO[bytes], content_type: str, metadata: Mapping[str, str]
    ) -> None:
        self._call(
            "put",
            key,
            "put_object",
            Key=key,
            Body=data,
            ContentType=content_type,
            Metadata=dict(metadata),
        )

    def get(self, key: str) -> bytes:
        body = self._call("get", key, "get_object", Key=key)["Body"]
        try:
            content: bytes = body.read()
        finally:
            body.close()
        return content

    def open(self, key: str) -> IO[bytes]:
        reader: IO[bytes] = self._call("get", key, "get_object", Key=key)["Body"]
        return reader

    def head(self, key: str) -> ObjectInfo:
        answer = self._call("head", key, "head_object", Key=key)
        return ObjectInfo(
            key=key,
            size=int(answer.get("ContentLength", 0)),
            etag=unquoted(answer.get("ETag")),
            last_modified=answer["LastModified"],
            content_type=answer.get("ContentType") or "application/octet-stream",
            metadata={name.lower(): value for name, value in answer.get("Metadata", {}).items()},
        )

    def list_page(self, prefix: str, after: str, limit: int) -> tuple[list[ObjectInfo], str | None]:
        params: dict[str, Any] = {"Prefix": prefix, "MaxKeys": limit}
        if after:
            params["StartAfter"] = after
        answer = self._call("list", f"{prefix}*", "list_objects_v2", **params)
        page = [
            ObjectInfo(
                key=item["Key"],
                size=int(item["Size"]),
                etag=unquoted(item.get("ETag")),
                last_modified=item["LastModified"],
            )
            for item in answer.get("Contents", [])
        ]
        more = bool(answer.get("IsTruncated")) and bool(page)
        return page, page[-1].key if more else None

    def delete(self, key: str) -> None:
        self._call("delete", key, "delete_object", Key=key)

    def url(self, key: str, expires: int, method: str) -> str:
        if not self._signs:
            raise StorageError(
                "a presigned Object Storage URL needs a static key (AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY): the function's IAM token signs no URL"
            )
        signed: str = self._client.generate_presigned_url(
            _METHODS[method], Params={"Bucket": self.name, "Key": key}, ExpiresIn=expires
        )
        return signed


def backend(name: str, context: Context | None, environ: Mapping[str, str]) -> S3Backend:
    """What the registry row's ``storage`` names: bucket ``name`` of Object Storage, as
    the function with ``context`` may reach it."""
    return S3Backend(name, context, environ)
