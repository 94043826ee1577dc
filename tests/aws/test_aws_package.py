"""``polyfaas package --provider aws*``, run as a command: the zip (the code at its root,
the requirements installed for ``manylinux2014_x86_64`` from a local wheel folder, no
network), unpacked and called by a bare interpreter with the provider's documented
sample event; the refusal of a package over Lambda's 250 MB; and ``template.yaml``,
read back with PyYAML and checked field by field against the SAM and CloudFormation
references (ASSUMPTIONS.md "Packages")."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

import polyfaas
from polyfaas import providers
from polyfaas.errors import PolyfaasError
from polyfaas.platform import FunctionConfig, Outcome, Package, load_samples
from polyfaas_aws.emulated import sam
from polyfaas_aws.emulated.platform import gateway_platform
from tests import test_package as kit

AWS = ["aws", "aws-gateway", "aws-http", "aws-alb"]
#: The documented sample event each provider's function receives.
SAMPLE = {"aws": "direct", "aws-gateway": "gateway-v1", "aws-http": "http-v2", "aws-alb": "alb"}
MAIN = """
import fastpkg, purepkg, polyfaas

@polyfaas.http
def handler(request, context):
    return {"path": request.path, "method": request.method, "provider": context.provider,
            "build": fastpkg.BUILD, "kind": purepkg.KIND}

@polyfaas.event
def on_event(event, context):
    return {"data": event.data, "provider": context.provider, "build": fastpkg.BUILD}
"""
#: CloudFormation's pseudo parameters a template may ``Ref`` without declaring them.
PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::URLSuffix", "AWS::Partition"}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pure wheel, and a manylinux2014 one per Lambda Python beside newer wheels for
    this machine's kind of platform, which must not be chosen."""
    folder = tmp_path_factory.mktemp("wheels")
    kit.write_wheel(
        folder, "purepkg", "1.0", "py3-none-any", {"purepkg/__init__.py": b"KIND = 'pure'\n"}
    )
    for python in sam.PYTHON:
        cp = "cp" + python.replace(".", "")
        right = {"fastpkg/__init__.py": b"BUILD = 'manylinux2014'\n"}
        kit.write_wheel(folder, "fastpkg", "1.0", f"{cp}-{cp}-manylinux2014_x86_64", right)
        for tag in ("linux_x86_64", "macosx_11_0_x86_64", "manylinux2014_aarch64"):
            wrong = {"fastpkg/__init__.py": b"BUILD = 'wrong'\n"}
            kit.write_wheel(folder, "fastpkg", "1.1", f"{cp}-{cp}-{tag}", wrong)
    return folder


def code_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "orders_api"
    folder.mkdir()
    (folder / "main.py").write_text(MAIN, encoding="utf-8")
    (folder / "requirements.txt").write_text("purepkg\nfastpkg\n", encoding="utf-8")
    return folder


