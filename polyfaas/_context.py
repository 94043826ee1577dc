"""The canonical invocation context and credentials."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable

import attrs

from polyfaas._event import new_id
from polyfaas._fields import building_twin, fields_eq, fields_hash, fields_repr, lazy_getattr

if TYPE_CHECKING:
    import logging

    from polyfaas._credentials import Credentials

__all__ = ["Context", "Credentials"]

_new = object.__new__


def __getattr__(name: str) -> Any:
    # ``Credentials`` lives in ``polyfaas._credentials``, created on first use (a call
    # without credentials never needs the attrs class); still importable from here.
    if name == "Credentials":
        from polyfaas._credentials import Credentials

        return Credentials
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _default_logger() -> logging.Logger:
    import logging

    return logging.getLogger("polyfaas.function")


#: The fields ``Context._lazy`` leaves to its filler.
_LAZY_FIELDS = (
    "function_name",
    "function_version",
    "memory_limit_mb",
    "deadline",
    "region",
    "account_id",
    "credentials",
    "_logger",
)


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
    # A lazy context's filler (``Context._lazy``), ``None`` once filled and in an eager
    # one; last, so pickling reads (and fills) every field before it.
    _fill: Callable[[], Context] | None = attrs.field(
        default=None, init=False, repr=False, eq=False
    )

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash

    @staticmethod
    def _trusted(
        *,
        provider: str = "local",
        request_id: str | None = None,
        function_name: str = "",
        function_version: str = "",
        memory_limit_mb: int | None = None,
        deadline: float | None = None,
        region: str = "",
        account_id: str = "",
        credentials: Credentials | None = None,
        logger: logging.Logger | None = None,
        native: Any = None,
    ) -> Context:
        """The trusted constructor (private, for runtime halves): a ``Context`` of the
        values as they are (``request_id`` left ``None`` is a new UUID4). Equal to
        ``Context(...)`` of the same values."""
        self: Any = _new(_BuildingContext)
        self.provider = provider
        self.request_id = new_id() if request_id is None else request_id
        self.function_name = function_name
        self.function_version = function_version
        self.memory_limit_mb = memory_limit_mb
        self.deadline = deadline
        self.region = region
        self.account_id = account_id
        self.credentials = credentials
        self._logger = logger
        self.native = native
        self._fill = None
        self.__class__ = Context
        return self  # type: ignore[no-any-return]

    @staticmethod
    def _lazy(fill: Callable[[], Context], provider: str, request_id: str, native: Any) -> Context:
        """A lazy context (private, for runtime halves): ``provider``, ``request_id`` and
        ``native`` as given; every other field (``function_name`` … ``credentials``, the
        logger) is copied from ``fill()``, an eager ``Context`` of the same call, when
        one of them is first read (``repr``, ``==``, ``hash``, pickling and
        ``attrs.evolve`` read them too). An exception from ``fill`` propagates to that
        read, which calls it again the next time. ``fill`` must give what the eager
        decode would have given at the call's start (the runtime half captures the
        start time and the environment it needs)."""
        self: Any = _new(_BuildingContext)
        self.provider = provider
        self.request_id = request_id
        self.native = native
        self._fill = fill
        self.__class__ = Context
        return self  # type: ignore[no-any-return]

    if not TYPE_CHECKING:  # (hidden from mypy: it would type every attribute as Any)
        # Reached only for a slot left unset: a lazy instance's fields, filled on first
        # need (an eager one never gets here, so it pays nothing).
        __getattr__ = lazy_getattr(_LAZY_FIELDS)

    @property
    def logger(self) -> logging.Logger:
        """The logger for the handler's own lines (``polyfaas.function`` by default)."""
        return self._logger if self._logger is not None else _default_logger()

    def remaining_time_ms(self) -> int | None:
        """Milliseconds left before the platform stops the call (``None``: no limit)."""
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - time.time()) * 1000))


_BuildingContext = building_twin(Context)
