"""Which store a bucket lives in: the platform's own, or a local folder.

``POLYFAAS_STORAGE`` decides: ``local`` (what ``polyfaas run`` and the test kit set)
always gives the folder; ``cloud`` always the provider's own store (an error where
the provider has none); unset, the provider's own store where it has one (inside the
cloud), the folder elsewhere. The provider is the context's (``Context.provider``,
the platform the function runs on); its store is the ``storage`` of its row in the
registry (``polyfaas.providers``), imported now, on the first bucket.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas.errors import ProviderNotFoundError, StorageError
from polyfaas.storage._bucket import Bucket

if TYPE_CHECKING:
    from polyfaas._context import Context

MODE_ENV = "POLYFAAS_STORAGE"
MODES = ("local", "cloud")
# S3's and OSS's rule for bucket names (the stricter of the two: no dots in OSS):
# 3 to 63 lower-case letters, digits and hyphens, a letter or digit at both ends.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\Z")


def check_bucket_name(name: object) -> str:
    """``name`` when every store takes it as a bucket's name, else a ``ValueError``."""
    if not isinstance(name, str) or not _BUCKET_NAME.match(name):
        raise ValueError(
            f"bucket name {name!r}: 3 to 63 lower-case letters, digits and '-', starting "
            "and ending with a letter or digit (the rule of S3 and OSS)"
        )
    return name


def mode(environ: Mapping[str, str]) -> str:
    """``POLYFAAS_STORAGE`` checked: ``"local"``, ``"cloud"`` or ``""`` (unset)."""
    value = environ.get(MODE_ENV, "").strip().lower()
    if value and value not in MODES:
        raise StorageError(f"{MODE_ENV}={value!r}: use 'local', 'cloud', or leave it unset")
    return value


def provider_backend(provider: str) -> Any:
    """The storage factory of provider ``provider``, or ``None`` when it has none."""
    from polyfaas import providers

    try:
        return providers.storage_backend(provider)
    except ProviderNotFoundError:
        return None


def open_bucket(
    name: str, context: Context | None, environ: Mapping[str, str] | None = None
) -> Bucket:
    """The ``Bucket`` called ``name`` in the store chosen for ``context``."""
    name = check_bucket_name(name)
    env: Mapping[str, str] = os.environ if environ is None else environ
    chosen = mode(env)
    provider = context.provider if context is not None else "local"
    if chosen != "local":
        factory = provider_backend(provider)
        if factory is not None:
            return Bucket(name, factory(name, context, env), provider)
        if chosen == "cloud":
            raise StorageError(
                f"{MODE_ENV}=cloud, but provider {provider!r} has no object store of its "
                "own (the local folder serves it: unset the variable or set it to 'local')"
            )
    # The folder's module (pathlib, tempfile) only where the folder serves.
    from polyfaas.storage._local import LocalBackend, storage_dir

    return Bucket(name, LocalBackend(storage_dir(env), name, env), "local")
