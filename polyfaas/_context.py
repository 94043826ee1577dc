"""The canonical invocation context and credentials."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import attrs

from polyfaas._event import new_id
from polyfaas._fields import fields_eq, fields_hash, fields_repr

if TYPE_CHECKING:
    import logging


def _mask(value: str | None) -> str:
    if value is None:
        return "None"
    return "'***'" if value else "''"


def _mask_key_id(value: str | None) -> str:
    # Key ids are not secret on their own, but a whole one in a log still helps an
    # attacker who finds the secret elsewhere; four characters identify it enough.
    if value is None:
        return "None"
    return repr(value[:4] + "***") if len(value) > 4 else _mask(value)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Credentials:
    """Temporary cloud credentials: an access key (with STS token), or a bearer token.

    ``repr`` and ``str`` never show a secret.
    """

    access_key_id: str | None = None
    access_key_secret: str | None = None
    security_token: str | None = None
    token: str | None = None
    expires_at: float | None = None

    __eq__ = fields_eq
    __hash__ = fields_hash

    def __repr__(self) -> str:
        return (
            f"Credentials(access_key_id={_mask_key_id(self.access_key_id)}, "
            f"access_key_secret={_mask(self.access_key_secret)}, "
            f"security_token={_mask(self.security_token)}, "
            f"token={_mask(self.token)}, expires_at={self.expires_at!r})"
        )

    __str__ = __repr__


def _default_logger() -> logging.Logger:
    import logging

    return logging.getLogger("polyfaas.function")


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Context:
    """What the platform tells a handler about this invocation.

    ``deadline`` is a ``time.time()`` timestamp (``None`` when the platform sets
    none). ``native`` is the platform's own context object, untouched.
    """

    provider: str = "local"
    request_id: str = attrs.field(factory=new_id)
    function_name: str = ""
    function_version: str = ""
    memory_limit_mb: int | None = None
    deadline: float | None = None
    region: str = ""
    account_id: str = ""
    credentials: Credentials | None = None
    # ``logger=`` in the constructor; read through the ``logger`` property, so the
    # default (and the ``logging`` import) costs nothing until a handler logs.
    _logger: logging.Logger | None = attrs.field(default=None, repr=False, eq=False)
    native: Any = attrs.field(default=None, repr=False, eq=False)

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash

    @property
    def logger(self) -> logging.Logger:
        """The logger for the handler's own lines (``polyfaas.function`` by default)."""
        return self._logger if self._logger is not None else _default_logger()

    def remaining_time_ms(self) -> int | None:
        """Milliseconds left before the platform stops the call (``None``: no limit)."""
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - time.time()) * 1000))
