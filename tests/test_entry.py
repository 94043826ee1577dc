"""Handler styles, return normalisation, the init hook, async handlers, detection."""

from __future__ import annotations

import asyncio
import threading

import attrs
import pytest
import werkzeug.exceptions
import werkzeug.wrappers
from hypothesis import given
from hypothesis import strategies as st

import polyfaas
from polyfaas import Context, Event, EventBatch, EventType, Request, Response
from polyfaas._entry import payload_data
from polyfaas._normalize import to_response
from polyfaas.errors import (
    EventFormatError,
    HTTPError,
    ProviderNotFoundError,
    ResponseFormatError,
    UnknownCallError,
)
from polyfaas.runtime import Invocation


class TestNormalisation:
    def test_response_as_is(self):
        response = Response(201, {"X-A": "1"}, b"x")
        assert to_response(response) is response

    @pytest.mark.parametrize(
        ("value", "status", "content_type", "body"),
        [
            ({"a": 1}, 200, "application/json", b'{"a":1}'),
            ([1, "é"], 200, "application/json", '[1,"é"]'.encode()),
            ("héllo", 200, "text/plain; charset=utf-8", "héllo".encode()),
            (b"\x00\xff", 200, "application/octet-stream", b"\x00\xff"),
            (bytearray(b"ab"), 200, "application/octet-stream", b"ab"),
            (None, 204, None, b""),
        ],
    )
    def test_values(self, value, status, content_type, body):
        response = to_response(value)
        assert (response.status, response.content_type, response.body) == (
            status,
            content_type,
            body,
        )

    def test_http_error_value(self):
        assert to_response(HTTPError(418, "teapot")).status == 418

    def test_werkzeug_response_and_exception(self):
        wz = werkzeug.wrappers.Response(
            "hi", 202, headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
        )
        response = to_response(wz)
        assert response.status == 202
        assert response.body == b"hi"
        assert response.headers.getlist("set-cookie") == ["a=1", "b=2"]
        assert to_response(werkzeug.exceptions.NotFound()).status == 404

    @pytest.mark.parametrize("value", [42, 1.5, object(), {1, 2}, ("a", 1)])
    def test_unencodable(self, value):
        with pytest.raises(ResponseFormatError, match=r"return a polyfaas\.Response"):
            to_response(value)

    def test_unencodable_json(self):
        with pytest.raises(ResponseFormatError, match="unencodable JSON"):
            to_response({"a": object()})


class TestHttpEntry:
    def test_decorator_keeps_identity(self):
        @polyfaas.http
        def handler(request: Request, context: Context) -> str:
            """Say hello."""
            return "hi"

        assert isinstance(handler, polyfaas.Entry)
        assert handler.__name__ == "handler"
        assert handler.__doc__ == "Say hello."
        assert handler.kind == "http"
        assert "handler" in repr(handler)

    def test_canonical_call_is_local(self):
        @polyfaas.http
        def handler(request, context):
            return {"path": request.path, "provider": context.provider}

        response = handler(Request("GET", "/x"))
        assert response.json() == {"path": "/x", "provider": "local"}
        given = Context(provider="local", request_id="rid")
        assert handler(Request(), given).status == 200

    def test_errors_become_responses_others_propagate(self):
        @polyfaas.http
        def handler(request, context):
            if request.path == "/http":
                raise HTTPError(403, "no")
            if request.path == "/werkzeug":
                raise werkzeug.exceptions.BadRequest()
            if request.path == "/json":
                return request.json()
            raise RuntimeError("boom")

        assert handler(Request(path="/http")).status == 403
        assert handler(Request(path="/werkzeug")).status == 400
        assert handler(Request(path="/json", body=b"{")).status == 400
        with pytest.raises(RuntimeError, match="boom"):
            handler(Request(path="/other"))

    def test_async_handler(self):
        seen_loops = []

        @polyfaas.http
        async def handler(request, context):
            await asyncio.sleep(0)
            seen_loops.append(asyncio.get_running_loop())
            return "async"

        assert handler(Request()).text == "async"
        assert handler(Request()).text == "async"
        # one loop per instance: clients bound to it survive between calls
        assert seen_loops[0] is seen_loops[1]

    def test_async_handler_called_from_a_running_loop(self):
        @polyfaas.http
        async def handler(request, context):
            return "nested"

        async def caller():
            return handler(Request())

        assert asyncio.run(caller()).text == "nested"

    def test_http_handler_refuses_events(self):
        @polyfaas.http
        def handler(request, context):
            return "never"

        with pytest.raises(EventFormatError, match=r"polyfaas\.timer"):
            handler(Event(type=EventType.TIMER))


