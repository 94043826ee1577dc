"""The WSGI handlers of FC's "HTTP handlers" page (seeds/002) run unchanged on
``alibaba-wsgi``: behind a real ``polyfaas run`` (werkzeug's server, worker-process
instances) and behind the emulated front door in this process."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from werkzeug.test import Client

from polyfaas.runtime import load_target, parse_target
from polyfaas.testing import EmulatedApp
from tests.runner_process import polyfaas_run

# seeds/002, "The following example reads common fields from environ", verbatim.
SEED_ENVIRON = """\
HELLO_WORLD = b"Hello world!\\n"

def handler(environ, start_response):
    # FC-specific context and request URI
    context = environ['fc.context']
    request_uri = environ['fc.request_uri']

    # Iterate over custom request headers (all start with HTTP_)
    for k, v in environ.items():
        if k.startswith("HTTP_"):
            pass  # process custom headers here

    # Read request body
    try:
        request_body_size = int(environ.get('CONTENT_LENGTH', 0))
    except ValueError:
        request_body_size = 0
    request_body = environ['wsgi.input'].read(request_body_size)

    # Read other common fields
    request_method = environ['REQUEST_METHOD']
    path_info = environ['PATH_INFO']
    server_protocol = environ['SERVER_PROTOCOL']

    try:
        content_type = environ['CONTENT_TYPE']
    except KeyError:
        content_type = " "

    try:
        query_string = environ['QUERY_STRING']
    except KeyError:
        query_string = " "

    print('request_body: {}'.format(request_body))
    print('method: {}\\n path: {}\\n query_string: {}\\n server_protocol: {}\\n'.format(
        request_method, path_info, query_string, server_protocol))

    status = '200 OK'
    response_headers = [('Content-type', 'text/plain')]
    start_response(status, response_headers)
    return [HELLO_WORLD]  # return value must be iterable
"""

# seeds/002, "Migrate a Flask app to Function Compute", verbatim.
SEED_FLASK = """\
# Flask application — define routes as usual
from flask import Flask

app = Flask(__name__)

@app.route('/')
def index():
    return 'Web App with Python Flask!'

# FC handler — forwards every request to the Flask WSGI app
def handler(environ, start_response):
    return app(environ, start_response)
"""

# The signature example at the top of the page.
SEED_SIGNATURE = """\
def handler(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/html')])
    return [b'<h1>Hello, world!</h1>']
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "environ_example.py").write_text(SEED_ENVIRON, encoding="utf-8")
    (tmp_path / "flask_example.py").write_text(SEED_FLASK, encoding="utf-8")
    (tmp_path / "signature.py").write_text(SEED_SIGNATURE, encoding="utf-8")
    return tmp_path


def test_the_seeds_behind_polyfaas_run(code):
    with polyfaas_run("environ_example.handler", "--provider", "alibaba-wsgi", cwd=code) as run:
        response = requests.post(f"{run.url}/some/path?a=1&b=2", data=b"payload", timeout=30)
        assert response.status_code == 200
        assert response.content == b"Hello world!\n"
        assert response.headers["Content-Type"] == "text/plain"
        assert response.headers["X-Fc-Request-Id"]
        assert run.wait_for_output("request_body: b'payload'")
        assert run.wait_for_output(" path: /some/path\n query_string: a=1&b=2\n")
        assert run.wait_for_output("server_protocol: HTTP/1.1")
    with polyfaas_run("flask_example.handler", "--provider", "alibaba-wsgi", cwd=code) as run:
        response = requests.get(f"{run.url}/", timeout=30)
        assert (response.status_code, response.text) == (200, "Web App with Python Flask!")
        assert requests.get(f"{run.url}/nowhere", timeout=30).status_code == 404


@pytest.mark.parametrize(
    ("target", "path", "expected"),
    [
        ("environ_example.handler", "/x?y=1", b"Hello world!\n"),
        ("flask_example.handler", "/", b"Web App with Python Flask!"),
        ("signature.handler", "/", b"<h1>Hello, world!</h1>"),
    ],
)
def test_the_seeds_in_process(code, monkeypatch, target, path, expected):
    monkeypatch.chdir(code)
    handler = load_target(parse_target(target))
    response = Client(EmulatedApp(handler, "alibaba-wsgi")).get(path)
    assert (response.status_code, response.get_data()) == (200, expected)


def test_the_environ_is_the_one_fc_builds(code, monkeypatch):
    seen = {}

    def handler(environ, start_response):
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [])
        return [b""]

    monkeypatch.setenv("SOME_SETTING", "from the instance")
    Client(EmulatedApp(handler, "alibaba-wsgi")).post(
        "/a%20b/c?q=1&q=2", data=b"{}", headers={"X-Custom-Key": "v"}
    )
    assert seen["SOME_SETTING"] == "from the instance"  # os.environ merged in first
    assert seen["FC_FUNCTION_NAME"] == "polyfaas-function"
    assert (seen["REQUEST_METHOD"], seen["PATH_INFO"], seen["QUERY_STRING"]) == (
        "POST",
        "/a b/c",
        "q=1&q=2",
    )
    assert seen["fc.request_uri"] == "/a%20b/c?q=1&q=2"
    assert seen["HTTP_X_CUSTOM_KEY"] == "v"
    assert (seen["CONTENT_LENGTH"], seen["body"]) == ("2", b"{}")
    assert seen["CONTENT_TYPE"] == "application/octet-stream"  # FC's default
    assert (seen["SERVER_NAME"], seen["SERVER_PORT"], seen["SERVER_SOFTWARE"]) == (
        "FCRUNTIME",
        "9000",
        "FCRUNTIME/1.0",
    )
    assert (seen["SCRIPT_NAME"], seen["HTTP"], seen["wsgi.url_scheme"]) == ("", "on", "http")
    assert seen["HTTP_X_FC_FUNCTION_HANDLER"] == "index.handler"
    context = seen["fc.context"]
    assert context.request_id == context.requestId
    assert context.function.name == "polyfaas-function"
    assert context.credentials.access_key_id == ""
    assert seen["REMOTE_ADDR"]
