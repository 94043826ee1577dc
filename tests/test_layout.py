"""The layout rules (README, Development), read from the code itself.

- adapters import only the public core (``polyfaas``, ``polyfaas.errors``,
  ``polyfaas.runtime``, ``polyfaas.platform``, ``polyfaas.testing``, and
  ``polyfaas.storage``, whose ``Backend`` a provider's store implements) and never each other;
- no import circles among the modules of the core and the adapters (imports inside
  functions count too; ``if TYPE_CHECKING:`` blocks do not);
- an adapter's cloud code (its top level) never imports its ``emulated/`` part;
- on every surface's runtime path (a fresh interpreter, the deployed entry called once
  with the platform's native arguments), nothing under ``emulated/``, nothing of the
  platform kit, the runner, the CLI, the test kit, werkzeug or ``importlib.metadata``
  is imported.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOTS = {
    "polyfaas": ROOT,
    "polyfaas_alibaba": ROOT / "adapters",
    "polyfaas_yandex": ROOT / "adapters",
    "polyfaas_aws": ROOT / "adapters",
}
PUBLIC_CORE = {
    "polyfaas",
    "polyfaas.errors",
    "polyfaas.runtime",
    "polyfaas.platform",
    "polyfaas.storage",
}


def module_files() -> dict[str, Path]:
    """Every module of the core and the adapters, by dotted name."""
    found: dict[str, Path] = {}
    for top, base in ROOTS.items():
        for path in sorted((base / top).rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = module_files()


def imports_of(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """``(module, line)`` for every import of a module, ``TYPE_CHECKING`` blocks aside;
    ``from a import b`` names ``a.b`` when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full if full in MODULES else base), node.lineno


def test_the_scan_sees_the_whole_tree():
    assert {"polyfaas", "polyfaas.runtime", "polyfaas.platform"} <= set(MODULES)
    assert any(name.startswith("polyfaas_alibaba.emulated") for name in MODULES)
    assert any(name.startswith("polyfaas_yandex.emulated") for name in MODULES)


def test_adapters_import_only_the_public_core_and_not_each_other():
    breaches = []
    for name, path in MODULES.items():
        adapter = name.split(".")[0]
        if adapter == "polyfaas":
            continue
        for imported, line in imports_of(name, path):
            top = imported.split(".")[0]
            if (
                top == "polyfaas"
                and not (imported in PUBLIC_CORE or imported.startswith("polyfaas.testing"))
            ) or (top.startswith("polyfaas_") and top != adapter):
                breaches.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not breaches, "\n".join(breaches)


def test_cloud_code_never_imports_its_emulation():
    breaches = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for name, path in MODULES.items()
        if ".emulated" not in name and name != "polyfaas" and not name.startswith("polyfaas.")
        for imported, line in imports_of(name, path)
        if ".emulated" in imported
    ]
    assert not breaches, "\n".join(breaches)


def test_no_import_circles():
    graph = {
        name: {imported for imported, _ in imports_of(name, path) if imported in MODULES} - {name}
        for name, path in MODULES.items()
    }
    # A package imports its own submodules' parent implicitly; only edges count.
    circles = strongly_connected(graph)
    assert not circles, "\n".join(" <-> ".join(sorted(c)) for c in circles)


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """The components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    for start, edges in graph.items():
        if start in index:
            continue
        work = [(start, iter(sorted(edges)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_the_circle_finder_finds_a_circle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


# -- the runtime path of every surface -----------------------------------------------------

#: What a deployed function never loads (the cold-start budget, bench/RESULTS.md).
OFF_THE_RUNTIME_PATH = (
    "polyfaas.platform",
    "polyfaas.runner",
    "polyfaas.cli",
    "polyfaas.testing",
    "polyfaas.pytest_plugin",
    "werkzeug",
    "importlib.metadata",
)

ENTRY = """
import polyfaas

@polyfaas.http
def handler(request, context):
    return {"path": request.path, "provider": context.provider}
"""

FC_CONTEXT = """
class Function:
    name = "f"; handler = "index.handler"; memory = 128; timeout = 3
class FCContext:
    request_id = "1-a-b"; account_id = "1"; region = "cn-hangzhou"
    function = Function(); credentials = None; service = None
"""

SURFACES = {
    "alibaba": FC_CONTEXT
    + """
