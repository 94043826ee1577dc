"""A Flask app (FC's WSGI example), deployable unchanged on every provider."""

from __future__ import annotations

from typing import Any

import flask

import polyfaas

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())

app = flask.Flask(__name__)


@app.route("/")
def index() -> str:
    return "Web App with Python Flask!"


@app.route("/users/<name>", methods=["GET", "POST"])
def user(name: str) -> Any:
    visits = int(flask.request.cookies.get("visits", "0")) + 1
    response = flask.jsonify(name=name, visits=visits, url=flask.url_for("user", name=name))
    response.set_cookie("visits", str(visits))
    return response


handler = polyfaas.wsgi(app)
