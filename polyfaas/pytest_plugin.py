"""The pytest plugin (entry point ``pytest11``): run one test suite per provider.

- ``--polyfaas-provider NAME`` (default: ``POLYFAAS_PROVIDER``, then the ini value
  ``polyfaas_provider``, then ``local``); a comma-separated list or ``all`` runs
  every test that uses the fixtures once per provider;
- fixtures ``polyfaas_provider`` (the name), ``polyfaas_client(target=None, **kw)``
  and ``polyfaas_invoke(target=None, event=None, **kw)``; ``target`` defaults to
  the ini value ``polyfaas_target``;
- marker ``@pytest.mark.polyfaas_providers("yandex", ...)`` limits a test to those
  providers (others skip it, saying why).

Imported by every pytest run that has polyfaas installed, so it imports nothing
heavy until a fixture is used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Callable

import pytest

PROVIDER_FIXTURES = {"polyfaas_provider", "polyfaas_client", "polyfaas_invoke"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("polyfaas")
    group.addoption(
        "--polyfaas-provider",
        default=None,
        metavar="NAME",
        help="provider(s) to test against: a name, a comma-separated list, or 'all' "
        "(default: POLYFAAS_PROVIDER, then ini polyfaas_provider, then local)",
    )
    parser.addini("polyfaas_provider", "default provider(s) for the polyfaas fixtures", default="")
    parser.addini(
        "polyfaas_target", "default TARGET for polyfaas_client / polyfaas_invoke", default=""
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "polyfaas_providers(*names): run this test only on these polyfaas providers",
    )


def selected_providers(config: pytest.Config) -> list[str]:
    """The providers this run tests against, in registry order for ``all``."""
    raw = (
        config.getoption("--polyfaas-provider")
        or os.environ.get("POLYFAAS_PROVIDER")
        or str(config.getini("polyfaas_provider"))
        or "local"
    )
    if raw.strip() == "all":
        from polyfaas import providers

        return providers.names()
    return [name.strip() for name in raw.split(",") if name.strip()]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if PROVIDER_FIXTURES & set(metafunc.fixturenames):
        names = selected_providers(metafunc.config)
        metafunc.parametrize("polyfaas_provider", names, indirect=True, ids=names, scope="function")


@pytest.fixture
def polyfaas_provider(request: pytest.FixtureRequest) -> str:
    """The provider this test runs against."""
    name = str(getattr(request, "param", None) or selected_providers(request.config)[0])
    marker = request.node.get_closest_marker("polyfaas_providers")
    if marker is not None and name not in marker.args:
        pytest.skip(f"limited to providers {', '.join(marker.args)} by polyfaas_providers")
    return name


def _default_target(request: pytest.FixtureRequest, target: Any) -> Any:
    if target is not None:
        return target
    configured = str(request.config.getini("polyfaas_target"))
    if not configured:
        pytest.fail("give polyfaas_client/polyfaas_invoke a target, or set ini polyfaas_target")
    return configured


@pytest.fixture
def polyfaas_client(
    request: pytest.FixtureRequest, polyfaas_provider: str
) -> Iterator[Callable[..., Any]]:
    """A factory: ``polyfaas_client(target=None, config=None)`` → a werkzeug test client
    behind the provider's front door (closed after the test)."""
    from polyfaas.testing import client

    made: list[Any] = []

    def factory(target: Any = None, **options: Any) -> Any:
        made.append(client(_default_target(request, target), polyfaas_provider, **options))
        return made[-1]

    yield factory
    for each in made:
        each.close()


@pytest.fixture
def polyfaas_invoke(request: pytest.FixtureRequest, polyfaas_provider: str) -> Callable[..., Any]:
    """A factory: ``polyfaas_invoke(target=None, event=None, config=None)`` → the
    ``polyfaas.Response`` the provider's caller receives for one event invocation."""
    from polyfaas.testing import invoke

    def factory(target: Any = None, event: Any = None, **options: Any) -> Any:
        return invoke(_default_target(request, target), event, polyfaas_provider, **options)

    return factory
