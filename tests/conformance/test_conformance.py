"""The public conformance (``polyfaas.testing.conformance``), once per provider.

The providers are those the pytest plugin selects (``polyfaas_provider = "all"`` in
this project's configuration, ``--polyfaas-provider NAME`` for one). What a provider
may lose, its limits and its statuses come from its own ``facts``; this file only
drives the points, one test each, one front door (one instance) per provider.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from polyfaas.testing import conformance


@pytest.fixture(scope="module")
def sessions() -> Iterator[dict[str, conformance.Session]]:
    opened: dict[str, conformance.Session] = {}
    yield opened
    for session in opened.values():
        session.close()


@pytest.mark.parametrize("point", conformance.names())
def test_point(
    polyfaas_provider: str, point: str, sessions: dict[str, conformance.Session]
) -> None:
    if polyfaas_provider not in sessions:
        sessions[polyfaas_provider] = conformance.Session(polyfaas_provider)
    sessions[polyfaas_provider].check(point)


def test_contract_table_is_current() -> None:
    from tests.conformance import contract_table

    assert contract_table.current() == contract_table.render(), (
        "tests/README.md is stale: python -m tests.conformance.contract_table --write"
    )
