"""The SDK developer's kit against a real ``onepin-mock serve`` process: API coverage over
``--workers 2`` (GET/DELETE /__mock/coverage), and ``--watch`` reloading a fixtures file
in every worker."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from served import Served, serving
from support import DEMO_KEY

HEADERS = {"Authorization": f"Bearer {DEMO_KEY}"}
ACME = "6ec9a28f-de78-58e7-8616-48891f256dec"
HTTP = httpx.Client(timeout=60)


def _coverage(url: str, query: str = "") -> Any:
    response = HTTP.get(f"{url}/__mock/coverage{query}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_coverage_over_two_workers_survives_journal_rotation_and_resets() -> None:
    """Every request answered by either worker is counted once, with its status and the
    attribution of each 4xx, although the journal keeps only 3 entries; a reset keeps the
    coverage, DELETE clears it."""
    with serving("--workers", "2", "--journal-size", "3", "--quiet") as server:
        url = server.url
        for _ in range(8):
            assert HTTP.get(f"{url}/api/v1/workflows?limit=2", headers=HEADERS).is_success
        for _ in range(2):
            assert HTTP.get(f"{url}/api/v1/workflows?limit=0", headers=HEADERS).status_code == 422
        bad_key = {"Authorization": "Bearer op_live_notAKeyTheMockKnows0000000001"}
        assert HTTP.get(f"{url}/api/v1/workflows", headers=bad_key).status_code == 401
        forced = {**HEADERS, "Prefer": "code=404"}
        assert HTTP.get(f"{url}/api/v1/workflows", headers=forced).status_code == 404

        assert len(HTTP.get(f"{url}/__mock/requests").json()["data"]) == 3
        report = _coverage(url)
        listing = report["operations"]["list_workflows"]
        assert report["requests"] == 12
        assert listing["statuses"] == {"200": 8, "401": 1, "404": 1, "422": 2}
        assert report["client_errors"] == {"spec_violation": 2, "contract_rule": 1, "forced": 1}
        assert listing["validation_failures"] == [{
            "field": "limit", "rule": "minimum",
            "message": "Input should be greater than or equal to 1", "count": 2}]
        assert report["workspaces"][ACME]["requests"] == 11
        assert report["workspaces"]["-"]["requests"] == 1  # the bad key: no workspace
        assert "get_run" in report["operations_not_called"]
        assert _coverage(url, f"?workspace_id={ACME}")["requests"] == 11

        reset = HTTP.post(f"{url}/__mock/reset", json={})
        assert reset.status_code == 200, reset.text
        assert _coverage(url)["requests"] == 12
        assert HTTP.delete(f"{url}/__mock/coverage").status_code == 200
        assert _coverage(url)["requests"] == 0


FIXTURES = """\
workspaces:
  - {id: 11111111-1111-4111-8111-111111111111, name: QA, slug: qa, workflow_count: 0}
users:
  - {id: 22222222-2222-4222-8222-222222222222, name: Quinn QA, email: quinn@qa.example}
memberships:
  - {workspace: 11111111-1111-4111-8111-111111111111, user: 22222222-2222-4222-8222-222222222222,
     role: ROLE}
api_keys:
  - id: 33333333-3333-4333-8333-333333333333
    name: QA key
    key: op_live_qaKeyForTheOnepinMockTests000001
    workspace: 11111111-1111-4111-8111-111111111111
    user: 22222222-2222-4222-8222-222222222222
    scopes: [workflows:read]
workflows:
  - {workspace: 11111111-1111-4111-8111-111111111111, id: 44444444-4444-4444-8444-444444444444,
     name: NAME}
"""
QA_KEY = {"Authorization": "Bearer op_live_qaKeyForTheOnepinMockTests000001"}


def _write(path: Path, name: str, role: str = "admin") -> None:
    # Written aside and renamed, as editors save: the watcher never reads half a file.
    scratch = path.with_suffix(".tmp")
    scratch.write_text(FIXTURES.replace("NAME", name).replace("ROLE", role), encoding="utf-8")
    scratch.replace(path)


def _names(url: str) -> set[str]:
    """The workflow names every worker answers (several requests reach both workers)."""
    seen = set()
    for _ in range(6):
        response = HTTP.get(f"{url}/api/v1/workflows", headers=QA_KEY)
        assert response.status_code == 200, response.text
        seen.update(w["name"] for w in response.json()["data"])
    return seen


def _eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, f"not seen within 30 s: {what}"
        time.sleep(0.2)


def _log(server: Served) -> str:
    server.log.seek(0)
    return server.log.read().decode(errors="replace")


def test_watch_reloads_the_fixtures_in_every_worker(tmp_path: Path) -> None:
    """An edit is served by both workers without a restart; a bad edit is reported with
    file:line and the fixtures in force stay; fixing it reloads again."""
    path = tmp_path / "qa.yaml"
    _write(path, "First name")
    with serving("--workers", "2", "--fixtures", str(path), "--watch", "--quiet") as server:
        assert _names(server.url) == {"First name"}
        _write(path, "Second name")
        _eventually(lambda: _names(server.url) == {"Second name"}, "the edited name")
        assert "fixtures reloaded from" in _log(server)

        _write(path, "Third name", role="boss")
        _eventually(lambda: "NOT reloaded" in _log(server), "the bad edit reported")
        assert f"{path}:7: memberships[0].role" in _log(server)
        assert _names(server.url) == {"Second name"}

        _write(path, "Fourth name")
        _eventually(lambda: _names(server.url) == {"Fourth name"}, "the fixed file")
