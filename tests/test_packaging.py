"""Packaging facts users rely on: typed packages, adapters importable, the command."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib import resources

import pytest


@pytest.mark.parametrize("package", ["polyfaas", "polyfaas_alibaba", "polyfaas_yandex"])
def test_packages_are_importable_and_typed(package):
    module = importlib.import_module(package)
    assert module.__doc__
    assert resources.files(package).joinpath("py.typed").is_file()


def test_console_script_lists_providers():
    result = subprocess.run(
        [sys.executable, "-m", "polyfaas", "providers"], capture_output=True, text=True, check=True
    )
    assert result.stdout.split()[0] == "local"


def test_console_script_without_command_shows_help():
    result = subprocess.run(
        [sys.executable, "-m", "polyfaas"], check=False, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "usage: polyfaas" in result.stdout
