"""The provider registry: built-in table, entry-point plugins, errors."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import polyfaas
from polyfaas import Request, providers
from polyfaas.errors import ProviderNotFoundError, ProviderUnavailableError
from polyfaas.platform import PlatformHalf
from polyfaas.runtime import RuntimeHalf
from polyfaas.testing import conformance


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


DOC = Path(__file__).resolve().parent.parent / "docs" / "providers.md"
FILE_BLOCK = re.compile(r"<!-- file: (\S+) -->\n```\w+\n(.*?)\n```", re.DOTALL)
ENTRY_POINT_BLOCK = re.compile(r"<!-- entry-point -->\n```toml\n(.*?)\n```", re.DOTALL)

#: A second plugin, made here from the doc's: it drops the query and declares nothing.
LOSSY = """
from __future__ import annotations

from types import SimpleNamespace

import polyfaas_mycloud
from polyfaas.platform import override


class LossyPlatform(polyfaas_mycloud.MyCloudPlatform):
    name = "lossy"

    @override
    def call(self, payload, config):
        call = super().call(payload, config)
        if "http" in call.args[0]:
            call.args[0]["http"]["query"] = ""
        return call


provider = SimpleNamespace(runtime=polyfaas_mycloud.provider.runtime, platform=LossyPlatform())
"""


def doc_files() -> dict[str, str]:
    """The files of the doc's third-party provider, by path (the doc is the only copy)."""
    return {path: body + "\n" for path, body in FILE_BLOCK.findall(DOC.read_text("utf-8"))}


def doc_entry_points() -> list[str]:
    """The ``polyfaas.providers`` entry points of the doc's ``pyproject.toml`` block."""
    block = ENTRY_POINT_BLOCK.search(DOC.read_text("utf-8"))
    assert block is not None, "docs/providers.md has no entry-point block"
    section = block.group(1).split('[project.entry-points."polyfaas.providers"]', 1)[1]
    section = section.split("\n[", 1)[0]
    return [
        f"{name} = {value}"
        for name, value in re.findall(r'^(\S+)\s*=\s*"([^"]+)"', section, re.MULTILINE)
    ]


@pytest.fixture(scope="module")
def plugin_distribution(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The doc's provider installed as a real distribution (a dist-info with
    ``entry_points.txt`` on a sys.path entry), with two more entry points of the
    test's own: a plugin that cannot import, and a lossy one."""
    root = tmp_path_factory.mktemp("site")
    for path, text in doc_files().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    (root / "polyfaas_lossy.py").write_text(LOSSY, encoding="utf-8")
    dist_info = root / "polyfaas_mycloud-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: polyfaas-mycloud\nVersion: 1.0\n", encoding="utf-8"
    )
    entries = [
        *doc_entry_points(),
        "broken = polyfaas_missing:provider",
        "lossy = polyfaas_lossy:provider",
    ]
    (dist_info / "entry_points.txt").write_text(
        "[polyfaas.providers]\n" + "\n".join(entries) + "\n", encoding="utf-8"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(root))
        patch.delenv("POLYFAAS_PROVIDER", raising=False)
        patch.delenv("POLYFAAS_DETECT_FIRST", raising=False)
        yield root
    for name in ("polyfaas_mycloud", "polyfaas_lossy"):
        sys.modules.pop(name, None)


def test_the_doc_provider_is_complete_small_and_public() -> None:
    files = doc_files()
    assert set(files) == {"polyfaas_mycloud/__init__.py", "polyfaas_mycloud/samples/http.json"}
    code = files["polyfaas_mycloud/__init__.py"]
    assert len(code.splitlines()) < 150
    imported = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    ours = {name for name in imported if name.split(".")[0] == "polyfaas"}
    assert ours == {"polyfaas", "polyfaas.runtime", "polyfaas.platform"}
    assert doc_entry_points() == ["mycloud = polyfaas_mycloud:provider"]


