"""Nothing heavy on the runtime path (the cold-start budget): checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

# (inspect is left out: attrs itself imports it)
HEAVY = {
    "werkzeug",
    "importlib.metadata",
    "argparse",
    "asyncio",
    "logging",
    "uuid",
    "polyfaas._native",
    # polyfaas.storage and the SDKs of its stores: only a function that opens a bucket.
    "polyfaas.storage",
    "oss2",
    "boto3",
    "botocore",
}


#: A stand-in for the Yandex runtime's context object (its attributes, not our class),
#: for the scripts below (indented as they are: ``modules_after`` dedents them).
YANDEX_CONTEXT = """class Context:
            request_id = "r1"
            deadline_ms = 4102444800000
            invoked_function_arn = function_name = "d4e0123456789abcdefg"
            function_version = "v1"
            memory_limit_in_mb = 128
            token = None"""


def modules_after(code: str) -> set[str]:
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_import_and_decorate_stay_light():
    loaded = modules_after(
        """
        import polyfaas

        @polyfaas.http
        def handler(request, context):
            return {"ok": True}

        @polyfaas.event
        def on_event(event, context):
            return None
        """
    )
    assert "polyfaas" in loaded
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_first_local_call_stays_light():
    loaded = modules_after(
        """
        import polyfaas

        @polyfaas.http
        def handler(request, context):
            return {"ok": True}

        assert handler(polyfaas.Request()).status == 200
        """
    )
    assert not loaded & {"werkzeug", "importlib.metadata", "argparse", "asyncio"}
    # A synchronous handler needs neither the async runner nor the re-exporting module
    # of the response normalisation (each module costs a cold start ~0.5M instructions).
    assert not loaded & {"polyfaas._aio", "polyfaas._normalize"}, sorted(loaded)


def test_async_handler_still_runs_after_lazy_aio():
    loaded = modules_after(
        """
        import polyfaas

        @polyfaas.http
        async def handler(request, context):
            return {"ok": True}

        assert handler(polyfaas.Request()).status == 200
        """
    )
    assert "polyfaas._aio" in loaded


def test_wsgi_entry_does_not_need_werkzeug():
    loaded = modules_after(
        """
        import polyfaas

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]

        entry = polyfaas.wsgi(app)
        assert entry(polyfaas.Request()).body == b"ok"
        """
    )
    assert "werkzeug" not in loaded
    assert "importlib.metadata" not in loaded


def test_an_http_call_never_creates_the_event_classes():
    # Event and EventBatch are created on first use (two attrs classes of cold start):
    # a deployed HTTP function's first call (here Yandex's own sample) never names them.
    sample = Path(__file__).resolve().parent.parent / "adapters/polyfaas_yandex/samples/http.json"
    loaded = modules_after(
        f"""
        import json
        import polyfaas

        @polyfaas.http
        def handler(request, context):
            return {{"ok": True}}

        {YANDEX_CONTEXT}

        with open({str(sample)!r}, encoding="utf-8") as f:
            event = json.load(f)
        assert handler(event, Context())["statusCode"] == 200
        """
    )
    assert "polyfaas_yandex.function" in loaded
    assert "polyfaas._event_model" not in loaded
    assert "polyfaas._credentials" not in loaded  # no token: no Credentials class


def test_the_event_classes_are_there_when_named():
    loaded = modules_after(
        """
        import polyfaas
        from polyfaas import EventBatch
        from polyfaas._event import Event

        assert polyfaas.Event is Event
        assert EventBatch([Event(id="a")]).events[0] == Event(id="a")
        assert "Event" in polyfaas.__all__
        """
    )
    assert "polyfaas._event_model" in loaded


def test_an_http_call_answering_a_dict_never_imports_json():
    # The json package compiles six regular expressions on import (~5M instructions);
    # a Yandex event arrives as a dict and a dict answer is written by _json's encoder.
    sample = Path(__file__).resolve().parent.parent / "adapters/polyfaas_yandex/samples/http.json"
    event = json.loads(sample.read_text(encoding="utf-8"))
    loaded = modules_after(
        f"""
        import polyfaas

        @polyfaas.http
        def handler(request, context):
            return {{"ok": True, "path": request.path}}

        {YANDEX_CONTEXT}

        import sys
        result = handler({event!r}, Context())
        assert result["statusCode"] == 200, result
        assert '"ok":true' in result["body"], result
        assert "json" not in sys.modules
        """
    )
    assert "polyfaas_yandex.function" in loaded


def test_credentials_are_there_when_named():
    loaded = modules_after(
        """
        import polyfaas
        from polyfaas import Credentials
        from polyfaas._context import Context, Credentials as FromContext

        assert polyfaas.Credentials is Credentials is FromContext
        assert Context(credentials=Credentials(token="t")).credentials.token == "t"
        assert "s3cr3t" not in repr(Credentials(token="s3cr3t"))
        """
    )
    assert "polyfaas._credentials" in loaded
