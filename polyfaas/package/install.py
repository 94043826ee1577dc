"""Requirements installed for the platform's interpreter and OS, not this machine's.

pip runs with ``--target`` into a folder of its own, for CPython ``X.Y`` on
``manylinux2014_x86_64`` (what FC's and Yandex's Linux x86_64 images load) with
``--only-binary=:all:``: a wheel built for this machine, or a source distribution
that would be compiled here, is never chosen. ``--no-compile`` keeps ``.pyc`` files
out (they would be this Python's, and differ from build to build).

A requirement published as a source distribution only is built here into a wheel
(``pip wheel --no-deps``, in pip's build isolation) and taken if that wheel is pure
Python (``*-none-any``), as many SDKs are (oss2, crcmod without its compiler); one that
builds a wheel for this machine only (a C extension) is refused, naming it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

from polyfaas.errors import PolyfaasError
from polyfaas.package.archive import Source
from polyfaas.package.distribution import normalize

#: The platforms' OS and architecture, as a wheel's platform tag.
PLATFORM_TAG = "manylinux2014_x86_64"


@attrs.frozen(kw_only=True)
class PipOptions:
    """Where pip looks for wheels beyond its configured index (offline builds)."""

    find_links: tuple[str, ...] = ()
    no_index: bool = False


class NoWheelError(PolyfaasError):
    """A requirement has no wheel for the platform (e.g. a C extension published as a
    source distribution only)."""

    def __init__(self, requirement: str, python: str) -> None:
        self.requirement = requirement
        if requirement.lower() == "polyfaas":
            message = (
                "polyfaas is packed from this environment, not installed by pip: "
                "remove it from the requirements"
            )
        else:
            message = (
                f"requirement {requirement!r} has no wheel for CPython {python} on "
                f"{PLATFORM_TAG}, and no pure-Python wheel builds from its source here "
                "(a C extension published as source only cannot be built for the "
                "platform on this machine)"
            )
        super().__init__(message)


def pip_command(
    folder: Path,
    python: str,
    requirements: Sequence[str],
    requirement_files: Sequence[Path],
    constraints: Path | None,
    options: PipOptions,
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(folder),
        "--platform",
        PLATFORM_TAG,
        "--python-version",
        python,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--no-compile",
        "--no-input",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--progress-bar",
        "off",
    ]
    for link in options.find_links:
        command += ["--find-links", link]
    if options.no_index:
        command.append("--no-index")
    if constraints is not None:
        command += ["--constraint", str(constraints)]
    for file in requirement_files:
        command += ["--requirement", str(file)]
    return [*command, *requirements]


def pip_failure(stderr: str, python: str) -> PolyfaasError:
    """The one line that says why pip failed (its own ``ERROR:`` line otherwise)."""
    missing = re.search(r"No matching distribution found for (\S+)", stderr)
    if missing:
        name = re.split(r"[<>=!~\[;@ ]", missing.group(1), maxsplit=1)[0]
        return NoWheelError(name, python)
    if "No module named pip" in stderr:
        return PolyfaasError(
            f"pip is not installed in this Python ({sys.executable}): it installs the "
            "requirements for the platform (python -m ensurepip)"
        )
    errors = [
        line[len("ERROR:") :].strip() for line in stderr.splitlines() if line.startswith("ERROR:")
    ]
    lines = errors or [line.strip() for line in stderr.splitlines() if line.strip()]
    reason = lines[0] if lines else "no reason given"
    return PolyfaasError(
        f"pip could not install the requirements for CPython {python} on {PLATFORM_TAG}: {reason}"
    )


def installed_files(folder: Path) -> dict[str, Source]:
    """What pip put in ``folder``, by path in the zip: its console scripts (``bin/``,
    whose first line names this machine's interpreter) and any bytecode left out."""
    found: dict[str, Source] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (
            not path.is_file()
            or relative.parts[0] == "bin"
            or "__pycache__" in relative.parts
            or relative.suffix in (".pyc", ".pyo")
        ):
            continue
        found[relative.as_posix()] = Source.of_file(path)
    return found


def installed_names(files: Sequence[str]) -> set[str]:
    """The distributions (normalized names) whose ``.dist-info`` is among ``files``."""
    names = set()
    for name in files:
        top = name.split("/", 1)[0]
        if top.endswith(".dist-info"):
            names.add(normalize(top[: -len(".dist-info")].rsplit("-", 1)[0]))
    return names


def build_pure_wheel(name: str, folder: Path, options: PipOptions) -> bool:
    """Build ``name`` from its source distribution into ``folder``; whether it gave a
    pure-Python wheel (any other is removed again)."""
    folder.mkdir(exist_ok=True)
    before = set(folder.iterdir())
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-binary",
        name,
        "--wheel-dir",
        str(folder),
        "--no-input",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
    ]
    for link in options.find_links:
        command += ["--find-links", link]
    if options.no_index:
        command.append("--no-index")
    try:
        done = subprocess.run([*command, name], capture_output=True, text=True, check=False)
    except OSError:
        return False
    made = set(folder.iterdir()) - before
    pure = (
        done.returncode == 0
        and bool(made)
        and all(path.name.endswith("-none-any.whl") for path in made)
    )
    if not pure:
        for path in made:
            path.unlink()
    return pure


def install(
    folder: Path,
    python: str,
    requirements: Sequence[str],
    requirement_files: Sequence[Path],
    constraints: Sequence[str],
    options: PipOptions,
) -> dict[str, Source]:
    """Install the requirements into ``folder`` (empty) for the platform; its files."""
    constraint_file = None
    if constraints:
        constraint_file = folder.parent / f"{folder.name}-constraints.txt"
        constraint_file.write_text("\n".join(constraints) + "\n", encoding="utf-8")
    built = folder.parent / f"{folder.name}-built"
    tried: set[str] = set()
    while True:
        links = (*options.find_links, *([str(built)] if built.is_dir() else []))
        here = attrs.evolve(options, find_links=links)
        command = pip_command(
            folder, python, requirements, requirement_files, constraint_file, here
        )
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise PolyfaasError(f"cannot run pip: {exc.strerror}") from None
        if done.returncode == 0:
            return installed_files(folder)
        failure = pip_failure(done.stderr + done.stdout, python)
        name = failure.requirement if isinstance(failure, NoWheelError) else ""
        if not name or name in tried or name.lower() == "polyfaas":
            raise failure
        tried.add(name)
        if not build_pure_wheel(name, built, options):
            raise failure
