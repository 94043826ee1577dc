"""``polyfaas package``: the steps from a TARGET to the files a deploy takes.

The user's code folder, the platform's own files (``package_files``), polyfaas with
its runtime dependency, and the requirements installed for the platform go into one
reproducible zip; its size is checked against the platform's limits, it is verified
(``verify``), and only then are the zip, ``polyfaas-package.json`` and the
platform's deploy configuration (``deploy_files``) written into the output folder.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import attrs

from polyfaas import providers
from polyfaas.errors import PolyfaasError
from polyfaas.package.archive import Source, unpack, unpacked_size, write_zip
from polyfaas.package.code import collect_code
from polyfaas.package.distribution import (
    RUNTIME_DEPENDENCIES,
    normalize,
    polyfaas_files,
    pure_copy,
    runtime_requirements,
)
from polyfaas.package.install import PLATFORM_TAG, PipOptions, install, installed_names
from polyfaas.package.verify import Verified, check_can_verify, find_interpreter, verify
from polyfaas.platform import FunctionConfig, Package, PlatformHalf

if TYPE_CHECKING:
    from polyfaas._target import Target

#: The description of the package beside it, for deploy tools.
MANIFEST = "polyfaas-package.json"
#: The requirements file a code folder may hold, used when none is given.
REQUIREMENTS = "requirements.txt"


@attrs.frozen(kw_only=True)
class PackageOptions:
    """What ``polyfaas package`` was asked for."""

    provider: str
    target: str
    requirements: Path | None = None
    python: str | None = None
    output: Path = Path("dist")
    verify: bool = True
    pip: PipOptions = attrs.field(factory=PipOptions)
    memory_mb: int = 128
    timeout_s: float | None = None
    function_name: str = ""


@attrs.frozen(kw_only=True)
class Built:
    """What was built and written."""

    package: Package
    #: The files written into the output folder, the zip first.
    written: tuple[Path, ...]
    #: The deploy configuration, by file name (what ``deploy_files`` returned).
    deploy_files: Mapping[str, str]
    unpacked_size: int
    files: int
    verified: Verified | None


def deploying_providers() -> list[str]:
    """The providers whose facts name Python runtimes to build for."""
    found = []
    for name in providers.names():
        try:
            if providers.platform_half(name).facts.python_runtimes:
                found.append(name)
        except PolyfaasError:
            continue
    return found


def choose_python(platform: PlatformHalf, asked: str | None) -> tuple[str, str]:
    """Python ``X.Y`` and the platform's runtime name: ``asked``, checked against the
    platform's list, else its newest."""
    runtimes = platform.facts.python_runtimes
    if not runtimes:
        raise PolyfaasError(
            f"provider {platform.name} does not deploy code (providers that do: "
            f"{', '.join(deploying_providers()) or 'none'})"
        )
    python = asked or list(runtimes)[-1]
    if python not in runtimes:
        offered = ", ".join(f"{version} ({name})" for version, name in runtimes.items())
        raise PolyfaasError(
            f"provider {platform.name} has no Python {python} runtime; --python takes one "
            f"of {offered}"
        )
    return python, runtimes[python]


def function_name(folder: Path, asked: str) -> str:
    """The function's name in the deploy configuration: ``asked``, else the code
    folder's name as both platforms take one (lower case letters, digits, ``-``,
    starting with a letter, at most 63 characters)."""
    if asked:
        return asked
    name = re.sub(r"[^a-z0-9]+", "-", folder.name.lower()).strip("-")
    if not name[:1].isalpha():
        name = f"fn-{name}".rstrip("-")
    return name[:63].rstrip("-")


def _merge(into: dict[str, Source], layer: Mapping[str, Source], what: str) -> None:
    clash = sorted(set(into) & set(layer))
    if clash:
        raise PolyfaasError(
            f"{clash[0]} is both in the code folder and in {what}: rename it, or leave it "
            "out with a .polyfaasignore line"
        )
    into.update(layer)


def _check_module(target_folder: Path, module: str) -> None:
    base = target_folder.joinpath(*module.split("."))
    if not (base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()):
        raise PolyfaasError(f"no module {module!r} in {target_folder} to package")


def check_limits(platform: PlatformHalf, zipped: int, unpacked: int) -> None:
    """The platform's code package limits, zipped and unpacked."""
    facts = platform.facts
    for what, size, limit in (
        ("zipped", zipped, facts.max_package_zip),
        ("unpacked", unpacked, facts.max_package_unpacked),
    ):
        if limit is not None and size > limit:
            raise PolyfaasError(
                f"the package is {_mb(size)} {what}, over {platform.name}'s limit of "
                f"{_mb(limit)} for a code package: leave files out with .polyfaasignore "
                "or move large dependencies to a layer"
            )


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB ({size} bytes)"


def _requirements_file(folder: Path, asked: Path | None) -> Path | None:
    if asked is None:
        found = folder / REQUIREMENTS
        return found if found.is_file() else None
    if not asked.is_file():
        raise PolyfaasError(f"--requirements {asked}: no such file")
    return asked.resolve()


