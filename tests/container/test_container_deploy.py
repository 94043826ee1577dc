"""``polyfaas package --provider container`` (issue 18, item 3): the ``Dockerfile`` and
the Knative ``service.yaml`` beside the zip, read back field for field, and the image's
command run from the unpacked zip alone (what ``docker build`` + ``docker run`` do, with
no Docker: a bare interpreter that sees only the unpacked folder)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
import requests
import yaml

from polyfaas import providers
from polyfaas.package import PackageOptions, PipOptions, build
from polyfaas.platform import Package
from polyfaas_container.emulated.deploy import PYTHON_IMAGES, service_name
from tests.runner_process import free_port, poll
from tests.test_package import wheel_of_installed

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PACKAGE = Package(
    provider="container",
    target="main.py:handler",
    handler="main.handler",
    python="3.12",
    runtime="python:3.12-slim",
    zip_name="shop.zip",
    sha256="0123456789abcdef" * 4,
    size=1000,
    function_name="shop",
    memory_mb=256,
    timeout_s=60.0,
)


def instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined = dockerfile.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def test_the_dockerfile_builds_the_image_from_the_zip() -> None:
    files = providers.platform_half("container").deploy_files(PACKAGE)
    assert set(files) == {"Dockerfile", "service.yaml"}
    steps = instructions(files["Dockerfile"])
    assert steps[0] == "FROM --platform=linux/amd64 python:3.12-slim"
    assert "COPY shop.zip /tmp/shop.zip" in steps
    run = next(step for step in steps if step.startswith("RUN "))
    assert "python -m zipfile -e /tmp/shop.zip /app" in run
    assert "useradd --system --uid 10001" in run
    assert "USER 10001" in steps  # not root
    cmd = next(step for step in steps if step.startswith("CMD "))
    assert json.loads(cmd[4:]) == ["polyfaas", "serve", "--provider", "container", "main.handler"]
    env = next(step for step in steps if step.startswith("ENV "))
    assert "PYTHONPATH=/app" in env
    assert "PORT=8080" in env


def test_the_knative_service_runs_the_image() -> None:
    files = providers.platform_half("container").deploy_files(PACKAGE)
    service = yaml.safe_load(files["service.yaml"])
    assert (service["apiVersion"], service["kind"]) == ("serving.knative.dev/v1", "Service")
    assert service["metadata"] == {"name": "shop"}
    spec = service["spec"]["template"]["spec"]
    assert spec["timeoutSeconds"] == 60
    (container,) = spec["containers"]
    assert container["image"] == "registry.example.com/shop:0123456789ab"
    assert container["ports"] == [{"containerPort": 8080}]
    assert container["resources"] == {"limits": {"memory": "256Mi"}}
    assert "kubectl apply -f service.yaml" in files["service.yaml"]


def test_names_become_kubernetes_names() -> None:
    assert service_name("My_Shop.v2") == "my-shop-v2"
    assert service_name("2fast") == "fn-2fast"
    assert len(service_name("x" * 80)) == 63
    long = attrs.evolve(PACKAGE, function_name="Shop_Front")
    assert yaml.safe_load(providers.platform_half("container").deploy_files(long)["service.yaml"])[
        "metadata"
    ] == {"name": "shop-front"}


def test_the_image_runtimes_are_the_official_slim_images() -> None:
    facts = providers.platform_half("container").facts
    assert facts.python_runtimes == PYTHON_IMAGES
    assert all(image == f"python:{v}-slim" for v, image in PYTHON_IMAGES.items())
    assert providers.platform_half("container").package_requirements() == ("gunicorn>=21",)


@pytest.fixture
def offline_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("PIP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


def test_the_image_command_serves_from_the_unpacked_zip(tmp_path: Path, offline_pip: None) -> None:
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if python not in PYTHON_IMAGES:
        pytest.skip(f"no official image for this Python {python}")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel_of_installed(wheels, "gunicorn")
    code = tmp_path / "hello"
    code.mkdir()
    (code / "main.py").write_bytes((EXAMPLES / "hello_http" / "main.py").read_bytes())
    built = build(
        PackageOptions(
            provider="container",
            target=f"{code / 'main.py'}:handler",
            output=tmp_path / "dist",
            python=python,
            pip=PipOptions(find_links=(str(wheels),), no_index=True),
        )
    )
    assert sorted(built.deploy_files) == ["Dockerfile", "service.yaml"]
    app = tmp_path / "app"
    zip_path = tmp_path / "dist" / built.package.zip_name
    subprocess.run([sys.executable, "-m", "zipfile", "-e", str(zip_path), str(app)], check=True)
    port = free_port()
    # The Dockerfile's CMD, with what its ENV sets and nothing of this machine's site.
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(app),
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    command = [sys.executable, "-S", "-m", "polyfaas", "serve", "--provider", "container"]
    process = subprocess.Popen(
        [*command, built.package.handler],
        cwd=app,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/?name=image"

        def answered() -> bool:
            try:
                return requests.get(url, timeout=5).status_code == 200
            except requests.ConnectionError:
                return process.poll() is not None

        assert poll(answered, 30)
        assert requests.get(url, timeout=30).json() == {"hello": "image", "provider": "container"}
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stderr is not None
        stderr = process.stderr.read()
        process.stderr.close()
    assert "(gunicorn)" in stderr  # the zip's gunicorn, not this machine's
