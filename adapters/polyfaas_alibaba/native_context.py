"""FC's ``context`` objects, built like the real ones.

FC passes ``handler(event, context)`` a context whose shape depends on the runtime:

- Python 3.9 / 3.10 (and 2.7/3.6): ``FCContext`` with ``credentials``, ``function``,
  ``service``, ``tracing``, snake_case attributes plus camelCase aliases
  (``requestId`` a plain attribute, ``accessKeyId``… read-only properties),
  ``getLogger()`` and ``to_json()``, which returns a JSON *string*; each part has a
  ``to_dict()``. At instance concurrency 1 FC's runtime passes ``function.timeout``
  and ``retry_count`` as the header strings they arrive in (``"60"``, ``"0"``);
  ``memory`` is an ``int`` (ASSUMPTIONS.md, "FC context details");
- Python 3.12: ``FCContext(account_id, request_id, function_meta, logger,
  log_project, log_store, region)``, no credentials (they are in the
  ``ALIBABA_CLOUD_*`` environment variables), no ``service``, no ``tracing``.

The classes here imitate both: the emulated platforms pass them to the handler, and
the custom-runtime server (``custom``) builds one from each request's ``x-fc-*``
headers, so they are runtime code; ``context`` reads either shape into a
``polyfaas.Context``. ``logging`` is imported only when a logger is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging


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

    def to_dict(self) -> dict[str, str]:
        """The camelCase form ``FCContext.to_json`` writes (secrets included, as FC's)."""
        return {
            "accessKeyId": self.access_key_id,
            "accessKeySecret": self.access_key_secret,
            "securityToken": self.security_token,
        }

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

    def to_dict(self) -> dict[str, Any]:
        """The form ``FCContext.to_json`` writes (``timeout`` as it is typed)."""
        return {
            "name": self.name,
            "handler": self.handler,
            "memory": self.memory,
            "timeout": self.timeout,
        }


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

    def to_dict(self) -> dict[str, str]:
        """The camelCase form ``FCContext.to_json`` writes."""
        return {
            "name": self.name,
            "logProject": self.log_project,
            "logStore": self.log_store,
            "qualifier": self.qualifier,
            "versionId": self.version_id,
        }


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

    def to_dict(self) -> dict[str, Any]:
        """The camelCase form ``FCContext.to_json`` writes."""
        return {
            "openTracingSpanContext": self.span_context,
            "openTracingSpanBaggages": self.span_baggages,
            "jaegerEndpoint": self.jaeger_endpoint,
        }


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
        retry_count: int | str = 0,
    ) -> None:
        # FC's runtime sets both names as plain attributes (``vars(context)`` has them).
        self.requestId = request_id
        self.request_id = request_id
        self.credentials = credentials
        self.function = function_meta
        self.service = service_meta
        self.region = region
        self.account_id = account_id
        self.tracing = tracing if tracing is not None else Tracing()
        self.logger = logger
        self.retry_count = retry_count

    def to_json(self) -> str:
        """The camelCase JSON document (a string, as FC's ``to_json`` returns)."""
        import json

        return json.dumps(
            {
                "requestId": self.request_id,
                "credentials": self.credentials.to_dict(),
                "function": self.function.to_dict(),
                "service": self.service.to_dict(),
                "region": self.region,
                "accountId": self.account_id,
                "retryCount": self.retry_count,
                "tracing": self.tracing.to_dict(),
            }
        )

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


__all__ = [
    "Credentials",
    "FCContext",
    "FCContext312",
    "FunctionMeta",
    "ServiceMeta",
    "Tracing",
]
