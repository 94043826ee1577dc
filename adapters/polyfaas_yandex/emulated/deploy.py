"""What ``polyfaas package`` writes for Yandex Cloud Functions (ASSUMPTIONS.md
"Deployment packages"), beside the zip:

- ``deploy.sh``: ``yc serverless function version create`` (runtime, entry point,
  memory, timeout, the zip), after creating the function when it does not exist. A zip
  up to 3.5 MB goes up with the call (``--source-path``); a larger one, up to the
  platform's 128 MB, through Object Storage (``yc storage s3api put-object`` to
  ``$BUCKET``, then ``--package-bucket-name/--package-object-name/--package-sha256``);
- ``main.tf``: the Terraform ``yandex_function`` resource, ``user_hash`` the zip's
  SHA-256 (a new zip, a new version; the same zip, none), its code as ``content``
  or, over 3.5 MB, as a ``package`` in a bucket (a ``yandex_storage_object``);
- for ``yandex-gateway``, ``openapi.yaml``: an API Gateway spec whose greedy route (the
  one the emulation imitates) and root reach the function with any method, and
  ``deploy.sh`` creates or updates the gateway with the function's id filled in.
"""

from __future__ import annotations

import math
import re
import shlex
from typing import Any

from polyfaas.errors import PolyfaasError
from polyfaas.platform import Package, yaml_text
from polyfaas_yandex.emulated.router import GREEDY_ROUTE

#: The Python runtimes Yandex runs new versions on, oldest first: the preloaded
#: python311 (no longer updated) and python312 (supported).
PYTHON = {"3.11": "python311", "3.12": "python312"}
#: A zip through Object Storage, and unpacked.
MAX_ZIP = 128 * 1024 * 1024
MAX_UNPACKED = 680 * 1024 * 1024
#: The largest zip that goes up with the call itself ("files larger than 3.5 MB
#: should be uploaded via Object Storage"); 3.5 million bytes, the smaller reading.
MAX_DIRECT = 3_500_000
#: The placeholder of the function's id in ``openapi.yaml`` (``deploy.sh`` fills it in).
FUNCTION_ID = "${FUNCTION_ID}"

_NOT_IN_NAME = re.compile(r"[^a-z0-9-]+")


def function_name(name: str) -> str:
    """``name`` as Yandex takes a resource name: 3 to 63 lowercase letters, digits and
    hyphens, starting with a letter and not ending with a hyphen."""
    cleaned = re.sub("-{2,}", "-", _NOT_IN_NAME.sub("-", name.lower())).strip("-")
    if len(cleaned) < 3 or not cleaned[0].isalpha():
        cleaned = f"fn-{cleaned}".strip("-")
    return cleaned[:63].rstrip("-")


def checked_resources(package: Package) -> tuple[int, int]:
    """The package's memory (MB) and timeout (whole seconds, rounded up) as Yandex
    takes them, or a ``PolyfaasError`` naming its range."""
    memory, timeout = package.memory_mb, math.ceil(package.timeout_s)
    if not 128 <= memory <= 4096 or memory % 128:
        raise PolyfaasError(
            f"Yandex Cloud Functions take 128 to 4096 MB of memory in steps of 128 MB, "
            f"not {memory} MB"
        )
    if not 1 <= timeout <= 3600:
        raise PolyfaasError(
            "Yandex Cloud Functions take a timeout of 1 to 600 s (3600 s for long-lived "
            f"functions), not {package.timeout_s:g} s"
        )
    return memory, timeout


def object_key(package: Package) -> str:
    """The zip's key in the bucket: the function's name and the zip's hash, so a new
    zip never replaces the code of a version made from an older one."""
    return f"{function_name(package.function_name)}-{package.sha256[:16]}.zip"


def deploy_sh(package: Package, *, gateway: str | None) -> str:
    """The ``yc`` commands that deploy the zip as a new version of the function (and,
    behind API Gateway, the gateway)."""
    name = function_name(package.function_name)
    memory, timeout = checked_resources(package)
    q = shlex.quote
    version = [
        "yc serverless function version create",
        f"--function-name {q(name)}",
        f"--runtime {q(package.runtime)}",
        f"--entrypoint {q(package.handler)}",
        f"--memory {memory}MB",
        f"--execution-timeout {timeout}s",
    ]
    lines = [
        "#!/bin/sh",
        f"# Deploys {package.zip_name} as a new version of the Yandex Cloud Function {name}",
        "# (written by polyfaas package). Needs the yc CLI, logged in (yc init): the folder",
        "# is yc's default one.",
        "set -eu",
        'cd "$(dirname "$0")"',
        f"yc serverless function get --name {q(name)} >/dev/null 2>&1 ||",
        f"  yc serverless function create --name {q(name)}",
    ]
    if package.size <= MAX_DIRECT:
        version.append(f"--source-path {q(package.zip_name)}")
    else:
        key = object_key(package)
        lines += [
            f"# The zip is over 3.5 MB ({package.size} bytes): it goes through Object Storage.",
            ': "${BUCKET:?set BUCKET to the Object Storage bucket to upload the zip to}"',
            f'yc storage s3api put-object --bucket "$BUCKET" --key {q(key)} '
            f"--body {q(package.zip_name)}",
        ]
        version += [
            '--package-bucket-name "$BUCKET"',
            f"--package-object-name {q(key)}",
            f"--package-sha256 {q(package.sha256)}",
        ]
    lines.append(" \\\n  ".join(version))
    if gateway is None:
        lines += [
            "# To let anyone call it over HTTPS:",
            f"# yc serverless function allow-unauthenticated-invoke {q(name)}",
        ]
    else:
        lines += gateway_commands(name)
    return "\n".join(lines) + "\n"


