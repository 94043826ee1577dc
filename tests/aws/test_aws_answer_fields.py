"""The one-pass answer headers (``header_maps``, issue 15) give what grouping the
fields gives, for any fields: repeats in any case, Set-Cookie, Content-Type twice."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from polyfaas import Response
from polyfaas.runtime import body_to_text_or_base64
from polyfaas_aws import http_api, rest
from polyfaas_aws.envelope import answer_body, answer_fields, header_maps, is_text

_names = st.sampled_from(["Content-Type", "content-type", "X-A", "x-a", "Set-Cookie", "X-B"])
_values = st.sampled_from(["text/plain", "application/octet-stream", "a", "b=1"])
_fields = st.lists(st.tuples(_names, _values), max_size=5)


def _grouped_v1(response: Response) -> tuple[dict[str, str], dict[str, list[str]]]:
    groups, _ = answer_fields(response)
    headers = {name: values[0] for name, values in groups.values() if len(values) == 1}
    multi = {name: values for name, values in groups.values() if len(values) > 1}
    return headers, multi


@given(_fields, st.binary(max_size=4))
def test_rest_answer_is_the_grouped_answer(fields: list[Any], body: bytes) -> None:
    response = Response(200, fields, body)
    answer = rest.encode(response)
    headers, multi = _grouped_v1(response)
    assert answer["headers"] == headers
    assert list(answer["headers"]) == list(headers)
    assert answer["multiValueHeaders"] == multi
    _, content_type = answer_fields(response)
    form = body_to_text_or_base64(body, is_text(content_type))
    assert (answer["body"], answer["isBase64Encoded"]) == form


@given(_fields)
def test_http_answer_is_the_grouped_answer(fields: list[Any]) -> None:
    response = Response(200, fields, b"x")
    answer = http_api.encode(response)
    groups, _ = answer_fields(response)
    headers = {
        name: ",".join(values) for lower, (name, values) in groups.items() if lower != "set-cookie"
    }
    cookies = groups.get("set-cookie", ("", []))[1]
    assert answer["headers"] == headers
    assert answer.get("cookies", []) == cookies


def test_the_one_pass_takes_the_common_answer_and_leaves_the_rest() -> None:
    plain = Response(200, [("Content-Type", "text/html"), ("X-A", "1")], b"")
    assert header_maps(plain) == ({"Content-Type": "text/html", "X-A": "1"}, {}, "text/html")
    for fields in ([("X-A", "1"), ("x-a", "2")], [("Set-Cookie", "a=1")]):
        response = Response(200, fields, b"")
        assert header_maps(response) == ({}, *answer_fields(response))


_content_types = st.one_of(
    st.none(),
    st.sampled_from(["text/html; charset=utf-8", "application/json", "image/png", "x+json", ""]),
    st.text(max_size=12),
)


@given(
    st.binary(max_size=8) | st.sampled_from([b"ok", "h\u00e9".encode(), b"\xff\xfe"]),
    _content_types,
)
def test_answer_body_is_the_body_form_of_its_type(body: bytes, content_type: Any) -> None:
    # Asked twice: the second answer comes from the remembered type.
    expected = body_to_text_or_base64(body, is_text(content_type))
    assert answer_body(body, content_type) == expected
    assert answer_body(body, content_type) == expected
