"""``asyncio`` is imported only when an ASGI or async handler is used (issue 16, item 6),
checked in a fresh interpreter each: the first HTTP call of a sync ``@polyfaas.http``
handler and of a ``polyfaas.wsgi`` app (canonical, direct Yandex, Yandex API Gateway)
does not import it, nor does ``import polyfaas`` + ``polyfaas.asgi(app)`` (the loop is
made on the first call), which the first call then does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_coldstart import YANDEX_CONTEXT, modules_after

SAMPLES = Path(__file__).resolve().parent.parent / "adapters/polyfaas_yandex/samples"

#: (name, the call's script: ``handler`` answers it) for each surface a call arrives on.
CALLS = {
    "local": "assert handler(polyfaas.Request('POST', '/x', body=b'{}')).status == 200",
    "yandex": (
        "{context}\nevent = {event!r}\nassert handler(event, Context())['statusCode'] == 200"
    ),
    "yandex-gateway": (
        "{context}\nevent = {gateway!r}\nassert handler(event, Context())['statusCode'] == 200"
    ),
}

HTTP = """
import polyfaas

@polyfaas.http
def handler(request, context):
    return {"ok": True, "path": request.path}
"""

WSGI = """
import polyfaas

def app(environ, start_response):
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"ok": true}']

handler = polyfaas.wsgi(app)
"""

ASGI = """
import polyfaas

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})

handler = polyfaas.asgi(app)
"""


def _call(surface: str) -> str:
    event = json.loads((SAMPLES / "http.json").read_text(encoding="utf-8"))
    gateway = json.loads((SAMPLES / "gateway-v0.json").read_text(encoding="utf-8"))
    context = "\n".join(
        line.strip() if i == 0 else line[8:] for i, line in enumerate(YANDEX_CONTEXT.splitlines())
    )
    return (
        CALLS[surface]
        .replace("{context}", context)
        .replace("{event!r}", repr(event))
        .replace("{gateway!r}", repr(gateway))
    )


def _script(*parts: str) -> str:
    # modules_after dedents: every part starts at column 0 already.
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("surface", list(CALLS))
@pytest.mark.parametrize("style", ["http", "wsgi"])
def test_a_first_sync_call_never_imports_asyncio(style: str, surface: str) -> None:
    loaded = modules_after(_script(HTTP if style == "http" else WSGI, _call(surface)))
    assert "polyfaas" in loaded
    assert "asyncio" not in loaded, sorted(name for name in loaded if "asyncio" in name)
    assert "polyfaas.asgi_bridge" not in loaded
    if surface != "local":  # the adapter's runtime half answered it
        assert "polyfaas_yandex.function" in loaded


def test_making_an_asgi_entry_does_not_import_asyncio() -> None:
    loaded = modules_after(_script(ASGI, "assert handler.kind == 'asgi'"))
    assert "polyfaas.asgi_bridge" in loaded
    assert "asyncio" not in loaded


@pytest.mark.parametrize("surface", list(CALLS))
def test_the_first_asgi_call_makes_the_loop(surface: str) -> None:
    loaded = modules_after(_script(ASGI, _call(surface)))
    assert "asyncio" in loaded  # what the checks above would see if a call needed it
