"""The table of tested contract points per provider in ``tests/README.md``.

``python -m tests.conformance.contract_table --write`` rewrites it from pytest's own
collection; ``test_contract_table_is_current`` fails when it is stale.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from polyfaas import providers
from tests.conformance.losses import LOSSES

TESTS = Path(__file__).resolve().parent.parent
README = TESTS / "README.md"
BEGIN, END = "<!-- contract-table -->", "<!-- /contract-table -->"

#: provider → the test files that check its own contract (golden files, quirks).
OWN_TESTS = {
    "local": ["test_local.py", "test_wsgi_bridge.py", "test_frameworks.py"],
    "alibaba": ["alibaba/test_alibaba_*.py"],
    "alibaba-wsgi": ["alibaba_web/test_alibaba_wsgi_*.py"],
    "alibaba-custom": ["alibaba_web/test_alibaba_custom_*.py"],
    "yandex": ["yandex/test_yandex_*.py"],
    "yandex-gateway": ["yandex/test_yandex_*.py"],
}


def collected(*paths: str) -> list[str]:
    """Test ids pytest collects under ``paths`` (every provider)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--polyfaas-provider",
            "all",
            *paths,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=TESTS.parent,
    )
    return [line for line in result.stdout.splitlines() if "::" in line]


def render() -> str:
    names = sorted(providers.names(), key=len, reverse=True)
    conformance: Counter[str] = Counter()
    for test_id in collected("tests/conformance"):
        params = test_id.rpartition("[")[2].rstrip("]")
        owner = next((n for n in names if params == n or params.startswith(f"{n}-")), None)
        if owner is not None:
            conformance[owner] += 1
    rows = [
        "| provider | conformance points tested | its own contract tests | losses it documents |",
        "|---|---|---|---|",
    ]
    for name in providers.names():
        files = sorted(
            {
                str(p.relative_to(TESTS))
                for pattern in OWN_TESTS.get(name, [])
                for p in TESTS.glob(pattern)
            }
        )
        own = len(collected(*(f"tests/{f}" for f in files))) if files else 0
        losses = (
            "; ".join(f"**{loss}**: {reason}" for loss, reason in LOSSES.get(name, {}).items())
            or "none"
        )
        rows.append(f"| `{name}` | {conformance[name]} | {own} | {losses} |")
    return "\n".join(rows)


def current() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def write() -> None:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    README.write_text(f"{head}{BEGIN}\n{render()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    print(render())