class TestEventEntry:
    def test_event_value_is_returned_as_is(self):
        @polyfaas.event
        def on_event(event, context):
            return {"type": event.type, "data": event.data}

        assert on_event(Event(type=EventType.TIMER, data="p")) == {
            "type": EventType.TIMER,
            "data": "p",
        }

    def test_batch_calls_once_per_event_in_order(self):
        seen = []

        @polyfaas.event
        def on_event(event, context):
            seen.append(event.data)
            return event.data * 2

        batch = EventBatch([Event(data=1), Event(data=2), Event(data=3)])
        assert on_event(batch) == [2, 4, 6]
        assert seen == [1, 2, 3]

    def test_batch_failure_fails_whole_call(self):
        @polyfaas.event
        def on_event(event, context):
            if event.data == 2:
                raise ValueError("bad message")
            return event.data

        with pytest.raises(ValueError, match="bad message"):
            on_event(EventBatch([Event(data=1), Event(data=2), Event(data=3)]))

    def test_event_handler_behind_http_gets_direct_event(self):
        @polyfaas.event
        def on_event(event, context):
            return {"type": event.type, "data": event.data}

        response = on_event(Request("POST", body=b'{"key": "value"}'))
        assert response.json() == {"type": EventType.DIRECT, "data": {"key": "value"}}

    def test_http_error_from_an_event_handler_behind_http(self):
        @polyfaas.event
        def on_event(event, context):
            raise HTTPError(422, "bad payload")

        response = on_event(Request("POST", body=b"{}"))
        assert (response.status, response.text) == (422, "bad payload")

    @pytest.mark.parametrize(
        ("raw", "content_type", "data"),
        [
            (b"", None, None),
            (b'{"a": 1}', None, {"a": 1}),
            (b"123", None, 123),
            (b"123", "text/plain", "123"),
            (b"plain", None, "plain"),
            (b"\xff\x00", None, b"\xff\x00"),
            (b"{bad", "application/json", "{bad"),
        ],
    )
    def test_payload_data(self, raw, content_type, data):
        assert payload_data(raw, content_type) == data


class TestInitHook:
    def test_runs_once_before_first_call(self):
        calls: list[object] = []

        @polyfaas.http
        def handler(request, context):
            calls.append("call")
            return "ok"

        @handler.init
        def setup(context):
            calls.append(("init", context.provider))

        assert not handler.initialized
        handler(Request())
        handler(Request())
        assert calls == [("init", "local"), "call", "call"]
        assert handler.initialized

    def test_keyword_form_and_async_hook(self):
        state = {}

        async def setup(context):
            await asyncio.sleep(0)
            state["client"] = "connected"

        @polyfaas.http(init=setup)
        def handler(request, context):
            return state["client"]

        assert handler(Request()).text == "connected"

    def test_failed_init_is_retried_on_next_call(self):
        attempts = []

        def setup(context):
            attempts.append(1)
            if len(attempts) == 1:
                raise ConnectionError("database down")

        @polyfaas.event(init=setup)
        def on_event(event, context):
            return "ran"

        with pytest.raises(ConnectionError):
            on_event(Event())
        assert on_event(Event()) == "ran"
        assert len(attempts) == 2

    def test_platform_initializer_runs_it_once(self):
        attempts = []
        handler = polyfaas.http(
            lambda request, context: "ok", init=lambda context: attempts.append(1)
        )
        handler.run_init(Context())
        handler.run_init(Context())
        handler(Request())
        assert attempts == [1]

    def test_concurrent_first_calls_run_it_once(self):
        attempts = []
        gate = threading.Event()

        def setup(context):
            gate.wait(1)
            attempts.append(1)

        handler = polyfaas.http(lambda request, context: "ok", init=setup)
        threads = [threading.Thread(target=handler, args=(Request(),)) for _ in range(8)]
        for thread in threads:
            thread.start()
        gate.set()
        for thread in threads:
            thread.join()
        assert attempts == [1]


