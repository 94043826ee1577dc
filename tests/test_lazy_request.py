"""``Request._lazy`` (issue 15, decision 1; issue 19's direct WSGI path): a request
whose fields come from its filler on first read is the filler's request in every
field, ``==`` both ways, hash, ``repr``, pickling and ``attrs.evolve``; ``native``
is read without filling; a filler's error reaches each read that needs it."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given

from polyfaas import Request
from polyfaas.errors import EventFormatError
from tests.strategies import requests


class Filler:
    """An eager request's filler that counts its calls."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.calls = 0

    def __call__(self, native: Any) -> Request:
        assert native is self.request.native  # what the lazy request was given
        self.calls += 1
        return self.request


@given(requests())
def test_a_lazy_request_is_its_fillers_request(eager: Request) -> None:
    filler = Filler(eager)
    lazy = Request._lazy(filler, eager.native)
    assert lazy.native is eager.native
    assert filler.calls == 0  # native alone is no fill
    assert type(lazy) is Request
    assert lazy == eager
    assert eager == lazy
    assert repr(lazy) == repr(eager)
    for field in attrs.fields(Request):
        assert getattr(lazy, field.name) == getattr(eager, field.name), field.name
    assert filler.calls == 1  # filled once, on the first read
    assert lazy._fill is None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        lazy.method = "PUT"  # type: ignore[misc]


@given(requests())
def test_pickling_copying_and_evolving_fill_it_first(eager: Request) -> None:
    native = eager.native
    assert pickle.loads(pickle.dumps(Request._lazy(Filler(eager), native))) == eager
    assert copy.copy(Request._lazy(Filler(eager), native)) == eager
    evolved = attrs.evolve(Request._lazy(Filler(eager), native), method="OPTIONS")
    assert evolved == attrs.evolve(eager, method="OPTIONS")
    assert evolved._fill is None


def test_an_eager_request_has_no_filler() -> None:
    assert Request()._fill is None
    assert Request._trusted()._fill is None


def test_a_fillers_error_reaches_every_read_that_needs_it() -> None:
    calls: list[int] = []

    def malformed(native: Any) -> Request:
        calls.append(native["httpMethod"])
        raise EventFormatError("malformed event: 'httpMethod' must be a string")

    lazy = Request._lazy(malformed, {"httpMethod": 3})
    assert lazy.native == {"httpMethod": 3}
    for _ in range(2):
        with pytest.raises(EventFormatError, match="httpMethod"):
            lazy.method
    assert calls == [3, 3]
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        lazy.nothing  # type: ignore[attr-defined]


def test_a_request_made_without_its_constructor_reads_as_not_lazy() -> None:
    made: Any = object.__new__(Request)
    assert made._fill is None
    with pytest.raises(AttributeError):
        made.method
