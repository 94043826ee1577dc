"""The contract every provider keeps, runnable against any provider name.

Two levels, both reading what may differ from the provider's own ``facts``
(``polyfaas.platform.ProviderFacts``: its declared ``losses``, limits and statuses),
never from a table of their own:

- **the round-trip law, at the halves' level**: for canonical requests ``r``,
  ``runtime.decode(platform.call(r, config))`` gives back ``r`` (method, path, raw
  path, query, headers, body), and for responses ``s`` the caller receives ``s``
  (``platform.receive(Outcome(value=runtime.encode(s, invocation)), call)``) — except
  the declared losses. A platform whose native call is more than a function call
  (``NativeCall.via``, or instances that are servers: ``facts.runs_server``) is
  checked through its front door instead;
- **the contract points, through the front door** (``polyfaas.testing.client``, the
  path of ``polyfaas run``), with the echo function ``ECHO``
  (``polyfaas.testing.conformance_echo``): methods, HEAD, paths, query, headers,
  cookies, bodies up to the platform's limit, 204, several ``Set-Cookie``, binary
  answers, ``HTTPError``, unhandled exceptions, the init hook, a hypothesis round trip
  (when hypothesis is installed), masked secret headers, and well-formed losses.

Every point runs in two entry styles: ``style="http"`` (the default) serves ``ECHO``, a
``@polyfaas.http`` function; ``style="asgi"`` serves ``ASGI_ECHO``, the same echo as a raw
ASGI 3 application through ``polyfaas.asgi`` (no framework), which answers every point
exactly as ``ECHO`` does, its lifespan startup standing for the init hook.

From pytest, one test per point::

    import pytest
    from polyfaas.testing import conformance

    @pytest.mark.parametrize("point", conformance.names())
    def test_conformance(point):
        conformance.check("mycloud", point)

Without pytest: ``print(conformance.run("mycloud"))`` (a ``Report``; ``.ok`` is
whether every point passed). A ``Session`` shares one front door (one instance)
between several checks: ``with Session("mycloud") as s: s.check("query")``;
``Session("mycloud", style="asgi")``, ``check(..., style="asgi")`` and
``run(..., style="asgi")`` drive the ASGI echo instead.
"""

from __future__ import annotations

import base64
import json
import os
import traceback
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Callable
from urllib.parse import quote

import attrs
from werkzeug.test import Client

from polyfaas import Headers, Request, Response, providers
from polyfaas.platform import (
    FunctionConfig,
    Loss,
    NativeCall,
    Outcome,
    PlatformHalf,
    ProviderFacts,
    instance_environment,
)
from polyfaas.runtime import RuntimeHalf
from polyfaas.testing import PolyfaasClient, client

#: The echo function every front-door point calls (a TARGET any instance can load).
ECHO = "polyfaas.testing.conformance_echo:echo"
#: The same echo as a raw ASGI 3 app served by ``polyfaas.asgi`` (``style="asgi"``).
ASGI_ECHO = "polyfaas.testing.conformance_echo:asgi_echo"
#: The entry styles a session can serve the echo in, and the TARGET of each.
STYLES = {"http": ECHO, "asgi": ASGI_ECHO}
#: The largest body checked on a platform that states no limit, or a large one.
LARGE_BODY = 4 * 1024 * 1024
#: Limits up to this size are also checked from above (a body one byte over).
CHECKED_LIMIT = 8 * 1024 * 1024


