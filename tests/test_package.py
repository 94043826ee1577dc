"""``polyfaas package``: the zip of an example, for every provider that deploys code,
unpacked and run by a bare interpreter with the platform's own native call; built twice
to the same bytes; requirements installed for the platform from a local wheel folder
written here (a pure wheel, a manylinux one that must be chosen over a newer
``linux_x86_64`` and macOS one, an sdist only); and the verification catching what the
package lacks even where this environment has it.

pip runs for real (``--no-index --find-links``, this machine's pip configuration
switched off); only ``test_real_registry`` reaches PyPI, and skips when it cannot.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests

import polyfaas
from polyfaas import providers
from polyfaas.errors import PolyfaasError
from polyfaas.package import PackageOptions, PipOptions, build
from polyfaas.platform import FunctionConfig, Outcome, PlatformHalf

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hello_http"
DEPLOYING = ["alibaba", "alibaba-wsgi", "alibaba-custom", "yandex", "yandex-gateway"]
#: Runtimes for a provider whose facts do not name any yet (its adapter's own land later).
STAND_IN_RUNTIMES = {"3.10": "python310", "3.12": "python312"}
PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")


# -- wheels and sdists written here -------------------------------------------------------


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(
    folder: Path,
    name: str,
    version: str,
    tag: str,
    files: dict[str, bytes],
    requires: tuple[str, ...] = (),
) -> Path:
    """A wheel: the files, and a dist-info with METADATA, WHEEL and RECORD."""
    info = f"{name}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {line}\n" for line in requires)
    purelib = "true" if tag.endswith("-none-any") else "false"
    members = {
        **files,
        f"{info}/METADATA": meta.encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: {purelib}\nTag: {tag}\n"
        ).encode(),
    }
    record = [_record_line(path, data) for path, data in members.items()]
    members[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = folder / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, data in members.items():
            wheel.writestr(member, data)
    return path


def write_sdist(folder: Path, name: str, version: str) -> Path:
    """A source distribution of a C extension, and nothing else."""
    path = folder / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as sdist:
        for member, text in {
            "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            "setup.py": (
                "from setuptools import Extension, setup\n"
                f"setup(name={name!r}, version={version!r}, "
                f"ext_modules=[Extension({name!r}, ['{name}.c'])])\n"
            ),
            f"{name}.c": "#include <Python.h>\n",
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{member}")
            info.size = len(data)
            sdist.addfile(info, io.BytesIO(data))
    return path


#: A PEP 517 build backend of the sdist's own (``backend-path``), needing nothing to be
#: installed: it writes the pure wheel of the one module beside it.
PURE_BACKEND = r"""
import base64, hashlib, zipfile

