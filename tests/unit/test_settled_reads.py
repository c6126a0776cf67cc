"""Steady answers are encoded once and sent again (world/service/reads.py): a settled
run's reads, a workflow whose runs are settled, a list page of such workflows, a runs
summary. The bytes a client gets must be the ones a fresh build gives, the next event or
the next second of the links' expiry must show through, and an answer that can still
change with time (a live run, its workflow, a page showing it) is never kept."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import FROZEN_AT, KEY, MULTI, assert_error, completed_run_id, make_settings, ok

from mockserver.app import create_app, mock_of
from mockserver.envelope import iso

WORKFLOWS = "/api/v1/workflows"
_META = re.compile(rb',"meta":\{"request_id":"[0-9A-Z]{26}","timestamp":"[^"]+"\}')
READS = ["", "/status", "/steps?include_result=true", "/overview", "/analysis", "/outputs",
         "/data?limit=50&include_dropped=true", "/data?limit=2&offset=1&language=de-DE"]


def without_meta(body: bytes) -> bytes:
    """The body less its ``meta`` (a fresh request id every time)."""
    stripped, count = _META.subn(b"", body)
    assert count == 1, body[:200]
    return stripped


def read(client: FlaskClient, run_id: str, suffix: str) -> bytes:
    response = client.get(f"{WORKFLOWS}/{MULTI}/runs/{run_id}{suffix}", headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    return without_meta(response.get_data())


@pytest.fixture(scope="module")
def uncached_app() -> Flask:
    """An app that never keeps a read: the reference for what a fresh build gives."""
    app = create_app(make_settings())
    mock_of(app).engine.caches.encoded_reads.max_weight = 0
    return app


def test_a_kept_read_sends_the_bytes_a_fresh_build_gives(
        client: FlaskClient, app: Flask, uncached_app: Flask) -> None:
    reads = mock_of(app).engine.caches.encoded_reads
    run_id = completed_run_id(client)
    first = {suffix: read(client, run_id, suffix) for suffix in READS}
    assert len(reads) == len(READS)  # one per read: queries never share an entry
    again = {suffix: read(client, run_id, suffix) for suffix in READS}
    reference = uncached_app.test_client()
    fresh = {suffix: read(reference, run_id, suffix) for suffix in READS}
    assert len(mock_of(uncached_app).engine.caches.encoded_reads) == 0
    for suffix in READS:
        assert again[suffix] == first[suffix] == fresh[suffix], suffix
    assert len({first[suffix] for suffix in READS}) == len(READS)


def test_an_event_shows_through_at_once(client: FlaskClient, app: Flask) -> None:
    run_id = completed_run_id(client)
    detail = ok(client.get(f"{WORKFLOWS}/{MULTI}/runs/{run_id}", headers=KEY))
    assert detail["status"] == "completed"
    read(client, run_id, "/data?limit=50")
    # Set the clock (an event) back to before the run was created: it has not started.
    before = iso(datetime.fromisoformat(detail["created_at"]) - timedelta(seconds=1))
    ok(client.post("/__mock/clock", json={"freeze_at": before}))
    data = ok(client.get(f"{WORKFLOWS}/{MULTI}/runs/{run_id}/data?limit=50", headers=KEY))
    assert data["run_status"] == "pending"
    assert data["partial"]["status"] == "not_ready"
    # Renaming the workflow (an event; the clock stays) shows in the run's overview.
    ok(client.post("/__mock/clock", json={"freeze_at": iso(FROZEN_AT)}))
    overview = f"{WORKFLOWS}/{MULTI}/runs/{run_id}/overview"
    assert ok(client.get(overview, headers=KEY))["workflow"]["name"] != "Renamed in place"
    ok(client.patch(f"{WORKFLOWS}/{MULTI}", json={"name": "Renamed in place"}, headers=KEY))
    assert ok(client.get(overview, headers=KEY))["workflow"]["name"] == "Renamed in place"
    # Deleting the workflow (an event) makes its runs unreadable at once.
    read(client, run_id, "")
    ok(client.delete(f"{WORKFLOWS}/{MULTI}", headers=KEY))
    assert_error(client.get(f"{WORKFLOWS}/{MULTI}/runs/{run_id}", headers=KEY),
                 404, "NOT_FOUND")


def test_links_move_on_with_their_expiry_second(client: FlaskClient, app: Flask) -> None:
    run_id = completed_run_id(client)
    clock = mock_of(app).world.clock  # moved as real time moves it: no event
    first = _urls(ok(client.get(f"{WORKFLOWS}/{MULTI}/runs/{run_id}/data", headers=KEY)))
    clock.advance(0.4)
    same_second = _urls(ok(client.get(f"{WORKFLOWS}/{MULTI}/runs/{run_id}/data",
                                      headers=KEY)))
    clock.advance(0.7)
    next_second = _urls(ok(client.get(f"{WORKFLOWS}/{MULTI}/runs/{run_id}/data",
                                      headers=KEY)))
    assert first and same_second == first
    assert next_second.isdisjoint(first)


def test_an_active_run_is_never_kept(client: FlaskClient, app: Flask) -> None:
    """Four reads a second through the run's start: each detail agrees with the status
    read at the same instant (a kept answer would repeat the second's first one)."""
    started = ok(client.post(f"{WORKFLOWS}/{MULTI}/runs", headers=KEY), 202)
    url = f"{WORKFLOWS}/{MULTI}/runs/{started['id']}"
    seen = []
    for _ in range(40):
        detail, status = ok(client.get(url, headers=KEY)), ok(client.get(f"{url}/status",
                                                                          headers=KEY))
        assert (detail["status"], detail["updated_at"], detail["finished_steps"]) == (
            status["status"], status["updated_at"], status["finished_steps"])
        seen.append((detail["status"], detail["finished_steps"]))
        mock_of(app).world.clock.advance(0.25)
    assert seen[0][0] == "pending" and {"running"} <= {s for s, _ in seen}
    assert len({steps for _, steps in seen}) > 2


def _urls(data: dict[str, Any]) -> set[str]:
    return {card["audio"]["playback_url"] for row in data["rows"] for card in row["cards"]
            if card["audio"]["playback_url"]}


WORKFLOW_READS = [f"{WORKFLOWS}/{MULTI}", f"{WORKFLOWS}/{MULTI}/runs/summary",
                  f"{WORKFLOWS}/{MULTI}/runs/summary?from=2026-01-01T00:00:00Z",
                  f"{WORKFLOWS}?limit=20", f"{WORKFLOWS}?limit=5&offset=5&sort=name",
                  f"{WORKFLOWS}?limit=3&include_definition=true"]


def _get(client: FlaskClient, path: str) -> bytes:
    response = client.get(path, headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    return without_meta(response.get_data())


def test_steady_workflow_reads_are_kept_and_send_what_a_fresh_build_gives(
        client: FlaskClient, app: Flask, uncached_app: Flask) -> None:
    reads = mock_of(app).engine.caches.encoded_reads
    reads.clear()
    first = {path: _get(client, path) for path in WORKFLOW_READS}
    assert len(reads) == len(WORKFLOW_READS), "each steady answer is kept, once"
    again = {path: _get(client, path) for path in WORKFLOW_READS}
    fresh = {path: _get(uncached_app.test_client(), path) for path in WORKFLOW_READS}
    for path in WORKFLOW_READS:
        assert again[path] == first[path] == fresh[path], path


def test_a_filtered_list_is_never_kept(client: FlaskClient, app: Flask) -> None:
    """A run-status filter reads every workflow's runs, not only the page's."""
    reads = mock_of(app).engine.caches.encoded_reads
    reads.clear()
    for query in ("status=completed", "has_failed_run=true",
                  "last_run_after=2026-01-01T00:00:00Z"):
        _get(client, f"{WORKFLOWS}?{query}")
    assert len(reads) == 0


def test_a_workflow_with_a_live_run_is_read_afresh_until_the_run_settles(
        client: FlaskClient, app: Flask) -> None:
    """A quarter of a second at a time through a run's life (no event between reads):
    the workflow, its list row and its summary follow the run, and each agrees with the
    run read at the same instant."""
    started = ok(client.post(f"{WORKFLOWS}/{MULTI}/runs", headers=KEY), 202)
    run_url = f"{WORKFLOWS}/{MULTI}/runs/{started['id']}"
    page = f"{WORKFLOWS}?limit=100"
    statuses = []
    for _ in range(400):
        run = ok(client.get(run_url, headers=KEY))
        workflow = ok(client.get(f"{WORKFLOWS}/{MULTI}", headers=KEY))
        row = next(w for w in ok(client.get(page, headers=KEY)) if w["id"] == MULTI)
        summary = ok(client.get(f"{WORKFLOWS}/{MULTI}/runs/summary", headers=KEY))
        assert workflow["last_run_status"] == row["last_run_status"] == run["status"]
        assert summary[run["status"]] == workflow["run_status_counts"][run["status"]]
        statuses.append(run["status"])
        if run["status"] not in ("pending", "running"):
            break
        mock_of(app).world.clock.advance(0.25)
    assert statuses[0] == "pending" and "running" in statuses
    assert statuses[-1] not in ("pending", "running"), "the run settled"
