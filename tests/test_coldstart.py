"""Nothing heavy on the runtime path (the cold-start budget): checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# (inspect is left out: attrs itself imports it)
HEAVY = {
    "werkzeug",
    "importlib.metadata",
    "argparse",
    "asyncio",
    "logging",
    "uuid",
    "polyfaas._native",
}


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
