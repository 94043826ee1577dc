"""Lazy multi-dict views (issue 15, decision 1): a view decoded on first use is
indistinguishable from the eager multi-dict of the same pairs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polyfaas import Headers, MultiDict
from polyfaas.errors import EventFormatError

# Names that lower-case unusually: a final sigma, a dotted capital I (two characters
# lowered), a NUL (the one-call lowering's separator), plain ASCII.
NAMES = st.text(st.sampled_from("aAbZ-_Σσİi\0é"), max_size=4)
VALUES = st.text(st.sampled_from("ab ,;=Σ\0"), max_size=3)
ODD = st.none() | st.integers(0, 3) | st.lists(st.integers(0, 1), max_size=1)
VALUE = VALUES | ODD  # mostly strings, sometimes what the platform never sends


@given(st.lists(st.tuples(NAMES, VALUES), max_size=5), st.booleans())
def test_a_lazy_view_is_its_type_and_equals_the_eager_one(pairs, with_index):
    frozen: tuple[tuple[str, str], ...] = tuple(pairs)
    calls = []

    def decode() -> tuple[tuple[str, str], ...]:
        calls.append(1)
        return frozen

    index = (lambda: None) if with_index else None
    for cls in (Headers, MultiDict):
        lazy, want = cls._lazy(decode, index), cls._trusted(frozen)
        assert type(lazy) is cls
        assert lazy == want
        assert hash(lazy) == hash(want)
        assert repr(lazy) == repr(want)
        assert list(lazy.items(multi=True)) == list(want.items(multi=True))
        with pytest.raises(AttributeError):
            getattr(lazy, "no_such_attribute")
    assert len(calls) == 2  # decoded once a view


def test_a_lazy_view_masks_secrets():
    view = Headers._lazy(lambda: (("X-Auth-Token", "s3cret"), ("Accept", "*/*")))
    assert "s3cret" not in repr(view)
    assert "***" in repr(view)


def test_a_lazy_view_retries_a_failed_decode():
    def fails() -> tuple[tuple[str, str], ...]:
        raise EventFormatError("bad headers")

    view = Headers._lazy(fails)
    for _ in range(2):
        with pytest.raises(EventFormatError, match="bad headers"):
            view.get("a")
