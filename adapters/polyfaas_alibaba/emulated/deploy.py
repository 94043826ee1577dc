"""What ``polyfaas package`` writes for FC (ASSUMPTIONS.md "Deployment packages"): the
Serverless Devs ``s.yaml`` beside the zip, and the custom runtime's ``bootstrap`` in it.

- ``alibaba`` (FC 3.0 built-in runtime) and ``alibaba-custom`` (FC 3.0 custom
  runtime): the ``fc3`` component's ``s.yaml`` (edition 3.0.0, ``resources``), with an
  anonymous HTTP trigger; the custom runtime's starts ``/code/bootstrap`` on port 9000
  (``customRuntimeConfig``), a shell script in the zip that runs ``polyfaas serve``
  with the Python the runtime image has;
- ``alibaba-wsgi`` (FC 2.0 HTTP function): FC 3.0 has no WSGI handler (its HTTP
  triggers send events), so its ``s.yaml`` is the FC 2.0 ``devsapp/fc`` component's
  (edition 1.0.0, ``services``: a service, the function, its HTTP trigger).

The region is ``vars.region`` (``cn-hangzhou``, FC's default here too), to be edited in
one place. Every value is quoted (``polyfaas.platform.yaml_text``).
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polyfaas.errors import PolyfaasError
from polyfaas.platform import Package, PackageFile, yaml_text
from polyfaas_alibaba.emulated.fc_base import DEFAULT_REGION

if TYPE_CHECKING:
    from polyfaas.runtime import Target

#: FC's Python runtimes that polyfaas (3.9+) runs on, as FC spells them: FC 3.0's
#: built-in runtimes (python3.12 in public preview), oldest first.
FC3_PYTHON = {"3.9": "python3.9", "3.10": "python3.10", "3.12": "python3.12"}
#: FC 2.0's, where WSGI HTTP functions live: no python3.12.
FC2_PYTHON = {"3.9": "python3.9", "3.10": "python3.10"}
#: The custom runtimes by the Python their image has, and the folder of its
#: ``pythonX.Y``: Debian 10 has 3.10, Debian 12 the system's 3.11, Debian 11 3.12.
CUSTOM_PYTHON = {
    "3.10": ("custom.debian10", "/var/fc/lang/python3.10/bin"),
    "3.11": ("custom.debian12", "/usr/bin"),
    "3.12": ("custom.debian11", "/var/fc/lang/python3.12/bin"),
}
#: The methods an FC HTTP trigger can take: all of them.
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
#: The port FC sends a custom runtime's requests to (its CAPort default).
CUSTOM_PORT = 9000
BOOTSTRAP = "bootstrap"

_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def function_name(name: str) -> str:
    """``name`` as FC takes a function name: letters, digits, ``_`` and ``-``, a
    letter or ``_`` first, at most 128 characters."""
    cleaned = _NOT_IN_NAME.sub("-", name).strip("-")
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = f"fn-{cleaned}".rstrip("-")
    return cleaned[:128]


def checked_resources(package: Package) -> tuple[int, int]:
    """The package's memory (MB) and timeout (whole seconds, rounded up) as FC takes
    them, or a ``PolyfaasError`` naming FC's range."""
    memory, timeout = package.memory_mb, math.ceil(package.timeout_s)
    if not 128 <= memory <= 32 * 1024 or memory % 64:
        raise PolyfaasError(
            f"FC takes a memory size of 128 to 32768 MB in steps of 64 MB, not {memory} MB"
        )
    if not 1 <= timeout <= 86400:
        raise PolyfaasError(f"FC takes a timeout of 1 to 86400 s, not {package.timeout_s:g} s")
    return memory, timeout


def http_trigger(*, fc3: bool) -> dict[str, Any]:
    """An anonymous HTTP trigger taking every method, as the component spells it."""
    config = {"authType": "anonymous", "methods": list(HTTP_METHODS)}
    if fc3:
        return {"triggerName": "http", "triggerType": "http", "triggerConfig": config}
    return {"name": "http", "type": "http", "config": config}


def _header(package: Package, what: str) -> list[str]:
    return [
        f"Serverless Devs configuration of {what} (written by polyfaas package).",
        f"`s deploy` in this folder uploads {package.zip_name} (sha256 {package.sha256}).",
        "The region is vars.region: edit it there.",
    ]


