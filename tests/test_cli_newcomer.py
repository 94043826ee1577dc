"""What a new user trips over (issue 13, item 9): each as the user meets it, through
the real ``polyfaas`` command line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from tests.runner_process import polyfaas_run

ROOT = Path(__file__).resolve().parent.parent

BARE_WSGI = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("scheme " + environ["wsgi.url_scheme"]).encode()]
"""

NATIVE = """\
def handler(event, context):
    return {"event": repr(event)}
"""

SHOW_ENV = """\
import os
import polyfaas

@polyfaas.event
def handler(event, context):
    return {k: os.environ.get(k) for k in ("MYSECRET", "VIRTUAL_ENV", "FROM_ENV", "PATH")}
"""

BROKEN = """\
import os

SETTING = os.environ["NOT_SET_ANYWHERE"]

def handler(request, context):
    return "ok"
"""

ECHO = """\
import polyfaas

@polyfaas.event
def handler(event, context):
    return {"data": event.data}
"""

GOOD = """\
import polyfaas

@polyfaas.http
def handler(request, context):
    return "ok"
"""


def polyfaas(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, input: str = ""
) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "polyfaas", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=input,
        env={**os.environ, **(env or {})},
        timeout=30,
        check=False,
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- a bare WSGI app, a native handler -------------------------------------------------


def test_a_bare_wsgi_app_is_served_as_wsgi_with_one_line_saying_so(tmp_path):
    write(tmp_path, "app.py", BARE_WSGI)
    with polyfaas_run("app.py:app", cwd=tmp_path) as runner:
        answer = requests.get(runner.url + "/x", timeout=5)
        assert answer.status_code == 200, answer.text
        assert answer.text == "scheme http"
        assert runner.wait_for_output("is a WSGI application, not a polyfaas entry")
        assert "KeyError" not in runner.output()


BARE_ASGI = """
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})
"""


def test_a_bare_asgi_app_is_served_as_asgi_with_one_line_saying_so(tmp_path):
    write(tmp_path, "app.py", BARE_ASGI)
    with polyfaas_run("app.py:app", cwd=tmp_path) as runner:
        answer = requests.get(runner.url + "/asgi/path", timeout=5)
        assert (answer.status_code, answer.text) == (200, "/asgi/path")
        assert runner.wait_for_output("is an ASGI application, not a polyfaas entry")


def test_a_fastapi_app_object_is_recognised_as_asgi(tmp_path):
    from fastapi import FastAPI

    from polyfaas._target import callable_kind

    assert callable_kind(FastAPI()) == "asgi"


def test_a_native_handler_is_refused_on_local_in_one_line_naming_the_fix(tmp_path):
    write(tmp_path, "main.py", NATIVE)
    result = polyfaas("invoke", "main.py:handler", "--data", "{}", cwd=tmp_path)
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]
    assert "native handler" in line
    assert "--provider alibaba" in line
    assert "yandex" in line
    assert "@polyfaas.http" in line


def test_a_native_handler_is_served_natively_where_the_platform_calls_it(tmp_path):
    write(tmp_path, "main.py", NATIVE)
    result = polyfaas(
        "invoke", "--provider", "yandex", "main.py:handler", "--data", '{"a": 1}', cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"event": "{'a': 1}"}


# -- import errors show the user's traceback -------------------------------------------


@pytest.mark.parametrize("command", ["run", "invoke"])
def test_an_import_error_shows_the_users_file_and_line(tmp_path, command):
    write(tmp_path, "main.py", BROKEN)
    args = ["--port", "0"] if command == "run" else []
    result = polyfaas(command, *args, "main.py:handler", cwd=tmp_path)
    assert result.returncode == 2
    assert f'File "{tmp_path / "main.py"}", line 3, in <module>' in result.stderr
    assert 'SETTING = os.environ["NOT_SET_ANYWHERE"]' in result.stderr
    assert "importing 'main' failed: KeyError: 'NOT_SET_ANYWHERE'" in result.stderr
    assert "polyfaas/" not in result.stderr.replace(str(tmp_path), "")
    assert "importlib" not in result.stderr


def test_serve_shows_the_users_traceback_too(tmp_path):
    write(tmp_path, "main.py", BROKEN)
    result = polyfaas("serve", "--provider", "alibaba-custom", "main.py:handler", cwd=tmp_path)
    assert result.returncode == 2
    assert f'File "{tmp_path / "main.py"}", line 3, in <module>' in result.stderr
    assert "polyfaas/" not in result.stderr.replace(str(tmp_path), "")


def test_a_broken_edit_under_reload_prints_its_traceback_at_once(tmp_path):
    main = write(tmp_path, "main.py", GOOD)
    with polyfaas_run("main.py:handler", "--reload", cwd=tmp_path) as runner:
        time.sleep(0.6)  # one poll of the reloader sees the first state
        main.write_text(BROKEN, encoding="utf-8")
        assert runner.wait_for_output("KeyError: 'NOT_SET_ANYWHERE'", timeout=4), runner.output()
        assert 'SETTING = os.environ["NOT_SET_ANYWHERE"]' in runner.output()


