"""Created workspaces and whole-state exports are bounded, with clear errors."""

from __future__ import annotations

from flask import Flask
from support import assert_error, make_settings, ok

from mockserver.app import create_app, mock_of


def _app(**settings: int) -> Flask:
    app = create_app(make_settings(**settings))
    app.testing = True
    return app


def test_creating_past_the_workspace_cap_is_429_until_a_reset() -> None:
    client = _app(max_workspaces=2).test_client()
    ok(client.post("/__mock/workspaces", json={}))
    ok(client.post("/__mock/workspaces", json={}))
    head = mock_of(client.application).engine.log.head()
    refused = client.post("/__mock/workspaces", json={"name": "One too many"})
    body = assert_error(refused, 429, "RATE_LIMITED")
    assert "reset" in body["error"]["message"]
    assert refused.headers["Retry-After"].isdigit()
    assert mock_of(client.application).engine.log.head() == head, "nothing was recorded"
    ok(client.post("/__mock/reset", json={}))
    ok(client.post("/__mock/workspaces", json={}))


def test_exporting_too_many_workspaces_at_once_is_refused_politely() -> None:
    client = _app(max_export_workspaces=3).test_client()
    assert client.get("/__mock/state").status_code == 200  # the two demo workspaces fit
    made = [ok(client.post("/__mock/workspaces", json={"workflow_count": 1}))
            for _ in range(2)]
    body = assert_error(client.get("/__mock/state"), 422, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "workspace_id"
    one = client.get(f"/__mock/state?workspace_id={made[0]['workspace_id']}")
    assert one.status_code == 200
    assert made[0]["workspace_id"] in one.get_data(as_text=True)
