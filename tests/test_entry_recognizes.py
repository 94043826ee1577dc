"""The entry's remembered runtime (issue 15, decision 2): ``RuntimeHalf.recognizes``,
Yandex's cheap shape check, and the header index's remembered lower-cased names."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import polyfaas
from polyfaas import Headers, Request, _multi_value
from polyfaas._entry import live_environ
from polyfaas.runtime import RuntimeHalf, override
from polyfaas.testing import emulate
from polyfaas_yandex import http_envelope
from polyfaas_yandex.emulated.context import make_context
from polyfaas_yandex.function import gateway_runtime, runtime
from tests.yandex.test_yandex_detect import LambdaContext
from tests.yandex.yandex_helpers import sample


class FCLikeContext:
    """The attributes FC's built-in runtime context has (no Yandex ones)."""

    def __init__(self) -> None:
        self.request_id = "1-abc"
        self.function = object()
        self.service = object()
        self.credentials = object()
        self.region = "cn-hangzhou"


@pytest.mark.parametrize("half", [runtime, gateway_runtime])
def test_yandex_recognizes_its_call_shape_only(half: Any) -> None:
    event = sample("http")
    context = make_context(function_seed="f")
    assert half.recognizes((event, context), {})
    assert half.recognizes(("raw body", context), {})
    assert not half.recognizes((event, LambdaContext()), {})  # AWS: an arn:
    assert not half.recognizes((b"{}", FCLikeContext()), {})  # FC's call
    assert not half.recognizes((event, None), {})
    assert not half.recognizes((event,), {})
    assert not half.recognizes((event, context, 1), {})
    assert not half.recognizes((), {"event": event, "context": context})
    context.deadline_ms = "soon"  # type: ignore[assignment]
    assert not half.recognizes((event, context), {})


def test_the_default_recognizes_asks_detect_with_the_live_environment() -> None:
    seen: list[Any] = []

    class Plugin(RuntimeHalf):
        name = "plugin"

        @override
        def detect(self, args: Any, kwargs: Any, environ: Any) -> bool:
            seen.append((args, kwargs, environ))
            return bool(args == (1, 2))

    plugin = Plugin()
    assert plugin.recognizes((1, 2), {})
    assert not plugin.recognizes((3,), {"k": 1})
    assert seen == [((1, 2), {}, live_environ), ((3,), {"k": 1}, live_environ)]


def test_one_entry_called_by_several_platforms_answers_each_natively() -> None:
    # The test kit and the runner call one entry from several emulated platforms in
    # one process: the remembered runtime must not take another platform's call.
    entry = polyfaas.http(lambda request, context: {"provider": context.provider})
    request = Request(method="GET", path="/")
    for provider in ("yandex", "alibaba", "yandex", "alibaba", "yandex-gateway", "yandex"):
        response = emulate(entry, request, provider)
        assert response.status == 200, (provider, response.body)
        expected = "alibaba" if provider == "alibaba" else "yandex"
        assert response.json() == {"provider": expected}, provider


def test_a_call_the_remembered_runtime_does_not_recognize_is_detected_again() -> None:
    entry = polyfaas.http(lambda request, context: None)
    event = sample("http")
    assert entry(event, make_context(function_seed="f"))["statusCode"] == 204
    remembered = entry._last_runtime
    assert remembered is not None
    assert remembered.cloud == "yandex"
    # No Yandex context: full detection (the event's Yandex-only keys still say Yandex).
    assert entry(event, None)["statusCode"] == 204


NAMES = st.text(st.sampled_from("aAbZ-\0Σσİ"), min_size=1, max_size=3)


@settings(max_examples=300)
@given(st.lists(st.lists(NAMES, max_size=5, unique=True), min_size=1, max_size=4))
# Remembered ["b", "-"], then one name "b\0-" that joins to the same text.
@example([["b", "-"], ["b\0-"]])
def test_the_header_index_equals_the_decoded_headers_lookup(name_sets: list[list[str]]) -> None:
    # The same names again (a remembered lower-cased list) and names that join alike
    # around a NUL: each index is the lookup the decoded pairs give.
    for names in name_sets + name_sets:
        event = {
            "headers": {name: f"v{i}" for i, name in enumerate(names)},
            "multiValueHeaders": {name: [f"v{i}"] for i, name in enumerate(names)},
        }
        pairs = http_envelope.multi_pairs(event, "headers", "multiValueHeaders")
        assert http_envelope._header_index(event) == Headers(pairs)._lookup()


def test_the_remembered_names_are_bounded() -> None:
    for i in range(_multi_value._LOWERED_SETS * 2):
        event = {"headers": {f"X-{i}": "a"}, "multiValueHeaders": {f"X-{i}": ["a"]}}
        assert http_envelope._header_index(event) == {f"x-{i}": "a"}
        assert len(_multi_value._LOWERED) <= _multi_value._LOWERED_SETS
    long_name = "X" * (_multi_value._LOWERED_TEXT + 1)
    event = {"headers": {long_name: "a"}, "multiValueHeaders": {long_name: ["a"]}}
    assert http_envelope._header_index(event) == {long_name.lower(): "a"}
    assert "\0".join([long_name]) not in _multi_value._LOWERED
