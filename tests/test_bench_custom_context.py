"""The custom runtime's fast context builder (``custom.context_from_headers``, made
for the ``polyfaas serve`` bench row) gives the ``Context`` that the general reader
``polyfaas_alibaba.context.to_canonical`` gives for the same FC context object."""

from __future__ import annotations

from unittest import mock

import attrs
from hypothesis import given
from hypothesis import strategies as st

from polyfaas_alibaba import context as fc_context
from polyfaas_alibaba.custom import context_from_headers, context_object

HEADERS = (
    "account-id",
    "request-id",
    "access-key-id",
    "access-key-secret",
    "security-token",
    "function-name",
    "function-handler",
    "function-memory",
    "function-timeout",
    "service-name",
    "qualifier",
    "version-id",
    "region",
    "retry-count",
)
VARIABLES = (
    "FC_ACCOUNT_ID",
    "FC_FUNCTION_NAME",
    "FC_FUNCTION_HANDLER",
    "FC_FUNCTION_MEMORY_SIZE",
    "FC_FUNCTION_VERSION",
    "FC_VER_ID",
    "FC_QUALIFIER",
    "FC_REGION",
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "accessKeyID",
    "accessKeySecret",
)
values = st.one_of(
    st.text(max_size=8),
    st.integers(-5, 10**8).map(str),
    st.sampled_from(["", "0", "60", "1e400", "inf", "-1", "128.5", "٣", "²", "9" * 20, " 7"]),
)


@given(
    st.dictionaries(st.sampled_from(HEADERS), values),
    st.dictionaries(st.sampled_from(VARIABLES), values),
)
def test_fast_context_equals_the_general_reader(
    fc: dict[str, str], environ: dict[str, str]
) -> None:
    with mock.patch("time.time", return_value=1_700_000_000.0):
        fast = context_from_headers(fc, environ, "rid-1")
        general = fc_context.to_canonical(context_object(fc, environ), environ)
    if not general.request_id:
        general = attrs.evolve(general, request_id="rid-1")
    assert fast == general
    assert repr(fast) == repr(general)
    assert fast.logger is general.logger
    assert type(fast.native) is type(general.native)
    assert vars(fast.native.function) == vars(general.native.function)
