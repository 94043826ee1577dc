"""``polyfaas routes TARGET [--json]`` as a user types it: the route tables of Flask,
FastAPI, Starlette and Django apps, of plain and event handlers, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

TESTS = Path(__file__).parent
APPS = TESTS / "apps"
FUNCTIONS = TESTS / "functions"


def polyfaas(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polyfaas", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


def routes_json(target: str, env: dict[str, str] | None = None) -> list[Any]:
    result = polyfaas("routes", target, "--json", env=env)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows


def rows(*triples: tuple[list[str], str, str]) -> list[dict[str, Any]]:
    return [{"methods": m, "path": p, "name": n} for m, p, n in triples]


def test_a_flask_app_lists_its_rules_without_the_implied_head_and_options() -> None:
    assert routes_json(f"{APPS / 'flask_app.py'}:app") == rows(
        (["GET"], "/static/<path:filename>", "static"),
        (["GET"], "/hello/<name>", "hello"),
        (["POST"], "/form", "form"),
        (["GET"], "/cookies", "cookies"),
        (["GET"], "/redirect", "redirect"),
        (["GET"], "/binary", "binary"),
        (["POST"], "/echo", "echo"),
        (["GET"], "/seen-cookies", "seen_cookies"),
    )


def test_a_flask_rule_keeps_the_options_and_head_it_lists_itself() -> None:
    assert routes_json(f"{APPS / 'routes_flask.py'}:app") == rows(
        (["GET", "PUT", "DELETE"], "/users/<int:user_id>", "user"),
        (["POST", "OPTIONS"], "/preflight", "preflight"),
        (["HEAD"], "/ping", "health"),
    )


def test_the_human_table_has_a_header_and_aligned_columns() -> None:
    result = polyfaas("routes", f"{APPS / 'routes_flask.py'}:app")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "METHODS         PATH                  NAME",
        "GET,PUT,DELETE  /users/<int:user_id>  user",
        "POST,OPTIONS    /preflight            preflight",
        "HEAD            /ping                 health",
    ]
    assert result.stderr == ""


def test_a_fastapi_app_lists_its_included_routers_with_their_prefixes_and_its_mounts() -> None:
    assert routes_json(f"{APPS / 'routes_fastapi.py'}:app") == rows(
        (["GET"], "/", "index"),
        (["GET"], "/v1/items/{item_id}", "read_item"),
        (["GET", "HEAD"], "/v1/items/{item_id}/stock", "stock"),  # HEAD listed by the route
        (["WEBSOCKET"], "/v1/items/live", "live"),
        (["DELETE"], "/v1/items/admin/cache", "clear_cache"),
        (["POST"], "/reports/daily", "reports:daily"),
        (["PATCH"], "/internal/tools/{tool}", "tune"),  # an unnamed mount: no name prefix
    )


def test_a_fastapi_app_wrapped_by_polyfaas_asgi_shows_the_same_routes() -> None:
    # The example's entry is polyfaas.asgi(app); its docs routes are FastAPI's own.
    listed = routes_json(str(TESTS.parent / "examples" / "fastapi_app" / "main.py") + ":handler")
    assert {"methods": ["GET"], "path": "/items/{item_id}", "name": "read_item"} in listed
    assert {"methods": ["GET"], "path": "/openapi.json", "name": "openapi"} in listed
    assert {"methods": ["POST"], "path": "/items", "name": "create_item"} in listed


def test_a_starlette_app_recurses_into_mounts_and_marks_websockets() -> None:
    assert routes_json(f"{APPS / 'routes_starlette.py'}:app") == rows(
        (["GET"], "/", "home"),
        (["GET", "PUT"], "/api/users/{user_id:int}", "api:user"),
        (["HEAD", "OPTIONS"], "/api/probe", "api:probe"),
        (["GET", "POST"], "/api/v2/orders", "api:orders"),  # an HTTPEndpoint's methods
        (["WEBSOCKET"], "/ws", "feed"),
        (["*"], "/legacy/*", "legacy"),  # a mounted app that routes for itself
    )


def test_a_django_app_lists_its_urlconf() -> None:
    assert routes_json(f"{APPS / 'django_app.py'}:app") == rows(
        (["*"], "/hello/<str:name>", "hello"),
        (["*"], "/form", "django_app.form"),
        (["*"], "/cookies", "django_app.cookies"),
        (["*"], "/redirect", "django_app.redirect"),
        (["*"], "/binary", "django_app.binary"),
        (["*"], "/echo", "django_app.echo"),
        (["*"], "/seen-cookies", "django_app.seen_cookies"),
    )


def test_a_django_include_joins_its_prefix_and_namespace() -> None:
    assert routes_json(f"{APPS / 'routes_django.py'}:app") == rows(
        (["*"], "/health", "routes_django.health"),
        (["*"], "/blog/articles/<slug:slug>/", "blog:article"),
        (["*"], "/blog/archive/(?P<year>[0-9]{4})/", "blog:archive"),
    )


def test_a_django_urlconf_that_cannot_be_read_is_said_so() -> None:
    target = f"{APPS / 'routes_django.py'}:app"
    result = polyfaas("routes", target, env={"ROUTES_URLCONF": "no_such_urlconf"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "METHODS  PATH      NAME",
        "*        /{path+}  WSGIHandler",
    ]
    assert "the Django URL patterns cannot be read" in result.stderr
    assert "no_such_urlconf" in result.stderr


def test_a_plain_http_handler_is_reached_by_every_path() -> None:
    assert routes_json(f"{FUNCTIONS / 'behaviours.py'}:handler") == rows(
        (["*"], "/{path+}", "handler")
    )


def test_an_asgi_app_of_its_own_is_reached_by_every_path() -> None:
    # polyfaas.asgi around a function that routes for itself (then calls Starlette).
    assert routes_json(f"{APPS / 'starlette_app.py'}:handler") == rows((["*"], "/{path+}", "app"))


def test_an_event_handler_takes_events_in_one_line() -> None:
    target = f"{FUNCTIONS / 'behaviours.py'}:on_event"
    result = polyfaas("routes", target)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "on_event is an @polyfaas.event handler: it takes events, not HTTP routes"
    ]
    as_json = polyfaas("routes", target, "--json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout) == []
    assert "takes events, not HTTP routes" in as_json.stderr


def test_a_native_handler_takes_the_platforms_calls(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def handler(event, context):\n    return event\n")
    result = polyfaas("routes", f"{tmp_path / 'main.py'}:handler")
    assert result.returncode == 0, result.stderr
    assert "native handler(event, context)" in result.stdout


def test_a_callable_of_one_argument_has_no_routes(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def handler(request):\n    return request\n")
    result = polyfaas("routes", f"{tmp_path / 'main.py'}:handler")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("polyfaas: handler is neither a polyfaas entry")


def test_a_missing_target_fails_as_the_other_commands_do() -> None:
    result = polyfaas("routes", "no_such_file.py:app")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("polyfaas: TARGET 'no_such_file.py:app': no such file")
    invoke = polyfaas("invoke", "no_such_file.py:app")
    assert (invoke.returncode, invoke.stderr) == (2, result.stderr)


def test_a_missing_attribute_names_the_callables() -> None:
    result = polyfaas("routes", f"{FUNCTIONS / 'behaviours.py'}:nothing")
    assert result.returncode == 2
    assert result.stderr == (
        "polyfaas: module 'behaviours' has no 'nothing'; "
        "callables it defines: handler, on_event, setup\n"
    )


def test_an_import_failure_shows_the_users_traceback_and_one_line() -> None:
    result = polyfaas("routes", f"{FUNCTIONS / 'raises_on_import.py'}:handler")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert 'raises_on_import.py", line 5, in <module>' in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last == (
        "polyfaas: importing 'raises_on_import' failed: "
        "RuntimeError: cannot connect to the database at import time"
    )
    # `invoke` says the same, as the instance that failed to load it.
    invoke = polyfaas("invoke", f"{FUNCTIONS / 'raises_on_import.py'}:handler")
    assert invoke.returncode == 2
    assert invoke.stderr.splitlines()[-1].endswith(last.removeprefix("polyfaas: "))
