"""The provider registry: built-in table, entry-point plugins, errors."""

from __future__ import annotations

import sys
import textwrap

import pytest

import polyfaas
from polyfaas import Request, providers
from polyfaas.errors import ProviderNotFoundError, ProviderUnavailableError
from polyfaas.platform import PlatformHalf
from polyfaas.runtime import RuntimeHalf


def test_local_is_built_in_and_satisfies_the_protocols():
    assert "local" in providers.names()
    assert isinstance(providers.runtime_half("local"), RuntimeHalf)
    assert isinstance(providers.platform_half("local"), PlatformHalf)
    assert providers.runtime_half("local") is providers.runtime_half("local")


def test_every_built_in_loads():
    for name in providers.BUILTIN:
        assert isinstance(providers.runtime_half(name), RuntimeHalf)
        assert isinstance(providers.platform_half(name), PlatformHalf)


def test_unknown_name_lists_known_ones():
    with pytest.raises(ProviderNotFoundError) as raised:
        providers.spec("nope")
    assert "local" in str(raised.value)
    assert isinstance(raised.value, LookupError)


@pytest.fixture
def plugin_distribution(tmp_path, monkeypatch):
    """A real installed distribution (dist-info on sys.path) that registers a provider."""
    package = tmp_path / "polyfaas_testcloud"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from polyfaas import Context, Request
            from polyfaas._invocation import Invocation
            from polyfaas._local_platform import LocalPlatform

            class TestCloudRuntime:
                # native call: ({"testcloud": path},); native result: the body text

                name = "testcloud"

                def detect(self, args, kwargs, environ):
                    return bool(args) and isinstance(args[0], dict) and "testcloud" in args[0]

                def decode(self, args, kwargs):
                    request = Request(path=args[0]["testcloud"])
                    return Invocation(request, Context(provider="testcloud"), args)

                def encode(self, result, invocation):
                    return result.text

            class Provider:
                runtime = TestCloudRuntime()
                platform = LocalPlatform()

            provider = Provider()
            """
        )
    )
    dist_info = tmp_path / "polyfaas_testcloud-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: polyfaas-testcloud\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[polyfaas.providers]\n"
        "testcloud = polyfaas_testcloud:provider\n"
        "broken = polyfaas_missing:provider\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("polyfaas_testcloud", None)


@pytest.mark.usefixtures("plugin_distribution")
def test_entry_point_plugin_is_found_by_name():
    assert "testcloud" in providers.names()
    assert providers.runtime_half("testcloud").name == "testcloud"
    assert providers.platform_half("testcloud").name == "local"


@pytest.mark.usefixtures("plugin_distribution")
def test_plugin_that_cannot_import_is_unavailable():
    with pytest.raises(ProviderUnavailableError, match="polyfaas_missing") as raised:
        providers.runtime_half("broken")
    assert isinstance(raised.value, ImportError)


@pytest.mark.usefixtures("plugin_distribution")
def test_forced_plugin_provider_serves_the_entry(monkeypatch):
    monkeypatch.setenv("POLYFAAS_PROVIDER", "testcloud")
    handler = polyfaas.http(lambda request, context: f"{context.provider} {request.path}")
    assert handler({"testcloud": "/p"}) == "testcloud /p"
    # a canonical request still goes to local, whatever the variable says
    assert handler(Request(path="/q")).text == "local /q"


@pytest.mark.usefixtures("plugin_distribution")
def test_plugin_entry_points_are_read_once(monkeypatch):
    first = providers.runtime_half("testcloud")

    def must_not_run() -> list[providers.ProviderSpec]:
        raise AssertionError("entry points read again")

    monkeypatch.setattr(providers, "_entry_point_specs", must_not_run)
    assert providers.runtime_half("testcloud") is first
