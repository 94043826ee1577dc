"""What each deploying provider knows for ``polyfaas package``: its Python runtimes and
package limits (facts), its handler setting, extra requirements and files, and the
deploy configuration it writes beside the zip, read back with the tools' own readers
(PyYAML for YAML, shlex for the shell, the block structure for Terraform) and checked
field by field against the shapes of the platforms' docs (the adapters' ASSUMPTIONS.md,
"Deployment packages")."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from hypothesis import given
from hypothesis import strategies as st

from polyfaas import providers
from polyfaas.errors import PolyfaasError
from polyfaas.platform import Package, yaml_text
from polyfaas.runtime import parse_target

DEPLOYING = ["alibaba", "alibaba-wsgi", "alibaba-custom", "yandex", "yandex-gateway"]
SHA = "0123456789abcdef" * 4


def package_for(provider: str, **changes: Any) -> Package:
    """The package ``polyfaas package`` would describe for ``main.py:handler`` in a
    folder ``hello_world``, built for the platform's newest Python."""
    facts = providers.platform_half(provider).facts
    python = list(facts.python_runtimes)[-1]
    fields: dict[str, Any] = {
        "provider": provider,
        "target": "main.py:handler",
        "handler": "main.handler",
        "python": python,
        "runtime": facts.python_runtimes[python],
        "zip_name": "hello world.zip",
        "sha256": SHA,
        "size": 1234,
        "function_name": "hello_world",
        "memory_mb": 256,
        "timeout_s": 30.0,
    }
    fields.update(changes)
    return Package(**fields)


def deploy_files(package: Package) -> dict[str, str]:
    return dict(providers.platform_half(package.provider).deploy_files(package))


# -- the YAML writer ------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
documents = st.recursive(
    st.dictionaries(st.text(), scalars, max_size=4),
    lambda inner: st.dictionaries(
        st.text(), scalars | inner | st.lists(scalars | inner, max_size=3), max_size=4
    ),
    max_leaves=12,
)


@given(documents)
def test_yaml_text_reads_back_as_the_document_it_was_made_from(document: dict[str, Any]) -> None:
    assert yaml.safe_load(yaml_text(document)) == (document or None)


@pytest.mark.parametrize(
    "value", ["no", "on", "3.10", "${vars.region}", "- x", "a: b", "#x", "'", "\u2028", "😀"]
)
def test_yaml_text_keeps_strings_yaml_would_read_as_something_else(value: str) -> None:
    text = yaml_text({value: value, "list": [value]})
    assert yaml.safe_load(text) == {value: value, "list": [value]}
    assert "\u2028" not in text  # a line break for YAML 1.1: always escaped


def test_yaml_text_refuses_what_it_cannot_write() -> None:
    with pytest.raises(TypeError, match="bytes"):
        yaml_text({"x": b"raw"})
    with pytest.raises(ValueError, match="finite"):
        yaml_text({"x": float("inf")})


def test_yaml_text_is_the_same_text_for_the_same_document() -> None:
    document = {"b": [1, {"c": "d", "e": []}], "a": {}}
    assert yaml_text(document) == yaml_text(dict(document))
    assert yaml_text(document, comments=["one", "two"]).startswith("# one\n# two\nb:\n")


# -- facts ----------------------------------------------------------------------------

SPELLING = {
    "alibaba": r"python3\.(\d+)",
    "alibaba-wsgi": r"python3\.(\d+)",
    "alibaba-custom": r"custom\.debian(\d+)",
    "yandex": r"python3(\d+)",
    "yandex-gateway": r"python3(\d+)",
}


@pytest.mark.parametrize("provider", DEPLOYING)
def test_every_deploying_provider_has_runtimes_and_package_limits(provider: str) -> None:
    facts = providers.platform_half(provider).facts
    versions = [tuple(int(part) for part in python.split(".")) for python in facts.python_runtimes]
    assert versions, "a deploying provider names its Python runtimes"
    assert versions == sorted(versions), "oldest first: the newest (the default) is the last"
    assert all(major == 3 and minor >= 9 for major, minor in versions)  # what polyfaas runs on
    for python, runtime in facts.python_runtimes.items():
        spelled = re.fullmatch(SPELLING[provider], runtime)
        assert spelled, f"{runtime!r} is not spelled as {provider}'s platform spells it"
        if not provider.endswith("custom"):  # a custom runtime is named after its Debian
            assert spelled.group(1) == python.split(".")[1]
    assert facts.max_package_zip is not None
    assert facts.max_package_zip >= 100 * 1024 * 1024
    if facts.max_package_unpacked is not None:
        assert facts.max_package_unpacked > facts.max_package_zip