def packed(provider: str, folder: Path, wheels: Path, *args: str) -> dict[str, Any]:
    """``polyfaas package`` in its own process, offline; its manifest."""
    done = kit.run_cli(
        "--provider",
        provider,
        "--find-links",
        str(wheels),
        "--no-index",
        *args,
        "main.py:handler",
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    manifest: dict[str, Any] = json.loads((folder / "dist" / "polyfaas-package.json").read_text())
    return manifest


def bare_answer(folder: Path, provider: str, handler: str) -> Any:
    """The provider's sample event, passed by a bare interpreter that sees only the
    unpacked ``folder`` to ``handler`` with the Lambda context; what the caller gets."""
    half = providers.platform_half(provider)
    event = load_samples("polyfaas_aws")[SAMPLE[provider]]
    config = FunctionConfig(name="orders-api", handler=handler)
    if provider == "aws":
        payload: polyfaas.Request | polyfaas.Event = polyfaas.Event(data=event)
    else:
        payload = polyfaas.Request("GET", "/")
    call = half.call(payload, config)
    call = attrs.evolve(call, args=(event, call.args[1]))
    seen: dict[str, Any] = {}

    class Capture:
        """Stands in for the platform half inside ``call_bare``: keeps the value."""

        def call(self, _payload: Any, _config: FunctionConfig) -> Any:
            return call

        def instance_environ(self, config: FunctionConfig) -> Any:
            return half.instance_environ(config)

        def receive(self, outcome: Outcome, _native: Any) -> Any:
            seen["value"] = outcome.value
            return half.receive(outcome, call)  # the call with its payload

    response, where = kit.call_bare(folder, handler, Capture(), payload)  # type: ignore[arg-type]
    assert where["polyfaas"].startswith(str(folder))
    assert not where["site"]
    return response, seen["value"]


@pytest.mark.parametrize("provider", AWS)
def test_the_zip_runs_bare_on_the_providers_sample_event(
    provider: str, wheels: Path, tmp_path: Path
) -> None:
    folder = code_folder(tmp_path)
    manifest = packed(provider, folder, wheels)
    assert (manifest["provider"], manifest["handler"]) == (provider, "main.handler")
    assert manifest["runtime"] == "python3.13"  # the newest, the default
    zip_path = folder / "dist" / manifest["zip"]
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        built = archive.read("fastpkg/__init__.py")
        tag = archive.read("fastpkg-1.0.dist-info/WHEEL").decode()
    # The code at the root, beside its dependencies and polyfaas: Lambda's layout.
    assert {"main.py", "purepkg/__init__.py", "polyfaas/__init__.py", "attr/__init__.py"} <= names
    assert not any(name.startswith(("orders_api/", "dist/", "bin/")) for name in names)
    assert built == b"BUILD = 'manylinux2014'\n"
    assert "Tag: cp313-cp313-manylinux2014_x86_64" in tag
    unpacked = kit.unpack(zip_path, tmp_path / "unpacked")
    event = load_samples("polyfaas_aws")[SAMPLE[provider]]
    if provider == "aws":
        response, value = bare_answer(unpacked, provider, "main.on_event")
        assert value == {"data": event, "provider": "aws", "build": "manylinux2014"}
        assert response.json() == value
        return
    response, value = bare_answer(unpacked, provider, manifest["handler"])
    assert response.status == 200
    path = event.get("rawPath") or event["path"]
    method = event.get("httpMethod") or event["requestContext"]["http"]["method"]
    assert response.json() == {
        "path": path,
        "method": method,
        "provider": "aws",
        "build": "manylinux2014",
        "kind": "pure",
    }
    assert isinstance(value, dict)
    assert value["statusCode"] == 200  # the proxy answer the front door reads


def test_the_python_and_resources_asked_for_reach_the_template(
    wheels: Path, tmp_path: Path
) -> None:
    folder = code_folder(tmp_path)
    args = ("--python", "3.10", "--memory", "512", "--timeout", "29.5", "--no-verify")
    manifest = packed("aws-http", folder, wheels, *args)
    assert manifest["runtime"] == "python3.10"
    function = template_of(folder)["Resources"]["Function"]["Properties"]
    assert (function["Runtime"], function["MemorySize"], function["Timeout"]) == (
        "python3.10",
        512,
        30,  # whole seconds, rounded up
    )
    tag = zipfile.ZipFile(folder / "dist" / manifest["zip"]).read("fastpkg-1.0.dist-info/WHEEL")
    assert b"Tag: cp310-cp310-manylinux2014_x86_64" in tag


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--memory", "64"), "Lambda takes 128 to 10240 MB of memory, not 64 MB"),
        (("--timeout", "901"), "Lambda takes a timeout of 1 to 900 s, not 901 s"),
        (("--python", "3.8"), "provider aws has no Python 3.8 runtime; --python takes one of"),
    ],
)
def test_settings_lambda_does_not_take_are_refused(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "main.py").write_text("import polyfaas\nhandler = polyfaas.http(print)\n")
    done = kit.run_cli("--provider", "aws", "--no-verify", *args, "main.py:handler", cwd=folder)
    assert done.returncode == 2, done.stdout
    assert message in done.stderr.splitlines()[-1]
    assert "Traceback" not in done.stderr
    assert not list((folder / "dist").glob("*.zip"))


