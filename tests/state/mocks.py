"""Helpers for the shared-state tests: apps on one state URL, and a workflow that can run."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from support import KEY, make_settings, ok

from mockserver.app import create_app

WORKFLOWS = "/api/v1/workflows"


def mock_app(state_url: str, **settings: Any) -> Flask:
    """A mock whose event log lives at ``state_url`` (the suite's frozen, strict settings)."""
    app = create_app(make_settings(state_url=state_url, **settings))
    app.testing = True
    return app


def runnable_copy(client: FlaskClient) -> str:
    """A fresh workflow (no runs yet) whose graph can start: a copy of a seeded one
    that has already run to the end."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100", headers=KEY))
    done = next(w for w in rows if w.get("last_run_status") == "completed")
    return str(ok(client.post(f"{WORKFLOWS}/{done['id']}/duplicate", headers=KEY), 201)["id"])


def events(client: FlaskClient) -> list[dict[str, Any]]:
    return list(ok(client.get("/__mock/events"))["events"])
