"""The ASGI bridge in-process: the scope a canonical request becomes, the messages an
app answers with, the lifespan protocol, background work and concurrent calls."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import polyfaas
from polyfaas._response import collected
from polyfaas.asgi_bridge import ASGIHandler, Lifespan, scope_from_request
from polyfaas.errors import LifespanError, ResponseFormatError

CONTEXT = polyfaas.Context(provider="local", request_id="r-1")


def _request(**fields: Any) -> polyfaas.Request:
    return polyfaas.Request(**fields)


def test_scope_carries_every_key_of_the_http_spec() -> None:
    request = _request(
        method="post",
        path="/api/caf\u00e9/a/b",
        raw_path="/api/caf%C3%A9/a%2Fb",
        query=[("q", "1"), ("q", "2 3")],
        headers=[("Host", "example.com:8443"), ("X-Many", "a"), ("x-many", "b")],
        body=b"{}",
        client_ip="203.0.113.9",
        scheme="https",
        base_path="/api",
    )
    scope = scope_from_request(request, CONTEXT, state={"pool": 1})
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "POST"
    assert scope["scheme"] == "https"
    assert scope["path"] == "/api/caf\u00e9/a/b"  # decoded, root path included
    assert scope["root_path"] == "/api"
    assert scope["raw_path"] == b"/api/caf%C3%A9/a%2Fb"
    assert scope["query_string"] == b"q=1&q=2%203"
    assert scope["headers"] == [
        (b"host", b"example.com:8443"),
        (b"x-many", b"a"),
        (b"x-many", b"b"),
    ]
    assert scope["client"] == ("203.0.113.9", 0)
    assert scope["server"] == ("example.com", 8443)
    assert scope["state"] == {"pool": 1}
    assert scope["polyfaas.request"] is request
    assert scope["polyfaas.context"] is CONTEXT


def test_scope_adds_host_and_defaults_the_port_by_scheme() -> None:
    scope = scope_from_request(_request(host="[::1]", scheme="https"))
    assert (b"host", b"[::1]") in scope["headers"]
    assert scope["server"] == ("[::1]", 443)
    assert scope["client"] is None
    assert "state" not in scope


def test_scope_root_path_only_when_the_path_is_under_it() -> None:
    scope = scope_from_request(_request(path="/other", base_path="/api"))
    assert scope["root_path"] == ""


def test_non_ascii_header_values_travel_as_utf8_bytes() -> None:
    scope = scope_from_request(_request(headers={"X-Name": "J\u00fcrgen"}))
    assert (b"x-name", "J\u00fcrgen".encode()) in scope["headers"]


def test_a_lone_surrogate_in_a_header_travels_as_its_bytes() -> None:
    scope = scope_from_request(_request(headers=[("X-Odd", "a\udcff"), ("X-Fine", "b")]))
    assert scope["headers"][:2] == [(b"x-odd", b"a\xed\xb3\xbf"), (b"x-fine", b"b")]


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    message = await receive()
    body = message["body"]
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [
                (b"content-type", b"application/octet-stream"),
                (b"set-cookie", b"a=1"),
                (b"set-cookie", b"b=2"),
                (b"x-name", "J\u00fcrgen".encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body[:2], "more_body": True})
    await send({"type": "http.response.body", "body": body[2:]})
    await send({"type": "http.response.body", "body": b"ignored"})


def test_an_app_answer_becomes_a_response_with_repeats_kept() -> None:
    streamed = ASGIHandler(_echo)(_request(method="POST", body=b"\x00\xffbinary"), CONTEXT)
    assert streamed.streamed  # two body messages: a streamed body
    response = collected(streamed)
    assert response.status == 201
    assert response.body == b"\x00\xffbinary"
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["x-name"] == "J\u00fcrgen"


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([], "without sending a complete response"),
        ([{"type": "http.response.body", "body": b"x"}], "before http.response.start"),
        ([{"type": "http.response.start", "status": 200}] * 2, "twice"),
        ([{"type": "http.response.start", "status": "200"}], "malformed status"),
        ([{"type": "http.response.start", "status": 200, "headers": [("a", "b")]}], "byte pairs"),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.body", "body": "text"},
            ],
            "not bytes",
        ),
        ([{"type": "websocket.accept"}], "unexpected message"),
        ([{"status": 200}], "without a 'type'"),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.body", "more_body": True},
            ],
            "complete response",
        ),
    ],
)
def test_malformed_answers_are_response_format_errors(messages: list[Any], error: str) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(ResponseFormatError, match=error):
        collected(ASGIHandler(app)(_request(), CONTEXT))


def test_an_app_that_raises_before_answering_fails_the_call() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        ASGIHandler(app)(_request(), CONTEXT)


def test_an_error_after_the_answer_is_logged_and_the_answer_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"done"})
        raise RuntimeError("background task failed")

    response = ASGIHandler(app)(_request(), CONTEXT)
    assert response.body == b"done"
    assert "raised after its response was complete" in caplog.text
    assert "background task failed" in caplog.text


def test_work_after_the_answer_finishes_before_the_call_returns() -> None:
    done: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        import asyncio

        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"early"})
        await asyncio.sleep(0.05)
        done.append("background")

    assert ASGIHandler(app)(_request(), CONTEXT).body == b"early"
    assert done == ["background"]


def test_receive_after_the_body_waits_for_the_answer_then_disconnects() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        import asyncio

        await receive()

        async def listen() -> None:
            seen.append((await receive())["type"])

        listener = asyncio.ensure_future(listen())
        await asyncio.sleep(0.01)
        assert not seen  # no disconnect while the answer is being written
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body"})
        await listener

    assert ASGIHandler(app)(_request(), CONTEXT).status == 204
    assert seen == ["http.disconnect"]


def _lifespan_app(log: list[str], *, fail: bool = False) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    if fail:
                        await send({"type": "lifespan.startup.failed", "message": "no database"})
                        return
                    scope["state"]["pool"] = "ready"
                    log.append("startup")
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    log.append("shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": scope["state"]["pool"].encode()})

    return app


def test_lifespan_startup_state_reaches_each_call_and_shutdown_runs_once() -> None:
    log: list[str] = []
    handler = ASGIHandler(_lifespan_app(log))
    handler.startup()
    assert handler(_request(), CONTEXT).body == b"ready"
    assert handler(_request(), CONTEXT).body == b"ready"
    handler.shutdown()
    handler.shutdown()
    assert log == ["startup", "shutdown"]


def test_a_failed_startup_is_a_lifespan_error() -> None:
    handler = ASGIHandler(_lifespan_app([], fail=True))
    with pytest.raises(LifespanError, match="no database"):
        handler.startup()


def test_an_app_without_lifespan_support_is_served_without_it() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"unsupported scope {scope['type']}")
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"plain"})

    handler = ASGIHandler(app)
    handler.startup()
    assert handler.lifespan.supported is False
    assert handler(_request(), CONTEXT).body == b"plain"
    handler.shutdown()  # nothing to shut down: no error


def test_lifespan_that_returns_at_once_is_unsupported() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        return

    lifespan = Lifespan(app)
    handler = ASGIHandler(app)
    handler.startup()
    assert handler.lifespan.supported is False
    assert lifespan.supported is None


def test_calls_from_several_threads_run_side_by_side_on_one_loop() -> None:
    loops: set[int] = set()
    in_flight = threading.Semaphore(0)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        import asyncio

        loops.add(id(asyncio.get_running_loop()))
        in_flight.release()
        await asyncio.sleep(0.3)
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"ok"})

    handler = ASGIHandler(app)
    answers: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: answers.append(handler(_request(), CONTEXT).body))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for _ in threads:  # all four are in the app at once: none waits for another
        assert in_flight.acquire(timeout=5)
    for thread in threads:
        thread.join(5)
    assert answers == [b"ok"] * 4
    assert len(loops) == 1


def test_a_caller_inside_a_running_loop_is_served_on_the_instance_loop() -> None:
    import asyncio

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"served"})

    handler = ASGIHandler(app)

    async def caller() -> bytes:
        return handler(_request(), CONTEXT).body  # a sync call from inside a loop

    assert asyncio.run(caller()) == b"served"
    assert handler.loop.threaded  # its loop moved to its own thread
    assert handler(_request(), CONTEXT).body == b"served"  # and stays there


def test_one_call_at_a_time_runs_on_the_calling_thread() -> None:
    threads: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        threads.append(threading.current_thread().name)
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b""})

    handler = ASGIHandler(app)
    handler(_request(), CONTEXT)
    handler(_request(), CONTEXT)
    assert threads == [threading.current_thread().name] * 2
    assert not handler.loop.threaded
