"""What ``polyfaas package`` writes for the AWS providers (ASSUMPTIONS.md "Packages"):
an AWS SAM ``template.yaml`` beside the zip, ``sam deploy`` (or ``aws cloudformation
package`` and ``deploy``) uploading the zip to S3 as it is.

The function (``AWS::Serverless::Function``: the zip as ``CodeUri``, the handler,
runtime, memory, timeout, ``x86_64``: the wheels are ``manylinux2014_x86_64``) and the
front door the provider imitates, with the emulation's defaults:

- ``aws``: none (called through Lambda's Invoke API);
- ``aws-gateway``: a REST API (``AWS::Serverless::Api``, stage ``prod``, every media
  type binary) whose ``/`` and ``/{proxy+}`` take any method;
- ``aws-http``: an HTTP API's default route (payload format 2.0);
- ``aws-alb``: SAM has no load balancer event: the permission for Elastic Load
  Balancing to invoke the function, a ``lambda`` target group of it (multi-value
  headers on) and, given a listener's ARN, a rule forwarding every path to it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from polyfaas.errors import PolyfaasError
from polyfaas.platform import Package, yaml_text

#: Lambda's Python runtimes that polyfaas (3.9+) runs on, oldest first.
PYTHON = {
    "3.9": "python3.9",
    "3.10": "python3.10",
    "3.11": "python3.11",
    "3.12": "python3.12",
    "3.13": "python3.13",
}
#: The unpacked code package, layers included ("Unzipped size must be smaller than
#: 262144000 bytes"). The zip has no limit of its own through S3, the way SAM uploads it.
MAX_UNPACKED = 250 * 1024 * 1024
#: The largest zip uploaded directly (``aws lambda update-function-code --zip-file``).
MAX_DIRECT_ZIP = 50 * 1024 * 1024
#: The architecture the package's wheels are for.
ARCHITECTURE = "x86_64"
#: The REST API's stage, as the emulation's default (``--stage``).
STAGE = "prod"

_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def function_name(name: str) -> str:
    """``name`` as Lambda takes a function name: letters, digits, ``-`` and ``_``, 1 to
    64 characters."""
    return _NOT_IN_NAME.sub("-", name).strip("-")[:64] or "function"


def checked_resources(package: Package) -> tuple[int, int]:
    """The package's memory (MB) and timeout (whole seconds, rounded up) as Lambda takes
    them, or a ``PolyfaasError`` naming Lambda's range."""
    memory, timeout = package.memory_mb, math.ceil(package.timeout_s)
    if not 128 <= memory <= 10240:
        raise PolyfaasError(f"Lambda takes 128 to 10240 MB of memory, not {memory} MB")
    if not 1 <= timeout <= 900:
        raise PolyfaasError(f"Lambda takes a timeout of 1 to 900 s, not {package.timeout_s:g} s")
    return memory, timeout


def function_resource(package: Package, events: dict[str, Any]) -> dict[str, Any]:
    memory, timeout = checked_resources(package)
    properties: dict[str, Any] = {
        "FunctionName": function_name(package.function_name),
        "CodeUri": package.zip_name,
        "Handler": package.handler,
        "Runtime": package.runtime,
        "Architectures": [ARCHITECTURE],
        "MemorySize": memory,
        "Timeout": timeout,
    }
    if events:
        properties["Events"] = events
    return {"Type": "AWS::Serverless::Function", "Properties": properties}


def _arn() -> dict[str, Any]:
    return {"Fn::GetAtt": ["Function", "Arn"]}


def rest_api() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The REST API resource, the function's two events on it, the API's URL."""
    api = {
        "Type": "AWS::Serverless::Api",
        # "~1" is "/" in the JSON pointer SAM takes a media type as: */* is every type.
        "Properties": {"StageName": STAGE, "BinaryMediaTypes": ["*~1*"]},
    }
    events = {
        name: {
            "Type": "Api",
            "Properties": {"RestApiId": {"Ref": "Api"}, "Path": path, "Method": "ANY"},
        }
        for name, path in (("Root", "/"), ("Proxy", "/{proxy+}"))
    }
    url = {"Fn::Sub": f"https://${{Api}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{STAGE}/"}
    return {"Api": api}, events, url


def http_api() -> tuple[dict[str, Any], dict[str, Any]]:
    """The function's HTTP API event (no path nor method: the API's default route,
    every request), the API's URL."""
    events = {"HttpApi": {"Type": "HttpApi", "Properties": {"PayloadFormatVersion": "2.0"}}}
    url = {"Fn::Sub": "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"}
    return events, url