def fc3_yaml(package: Package, *, custom: bool = False) -> str:
    """The ``fc3`` component's ``s.yaml``: the function, its code zip and its HTTP
    trigger; for a custom runtime, ``customRuntimeConfig`` (``/code/bootstrap``)."""
    name = function_name(package.function_name)
    memory, timeout = checked_resources(package)
    props: dict[str, Any] = {
        "region": "${vars.region}",
        "functionName": name,
        "runtime": package.runtime,
        "handler": package.handler,
        "code": f"./{package.zip_name}",
        "memorySize": memory,
        "timeout": timeout,
    }
    if custom:
        props["customRuntimeConfig"] = {"command": [f"/code/{BOOTSTRAP}"], "port": CUSTOM_PORT}
    props["triggers"] = [http_trigger(fc3=True)]
    document = {
        "edition": "3.0.0",
        "name": name,
        "access": "default",
        "vars": {"region": DEFAULT_REGION},
        "resources": {name: {"component": "fc3", "props": props}},
    }
    comments = _header(package, f"the FC 3.0 function {name}")
    if not custom:
        comments.append("A function called by events only needs no HTTP trigger: drop triggers.")
    return yaml_text(document, comments=comments)


def fc2_http_yaml(package: Package) -> str:
    """The FC 2.0 ``devsapp/fc`` component's ``s.yaml`` of a WSGI HTTP function: a
    service of the function's name, the function, its HTTP trigger."""
    name = function_name(package.function_name)
    memory, timeout = checked_resources(package)
    function = {
        "name": name,
        "runtime": package.runtime,
        "handler": package.handler,
        "codeUri": f"./{package.zip_name}",
        "memorySize": memory,
        "timeout": timeout,
    }
    props = {
        "region": "${vars.region}",
        "service": {"name": name},
        "function": function,
        "triggers": [http_trigger(fc3=False)],
    }
    document = {
        "edition": "1.0.0",
        "name": name,
        "access": "default",
        "vars": {"region": DEFAULT_REGION},
        "services": {name: {"component": "devsapp/fc", "props": props}},
    }
    comments = _header(package, f"the FC 2.0 HTTP function {name} (a WSGI handler)")
    comments.append(
        "FC 3.0 has no WSGI handler (its HTTP triggers send events): on FC 3.0, "
        "package for provider alibaba."
    )
    return yaml_text(document, comments=comments)


def custom_runtime(python: str) -> tuple[str, str]:
    """The custom runtime whose image has Python ``python`` and that Python's folder."""
    try:
        return CUSTOM_PYTHON[python]
    except KeyError:
        offered = ", ".join(CUSTOM_PYTHON)
        raise PolyfaasError(
            f"no FC custom runtime has Python {python} (they have: {offered})"
        ) from None


def bootstrap(target: Target, python: str) -> PackageFile:
    """``/code/bootstrap``: starts ``polyfaas serve --provider alibaba-custom`` for
    ``target`` (a module of the package's root) with the image's ``pythonX.Y``, from
    the package's folder; ``POLYFAAS_PYTHON`` names another interpreter (to try the
    package where that Python is not)."""
    runtime, folder = custom_runtime(python)
    spec = shlex.quote(f"{target.module}:{target.attribute}")
    text = "\n".join(
        [
            "#!/bin/sh",
            "# The start command of an FC custom runtime (written by polyfaas package): serves",
            f"# {target.module}:{target.attribute} on FC_CUSTOM_LISTEN_PORT (9000) with the "
            f"Python {python} of {runtime}.",
            'cd "$(dirname "$0")" || exit 1',
            f'PATH="{folder}:$PATH"',
            "export PATH",
            f'exec "${{POLYFAAS_PYTHON:-python{python}}}" -m polyfaas serve '
            f"--provider alibaba-custom {spec}",
            "",
        ]
    )
    return PackageFile(text.encode("utf-8"), executable=True)


def custom_files(target: Target, python: str) -> Mapping[str, PackageFile]:
    """The files a custom runtime's package needs beside the code: ``bootstrap``."""
    return {BOOTSTRAP: bootstrap(target, python)}
