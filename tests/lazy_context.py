"""The check a lazy ``Context`` of a runtime half must pass against the eager reading of
the same native context (tests of the FC and AWS runtime halves)."""

from __future__ import annotations

import attrs
import pytest

from polyfaas import Context


def same(lazy: Context, eager: Context) -> None:
    """``lazy`` is a ``Context`` equal to ``eager`` in every field, ``==`` both ways,
    hash, ``repr`` and remaining time, and frozen as an eager one is."""
    assert type(lazy) is Context
    assert lazy == eager
    assert eager == lazy
    assert hash(lazy) == hash(eager)
    assert repr(lazy) == repr(eager)
    for field in attrs.fields(Context):
        assert getattr(lazy, field.name) == getattr(eager, field.name), field.name
    assert lazy.remaining_time_ms() == eager.remaining_time_ms()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        lazy.region = "changed"  # type: ignore[misc]
