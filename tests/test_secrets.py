"""Issue 13 item 8: secrets stay out of every repr.

One rule (``polyfaas._multidict.SENSITIVE_WORDS``, documented in docs/api.md, "What is
masked") masks header values and query values by their names; the emulation's objects
(``NativeCall``, ``FunctionConfig``, ``Outcome``, ``ErrorInfo``) show what they carry
from the platform by its shape only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polyfaas import Credentials, Event, Headers, MultiDict, Request, Response, providers
from polyfaas._multidict import SENSITIVE_WORDS, is_sensitive, is_sensitive_header
from polyfaas.platform import CallResult, ErrorInfo, FunctionConfig, Outcome

DOCS = Path(__file__).parent.parent / "docs"
PROVIDERS = ["local", "alibaba", "alibaba-wsgi", "alibaba-custom", "yandex", "yandex-gateway"]
NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

SECRETS = {
    "key_id": "LTAIkeyid0000000001",
    "key_secret": "AkSecretValue0000002",
    "sts": "StsTokenValue0000003",
    "bearer": "BearerTokenValue0000004",
    "authorization": "AuthorizationValue0000005",
    "cookie": "CookieValue0000006",
    "auth_token": "XAuthTokenValue0000007",
    "query_token": "QueryTokenValue0000008",
    "env": "EnvPasswordValue0000009",
    "event": "EventPasswordValue0000010",
    "api_key": "ApiKeyValue0000011",
}


def credentials() -> Credentials:
    return Credentials(
        access_key_id=SECRETS["key_id"],
        access_key_secret=SECRETS["key_secret"],
        security_token=SECRETS["sts"],
        token=SECRETS["bearer"],
    )


def config() -> FunctionConfig:
    return FunctionConfig(
        credentials=credentials(),
        environment={"DB_PASSWORD": SECRETS["env"], "DATABASE_URL": SECRETS["env"]},
    )


def request_with_secrets() -> Request:
    return Request(
        "POST",
        "/login",
        query=f"token={SECRETS['query_token']}&api_key={SECRETS['api_key']}&page=2",
        headers=[
            ("Authorization", f"Bearer {SECRETS['authorization']}"),
            ("Cookie", f"sid={SECRETS['cookie']}"),
            ("X-Auth-Token", SECRETS["auth_token"]),
            ("Accept", "application/json"),
        ],
        body=b'{"user": "ada"}',
        client_ip="203.0.113.9",
    )


def leaked(text: str) -> list[str]:
    # The key id is never shown whole (four characters identify it).
    return [name for name, secret in SECRETS.items() if secret in text]


# -- the rule, over names ---------------------------------------------------------------


@st.composite
def sensitive_names(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(SENSITIVE_WORDS))
    cased = "".join(
        draw(st.sampled_from([ch.lower(), ch.upper()])) if ch.isalpha() else ch for ch in word
    )
    prefix = draw(st.text(NAME_CHARS, max_size=8))
    suffix = draw(st.text(NAME_CHARS, max_size=8))
    return prefix + cased + suffix


SECRET_VALUE = st.text("0123456789abcdef", min_size=8, max_size=16).map(lambda s: "Zq" + s)


@settings(max_examples=400, deadline=None)
@given(name=sensitive_names(), secret=SECRET_VALUE)
def test_a_sensitive_header_is_masked_whatever_its_casing_and_affixes(name, secret) -> None:
    assert is_sensitive_header(name)
    headers = Headers([("Accept", "text/plain"), (name, secret)])
    request = Request(headers=headers)
    response = Response(200, [(name, secret)])
    for shown in (repr(headers), str(headers), repr(request), repr(response)):
        assert secret not in shown, shown
        assert "***" in shown
    assert headers[name] == secret  # masked in the repr only


@settings(max_examples=400, deadline=None)
@given(name=sensitive_names(), secret=SECRET_VALUE)
def test_a_sensitive_query_key_is_masked(name, secret) -> None:
    assert is_sensitive(name)
    query = MultiDict([("page", "2"), (name, secret)])
    request = Request(query=query)
    for shown in (repr(query), repr(request), str(request)):
        assert secret not in shown, shown
    assert "'page', '2'" in repr(query)
    assert request.query[name] == secret


@settings(max_examples=200, deadline=None)
@given(key=sensitive_names(), secret=SECRET_VALUE, before=st.booleans())
def test_a_sensitive_query_value_inside_a_url_header_is_masked(key, secret, before) -> None:
    # A gateway's X-Envoy-Original-Path, a Referer: the URL carries the query as sent.
    query = f"{key}={secret}&page=2" if before else f"page=2&{key}={secret}"
    headers = Headers([("X-Envoy-Original-Path", f"/login?{query}"), ("Referer", f"/?{query}")])
    assert secret not in repr(headers), repr(headers)
    assert "page=2" in repr(headers)


@settings(max_examples=200, deadline=None)
@given(name=st.text(NAME_CHARS, min_size=1, max_size=12), value=SECRET_VALUE)
def test_other_names_are_shown(name, value) -> None:
    if re.search("|".join(SENSITIVE_WORDS), name, re.IGNORECASE):
        return
    assert not is_sensitive_header(name)
    assert value in repr(Headers([(name, value)]))
    assert value in repr(MultiDict([(name, value)]))


def test_the_rule_covers_the_standard_and_the_platforms_secret_headers() -> None:
    for name in (
        "Authorization",
        "Proxy-Authorization",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "X-Auth-Token",
        "X-Amz-Signature",
        "x-fc-access-key-id",
        "x-fc-access-key-secret",
        "x-fc-security-token",
        "x-yacloud-subjecttoken",
        "X-Session-Id",
    ):
        assert is_sensitive_header(name), name
    for provider in PROVIDERS:
        for name in providers.platform_half(provider).facts.secret_headers:
            assert is_sensitive_header(name), (provider, name)


def test_the_rule_is_documented() -> None:
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    section = api.split("### What is masked", 1)[1].split("\n## ", 1)[0]
    for word in SENSITIVE_WORDS:
        assert f"`{word}`" in section, word


# -- the platform halves' real native calls ----------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_native_call_shows_no_secret(provider) -> None:
    platform = providers.platform_half(provider)
    call = platform.call(request_with_secrets(), config())
    for shown in (repr(call), str(call)):
        assert leaked(shown) == [], shown
    # The shape is still there to debug with.
    assert call.request_id in repr(call)
    assert "DB_PASSWORD" in repr(call)


@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p != "alibaba-wsgi"])
def test_an_event_call_shows_no_secret(provider) -> None:
    platform = providers.platform_half(provider)
    event = Event(data={"password": SECRETS["event"], "token": SECRETS["query_token"]})
    call = platform.call(event, config())
    assert leaked(repr(call)) == [], repr(call)
    assert leaked(str(call)) == []


def test_the_function_config_shows_no_secret() -> None:
    shown = repr(config())
    assert leaked(shown) == [], shown
    assert "DB_PASSWORD" in shown
    assert "LTAI***" in shown


def native_answer() -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"Set-Cookie": f"sid={SECRETS['cookie']}"},
        "body": SECRETS["auth_token"],
    }


def test_outcomes_and_errors_show_no_secret() -> None:
    try:
        raise ValueError("a message is the exception's own words")
    except ValueError as exc:
        error = ErrorInfo.from_exception(exc)
    error = ErrorInfo(
        type=error.type,
        message=error.message,
        frames=error.frames,
        text=error.text + f"  token = {SECRETS['bearer']}\n",  # e.g. a logged local
    )
    outcome = Outcome(value=native_answer(), error=error)
    result = CallResult(ending="returned", outcome=outcome)
    for shown in (repr(error), repr(outcome), repr(result), str(result)):
        assert leaked(shown) == [], shown
    assert f"message={error.message!r}" in repr(error)  # messages are not masked
    assert "ValueError" in repr(error)


@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p != "alibaba-custom"])
def test_what_a_handler_and_its_caller_see_shows_no_secret(provider) -> None:
    import polyfaas
    from polyfaas.testing import emulate

    seen: list[str] = []

    @polyfaas.http
    def handler(request: Request, context: Any) -> Response:
        seen.extend([repr(request), repr(context), repr(context.credentials)])
        assert request.query["token"] == SECRETS["query_token"]  # the values are there
        return Response(200, [("Set-Cookie", f"sid={SECRETS['cookie']}")], "ok")

    answer = emulate(handler, request_with_secrets(), provider, config())
    assert answer.status == 200
    assert leaked(repr(answer)) == [], repr(answer)
    assert len(seen) == 3
    assert leaked(" ".join(seen)) == [], seen