# -- --data that is not JSON -------------------------------------------------------------


def test_data_that_is_not_json_is_said_once_and_still_sent(tmp_path):
    write(tmp_path, "main.py", ECHO)
    result = polyfaas("invoke", "main.py:handler", "--data", "{'key': 'value'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "--data is not JSON" in line]
    assert len(warnings) == 1
    assert "sending it as a string" in warnings[0]
    assert "{'key': 'value'}" in result.stdout


def test_json_data_gets_no_warning(tmp_path):
    write(tmp_path, "main.py", ECHO)
    result = polyfaas("invoke", "main.py:handler", "--data", '{"key": "value"}', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not JSON" not in result.stderr


# -- the environment ---------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["local", "alibaba", "yandex", "alibaba-custom"])
def test_the_shells_environment_stays_out_of_the_function(tmp_path, provider):
    write(tmp_path, "main.py", SHOW_ENV)
    env = {"MYSECRET": "s3cret", "VIRTUAL_ENV": "/some/venv"}
    result = polyfaas(
        "invoke", "--provider", provider, "main.py:handler", "--env", "FROM_ENV=yes",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["MYSECRET"] is None
    assert seen["VIRTUAL_ENV"] is None
    assert seen["FROM_ENV"] == "yes"
    assert seen["PATH"]


def test_inherit_env_gives_the_whole_environment(tmp_path):
    write(tmp_path, "main.py", SHOW_ENV)
    result = polyfaas(
        "invoke", "--inherit-env", "main.py:handler", cwd=tmp_path, env={"MYSECRET": "s3cret"}
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["MYSECRET"] == "s3cret"


# -- TARGET, banner, small things --------------------------------------------------------


def test_a_file_without_a_handler_names_the_target_form(tmp_path):
    write(tmp_path, "main.py", GOOD + "\napp = object()\n")
    result = polyfaas("run", "main.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "has no 'py'" not in result.stderr
    assert "'main.py:handler'" in result.stderr
    assert "handler, app" in result.stderr


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("alibaba", "POST http://127.0.0.1:{port}/2023-03-30/functions/shop/invocations"),
        ("yandex", "POST http://127.0.0.1:{port}/?integration=raw"),
        ("local", "HTTP requests: http://127.0.0.1:{port}/"),
    ],
)
def test_the_banner_says_where_to_send_calls(tmp_path, provider, expected):
    write(tmp_path, "main.py", GOOD)
    args = ["--provider", provider, "--function-name", "shop", "--timeout", "7"]
    with polyfaas_run("main.py:handler", *args, cwd=tmp_path) as runner:
        port = runner.url.rpartition(":")[2]
        banner = runner.output()
        assert expected.format(port=port) in banner
        assert f"File: {tmp_path / 'main.py'}" in banner
        assert "timeout 7 s" in banner
        assert "instances 1" in banner
        assert "reload off" in banner


def test_host_has_help_text():
    result = polyfaas("run", "--help")
    host = result.stdout.split("\n  --host HOST", 1)[1].split("\n  --port", 1)[0]
    assert "address to listen on" in host


def test_invoke_ends_a_text_body_with_a_newline_in_a_pipe(tmp_path):
    write(tmp_path, "main.py", ECHO)
    result = polyfaas("invoke", "main.py:handler", "--data", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n")
    assert not result.stdout.endswith("\n\n")


def test_the_yandex_timeout_report_leaves_out_an_unknown_peak(tmp_path):
    write(
        tmp_path,
        "main.py",
        "import time, polyfaas\n\n@polyfaas.event\ndef handler(e, c):\n    time.sleep(5)\n",
    )
    result = polyfaas(
        "invoke", "--provider", "yandex", "--timeout", "0.5", "main.py:handler", cwd=tmp_path
    )
    report = next(line for line in result.stderr.splitlines() if line.startswith("REPORT"))
    assert "Max Memory Used: 0 MB" not in report
    assert "Memory Size: 128 MB" in report


def test_the_license_is_mit_and_ships():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "polyfaas developers" in text
    # setuptools ships LICENSE* by default (license-files' default patterns).
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_custom_runtime_deploy_recipe_is_well_formed():
    """The custom runtime's README deploys with ``polyfaas package``: each of its
    command lines parses as the command line reads it, for a provider that deploys
    code (a typo'd option or provider would fail the reader, not this test)."""
    import shlex

    from polyfaas import providers
    from polyfaas.cli import build_parser

    readme = (ROOT / "examples/custom_runtime/README.md").read_text(encoding="utf-8")
    lines = [
        line.partition("#")[0]
        for line in readme.splitlines()
        if line.startswith("polyfaas package ")
    ]
    assert lines
    for line in lines:
        argv = shlex.split(line)[1:]
        args = build_parser(argv).parse_args(argv)
        assert args.command == "package", line
        assert providers.platform_half(args.provider).facts.python_runtimes, line