def test_a_package_over_250_mb_unpacked_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "main.py").write_text("import polyfaas\nhandler = polyfaas.http(print)\n")
    with (folder / "model.bin").open("wb") as big:  # sparse: no 250 MB written to disk
        big.truncate(sam.MAX_UNPACKED)
    done = kit.run_cli("--provider", "aws-gateway", "--no-verify", "main.py:handler", cwd=folder)
    assert done.returncode == 2, done.stdout
    last = done.stderr.splitlines()[-1]
    assert re.search(
        r"the package is 26\d\.\d MB \(\d+ bytes\) unpacked, over aws-gateway's limit of "
        r"262\.1 MB \(262144000 bytes\) for a code package",
        last,
    ), last
    assert not list((folder / "dist").glob("*.zip"))


# -- template.yaml -------------------------------------------------------------------


def template_of(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((folder / "dist" / "template.yaml").read_text())
    return document


def package_for(provider: str, **changes: Any) -> Package:
    fields: dict[str, Any] = {
        "provider": provider,
        "target": "main.py:handler",
        "handler": "main.handler",
        "python": "3.13",
        "runtime": "python3.13",
        "zip_name": "orders api.zip",
        "sha256": "ab" * 32,
        "size": 4321,
        "function_name": "orders api",
        "memory_mb": 256,
        "timeout_s": 30.0,
    }
    fields.update(changes)
    return Package(**fields)


def written_template(provider: str, **changes: Any) -> dict[str, Any]:
    files = dict(providers.platform_half(provider).deploy_files(package_for(provider, **changes)))
    assert list(files) == ["template.yaml"]
    document: dict[str, Any] = yaml.safe_load(files["template.yaml"])
    return document


def references(node: Any) -> Iterator[tuple[str, str]]:
    """Every ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` variable: (kind, the name)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                yield "Ref", value
            elif key == "Fn::GetAtt":
                yield "GetAtt", value[0]
            elif key == "Fn::Sub":
                for name in re.findall(r"\$\{([^}!]+)\}", value):
                    yield "Sub", name.split(".")[0]
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


@pytest.mark.parametrize("provider", AWS)
def test_the_template_is_a_sam_function_of_the_zip(provider: str) -> None:
    document = written_template(provider)
    assert document["AWSTemplateFormatVersion"] == "2010-09-09"  # a string, not a date
    assert document["Transform"] == "AWS::Serverless-2016-10-31"
    resources = document["Resources"]
    function = resources["Function"]
    assert function["Type"] == "AWS::Serverless::Function"
    properties = function["Properties"]
    assert properties["CodeUri"] == "orders api.zip"
    assert properties["Handler"] == "main.handler"
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["x86_64"]  # what the wheels are built for
    assert (properties["MemorySize"], properties["Timeout"]) == (256, 30)
    assert all(type(properties[key]) is int for key in ("MemorySize", "Timeout"))
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", properties["FunctionName"])
    assert properties["FunctionName"] == "orders-api"
    # Every logical id is alphanumeric; every reference names something declared.
    assert all(re.fullmatch(r"[A-Za-z0-9]+", name) for name in resources)
    declared = set(resources) | set(document.get("Parameters", {})) | PSEUDO
    # SAM's generated resources (the implicit HTTP API) may be referenced too.
    declared.add("ServerlessHttpApi")
    for kind, name in references(document):
        assert name in (declared if kind != "GetAtt" else resources), f"{kind} {name}"
    for resource in resources.values():
        if "Condition" in resource:
            assert resource["Condition"] in document["Conditions"]
        depends = resource.get("DependsOn")
        assert depends is None or depends in resources
    assert document["Outputs"]["FunctionArn"]["Value"] == {"Fn::GetAtt": ["Function", "Arn"]}


def test_aws_has_no_trigger() -> None:
    document = written_template("aws")
    assert "Events" not in document["Resources"]["Function"]["Properties"]
    assert list(document["Resources"]) == ["Function"]


def test_aws_gateway_is_a_rest_api_with_the_emulations_defaults() -> None:
    document = written_template("aws-gateway")
    events = document["Resources"]["Function"]["Properties"]["Events"]
    assert sorted(
        (e["Properties"]["Path"], e["Properties"]["Method"]) for e in events.values()
    ) == [
        ("/", "ANY"),
        ("/{proxy+}", "ANY"),
    ]
    assert all(e["Type"] == "Api" for e in events.values())
    assert all(e["Properties"]["RestApiId"] == {"Ref": "Api"} for e in events.values())
    api = document["Resources"]["Api"]
    assert api["Type"] == "AWS::Serverless::Api"
    assert api["Properties"]["StageName"] == gateway_platform.stage(FunctionConfig())
    # The emulation's default binary media types (*/*), as SAM escapes "/" (~1).
    assert gateway_platform.binary_media_types(FunctionConfig()) == ["*/*"]
    assert api["Properties"]["BinaryMediaTypes"] == ["*~1*"]
    url = document["Outputs"]["Url"]["Value"]["Fn::Sub"]
    assert url.endswith(f"/{api['Properties']['StageName']}/")


def test_aws_http_is_an_http_apis_default_route_with_payload_2_0() -> None:
    document = written_template("aws-http")
    events = document["Resources"]["Function"]["Properties"]["Events"]
    assert list(events.values()) == [
        {"Type": "HttpApi", "Properties": {"PayloadFormatVersion": "2.0"}}
    ]
    assert "${ServerlessHttpApi}" in document["Outputs"]["Url"]["Value"]["Fn::Sub"]


def test_aws_alb_is_a_lambda_target_group_the_load_balancer_may_invoke() -> None:
    document = written_template("aws-alb")
    resources = document["Resources"]
    assert "Events" not in resources["Function"]["Properties"]  # SAM has no ALB event
    permission = resources["LoadBalancerPermission"]
    assert permission["Type"] == "AWS::Lambda::Permission"
    assert permission["Properties"] == {
        "FunctionName": {"Fn::GetAtt": ["Function", "Arn"]},
        "Action": "lambda:InvokeFunction",
        "Principal": "elasticloadbalancing.amazonaws.com",
    }
    group = resources["TargetGroup"]
    assert group["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"
    assert group["DependsOn"] == "LoadBalancerPermission"
    assert group["Properties"]["TargetType"] == "lambda"
    assert group["Properties"]["Targets"] == [{"Id": {"Fn::GetAtt": ["Function", "Arn"]}}]
    # The emulation's default (--multi-value-headers on); the value is a string.
    assert group["Properties"]["TargetGroupAttributes"] == [
        {"Key": "lambda.multi_value_headers.enabled", "Value": "true"}
    ]
    rule = resources["ListenerRule"]
    assert rule["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"
    assert rule["Condition"] == "HasListener"
    assert rule["Properties"]["Actions"] == [
        {"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}
    ]
    assert rule["Properties"]["Conditions"][0]["PathPatternConfig"]["Values"] == ["/*"]
    parameters = document["Parameters"]
    assert parameters["ListenerArn"] == {
        "Type": "String",
        "Default": "",
        "Description": parameters["ListenerArn"]["Description"],
    }
    assert parameters["ListenerRulePriority"]["Type"] == "Number"
    assert document["Conditions"]["HasListener"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ListenerArn"}, ""]}]
    }


def test_the_template_says_how_to_deploy_and_when_the_zip_is_too_large_to_upload() -> None:
    small = sam.template_yaml(package_for("aws"), None)
    assert "sam deploy --guided" in small
    assert "ab" * 32 in small
    assert "over 50 MB" not in small
    large = sam.template_yaml(package_for("aws", size=sam.MAX_DIRECT_ZIP + 1), None)
    assert f"The zip is over 50 MB ({sam.MAX_DIRECT_ZIP + 1} bytes)" in large
    assert yaml.safe_load(large) == yaml.safe_load(small)  # comments only


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"memory_mb": 10241}, "not 10241 MB"),
        ({"timeout_s": 0.0}, "not 0 s"),
        ({"timeout_s": 900.5}, "not 900.5 s"),
    ],
)
def test_the_template_refuses_resources_lambda_does_not_take(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PolyfaasError, match=re.escape(message)):
        written_template("aws-http", **changes)


def test_every_lambda_surface_has_lambdas_package_facts() -> None:
    for provider in AWS:
        facts = providers.platform_half(provider).facts
        assert dict(facts.python_runtimes) == sam.PYTHON
        assert list(facts.python_runtimes)[-1] == "3.13"
        assert facts.max_package_unpacked == 262_144_000
        # Through S3, as SAM uploads it, the zip has no limit of its own.
        assert facts.max_package_zip is None
