"""The Lambda ``context`` object, read canonically.

The Python runtime passes a ``LambdaContext`` with ``aws_request_id``,
``function_name``, ``function_version``, ``invoked_function_arn``,
``memory_limit_in_mb`` (a string of digits in the runtime interface client, an int in
some emulators: both are read), ``log_group_name``, ``log_stream_name`` and
``get_remaining_time_in_millis()``. The region and account id are the 4th and 5th
fields of the ARN ``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]``.
Credentials are the execution role's temporary keys, which the runtime puts in
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN`` (ASSUMPTIONS.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

from polyfaas import Context
from polyfaas.errors import EventFormatError
from polyfaas.runtime import OS_ENVIRON, OS_ENVIRON_TABLE, environment_at_call


def is_lambda_context(context: Any) -> bool:
    """Whether ``context`` is shaped like Lambda's: an ``aws_request_id`` and an
    ``invoked_function_arn`` that is an ``arn:`` (Yandex's is a bare function id, and
    it has a ``deadline_ms`` Lambda's lacks)."""
    arn = getattr(context, "invoked_function_arn", None)
    return (
        type(arn) is str
        and arn[:4] == "arn:"  # (a slice and a compare: less than the method call)
        and type(getattr(context, "aws_request_id", None)) is str
        and not hasattr(context, "deadline_ms")
    )


def arn_parts(arn: str) -> tuple[str, str]:
    """``(region, account_id)`` of a Lambda function ARN; ``("", "")`` if it is none."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        return "", ""
    return parts[3], parts[4]


def credentials_from(environ: Mapping[str, str]) -> Any:
    """The execution role's keys from the runtime's variables, or ``None``."""
    key = environ.get("AWS_ACCESS_KEY_ID")
    secret = environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return None
    token = environ.get("AWS_SESSION_TOKEN") or None
    # The runtime sets the keys once for the execution environment: the frozen
    # ``Credentials`` of the same three values is made once, not on every call.
    known = _CREDENTIALS.get("last")
    if known is not None and known[0] == (key, secret, token):
        return known[1]
    from polyfaas import Credentials

    made = Credentials(access_key_id=key, access_key_secret=secret, security_token=token)
    _CREDENTIALS["last"] = ((key, secret, token), made)
    return made


#: The last credentials made, with the values they were made of (one entry).
_CREDENTIALS: dict[str, tuple[tuple[str, str, str | None], Any]] = {}


def to_canonical(native: Any, provider: str) -> Context:
    """The canonical ``Context`` of a Lambda context (or of ``None``)."""
    if native is None:
        return Context._trusted(provider=provider, native=None)
    return _filled(native, provider, os.environ, _request_id(native))


def lazy_canonical(native: Any, provider: str) -> Context:
    """``to_canonical(native, provider)`` with every field but the request id filled when
    first read (issue 15, ``Context._lazy``): from the native context and the environment
    as it was at this call. The deadline is read then too: Lambda's context counts down
    to a fixed deadline (``get_remaining_time_in_millis()`` is that deadline minus now),
    so a later reading gives the same moment. Equal to the eager one
    (``tests/aws/test_aws_lazy_context.py``)."""
    if native is None:
        return Context._trusted(provider=provider, native=None)
    request_id = getattr(native, "aws_request_id", None)
    if type(request_id) is not str:  # (Lambda's is: no call then)
        request_id = _request_id(native)
    table = OS_ENVIRON_TABLE
    if table is not None and os.environ is OS_ENVIRON:
        # The four variables the fill reads (``_VARIABLES``), as they are now: four
        # lookups in the environment's own table cost a third of a copy of it.
        values = (
            table.get(b"AWS_REGION"),
            table.get(b"AWS_ACCESS_KEY_ID"),
            table.get(b"AWS_SECRET_ACCESS_KEY"),
            table.get(b"AWS_SESSION_TOKEN"),
        )
        fill = partial(_filled_from_values, native, provider, values, request_id)
    else:
        fill = partial(_filled, native, provider, environment_at_call(os.environ), request_id)
    return Context._lazy(fill, provider, request_id, native)


#: What ``_filled`` reads of the environment, in the order ``lazy_canonical`` keeps them.
_VARIABLES = ("AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def _filled_from_values(
    native: Any, provider: str, values: tuple[bytes | None, ...], request_id: str
) -> Context:
    # Decoded as os.environ decodes its table (the file system encoding, surrogateescape).
    environ = {
        name: os.fsdecode(value) for name, value in zip(_VARIABLES, values) if value is not None
    }
    return _filled(native, provider, environ, request_id)


def _request_id(native: Any) -> str:
    try:
        request_id = native.aws_request_id
    except AttributeError as exc:
        raise EventFormatError(f"not an AWS Lambda context: {exc}") from None
    return request_id if type(request_id) is str else str(request_id)


def _deadline(remaining: Any) -> float | None:
    """The absolute deadline of a call with ``remaining`` milliseconds left now."""
    if isinstance(remaining, (int, float)) and not isinstance(remaining, bool):
        return time.time() + max(0, min(remaining, 1e12)) / 1000
    return None


def _filled(native: Any, provider: str, environ: Mapping[str, str], request_id: str) -> Context:
    try:
        deadline = _deadline(native.get_remaining_time_in_millis())
        arn = getattr(native, "invoked_function_arn", "")
        region, account = arn_parts(arn) if isinstance(arn, str) else ("", "")
        return Context._trusted(
            provider=provider,
            request_id=request_id,
            function_name=str(getattr(native, "function_name", "")),
            function_version=str(getattr(native, "function_version", "")),
            memory_limit_mb=_memory(getattr(native, "memory_limit_in_mb", None)),
            deadline=deadline,
            region=region or environ.get("AWS_REGION", ""),
            account_id=account,
            credentials=credentials_from(environ),
            native=native,
        )
    except (AttributeError, TypeError) as exc:
        raise EventFormatError(f"not an AWS Lambda context: {exc}") from None


def _memory(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 9:
        return int(value)
    return None
