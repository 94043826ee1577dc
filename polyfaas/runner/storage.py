"""The runner's share of ``polyfaas.storage``: the folder its instances keep objects
in, and the presigned URLs of that folder, served under the runner's reserved path.

Every instance of ``polyfaas run`` (and of the test kit) gets ``POLYFAAS_STORAGE=local``
(unless the runner's own environment says ``cloud``), the folder
(``POLYFAAS_STORAGE_DIR``: the runner's, else ``.polyfaas/storage`` in the function's
folder), the URL base of the runner's storage path and the key its URLs are signed
with (``POLYFAAS_STORAGE_SECRET``: the runner's, else a new random one); the
function's own ``--env`` values win over all four. A presigned URL is answered only
while it is unexpired and its HMAC matches its method, bucket, key and expiry
(``403`` otherwise).
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Mapping
from email.utils import formatdate
from pathlib import Path

import attrs

from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas.errors import NotFound, StorageError
from polyfaas.platform import FunctionConfig
from polyfaas.storage._bucket import check_key
from polyfaas.storage._choose import MODE_ENV, check_bucket_name
from polyfaas.storage._local import (
    DIR_ENV,
    EXPIRES,
    METHOD,
    SECRET_ENV,
    SIGNATURE,
    URL_ENV,
    URL_PREFIX,
    LocalBackend,
    signature,
)

#: Every path under it is the runner's own, never the function's.
RESERVED_PREFIX = "/__polyfaas/"


def storage_environ(
    config: FunctionConfig,
    default_dir: Path,
    base_url: str,
    environ: Mapping[str, str] | None = None,
    relative_to: Path | None = None,
) -> dict[str, str]:
    """The storage variables of the instances, the function's own over the runner's; a
    relative folder of the function's own is taken from ``relative_to`` (the instances'
    working folder; the current one by default)."""
    runner = os.environ if environ is None else environ
    chosen = {
        MODE_ENV: runner.get(MODE_ENV) or "local",
        DIR_ENV: str(Path(runner.get(DIR_ENV) or default_dir).resolve()),
    }
    if base_url:  # a runner that serves the folder's presigned URLs
        chosen[URL_ENV] = base_url.rstrip("/") + URL_PREFIX
        chosen[SECRET_ENV] = runner.get(SECRET_ENV) or secrets.token_hex(32)
    merged = {**chosen, **config.environment}
    given = Path(merged[DIR_ENV])
    if not given.is_absolute():  # a function's own --env, read where its instances run
        merged[DIR_ENV] = str(((relative_to or Path.cwd()) / given).resolve())
    return merged


def with_storage(
    config: FunctionConfig,
    default_dir: Path,
    base_url: str,
    environ: Mapping[str, str] | None = None,
    relative_to: Path | None = None,
) -> FunctionConfig:
    """``config`` with the storage variables set (as they are when already set);
    without a ``base_url`` (``polyfaas invoke``: no server) the folder has no URLs."""
    given = config.environment.get(DIR_ENV, "")
    if Path(given).is_absolute() and (not base_url or URL_ENV in config.environment):
        return config
    environment = storage_environ(config, default_dir, base_url, environ, relative_to)
    return attrs.evolve(config, environment=environment)


def base_url_of(host: str, port: int) -> str:
    """Where instances reach the runner: its own address (loopback when it listens on
    every address)."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _refused(status: int, text: str) -> Response:
    return Response.from_text(text, status)


def serve(request: Request, config: FunctionConfig) -> Response | None:
    """The runner's answer to a request for its own storage path, else ``None``."""
    if not request.path.startswith(RESERVED_PREFIX):
        return None
    env = config.environment
    if not request.path.startswith(URL_PREFIX + "/") or env.get(MODE_ENV) != "local":
        return _refused(404, "Not Found: no such path of polyfaas run")
    bucket, _, key = request.path[len(URL_PREFIX) + 1 :].partition("/")
    try:
        check_bucket_name(bucket)
        check_key(key)
        until = int(request.query.get(EXPIRES, ""))
    except ValueError:
        return _refused(404, "Not Found: not a presigned URL of polyfaas.storage")
    signed_for = request.query.get(METHOD, "")
    method = "GET" if request.method == "HEAD" and signed_for == "GET" else request.method
    expected = signature(env.get(SECRET_ENV, ""), method, bucket, key, until)
    given = request.query.get(SIGNATURE, "")
    if method != signed_for or not hmac.compare_digest(given, expected):
        return _refused(403, "Forbidden: the URL's signature does not match")
    if until < time.time():
        return _refused(403, "Forbidden: the URL has expired")
    return _answer(request, LocalBackend(Path(env[DIR_ENV]), bucket, env), key)


def _answer(request: Request, backend: LocalBackend, key: str) -> Response:
    try:
        if request.method == "PUT":
            content_type = request.headers.get("Content-Type") or "application/octet-stream"
            backend.put(key, request.body, content_type, {})
            return Response(200, [("ETag", f'"{backend.head(key).etag}"')])
        if request.method == "DELETE":
            backend.delete(key)
            return Response(204)
        info = backend.head(key)
        body = b"" if request.method == "HEAD" else backend.get(key)
    except NotFound:
        return _refused(404, "Not Found: no such object")
    except StorageError as exc:
        return _refused(409, f"Conflict: {exc}")
    headers = [
        ("Content-Type", info.content_type or "application/octet-stream"),
        ("ETag", f'"{info.etag}"'),
        ("Last-Modified", formatdate(info.last_modified.timestamp(), usegmt=True)),
    ]
    return Response(200, headers, body)
