"""The AWS runtime half's lazy ``Context`` (issue 15): equal to the eager reading of the
same Lambda context and environment in every field, ``==``, hash and ``repr`` (secrets
hidden), picklable, with the environment as it was at the call."""

from __future__ import annotations

import os
import pickle
from types import SimpleNamespace
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from polyfaas.errors import EventFormatError
from polyfaas_aws import context as aws_context
from polyfaas_aws.context import lazy_canonical, to_canonical
from tests.lazy_context import same

NOW = 1_700_000_000.0
SECRET = "aws-secret-value"
ENVIRON = st.fixed_dictionaries(
    {},
    optional={
        "AWS_REGION": st.sampled_from(["", "eu-west-1"]),
        "AWS_ACCESS_KEY_ID": st.sampled_from(["", "AKID"]),
        "AWS_SECRET_ACCESS_KEY": st.sampled_from(["", SECRET]),
        "AWS_SESSION_TOKEN": st.sampled_from(["", "token-value"]),
    },
)
ARNS = st.sampled_from(
    [
        "arn:aws:lambda:us-east-2:123456789012:function:orders",
        "arn:aws:lambda:eu-west-1:210987654321:function:orders:live",
        "arn:short",
        "",
    ]
)
MEMORY = st.one_of(st.none(), st.integers(0, 10**6), st.sampled_from(["128", "x", "99999999999"]))


class LambdaContext:
    """The runtime's context object, as far as the reader looks (picklable)."""

    def __init__(self, arn: str, memory: Any, remaining: Any, name: Any) -> None:
        self.aws_request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
        self.invoked_function_arn = arn
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory
        self.remaining = remaining

    def get_remaining_time_in_millis(self) -> Any:
        return self.remaining


lambda_context = LambdaContext


@given(
    ARNS,
    MEMORY,
    st.one_of(st.integers(-10, 10**13), st.floats(0, 1e7), st.none()),
    st.one_of(st.text(max_size=5), st.integers()),
    ENVIRON,
)
def test_lazy_equals_eager(arn: str, memory: Any, remaining: Any, name: Any, env: Any) -> None:
    native = lambda_context(arn, memory, remaining, name)
    with mock.patch.dict(os.environ, env, clear=False), mock.patch("time.time", return_value=NOW):
        for key in {"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} - set(env):
            os.environ.pop(key, None)
        if "AWS_SESSION_TOKEN" not in env:
            os.environ.pop("AWS_SESSION_TOKEN", None)
        lazy = lazy_canonical(native, "aws")
        eager = to_canonical(native, "aws")
        assert lazy.function_name == eager.function_name  # filled here, at the eager clock
    same(lazy, eager)
    assert SECRET not in repr(lazy)
    assert "token-value" not in repr(lazy)


def test_the_environment_is_read_as_it_was_at_the_call() -> None:
    native = lambda_context("arn:aws:lambda:us-east-2:1:function:f", "256", 3000, "f")
    env = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "x"}
    with mock.patch.dict(os.environ, env):
        lazy = lazy_canonical(native, "aws")
        eager = to_canonical(native, "aws")
        os.environ["AWS_SECRET_ACCESS_KEY"] = "changed-by-the-handler"
        os.environ["AWS_ACCESS_KEY_ID"] = "OTHER"
    assert lazy.credentials == eager.credentials
    assert lazy.credentials is not None
    assert lazy.credentials.access_key_id == "AKID"
    assert lazy.region == "us-east-2"
    assert lazy.memory_limit_mb == 256
    assert pickle.loads(pickle.dumps(lazy)) == lazy


@pytest.mark.parametrize("region", ["eu-west-1", "r\udcff\u00e9gion"])
def test_the_variables_kept_at_the_call_decode_as_os_environ_does(region: str) -> None:
    # An ARN without a region: the region is AWS_REGION's, as it was at the call (a
    # value that is not UTF-8 comes back as os.environ gives it: surrogateescape).
    native = lambda_context("arn:short", "256", 3000, "f")
    with mock.patch.dict(os.environ, {"AWS_REGION": region, "AWS_SESSION_TOKEN": "token-value"}):
        lazy = lazy_canonical(native, "aws")
        given = os.environ["AWS_REGION"]
        os.environ["AWS_REGION"] = "changed-by-the-handler"
    assert lazy.region == given


def test_an_environment_that_is_not_the_processs_own_is_copied() -> None:
    # os.environ replaced by a plain mapping (as some test kits do): read as it was.
    native = lambda_context("arn:short", "256", 3000, "f")
    replaced = {"AWS_REGION": "ap-south-1", "AWS_ACCESS_KEY_ID": "AKID"}
    with mock.patch("os.environ", replaced):
        lazy = lazy_canonical(native, "aws")
        replaced["AWS_REGION"] = "changed-by-the-handler"
        replaced["AWS_SECRET_ACCESS_KEY"] = SECRET
    assert lazy.region == "ap-south-1"
    assert lazy.credentials is None  # no secret at the call


class CountdownContext(LambdaContext):
    """Lambda's own context: the milliseconds left until a fixed deadline."""

    def __init__(self, deadline: float) -> None:
        super().__init__("arn:aws:lambda:us-east-2:1:function:f", 128, None, "f")
        self.deadline = deadline

    def get_remaining_time_in_millis(self) -> Any:
        import time

        return int((self.deadline - time.time()) * 1000)


def test_the_deadline_read_later_is_the_same_moment() -> None:
    native = CountdownContext(NOW + 30)
    with mock.patch("time.time", return_value=NOW):
        lazy = lazy_canonical(native, "aws")
        eager = to_canonical(native, "aws")
    with mock.patch("time.time", return_value=NOW + 5):  # the handler reads it 5 s later
        assert lazy.deadline == eager.deadline == NOW + 30
        assert lazy.remaining_time_ms() == 25_000


def test_a_context_without_a_request_id_fails_at_decode() -> None:
    with pytest.raises(EventFormatError, match="not an AWS Lambda context"):
        lazy_canonical(SimpleNamespace(), "aws")
    without = lazy_canonical(None, "aws")
    assert attrs.evolve(without, request_id="x") == attrs.evolve(
        to_canonical(None, "aws"), request_id="x"
    )


def test_the_runtime_half_builds_the_lazy_context() -> None:
    assert aws_context.lazy_canonical is lazy_canonical