class TestDetection:
    def test_unknown_call_names_what_it_saw(self):
        handler = polyfaas.http(lambda request, context: "ok")
        with pytest.raises(UnknownCallError) as raised:
            handler({"strange": 1, "keys": 2}, object())
        message = str(raised.value)
        assert "dict, object" in message
        assert "['keys', 'strange']" in message
        assert "POLYFAAS_PROVIDER" in message
        assert isinstance(raised.value, TypeError)

    def test_unknown_bytes_call(self, monkeypatch):
        for name in ("FC_FUNCTION_NAME", "FC_REGION", "POLYFAAS_PROVIDER"):
            monkeypatch.delenv(name, raising=False)
        handler = polyfaas.http(lambda request, context: "ok")
        with pytest.raises(UnknownCallError, match="12-byte payload"):
            handler(b"not-a-cloud!", "context")

    def test_forced_provider(self, monkeypatch):
        handler = polyfaas.http(lambda request, context: "ok")
        monkeypatch.setenv("POLYFAAS_PROVIDER", "local")
        with pytest.raises(UnknownCallError, match="local provider takes"):
            handler({"httpMethod": "GET"}, object())
        # a canonical request is unambiguous whatever the variable says
        monkeypatch.setenv("POLYFAAS_PROVIDER", "no-such-cloud")
        assert handler(Request()).status == 200
        with pytest.raises(ProviderNotFoundError, match="no-such-cloud"):
            handler({"httpMethod": "GET"}, object())


class TestAsyncHandlersSideBySide:
    """Two ``async def`` calls served at once by two threads (``--concurrency``, a
    threaded server) each run on their own thread's loop: one loop cannot run twice."""

    def test_two_threads_each_run_an_async_handler(self):
        import asyncio
        import threading

        both_inside = threading.Barrier(2, timeout=5)

        @polyfaas.http
        async def handler(request, context):
            await asyncio.sleep(0)
            # Both calls are inside their loops at the same time before either returns.
            await asyncio.get_running_loop().run_in_executor(None, both_inside.wait)
            return {"thread": threading.current_thread().name}

        answers: list[polyfaas.Response] = []
        errors: list[BaseException] = []

        def call() -> None:
            try:
                answers.append(handler(polyfaas.Request()))
            except BaseException as exc:  # the failure under test: "already running"
                errors.append(exc)

        threads = [threading.Thread(target=call, name=f"caller-{n}") for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert errors == []
        assert sorted(a.json()["thread"] for a in answers) == ["caller-0", "caller-1"]


class TestInvocationConstructor:
    """``Invocation(...)`` stores its values through the slots' setters; what attrs'
    own ``__init__`` (``__attrs_init__``) stores for the same values."""

    @given(
        st.sampled_from([Request(), Response()]),
        st.builds(Context, request_id=st.text(max_size=8)),
        st.tuples() | st.tuples(st.integers(), st.text(max_size=4)),
        st.booleans(),
    )
    def test_same_as_attrs_init(self, payload, context, native, by_keyword):
        fast = (
            Invocation(payload, context, native=native)
            if by_keyword
            else (Invocation(payload, context, native))
        )
        validated = object.__new__(Invocation)
        validated.__attrs_init__(payload, context, native)
        assert type(fast) is Invocation
        assert fast == validated
        assert repr(fast) == repr(validated)
        assert (fast.payload, fast.context, fast.native) == (payload, context, native)
        assert Invocation(payload, context).native == ()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            fast.native = ()  # type: ignore[misc]


def test_provider_override_is_read_live_between_calls(monkeypatch):
    @polyfaas.http
    def handler(request, context):
        return context.provider

    assert handler(Request()).body == b"local"
    monkeypatch.setenv("POLYFAAS_PROVIDER", "no-such-cloud")
    with pytest.raises(ProviderNotFoundError):
        handler({"httpMethod": "GET"}, object())
    monkeypatch.delenv("POLYFAAS_PROVIDER")
    with pytest.raises(UnknownCallError):
        handler({"nothing": "known"}, object())