def test_the_local_provider_deploys_no_code() -> None:
    facts = providers.platform_half("local").facts
    assert dict(facts.python_runtimes) == {}
    assert facts.max_package_zip is None


def test_the_platforms_runtime_tables() -> None:
    runtimes = {name: providers.platform_half(name).facts.python_runtimes for name in DEPLOYING}
    assert runtimes["alibaba"] == {"3.9": "python3.9", "3.10": "python3.10", "3.12": "python3.12"}
    # WSGI HTTP functions are FC 2.0's, which has no python3.12.
    assert runtimes["alibaba-wsgi"] == {"3.9": "python3.9", "3.10": "python3.10"}
    assert runtimes["alibaba-custom"] == {
        "3.10": "custom.debian10",
        "3.11": "custom.debian12",
        "3.12": "custom.debian11",
    }
    assert runtimes["yandex"] == {"3.11": "python311", "3.12": "python312"}
    assert runtimes["yandex-gateway"] == runtimes["yandex"]


@pytest.mark.parametrize("provider", DEPLOYING)
def test_the_handler_setting_is_module_dot_attribute(provider: str, tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def handler(event, context):\n    return 1\n")
    target = parse_target("main.py:handler", cwd=tmp_path)
    assert providers.platform_half(provider).handler_setting(target) == "main.handler"


@pytest.mark.parametrize("provider", DEPLOYING)
def test_only_the_custom_runtime_needs_a_server_in_its_package(provider: str) -> None:
    needed = list(providers.platform_half(provider).package_requirements())
    assert needed == (["gunicorn>=21"] if provider == "alibaba-custom" else [])


# -- Alibaba FC: s.yaml -------------------------------------------------------------------

FC_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def fc3_props(provider: str, **changes: Any) -> dict[str, Any]:
    files = deploy_files(package_for(provider, **changes))
    assert list(files) == ["s.yaml"]
    document = yaml.safe_load(files["s.yaml"])
    assert document["edition"] == "3.0.0"
    assert document["access"] == "default"
    assert document["vars"] == {"region": "cn-hangzhou"}
    assert list(document["resources"]) == [document["name"]]
    resource = document["resources"][document["name"]]
    assert resource["component"] == "fc3"
    props: dict[str, Any] = resource["props"]
    assert props["region"] == "${vars.region}"
    assert props["triggers"] == [
        {
            "triggerName": "http",
            "triggerType": "http",
            "triggerConfig": {"authType": "anonymous", "methods": FC_METHODS},
        }
    ]
    return props


def test_alibaba_writes_the_fc3_components_s_yaml() -> None:
    props = fc3_props("alibaba")
    assert props == {
        "region": "${vars.region}",
        "functionName": "hello_world",
        "runtime": "python3.12",
        "handler": "main.handler",
        "code": "./hello world.zip",
        "memorySize": 256,
        "timeout": 30,
        "triggers": props["triggers"],
    }


def test_alibaba_custom_starts_the_bootstrap_on_port_9000() -> None:
    props = fc3_props("alibaba-custom", timeout_s=2.5)
    assert props["runtime"] == "custom.debian11"
    assert props["handler"] == "main.handler"
    assert props["customRuntimeConfig"] == {"command": ["/code/bootstrap"], "port": 9000}
    assert props["timeout"] == 3  # whole seconds, rounded up


def test_alibaba_wsgi_writes_an_fc2_http_function() -> None:
    files = deploy_files(package_for("alibaba-wsgi"))
    document = yaml.safe_load(files["s.yaml"])
    assert document["edition"] == "1.0.0"
    assert document["vars"] == {"region": "cn-hangzhou"}
    service = document["services"]["hello_world"]
    assert service["component"] == "devsapp/fc"
    assert service["props"] == {
        "region": "${vars.region}",
        "service": {"name": "hello_world"},
        "function": {
            "name": "hello_world",
            "runtime": "python3.10",
            "handler": "main.handler",
            "codeUri": "./hello world.zip",
            "memorySize": 256,
            "timeout": 30,
        },
        "triggers": [
            {
                "name": "http",
                "type": "http",
                "config": {"authType": "anonymous", "methods": FC_METHODS},
            }
        ],
    }


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("hello_world", "hello_world"), ("my app!", "my-app"), ("2fast", "fn-2fast"), ("é", "fn")],
)
def test_fc_function_names_keep_to_fcs_alphabet(folder: str, expected: str) -> None:
    props = fc3_props("alibaba", function_name=folder)
    assert props["functionName"] == expected


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"memory_mb": 100}, "128 to 32768 MB in steps of 64 MB, not 100 MB"),
        ({"memory_mb": 200}, "not 200 MB"),
        ({"timeout_s": 86401.0}, "1 to 86400 s, not 86401 s"),
    ],
)
def test_fc_refuses_resources_it_does_not_take(changes: dict[str, Any], message: str) -> None:
    for provider in ("alibaba", "alibaba-wsgi", "alibaba-custom"):
        with pytest.raises(PolyfaasError, match=re.escape(message)):
            deploy_files(package_for(provider, **changes))


