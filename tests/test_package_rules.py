"""What goes into a package, without pip: the code folder's rules (defaults and a
``.polyfaasignore``), polyfaas's own files, the provider and Python checks."""

from __future__ import annotations

import copy
import zipfile
from importlib import metadata
from pathlib import Path

import attrs
import pytest

from polyfaas import providers
from polyfaas.errors import PolyfaasError
from polyfaas.package import PackageOptions, build
from polyfaas.package.build import choose_python, function_name
from polyfaas.package.code import collect_code
from polyfaas.package.distribution import polyfaas_files, pure_copy
from polyfaas.package.ignore import IgnoreRules


def make(folder: Path, *names: str) -> Path:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name, encoding="utf-8")
    return folder


def test_the_default_rules_leave_out_what_never_deploys(tmp_path):
    folder = make(
        tmp_path,
        "main.py",
        "lib/util.py",
        "lib/data.json",
        ".git/config",
        ".venv/lib/x.py",
        "venv/lib/x.py",
        ".env",
        ".idea/workspace.xml",
        "__pycache__/main.cpython-311.pyc",
        "lib/__pycache__/util.cpython-311.pyc",
        "stale.pyc",
        "tests/test_main.py",
        "lib/tests/test_util.py",
        "main.py~",
        ".main.py.swp",
    )
    assert sorted(collect_code(folder)) == ["lib/data.json", "lib/util.py", "main.py"]


def test_a_polyfaasignore_adds_rules_and_takes_defaults_back(tmp_path):
    folder = make(
        tmp_path,
        "main.py",
        "docs/guide.md",
        "docs/api/index.md",
        "notes.txt",
        "sub/notes.txt",
        "build/out.bin",
        "sub/build/keep.py",
        ".well-known/security.txt",
        "data/big.csv",
        "data/small.csv",
    )
    (folder / ".polyfaasignore").write_text(
        "# comments and blank lines are skipped\n\n"
        "docs/\n"
        "notes.txt\n"
        "/build\n"
        "!.well-known/\n"
        "data/*.csv\n"
        "!data/small.csv\n",
        encoding="utf-8",
    )
    assert sorted(collect_code(folder)) == [
        ".well-known/security.txt",
        "data/small.csv",
        "main.py",
        "sub/build/keep.py",
    ]


@pytest.mark.parametrize(
    ("rule", "path", "folder", "ignored"),
    [
        ("*.log", "a/b/c.log", False, True),
        ("a/*.log", "a/b/c.log", False, False),
        ("a/**/c.log", "a/b/x/c.log", False, True),
        ("**/c.log", "c.log", False, True),
        ("cache/", "cache", False, False),
        ("cache/", "x/cache", True, True),
        ("/top.txt", "sub/top.txt", False, False),
        ("file[0-9].txt", "file7.txt", False, True),
        ("file?.txt", "file10.txt", False, False),
    ],
)
def test_rules_read_like_gitignore(rule, path, folder, ignored):
    assert IgnoreRules.from_lines([rule]).ignored(path, folder) is ignored


def test_the_output_folder_inside_the_code_folder_stays_out(tmp_path):
    folder = make(tmp_path, "main.py", "dist/old.zip", "dist2/keep.txt")
    assert sorted(collect_code(folder, leave_out=[folder / "dist"])) == [
        "dist2/keep.txt",
        "main.py",
    ]


def test_polyfaas_itself_is_packed_from_this_environment():
    files = polyfaas_files()
    for package in ("polyfaas", "polyfaas_alibaba", "polyfaas_yandex"):
        assert f"{package}/__init__.py" in files
        assert f"{package}/py.typed" in files
    assert "polyfaas_alibaba/samples/http.json" in files
    info = next(name.split("/")[0] for name in files if name.endswith(".dist-info/METADATA"))
    record = files[f"{info}/RECORD"].data
    assert record is not None
    assert b"polyfaas/__init__.py,sha256=" in record
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in files)
    # Only what a wheel holds: no notes of the source tree.
    assert not any(name.endswith("ASSUMPTIONS.md") for name in files)


