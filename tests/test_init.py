"""``polyfaas init``: every template's project passes its own tests, in a subprocess."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from polyfaas import providers
from tests.runner_process import polyfaas_run


def init(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "polyfaas", "init", *args, str(folder)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def project_tests(folder: Path, provider: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "POLYFAAS_PROVIDER": provider},
    )


@pytest.mark.parametrize(
    ("template", "provider"),
    [
        ("http", "local"),
        ("http", "yandex-gateway"),
        ("flask", "local"),
        ("flask", "yandex-gateway"),
        ("fastapi", "local"),
        ("fastapi", "aws-gateway"),
        ("event", "yandex"),
        ("event", "alibaba"),
    ],
)
def test_generated_project_passes_its_tests(tmp_path: Path, template: str, provider: str) -> None:
    assert init(tmp_path, "--template", template).returncode == 0
    result = project_tests(tmp_path, provider)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


@pytest.mark.parametrize("template", ["http", "event", "flask", "fastapi"])
def test_tox_envs_set_registered_providers(tmp_path: Path, template: str) -> None:
    assert init(tmp_path, "--template", template).returncode == 0
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(tmp_path / "tox.ini")
    envs = [env.strip() for env in tox["tox"]["env_list"].split(",")]
    assert "local" in envs
    for env in envs:
        assert env in providers.names()
        assert f"POLYFAAS_PROVIDER = {env}" in tox[f"testenv:{env}"]["set_env"]
    requirements = (tmp_path / "requirements.txt").read_text().split()
    assert requirements[0] == "polyfaas"
    assert ("flask" in requirements) == (template == "flask")


def test_run_serves_the_generated_http_project(tmp_path: Path) -> None:
    assert init(tmp_path).returncode == 0
    with polyfaas_run("main.py:handler", cwd=tmp_path) as runner:
        answer = requests.get(f"{runner.url}/?name=Ada", timeout=10)
    assert answer.json()["hello"] == "Ada"


def test_non_empty_folder_is_refused_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    refused = init(tmp_path)
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr
    assert not (tmp_path / "main.py").exists()
    assert init(tmp_path, "--force").returncode == 0
    assert (tmp_path / "main.py").exists()
    assert (tmp_path / "keep.txt").read_text() == "mine"
