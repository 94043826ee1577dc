"""The Yandex Cloud Functions ``context`` object, read canonically.

The Python runtime passes a plain object whose attributes live in ``__dict__`` (the
docs dump it with ``json.dumps(context, default=vars)``), plus one method,
``get_remaining_time_in_millis()``. ``to_canonical`` reads any object shaped like it
into a ``polyfaas.Context`` (the emulation builds one in ``emulated.context``).

Lossy points and choices (see ``ASSUMPTIONS.md``):

- ``function_name`` and ``invoked_function_arn`` are the function *ID*, not its
  name; the canonical ``function_name`` is that ID too.
- ``token`` exists only when the version has a service account ([unconfirmed]: it
  may be ``None`` rather than absent on the platform, so both are accepted).
- The context names no region and no cloud; ``Context.region`` stays ``""`` and
  ``Context.account_id`` is ``function_folder_id`` when the runtime sets it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from polyfaas import Context
from polyfaas.errors import EventFormatError


def to_canonical(native: Any, provider: str) -> Context:
    """The canonical ``Context`` of a Yandex context object (or of ``None``);
    ``provider`` is what ``Context.provider`` reports (the runtime half's ``cloud``)."""
    if native is None:
        return Context._trusted(provider=provider, native=None)
    try:
        request_id = native.request_id
        deadline_ms = _clock(getattr(native, "deadline_ms", None))
        token = getattr(native, "token", None)
        credentials = None
        # A dict (what the runtime gives) or None (no service account) is answered
        # without the ABC's instance check (~800 instructions a call).
        if (
            type(token) is dict or (token is not None and isinstance(token, Mapping))
        ) and token.get("access_token"):
            expires_in = _clock(token.get("expires_in"))
            from polyfaas import Credentials  # first use: cold start

            credentials = Credentials._trusted(
                token=str(token["access_token"]),
                expires_at=None if expires_in is None else time.time() + expires_in,
            )
        # Every value is already of its field's type (no converters to run).
        return Context._trusted(
            provider=provider,
            request_id=str(request_id),
            function_name=str(getattr(native, "function_name", "")),
            function_version=str(getattr(native, "function_version", "")),
            memory_limit_mb=_int_or_none(getattr(native, "memory_limit_in_mb", None)),
            deadline=None if deadline_ms is None else deadline_ms / 1000,
            account_id=str(getattr(native, "function_folder_id", "") or ""),
            credentials=credentials,
            native=native,
        )
    except AttributeError as exc:
        raise EventFormatError(f"not a Yandex Cloud Functions context: {exc}") from None


def _clock(value: Any) -> float | None:
    """``value`` when it is a number a clock can add (not NaN, infinite or 10**400)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and -1e15 < value < 1e15:
        return value
    return None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
