"""``Credentials``: created on first use (``polyfaas._context`` and ``polyfaas`` name it
through their module ``__getattr__``). Only a call that carries credentials needs the
class, and an attrs class costs ~2.3M instructions of a cold start."""

from __future__ import annotations

from typing import Any

import attrs

from polyfaas._fields import building_twin, fields_eq, fields_hash


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

    @staticmethod
    def _trusted(
        *,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        security_token: str | None = None,
        token: str | None = None,
        expires_at: float | None = None,
    ) -> Credentials:
        """The trusted constructor (private, for runtime halves): equal to
        ``Credentials(...)`` of the same values."""
        self: Any = _new(_BuildingCredentials)
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token
        self.token = token
        self.expires_at = expires_at
        self.__class__ = Credentials
        return self  # type: ignore[no-any-return]


_new = object.__new__
_BuildingCredentials = building_twin(Credentials)