class Session:
    """One provider under test: its halves, its facts, and a front door opened on
    first use (one instance, shared by the checks of this session), serving the echo
    in ``style`` (``"http"``: ``ECHO``; ``"asgi"``: ``ASGI_ECHO``)."""

    def __init__(
        self, provider: str, config: FunctionConfig | None = None, *, style: str = "http"
    ) -> None:
        if style not in STYLES:
            raise ValueError(f"unknown echo style {style!r}; the styles: {', '.join(STYLES)}")
        self.provider = provider
        self.style = style
        #: The TARGET the front door serves.
        self.target = STYLES[style]
        self.runtime: RuntimeHalf = providers.runtime_half(provider)
        self.platform: PlatformHalf = providers.platform_half(provider)
        self.facts: ProviderFacts = self.platform.facts
        #: The function's configuration: the front door's (``None``: the test kit's
        #: default), and that of the law's native calls.
        self.config = config
        attribute = self.target.rpartition(":")[2]
        self.call_config = config or FunctionConfig(handler=f"conformance_echo.{attribute}")
        self._front_door: PolyfaasClient | None = None
        self._http: Client | None = None

    def loses(self, loss: str) -> bool:
        """Whether the provider declares ``loss`` (a ``Loss`` name)."""
        return loss in self.facts.losses

    @property
    def http(self) -> Client:
        """A werkzeug client on the provider's front door, serving the session's echo
        (no cookie jar: each request carries exactly the cookies it names)."""
        if self._http is None:
            self._front_door = client(self.target, self.provider, self.config)
            self._http = Client(self._front_door.runner_app, use_cookies=False)
        return self._http

    def echo(self, method: str = "GET", path: str = "/", **options: Any) -> dict[str, Any]:
        """What the echo function saw of one request through the front door."""
        response = self.http.open(path, method=method, **options)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {text}"
        seen: dict[str, Any] = json.loads(text)
        return seen

    def check(self, point: str | Point) -> None:
        """Run one point; an ``AssertionError`` says what differed."""
        found = point if isinstance(point, Point) else get(point)
        found.run(self)

    def close(self) -> None:
        """Stop the front door's instances, if any were started."""
        if self._front_door is not None:
            self._front_door.close()
        self._front_door = self._http = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@attrs.frozen
class Point:
    """One contract point: a name, the level it checks, and the check itself."""

    name: str
    level: str  # "law" (the halves) or "front door"
    run: Callable[[Session], None] = attrs.field(repr=False)

    @property
    def doc(self) -> str:
        """What the point checks (its function's docstring)."""
        return (self.run.__doc__ or "").strip()


_POINTS: list[Point] = []


def _point(name: str, level: str = "front door") -> Callable[[Callable[[Session], None]], Any]:
    def register(function: Callable[[Session], None]) -> Callable[[Session], None]:
        _POINTS.append(Point(name, level, function))
        return function

    return register


# -- expectations, from the facts -----------------------------------------------------


def expected_path(session: Session, path: str, raw_path: str) -> tuple[str, str]:
    """The (path, raw path) the function sees for a request to ``raw_path``."""
    return ("/", "/") if session.loses(Loss.NO_PATH) else (path, raw_path)


