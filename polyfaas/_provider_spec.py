"""``ProviderSpec``, the class of the provider table's rows (``polyfaas.providers``).

Created on first use: a cold start that a built-in provider answers reads the table's
plain rows (``polyfaas.providers._ROWS``) and never needs the attrs class (~2 million
instructions to create).
"""

from __future__ import annotations

import attrs

from polyfaas._fields import fields_eq, fields_hash, fields_repr


# repr/eq/hash shared (polyfaas._fields), not compiled for this class: the table is
# read on every cold start, and attrs' code generation is most of a class's cost.
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ProviderSpec:
    """Where a provider's halves live (``"module:attribute"``) and what it is."""

    name: str
    runtime: str
    platform: str
    summary: str
    install_hint: str = ""
    #: Attributes that only this platform's native ``context`` has. A call whose
    #: second argument has them all is offered to this provider first, so a cold
    #: start does not import every other adapter to ask it (its ``detect`` still decides).
    context_hint: tuple[str, ...] = ()
    #: ``"module:attribute"`` of the platform's object-storage backend (a
    #: ``polyfaas.storage.Backend``), imported when a bucket is first used; ``""``: the
    #: platform has none, and ``polyfaas.storage`` keeps objects in a local folder.
    storage: str = ""

    __repr__ = fields_repr
    __eq__ = fields_eq
    __hash__ = fields_hash