@pytest.mark.usefixtures("plugin_distribution")
def test_entry_point_plugin_is_found_by_name() -> None:
    assert "mycloud" in providers.names()
    assert providers.spec("mycloud").runtime == "polyfaas_mycloud:provider.runtime"
    assert isinstance(providers.runtime_half("mycloud"), RuntimeHalf)
    assert isinstance(providers.platform_half("mycloud"), PlatformHalf)
    assert providers.platform_half("mycloud").name == "mycloud"


@pytest.mark.usefixtures("plugin_distribution")
def test_the_doc_provider_passes_the_public_conformance() -> None:
    report = conformance.run("mycloud")
    assert [result.point for result in report] == conformance.names()
    assert report.ok, str(report)


@pytest.mark.usefixtures("plugin_distribution")
def test_the_conformance_catches_an_undeclared_loss() -> None:
    report = conformance.run("lossy", ["law-requests", "query", "methods"])
    assert [result.point for result in report.failures] == ["law-requests", "query"]
    assert not report.ok
    assert "FAIL query" in str(report)
    with pytest.raises(AssertionError):
        conformance.check("lossy", "query")


def native_context() -> Any:
    return SimpleNamespace(request_id="req-1", function_name="hello")


@pytest.mark.usefixtures("plugin_distribution")
def test_detection_finds_the_plugin_without_polyfaas_provider() -> None:
    """A native call only the plugin recognises reaches it: built-ins first, then
    plugins by their ``detect``."""
    event = providers.platform_half("mycloud").samples()["http"]
    handler = polyfaas.http(lambda request, context: f"{context.provider} {request.path}")
    answer = handler(event, native_context())
    assert answer["status"] == 200
    assert answer["body"] == "mycloud /hello"


@pytest.mark.usefixtures("plugin_distribution")
def test_plugin_that_cannot_import_is_unavailable() -> None:
    with pytest.raises(ProviderUnavailableError, match="polyfaas_missing") as raised:
        providers.runtime_half("broken")
    assert isinstance(raised.value, ImportError)


@pytest.mark.usefixtures("plugin_distribution")
def test_forced_plugin_provider_serves_the_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLYFAAS_PROVIDER", "mycloud")
    handler = polyfaas.http(lambda request, context: f"{context.provider} {request.path}")
    event = {"source": "mycloud/1", "http": {"path": "/p"}}
    assert handler(event, native_context())["body"] == "mycloud /p"
    # a canonical request still goes to local, whatever the variable says
    assert handler(Request(path="/q")).text == "local /q"


@pytest.mark.usefixtures("plugin_distribution")
def test_plugin_entry_points_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    first = providers.runtime_half("mycloud")

    def must_not_run() -> list[providers.ProviderSpec]:
        raise AssertionError("entry points read again")

    monkeypatch.setattr(providers, "_entry_point_specs", must_not_run)
    assert providers.runtime_half("mycloud") is first


def test_an_entry_point_may_name_a_module_or_an_object_in_it():
    from polyfaas.providers import _plugin_spec

    bare = _plugin_spec("mycloud", "polyfaas_mycloud")
    assert (bare.runtime, bare.platform) == (
        "polyfaas_mycloud:runtime",
        "polyfaas_mycloud:platform",
    )
    named = _plugin_spec("mycloud", "polyfaas_mycloud:provider")
    assert (named.runtime, named.platform) == (
        "polyfaas_mycloud:provider.runtime",
        "polyfaas_mycloud:provider.platform",
    )


@pytest.mark.usefixtures("plugin_distribution")
def test_detect_first_asks_a_plugin_before_the_built_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call a built-in provider would take too (a Yandex-shaped context) goes to the
    plugin when POLYFAAS_DETECT_FIRST names it."""
    context = SimpleNamespace(
        request_id="req-1",
        function_name="hello",
        invoked_function_arn="d4e",
        deadline_ms=2**41,
    )
    event = providers.platform_half("mycloud").samples()["http"]

    def answer() -> Any:
        handler = polyfaas.http(lambda request, context: context.provider)
        return handler(event, context)

    with pytest.raises(polyfaas.PolyfaasError):  # Yandex takes it: not an HTTP event there
        answer()
    monkeypatch.setenv("POLYFAAS_DETECT_FIRST", "mycloud")
    assert answer()["body"] == "mycloud"
