"""polyfaas itself and its pure-Python runtime dependency, taken from this environment.

polyfaas is not on PyPI, so pip cannot install it for the platform: the package gets
the files of the running ``polyfaas`` distribution's import packages (``polyfaas``,
``polyfaas_alibaba``, ``polyfaas_yandex``, as its ``top_level.txt`` names them), read
from where Python imports them — the site-packages of a regular install, the source
tree of an editable one — with the files a wheel of it holds (modules, ``py.typed``,
the ``samples/``), and a ``.dist-info`` of its metadata. The same holds for a
runtime dependency that is pure Python (its ``WHEEL`` says ``Root-Is-Purelib: true``
and every tag is ``*-none-any``) and admits the platform's Python; otherwise pip
installs it for the platform like any requirement.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from polyfaas.errors import PolyfaasError
from polyfaas.package.archive import Source

#: polyfaas's runtime dependencies that the deployed function imports. Its other
#: requirements serve the developer's side (werkzeug: the runner and the test kit;
#: h11: the runner's front door), so they stay out of the zip; a platform that needs
#: more in the cloud (a custom runtime's server) names it in ``package_requirements``.
RUNTIME_DEPENDENCIES = ("attrs",)

#: What a wheel of polyfaas holds besides modules (pyproject.toml's package-data).
_DATA_NAMES = {"py.typed"}
_DATA_FOLDERS = {"samples"}
#: ``.dist-info`` files that describe this machine's install, not the package.
_LOCAL_RECORDS = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def _taken(relative: Path) -> bool:
    if "__pycache__" in relative.parts or relative.suffix in (".pyc", ".pyo"):
        return False
    return (
        relative.suffix in (".py", ".pyi")
        or relative.name in _DATA_NAMES
        or any(part in _DATA_FOLDERS for part in relative.parts[:-1])
    )


def _package_folder(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise PolyfaasError(f"cannot find the import package {name!r} of polyfaas")
    return Path(next(iter(spec.submodule_search_locations)))


def _top_level(dist: metadata.Distribution) -> list[str]:
    listed = (dist.read_text("top_level.txt") or "").split()
    if listed:
        return listed
    # No top_level.txt: the first parts of the files it installed that are packages.
    names = {
        Path(str(file)).parts[0]
        for file in dist.files or ()
        if Path(str(file)).name == "__init__.py" and len(Path(str(file)).parts) == 2
    }
    return sorted(names)


def _record(files: Mapping[str, Source], dist_info: str) -> bytes:
    """A RECORD (the wheel format's list of files with their hashes) for ``files``."""
    lines = []
    for name in sorted(files):
        source = files[name]
        data = source.data if source.data is not None else _read(source)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        lines.append(f"{name},sha256={digest.decode()},{len(data)}")
    lines.append(f"{dist_info}/RECORD,,")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _read(source: Source) -> bytes:
    assert source.path is not None
    return source.path.read_bytes()


def _dist_info_name(dist: metadata.Distribution) -> str:
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    return f"{name}-{dist.version}.dist-info"


def _with_dist_info(
    dist: metadata.Distribution, files: dict[str, Source], metadata_files: Mapping[str, bytes]
) -> dict[str, Source]:
    info = _dist_info_name(dist)
    for name, data in metadata_files.items():
        files[f"{info}/{name}"] = Source(data=data)
    files[f"{info}/RECORD"] = Source(data=_record(files, info))
    return files


def polyfaas_files() -> dict[str, Source]:
    """polyfaas's import packages and a ``.dist-info`` of its metadata, by path in the zip."""
    try:
        dist = metadata.distribution("polyfaas")
    except metadata.PackageNotFoundError:
        raise PolyfaasError(
            "polyfaas is not installed as a distribution here (pip install it, or "
            "pip install -e a clone), so its files cannot be packed"
        ) from None
    files: dict[str, Source] = {}
    for name in _top_level(dist):
        folder = _package_folder(name)
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and _taken(relative):
                files[f"{name}/{relative.as_posix()}"] = Source.of_file(path)
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    own = {
        "METADATA": text.encode("utf-8"),
        "WHEEL": b"Wheel-Version: 1.0\nGenerator: polyfaas package\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        "top_level.txt": ("\n".join(_top_level(dist)) + "\n").encode("utf-8"),
    }
    entry_points = dist.read_text("entry_points.txt")
    if entry_points:
        own["entry_points.txt"] = entry_points.encode("utf-8")
    return _with_dist_info(dist, files, own)


def runtime_requirements() -> list[str]:
    """polyfaas's own requirement lines for ``RUNTIME_DEPENDENCIES`` (``attrs>=23.2``)."""
    try:
        required = metadata.requires("polyfaas") or []
    except metadata.PackageNotFoundError:
        required = []
    found = []
    for line in required:
        if ";" in line:
            continue
        name = re.split(r"[\s<>=!~\[(;]", line, maxsplit=1)[0]
        if normalize(name) in {normalize(dep) for dep in RUNTIME_DEPENDENCIES}:
            found.append(line.strip())
    return found or list(RUNTIME_DEPENDENCIES)


def normalize(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _admits(requires_python: str | None, python: str) -> bool:
    """Whether a ``Requires-Python`` of ``>=X.Y``-style clauses admits ``python``;
    anything else is left to pip (``False``)."""
    if not requires_python:
        return True
    wanted = tuple(int(part) for part in python.split("."))
    for clause in requires_python.split(","):
        match = re.fullmatch(r"\s*(>=|>|<|<=|!=)\s*(\d+(?:\.\d+)*)\s*", clause)
        if match is None:
            return False
        operator, version = match.groups()
        bound = tuple(int(part) for part in version.split("."))[:2]
        if not {
            ">=": wanted >= bound,
            ">": wanted > bound,
            "<": wanted < bound,
            "<=": wanted <= bound,
            "!=": wanted != bound,
        }[operator]:
            return False
    return True


def pure_copy(name: str, python: str) -> dict[str, Source] | None:
    """The installed distribution ``name`` as files of the zip, if it is pure Python,
    admits Python ``python`` and needs nothing else at run time; else ``None``."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    wheel = dist.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag:\s*(\S+)", wheel, re.MULTILINE)
    pure = "Root-Is-Purelib: true" in wheel and all(tag.endswith("-none-any") for tag in tags)
    needs = [line for line in dist.requires or [] if "extra ==" not in line]
    if not (pure and tags) or needs or not _admits(dist.metadata["Requires-Python"], python):
        return None
    files: dict[str, Source] = {}
    metadata_files: dict[str, bytes] = {}
    for file in dist.files or ():
        path = Path(str(dist.locate_file(file)))
        parts = Path(str(file)).parts
        if parts[0] == ".." or not path.is_file() or not _taken_dependency(Path(str(file))):
            continue
        if parts[0].endswith(".dist-info"):
            if parts[-1] not in _LOCAL_RECORDS:
                metadata_files["/".join(parts[1:])] = path.read_bytes()
            continue
        files["/".join(parts)] = Source.of_file(path)
    if not files:
        return None
    return _with_dist_info(dist, files, metadata_files)


def _taken_dependency(relative: Path) -> bool:
    return "__pycache__" not in relative.parts and relative.suffix not in (".pyc", ".pyo")