# -- Alibaba FC: the custom runtime's bootstrap ---------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_bootstrap_names_the_images_python_and_serves_the_target(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "import polyfaas\n\n\n@polyfaas.http\ndef handler(request, context):\n"
        "    return {'hello': request.query.get('name')}\n"
    )
    platform = providers.platform_half("alibaba-custom")
    files = platform.package_files(parse_target("main.py:handler", cwd=tmp_path), "3.12")
    assert list(files) == ["bootstrap"]
    assert files["bootstrap"].executable
    text = files["bootstrap"].data.decode()
    assert text.startswith("#!/bin/sh\n")
    assert 'PATH="/var/fc/lang/python3.12/bin:$PATH"' in text
    command = shlex.split(text.splitlines()[-1])
    assert command == [
        "exec",
        "${POLYFAAS_PYTHON:-python3.12}",
        "-m",
        "polyfaas",
        "serve",
        "--provider",
        "alibaba-custom",
        "main:handler",
    ]
    # The script itself, run as FC runs it (its own folder, FC_CUSTOM_LISTEN_PORT), with
    # this interpreter standing in for the image's python3.12.
    script = tmp_path / "bootstrap"
    script.write_bytes(files["bootstrap"].data)
    script.chmod(0o755)
    port = free_port()
    environ = {**os.environ, "FC_CUSTOM_LISTEN_PORT": str(port), "POLYFAAS_PYTHON": sys.executable}
    server = subprocess.Popen([str(script)], cwd="/", env=environ, stderr=subprocess.PIPE)
    try:
        answer = None
        for _ in range(300):  # up to ~30 s for the server to listen
            try:
                answer = requests.get(
                    f"http://127.0.0.1:{port}/hi?name=fc",
                    headers={"x-fc-control-path": "/http-invoke", "x-fc-request-id": "r-1"},
                    timeout=10,
                )
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.1)
        assert answer is not None, "the bootstrap's server never listened"
        assert answer.status_code == 200
        assert answer.json() == {"hello": "fc"}
    finally:
        server.terminate()
        server.communicate(timeout=30)


