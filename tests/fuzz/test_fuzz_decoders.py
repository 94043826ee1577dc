"""The decoders are total: a structure-aware fuzz of every runtime half's native calls.

Seeds are the providers' own sample events (``platform_half(name).samples()``) and the
native calls their platform halves build (``platform.call(request, FunctionConfig())``);
each example mutates one seed a few times (a field dropped, or replaced by a value of
the wrong type, a lone surrogate, text outside latin-1, deep nesting, an absurd number
or time) and hands it to the runtime half. The only outcomes allowed are an
``Invocation`` (whose ``Request`` can then be read whole: ``url``, ``cookies``, ``text``,
``json()``) or a ``PolyfaasError``.

Entry styles: FC's event handler ``(bytes, context)``, FC's WSGI handler ``(environ,
start_response)``, Yandex's ``(event: dict, context)`` for both Yandex providers, and
the local runner's front door (``request_from_environ`` on the environ werkzeug builds).

``POLYFAAS_FUZZ_EXAMPLES`` sets the examples per entry style (default 2,000; the long
run is ``POLYFAAS_FUZZ_EXAMPLES=100000``). Each style prints one line of counts.
Deterministic: ``derandomize``, no example database.
"""

from __future__ import annotations

import copy
import io
import json
import os
import sys
import traceback
from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyfaas import Event, EventBatch, Request, providers
from polyfaas.errors import EventFormatError, HTTPError, PolyfaasError
from polyfaas.platform import FunctionConfig
from polyfaas.runtime import Invocation
from polyfaas.wsgi_bridge import environ_from_request, request_from_environ

