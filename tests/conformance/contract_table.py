"""The table of tested contract points per provider in ``tests/README.md``.

``python -m tests.conformance.contract_table --write`` rewrites it;
``test_contract_table_is_current`` fails when it is stale. Everything is counted
statically (no pytest run): the points of ``polyfaas.testing.conformance``, which
every provider runs, and the ``def test_`` functions of each provider's own test
files, read from their AST. The losses are the providers' own ``facts.losses``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from polyfaas import providers
from polyfaas.testing import conformance

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
    "container": ["container/test_container_*.py"],
    "aws": ["aws/test_aws_*.py"],
    "aws-gateway": ["aws/test_aws_*.py"],
    "aws-http": ["aws/test_aws_*.py"],
    "aws-alb": ["aws/test_aws_*.py"],
}


def test_functions(path: Path) -> int:
    """The ``def test_…`` functions of a test file (module level and in classes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return sum(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
        for node in ast.walk(tree)
    )


def own_tests(name: str) -> int:
    files = {path for pattern in OWN_TESTS.get(name, []) for path in TESTS.glob(pattern)}
    return sum(test_functions(path) for path in files)


def losses(name: str) -> str:
    declared = providers.platform_half(name).facts.losses
    return "; ".join(f"**{loss}**: {reason}" for loss, reason in declared.items()) or "none"


def render() -> str:
    points = len(conformance.POINTS)
    styles = " and ".join(f"`{style}`" for style in conformance.STYLES)
    rows = [
        f"| provider | conformance points (each in the {styles} echo styles) "
        "| its own contract tests | losses it documents |",
        "|---|---|---|---|",
    ]
    for name in providers.names():
        rows.append(f"| `{name}` | {points} | {own_tests(name)} | {losses(name)} |")
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
