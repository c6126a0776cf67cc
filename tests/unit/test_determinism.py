"""Same seed + fixtures + requests + frozen clock => byte-identical bodies (apart from meta)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from support import DEMO_KEY, SECOND_WORKSPACE_KEY, bearer, make_settings

from mockserver.app import create_app, mock_of

KEY = bearer(DEMO_KEY)
ATLAS = "be7844d6-16ce-5384-8d85-765cd2bfbec3"


def _body_without_meta(app: Flask, path: str, headers: dict[str, str]) -> str:
    response = app.test_client().get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    body.pop("meta", None)
    return json.dumps(body, sort_keys=True)


def _paths(app: Flask) -> list[str]:
    """A tour of the read endpoints over the first workflows and their runs."""
    client = app.test_client()
    workflows = client.get("/api/v1/workflows?limit=6", headers=KEY).get_json()["data"]
    paths = ["/api/v1/workflows?limit=100&include_definition=true", "/api/v1/nodes",
             "/api/v1/voices?limit=100&language=en-us", "/api/v1/voices/facets",
             f"/api/v1/voices/{ATLAS}/similar?limit=50",
             f"/api/v1/voices/{ATLAS}/preview?language=en",
             "/api/v1/providers", "/api/v1/providers/timbre/models",
             "/api/v1/providers/timbre/models/timbre-1-hd/voices"]
    for workflow in workflows:
        base = f"/api/v1/workflows/{workflow['id']}"
        paths += [base, f"{base}/markdown", f"{base}/uploads", f"{base}/runs/summary"]
        runs = client.get(f"{base}/runs", headers=KEY).get_json()["data"]
        for run in runs[:3]:
            run_base = f"{base}/runs/{run['id']}"
            paths += [run_base, f"{run_base}/steps?include_result=true", f"{run_base}/overview",
                      f"{run_base}/analysis", f"{run_base}/data?include_dropped=true",
                      f"{run_base}/outputs"]
    return paths


def test_two_fresh_apps_serve_identical_bodies() -> None:
    """Two apps built from the same settings answer every read identically."""
    first, second = create_app(make_settings()), create_app(make_settings())
    paths = _paths(first)
    assert len(paths) > 40
    for path in paths:
        assert _body_without_meta(first, path, KEY) == _body_without_meta(second, path, KEY), path


def test_order_of_first_use_does_not_matter() -> None:
    """Touching workspaces in a different order yields the same records."""
    first, second = create_app(make_settings()), create_app(make_settings())
    other = bearer(SECOND_WORKSPACE_KEY)
    _body_without_meta(second, "/api/v1/workflows?limit=100", other)
    for headers in (KEY, other):
        path = "/api/v1/workflows?limit=100&include_definition=true"
        assert _body_without_meta(first, path, headers) == _body_without_meta(second, path,
                                                                               headers)


@pytest.mark.parametrize("seed", [1, 42])
def test_another_seed_gives_another_dataset(seed: int) -> None:
    """The seed changes the data: names, ids and definitions differ."""
    path = "/api/v1/workflows?limit=100"
    base = _body_without_meta(create_app(make_settings()), path, KEY)
    other = _body_without_meta(create_app(make_settings(seed=seed)), path, KEY)
    assert base != other


def test_workflow_writes_are_replayable() -> None:
    """The same write sequence against two fresh apps gives the same ids and bodies."""
    bodies = []
    for _ in range(2):
        client = create_app(make_settings()).test_client()
        created = client.post("/api/v1/workflows", json={"name": "Replay"}, headers=KEY)
        copy = client.post(f"/api/v1/workflows/{created.get_json()['data']['id']}/duplicate",
                           headers=KEY)
        bodies.append([created.get_json()["data"], copy.get_json()["data"]])
    assert bodies[0] == bodies[1]


def test_favorites_and_uploads_replay_from_their_events() -> None:
    """A fresh app fed the event log of another reads the same favorites and uploads."""
    first = create_app(make_settings())
    client = first.test_client()
    client.post(f"/api/v1/voices/{ATLAS}/favorite", headers=KEY)
    created = client.post("/api/v1/uploads", json={"filename": "replay.txt",
                                                   "category": "script"}, headers=KEY)
    upload = created.get_json()["data"]
    client.put(upload["upload_url"].replace("http://localhost", ""), data=b"One.\nTwo.\n",
               headers={"Content-Type": "text/plain"})
    workflow = client.get("/api/v1/workflows?limit=1", headers=KEY).get_json()["data"][0]["id"]
    confirmed = client.post(f"/api/v1/uploads/{upload['upload']['id']}", headers=KEY,
                            json={"context_type": "workflow", "context_id": workflow})
    assert confirmed.status_code == 200
    second = create_app(make_settings())
    mock_of(second).engine.replay(mock_of(first).engine.events())
    for path in ("/api/v1/voices?favorites_only=true", f"/api/v1/workflows/{workflow}/uploads"):
        assert _body_without_meta(first, path, KEY) == _body_without_meta(second, path, KEY)