def test_a_pure_dependency_is_copied_and_a_compiled_one_is_not():
    attrs_files = pure_copy("attrs", "3.10")
    assert attrs_files is not None
    assert "attr/__init__.py" in attrs_files
    assert any(name.endswith(".dist-info/WHEEL") for name in attrs_files)
    assert not any(name.endswith("direct_url.json") for name in attrs_files)
    assert metadata.version("markupsafe")  # installed here (werkzeug's), yet
    assert pure_copy("markupsafe", "3.10") is None  # a C speed-up: pip installs it
    assert pure_copy("attrs", "3.7") is None  # its Requires-Python says no


def test_a_provider_that_deploys_nothing_is_refused(tmp_path):
    with pytest.raises(PolyfaasError, match=r"^provider local does not deploy code"):
        build(PackageOptions(provider="local", target=str(make(tmp_path, "main.py") / "main.py:h")))


def test_the_python_is_checked_against_the_platforms_list():
    half = copy.copy(providers.platform_half("yandex"))
    half.facts = attrs.evolve(
        half.facts, python_runtimes={"3.11": "python311", "3.12": "python312"}
    )
    assert choose_python(half, None) == ("3.12", "python312")
    assert choose_python(half, "3.11") == ("3.11", "python311")
    with pytest.raises(PolyfaasError) as refused:
        choose_python(half, "3.8")
    assert str(refused.value) == (
        "provider yandex has no Python 3.8 runtime; --python takes one of "
        "3.11 (python311), 3.12 (python312)"
    )


def test_a_missing_module_or_requirements_file_is_one_line(tmp_path, monkeypatch):
    half = copy.copy(providers.platform_half("yandex"))
    half.facts = attrs.evolve(half.facts, python_runtimes={"3.12": "python312"})
    monkeypatch.setattr(providers, "platform_half", lambda name: half)
    make(tmp_path, "main.py")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolyfaasError, match=r"^no module 'app' in .* to package$"):
        build(PackageOptions(provider="yandex", target="app:handler", output=tmp_path / "d"))
    with pytest.raises(PolyfaasError, match=r"^--requirements .*nope.txt: no such file$"):
        build(
            PackageOptions(
                provider="yandex",
                target=str(tmp_path / "main.py") + ":handler",
                requirements=tmp_path / "nope.txt",
                output=tmp_path / "d",
            )
        )


@pytest.mark.parametrize(
    ("folder", "name"),
    [("hello_http", "hello-http"), ("My App", "my-app"), ("2fa", "fn-2fa"), ("x" * 80, "x" * 63)],
)
def test_the_function_is_named_after_its_folder(folder, name):
    assert function_name(Path("/code") / folder, "") == name
    assert function_name(Path("/code") / folder, "given") == "given"


def test_zip_entries_unpack_with_their_modes(tmp_path):
    from polyfaas.package.archive import Source, unpack, write_zip

    script = make(tmp_path, "run.sh") / "run.sh"
    script.chmod(0o755)
    entries = {"run.sh": Source.of_file(script), "a/b.txt": Source(data=b"b")}
    sha, size = write_zip(entries, tmp_path / "p.zip")
    assert size == (tmp_path / "p.zip").stat().st_size
    assert len(sha) == 64
    assert zipfile.ZipFile(tmp_path / "p.zip").namelist() == ["a/b.txt", "run.sh"]
    unpack(tmp_path / "p.zip", tmp_path / "out")
    assert (tmp_path / "out" / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "a" / "b.txt").read_bytes() == b"b"


def test_the_examples_deploy_with_polyfaas_package():
    readmes = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*/README.md"))
    assert readmes
    for readme in [Path(__file__).resolve().parent.parent / "README.md", *readmes]:
        text = readme.read_text(encoding="utf-8")
        assert "pip install -t" not in text, readme
        assert "polyfaas package --provider" in text, readme
