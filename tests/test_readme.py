"""The READMEs say what a new user gets; these tests run their commands and compare.

Every ```console block of ``README.md`` and of ``examples/*/README.md`` is a session:
``$ command`` lines are run with bash (in a copy of the examples, with this Python's
``polyfaas`` first on ``PATH``), and the lines after each command are its expected
standard output, word for word (a line ``...`` stands for any lines, and ``...``
inside a line for any text). ``$ polyfaas run`` starts a server in the background on
a free port (``PORT``), which later ``curl`` lines reach instead of 8080; it is
stopped at the end of the block, and every wait is bounded.

The ``ci:setup`` / ``ci:test`` blocks are what ``.ci/run`` runs; they are checked
against ``.ci/run``'s own extraction, not run (that would run this suite again).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", *sorted((ROOT / "examples").glob("*/README.md"))]
DEFAULT_URL = "127.0.0.1:8080"
COMMAND_TIMEOUT = 60
SERVER_START_TIMEOUT = 30


@attrs.frozen
class Step:
    command: str
    expected: tuple[str, ...]


def fenced_blocks(text: str, language: str) -> list[list[str]]:
    """The bodies of the fenced blocks opened with ```language."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if current is None:
            if line.strip() == f"```{language}":
                current = []
        elif line.strip() == "```":
            blocks.append(current)
            current = None
        else:
            current.append(line)
    return blocks


def sessions(readme: Path) -> list[list[Step]]:
    """The console sessions of a README, as commands and their expected output."""
    found = []
    for block in fenced_blocks(readme.read_text(encoding="utf-8"), "console"):
        steps: list[Step] = []
        for line in block:
            if line.startswith("$ "):
                steps.append(Step(line[2:], ()))
            else:
                assert steps, f"{readme}: output before any command: {line!r}"
                last = steps[-1]
                steps[-1] = Step(last.command, (*last.expected, line))
        found.append(steps)
    return found


