"""Caches (mockserver/caches.py and their uses): each is bounded, a value is served only
while what it depends on is unchanged, and an answer changes on the first read after an
event that changes it."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from support import KEY, make_settings, ok
from test_lazy_dataset import BIG, HEADERS, WORKFLOWS, big_app

from mockserver.app import create_app, mock_of
from mockserver.caches import StampedCache
from mockserver.world.catalog.graph_view import GraphView
from mockserver.world.runs import record
from mockserver.world.runs.progress import Progress
from mockserver.world.state import run_table

T0 = datetime(2026, 1, 1, tzinfo=UTC)


# -- the primitive --------------------------------------------------------------------------

def test_a_value_is_served_only_at_a_stamp_it_fits() -> None:
    cache: StampedCache[str, int, str] = StampedCache("t", 10)
    cache.put("a", 1, "one")
    assert cache.get("a", 1) == "one"
    assert cache.get("a", 2) is None, "another stamp: what it depended on changed"
    later: StampedCache[str, datetime, str] = StampedCache(
        "t", 10, fits=lambda kept, asked: kept <= asked)
    later.put("a", T0, "settled")
    assert later.get("a", T0 + timedelta(hours=1)) == "settled"
    assert later.get("a", T0 - timedelta(seconds=1)) is None, "before it was worked out"


def test_the_least_recently_used_go_first_at_the_bound() -> None:
    cache: StampedCache[int, int, int] = StampedCache("t", 3)
    for key in range(3):
        cache.put(key, 0, key)
    assert cache.get(0, 0) == 0  # 0 is now the most recently used
    cache.put(3, 0, 3)
    assert len(cache) == 3
    assert cache.get(1, 0) is None
    assert [cache.get(key, 0) for key in (0, 2, 3)] == [0, 2, 3]


def test_a_forward_only_cache_refuses_older_stamps_and_forgets_at_a_newer_one() -> None:
    cache: StampedCache[str, tuple[int, int], str] = StampedCache("t", 10, forward_only=True)
    cache.put("a", (5, 1), "new")
    cache.put("b", (4, 9), "built before the last event")
    assert cache.get("b", (4, 9)) is None and "b" not in cache
    cache.put("c", (6, 0), "after the next event")
    assert "a" not in cache and cache.get("c", (6, 0)) == "after the next event"


def test_a_weighed_cache_keeps_at_most_its_weight() -> None:
    cache: StampedCache[int, int, bytes] = StampedCache("t", 100, weigh=len, max_weight=10)
    for key in range(5):
        cache.put(key, 0, b"xxxx")
    assert len(cache) == 2, "two of four bytes fit in ten"
    cache.put(9, 0, b"x" * 11)
    assert 9 not in cache, "larger than the whole cache"


# -- per-run derived state: one bound for everything worked out of a run ---------------------

def _held(kind: type) -> int:
    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, kind))


def test_reading_many_runs_data_pages_holds_derived_state_for_the_bound_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the bound at 5, reading over 50 distinct runs' data pages leaves at most 5 runs
    holding a Progress (with every line's takes) and a graph: the rest were let go."""
    for cache in (record.SETTLED_RUNS, record.RUN_GRAPHS):
        monkeypatch.setattr(cache, "bound", 5)
        cache.clear()
    app = big_app(tmp_path, 20, 3)
    mock_of(app).engine.caches.encoded_reads.max_weight = 0  # pages, not runs, are kept there
    client = app.test_client()
    read = 0
    for workflow in ok(client.get(f"{WORKFLOWS}?limit=100", headers=HEADERS)):
        for run in ok(client.get(f"{WORKFLOWS}/{workflow['id']}/runs", headers=HEADERS)):
            ok(client.get(f"{WORKFLOWS}/{workflow['id']}/runs/{run['id']}/data?limit=5",
                          headers=HEADERS))
            read += 1
    assert read >= 50  # placeholders (one workflow in eleven) never ran
    assert _held(Progress) <= 5
    assert _held(GraphView) <= 5 + 20, "a graph per run kept, and per workflow definition"


# -- an answer changes on the first read after each event that changes it --------------------

FINISHED = "57a77a21-4d3c-5065-9a3b-c05876bfddc2"  # Acme, 6 finished runs


