"""Reading an FC context, of either runtime shape (``native_context``) or a look-alike
(an object or a mapping, camelCase or snake_case, numbers typed as strings), into a
canonical ``polyfaas.Context``; the role's credentials come from ``context.credentials``
(3.9/3.10) or the ``ALIBABA_CLOUD_*`` environment variables (3.12).

``Context.provider`` is the platform the function runs on, ``"alibaba"``, whichever of
FC's surfaces (event handler, WSGI HTTP function, custom runtime) called it."""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from polyfaas import Context
from polyfaas.runtime import env_get, environment_at_call

if TYPE_CHECKING:
    from polyfaas import Credentials

PROVIDER = "alibaba"
#: A context timeout past this (FC's limit is a day) is not read: it makes no deadline.
MAX_TIMEOUT_S = 10**7


def field(obj: Any, *names: str) -> Any:
    """The first of ``names`` that ``obj`` has, as an attribute or a mapping key."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        for name in names:
            if name in obj:
                return obj[name]
        return None
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    # The ABC check is slow; only objects that can be subscripted need it.
    if hasattr(type(obj), "__getitem__") and isinstance(obj, Mapping):
        for name in names:
            if name in obj:
                return obj[name]
    return None


def _first(obj: Any, first: str, second: str) -> Any:
    # ``field(obj, first, second)`` for an object that is no mapping.
    value = getattr(obj, first, None)
    return getattr(obj, second, None) if value is None else value


#: Types whose instances ``field`` reads as attributes only (no ``__getitem__``).
_PLAIN: dict[type, bool] = {}


def _plain(obj: Any) -> bool:
    kind = type(obj)
    plain = _PLAIN.get(kind)
    if plain is None:
        plain = not hasattr(kind, "__getitem__")
        if len(_PLAIN) < 64:
            _PLAIN[kind] = plain
    return plain


def text(value: Any) -> str:
    """A string field, tolerating numbers; ``""`` when missing."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def number(value: Any) -> int | None:
    """An integer field, tolerating strings (``"128"``); ``None`` when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):  # "inf", "1e400", 10**400 as text
        return None


def looks_like_fc_context(obj: Any) -> bool:
    """Whether ``obj`` has the shape of an FC context (request id plus function meta)."""
    if obj is None or isinstance(obj, (str, bytes)):
        return False
    if _plain(obj):
        return (
            _first(obj, "request_id", "requestId") is not None
            and getattr(obj, "function", None) is not None
        )
    return field(obj, "request_id", "requestId") is not None and (
        field(obj, "function") is not None
    )


def to_canonical(native: Any, environ: Mapping[str, str], started: float | None = None) -> Context:
    """The canonical ``Context`` of an FC context (either shape) and the instance's
    environment. FC gives no deadline, so it is the call's start plus the timeout."""
    plain = _plain(native)
    function = getattr(native, "function", None) if plain else field(native, "function")
    service = getattr(native, "service", None) if plain else field(native, "service")
    if plain and _plain(function) and _plain(service):
        # FC's own context objects: every field an attribute, read straight.
        request_id = _first(native, "request_id", "requestId")
        timeout = number(getattr(function, "timeout", None))
        version = (
            _first(function, "version_id", "versionId")
            or _first(service, "version_id", "versionId")
            or env_get(environ, "FC_FUNCTION_VERSION")
            or env_get(environ, "FC_VER_ID")
            or getattr(function, "qualifier", None)
            or getattr(service, "qualifier", None)
            or env_get(environ, "FC_QUALIFIER")
        )
        name = getattr(function, "name", None)
        memory = getattr(function, "memory", None)
        region = getattr(native, "region", None)
        account_id = _first(native, "account_id", "accountId")
    else:
        request_id = field(native, "request_id", "requestId")
        timeout = number(field(function, "timeout"))
        version = (
            field(function, "version_id", "versionId")
            or field(service, "version_id", "versionId")
            or env_get(environ, "FC_FUNCTION_VERSION")
            or env_get(environ, "FC_VER_ID")
            or field(function, "qualifier")
            or field(service, "qualifier")
            or env_get(environ, "FC_QUALIFIER")
        )
        name = field(function, "name")
        memory = field(function, "memory")
        region = field(native, "region")
        account_id = field(native, "account_id", "accountId")
    deadline = None
    if timeout is not None and 0 <= timeout <= MAX_TIMEOUT_S:
        deadline = (started if started is not None else time.time()) + timeout
    logger = None
    get_logger = getattr(native, "getLogger", None)
    if callable(get_logger):
        logger = get_logger()
    # Context has no converters: the trusted constructor stores the same values.
    return Context._trusted(
        provider=PROVIDER,
        request_id=text(request_id),
        function_name=text(name) or env_get(environ, "FC_FUNCTION_NAME") or "",
        function_version=text(version),
        memory_limit_mb=number(memory) or number(env_get(environ, "FC_FUNCTION_MEMORY_SIZE")),
        deadline=deadline,
        region=text(region) or env_get(environ, "FC_REGION") or "",
        account_id=text(account_id) or env_get(environ, "FC_ACCOUNT_ID") or "",
        credentials=credentials_of(native, environ),
        logger=logger,
        native=native,
    )


def lazy_canonical(native: Any, environ: Mapping[str, str]) -> Context:
    """``to_canonical(native, environ)`` built when a field is first read (issue 15):
    the request id now, every other field from the native context and the
    environment as they were at this call (``Context._lazy``; equal to the eager one,
    ``tests/test_fc_lazy_context.py``). Reading an FC context never fails, so no
    field can raise where the eager decode would not have."""
    request_id = (
        _first(native, "request_id", "requestId")
        if _plain(native)
        else field(native, "request_id", "requestId")
    )
    fill = partial(to_canonical, native, environment_at_call(environ), time.time())
    return Context._lazy(fill, PROVIDER, text(request_id), native)


def credentials_of(native: Any, environ: Mapping[str, str]) -> Credentials | None:
    """The role's keys: ``context.credentials`` (3.9/3.10), else ``ALIBABA_CLOUD_*``
    (3.12), else the legacy ``accessKeyID``… variables; ``None`` without a role."""
    creds = getattr(native, "credentials", None) if _plain(native) else field(native, "credentials")
    key_id = secret = token = ""
    if creds is not None:  # (3.12 has none)
        read = _first if _plain(creds) else field
        key_id = text(read(creds, "access_key_id", "accessKeyId"))
        if key_id:  # the secret and token are read only for a role's key (most have none)
            secret = text(read(creds, "access_key_secret", "accessKeySecret"))
            token = text(read(creds, "security_token", "securityToken"))
    if not key_id:
        # 3.12 has no context.credentials; older runtimes also keep the legacy names.
        if env_get(environ, "ALIBABA_CLOUD_ACCESS_KEY_ID"):
            key_id = environ["ALIBABA_CLOUD_ACCESS_KEY_ID"]
            secret = env_get(environ, "ALIBABA_CLOUD_ACCESS_KEY_SECRET") or ""
            token = env_get(environ, "ALIBABA_CLOUD_SECURITY_TOKEN") or ""
        elif env_get(environ, "accessKeyID"):
            key_id = environ["accessKeyID"]
            secret = env_get(environ, "accessKeySecret") or ""
            token = env_get(environ, "securityToken") or ""
    if not key_id:
        return None
    from polyfaas import Credentials  # first use: cold start

    return Credentials._trusted(
        access_key_id=key_id, access_key_secret=secret or None, security_token=token or None
    )
