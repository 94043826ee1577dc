"""``polyfaas.testing``: the client and invoke helpers, every TARGET form."""

from __future__ import annotations

import pytest

import polyfaas
from polyfaas.errors import HandlerImportError
from polyfaas.testing import as_event, client, invoke, target_of
from tests.functions import behaviours


@pytest.mark.parametrize(
    "target",
    [
        behaviours.handler,
        "tests.functions.behaviours:handler",
        "tests.functions.behaviours.handler",
        "tests/functions/behaviours.py:handler",
    ],
)
def test_client_accepts_every_target_form(target):
    with client(target, provider="local") as http:
        response = http.get("/")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["memory"] == 128


def test_invoke_payload_forms():
    target = behaviours.on_event
    assert invoke(target, {"a": 1}, provider="local").json()["data"] == {"a": 1}
    assert invoke(target, b"raw text", provider="local").json()["data"] == "raw text"
    assert invoke(target, None, provider="local").json()["data"] is None
    event = polyfaas.Event(type=polyfaas.EventType.TIMER, data="tick")
    assert invoke(target, event, provider="local").json() == {
        "type": "polyfaas.timer",
        "data": "tick",
    }


def test_as_event_keeps_the_raw_payload():
    event = as_event([1, 2])
    assert event.native == b"[1, 2]"
    assert event.data == [1, 2]


def test_target_of_needs_a_module_level_object():
    assert target_of(behaviours.handler).handler_string == "behaviours.handler"
    with pytest.raises(HandlerImportError):
        target_of(polyfaas.http(lambda request, context: None))


def test_the_test_run_provider_never_reaches_the_entry(monkeypatch):
    """POLYFAAS_PROVIDER picks the provider of a test run; the instance sees only what
    the emulated platform sets, so an explicit provider is decoded as itself."""
    monkeypatch.setenv("POLYFAAS_PROVIDER", "yandex")
    with client(behaviours.handler, provider="alibaba") as http:
        response = http.get("/")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json is not None
    assert response.json["provider"] == "alibaba"
    import os

    assert os.environ["POLYFAAS_PROVIDER"] == "yandex"  # restored after the call
