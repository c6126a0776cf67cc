"""The state engine's behaviour on every backend: writes are events, refusals are not,
and mocks that share a log (SQLite, Redis) agree at once, including on races."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from mocks import WORKFLOWS, events, mock_app, runnable_copy
from support import ACME, FROZEN_AT, KEY, assert_error, ok

SHARED = ["sqlite", "redis"]


@pytest.fixture
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh state URL of a backend that several mocks can share."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return f"{request.getfixturevalue('redis_url')}?namespace=shared-{tmp_path.name}"


def test_every_accepted_write_is_one_event(state_url: str) -> None:
    client = mock_app(state_url).test_client()
    created = ok(client.post(WORKFLOWS, json={"name": "Gate calls"}, headers=KEY), 201)
    ok(client.patch(f"{WORKFLOWS}/{created['id']}", json={"description": "Boarding"},
                    headers=KEY))
    ok(client.delete(f"{WORKFLOWS}/{created['id']}", headers=KEY))
    log = events(client)
    assert [e["kind"] for e in log] == ["workflow.created", "workflow.changed",
                                        "workflow.deleted"]
    assert [e["seq"] for e in log] == [1, 2, 3]
    assert log[0]["data"]["id"] == created["id"]
    assert_error(client.get(f"{WORKFLOWS}/{created['id']}", headers=KEY), 404, "NOT_FOUND")


def test_a_refused_write_appends_nothing(state_url: str) -> None:
    client = mock_app(state_url).test_client()
    draft = ok(client.post(WORKFLOWS, json={"name": "Draft"}, headers=KEY), 201)
    before = events(client)
    assert_error(client.patch(f"{WORKFLOWS}/{draft['id']}", json={"name": " "}, headers=KEY),
                 422, "VALIDATION_ERROR")
    assert_error(client.post(f"{WORKFLOWS}/{draft['id']}/runs", json={}, headers=KEY),
                 422, "VALIDATION_ERROR")
    assert_error(client.delete(f"{WORKFLOWS}/{'0' * 8}-0000-4000-8000-{'0' * 12}",
                               headers=KEY), 404, "NOT_FOUND")
    assert events(client) == before


def test_created_ids_never_reuse_an_existing_record(state_url: str) -> None:
    """Deleting and creating again, or loading records, never hands out a taken id."""
    client = mock_app(state_url).test_client()
    first = ok(client.post(WORKFLOWS, json={"name": "One"}, headers=KEY), 201)["id"]
    ok(client.delete(f"{WORKFLOWS}/{first}", headers=KEY))
    second = ok(client.post(WORKFLOWS, json={"name": "Two"}, headers=KEY), 201)["id"]
    seeded = {w["id"] for w in ok(client.get(f"{WORKFLOWS}?limit=100", headers=KEY))}
    assert second != first
    assert len(seeded) == len(set(seeded))


def test_the_control_api_goes_through_the_log(state_url: str) -> None:
    client = mock_app(state_url).test_client()
    ok(client.post("/__mock/clock", json={"advance_seconds": 90}))
    created = ok(client.post("/__mock/workspaces", json={"name": "Scratch"}))
    ok(client.post("/__mock/reset", json={"workspace_id": ACME}))
    kinds = [e["kind"] for e in events(client)]
    assert kinds == ["clock.set", "workspace.created", "reset"]
    ok(client.get(WORKFLOWS, headers={"Authorization": f"Bearer {created['api_key']}"}))


def test_a_restart_on_the_same_log_keeps_every_write(tmp_path: Path, redis_url: str) -> None:
    for url in (f"sqlite:///{tmp_path / 'kept.db'}", f"{redis_url}?namespace=kept-{tmp_path.name}"):
        first = mock_app(url).test_client()
        made = ok(first.post(WORKFLOWS, json={"name": "Kept", "description": "d"}, headers=KEY),
                  201)
        again = mock_app(url).test_client()
        assert ok(again.get(f"{WORKFLOWS}/{made['id']}", headers=KEY)) == made


@pytest.mark.parametrize("shared_url", SHARED, indirect=True)
def test_two_mocks_on_one_log_see_each_others_writes_at_once(shared_url: str) -> None:
    left, right = mock_app(shared_url).test_client(), mock_app(shared_url).test_client()
    made = ok(left.post(WORKFLOWS, json={"name": "Shared"}, headers=KEY), 201)
    assert ok(right.get(f"{WORKFLOWS}/{made['id']}", headers=KEY)) == made
    ok(right.delete(f"{WORKFLOWS}/{made['id']}", headers=KEY))
    assert_error(left.get(f"{WORKFLOWS}/{made['id']}", headers=KEY), 404, "NOT_FOUND")
    assert (ok(left.get(f"{WORKFLOWS}?limit=1", headers=KEY), 200)
            == ok(right.get(f"{WORKFLOWS}?limit=1", headers=KEY), 200))


def _race(apps: list[Flask], count: int, request: Any) -> list[int]:
    statuses: list[int] = []
    lock, gate = threading.Lock(), threading.Barrier(count)

    def contend(n: int) -> None:
        client = apps[n % len(apps)].test_client()
        gate.wait()
        status = request(client).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize("shared_url", SHARED, indirect=True)
def test_racing_starts_across_mocks_give_exactly_one_run(shared_url: str) -> None:
    apps = [mock_app(shared_url), mock_app(shared_url)]
    workflow = runnable_copy(apps[0].test_client())
    statuses = _race(apps, 16, lambda c: c.post(f"{WORKFLOWS}/{workflow}/runs", json={},
                                                 headers=KEY))
    assert sorted(statuses) == [202] + [409] * 15
    runs = [e for e in events(apps[1].test_client()) if e["kind"] == "run.started"]
    assert len(runs) == 1


@pytest.mark.parametrize("shared_url", SHARED, indirect=True)
def test_the_concurrency_limit_holds_across_mocks(shared_url: str) -> None:
    left, right = mock_app(shared_url).test_client(), mock_app(shared_url).test_client()
    workspace = ok(left.post("/__mock/workspaces", json={"concurrent_run_limit": 1}))
    key = {"Authorization": f"Bearer {workspace['api_key']}"}
    rows = ok(right.get(f"{WORKFLOWS}?limit=100", headers=key))
    done = [w["id"] for w in rows if w.get("last_run_status") == "completed"]
    ok(left.post(f"{WORKFLOWS}/{done[0]}/runs", json={}, headers=key), 202)
    refused = assert_error(right.post(f"{WORKFLOWS}/{done[1]}/runs", json={}, headers=key),
                           409, "CONFLICT")
    assert "limit of 1" in refused["error"]["message"]


@pytest.mark.parametrize("shared_url", SHARED, indirect=True)
def test_clock_reset_and_journal_are_shared(shared_url: str) -> None:
    left, right = mock_app(shared_url).test_client(), mock_app(shared_url).test_client()
    ok(left.post("/__mock/clock", json={"freeze_at": "2030-01-02T03:04:05Z"}))
    assert ok(right.get("/__mock/clock"))["now"] == "2030-01-02T03:04:05.000Z"
    made = ok(right.post(WORKFLOWS, json={"name": "Temporary"}, headers=KEY), 201)
    seen = ok(left.get("/__mock/requests?method=POST"))
    assert [e["path"] for e in seen] == [WORKFLOWS]
    ok(left.post("/__mock/reset", json={}))
    assert_error(right.get(f"{WORKFLOWS}/{made['id']}", headers=KEY), 404, "NOT_FOUND")
    assert ok(right.get("/__mock/clock"))["now"] == FROZEN_AT.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert ok(right.get("/__mock/requests?method=POST")) == []


@pytest.mark.parametrize("shared_url", SHARED, indirect=True)
def test_fault_settings_changed_at_run_time_reach_every_mock(shared_url: str) -> None:
    left, right = mock_app(shared_url).test_client(), mock_app(shared_url).test_client()
    ok(left.post("/__mock/faults", json={"fault_rate": 1.0, "fault_status": 503}))
    assert ok(right.get("/__mock/faults"))["fault_rate"] == 1.0
    assert_error(right.get(WORKFLOWS, headers=KEY), 503, "SERVER_ERROR")
    ok(right.post("/__mock/reset", json={}))
    assert ok(left.get("/__mock/faults"))["fault_rate"] == 0.0
    ok(left.get(WORKFLOWS, headers=KEY))


@pytest.mark.parametrize("shared_url", SHARED, indirect=True)
def test_the_credit_ledger_is_one_across_mocks(shared_url: str) -> None:
    """A balance set and a run settled on one mock move the balance, the preview and the
    402 gate of the other at once; so does a notification preference."""
    left, right = mock_app(shared_url).test_client(), mock_app(shared_url).test_client()
    workflow = runnable_copy(left)
    need = ok(right.post(f"{WORKFLOWS}/{workflow}/runs/preview", json={}, headers=KEY))
    ok(left.post(f"/__mock/workspaces/{ACME}/billing",
                 json={"credit_balance": need["min_credits"]}))
    run = ok(left.post(f"{WORKFLOWS}/{workflow}/runs", json={}, headers=KEY), 202)
    ok(left.post(f"/__mock/runs/{run['id']}/force", json={"status": "completed"}))
    spent = ok(right.get(f"{WORKFLOWS}/{workflow}/runs/{run['id']}", headers=KEY))["credits"]
    left_over = max(0, need["min_credits"] - spent)
    assert ok(right.get("/api/v1/users/me/credits", headers=KEY))["balance"] == left_over
    again = ok(right.post(f"{WORKFLOWS}/{workflow}/runs/preview", json={}, headers=KEY))
    assert again["current_balance"] == left_over
    if left_over < need["min_credits"]:
        assert_error(right.post(f"{WORKFLOWS}/{workflow}/runs", json={}, headers=KEY),
                     402, "INSUFFICIENT_CREDITS")
    ok(left.patch("/api/v1/users/me/notification-preferences", headers=KEY,
                  json={"completed_generation_email": False}))
    shown = ok(right.get("/api/v1/users/me/notification-preferences", headers=KEY))
    assert shown["completed_generation_email"] is False


@pytest.mark.parametrize("shared_url", SHARED, indirect=True)
def test_favorites_and_uploaded_files_are_shared_across_mocks(shared_url: str) -> None:
    """A favorite set on one mock and a file PUT to another are at once what a third reads;
    the file's bytes travel in the log, so any mock serves them."""
    left, right = mock_app(shared_url).test_client(), mock_app(shared_url).test_client()
    voice = "be7844d6-16ce-5384-8d85-765cd2bfbec3"
    ok(left.post(f"/api/v1/voices/{voice}/favorite", headers=KEY))
    assert ok(right.get(f"/api/v1/voices/{voice}", headers=KEY))["is_favorite"] is True
    created = ok(left.post("/api/v1/uploads", json={"filename": "gate.txt",
                                                   "category": "script"}, headers=KEY), 201)
    put = right.put(created["upload_url"].replace("http://localhost", ""),
                    data=b"Gate B12 is now boarding.\n", headers={"Content-Type": "text/plain"})
    assert put.status_code == 200
    workflow = ok(left.get(f"{WORKFLOWS}?limit=1", headers=KEY))[0]["id"]
    confirmed = ok(left.post(f"/api/v1/uploads/{created['upload']['id']}", headers=KEY,
                             json={"context_type": "workflow", "context_id": workflow}))
    assert confirmed["size_bytes"] == 26 and confirmed["line_count"] == 1
    third = mock_app(shared_url).test_client()
    rows = ok(third.get(f"{WORKFLOWS}/{workflow}/uploads?limit=100", headers=KEY))
    row = next(r for r in rows if r["id"] == confirmed["id"])
    assert third.get(row["download_url"].replace("http://localhost", "")).data == \
        b"Gate B12 is now boarding.\n"
    assert [e["kind"] for e in events(third)][-4:] == [
        "voice.favorited", "upload.created", "upload.stored", "upload.confirmed"]
