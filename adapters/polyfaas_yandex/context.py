"""The Yandex Cloud Functions ``context`` object, both ways.

The Python runtime passes a plain object whose attributes live in ``__dict__``
(the docs dump it with ``json.dumps(context, default=vars)``), plus one method,
``get_remaining_time_in_millis()``. ``YandexContext`` is that object as the
platform half builds it; ``to_canonical`` reads any object shaped like it (the
real one inside the cloud) into a ``polyfaas.Context``.

Lossy points and choices (see ``ASSUMPTIONS.md``):

- ``function_name`` and ``invoked_function_arn`` are the function *ID*, not its
  name; the canonical ``function_name`` is that ID too.
- ``token`` exists only when the version has a service account; without one the
  attribute is absent here ([unconfirmed]: it may be ``None`` on the platform, so
  the reader accepts both).
- The context names no region and no cloud; ``Context.region`` stays ``""`` and
  ``Context.account_id`` is ``function_folder_id`` when the runtime sets it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from polyfaas._context import Context, Credentials
from polyfaas._event import new_id
from polyfaas.errors import EventFormatError

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
        import hashlib

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


def to_canonical(native: Any, provider: str) -> Context:
    """The canonical ``Context`` of a Yandex context object (or of ``None``)."""
    if native is None:
        return Context(provider=provider, native=None)
    try:
        request_id = native.request_id
        deadline_ms = getattr(native, "deadline_ms", None)
        token = getattr(native, "token", None)
        credentials = None
        if isinstance(token, Mapping) and token.get("access_token"):
            expires_in = token.get("expires_in")
            credentials = Credentials(
                token=str(token["access_token"]),
                expires_at=time.time() + expires_in
                if isinstance(expires_in, (int, float))
                else None,
            )
        return Context(
            provider=provider,
            request_id=str(request_id),
            function_name=str(getattr(native, "function_name", "")),
            function_version=str(getattr(native, "function_version", "")),
            memory_limit_mb=_int_or_none(getattr(native, "memory_limit_in_mb", None)),
            deadline=deadline_ms / 1000 if isinstance(deadline_ms, (int, float)) else None,
            account_id=str(getattr(native, "function_folder_id", "") or ""),
            credentials=credentials,
            native=native,
        )
    except AttributeError as exc:
        raise EventFormatError(f"not a Yandex Cloud Functions context: {exc}") from None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
