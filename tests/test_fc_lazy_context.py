"""The FC runtime half's lazy ``Context`` (issue 15): equal to the eager reading of the
same native context and environment (``to_canonical``) in every field, ``==``, hash and
``repr`` (secrets hidden), frozen, picklable, with the environment as it was at the call;
reading an FC context never fails, so no field raises on first read."""

from __future__ import annotations

import json
import os
import pickle
import time
from types import SimpleNamespace
from typing import Any, Callable
from unittest import mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Context, Credentials
from polyfaas.platform import FunctionConfig
from polyfaas.runtime import environment_at_call
from polyfaas_alibaba.builtin import runtime
from polyfaas_alibaba.context import lazy_canonical, to_canonical
from tests.alibaba.alibaba_helpers import RID, sample
from tests.alibaba.alibaba_helpers import fc_context as native_fc_context
from tests.lazy_context import same

NOW = 1_700_000_000.0
SECRET = "s3cr3t-value"
TOKEN = "sts-token-value"
ENV_NAMES = st.sampled_from(
    [
        "FC_FUNCTION_NAME",
        "FC_FUNCTION_VERSION",
        "FC_QUALIFIER",
        "FC_FUNCTION_MEMORY_SIZE",
        "FC_REGION",
        "FC_ACCOUNT_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "accessKeyID",
    ]
)
ENVIRON = st.dictionaries(ENV_NAMES, st.sampled_from(["", "7", "cn-x", SECRET]), max_size=5)
FIELD = st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 10**8))
ODD = st.one_of(FIELD, st.floats(), st.booleans(), st.sampled_from(["128", "inf", "1e400"]))


def both(native: Any, environ: dict[str, str], first_read: Callable[[Context], Any]) -> None:
    with mock.patch.object(time, "time", return_value=NOW):
        lazy = lazy_canonical(native, environ)
        eager = to_canonical(native, environ)
    first_read(lazy)  # whichever read comes first fills every field
    same(lazy, eager)


READS: list[Callable[[Context], Any]] = [
    repr,
    hash,
    lambda c: c.function_name,
    lambda c: c.credentials,
    lambda c: c.logger,
    lambda c: c.remaining_time_ms(),
    attrs.evolve,
    pickle.dumps,
    lambda c: c.request_id,  # eager: fills nothing
]


@settings(max_examples=150, deadline=None)
@given(
    python=st.sampled_from(["3.10", "3.12"]),
    name=st.text(max_size=5),
    memory=st.integers(0, 4096),
    timeout=st.integers(0, 10**8),
    key_id=st.sampled_from(["", "STS.abcdef"]),
    environ=ENVIRON,
    read=st.sampled_from(READS),
)
def test_lazy_equals_eager_for_fc_contexts(
    python: str,
    name: str,
    memory: int,
    timeout: int,
    key_id: str,
    environ: dict[str, str],
    read: Callable[[Context], Any],
) -> None:
    creds = Credentials(access_key_id=key_id, access_key_secret=SECRET, security_token=TOKEN)
    config = FunctionConfig(
        name=name, memory_mb=memory, timeout=timeout, region="cn-shanghai", credentials=creds
    )
    both(native_fc_context(python=python, config=config), environ, read)


