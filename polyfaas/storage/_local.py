"""The folder backend: a bucket is a folder, a key with ``/`` a path inside it.

Layout under the storage folder (``POLYFAAS_STORAGE_DIR``)::

    <bucket>/<key>            the objects
    .meta/<bucket>/<key>      each object's sidecar (JSON: content type, metadata, etag)
    .tmp/                     files being written, renamed into place when whole

A bucket's name never starts with ``.`` (the bucket rules), so neither the sidecars
nor the files being written can be taken for objects: the sidecar tree mirrors the
object tree, so a sidecar's path conflicts exactly when its object's does. A key
cannot both be an object and a folder of others (``a`` and ``a/b``): the folder
refuses the second one with a ``StorageError`` where S3 and OSS would take it.

Presigned URLs point at the runner (``polyfaas run``), which serves them under its
reserved prefix after checking their HMAC signature and expiry
(``polyfaas.runner.storage``); the runner gives every instance the URL base and the
key (``POLYFAAS_STORAGE_URL``, ``POLYFAAS_STORAGE_SECRET``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlencode

from polyfaas.errors import NotFound, StorageError
from polyfaas.storage._model import ObjectInfo

DIR_ENV = "POLYFAAS_STORAGE_DIR"
URL_ENV = "POLYFAAS_STORAGE_URL"
SECRET_ENV = "POLYFAAS_STORAGE_SECRET"
#: The folder when ``POLYFAAS_STORAGE_DIR`` is unset: relative to the current
#: directory (``polyfaas run`` and the test kit set the variable for their instances).
DEFAULT_DIR = Path(".polyfaas", "storage")
#: The runner's reserved path prefix where it serves the local backend's URLs.
URL_PREFIX = "/__polyfaas/storage"
#: The query parameters of a presigned URL.
EXPIRES, METHOD, SIGNATURE = "X-Polyfaas-Expires", "X-Polyfaas-Method", "X-Polyfaas-Signature"
META, TMP = ".meta", ".tmp"
_CHUNK = 1024 * 1024


def signature(secret: str, method: str, bucket: str, key: str, expires: int) -> str:
    """The HMAC-SHA256 (hex) a presigned URL of the folder backend carries."""
    message = "\n".join([method, bucket, key, str(expires)]).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def storage_dir(environ: Mapping[str, str]) -> Path:
    """The storage folder: ``POLYFAAS_STORAGE_DIR``, else ``.polyfaas/storage``."""
    return Path(environ.get(DIR_ENV) or DEFAULT_DIR)


def _utc(stamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc)


class LocalBackend:
    """One bucket kept in ``root/<name>`` (``polyfaas.storage.Backend``)."""

    def __init__(self, root: Path, name: str, environ: Mapping[str, str]) -> None:
        self.root = root
        self.name = name
        self.folder = root / name
        self.meta = root / META / name
        self._url_base = environ.get(URL_ENV, "")
        self._has_secret = bool(environ.get(SECRET_ENV))
        self._environ = environ

    def __repr__(self) -> str:  # the signing key is never shown
        return f"LocalBackend({str(self.folder)!r})"

    def _file(self, key: str) -> Path:
        return self.folder.joinpath(*key.split("/"))

    def _sidecar(self, key: str) -> Path:
        return self.meta.joinpath(*key.split("/"))

    def _write(self, target: Path, fill: Any) -> str:
        """Write through a temporary file renamed onto ``target``; the content's MD5."""
        tmp_dir = self.root / TMP
        tmp_dir.mkdir(parents=True, exist_ok=True)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise StorageError(
                f"the local folder cannot hold {target.relative_to(self.root)}: a part of "
                "its path is an object already (keys 'a' and 'a/b' cannot both exist here)"
            ) from None
        digest = hashlib.md5(usedforsecurity=False)
        handle, temporary = tempfile.mkstemp(dir=tmp_dir)
        try:
            with os.fdopen(handle, "wb") as out:
                fill(out, digest)
            if target.is_dir():
                raise StorageError(
                    f"the local folder holds objects under {target.name!r}/ already, so "
                    f"{target.relative_to(self.root)} cannot be an object too"
                )
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest.hexdigest()

    def put(
        self, key: str, data: bytes | IO[bytes], content_type: str, metadata: Mapping[str, str]
    ) -> None:
        def fill(out: IO[bytes], digest: Any) -> None:
            if isinstance(data, bytes):
                out.write(data)
                digest.update(data)
                return
            while True:
                chunk = data.read(_CHUNK)
                if not chunk:
                    return
                out.write(chunk)
                digest.update(chunk)

        etag = self._write(self._file(key), fill)
        side = {"content_type": content_type, "metadata": dict(metadata), "etag": etag}
        encoded = json.dumps(side, ensure_ascii=True).encode("ascii")
        self._write(self._sidecar(key), lambda out, digest: out.write(encoded))

    def _existing(self, key: str) -> Path:
        path = self._file(key)
        if not path.is_file():
            what = "bucket" if not self.folder.is_dir() else "object"
            raise NotFound(f"no {what}: local bucket {self.name!r}, key {key!r}")
        return path

    def get(self, key: str) -> bytes:
        return self._existing(key).read_bytes()

    def open(self, key: str) -> IO[bytes]:
        try:
            return self._existing(key).open("rb")
        except FileNotFoundError:  # deleted between the check and the open
            raise NotFound(f"no object: local bucket {self.name!r}, key {key!r}") from None

    def _side(self, key: str) -> dict[str, Any]:
        try:
            side: dict[str, Any] = json.loads(self._sidecar(key).read_bytes())
            return side
        except (OSError, ValueError):  # written by hand: describe it from its bytes
            return {}

    def head(self, key: str) -> ObjectInfo:
        path = self._existing(key)
        stat = path.stat()
        side = self._side(key)
        etag = side.get("etag") or _md5_of(path)
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            etag=etag,
            last_modified=_utc(stat.st_mtime),
            content_type=side.get("content_type") or "application/octet-stream",
            metadata=side.get("metadata") or {},
        )

    def _keys(self, prefix: str) -> list[str]:
        # Walk only the folder the prefix names (``photos/2024-`` → ``photos``).
        start = prefix.rpartition("/")[0]
        base = self.folder.joinpath(*start.split("/")) if start else self.folder
        if not base.is_dir():
            return []
        keys: list[str] = []
        for dirpath, _dirs, files in os.walk(base):
            relative = Path(dirpath).relative_to(self.folder).as_posix()
            lead = "" if relative == "." else f"{relative}/"
            keys.extend(k for k in (lead + name for name in files) if k.startswith(prefix))
        # Key order is UTF-8 byte order, which is code-point order for valid text.
        return sorted(keys)

    def list_page(self, prefix: str, after: str, limit: int) -> tuple[list[ObjectInfo], str | None]:
        keys = [k for k in self._keys(prefix) if k > after]
        page = []
        for key in keys[:limit]:
            path = self._file(key)
            try:
                stat = path.stat()
            except FileNotFoundError:  # deleted while listing
                continue
            etag = self._side(key).get("etag") or _md5_of(path)
            page.append(
                ObjectInfo(key=key, size=stat.st_size, etag=etag, last_modified=_utc(stat.st_mtime))
            )
        more = len(keys) > limit
        return page, (keys[limit - 1] if more else None)

    def delete(self, key: str) -> None:
        for path, top in ((self._file(key), self.folder), (self._sidecar(key), self.meta)):
            try:
                path.unlink()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                continue
            _prune(path.parent, top)

    def url(self, key: str, expires: int, method: str) -> str:
        secret = self._environ.get(SECRET_ENV, "")
        if not self._url_base or not secret:
            raise StorageError(
                "presigned URLs of the local folder are served by `polyfaas run` (and the "
                f"test kit), which set {URL_ENV} and {SECRET_ENV}; neither is set here"
            )
        until = int(time.time()) + expires
        query = urlencode(
            {
                EXPIRES: str(until),
                METHOD: method,
                SIGNATURE: signature(secret, method, self.name, key, until),
            }
        )
        return f"{self._url_base.rstrip('/')}/{self.name}/{quote(key, safe='/')}?{query}"


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as source:
        shutil.copyfileobj(source, _Feed(digest))
    return digest.hexdigest()


class _Feed:
    """A writable file that feeds a hash (for ``shutil.copyfileobj``)."""

    def __init__(self, digest: Any) -> None:
        self.digest = digest

    def write(self, chunk: bytes) -> int:
        self.digest.update(chunk)
        return len(chunk)


def _prune(folder: Path, top: Path) -> None:
    """Remove the folders a deleted object leaves empty, up to (not including) ``top``."""
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