@pytest.mark.parametrize(
    ("python", "folder"),
    [("3.10", "/var/fc/lang/python3.10/bin"), ("3.11", "/usr/bin")],
)
def test_each_custom_runtime_has_its_own_python(python: str, folder: str, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def app(environ, start_response):\n    return []\n")
    target = parse_target("app.py:app", cwd=tmp_path)
    text = providers.platform_half("alibaba-custom").package_files(target, python)["bootstrap"]
    assert f'PATH="{folder}:$PATH"' in text.data.decode()
    assert f"python{python}" in text.data.decode()


def test_a_python_no_custom_runtime_has_is_refused(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def handler(event, context):\n    return 1\n")
    target = parse_target("main.py:handler", cwd=tmp_path)
    with pytest.raises(PolyfaasError, match=r"no FC custom runtime has Python 3\.9"):
        providers.platform_half("alibaba-custom").package_files(target, "3.9")


@pytest.mark.parametrize("provider", ["alibaba", "alibaba-wsgi", "yandex", "yandex-gateway"])
def test_only_the_custom_runtime_adds_files_to_the_zip(provider: str, tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def handler(event, context):\n    return 1\n")
    target = parse_target("main.py:handler", cwd=tmp_path)
    assert dict(providers.platform_half(provider).package_files(target, "3.12")) == {}


# -- Yandex: deploy.sh, as sh runs it -----------------------------------------------------

#: A stand-in for the yc CLI: records each call's arguments (one JSON list a line), and
#: answers what deploy.sh reads: the function exists, its id, no gateway yet.
FAKE_YC = """\
import json, os, sys
args = sys.argv[1:]
with open(os.environ["YC_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:3] == ["serverless", "function", "get"]:
    print("id: d4efunction01\\nname: x")
elif args[:3] == ["serverless", "api-gateway", "get"]:
    sys.exit(1)
"""


def run_deploy_sh(tmp_path: Path, files: dict[str, str], **environ: str) -> tuple[int, list[Any]]:
    """Write the files into a folder whose name has a space and run ``deploy.sh`` with
    a fake ``yc`` first on PATH: its exit status and the yc calls it made."""
    folder = tmp_path / "out dir"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    tools = tmp_path / "bin"
    tools.mkdir()
    yc = tools / "yc"
    yc.write_text(f"#!{sys.executable}\n{FAKE_YC}")
    yc.chmod(0o755)
    log = tmp_path / "yc.log"
    env = {"PATH": f"{tools}:{os.environ['PATH']}", "YC_LOG": str(log), **environ}
    done = subprocess.run(["sh", str(folder / "deploy.sh")], cwd="/", env=env, check=False)
    calls = [yaml.safe_load(line) for line in log.read_text().splitlines()] if log.exists() else []
    return done.returncode, calls


def version_create(calls: list[Any]) -> list[str]:
    (call,) = [c for c in calls if c[:4] == ["serverless", "function", "version", "create"]]
    return list(call[4:])


@pytest.mark.parametrize("provider", ["yandex", "yandex-gateway"])
def test_yandex_deploy_sh_creates_a_version_from_the_zip(provider: str, tmp_path: Path) -> None:
    files = deploy_files(package_for(provider))
    assert set(files) == (
        {"deploy.sh", "main.tf", "openapi.yaml"}
        if provider == "yandex-gateway"
        else {"deploy.sh", "main.tf"}
    )
    expected = [
        "--function-name", "hello-world",
        "--runtime", "python312",
        "--entrypoint", "main.handler",
        "--memory", "256MB",
        "--execution-timeout", "30s",
        "--source-path", "hello world.zip",
    ]  # fmt: skip
    # The command as the shell reads it (a backslash-newline continues the line).
    script = files["deploy.sh"].replace("\\\n", "")
    (line,) = [line for line in script.splitlines() if "function version create" in line]
    assert shlex.split(line)[5:] == expected
    # And as sh runs it, from another folder: the zip is named from the script's own.
    status, calls = run_deploy_sh(tmp_path, files)
    assert status == 0
    assert calls[0] == ["serverless", "function", "get", "--name", "hello-world"]
    assert version_create(calls) == expected


def test_a_zip_over_3_5_mb_goes_through_object_storage(tmp_path: Path) -> None:
    package = package_for("yandex", size=3_500_001)
    key = f"hello-world-{SHA[:16]}.zip"
    files = deploy_files(package)
    status, calls = run_deploy_sh(tmp_path, files, BUCKET="my bucket")
    assert status == 0
    assert ["storage", "s3api", "put-object", "--bucket", "my bucket", "--key", key,
            "--body", "hello world.zip"] in calls  # fmt: skip
    flags = version_create(calls)
    assert "--source-path" not in flags
    assert flags[-6:] == [
        "--package-bucket-name", "my bucket",
        "--package-object-name", key,
        "--package-sha256", SHA,
    ]  # fmt: skip


def test_without_a_bucket_a_large_zip_stops_deploy_sh_before_any_upload(tmp_path: Path) -> None:
    status, calls = run_deploy_sh(tmp_path, deploy_files(package_for("yandex", size=4_000_000)))
    assert status != 0
    assert not [call for call in calls if call[:2] == ["storage", "s3api"]]
    assert not [call for call in calls if "version" in call]


def test_a_zip_of_3_5_mb_goes_up_with_the_call() -> None:
    text = deploy_files(package_for("yandex", size=3_500_000))["deploy.sh"]
    assert "--source-path 'hello world.zip'" in text
    assert "s3api" not in text


# -- Yandex: main.tf ---------------------------------------------------------------------

HCL_LINE = re.compile(r'(?:(\w+)\s*=\s*([^{\s].*)|(\w+)((?:\s+"[^"]*")*)(?:\s*=)?\s*\{|\})')


def hcl_blocks(text: str) -> list[dict[str, Any]]:
    """The top-level blocks of a small Terraform file: ``{"block": [type, labels...],
    attribute: value, nested block type: {...}}``; strings decoded, others as written."""
    root: dict[str, Any] = {"blocks": []}
    stack = [root]
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = HCL_LINE.fullmatch(line)
        assert match, f"not HCL this parser knows: {line!r}"
        name, value, block, labels = match.groups()
        if name:
            stack[-1][name] = value[1:-1] if value.startswith('"') else value
        elif block:
            node = {"block": [block, *re.findall(r'"([^"]*)"', labels or "")], "blocks": []}
            stack[-1]["blocks"].append(node)
            stack.append(node)
        else:
            stack.pop()
    assert stack == [root], "every block is closed"
    return list(root["blocks"])


def function_block(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    (function,) = [b for b in blocks if b["block"] == ["resource", "yandex_function", "function"]]
    return function


def test_main_tf_is_a_yandex_function_resource_of_the_zip() -> None:
    blocks = hcl_blocks(deploy_files(package_for("yandex"))["main.tf"])
    assert blocks[0]["block"] == ["terraform"]
    function = function_block(blocks)
    content = function["blocks"]
    assert {k: v for k, v in function.items() if k not in ("block", "blocks")} == {
        "name": "hello-world",
        "user_hash": SHA,
        "runtime": "python312",
        "entrypoint": "main.handler",
        "memory": "256",
        "execution_timeout": "30",
    }
    assert content == [
        {"block": ["content"], "blocks": [], "zip_filename": "${path.module}/hello world.zip"}
    ]


def test_main_tf_takes_a_large_zip_from_a_bucket_object() -> None:
    blocks = hcl_blocks(deploy_files(package_for("yandex", size=10_000_000))["main.tf"])
    (storage,) = [b for b in blocks if b["block"][:2] == ["resource", "yandex_storage_object"]]
    assert storage["bucket"] == "var.bucket"
    assert storage["key"] == f"hello-world-{SHA[:16]}.zip"
    assert storage["source"] == "${path.module}/hello world.zip"
    assert [b["block"] for b in blocks if b["block"][0] == "variable"] == [["variable", "bucket"]]
    (package,) = function_block(blocks)["blocks"]
    assert package == {
        "block": ["package"],
        "blocks": [],
        "bucket_name": "yandex_storage_object.package.bucket",
        "object_name": "yandex_storage_object.package.key",
        "sha_256": SHA,
    }


def test_main_tf_strings_are_never_interpolated() -> None:
    text = deploy_files(package_for("yandex", zip_name='a"${b}%{c}.zip'))["main.tf"]
    assert 'zip_filename = "${path.module}/a\\"$${b}%%{c}.zip"' in text


# -- Yandex: the API Gateway spec -------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "version"), [("gateway_platform", "0.1"), ("gateway_platform_v1", "1.0")]
)
def test_openapi_yaml_routes_every_path_and_method_to_the_function(
    platform: str, version: str
) -> None:
    from polyfaas_yandex.emulated import function

    half = getattr(function, platform)
    spec = yaml.safe_load(half.deploy_files(package_for("yandex-gateway"))["openapi.yaml"])
    assert spec["openapi"] == "3.0.0"
    assert spec["info"] == {"title": "hello-world", "version": "1.0.0"}
    integration = {
        "type": "cloud_functions",
        "function_id": "${FUNCTION_ID}",
        "payload_format_version": version,
    }
    assert spec["paths"] == {
        "/": {"x-yc-apigateway-any-method": {"x-yc-apigateway-integration": integration}},
        "/{url+}": {
            "x-yc-apigateway-any-method": {
                "parameters": [
                    {"name": "url", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "x-yc-apigateway-integration": integration,
            }
        },
    }


def test_deploy_sh_fills_the_function_id_into_the_gateway_spec(tmp_path: Path) -> None:
    status, calls = run_deploy_sh(tmp_path, deploy_files(package_for("yandex-gateway")))
    assert status == 0
    deployed = tmp_path / "out dir" / "openapi.deployed.yaml"
    integration = yaml.safe_load(deployed.read_text())["paths"]["/{url+}"]
    assert (
        integration["x-yc-apigateway-any-method"]["x-yc-apigateway-integration"]["function_id"]
        == "d4efunction01"
    )
    assert calls[-1] == ["serverless", "api-gateway", "create", "--name", "hello-world",
                         "--spec", "openapi.deployed.yaml"]  # fmt: skip


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("hello_world", "hello-world"), ("My  App", "my-app"), ("42", "fn-42"), ("ab", "fn-ab")],
)
def test_yandex_function_names_keep_to_yandexs_alphabet(folder: str, expected: str) -> None:
    text = deploy_files(package_for("yandex", function_name=folder))["deploy.sh"]
    assert f"--function-name {expected} " in text.replace("\\\n", "")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"memory_mb": 192}, "128 to 4096 MB of memory in steps of 128 MB, not 192 MB"),
        ({"memory_mb": 8192}, "not 8192 MB"),
        ({"timeout_s": 0.0}, "1 to 600 s (3600 s for long-lived functions), not 0 s"),
    ],
)
def test_yandex_refuses_resources_it_does_not_take(changes: dict[str, Any], message: str) -> None:
    for provider in ("yandex", "yandex-gateway"):
        with pytest.raises(PolyfaasError, match=re.escape(message)):
            deploy_files(package_for(provider, **changes))
