"""The Yandex emulation's cheap envelope-size bound: never below the exact size, so the
runner lets a request in without building its envelope only when it surely fits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from polyfaas import Request, Response
from polyfaas.platform import FunctionConfig
from polyfaas_yandex.emulated import router
from polyfaas_yandex.emulated.context import resource_id
from polyfaas_yandex.emulated.function import gateway_platform, platform
from tests.strategies import requests

FUNCTION_ID = resource_id("d4e", "polyfaas-function")
GATEWAYS = st.sampled_from([None, "0.1", "1.0"])
# The characters that take the most room in the envelope's JSON.
WIDE = st.text(st.sampled_from(["\x01", '"', "\\", "\u20ac", "\U0001f600", "a"]), max_size=40)


def exact(request: Request, gateway: str | None) -> int:
    event = router.http_event(
        request, request_id="0" * 36, now=1e10, gateway=gateway, function_id=FUNCTION_ID
    )
    return router.event_size(event)


@settings(max_examples=300, deadline=None)
@given(requests(), GATEWAYS)
def test_bound_is_never_below_the_exact_size(request: Request, gateway: str | None) -> None:
    assert router.http_event_size_bound(request, function_id=FUNCTION_ID) >= exact(request, gateway)


@settings(max_examples=200, deadline=None)
@given(WIDE, WIDE, WIDE, st.integers(0, 4), GATEWAYS)
def test_bound_holds_for_the_widest_characters(
    text: str, value: str, path: str, copies: int, gateway: str | None
) -> None:
    request = Request(
        "POST",
        "/" + path,
        query=[(text or "q", value)] * copies,
        headers=[
            ("Content-Type", "application/json"),
            ("User-Agent", value),
            ("X-Forwarded-For", value),
            ("X-Forwarded-For", text),
        ],
        body=(text * 3).encode("utf-8"),
        client_ip="2001:db8::1",
    )
    assert router.http_event_size_bound(request, function_id=FUNCTION_ID) >= exact(request, gateway)


def test_control_characters_in_a_json_body_take_six_bytes_each() -> None:
    body = b"\x01" * 10_000
    request = Request("POST", "/", headers={"Content-Type": "application/json"}, body=body)
    size = exact(request, "0.1")
    assert size > 6 * len(body)
    assert router.http_event_size_bound(request, function_id=FUNCTION_ID) >= size


def test_admit_near_the_limit_still_measures_the_envelope() -> None:
    """Past the bound, the exact size decides: a body whose JSON escapes push it over
    3.5 MB is refused, one just under is let in, on both front doors."""
    config = FunctionConfig()
    small = Request("POST", "/", body=b"x" * (router.MAX_PAYLOAD // 2))
    escaped = Request(
        "POST",
        "/",
        headers={"Content-Type": "application/json"},
        body=b"\x01" * (router.MAX_PAYLOAD // 5),
    )
    for half in (platform, gateway_platform):
        assert half.admit(small, config) is small
        refused = half.admit(escaped, config)
        assert isinstance(refused, Response)
        assert refused.status == 413