def gateway_commands(name: str) -> list[str]:
    """The function's id into ``openapi.yaml``, then the gateway made or updated."""
    q = shlex.quote
    return [
        "# API Gateway in front (openapi.yaml): its greedy route calls the function.",
        f"FUNCTION_ID=$(yc serverless function get --name {q(name)} --format yaml"
        " | sed -n 's/^id: //p')",
        'sed "s/\\${FUNCTION_ID}/$FUNCTION_ID/" openapi.yaml > openapi.deployed.yaml',
        f"if yc serverless api-gateway get --name {q(name)} >/dev/null 2>&1; then",
        f"  yc serverless api-gateway update --name {q(name)} --spec openapi.deployed.yaml",
        "else",
        f"  yc serverless api-gateway create --name {q(name)} --spec openapi.deployed.yaml",
        "fi",
        "# The gateway calls the function without a service account: make it callable,",
        f"# yc serverless function allow-unauthenticated-invoke {q(name)}, or set",
        "# service_account_id in openapi.yaml's integrations to one that may invoke it.",
    ]


def _hcl_escaped(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("${", "$${")
        .replace("%{", "%%{")
    )


def hcl(text: str) -> str:
    """``text`` as a Terraform (HCL) string: quoted, escaped, no interpolation."""
    return f'"{_hcl_escaped(text)}"'


def hcl_beside(file_name: str) -> str:
    """The path of ``file_name`` in this configuration's folder (``path.module``, so
    ``terraform`` finds it from anywhere)."""
    return f'"${{path.module}}/{_hcl_escaped(file_name)}"'


def main_tf(package: Package) -> str:
    """The Terraform configuration: the provider, the ``yandex_function`` resource and,
    over 3.5 MB, the bucket object its code comes from."""
    name = function_name(package.function_name)
    memory, timeout = checked_resources(package)
    head = [
        f"# The Yandex Cloud Function {name} (written by polyfaas package): terraform init &&",
        "# terraform apply. user_hash is the zip's SHA-256: a new zip makes a new version.",
        "terraform {",
        "  required_providers {",
        "    yandex = {",
        '      source = "yandex-cloud/yandex"',
        "    }",
        "  }",
        "}",
        "",
    ]
    if package.size <= MAX_DIRECT:
        code = ["  content {", f"    zip_filename = {hcl_beside(package.zip_name)}", "  }"]
        storage: list[str] = []
    else:
        code = [
            "  package {",
            "    bucket_name = yandex_storage_object.package.bucket",
            "    object_name = yandex_storage_object.package.key",
            f"    sha_256     = {hcl(package.sha256)}",
            "  }",
        ]
        storage = [
            "# The zip is over 3.5 MB: its code goes through Object Storage.",
            'variable "bucket" {',
            '  description = "The Object Storage bucket to upload the zip to"',
            "  type        = string",
            "}",
            "",
            'resource "yandex_storage_object" "package" {',
            "  bucket = var.bucket",
            f"  key    = {hcl(object_key(package))}",
            f"  source = {hcl_beside(package.zip_name)}",
            "}",
            "",
        ]
    function = [
        'resource "yandex_function" "function" {',
        f"  name              = {hcl(name)}",
        f"  user_hash         = {hcl(package.sha256)}",
        f"  runtime           = {hcl(package.runtime)}",
        f"  entrypoint        = {hcl(package.handler)}",
        f"  memory            = {memory}",
        f'  execution_timeout = "{timeout}"',
        *code,
        "}",
    ]
    return "\n".join([*head, *storage, *function]) + "\n"


def openapi_yaml(package: Package, payload_version: str) -> str:
    """The API Gateway spec: ``/`` and the greedy route, any method, to the function."""
    name = function_name(package.function_name)
    greedy = GREEDY_ROUTE.strip("/{}+")
    integration = {
        "type": "cloud_functions",
        "function_id": FUNCTION_ID,
        "payload_format_version": payload_version,
    }
    parameter = {"name": greedy, "in": "path", "required": True, "schema": {"type": "string"}}
    paths: dict[str, Any] = {
        "/": {"x-yc-apigateway-any-method": {"x-yc-apigateway-integration": integration}},
        GREEDY_ROUTE: {
            "x-yc-apigateway-any-method": {
                "parameters": [parameter],
                "x-yc-apigateway-integration": integration,
            }
        },
    }
    document = {"openapi": "3.0.0", "info": {"title": name, "version": "1.0.0"}, "paths": paths}
    comments = [
        f"API Gateway in front of the Yandex Cloud Function {name} (written by polyfaas",
        "package): every path and method reaches it. deploy.sh fills in ${FUNCTION_ID}.",
    ]
    return yaml_text(document, comments=comments)


def deploy_files(package: Package, *, gateway: str | None) -> dict[str, str]:
    """``deploy.sh`` and ``main.tf``; behind API Gateway (payload format ``gateway``),
    ``openapi.yaml`` too."""
    files = {"deploy.sh": deploy_sh(package, gateway=gateway), "main.tf": main_tf(package)}
    if gateway is not None:
        files["openapi.yaml"] = openapi_yaml(package, gateway)
    return files
