"""What ``polyfaas package --provider container`` writes beside the zip: a
``Dockerfile`` that makes the image from it, and the Knative ``service.yaml`` that
runs the image (ASSUMPTIONS.md § "Deployment").

The zip is what every provider's package is: the code folder, polyfaas and the
requirements installed for the image's Python on Linux x86_64. The ``Dockerfile``
builds on the official slim image of that Python (``python:X.Y-slim``, pinned to
``linux/amd64``, the wheels' platform), unpacks the zip into ``/app``, adds a
``polyfaas`` command, and runs ``polyfaas serve --provider container`` as a non-root
user; ``docker build`` in the output folder makes the image.
"""

from __future__ import annotations

import json
import re

from polyfaas.platform import Package, yaml_text

#: The official Python images polyfaas runs on (Docker Hub ``python``, slim variants).
PYTHON_IMAGES = {
    version: f"python:{version}-slim" for version in ("3.9", "3.10", "3.11", "3.12", "3.13")
}
APP = "/app"
#: A non-root user's id (no name needed at run time: ``USER`` takes the number).
USER_ID = 10001
PORT = 8080

_NOT_IN_NAME = re.compile(r"[^a-z0-9-]+")


def service_name(name: str) -> str:
    """``name`` as Kubernetes takes a Service's name (an RFC 1035 label: lower-case
    letters, digits and ``-``, a letter first and no ``-`` last, at most 63)."""
    cleaned = _NOT_IN_NAME.sub("-", name.lower()).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"fn-{cleaned}".rstrip("-")
    return cleaned[:63].rstrip("-")


def image_name(package: Package) -> str:
    """The image's placeholder name: a registry to edit, the package's hash as the tag."""
    return f"registry.example.com/{service_name(package.function_name)}:{package.sha256[:12]}"


def dockerfile(package: Package) -> str:
    """The ``Dockerfile`` that makes the image from the zip beside it."""
    command = ["polyfaas", "serve", "--provider", "container", package.handler]
    launcher = '#!/bin/sh\\nexec python -m polyfaas "$@"\\n'
    return "\n".join(
        [
            f"# The container image of {package.function_name} (written by polyfaas package).",
            f"# {package.zip_name} (sha256 {package.sha256}) holds the code, polyfaas and",
            f"# the requirements, installed for Python {package.python} on Linux x86_64.",
            f"# Build it here: docker build -t {image_name(package)} .",
            f"FROM --platform=linux/amd64 {package.runtime}",
            f"ENV PYTHONPATH={APP} PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PORT={PORT}",
            f"COPY {package.zip_name} /tmp/{package.zip_name}",
            f"RUN python -m zipfile -e /tmp/{package.zip_name} {APP} \\",
            f"    && rm /tmp/{package.zip_name} \\",
            f"    && printf '{launcher}' > /usr/local/bin/polyfaas \\",
            "    && chmod 0755 /usr/local/bin/polyfaas \\",
            f"    && useradd --system --uid {USER_ID} --no-create-home app",
            f"WORKDIR {APP}",
            f"USER {USER_ID}",
            f"EXPOSE {PORT}",
            f"CMD {json.dumps(command)}",
            "",
        ]
    )


def service_yaml(package: Package) -> str:
    """The Knative ``Service`` that runs the image (its name, port, timeout, memory)."""
    document = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": service_name(package.function_name)},
        "spec": {
            "template": {
                "spec": {
                    "timeoutSeconds": max(1, round(package.timeout_s)),
                    "containers": [
                        {
                            "image": image_name(package),
                            "ports": [{"containerPort": PORT}],
                            "resources": {"limits": {"memory": f"{package.memory_mb}Mi"}},
                        }
                    ],
                }
            }
        },
    }
    comments = [
        f"Knative Service of {package.function_name} (written by polyfaas package).",
        "Build and push the image (Dockerfile in this folder), set its name below, then:",
        "kubectl apply -f service.yaml",
    ]
    return yaml_text(document, comments=comments)


def deploy_files(package: Package) -> dict[str, str]:
    """File name → text: the ``Dockerfile`` and ``service.yaml``."""
    return {"Dockerfile": dockerfile(package), "service.yaml": service_yaml(package)}