def load_balancer() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Parameters, conditions and resources of the function as a load balancer's target."""
    parameters = {
        "ListenerArn": {
            "Type": "String",
            "Default": "",
            "Description": "An Application Load Balancer listener to forward every path "
            "from to the function (empty: the target group only)",
        },
        "ListenerRulePriority": {
            "Type": "Number",
            "Default": 1,
            "Description": "The rule's priority among the listener's rules (1 to 50000)",
        },
    }
    conditions = {"HasListener": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ListenerArn"}, ""]}]}}
    resources = {
        "LoadBalancerPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": _arn(),
                "Action": "lambda:InvokeFunction",
                "Principal": "elasticloadbalancing.amazonaws.com",
            },
        },
        "TargetGroup": {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            # The target can be registered only once the load balancer may invoke it.
            "DependsOn": "LoadBalancerPermission",
            "Properties": {
                "TargetType": "lambda",
                "Targets": [{"Id": _arn()}],
                "TargetGroupAttributes": [
                    {"Key": "lambda.multi_value_headers.enabled", "Value": "true"}
                ],
            },
        },
        "ListenerRule": {
            "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
            "Condition": "HasListener",
            "Properties": {
                "ListenerArn": {"Ref": "ListenerArn"},
                "Priority": {"Ref": "ListenerRulePriority"},
                "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
                "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}],
            },
        },
    }
    return parameters, conditions, resources


def template(package: Package, door: str | None) -> dict[str, Any]:
    """The SAM template of ``package`` behind ``door`` (``"rest"``, ``"http"``,
    ``"alb"``, or ``None``: invoked directly)."""
    document: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"{package.target} for {package.provider} (polyfaas package)",
    }
    resources: dict[str, Any] = {}
    events: dict[str, Any] = {}
    outputs: dict[str, Any] = {"FunctionArn": {"Value": _arn()}}
    if door == "rest":
        resources, events, url = rest_api()
        outputs["Url"] = {"Value": url}
    elif door == "http":
        events, url = http_api()
        outputs["Url"] = {"Value": url}
    elif door == "alb":
        document["Parameters"], document["Conditions"], resources = load_balancer()
        outputs["TargetGroupArn"] = {"Value": {"Ref": "TargetGroup"}}
    document["Resources"] = {"Function": function_resource(package, events), **resources}
    document["Outputs"] = outputs
    return document


def template_yaml(package: Package, door: str | None) -> str:
    """``template.yaml``: the template, after comments on how to deploy it."""
    comments = [
        f"The AWS Lambda function of {package.zip_name}, written by polyfaas package",
        f"(sha256 {package.sha256}).",
        "Deploy it from this folder with `sam deploy --guided` (no `sam build`: the zip",
        "is built), or with `aws cloudformation package` then `aws cloudformation deploy",
        "--capabilities CAPABILITY_IAM`: both upload the zip to S3 as it is.",
    ]
    if package.size > MAX_DIRECT_ZIP:
        comments += [
            f"The zip is over 50 MB ({package.size} bytes): it cannot go to Lambda",
            "directly (aws lambda update-function-code --zip-file), only through S3.",
        ]
    if door is None:
        comments.append("No trigger: call it with `aws lambda invoke` or an SDK's Invoke.")
    elif door == "alb":
        comments += [
            "SAM has no load balancer event: set ListenerArn to forward a listener's",
            "requests to the function, or add TargetGroup to a rule of your own.",
        ]
    return yaml_text(template(package, door), comments=comments)


def deploy_files(package: Package, door: str | None) -> dict[str, str]:
    """The deploy configuration of an AWS provider: ``template.yaml``."""
    return {"template.yaml": template_yaml(package, door)}
