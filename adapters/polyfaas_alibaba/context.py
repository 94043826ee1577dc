"""FC's ``context`` objects, built like the real ones, and their canonical reading.

FC passes ``handler(event, context)`` a context whose shape depends on the runtime:

- Python 3.9 / 3.10 (and 2.7/3.6): ``FCContext`` with ``credentials``, ``function``,
  ``service``, ``tracing``, snake_case attributes plus camelCase aliases
  (``requestId``, ``accessKeyId``…), ``getLogger()`` and ``to_json()``;
- Python 3.12: ``FCContext(account_id, request_id, function_meta, logger,
  log_project, log_store, region)``, no credentials (they are in the
  ``ALIBABA_CLOUD_*`` environment variables), no ``service``, no ``tracing``.

The classes here imitate both for the platform half; ``to_canonical`` reads either
one (or a look-alike: an object or a mapping, camelCase or snake_case, numbers typed
as strings) into a ``polyfaas.Context``. ``logging`` is imported only when a logger
is asked for.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas._context import Context
from polyfaas._context import Credentials as CanonicalCredentials

if TYPE_CHECKING:
    import logging

PROVIDER = "alibaba"


def _masked(value: str) -> str:
    return "'***'" if value else "''"


class Credentials:
    """``context.credentials``: the function role's STS keys (empty strings without a role).

    ``repr`` never shows the secret or the token.
    """

    def __init__(self, access_key_id: str, access_key_secret: str, security_token: str) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token

    @property
    def accessKeyId(self) -> str:
        return self.access_key_id

    @property
    def accessKeySecret(self) -> str:
        return self.access_key_secret

    @property
    def securityToken(self) -> str:
        return self.security_token

    def __repr__(self) -> str:
        key = self.access_key_id
        shown = repr(key[:4] + "***") if len(key) > 4 else _masked(key)
        return (
            f"Credentials(access_key_id={shown}, access_key_secret="
            f"{_masked(self.access_key_secret)}, security_token={_masked(self.security_token)})"
        )

    __str__ = __repr__


class FunctionMeta:
    """``context.function``. On 3.12 it also carries ``version_id`` and ``qualifier``."""

    def __init__(
        self,
        name: str,
        handler: str,
        memory: int,
        timeout: int | str,
        version_id: str | None = None,
        qualifier: str | None = None,
    ) -> None:
        self.name = name
        self.handler = handler
        self.memory = memory
        self.timeout = timeout
        if version_id is not None:
            self.version_id = version_id
        if qualifier is not None:
            self.qualifier = qualifier


class ServiceMeta:
    """``context.service`` (Python 3.9/3.10 only)."""

    def __init__(
        self, name: str, log_project: str, log_store: str, qualifier: str, version_id: str
    ) -> None:
        self.name = name
        self.log_project = log_project
        self.log_store = log_store
        self.qualifier = qualifier
        self.version_id = version_id


class Tracing:
    """``context.tracing`` (Python 3.9/3.10 only): OpenTracing span context and baggage."""

    def __init__(
        self,
        span_context: str = "",
        jaeger_endpoint: str = "",
        span_baggages: Mapping[str, str] | None = None,
    ) -> None:
        self.span_context = span_context
        self.jaeger_endpoint = jaeger_endpoint
        self.span_baggages = dict(span_baggages or {})

    def parseOpenTracingBaggages(self) -> dict[str, str]:
        """The baggage items (already decoded)."""
        return dict(self.span_baggages)


class _LoggerMixin:
    logger: logging.Logger | None

    def getLogger(self) -> logging.Logger:
        """The per-request logger, or the root logger when FC gives none (concurrency 1)."""
        if self.logger is not None:
            return self.logger
        import logging

        return logging.getLogger()


class FCContext(_LoggerMixin):
    """The Python 3.9/3.10 context: what ``handler(event, context)`` receives."""

    def __init__(
        self,
        account_id: str,
        request_id: str,
        credentials: Credentials,
        function_meta: FunctionMeta,
        service_meta: ServiceMeta,
        region: str,
        tracing: Tracing | None = None,
        logger: logging.Logger | None = None,
        retry_count: int = 0,
    ) -> None:
        self.request_id = request_id
        self.credentials = credentials
        self.function = function_meta
        self.service = service_meta
        self.region = region
        self.account_id = account_id
        self.tracing = tracing if tracing is not None else Tracing()
        self.logger = logger
        self.retry_count = retry_count

    @property
    def requestId(self) -> str:
        return self.request_id

    def to_json(self) -> dict[str, Any]:
        """The camelCase form FC's runtime logs and serialises."""
        return {
            "requestId": self.request_id,
            "credentials": {
                "accessKeyId": self.credentials.access_key_id,
                "accessKeySecret": self.credentials.access_key_secret,
                "securityToken": self.credentials.security_token,
            },
            "function": {
                "name": self.function.name,
                "handler": self.function.handler,
                "memory": self.function.memory,
                "timeout": self.function.timeout,
            },
            "service": {
                "name": self.service.name,
                "logProject": self.service.log_project,
                "logStore": self.service.log_store,
                "qualifier": self.service.qualifier,
                "versionId": self.service.version_id,
            },
            "region": self.region,
            "accountId": self.account_id,
            "retryCount": self.retry_count,
            "tracing": {
                "openTracingSpanContext": self.tracing.span_context,
                "openTracingSpanBaggages": self.tracing.span_baggages,
                "jaegerEndpoint": self.tracing.jaeger_endpoint,
            },
        }

    def __repr__(self) -> str:
        return f"FCContext(request_id={self.request_id!r}, function={self.function.name!r})"


