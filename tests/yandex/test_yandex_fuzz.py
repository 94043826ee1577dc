"""Malformed events get ``EventFormatError`` (a ``ValueError``), never an incidental
``KeyError``/``TypeError``; whatever a function returns, the platform half answers."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyfaas import Event, EventBatch, Request
from polyfaas.errors import EventFormatError
from polyfaas.platform import FunctionConfig, Outcome
from polyfaas_yandex.emulated.context import make_context
from polyfaas_yandex.emulated.function import platform
from polyfaas_yandex.function import decode_event, runtime
from tests.yandex.yandex_helpers import sample, sample_kinds

TEXT = st.text(max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside a JSON value."""
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def mutated(event: Any, path: tuple[Any, ...], replacement: Any, delete: bool) -> Any:
    event = copy.deepcopy(event)
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return event


@st.composite
def broken_samples(draw: st.DrawFn) -> Any:
    event = sample(draw(st.sampled_from(sample_kinds())))
    for _ in range(draw(st.integers(1, 3))):
        candidates = paths(event)
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        event = mutated(event, path, draw(JSON), draw(st.booleans()))
    return event


def read_every_field(payload: Any) -> None:
    """Read the fields a request decodes on first use (headers, query), so a
    malformed one raises here (issue 15, decision 3)."""
    if isinstance(payload, Request):
        payload.headers.get("content-type")
        list(payload.headers.items())
        list(payload.query.items(multi=True))
        assert payload.cookies is not None


def decodes_or_refuses(event: Any) -> None:
    # Anything but EventFormatError (a ValueError with a message) propagates and fails.
    try:
        payload = decode_event(event, "rid")
        read_every_field(payload)
    except EventFormatError as exc:
        refused: Exception = exc
    else:
        assert isinstance(payload, (Request, Event, EventBatch))
        return
    assert isinstance(refused, ValueError)
    assert str(refused)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_samples())
def test_mutated_samples(event):
    decodes_or_refuses(event)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {"httpMethod": JSON},
        optional=dict.fromkeys(
            (
                "headers",
                "multiValueHeaders",
                "queryStringParameters",
                "multiValueQueryStringParameters",
                "requestContext",
                "body",
                "isBase64Encoded",
                "url",
                "path",
                "resource",
                "version",
                "pathParams",
                "pathParameters",
            ),
            JSON,
        ),
    )
)
def test_arbitrary_http_envelopes(event):
    decodes_or_refuses(event)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "messages": st.lists(
                JSON | st.builds(dict, event_metadata=JSON, details=JSON), max_size=3
            )
        }
    )
)
def test_arbitrary_trigger_envelopes(event):
    decodes_or_refuses(event)


@settings(max_examples=100, deadline=None)
@given(JSON | st.binary(max_size=20))
def test_any_raw_payload(event):
    decodes_or_refuses(event)


def test_the_entry_reports_a_malformed_event():
    import polyfaas

    @polyfaas.http
    def handler(request, context):
        return "never"

    event = sample("http")
    event["body"], event["isBase64Encoded"] = "***", True
    with pytest.raises(EventFormatError, match="not valid base64"):
        handler(event, make_context(function_seed="fn"))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("httpMethod", 5, "httpMethod"),
        ("headers", ["a"], "'headers' must be an object"),
        ("headers", {"A": 1}, "map strings to strings"),
        ("multiValueHeaders", {"A": "x"}, "lists of strings"),
        ("isBase64Encoded", "no", "boolean"),
        ("body", {"a": 1}, "'body' must be a string"),
        ("url", 7, "request path must be a string"),
        ("pathParams", {"a": 1}, "path parameters"),
    ],
)
def test_clear_messages(key, value, message):
    event = sample("gateway-v0")
    event[key] = value
    with pytest.raises(EventFormatError, match=message):
        # The headers and the query are checked when first read (issue 15, decision 3).
        read_every_field(runtime.decode((event, None), {}).payload)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_function_return_gets_an_answer(value):
    call = platform.call(Request(), FunctionConfig())
    response = platform.receive(Outcome(value=value), call)
    assert 200 <= response.status <= 599
    if response.status == 502:
        assert response.json()["errorType"] == "ProxyIntegrationError"