@settings(max_examples=150, deadline=None)
@given(
    request_id=ODD,
    name=ODD,
    memory=ODD,
    timeout=ODD,
    version=ODD,
    region=ODD,
    key_id=ODD,
    environ=ENVIRON,
    as_mapping=st.booleans(),
    read=st.sampled_from(READS),
)
def test_lazy_equals_eager_for_look_alikes_and_odd_values(
    request_id: Any,
    name: Any,
    memory: Any,
    timeout: Any,
    version: Any,
    region: Any,
    key_id: Any,
    environ: dict[str, str],
    as_mapping: bool,
    read: Callable[[Context], Any],
) -> None:
    # Any value the eager reading tolerates, the lazy one does too (neither raises).
    def shape(**values: Any) -> dict[str, Any]:
        return {key: value for key, value in values.items() if value is not None}

    function = shape(name=name, memory=memory, timeout=timeout)
    service = shape(version_id=version)
    creds = shape(access_key_id=key_id, access_key_secret=SECRET)
    top = shape(request_id=request_id, region=region)
    native: Any
    if as_mapping:
        native = {**top, "function": function, "service": service, "credentials": creds}
    else:
        native = SimpleNamespace(
            **top,
            function=SimpleNamespace(**function),
            service=SimpleNamespace(**service),
            credentials=SimpleNamespace(**creds),
        )
    both(native, environ, read)


def test_repr_and_pickle_hide_nothing_they_should_not_and_keep_equality() -> None:
    creds = Credentials(access_key_id="STS.abcdef", access_key_secret=SECRET, security_token=TOKEN)
    native = native_fc_context(config=FunctionConfig(name="fn", credentials=creds))
    lazy = lazy_canonical(native, {})
    shown = repr(lazy)
    assert SECRET not in shown
    assert TOKEN not in shown
    assert "STS.abcdef" not in shown
    assert "credentials=Credentials(access_key_id='STS.***'" in shown
    # Pickling fills the fields first; the filler itself never travels.
    lazy = lazy_canonical(native, {})
    loaded = pickle.loads(pickle.dumps(lazy))
    assert loaded == lazy
    assert loaded._fill is None
    assert lazy._fill is None
    assert loaded.credentials == lazy.credentials
    assert loaded.credentials is not None
    assert loaded.credentials.access_key_secret == SECRET


def test_the_environment_is_the_one_of_the_call() -> None:
    # 3.12 gives credentials only through the environment, which the test kit and the
    # runner restore after each call: a context kept past its call still reads them.
    native = native_fc_context(python="3.12")
    names = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.kept", "FC_ACCOUNT_ID": "kept"}
    clock = mock.patch.object(time, "time", return_value=NOW)
    with mock.patch.dict(os.environ, names), clock:
        lazy = lazy_canonical(native, os.environ)
        eager = to_canonical(native, os.environ)
    with mock.patch.dict(os.environ, {"ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.later"}):
        assert lazy.credentials is not None
        assert lazy.credentials.access_key_id == "STS.kept"
    same(lazy, eager)
    copy = environment_at_call(os.environ)
    assert dict(copy) == dict(os.environ)
    assert len(copy) == len(os.environ)


def test_a_failing_filler_raises_on_each_read_until_it_succeeds() -> None:
    eager = Context(provider="alibaba", request_id="r", function_name="fn", region="cn")
    calls: list[int] = []

    def fill() -> Context:
        calls.append(1)
        if len(calls) == 1:
            raise polyfaas.errors.EventFormatError("not yet")
        return eager

    lazy = Context._lazy(fill, "alibaba", "r", None)
    assert lazy.request_id == "r"
    assert not calls
    with pytest.raises(polyfaas.errors.EventFormatError):
        lazy.function_name
    assert lazy.region == "cn"
    assert lazy == eager
    assert len(calls) == 2
    with pytest.raises(AttributeError, match="'Context' object has no attribute 'nope'"):
        lazy.nope  # type: ignore[attr-defined]


def test_the_runtime_half_decodes_a_lazy_context_equal_to_the_eager_one() -> None:
    native = native_fc_context(config=FunctionConfig(name="fn", memory_mb=512, timeout=60))
    with mock.patch.object(time, "time", return_value=NOW):
        invocation = runtime.decode((json.dumps(sample("http")).encode(), native), {})
        eager = to_canonical(native, os.environ)
    assert invocation.context._fill is not None  # nothing read yet
    assert invocation.context.request_id == RID
    same(invocation.context, eager)
    assert invocation.context.deadline == NOW + 60