def test_each_kept_answer_changes_on_the_first_read_after_an_event(client: FlaskClient) -> None:
    workflow = f"{WORKFLOWS}/{FINISHED}"
    runs = ok(client.get(f"{workflow}/runs?status=completed&limit=1", headers=KEY))
    run_path = f"{workflow}/runs/{runs[0]['id']}"
    before = ok(client.get(workflow, headers=KEY))
    assert ok(client.get(workflow, headers=KEY)) == before  # kept aggregates
    assert ok(client.get(run_path, headers=KEY))["status"] == "completed"

    started = ok(client.post(f"{workflow}/runs", headers=KEY), 202)
    after_start = ok(client.get(workflow, headers=KEY))
    assert after_start["runs_count"] == before["runs_count"] + 1
    assert after_start["last_run_at"] == started["created_at"]

    ok(client.post(f"{workflow}/runs/{started['id']}/cancel", headers=KEY))
    counts = ok(client.get(workflow, headers=KEY))["run_status_counts"]
    assert counts["cancelled"] == before["run_status_counts"]["cancelled"] + 1

    listed = ok(client.get(f"{WORKFLOWS}?sort=name&order=desc&limit=100", headers=KEY))
    ok(client.patch(workflow, json={"name": "zzz first by name, descending"}, headers=KEY))
    relisted = ok(client.get(f"{WORKFLOWS}?sort=name&order=desc&limit=100", headers=KEY))
    assert relisted[0]["id"] == FINISHED != listed[0]["id"]

    # A clock event alone changes a kept answer (the clock only moves forward: issue 24).
    second = ok(client.post(f"{workflow}/runs", headers=KEY), 202)
    second_path = f"{workflow}/runs/{second['id']}"
    assert ok(client.get(second_path, headers=KEY))["status"] == "pending"
    ok(client.post("/__mock/clock", json={"advance_seconds": 3600}))
    assert ok(client.get(second_path, headers=KEY))["status"] != "pending", \
        "the clock moved an hour on: the run left the queue"
    assert ok(client.get(run_path, headers=KEY))["status"] == "completed"


def test_a_reset_workspace_does_not_answer_from_its_old_state() -> None:
    app = create_app(make_settings())
    client = app.test_client()
    workflow = f"{WORKFLOWS}/{FINISHED}"
    before = ok(client.get(workflow, headers=KEY))
    ok(client.post(f"{workflow}/runs", headers=KEY), 202)
    assert ok(client.get(workflow, headers=KEY))["runs_count"] == before["runs_count"] + 1
    ok(client.post("/__mock/reset", json={}))
    assert ok(client.get(workflow, headers=KEY))["runs_count"] == before["runs_count"]


def test_runs_read_once_are_let_go_past_the_bound_and_read_the_same_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Built runs nothing changed are let go past the bound (memory stays flat while a
    huge workspace is read end to end), read the same when built again, and a workflow
    with a run written to it keeps its runs."""
    monkeypatch.setattr(run_table, "PRISTINE_RUN_BOUND", 6)
    app = big_app(tmp_path, 20, 3)
    client = app.test_client()
    table = mock_of(app).world.workspace(BIG).runs
    pages: dict[str, bytes] = {}
    for workflow in ok(client.get(f"{WORKFLOWS}?limit=100", headers=HEADERS)):
        for run in ok(client.get(f"{WORKFLOWS}/{workflow['id']}/runs", headers=HEADERS)):
            path = f"{WORKFLOWS}/{workflow['id']}/runs/{run['id']}"
            pages[path] = client.get(f"{path}/data?limit=5", headers=HEADERS).get_data()
            assert dict.__len__(table) <= 6 + 3, "the bound, and the workflow just read"
    first = next(iter(pages))
    again = client.get(f"{first}/data?limit=5", headers=HEADERS).get_data()
    assert _without_meta(again) == _without_meta(pages[first])
    workflow_id = first.split("/")[4]
    started = ok(client.post(f"{WORKFLOWS}/{workflow_id}/runs", headers=HEADERS), 202)
    for path in list(pages)[-12:]:  # read others: the written workflow stays built
        client.get(f"{path}/data?limit=5", headers=HEADERS)
    assert dict.__contains__(table, started["id"])
    assert len(ok(client.get(f"{WORKFLOWS}/{workflow_id}/runs", headers=HEADERS))) == 4


def _without_meta(body: bytes) -> Any:
    document = json.loads(body)
    document.pop("meta")
    return document