def _dependencies(
    work: Path,
    platform: PlatformHalf,
    python: str,
    requirements: Path | None,
    options: PackageOptions,
    say: Callable[[str], None],
) -> dict[str, Source]:
    """polyfaas's runtime dependency (copied when pure), the platform's and the user's
    requirements (installed by pip for the platform)."""
    copies = {name: pure_copy(name, python) for name in RUNTIME_DEPENDENCIES}
    wanted = [*platform.package_requirements()]
    wanted += [line for line in runtime_requirements() if copies.get(_name(line)) is None]
    files = [requirements] if requirements is not None else []
    found: dict[str, Source] = {}
    if wanted or files:
        what = ", ".join([*(str(file) for file in files), *wanted])
        say(f"installing {what} for CPython {python} on {PLATFORM_TAG}")
        found = install(
            work / "requirements",
            python,
            wanted,
            files,
            runtime_requirements(),
            options.pip,
        )
    names = installed_names(list(found))
    for name, copy in copies.items():
        if copy is not None and normalize(name) not in names:
            found.update(copy)
    return found


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[(;]", requirement, maxsplit=1)[0]


def _deploy_file(output: Path, name: str) -> Path:
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise PolyfaasError(f"the platform's deploy file name {name!r} is not a plain path")
    return output.joinpath(*parts)


def assemble(
    work: Path,
    platform: PlatformHalf,
    target: Target,
    python: str,
    requirements: Path | None,
    options: PackageOptions,
    output: Path,
    say: Callable[[str], None],
) -> dict[str, Source]:
    """Every file of the package, by its path in the zip."""
    entries = collect_code(target.folder, leave_out=[output])
    for path, file in platform.package_files(target, python).items():
        if path in entries:
            say(f"keeping the code folder's own {path} (provider {platform.name} has one)")
            continue
        entries[path] = Source(data=file.data, executable=file.executable)
    _merge(entries, polyfaas_files(), "polyfaas itself")
    found = _dependencies(work, platform, python, requirements, options, say)
    _merge(entries, found, "the requirements")
    return entries


def write_beside(output: Path, package: Package, deploy: Mapping[str, str]) -> list[Path]:
    """``polyfaas-package.json`` and the deploy configuration, beside the zip."""
    manifest = {
        "provider": package.provider,
        "handler": package.handler,
        "runtime": package.runtime,
        "zip": package.zip_name,
        "sha256": package.sha256,
        "size": package.size,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    written = [output / MANIFEST]
    for file_name, text in deploy.items():
        path = _deploy_file(output, file_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if file_name.endswith(".sh"):
            path.chmod(0o755)
        written.append(path)
    return written


def build(options: PackageOptions, say: Callable[[str], None] = lambda line: None) -> Built:
    """Build, check, verify and write the package ``options`` describe."""
    from polyfaas._target import parse_target

    platform = providers.platform_half(options.provider)
    python, runtime = choose_python(platform, options.python)
    target = parse_target(options.target)
    _check_module(target.folder, target.module)
    handler = platform.handler_setting(target)
    name = function_name(target.folder, options.function_name)
    requirements = _requirements_file(target.folder, options.requirements)
    output = options.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    config = FunctionConfig(
        name=name, handler=handler, memory_mb=options.memory_mb, timeout=options.timeout_s
    )
    partial = output / f".{name}.zip.partial"
    with tempfile.TemporaryDirectory(prefix="polyfaas-package-") as work_dir:
        work = Path(work_dir)
        entries = assemble(work, platform, target, python, requirements, options, output, say)
        sha256, size = write_zip(entries, partial)
        unpacked = unpacked_size(entries)
        try:
            check_limits(platform, size, unpacked)
            verified = None
            if options.verify:
                interpreter = find_interpreter(python)
                check_can_verify(interpreter, python, entries)
                unpack(partial, work / "unpacked")
                say(f"verifying with {interpreter.path} -I -S in an empty folder")
                verified = verify(work / "unpacked", platform, target, config, interpreter)
            package = Package(
                provider=platform.name,
                target=options.target,
                handler=handler,
                python=python,
                runtime=runtime,
                zip_name=f"{name}.zip",
                sha256=sha256,
                size=size,
                function_name=name,
                memory_mb=options.memory_mb,
                timeout_s=platform.timeout(config),
            )
            # Made before the zip takes its name: a setting the platform refuses
            # (memory out of its range) leaves no package behind either.
            deploy = dict(platform.deploy_files(package))
        except BaseException:
            partial.unlink()
            raise
    zip_path = output / package.zip_name
    partial.replace(zip_path)
    return Built(
        package=package,
        written=(zip_path, *write_beside(output, package, deploy)),
        deploy_files=deploy,
        unpacked_size=unpacked,
        files=len(entries),
        verified=verified,
    )
