"""``polyfaas run --provider yandex-gateway --gateway openapi.yaml``: several functions
behind one emulated API Gateway, served by a real ``polyfaas run`` subprocess and
called over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.runner_process import RunningRunner, polyfaas_run

GATEWAY = Path(__file__).parent / "gateway"
SPEC = GATEWAY / "openapi.yaml"
FUNCTION_A = "d4e0fna0polyfaas00001"
FUNCTION_B = "d4e0fnb0polyfaas00002"
TARGET_A = f"{GATEWAY / 'fn_a.py'}:handler"
TARGET_B = f"{GATEWAY / 'fn_b.py'}:handler"


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningRunner]:
    # polyfaas_run puts its first argument last: the second --function.
    with polyfaas_run(
        f"--function={FUNCTION_B}={TARGET_B}",
        "--provider",
        "yandex-gateway",
        "--gateway",
        str(SPEC),
        "--function",
        f"{FUNCTION_A}={TARGET_A}",
    ) as runner:
        yield runner


def test_a_path_parameter_reaches_its_function_as_the_gateway_fills_it(gateway):
    answer = requests.get(f"{gateway.url}/items/42", timeout=10)
    assert answer.status_code == 200
    seen = answer.json()
    assert seen["function"] == "a"
    assert seen["path_params"] == {"id": "42"}
    assert seen["event"] == {
        "path": "/items/{id}",
        "url": "/items/42",
        "pathParams": {"id": "42"},
        "params": {"id": "42"},
    }


def test_a_route_of_payload_version_1_0_gets_that_envelope(gateway):
    seen = requests.post(f"{gateway.url}/items", json={"name": "x"}, timeout=10).json()
    assert seen["function"] == "a"
    assert seen["version"] == "1.0"
    assert seen["event"]["resource"] == "/items"
    assert seen["method"] == "POST"


def test_the_greedy_route_takes_any_method_and_the_rest_of_the_path(gateway):
    answer = requests.delete(f"{gateway.url}/files/docs/a%20b.txt", timeout=10)
    seen = answer.json()
    assert seen["function"] == "b"
    assert seen["path_params"] == {"path": "docs/a b.txt"}
    assert seen["event"]["path"] == "/files/{path+}"
    assert seen["event"]["pathParams"] == {"path": "docs/a b.txt"}


def test_each_function_runs_in_instances_of_its_own(gateway):
    a = requests.get(f"{gateway.url}/items/1", timeout=10).json()
    b = requests.get(f"{gateway.url}/files/x", timeout=10).json()
    again = requests.get(f"{gateway.url}/items/2", timeout=10).json()
    assert a["pid"] != b["pid"]
    assert a["pid"] == again["pid"]
    assert os.getpid() not in (a["pid"], b["pid"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nowhere"),
        ("PUT", "/items/1"),  # the path is in the spec, that method is not
        ("GET", "/items/1/2"),  # {id} takes one segment only
        ("GET", "/files/"),  # a greedy parameter takes one segment at least
        ("GET", "/health"),  # a dummy integration: not emulated
    ],
)
def test_a_request_no_route_takes_gets_the_gateway_404(gateway, method, path):
    answer = requests.request(method, f"{gateway.url}{path}", timeout=10)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"errorMessage": "Not Found", "errorType": "NotFound"}


def test_the_runner_serves_on_after_unknown_routes(gateway):
    for _ in range(3):
        assert requests.get(f"{gateway.url}/nowhere", timeout=10).status_code == 404
    assert requests.get(f"{gateway.url}/items/7", timeout=10).json()["path_params"] == {"id": "7"}


def test_the_banner_lists_every_route_and_what_is_not_served(gateway):
    banner = gateway.output()
    assert f"GET /items/{{id}} -> {FUNCTION_A} (fn_a.handler)" in banner
    assert f"POST /items -> {FUNCTION_A} (fn_a.handler)" in banner
    assert f"ANY /files/{{path+}} -> {FUNCTION_B} (fn_b.handler)" in banner
    assert "not served: GET /health (integration dummy)" in banner


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polyfaas", "run", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_a_function_of_the_spec_without_a_target_is_a_clear_error():
    done = run_cli(
        "--provider",
        "yandex-gateway",
        "--gateway",
        str(SPEC),
        "--function",
        f"{FUNCTION_A}={TARGET_A}",
    )
    assert done.returncode == 2
    assert f"function {FUNCTION_B} has no TARGET" in done.stderr
    assert f"--function {FUNCTION_B}=file.py:handler" in done.stderr
    assert "Running on" not in done.stdout


def test_a_function_the_spec_does_not_have_is_a_clear_error():
    done = run_cli(
        "--provider",
        "yandex-gateway",
        "--gateway",
        str(SPEC),
        "--function",
        f"{FUNCTION_A}={TARGET_A}",
        "--function",
        f"{FUNCTION_B}={TARGET_B}",
        "--function",
        f"d4eunknown={TARGET_B}",
    )
    assert done.returncode == 2
    assert "--function d4eunknown: " in done.stderr
    assert FUNCTION_A in done.stderr


def test_a_provider_without_a_gateway_file_says_so():
    done = run_cli("--provider", "yandex", "--gateway", str(SPEC))
    assert done.returncode == 2
    assert "provider 'yandex' reads no gateway file (openapi.yaml)" in done.stderr


def test_without_pyyaml_the_error_names_the_extra(tmp_path):
    # A ``yaml`` that cannot be imported, first on the path: as if PyYAML were absent.
    (tmp_path / "yaml.py").write_text("raise ImportError('no PyYAML here')\n")
    done = run_cli(
        "--provider",
        "yandex-gateway",
        "--gateway",
        str(SPEC),
        env={"PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])},
    )
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last == "polyfaas: reading openapi.yaml needs PyYAML: pip install 'polyfaas[dev]'"


def test_the_cli_and_the_runtime_never_import_yaml():
    code = (
        "import sys, polyfaas, polyfaas.cli, polyfaas.runner.gateway, "
        "polyfaas_yandex.emulated.gateway_spec, polyfaas_alibaba.emulated.s_yaml; "
        "assert 'yaml' not in sys.modules, 'yaml imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_spec_without_cloud_functions_routes_is_refused(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: 1.0.0}\npaths:\n  /:\n    get:\n"
        "      x-yc-apigateway-integration: {type: dummy, http_code: 200}\n"
    )
    done = run_cli("--provider", "yandex-gateway", "--gateway", str(spec))
    assert done.returncode == 2
    assert "has no operation with a cloud_functions integration" in done.stderr


def test_the_test_kit_calls_a_function_on_a_route_of_its_setting():
    from polyfaas.platform import ROUTE_SETTING, FunctionConfig
    from polyfaas.testing import client

    config = FunctionConfig(settings={ROUTE_SETTING: "/items/{id}"})
    answer = client(TARGET_A, provider="yandex-gateway", config=config).get("/items/9")
    seen = answer.get_json()
    assert seen["path_params"] == {"id": "9"}
    assert seen["event"]["path"] == "/items/{id}"
    assert seen["event"]["pathParams"] == {"id": "9"}


@pytest.mark.parametrize(
    ("path", "template", "params"),
    [
        ("/items/new", "/items/new", {}),  # a literal path before a templated one
        ("/items/7", "/items/{id}", {"id": "7"}),
        ("/items/7/parts", "/items/{id}/{rest+}", {"id": "7", "rest": "parts"}),
        ("/static/js/a.js", "/static/{file+}", {"file": "js/a.js"}),
        ("/static/js/a.js/raw", "/static/{file+}/raw", {"file": "js/a.js"}),
    ],
)
def test_the_most_specific_route_takes_a_path(path, template, params):
    from polyfaas._gateway import route_order
    from polyfaas.platform import GatewayRoute, route_params

    templates = [
        "/static/{file+}",
        "/items/{id}/{rest+}",
        "/items/{id}",
        "/static/{file+}/raw",
        "/items/new",
    ]
    routes = sorted((GatewayRoute(template=t, function="f") for t in templates), key=route_order)
    taken = next(r for r in routes if route_params(r.template, path) is not None)
    assert taken.template == template
    assert route_params(template, path) == params


def test_reload_restarts_the_function_whose_file_changed(tmp_path):
    import shutil

    from tests.runner_process import poll

    for name in ("openapi.yaml", "fn_a.py", "fn_b.py"):
        shutil.copy(GATEWAY / name, tmp_path / name)
    with polyfaas_run(
        f"--function={FUNCTION_B}={tmp_path / 'fn_b.py'}:handler",
        "--provider",
        "yandex-gateway",
        "--gateway",
        str(tmp_path / "openapi.yaml"),
        "--function",
        f"{FUNCTION_A}={tmp_path / 'fn_a.py'}:handler",
        "--reload",
    ) as runner:
        assert requests.get(f"{runner.url}/items/1", timeout=10).json()["function"] == "a"
        source = tmp_path / "fn_a.py"
        source.write_text(source.read_text().replace('"function": "a"', '"function": "a2"'))

        def changed() -> bool:
            try:
                seen = requests.get(f"{runner.url}/items/1", timeout=10).json()
            except (requests.RequestException, ValueError):
                return False
            return bool(seen.get("function") == "a2")

        assert poll(changed, timeout=30), runner.output()
        assert requests.get(f"{runner.url}/files/x", timeout=10).json()["function"] == "b"
    assert "reload on" in runner.output()


def test_routes_lists_the_spec_s_routes_in_the_order_they_are_tried():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "polyfaas",
            "routes",
            "--provider",
            "yandex-gateway",
            "--gateway",
            str(SPEC),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"methods": ["POST"], "path": "/items", "name": FUNCTION_A},
        {"methods": ["GET"], "path": "/items/{id}", "name": FUNCTION_A},
        {"methods": ["*"], "path": "/files/{path+}", "name": FUNCTION_B},
    ]
    assert "not served: GET /health (integration dummy)" in done.stderr