NAME, VERSION = "puresrc", "1.0"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    info = f"{NAME}-{VERSION}.dist-info"
    members = {
        f"{NAME}/__init__.py": open(f"{NAME}/__init__.py", "rb").read(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    lines = []
    for path, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(data)}")
    members[f"{info}/RECORD"] = ("\n".join(lines) + f"\n{info}/RECORD,,\n").encode()
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(f"{wheel_directory}/{name}", "w") as wheel:
        for path, data in members.items():
            wheel.writestr(path, data)
    return name
"""


def write_pure_sdist(folder: Path) -> Path:
    """A source distribution only, of pure Python (its wheel builds offline)."""
    path = folder / "puresrc-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as sdist:
        for member, text in {
            "PKG-INFO": "Metadata-Version: 2.1\nName: puresrc\nVersion: 1.0\n",
            "pyproject.toml": (
                '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
            ),
            "backend.py": PURE_BACKEND,
            "puresrc/__init__.py": "KIND = 'built from source'\n",
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(f"puresrc-1.0/{member}")
            info.size = len(data)
            sdist.addfile(info, io.BytesIO(data))
    return path


def wheel_of_installed(folder: Path, name: str) -> Path:
    """A wheel of a pure distribution installed here (what a platform's requirement,
    e.g. a custom runtime's server, is installed from offline)."""
    dist = metadata.distribution(name)
    files: dict[str, bytes] = {}
    for file in dist.files or ():
        parts = Path(str(file)).parts
        if parts[0] == ".." or "__pycache__" in parts or parts[0].endswith(".dist-info"):
            continue
        files["/".join(parts)] = Path(str(dist.locate_file(file))).read_bytes()
    requires = tuple(dist.requires or ())
    return write_wheel(folder, dist.metadata["Name"], dist.version, "py3-none-any", files, requires)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheels")
    write_wheel(
        folder, "purepkg", "1.0", "py3-none-any", {"purepkg/__init__.py": b"KIND = 'pure'\n"}
    )
    for python in PYTHONS:
        cp = "cp" + python.replace(".", "")
        manylinux = {"fastpkg/__init__.py": b"BUILD = 'manylinux2014'\n"}
        write_wheel(folder, "fastpkg", "1.0", f"{cp}-{cp}-manylinux2014_x86_64", manylinux)
        # Newer, so pip would prefer them if it looked at this machine's kind of wheels.
        for tag in ("linux_x86_64", "macosx_11_0_x86_64"):
            write_wheel(
                folder,
                "fastpkg",
                "1.1",
                f"{cp}-{cp}-{tag}",
                {"fastpkg/__init__.py": b"BUILD = 'wrong'\n"},
            )
    write_sdist(folder, "srconly", "1.0")
    write_pure_sdist(folder)
    for name in ("gunicorn", "packaging"):
        wheel_of_installed(folder, name)
    return folder


@pytest.fixture
def offline_pip(monkeypatch):
    """pip with none of this machine's configuration (its index, links, constraints)."""
    for key in list(os.environ):
        if key.startswith("PIP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


def deploying_half(name: str) -> PlatformHalf:
    """The provider's platform half; with stand-in runtimes while its facts name none."""
    half = providers.platform_half(name)
    if half.facts.python_runtimes:
        return half
    stand_in = copy.copy(half)
    stand_in.facts = attrs.evolve(half.facts, python_runtimes=STAND_IN_RUNTIMES)
    if half.facts.runs_server and not half.package_requirements():
        # The custom runtime's server, as `polyfaas serve` runs it in the cloud.
        stand_in.package_requirements = lambda: ("gunicorn>=21",)  # type: ignore[method-assign]
    return stand_in


@pytest.fixture
def provider_halves(monkeypatch):
    """``providers.platform_half`` answering ``deploying_half`` for every deploying provider."""
    real = providers.platform_half
    halves = {name: deploying_half(name) for name in DEPLOYING}
    monkeypatch.setattr(providers, "platform_half", lambda name: halves.get(name) or real(name))
    return halves


def code_folder(tmp_path: Path, main: str | None = None, **files: str) -> Path:
    """A copy of the hello_http example (or of ``main``), with extra files."""
    folder = tmp_path / "hello_http"
    folder.mkdir()
    if main is None:
        shutil.copy(EXAMPLE / "main.py", folder / "main.py")
    else:
        (folder / "main.py").write_text(main, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def pack(folder: Path, provider: str, output: Path, **options) -> tuple[Path, dict[str, Any]]:
    built = build(
        PackageOptions(
            provider=provider, target=str(folder / "main.py") + ":handler", output=output, **options
        )
    )
    manifest = json.loads((output / "polyfaas-package.json").read_text())
    assert built.written[0] == output / manifest["zip"]
    return output / manifest["zip"], manifest


# -- running an unpacked package bare --------------------------------------------------

#: In a bare interpreter (``-I -S``: no site-packages, no PYTHONPATH, no user site):
#: import the handler from the unpacked folder and make the native call read from stdin.
BARE_CALL = r"""
import importlib, os, pickle, sys
folder, handler = sys.argv[1], sys.argv[2]
sys.path.insert(0, folder)
os.chdir(folder)
call = pickle.load(sys.stdin.buffer)
module, _, attribute = handler.rpartition(".")
entry = getattr(importlib.import_module(module), attribute)
value = call.via(entry, call) if call.via is not None else entry(*call.args, **call.kwargs)
import polyfaas
seen = {"polyfaas": polyfaas.__file__, "path": sys.path, "site": "site" in sys.modules}
sys.stdout.buffer.write(pickle.dumps((value, seen)))
"""


def unpack(zip_path: Path, folder: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
    return folder


def call_bare(folder: Path, handler: str, half: PlatformHalf, request: polyfaas.Request):
    """The platform's native call for ``request``, made in a bare interpreter that sees
    only ``folder``; what the platform's caller receives, and what the child saw."""
    config = FunctionConfig(name="hello-http", handler=handler)
    call = half.call(request, config)
    environ = {**half.instance_environ(config), **call.environ, "PATH": os.environ["PATH"]}
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", BARE_CALL, str(folder), handler],
        input=pickle.dumps(attrs.evolve(call, payload=None)),  # type: ignore[arg-type]
        capture_output=True,
        env=environ,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    value, seen = pickle.loads(done.stdout)
    return half.receive(Outcome(value=value), call), seen


def serve_bare(folder: Path, handler: str, provider: str):
    """``polyfaas serve`` from the unpacked package, bare, on a free port."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    boot = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from polyfaas.cli import main; sys.exit(main(sys.argv[2:]))"
    )
    module, _, attribute = handler.rpartition(".")
    return port, subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            boot,
            str(folder),
            "serve",
            "--provider",
            provider,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            f"{module}:{attribute}",
        ],
        cwd=folder,
        env={"PATH": os.environ["PATH"]},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


# -- every deploying provider ---------------------------------------------------------


@pytest.mark.parametrize("provider", DEPLOYING)
def test_the_example_packed_for_each_provider_runs_bare(
    provider, provider_halves, offline_pip, wheels, tmp_path
):
    folder = code_folder(tmp_path)
    options = {"pip": PipOptions(find_links=(str(wheels),), no_index=True)}
    zip_path, manifest = pack(folder, provider, tmp_path / "dist", **options)
    half = provider_halves[provider]
    python = list(half.facts.python_runtimes)[-1]
    assert manifest["runtime"] == half.facts.python_runtimes[python]
    assert manifest["size"] == zip_path.stat().st_size
    assert manifest["sha256"] == hashlib.sha256(zip_path.read_bytes()).hexdigest()
    names = zipfile.ZipFile(zip_path).namelist()
    assert {"main.py", "polyfaas/__init__.py", "attr/__init__.py"} <= set(names)
    assert any(
        name.startswith("polyfaas-") and name.endswith(".dist-info/METADATA") for name in names
    )
    unpacked = unpack(zip_path, tmp_path / "unpacked")
    request = polyfaas.Request("GET", "/", query="name=Ada")
    if half.facts.runs_server:
        port, server = serve_bare(unpacked, "main.handler", provider)
        try:
            answer = None
            for _ in range(300):
                try:
                    answer = requests.get(f"http://127.0.0.1:{port}/?name=Ada", timeout=10)
                    break
                except requests.ConnectionError:
                    assert server.poll() is None, (
                        server.stderr.read().decode() if server.stderr else ""
                    )
                    server_wait(0.1)
            assert answer is not None
            assert answer.status_code == 200
            assert answer.json() == {"hello": "Ada", "provider": "alibaba"}
        finally:
            server.terminate()
            server.wait(30)
            if server.stderr is not None:
                server.stderr.close()
        return
    response, seen = call_bare(unpacked, manifest["handler"], half, request)
    assert response.status == 200
    assert response.json() == {"hello": "Ada", "provider": provider.split("-")[0]}
    assert seen["polyfaas"].startswith(str(unpacked))
    assert not seen["site"]
    assert not any("site-packages" in entry for entry in seen["path"])


def server_wait(seconds: float) -> None:
    import threading

    threading.Event().wait(seconds)


# -- reproducible ------------------------------------------------------------------------


def test_the_same_inputs_give_a_byte_identical_zip(provider_halves, tmp_path):
    folder = code_folder(tmp_path, bootstrap="#!/bin/sh\nexec true\n")
    (folder / "bootstrap").chmod(0o700)
    first, one = pack(folder, "yandex", tmp_path / "one", verify=False)
    (folder / "main.py").touch()  # a new mtime changes nothing
    second, two = pack(folder, "yandex", tmp_path / "two", verify=False)
    assert one == two
    assert first.read_bytes() == second.read_bytes()
    # Nor does where the code folder is.
    moved = shutil.copytree(
        folder, tmp_path / "elsewhere" / folder.name, copy_function=shutil.copy2
    )
    _, three = pack(moved, "yandex", tmp_path / "three", verify=False)
    assert three == one
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in infos}
    assert modes["bootstrap"] == 0o755
    assert set(modes.values()) == {0o644, 0o755}
    assert not any(name.endswith((".pyc", "/")) or "__pycache__" in name for name in names)


# -- requirements for the platform ----------------------------------------------------


def test_requirements_are_installed_for_the_platform(
    provider_halves, offline_pip, wheels, tmp_path
):
    main = (
        "import fastpkg, purepkg, polyfaas\n\n"
        "@polyfaas.http\ndef handler(request, context):\n"
        "    return {'build': fastpkg.BUILD, 'kind': purepkg.KIND}\n"
    )
    folder = code_folder(tmp_path, main, **{"requirements.txt": "purepkg\nfastpkg\n"})
    pip = PipOptions(find_links=(str(wheels),), no_index=True)
    zip_path, manifest = pack(folder, "alibaba", tmp_path / "dist", python="3.10", pip=pip)
    assert manifest["runtime"] == provider_halves["alibaba"].facts.python_runtimes["3.10"]
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        wheel = archive.read("fastpkg-1.0.dist-info/WHEEL").decode()
        assert archive.read("fastpkg/__init__.py") == b"BUILD = 'manylinux2014'\n"
    assert "Tag: cp310-cp310-manylinux2014_x86_64" in wheel
    assert "purepkg/__init__.py" in names
    assert not any(name.startswith("bin/") for name in names)
    unpacked = unpack(zip_path, tmp_path / "unpacked")
    response, _ = call_bare(
        unpacked, manifest["handler"], provider_halves["alibaba"], polyfaas.Request()
    )
    assert response.json() == {"build": "manylinux2014", "kind": "pure"}


#: The command line runs in its own process, with the providers' own facts.
needs_alibaba_facts = pytest.mark.skipif(
    not providers.platform_half("alibaba").facts.python_runtimes,
    reason="provider alibaba's facts name no Python runtime yet",
)


def test_a_pure_python_sdist_is_built_into_its_wheel(
    provider_halves, offline_pip, wheels, tmp_path
):
    main = (
        "import puresrc, polyfaas\n\n@polyfaas.http\ndef handler(request, context):\n"
        "    return {'kind': puresrc.KIND}\n"
    )
    folder = code_folder(tmp_path, main, **{"requirements.txt": "puresrc\n"})
    pip = PipOptions(find_links=(str(wheels),), no_index=True)
    zip_path, manifest = pack(folder, "yandex", tmp_path / "dist", pip=pip)
    names = zipfile.ZipFile(zip_path).namelist()
    assert "puresrc/__init__.py" in names
    assert not any(name.endswith(".whl") for name in names)
    unpacked = unpack(zip_path, tmp_path / "unpacked")
    response, _ = call_bare(
        unpacked, manifest["handler"], provider_halves["yandex"], polyfaas.Request()
    )
    assert response.json() == {"kind": "built from source"}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    environ["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [sys.executable, "-m", "polyfaas", "package", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@needs_alibaba_facts
def test_an_sdist_only_requirement_is_one_line_naming_it(wheels, tmp_path):
    folder = code_folder(tmp_path, **{"requirements.txt": "purepkg\nsrconly\n"})
    done = run_cli(
        "--provider",
        "alibaba",
        "--find-links",
        str(wheels),
        "--no-index",
        "main.py:handler",
        cwd=folder,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1].startswith(
        "polyfaas: requirement 'srconly' has no wheel for CPython"
    )
    assert "Traceback" not in done.stderr
    assert not (folder / "dist" / "hello-http.zip").exists()


@pytest.mark.skipif(
    not providers.platform_half("yandex").facts.python_runtimes,
    reason="provider yandex's facts name no Python runtime yet",
)
def test_the_cli_prints_yandexs_deploy_command(tmp_path):
    folder = code_folder(tmp_path)
    done = run_cli("--provider", "yandex", "--no-verify", "main.py:handler", cwd=folder)
    assert done.returncode == 0, done.stderr
    script = (folder / "dist" / "deploy.sh").read_text()
    assert "yc serverless function version create" in script
    assert f"# deploy.sh\n{script.rstrip()}" in done.stdout


@needs_alibaba_facts
def test_the_cli_writes_and_lists_the_package(wheels, tmp_path):
    folder = code_folder(tmp_path)
    done = run_cli("--provider", "alibaba", "-o", "out", "main.py:handler", cwd=folder)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("main.handler for alibaba (")
    assert any(line.startswith("verified: python") for line in lines)
    manifest = json.loads((folder / "out" / "polyfaas-package.json").read_text())
    assert list(manifest) == ["provider", "handler", "runtime", "zip", "sha256", "size"]
    assert (
        f"wrote out/{manifest['zip']} ({manifest['size']} bytes, sha256 {manifest['sha256']})"
        in lines
    )
    assert "wrote out/polyfaas-package.json" in lines
    # The output folder inside the code folder never goes into the next package.
    again = run_cli(
        "--provider", "alibaba", "-o", "out", "--no-verify", "main.py:handler", cwd=folder
    )
    assert again.returncode == 0, again.stderr
    names = zipfile.ZipFile(folder / "out" / manifest["zip"]).namelist()
    assert not any(name.startswith("out/") for name in names)


def test_the_cli_prints_the_deploy_command(provider_halves, monkeypatch, tmp_path, capsys):
    from polyfaas import cli

    half = provider_halves["yandex"]
    shown = copy.copy(half)
    monkeypatch.setattr(
        type(shown),
        "deploy_files",
        lambda self, package: {"deploy.sh": f"yc deploy {package.zip_name}\n", "main.tf": "x"},
    )
    monkeypatch.setattr(providers, "platform_half", lambda name: shown)
    folder = code_folder(tmp_path)
    monkeypatch.chdir(folder)
    assert cli.main(["package", "--provider", "yandex", "--no-verify", "main.py:handler"]) == 0
    out = capsys.readouterr().out
    assert "wrote dist/deploy.sh" in out
    assert "wrote dist/main.tf" in out
    assert "# deploy.sh\nyc deploy hello-http.zip" in out
    assert os.access(folder / "dist" / "deploy.sh", os.X_OK)


# -- the verification ----------------------------------------------------------------------


def test_verification_sees_only_the_package(provider_halves, tmp_path):
    # requests is installed here, but not in the package: the platform would not have it.
    assert metadata.version("requests")
    main = (
        "import requests, polyfaas\n\n"
        "@polyfaas.http\ndef handler(request, context):\n    return {}\n"
    )
    folder = code_folder(tmp_path, main)
    with pytest.raises(
        PolyfaasError, match=r"fails its verification .* No module named 'requests'"
    ):
        pack(folder, "yandex", tmp_path / "dist")
    assert not list((tmp_path / "dist").iterdir())
    # Skipped, it builds (and the failure is the cloud's to find).
    pack(folder, "yandex", tmp_path / "dist", verify=False)


def test_verification_calls_the_handler_with_the_sample_event(provider_halves, tmp_path):
    main = (
        "import polyfaas\n\n@polyfaas.event\ndef handler(event, context):\n"
        "    raise ValueError('not this event')\n"
    )
    built = build(
        PackageOptions(
            provider="yandex",
            target=str(code_folder(tmp_path, main) / "main.py:handler"),
            output=tmp_path / "d",
        )
    )
    assert built.verified is not None
    assert built.verified.sent == "its 'http' sample event"
    # The handler's own error on that event is reported, not taken for a broken package.
    assert built.verified.handler_error == "ValueError: not this event"


def python_310() -> str | None:
    """A Python 3.10 that runs: on PATH, or beside this one (pyenv's versions folder)."""
    candidates = [shutil.which("python3.10")]
    candidates += sorted(str(p) for p in Path(sys.base_prefix).parent.glob("3.10*/bin/python3.10"))
    for candidate in candidates:
        if candidate is None:
            continue
        done = subprocess.run([candidate, "-c", "print(1)"], capture_output=True, check=False)
        if done.returncode == 0:
            return candidate
    return None


def test_verification_uses_the_packages_python_from_path(provider_halves, monkeypatch, tmp_path):
    found = python_310()
    if found is None:
        pytest.skip("no Python 3.10 runs on this machine")
    monkeypatch.setenv("PATH", f"{Path(found).parent}{os.pathsep}{os.environ['PATH']}")
    built = build(
        PackageOptions(
            provider="alibaba",
            python="3.10",
            target=str(code_folder(tmp_path) / "main.py:handler"),
            output=tmp_path / "d",
        )
    )
    assert built.verified is not None
    assert built.verified.interpreter.version == "3.10"
    assert built.verified.interpreter.note == ""
    assert built.verified.status == 200


def test_a_package_over_the_platforms_limit_is_refused(provider_halves, monkeypatch, tmp_path):
    half = provider_halves["alibaba"]
    monkeypatch.setattr(half, "facts", attrs.evolve(half.facts, max_package_unpacked=100_000))
    with pytest.raises(
        PolyfaasError, match=r"unpacked, over alibaba's limit of 0\.1 MB \(100000 bytes\)"
    ):
        pack(code_folder(tmp_path), "alibaba", tmp_path / "dist", verify=False)
    assert not list((tmp_path / "dist").iterdir())


# -- the real registry -------------------------------------------------------------------


def pypi_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/six/", timeout=10) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.mark.network
def test_real_registry(provider_halves, offline_pip, tmp_path):
    if not pypi_reachable():
        pytest.skip("PyPI (https://pypi.org) cannot be reached from here")
    main = (
        "import markupsafe, six, polyfaas\n\n@polyfaas.http\ndef handler(request, context):\n"
        "    return {'escaped': str(markupsafe.escape('<a>')), 'six': six.__name__}\n"
    )
    folder = code_folder(tmp_path, main, **{"requirements.txt": "six\nmarkupsafe\n"})
    zip_path, _ = pack(folder, "alibaba", tmp_path / "dist", python="3.10", verify=False)
    names = zipfile.ZipFile(zip_path).namelist()
    compiled = [name for name in names if name.startswith("markupsafe/") and name.endswith(".so")]
    assert compiled
    assert all("cpython-310-x86_64-linux-gnu" in name for name in compiled)
    assert "six.py" in names
