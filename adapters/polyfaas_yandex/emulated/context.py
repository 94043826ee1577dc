"""The ``context`` argument as the Yandex Python runtime builds it, imitated.

``YandexContext`` is the plain object the runtime passes (every field an attribute,
so ``vars(context)`` shows them all, as in the docs); ``make_context`` builds one for
a call, with ids shaped like the platform's and stable per function; ``token_of`` is
the ``token`` dict of a service account's credentials. The runtime side reads any
such object with ``polyfaas_yandex.context.to_canonical``.

Without a service account the ``token`` attribute is absent here ([unconfirmed]: it
may be ``None`` on the platform).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any

from polyfaas import Credentials
from polyfaas.runtime import new_id

#: Timeout when a version sets none (``yc … version create`` default).
DEFAULT_TIMEOUT = 3.0
#: Memory when a version sets none.
DEFAULT_MEMORY_MB = 128
#: Yandex resource ids: a 3-character service prefix and 17 characters of this alphabet.
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"


def resource_id(prefix: str, seed: str) -> str:
    """A stable id shaped like the platform's (``d4e…`` functions, ``ckg…`` log groups).

    ``seed`` makes it deterministic, so one function keeps one id across calls.
    """
    key = (prefix, seed)
    found = _resource_ids.get(key)
    if found is None:
        digest = hashlib.sha256(f"{prefix}:{seed}".encode()).digest()
        found = prefix + "".join(ID_ALPHABET[b % 32] for b in digest[:17])
        if len(_resource_ids) < 1024:  # the platform half asks for the same few every call
            _resource_ids[key] = found
    return found


_resource_ids: dict[tuple[str, str], str] = {}


class YandexContext:
    """The ``context`` argument as the Yandex Python runtime builds it.

    Every field is a plain attribute, so ``vars(context)`` and
    ``json.dumps(context, default=vars)`` show them all, as in the docs.
    """

    function_name: str
    function_version: str
    function_folder_id: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    request_id: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int
    token: dict[str, Any]

    def __init__(
        self,
        *,
        function_id: str,
        version_id: str,
        folder_id: str,
        log_group_id: str,
        request_id: str,
        memory_limit_in_mb: int = DEFAULT_MEMORY_MB,
        deadline_ms: int,
        token: Mapping[str, Any] | None = None,
    ) -> None:
        self.aws_request_id = request_id
        self.deadline_ms = deadline_ms
        self.function_folder_id = folder_id
        self.function_name = function_id
        self.function_version = version_id
        self.invoked_function_arn = function_id
        self.log_group_name = log_group_id
        self.log_stream_name = version_id
        self.memory_limit_in_mb = memory_limit_in_mb
        self.request_id = request_id
        if token is not None:
            self.token = dict(token)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until ``deadline_ms`` (never negative)."""
        return max(0, self.deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        shown = {k: ("***" if k == "token" else v) for k, v in vars(self).items()}
        return f"YandexContext({shown!r})"


def make_context(
    *,
    function_seed: str,
    version: str = "",
    request_id: str | None = None,
    memory_mb: int = DEFAULT_MEMORY_MB,
    timeout: float = DEFAULT_TIMEOUT,
    token: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> YandexContext:
    """A context for one call of the function named ``function_seed``."""
    started = time.time() if now is None else now
    return YandexContext(
        function_id=resource_id("d4e", function_seed),
        version_id=resource_id("d4e", f"{function_seed}@{version or '$latest'}"),
        folder_id=resource_id("b1g", "folder"),
        log_group_id=resource_id("ckg", "default"),
        request_id=request_id or new_id(),
        memory_limit_in_mb=memory_mb,
        deadline_ms=int((started + timeout) * 1000),
        token=token,
    )


def token_of(credentials: Credentials | None, now: float | None = None) -> dict[str, Any] | None:
    """The ``context.token`` dict for a service account's bearer ``credentials``."""
    if credentials is None or not credentials.token:
        return None
    started = time.time() if now is None else now
    expires_in = (
        int(credentials.expires_at - started) if credentials.expires_at is not None else 43200
    )
    return {"access_token": credentials.token, "expires_in": expires_in, "token_type": "Bearer"}
