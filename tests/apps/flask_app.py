"""A real Flask application used by the tests."""

from __future__ import annotations

from typing import Any

import flask

app = flask.Flask(__name__)


@app.route("/hello/<name>")
def hello(name: str) -> Any:
    return {
        "name": name,
        "q": flask.request.args.getlist("q"),
        "path": flask.request.path,
        "script": flask.request.script_root,
        "url": flask.url_for("hello", name=name),
    }


@app.route("/form", methods=["POST"])
def form() -> Any:
    return {"fields": flask.request.form.to_dict(flat=False)}


@app.route("/cookies")
def cookies() -> Any:
    response = flask.make_response("ok")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


@app.route("/redirect")
def redirect() -> Any:
    return flask.redirect("/hello/target")


@app.route("/binary")
def binary() -> Any:
    return flask.Response(bytes(range(256)), mimetype="application/octet-stream")


@app.route("/echo", methods=["POST"])
def echo() -> Any:
    return flask.Response(flask.request.get_data(), mimetype=flask.request.mimetype)


@app.route("/seen-cookies")
def seen_cookies() -> Any:
    return dict(flask.request.cookies)