EXAMPLES = int(os.environ.get("POLYFAAS_FUZZ_EXAMPLES", "2000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

DEEP = "[" * 5000
DEEP_VALID = "[" * 5000 + "]" * 5000
#: Values a mutation puts in a field: wrong JSON types, hostile text, absurd numbers and times.
HOSTILE: list[Any] = [
    None,
    True,
    0,
    -1,
    3.5,
    10**20,
    -(10**20),
    2**63,
    1e308,
    float("inf"),
    float("nan"),
    "",
    " ",
    "x",
    "/",
    "//x",
    "/http://example.com/admin",
    "http://example.com/admin?q=1",
    "*",
    "\udc80",
    "/\udc80",
    "\ud800x\udfff",
    "/日本",
    "日本",
    "caf\xe9",
    "a\r\nSet-Cookie: x=1",
    "\x00",
    "%",
    "%zz%E6%97",
    "%ED%B2%80",
    "inf",
    "nan",
    "-5",
    "99999999999999999999",
    "1e400",
    "²",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2024-01-01T00:00:00+99:99",
    "2024-02-30T25:61:61Z",
    "2024-01-01T00:00:00.1234567891Z",
    DEEP,
    DEEP_VALID,
    "***not base64***",
    [],
    [None],
    ["\udc80"],
    [1, "a"],
    {},
    {"\udc80": "\udc80"},
    {"a": None},
    {"a": 1},
    {"a": ["b", 2]},
    {"seconds": 10**30, "nanos": -1},
]
HOSTILE_VALUES = st.sampled_from(HOSTILE).map(copy.deepcopy)
#: Field names a mutation may add to an object (the names envelopes and triggers use).
NAMES = st.sampled_from(
    [
        "\udc80",
        "日本",
        "Host",
        "host",
        "Cookie",
        "url",
        "path",
        "body",
        "isBase64Encoded",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "requestContext",
        "messages",
        "event_metadata",
        "details",
        "created_at",
        "time",
        "data",
        "specversion",
        "type",
        "rawPath",
        "triggerTime",
        "eventTime",
    ]
)


# -- counts ------------------------------------------------------------------------------


class Tally:
    """What one entry style's run saw: inputs, decoded, clean errors, unexpected errors."""

    def __init__(self, style: str) -> None:
        self.style = style
        self.counts: Counter[str] = Counter()
        self.sites: dict[str, str] = {}

    def run(self, call: Callable[[], Any]) -> None:
        self.counts["inputs"] += 1
        try:
            result = call()
        except PolyfaasError:
            self.counts["clean errors"] += 1
            return
        except BaseException as exc:  # counting every escape is the point
            self.unexpected(exc)
            return
        try:
            touch(result)  # a decoded payload reads whole, lazy parts included
        except EventFormatError:
            # A field checked on its first use (issue 15, decision 3) refuses when read.
            self.counts["clean errors"] += 1
            return
        except BaseException as exc:
            self.unexpected(exc)
            return
        self.counts["decoded"] += 1

    def unexpected(self, exc: BaseException) -> None:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise exc
        self.counts["unexpected"] += 1
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [
            f for f in frames if "/tests/" not in f.filename and "/lib/python" not in f.filename
        ]
        frame = (ours or frames)[-1]
        site = f"{type(exc).__name__} at {frame.filename}:{frame.lineno}"
        self.sites.setdefault(site, "".join(traceback.format_exception(exc))[-1500:])

    def report(self) -> str:
        c = self.counts
        return (
            f"fuzz {self.style}: {c['inputs']} inputs, {c['decoded']} decoded, "
            f"{c['clean errors']} clean errors, {c['unexpected']} unexpected"
        )

    def check(self) -> None:
        print(self.report(), file=sys.__stdout__)
        assert self.counts["inputs"] >= min(EXAMPLES, 2000) * 0.9, self.report()
        assert not self.sites, self.report() + "\n\n" + "\n\n".join(self.sites.values())


def touch(result: Any) -> None:
    """Read a decoded payload whole, as a handler may (lazy parts included)."""
    assert isinstance(result, Invocation), result
    payload = result.payload
    assert isinstance(payload, (Request, Event, EventBatch)), payload
    repr(result.context)
    result.context.remaining_time_ms()
    if isinstance(payload, Request):
        assert isinstance(payload.path, str)
        assert isinstance(payload.raw_path, str)
        assert payload.raw_path.isascii(), payload.raw_path  # percent-encoded
        environ_from_request(payload)  # what a polyfaas.wsgi entry builds from it
        assert isinstance(payload.url, str)
        list(payload.headers.items())
        list(payload.cookies.items())
        assert isinstance(payload.text, str)
        try:
            payload.json()
        except HTTPError as exc:
            status = exc.status
        else:
            status = 400
        assert status == 400
    elif isinstance(payload, Event):
        repr(payload)
    else:
        for event in payload.events:
            repr(event)


# -- mutation ----------------------------------------------------------------------------


def locations(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path inside a JSON-like value (the root is ``()``)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from locations(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from locations(item, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    """``seed`` (a JSON-like value) mutated one to four times."""
    value = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 4))):
        where = list(locations(value))
        path = where[draw(st.integers(0, len(where) - 1))]
        if not path:
            value = draw(HOSTILE_VALUES) if draw(st.integers(0, 9)) == 0 else value
            continue
        parent = value
        for key in path[:-1]:
            parent = parent[key]
        op = draw(st.integers(0, 9))
        if op == 0 and isinstance(parent, dict):
            del parent[path[-1]]
        elif op == 1 and isinstance(parent, dict):
            parent[draw(NAMES)] = draw(HOSTILE_VALUES)
        elif op == 2:
            parent[path[-1]] = {draw(NAMES): draw(HOSTILE_VALUES)}
        else:
            parent[path[-1]] = draw(HOSTILE_VALUES)
    return value


# -- seeds -------------------------------------------------------------------------------


def seed_requests() -> list[Request]:
    return [
        Request(),
        Request(
            method="POST",
            path="/api/items/1",
            query=[("a", "1"), ("a", "2"), ("b", "")],
            headers=[
                ("Content-Type", "application/json"),
                ("Cookie", "a=1; b=2"),
                ("X-Custom", "v"),
            ],
            body=b'{"k": [1, 2]}',
        ),
        Request(method="PUT", path="/bin", body=bytes(range(256)), scheme="https"),
        Request(path="/日本/a b", query=[("q", "é")], headers=[("Accept", "*/*")]),
    ]


def seed_events() -> list[Event]:
    return [Event(data={"k": "v"}), Event(data="text"), Event(data=None)]


@cache
def native_calls(provider: str) -> list[Any]:
    platform = providers.platform_half(provider)
    calls = []
    payloads: list[Request | Event] = [*seed_requests(), *seed_events()]
    for payload in payloads:
        try:
            calls.append(platform.call(payload, FunctionConfig()))
        except PolyfaasError:
            continue  # a platform that takes no such payload
    return calls


@cache
def event_seeds(provider: str) -> list[Any]:
    """JSON-like seeds of a provider whose event is JSON: its samples and its calls' events."""
    seeds = list(providers.platform_half(provider).samples().values())
    for call in native_calls(provider):
        event = call.args[0]
        if isinstance(event, (bytes, str)):
            try:
                event = json.loads(event)
            except ValueError:  # a direct payload that is text: mutated as a whole
                event = event.decode("utf-8", "replace") if isinstance(event, bytes) else event
        seeds.append(event)
    return seeds


def contexts(provider: str) -> list[Any]:
    return [call.args[1] for call in native_calls(provider)]


@st.composite
def mutated_context(draw: st.DrawFn, provider: str) -> Any:
    """One of the provider's native contexts, sometimes with a field of the wrong type."""
    context = copy.copy(draw(st.sampled_from(contexts(provider))))
    if draw(st.integers(0, 3)) == 0:
        names = sorted(vars(context))
        name = draw(st.sampled_from(names))
        inner = getattr(context, name)
        if hasattr(inner, "__dict__") and draw(st.booleans()):
            inner = copy.copy(inner)
            if vars(inner):
                setattr(inner, draw(st.sampled_from(sorted(vars(inner)))), draw(HOSTILE_VALUES))
            setattr(context, name, inner)
        elif isinstance(inner, dict) and inner and draw(st.booleans()):
            setattr(context, name, draw(mutated(inner)))
        else:
            setattr(context, name, draw(HOSTILE_VALUES))
    return context


def to_bytes(value: Any) -> bytes:
    """A mutated event as FC's bytes; deep nesting is spliced in as text (``json``
    cannot write it)."""
    text = json.dumps(value)  # ensure_ascii: a lone surrogate travels as "\\udc80"
    for marker, raw in ((json.dumps(DEEP), DEEP), (json.dumps(DEEP_VALID), DEEP_VALID)):
        if marker in text:
            text = text.replace(marker, raw, 1)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def fc_events(draw: st.DrawFn) -> bytes:
    raw = to_bytes(draw(mutated(draw(st.sampled_from(event_seeds("alibaba"))))))
    cut = draw(st.integers(0, 19))
    if cut == 0:  # truncated, or bytes that are not UTF-8
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif cut == 1:
        raw = raw.replace(b'"', b'"\xff', 1)
    return raw


#: The CGI keys of an environ (FC's WSGI runtime adds the whole process environment too).
CGI = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
    "REQUEST_URI",
    "RAW_URI",
)
ENVIRON_HOSTILE: list[Any] = [
    *HOSTILE,
    "/日本",
    "/\xe6\x97\xa5",
    "99999999999999999999",
    "１２",
    "",
    b"/bytes",
    ("tuple",),
]


def environ_seed(environ: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    body = environ["wsgi.input"].getvalue() if "wsgi.input" in environ else b""
    kept = {
        k: v
        for k, v in environ.items()
        if k in CGI or (k.startswith(("HTTP_", "wsgi.", "fc.")) and k != "wsgi.input")
    }
    return kept, body


@cache
def environ_seeds(provider: str | None) -> list[tuple[dict[str, Any], bytes]]:
    if provider is None:  # the runner's front door: the environ werkzeug builds
        from werkzeug.test import EnvironBuilder

        seeds = []
        for request in seed_requests():
            builder = EnvironBuilder(
                path=request.raw_path,
                method=request.method,
                query_string=request.query_string,
                headers=list(request.headers.items()),
                data=request.body,
            )
            try:
                seeds.append(environ_seed(builder.get_environ()))
            finally:
                builder.close()
        return seeds
    return [environ_seed(call.args[0]) for call in native_calls(provider)]


@st.composite
def environs(draw: st.DrawFn, provider: str | None) -> dict[str, Any]:
    seed, body = draw(st.sampled_from(environ_seeds(provider)))
    environ = dict(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 5))
        if op == 0:
            environ.pop(draw(st.sampled_from(sorted(environ))), None)
        elif op == 1:
            name = draw(st.sampled_from(["X_\udc80", "X_日本", "X_A", "COOKIE", "HOST"]))
            environ["HTTP_" + name] = draw(st.sampled_from(ENVIRON_HOSTILE))
        elif op == 2 and "fc.context" in environ:
            environ["fc.context"] = draw(mutated_context("alibaba"))
        else:
            key = draw(st.sampled_from([*CGI, "wsgi.url_scheme", "HTTP_HOST", "fc.request_uri"]))
            environ[key] = draw(st.sampled_from(ENVIRON_HOSTILE))
    environ["wsgi.input"] = io.BytesIO(body)
    return environ


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return lambda data: None


# -- the runs ----------------------------------------------------------------------------


def test_fc_event_handler() -> None:
    tally = Tally("alibaba (bytes, context)")
    runtime = providers.runtime_half("alibaba")

    @FUZZ
    @given(fc_events(), mutated_context("alibaba"))
    def run(event: bytes, context: Any) -> None:
        tally.run(lambda: runtime.decode((event, context), {}))

    run()
    tally.check()


def test_fc_wsgi_handler() -> None:
    tally = Tally("alibaba-wsgi (environ, start_response)")
    runtime = providers.runtime_half("alibaba-wsgi")

    @FUZZ
    @given(environs("alibaba-wsgi"))
    def run(environ: dict[str, Any]) -> None:
        tally.run(lambda: runtime.decode((environ, start_response), {}))

    run()
    tally.check()


@pytest.mark.parametrize("provider", ["yandex", "yandex-gateway"])
def test_yandex_handler(provider: str) -> None:
    tally = Tally(f"{provider} (event, context)")
    runtime = providers.runtime_half(provider)

    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        event = data.draw(mutated(data.draw(st.sampled_from(event_seeds(provider)))))
        context = data.draw(mutated_context(provider))
        tally.run(lambda: runtime.decode((event, context), {}))

    run()
    tally.check()


def test_runner_front_door() -> None:
    """``polyfaas run`` and the test kit read every request with ``request_from_environ``."""
    tally = Tally("local runner front door (environ)")

    @FUZZ
    @given(environs(None))
    def run(environ: dict[str, Any]) -> None:
        def decode() -> Invocation:
            from polyfaas import Context

            return Invocation(request_from_environ(environ, native=None), Context())

        tally.run(decode)

    run()
    tally.check()


def test_the_seeds_decode() -> None:
    """Unmutated, every seed is a call the runtime half takes (the fuzz starts from
    valid input)."""
    for provider in ("alibaba", "alibaba-wsgi", "yandex", "yandex-gateway"):
        runtime = providers.runtime_half(provider)
        for call in native_calls(provider):
            touch(runtime.decode(call.args, call.kwargs))
    for environ, body in environ_seeds(None):
        request_from_environ({**environ, "wsgi.input": io.BytesIO(body)})
    assert environ_from_request(Request())  # the bridge both ways is importable here
