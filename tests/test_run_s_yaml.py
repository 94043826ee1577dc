"""``polyfaas run --provider alibaba --config s.yaml``: the fc3 functions of a Serverless
Devs 3 project with their HTTP triggers behind one front door, served by a real
``polyfaas run`` subprocess and called over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.runner_process import RunningRunner, polyfaas_run

GATEWAY = Path(__file__).parent / "gateway"
S_YAML = GATEWAY / "s.yaml"


@pytest.fixture(scope="module")
def project() -> Iterator[RunningRunner]:
    # polyfaas_run puts its first argument last.
    with polyfaas_run(f"--config={S_YAML}", "--provider", "alibaba") as runner:
        yield runner


def test_each_function_answers_under_its_name_with_the_path_after_it(project):
    answer = requests.get(f"{project.url}/fn-a/items/7?q=1", timeout=10)
    assert answer.status_code == 200
    seen = answer.json()
    assert (seen["function"], seen["name"], seen["path"], seen["query"]) == (
        "a",
        "fn-a",
        "/items/7",
        "q=1",
    )
    b = requests.get(f"{project.url}/fn-b", timeout=10).json()
    assert (b["function"], b["name"], b["path"]) == ("b", "fn-b", "/")


def test_the_file_configures_each_function(project):
    a = requests.post(f"{project.url}/fn-a/", timeout=10).json()
    b = requests.get(f"{project.url}/fn-b/", timeout=10).json()
    assert (a["memory"], a["greeting"]) == (256, "from-s-yaml")
    assert (b["memory"], b["greeting"]) == (128, "")
    assert a["pid"] != b["pid"]


def test_answers_are_the_default_domain_s(project):
    answer = requests.get(f"{project.url}/fn-b/", timeout=10)
    assert answer.headers["Content-Disposition"] == "attachment"
    assert "X-Fc-Request-Id" in answer.headers


def test_a_method_the_trigger_does_not_take_is_fc_s_403(project):
    answer = requests.post(f"{project.url}/fn-b/x", timeout=10)
    assert answer.status_code == 403
    assert answer.headers["X-Fc-Error-Type"] == "FcCommonError"
    assert answer.json()["ErrorCode"] == "MethodNotAllowed"


@pytest.mark.parametrize("path", ["/", "/fn-c/x", "/fn-timer/", "/fn-ab"])
def test_a_path_of_no_function_is_fc_s_404(project, path):
    answer = requests.get(f"{project.url}{path}", timeout=10)
    assert answer.status_code == 404
    assert answer.headers["X-Fc-Error-Type"] == "FcCommonError"
    assert answer.json()["ErrorCode"] == "PathNotFound"


def test_the_banner_lists_the_routes_and_the_function_without_a_trigger(project):
    banner = project.output()
    assert "GET,POST /fn-a/{fc_path+} -> fn-a (fc_a.handler)" in banner
    assert "GET /fn-b -> fn-b (fc_b.handler)" in banner
    assert "not served: function fn-timer (no HTTP trigger)" in banner


def with_domain(tmp_path: Path, api_function: str = "fn-a") -> Path:
    """tests/gateway/s.yaml plus an fc3-domain resource routing both functions."""
    document = yaml.safe_load(S_YAML.read_text())
    for props in (r["props"] for r in document["resources"].values()):
        props["code"] = str(GATEWAY / "fc")
    document["resources"]["domain"] = {
        "component": "fc3-domain",
        "props": {
            "region": "cn-hangzhou",
            "domainName": "auto",
            "protocol": "HTTP",
            "routeConfig": {
                "routes": [
                    {"path": "/api/*", "functionName": api_function, "methods": ["GET", "POST"]},
                    {"path": "/b", "functionName": "${resources.fn-b.props.functionName}"},
                ]
            },
        },
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_an_fc3_domain_s_routes_are_served_as_a_custom_domain(tmp_path):
    with polyfaas_run(f"--config={with_domain(tmp_path)}", "--provider", "alibaba") as runner:
        a = requests.get(f"{runner.url}/api/users/1", timeout=10)
        root = requests.get(f"{runner.url}/api/", timeout=10)
        b = requests.delete(f"{runner.url}/b", timeout=10)  # no methods: any method
        none = requests.get(f"{runner.url}/fn-a/", timeout=10)
        wrong = requests.put(f"{runner.url}/api/x", timeout=10)
    assert (a.json()["function"], a.json()["path"]) == ("a", "/api/users/1")
    assert "Content-Disposition" not in a.headers
    assert root.json()["path"] == "/api/"
    assert (b.json()["function"], b.json()["method"]) == ("b", "DELETE")
    assert none.status_code == 404
    assert wrong.status_code == 403


def test_a_route_to_a_function_the_file_lacks_is_a_clear_error(tmp_path):
    path = with_domain(tmp_path, api_function="fn-x")
    done = subprocess.run(
        [sys.executable, "-m", "polyfaas", "run", "--provider", "alibaba", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        check=False,
    )
    assert done.returncode == 2
    assert "route /api/* names function 'fn-x'" in done.stderr


def test_config_without_the_platform_s_provider_names_the_option():
    done = subprocess.run(
        [sys.executable, "-m", "polyfaas", "run", "--provider", "local", "--config", str(S_YAML)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "choose the platform whose file it is with --provider" in done.stderr


def test_routes_lists_the_s_yaml_s_routes():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "polyfaas",
            "routes",
            "--provider",
            "alibaba",
            "--config",
            str(S_YAML),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()]
    assert rows[0] == ["METHODS", "PATH", "NAME"]
    assert ["GET,POST", "/fn-a/{fc_path+}", "fn-a"] in rows
    assert ["GET", "/fn-b", "fn-b"] in rows
    assert "function fn-timer (no HTTP trigger)" in done.stderr