def expected_query(session: Session, pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
    """The query pairs the function sees: as sent, in order; on a platform that joins
    repeated keys (``Loss.QUERY_REPEATS_JOINED``: its query is a map), one pair a key,
    its values joined with ``,``, sorted by key."""
    if not session.loses(Loss.QUERY_REPEATS_JOINED):
        return [list(pair) for pair in pairs]
    joined: dict[str, list[str]] = {}
    for key, value in pairs:
        joined.setdefault(key, []).append(value)
    return sorted([key, ",".join(values)] for key, values in joined.items())


def seen_query(session: Session, got: list[list[str]]) -> list[list[str]]:
    """The query the function saw, in the order ``expected_query`` gives."""
    return sorted(got) if session.loses(Loss.QUERY_REPEATS_JOINED) else got


def stripped(session: Session) -> set[str]:
    """The request headers the platform's declared losses take away (lower case)."""
    names = set()
    if session.loses(Loss.NO_COOKIE):
        names.add("cookie")
    if session.loses(Loss.NO_AUTHORIZATION):
        names.add("authorization")
    return names


def expected_set_cookie(session: Session, values: list[str]) -> list[str]:
    """The ``Set-Cookie`` fields the caller receives for ``values``."""
    if session.loses(Loss.SET_COOKIE_JOINED) and len(values) > 1:
        return [", ".join(values)]
    return values


def joined(values: Iterable[str]) -> str:
    """A header's values as one comma-separated field (RFC 9110 §5.3), blanks dropped."""
    return ",".join(values).replace(" ", "")


# -- the round-trip law, at the halves' level --------------------------------------------

#: Canonical requests of the law: every part of a request, plain and awkward.
LAW_REQUESTS = (
    Request("GET", "/"),
    Request(
        "POST",
        "/orders/42",
        query=[("x", "1"), ("x", "2"), ("é", "ü ñ"), ("empty", "")],
        headers=[("Content-Type", "application/json"), ("X-Custom", "one")],
        body=b'{"json": ["v", 1, null]}',
    ),
    Request(
        "PUT",
        "/encoded/slash",
        raw_path="/encoded%2Fslash",
        headers=[("Content-Type", "application/octet-stream")],
        body=bytes(range(256)),
    ),
    Request(
        "DELETE",
        "/ü/✓",
        raw_path="/%C3%BC/%E2%9C%93",
        headers=[("Cookie", "a=1; b=two"), ("Authorization", "Bearer token")],
    ),
    Request(
        "PATCH",
        "/trailing/",
        query=[("amp", "a&b=c+d")],
        headers=[("Content-Type", "text/plain; charset=utf-8"), ("X-Unicode", "ü")],
        body="héllo wörld".encode(),
    ),
)

#: Responses of the law: statuses, repeated fields, empty, text and binary bodies.
LAW_RESPONSES = (
    Response(200, [("Content-Type", "application/json")], b'{"ok": true}'),
    Response(201, [("Content-Type", "text/plain; charset=utf-8"), ("X-Custom", "a value")], "créé"),
    Response(204),
    Response(302, [("Location", "/elsewhere?x=1")]),
    Response(404, [("Content-Type", "text/plain")], b"not here"),
    Response(200, [("Content-Type", "application/octet-stream")], bytes(range(256)) * 4),
    Response(200, [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; HttpOnly")], b"two"),
)


def calls_directly(session: Session, call: NativeCall) -> bool:
    """Whether the native call is a plain function call (checkable in this process)."""
    return call.via is None and not session.facts.runs_server


def assert_request_kept(session: Session, sent: Request, got: dict[str, Any]) -> None:
    """``got`` (the echo's view, or a decoded request's) is ``sent`` but the losses."""
    where = f"{sent.method} {sent.url}"
    assert got["method"] == sent.method, where
    assert (got["path"], got["raw_path"]) == expected_path(session, sent.path, sent.raw_path), where
    query = list(sent.query.items(multi=True))
    assert seen_query(session, got["query"]) == expected_query(session, query), where
    for name in {name.lower() for name in sent.headers} - stripped(session):
        values = got["headers"].get(name, [])
        assert joined(values) == joined(sent.headers.getlist(name)), (where, name, values)
    for name in stripped(session):
        assert name not in got["headers"], (where, f"{name} should be stripped")
    assert base64.b64decode(got["body"]) == sent.body, where


def view(request: Request) -> dict[str, Any]:
    """A decoded request in the echo's terms."""
    return {
        "method": request.method,
        "path": request.path,
        "raw_path": request.raw_path,
        "query": [list(pair) for pair in request.query.items(multi=True)],
        "headers": {name.lower(): request.headers.getlist(name) for name in request.headers},
        "body": base64.b64encode(request.body).decode("ascii"),
    }


def decoded(session: Session, call: NativeCall) -> Any:
    """``runtime.decode`` of a native call, in the instance environment it sets."""
    with instance_environment(call.environ):
        return session.runtime.decode(call.args, dict(call.kwargs))


@_point("law-requests", level="law")
def law_requests(session: Session) -> None:
    """runtime.decode(platform.call(r)) gives back r, but the declared losses.

    The halves' law does not depend on the entry style: with ``style="asgi"`` it is
    checked the same way (the echo, in its style, is reached only where the native
    call goes through the front door)."""
    for sent in LAW_REQUESTS:
        call = session.platform.call(sent, session.call_config)
        if calls_directly(session, call):
            invocation = decoded(session, call)
            assert isinstance(invocation.payload, Request), invocation
            got = view(invocation.payload)
        else:
            got = session.echo(
                sent.method,
                sent.raw_path,
                query_string=sent.query_string,
                headers=list(sent.headers.items()),
                data=sent.body,
            )
        assert_request_kept(session, sent, got)


def assert_response_kept(session: Session, sent: Response, got: Response) -> None:
    """The caller received ``sent``: its status, body and every header it set."""
    assert got.status == sent.status, (sent, got)
    assert got.body == sent.body, (sent.status, got.body[:200])
    for name in {name.lower() for name in sent.headers}:
        values = sent.headers.getlist(name)
        if name == "set-cookie":
            assert got.headers.getlist(name) == expected_set_cookie(session, values), got
        else:
            assert joined(got.headers.getlist(name)) == joined(values), (name, got)


def described(response: Response) -> bytes:
    """A response as the echo's ``respond`` action reads it."""
    headers = [list(pair) for pair in response.headers.items()]
    body = base64.b64encode(response.body).decode("ascii")
    return json.dumps({"status": response.status, "headers": headers, "body": body}).encode()


@_point("law-responses", level="law")
def law_responses(session: Session) -> None:
    """For a response s, the caller receives s (status, body, headers), but the losses.

    The same in every style (see ``law-requests``); through a front door the echo in
    the session's style answers the described response."""
    for sent in LAW_RESPONSES:
        call = session.platform.call(Request("GET", "/"), session.call_config)
        if calls_directly(session, call):
            native = session.runtime.encode(sent, decoded(session, call))
            got = session.platform.receive(Outcome(value=native), call)
        else:
            answer = session.http.post("/?do=respond", data=described(sent))
            got = Response(answer.status_code, list(answer.headers.items()), answer.get_data())
        assert_response_kept(session, sent, got)


# -- the contract points, through the front door -----------------------------------------

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@_point("methods")
def methods(session: Session) -> None:
    """Every method reaches the function as sent."""
    for method in METHODS:
        assert session.echo(method)["method"] == method


@_point("head")
def head(session: Session) -> None:
    """HEAD answers 200 with no body."""
    response = session.http.head("/anything")
    assert response.status_code == 200, response.status_code
    assert response.get_data() == b""


PATHS = (
    ("/plain/path", "/plain/path", "/plain/path"),
    ("/with%20space", "/with space", "/with%20space"),
    ("/encoded%2Fslash", "/encoded/slash", "/encoded%2Fslash"),
    ("/%C3%BC/%E2%9C%93", "/ü/✓", "/%C3%BC/%E2%9C%93"),
    ("/percent%25sign", "/percent%sign", "/percent%25sign"),
    ("/trailing/", "/trailing/", "/trailing/"),
)


@_point("paths")
def paths(session: Session) -> None:
    """Paths arrive decoded, and raw as sent (%2F told from /, unicode, %25)."""
    for sent, path, raw_path in PATHS:
        seen = session.echo(path=sent)
        assert (seen["path"], seen["raw_path"]) == expected_path(session, path, raw_path), sent


QUERY = (("x", "1"), ("x", "2"), ("é", "ü ñ"), ("empty", ""), ("amp", "a&b=c+d"))


@_point("query")
def query(session: Session) -> None:
    """Query pairs arrive decoded, in order, repeats kept."""
    seen = session.echo(query_string="&".join(f"{quote(k)}={quote(v)}" for k, v in QUERY))
    assert seen_query(session, seen["query"]) == expected_query(session, QUERY)


@_point("headers")
def headers(session: Session) -> None:
    """Repeated and non-ASCII header fields arrive (a WSGI front door joins repeats)."""
    seen = session.echo(
        headers=[
            ("X-Custom", "one"),
            ("X-Custom", "two"),
            ("X-Unique", "ü".encode().decode("latin-1")),
        ]
    )
    assert joined(seen["headers"]["x-custom"]) == "one,two", seen["headers"]
    assert seen["headers"]["x-unique"] == ["ü"], seen["headers"]


@_point("authorization")
def authorization(session: Session) -> None:
    """Authorization arrives, unless the platform strips it."""
    seen = session.echo(headers={"Authorization": "Bearer token"})
    expected = [] if session.loses(Loss.NO_AUTHORIZATION) else ["Bearer token"]
    assert seen["headers"].get("authorization", []) == expected


@_point("cookies")
def cookies(session: Session) -> None:
    """Cookies arrive as pairs, in order, unless the platform strips them."""
    seen = session.echo(headers={"Cookie": "first=1; second=two"})
    expected = [] if session.loses(Loss.NO_COOKIE) else [["first", "1"], ["second", "two"]]
    assert seen["cookies"] == expected


BODIES = (
    (b"", None),
    ("héllo wörld".encode(), "text/plain; charset=utf-8"),
    (b'{"json": ["v", 1, null]}', "application/json"),
    (b"a=1&b=%C3%BC", "application/x-www-form-urlencoded"),
    (bytes(range(256)), "application/octet-stream"),
    (os.urandom(1024 * 1024), "application/octet-stream"),
)


@_point("request-bodies")
def request_bodies(session: Session) -> None:
    """Empty, text, JSON, form, binary and 1 MiB bodies arrive byte for byte (those
    within the body size that must pass: a platform with a 1 MB limit takes no 1 MiB)."""
    for body, content_type in BODIES:
        if len(body) > accepted_body_size(session.facts):
            continue
        headers = {"Content-Type": content_type} if content_type else {}
        seen = session.echo("POST", data=body, headers=headers)
        assert base64.b64decode(seen["body"]) == body, (len(body), content_type)


def accepted_body_size(facts: ProviderFacts) -> int:
    """The body size that must pass: half the platform's limit, at most ``LARGE_BODY``."""
    limit = facts.max_request_body
    return LARGE_BODY if limit is None else min(limit // 2, LARGE_BODY)


@_point("body-limit")
def body_limit(session: Session) -> None:
    """A body well within facts.max_request_body passes; one byte over it is refused
    with facts.too_large_status (checked for limits up to 8 MiB)."""
    body = os.urandom(accepted_body_size(session.facts))
    assert base64.b64decode(session.echo("POST", data=body)["body"]) == body
    limit = session.facts.max_request_body
    if limit is not None and limit <= CHECKED_LIMIT:
        over = session.http.post("/", data=os.urandom(limit + 1))
        assert over.status_code == session.facts.too_large_status, over.status_code


@_point("no-content")
def no_content(session: Session) -> None:
    """A handler's None is 204 with no body."""
    response = session.http.get("/?do=no-content")
    assert response.status_code == 204, response.status_code
    assert response.get_data() == b""


@_point("several-set-cookie")
def several_set_cookie(session: Session) -> None:
    """Several Set-Cookie reach the caller as several fields (or joined, if declared)."""
    response = session.http.get("/?do=set-cookies")
    sent = ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers.getlist("Set-Cookie") == expected_set_cookie(session, sent)


@_point("binary-response")
def binary_response(session: Session) -> None:
    """A bytes answer reaches the caller byte for byte."""
    response = session.http.get("/?do=binary")
    assert response.status_code == 200, response.status_code
    assert response.get_data() == bytes(range(256))


@_point("http-error")
def http_error(session: Session) -> None:
    """polyfaas.HTTPError becomes its status and message."""
    response = session.http.get("/?do=http-error")
    assert response.status_code == 418, response.status_code
    assert response.get_data(as_text=True) == "short and stout"


@_point("unhandled-exception")
def unhandled_exception(session: Session) -> None:
    """An exception is facts.unhandled_status, marked with facts.failure_header."""
    response = session.http.get("/?do=unhandled")
    assert response.status_code == session.facts.unhandled_status, response.status_code
    header = session.facts.failure_header
    if header is not None:
        assert header in response.headers, list(response.headers)


@_point("init-hook-once-per-instance")
def init_hook_once(session: Session) -> None:
    """The init hook ran once before the first call, not again; each call its own id
    (``style="asgi"``: the app's lifespan startup, which ``polyfaas.asgi`` runs where
    the init hook runs)."""
    first, second = session.echo(), session.echo()
    assert first["init_calls"] == second["init_calls"] == 1, (first, second)
    assert first["request_id"] != second["request_id"]


@_point("secret-headers-masked")
def secret_headers_masked(session: Session) -> None:
    """Every header of facts.secret_headers is masked in repr(polyfaas.Headers(...))."""
    secret = "conformance-secret-value"
    for name in session.facts.secret_headers:
        for spelling in (name, name.upper(), name.title()):
            shown = repr(Headers([(spelling, secret)]))
            assert secret not in shown, f"{spelling} is shown: {shown}"


@_point("losses-declared")
def losses_declared(session: Session) -> None:
    """Declared losses are Loss names, each with a reason (what the platform does, and
    where it says so: at least 40 characters)."""
    for loss, reason in session.facts.losses.items():
        assert loss in Loss.ALL, f"{loss!r} is not a polyfaas.platform.Loss name"
        assert len(reason.strip()) >= 40, f"{loss}: the reason is too short: {reason!r}"


def _round_trip_point() -> None:
    try:
        from hypothesis import given, settings
        from hypothesis import strategies as st
    except ImportError:  # the point exists where hypothesis is installed
        return

    segment = st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/?#"),
        min_size=1,
        max_size=8,
    )
    value = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10)
    requests = st.builds(
        lambda method, segments, pairs, body: Request(
            method,
            "/" + "/".join(segments),
            raw_path="/" + "/".join(quote(s, safe="") for s in segments),
            query=pairs,
            headers=[("Content-Type", "application/octet-stream")] if body else [],
            body=body,
        ),
        st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
        st.lists(segment, max_size=3),
        st.lists(st.tuples(segment, value), max_size=3, unique_by=lambda pair: pair[0]),
        st.binary(max_size=512),
    )

    @_point("hypothesis-round-trip")
    def hypothesis_round_trip(session: Session) -> None:
        """Generated methods, paths, queries and bodies survive the front door."""

        @settings(max_examples=40, deadline=None, database=None)
        @given(requests)
        def round_trip(sent: Request) -> None:
            seen = session.echo(
                sent.method,
                sent.raw_path,
                query_string=sent.query_string,
                headers=list(sent.headers.items()),
                data=sent.body,
            )
            assert_request_kept(session, sent, seen)

        round_trip()


_round_trip_point()

#: Every point, in the order ``run`` checks them.
POINTS: tuple[Point, ...] = tuple(_POINTS)


def names() -> list[str]:
    """The names of every point (what ``check`` takes)."""
    return [point.name for point in POINTS]


def get(name: str) -> Point:
    """The point called ``name``."""
    for point in POINTS:
        if point.name == name:
            return point
    raise KeyError(f"no conformance point {name!r}; the points: {', '.join(names())}")


def check(
    provider: str, point: str | Point, config: FunctionConfig | None = None, *, style: str = "http"
) -> None:
    """Check one point against ``provider`` (a fresh session serving the echo in
    ``style``); ``AssertionError`` if it does not hold."""
    with Session(provider, config, style=style) as session:
        session.check(point)


@attrs.frozen
class Result:
    """How one point went: ``error`` is empty when it held."""

    point: str
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error


@attrs.frozen
class Report:
    """Every point's result for one provider."""

    provider: str
    results: tuple[Result, ...]

    @property
    def ok(self) -> bool:
        """Whether every point held."""
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[Result]:
        return [result for result in self.results if not result.passed]

    def __iter__(self) -> Iterator[Result]:
        return iter(self.results)

    def __str__(self) -> str:
        lines = [
            f"conformance of {self.provider!r}: {len(self.results) - len(self.failures)}"
            f"/{len(self.results)} points hold"
        ]
        for result in self.results:
            lines.append(f"  {'ok  ' if result.passed else 'FAIL'} {result.point}")
            if result.error:
                lines.extend(f"       {line}" for line in result.error.rstrip().splitlines())
        return "\n".join(lines)


def run(
    provider: str,
    points: Iterable[str] | None = None,
    config: FunctionConfig | None = None,
    *,
    style: str = "http",
) -> Report:
    """Check every point (or those named) against ``provider`` in one session serving
    the echo in ``style``."""
    chosen = POINTS if points is None else tuple(get(name) for name in points)
    results = []
    with Session(provider, config, style=style) as session:
        for point in chosen:
            try:
                point.run(session)
            except Exception as exc:  # a failed point is reported, the others still run
                detail = "".join(traceback.format_exception_only(type(exc), exc))
                results.append(Result(point.name, detail.strip() or type(exc).__name__))
            else:
                results.append(Result(point.name))
    return Report(provider, tuple(results))


__all__ = [
    "ASGI_ECHO",
    "ECHO",
    "LAW_REQUESTS",
    "LAW_RESPONSES",
    "POINTS",
    "Point",
    "Report",
    "Result",
    "STYLES",
    "Session",
    "check",
    "get",
    "names",
    "run",
]