class FCContext312(_LoggerMixin):
    """The Python 3.12 context (FC names it ``FCContext`` too): no credentials,
    service or tracing; ``log_project``/``log_store`` at the top level."""

    def __init__(
        self,
        account_id: str,
        request_id: str,
        function_meta: FunctionMeta,
        logger: logging.Logger | None,
        log_project: str,
        log_store: str,
        region: str,
    ) -> None:
        self.account_id = account_id
        self.request_id = request_id
        self.function = function_meta
        self.logger = logger
        self.log_project = log_project
        self.log_store = log_store
        self.region = region

    def __repr__(self) -> str:
        return f"FCContext(request_id={self.request_id!r}, function={self.function.name!r})"


# -- reading any FC-like context ------------------------------------------------------


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
    except (TypeError, ValueError):
        return None


def looks_like_fc_context(obj: Any) -> bool:
    """Whether ``obj`` has the shape of an FC context (request id plus function meta)."""
    if obj is None or isinstance(obj, (str, bytes)):
        return False
    return field(obj, "request_id", "requestId") is not None and (
        field(obj, "function") is not None
    )


def to_canonical(native: Any, environ: Mapping[str, str], started: float | None = None) -> Context:
    """The canonical ``Context`` of an FC context (either shape) and the instance's
    environment. FC gives no deadline, so it is the call's start plus the timeout."""
    function = field(native, "function")
    service = field(native, "service")
    timeout = number(field(function, "timeout"))
    deadline = None
    if timeout is not None:
        deadline = (started if started is not None else time.time()) + timeout
    version = text(
        field(function, "version_id", "versionId")
        or field(service, "version_id", "versionId")
        or environ.get("FC_FUNCTION_VERSION")
        or environ.get("FC_VER_ID")
        or field(function, "qualifier")
        or field(service, "qualifier")
        or environ.get("FC_QUALIFIER")
    )
    logger = None
    get_logger = getattr(native, "getLogger", None)
    if callable(get_logger):
        logger = get_logger()
    extra: dict[str, Any] = {} if logger is None else {"logger": logger}
    return Context(
        provider=PROVIDER,
        request_id=text(field(native, "request_id", "requestId")),
        function_name=text(field(function, "name")) or environ.get("FC_FUNCTION_NAME", ""),
        function_version=version,
        memory_limit_mb=number(field(function, "memory"))
        or number(environ.get("FC_FUNCTION_MEMORY_SIZE")),
        deadline=deadline,
        region=text(field(native, "region")) or environ.get("FC_REGION", ""),
        account_id=text(field(native, "account_id", "accountId"))
        or environ.get("FC_ACCOUNT_ID", ""),
        credentials=credentials_of(native, environ),
        native=native,
        **extra,
    )


def credentials_of(native: Any, environ: Mapping[str, str]) -> CanonicalCredentials | None:
    """The role's keys: ``context.credentials`` (3.9/3.10), else ``ALIBABA_CLOUD_*``
    (3.12), else the legacy ``accessKeyID``… variables; ``None`` without a role."""
    creds = field(native, "credentials")
    key_id = text(field(creds, "access_key_id", "accessKeyId"))
    secret = text(field(creds, "access_key_secret", "accessKeySecret"))
    token = text(field(creds, "security_token", "securityToken"))
    if not key_id:
        # 3.12 has no context.credentials; older runtimes also keep the legacy names.
        if environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"):
            key_id = environ["ALIBABA_CLOUD_ACCESS_KEY_ID"]
            secret = environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
            token = environ.get("ALIBABA_CLOUD_SECURITY_TOKEN", "")
        elif environ.get("accessKeyID"):
            key_id = environ["accessKeyID"]
            secret = environ.get("accessKeySecret", "")
            token = environ.get("securityToken", "")
    if not key_id:
        return None
    return CanonicalCredentials(
        access_key_id=key_id, access_key_secret=secret or None, security_token=token or None
    )
