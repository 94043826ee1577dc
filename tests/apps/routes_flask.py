"""A Flask app whose rules list OPTIONS and HEAD themselves, beside the usual ones."""

from __future__ import annotations

import flask

app = flask.Flask(__name__, static_folder=None)


@app.route("/users/<int:user_id>", methods=["GET", "PUT", "DELETE"])
def user(user_id: int) -> str:
    return str(user_id)


@app.route("/preflight", methods=["OPTIONS", "POST"])
def preflight() -> str:
    return ""


@app.route("/ping", methods=["HEAD"], endpoint="health")
def ping() -> str:
    return ""
