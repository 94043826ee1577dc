"""The public conformance (``polyfaas.testing.conformance``), once per provider.

The providers are those the pytest plugin selects (``polyfaas_provider = "all"`` in
this project's configuration, ``--polyfaas-provider NAME`` for one). What a provider
may lose, its limits and its statuses come from its own ``facts``; this file only
drives the points, one test each, one front door (one instance) per provider and echo
style: the ``@polyfaas.http`` echo and the same echo as a raw ASGI app
(``conformance.STYLES``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from polyfaas.testing import conformance

Sessions = dict[tuple[str, str], conformance.Session]


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    opened: Sessions = {}
    yield opened
    for session in opened.values():
        session.close()


@pytest.mark.parametrize("style", list(conformance.STYLES))
@pytest.mark.parametrize("point", conformance.names())
def test_point(polyfaas_provider: str, point: str, style: str, sessions: Sessions) -> None:
    key = (polyfaas_provider, style)
    if key not in sessions:
        sessions[key] = conformance.Session(polyfaas_provider, style=style)
    sessions[key].check(point)


def test_the_asgi_echo_is_served_as_an_asgi_app() -> None:
    from polyfaas.testing import conformance_echo

    assert conformance_echo.asgi_echo.kind == "asgi"
    assert conformance_echo.asgi_echo.app is conformance_echo.asgi_app
    with pytest.raises(ValueError, match="unknown echo style"):
        conformance.Session("local", style="flask")


def test_contract_table_is_current() -> None:
    from tests.conformance import contract_table

    assert contract_table.current() == contract_table.render(), (
        "tests/README.md is stale: python -m tests.conformance.contract_table --write"
    )