def matches(expected: tuple[str, ...], output: str) -> bool:
    """``output`` is ``expected``, where ``...`` stands for anything."""
    pattern = []
    for line in expected:
        if line == "...":
            pattern.append(r"(?:[^\n]*\n)*?")
        else:
            pattern.append(".*?".join(map(re.escape, line.split("..."))) + r"\n")
    text = output if not output or output.endswith("\n") else output + "\n"
    return re.fullmatch("".join(pattern), text) is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port} within {SERVER_START_TIMEOUT} s")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def run_session(steps: list[Step], cwd: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("POLYFAAS_PROVIDER", None)
    servers: list[subprocess.Popen[bytes]] = []
    port = 0
    try:
        for step in steps:
            if step.command.startswith("polyfaas run "):
                assert not step.expected, "a server's output is not compared"
                port = free_port()
                server = subprocess.Popen(
                    ["bash", "-c", f"exec {step.command}"],
                    cwd=cwd,
                    env={**env, "PORT": str(port)},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                servers.append(server)
                wait_for_port(port, server)
                continue
            command = step.command
            if port:
                command = command.replace(DEFAULT_URL, f"127.0.0.1:{port}")
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
            assert done.returncode == 0, f"$ {step.command}\n{done.stderr}"
            assert matches(step.expected, done.stdout), (
                f"$ {step.command}\nexpected:\n"
                + "\n".join(step.expected)
                + f"\ngot:\n{done.stdout}"
            )
    finally:
        for server in servers:
            stop(server)


CASES = [
    pytest.param(readme, index, id=f"{readme.relative_to(ROOT)}#{index + 1}")
    for readme in READMES
    for index in range(len(sessions(readme)))
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the READMEs' commands touch, so they can write freely."""
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(
        ROOT / "examples",
        root / "examples",
        ignore=shutil.ignore_patterns("__pycache__", "build"),
    )
    return root


@pytest.mark.skipif(shutil.which("curl") is None, reason="the READMEs use curl")
@pytest.mark.parametrize(("readme", "index"), CASES)
def test_console_session(readme: Path, index: int, workspace: Path) -> None:
    cwd = workspace / readme.parent.relative_to(ROOT)
    run_session(sessions(readme)[index], cwd)


def test_the_main_readme_has_a_session_that_runs_an_example() -> None:
    steps = [step for session in sessions(ROOT / "README.md") for step in session]
    commands = [step.command for step in steps]
    assert any(c.startswith("polyfaas run examples/") for c in commands)
    assert any(c.startswith("curl") and step.expected for c, step in zip(commands, steps))


def ci_block(marker: str) -> str:
    """The block ``.ci/run`` extracts for ``marker``, by its own ``block`` function."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    function = re.search(r"^block\(\).*?^\}$", script, re.MULTILINE | re.DOTALL)
    assert function is not None, ".ci/run has no block() function"
    done = subprocess.run(
        ["bash", "-c", f"{function.group(0)}\nblock {marker}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def readme_block_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text.split(f"<!-- {marker} -->\n", 1)[1]
    return "\n".join(fenced_blocks(after, "sh")[0])


def test_ci_runs_the_readme_setup_and_test_blocks() -> None:
    setup, tests = ci_block("ci:setup"), ci_block("ci:test")
    assert setup == readme_block_after("ci:setup")
    assert tests == readme_block_after("ci:test")
    # The setup installs what the examples need (oss2 for the OSS one), the tests
    # are the checks this project's CI is known by.
    assert "python -m pip install -e '.[test,alibaba]'" in setup.splitlines()
    assert tests == "ruff check . && ruff format --check . && mypy && python -m pytest"
    # The sessions above never contain them: running the suite from the suite recurses.
    for readme in READMES:
        for session in sessions(readme):
            assert all("pytest" not in step.command for step in session)


# -- the reference in docs/ ------------------------------------------------------------

DOCS = ROOT / "docs"


def test_the_reference_names_every_public_name() -> None:
    import polyfaas
    from polyfaas import errors, providers, testing

    api = (DOCS / "api.md").read_text(encoding="utf-8")
    for name in [*polyfaas.__all__, *errors.__all__]:
        assert f"`{name}" in api or f"{name}`" in api, f"docs/api.md lacks {name}"
    kit = (DOCS / "testing.md").read_text(encoding="utf-8")
    for name in ["client", "invoke", "PolyfaasClient", "default_provider", "as_event"]:
        assert f"`{name}" in kit, f"docs/testing.md lacks {name}"
    assert callable(getattr(testing, "target_of", None))
    for name in ["--polyfaas-provider", "polyfaas_client", "polyfaas_invoke", "polyfaas_target"]:
        assert name in kit, f"docs/testing.md lacks {name}"
    from polyfaas.platform import PlatformHalf, ProviderFacts
    from polyfaas.runtime import RuntimeHalf

    plugin_doc = (DOCS / "providers.md").read_text(encoding="utf-8")
    # Every hook of both halves and every fact, read from the kit itself.
    hooks = [n for half in (RuntimeHalf, PlatformHalf) for n in vars(half) if n[0] != "_"]
    facts = [a.name for a in attrs.fields(ProviderFacts)]
    registry = ["spec", "names", "runtime_half", "platform_half", "builtin_runtimes", "BUILTIN"]
    for name in [*hooks, *facts, "RuntimeHalf", "PlatformHalf", "ProviderFacts"]:
        assert f"`{name}" in plugin_doc, f"docs/providers.md lacks {name}"
    for name in [*registry, "ProviderSpec"]:
        assert f"`{name}" in plugin_doc, f"docs/providers.md lacks {name}"
        assert name in dir(providers), name


def test_the_cli_reference_names_every_command_and_option() -> None:
    from polyfaas.cli import build_parser

    cli = (DOCS / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name, sub in getattr(commands, "choices", {}).items():
        assert f"polyfaas {name}" in cli, name
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert f"`{flag}" in cli, f"docs/cli.md lacks {name} {flag}"


def test_relative_links_lead_somewhere() -> None:
    for page in [*READMES, *sorted(DOCS.glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (page.parent / link).exists(), f"{page.relative_to(ROOT)} links {link}"


# -- the README's Python -----------------------------------------------------------------


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return ["\n".join(block) for block in fenced_blocks(text, "python")]


def test_the_repl_lines_give_what_the_readme_shows() -> None:
    blocks = python_blocks()
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    session = next(block for block in blocks if block.startswith(">>> "))
    lines = session.splitlines()
    for line, shown in zip(lines[::2], lines[1::2]):
        assert line.startswith(">>> ")
        assert repr(eval(line[4:], namespace)) == shown


PYTEST_FLAGS = ("-q", "-p", "no:cacheprovider", "--polyfaas-provider", "all")


def test_the_testing_section_runs_on_every_provider(tmp_path: Path) -> None:
    """The README's handler and its ``test_main.py``, in a project of their own."""
    blocks = python_blocks()
    test_file = next(block for block in blocks if block.startswith("# test_main.py"))
    (tmp_path / "main.py").write_text(blocks[0] + "\n", encoding="utf-8")
    (tmp_path / "test_main.py").write_text(test_file + "\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "POLYFAAS_PROVIDER"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *PYTEST_FLAGS, "test_main.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    from polyfaas import providers

    assert f"{len(providers.names())} passed" in done.stdout
