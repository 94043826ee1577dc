"""``envelope_of``, ``path_params`` and ``path_and_body`` read events in one pass of
their own (the per-call path); they give what the envelopes' own predicates and
readers give, on any event built from the keys those read."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polyfaas.errors import EventFormatError
from polyfaas.runtime import body_from_text_or_base64, decode_path
from polyfaas_aws import alb, http_api, rest
from polyfaas_aws.envelope import path_and_body, raw_path_of
from polyfaas_aws.function import YANDEX_KEYS, envelope_of


def reference_envelope(event: Any) -> str | None:
    """What ``envelope_of`` answered before it read the keys itself."""
    if not isinstance(event, Mapping):
        return None
    if any(key in event for key in YANDEX_KEYS):
        return None
    if http_api.is_http_api_event(event):
        return "http"
    if alb.is_alb_event(event):
        return "alb"
    if rest.is_rest_event(event):
        return "rest"
    return None


class ReadOnlyMapping(Mapping[str, Any]):
    """A Mapping that is not a dict (the ABC path of every check)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


values = st.one_of(
    st.none(),
    st.sampled_from(["2.0", "1.0", "", "GET", "/x"]),
    st.integers(-2, 2),
    st.lists(st.text(max_size=3), max_size=2),
)
context_keys = st.sampled_from(["elb", "stage", "apiId", "http", "requestId"])
contexts = st.one_of(
    values,
    st.dictionaries(context_keys, values, max_size=4),
    st.dictionaries(context_keys, values, max_size=4).map(ReadOnlyMapping),
)
event_keys = st.sampled_from(
    ["version", "rawPath", "httpMethod", "path", "headers", "body", *YANDEX_KEYS]
)
events = st.builds(
    lambda fields, context, wrap: (
        ReadOnlyMapping({**fields, "requestContext": context})
        if wrap
        else {**fields, "requestContext": context}
    ),
    st.dictionaries(event_keys, values, max_size=5),
    contexts,
    st.booleans(),
) | st.dictionaries(event_keys, values, max_size=5)


@given(events)
def test_envelope_of_answers_as_the_envelopes_predicates(event: Any) -> None:
    assert envelope_of(event) == reference_envelope(event)


@pytest.mark.parametrize("event", [None, [], "GET", 3, b"{}"])
def test_envelope_of_anything_but_an_object_is_none(event: Any) -> None:
    assert envelope_of(event) is None


names = st.text(max_size=4)
params = st.one_of(
    st.none(),
    st.dictionaries(names, names, max_size=3),
    st.dictionaries(st.one_of(names, st.integers()), st.one_of(names, st.none()), max_size=3),
    st.dictionaries(names, names, max_size=3).map(ReadOnlyMapping),
    st.integers(),
    st.text(max_size=3),
)


@given(params)
def test_path_params_are_a_fresh_dict_of_strings_or_the_envelope_error(given_params: Any) -> None:
    event = {"pathParameters": given_params}
    plain = isinstance(given_params, Mapping) and all(
        isinstance(name, str) and isinstance(value, str) for name, value in given_params.items()
    )
    if given_params is None or plain:
        found = rest.path_params(event, "event")
        assert type(found) is dict
        assert found == dict(given_params or {})
        assert found is not given_params  # the Request's own copy
    else:
        with pytest.raises(EventFormatError, match="pathParameters"):
            rest.path_params(event, "event")


paths = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=8),
    st.text(alphabet="/%2Fa b\u00e9\x7f", max_size=8),
    st.text(alphabet="/%2Fa b\u00e9\x7f", max_size=8).map(lambda text: "/" + text),
)
bodies = st.one_of(st.none(), st.integers(), st.text(max_size=6), st.sampled_from(["aGk=", "!!"]))
flags = st.one_of(st.booleans(), st.none(), st.integers(0, 1), st.just("true"))


@given(paths, bodies, flags, st.booleans())
def test_path_and_body_give_what_the_readers_give(
    path: Any, body: Any, flag: Any, flag_absent: bool
) -> None:
    event: dict[str, Any] = {"path": path, "body": body}
    if not flag_absent:
        event["isBase64Encoded"] = flag
    try:
        raw_path = raw_path_of(path, "event")
        expected: Any = (
            raw_path,
            decode_path(raw_path),
            body_from_text_or_base64(body, event.get("isBase64Encoded", False), "event"),
        )
    except EventFormatError as error:
        expected = error
    if isinstance(expected, EventFormatError):
        with pytest.raises(EventFormatError) as raised:
            path_and_body(event, "path", "event")
        assert str(raised.value) == str(expected)
    else:
        assert path_and_body(event, "path", "event") == expected