import json
event = {"version": "v1", "rawPath": "/p", "body": "", "isBase64Encoded": False,
         "headers": {"Host": "x"}, "queryParameters": {},
         "requestContext": {"http": {"method": "GET", "path": "/p", "sourceIp": "1.2.3.4"},
                            "requestId": "1-a-b", "domainName": "x", "timeEpoch": "1"}}
answer = handler(json.dumps(event).encode(), FCContext())
assert answer["statusCode"] == 200, answer
""",
    "alibaba-wsgi": FC_CONTEXT
    + """
import io
seen = []
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/p", "QUERY_STRING": "",
           "SERVER_NAME": "FCRUNTIME", "SERVER_PORT": "9000", "HTTP_HOST": "x",
           "wsgi.input": io.BytesIO(b""),
           "wsgi.url_scheme": "http", "fc.context": FCContext(), "fc.request_uri": "/p"}
body = b"".join(handler(environ, lambda status, headers, exc_info=None: seen.append(status)))
assert seen == ["200 OK"], seen
""",
    "yandex": """
import time
class YandexContext:
    function_name = "d4e"; function_version = "v1"; memory_limit_in_mb = 128
    request_id = "r"; invoked_function_arn = "d4e"; log_group_name = "c"; log_stream_name = "v1"
    deadline_ms = int(time.time() * 1000) + 3000
    def get_remaining_time_in_millis(self): return 3000
event = {"httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
         "queryStringParameters": {}, "multiValueQueryStringParameters": {},
         "requestContext": {"identity": {"sourceIp": "1.2.3.4"}, "httpMethod": "GET",
         "requestId": "r", "requestTime": "13/Jul/2022:11:58:59 +0000",
         "requestTimeEpoch": 1}, "body": "", "isBase64Encoded": False, "url": "", "params": {},
         "multiValueParams": {}, "pathParams": {}}
answer = handler(event, YandexContext())
assert answer["statusCode"] == 200, answer
""",
    "yandex-gateway": """
import time
class YandexContext:
    function_name = "d4e"; function_version = "v1"; memory_limit_in_mb = 128
    request_id = "r"; invoked_function_arn = "d4e"; log_group_name = "c"; log_stream_name = "v1"
    deadline_ms = int(time.time() * 1000) + 3000
    def get_remaining_time_in_millis(self): return 3000
event = {"httpMethod": "GET", "path": "/{url+}", "url": "/p",
         "headers": {"Cookie": "a=1"}, "multiValueHeaders": {"Cookie": ["a=1"]},
         "queryStringParameters": {}, "multiValueQueryStringParameters": {},
         "pathParams": {"url": "p"}, "params": {"url": "p"}, "multiValueParams": {"url": ["p"]},
         "requestContext": {"identity": {"sourceIp": "1.2.3.4"}, "httpMethod": "GET",
                            "requestId": "r", "requestTime": "13/Jul/2022:11:58:59 +0000",
                            "requestTimeEpoch": 1, "apiGateway": {"operationContext": {}}},
         "body": "", "isBase64Encoded": False}
answer = handler(event, YandexContext())
assert answer["statusCode"] == 200, answer
assert '"/p"' in answer["body"], answer
""",
}


LAMBDA_CONTEXT = """
import json, time
class LambdaContext:
    aws_request_id = "r"; function_name = "f"; function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    memory_limit_in_mb = "128"; log_group_name = "/aws/lambda/f"; log_stream_name = "s"
    def get_remaining_time_in_millis(self): return 3000
def sample(kind):
    with open(f"adapters/polyfaas_aws/samples/{kind}.json") as file:
        return json.load(file)
"""

for _surface, _kind in (("aws-gateway", "gateway-v1"), ("aws-http", "http-v2"), ("aws-alb", "alb")):
    SURFACES[_surface] = (
        LAMBDA_CONTEXT
        + f"""
answer = handler(sample("{_kind}"), LambdaContext())
assert answer["statusCode"] == 200, answer
assert '"aws"' in answer["body"], answer
"""
    )


def loaded_after(code: str) -> list[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{ROOT / 'adapters'}"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    found: list[str] = json.loads(result.stdout.splitlines()[-1])
    return found


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_the_runtime_path_loads_no_emulation(surface):
    loaded = loaded_after(textwrap.dedent(ENTRY) + textwrap.dedent(SURFACES[surface]))
    assert any(
        name.startswith(("polyfaas_alibaba", "polyfaas_yandex", "polyfaas_aws")) for name in loaded
    )
    heavy = [
        name for name in loaded if ".emulated" in name or name.startswith(OFF_THE_RUNTIME_PATH)
    ]
    assert not heavy, heavy
