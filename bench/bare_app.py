"""The ceiling of the stack: a Flask app that answers every path with one constant JSON body.

Served by granian with the same worker and thread counts as onepin-mock, so the gap between
the two is what onepin-mock itself costs (auth, validation, state, views, encoding).
"""

from __future__ import annotations

from flask import Flask, Response

BODY = b'{"data":{"id":"wf_bench","name":"constant"},"meta":{"request_id":"bench"}}'


def create_app() -> Flask:
    app = Flask("bare")

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def constant(path: str) -> Response:
        return Response(BODY, status=200, mimetype="application/json")

    return app
