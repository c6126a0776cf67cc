"""Usage (mockserver/world/views/usage_views.py): summary, by-language and the activity feed are
folds over the runs at ``now`` that agree with the ledger and the run records, move their
buckets with the caller's timezone, and give the same bytes in another process."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ACME, ADA, ELI, GUS, KEY, assert_error, ok, session

import mockserver
from mockserver.app import mock_of

WORKFLOWS = "/api/v1/workflows"
DAY = "2026-11-15"


def freeze(client: FlaskClient, instant: str) -> None:
    ok(client.post("/__mock/clock", json={"freeze_at": instant}))


def advance(app: Flask, seconds: float) -> None:
    mock_of(app).world.clock.advance(seconds)


def idle_workflows(client: FlaskClient) -> list[str]:
    rows = ok(client.get(f"{WORKFLOWS}?limit=100", headers=KEY))
    return [w["id"] for w in rows if w.get("last_run_status") in ("completed", "failed")]


def start(client: FlaskClient, workflow_id: str, headers: dict[str, str]) -> dict[str, Any]:
    run: dict[str, Any] = ok(client.post(f"{WORKFLOWS}/{workflow_id}/runs", json={},
                                         headers=headers), 202)
    return run


def force(client: FlaskClient, run_id: str, status: str) -> None:
    ok(client.post(f"/__mock/runs/{run_id}/force", json={"status": status}))


def record(client: FlaskClient, run: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = ok(client.get(f"{WORKFLOWS}/{run['workflow_id']}/runs/{run['id']}",
                                          headers=KEY))
    return found


def summary(client: FlaskClient, headers: dict[str, str] = KEY, **query: str
            ) -> dict[str, Any]:
    text = "&".join(f"{k}={v}" for k, v in query.items())
    found: dict[str, Any] = ok(client.get(f"/api/v1/usage/summary?{text}", headers=headers))
    return found


def test_ledger_usage_and_run_records_agree_after_a_scripted_day(client: FlaskClient,
                                                                  app: Flask) -> None:
    """Five runs by two users on a frozen clock: one completes on its own, one is cancelled,
    one fails, one is forced to complete, one is paused (in flight) at the end of the day."""
    freeze(client, f"{DAY}T08:00:00Z")
    opening = ok(client.get("/api/v1/users/me/credits", headers=KEY))["balance"]
    flows = idle_workflows(client)
    eli = session(ELI, ACME, now=mock_of(app).world.clock.now(), ttl=86400)
    natural = start(client, flows[0], KEY)
    advance(app, 3600)  # an hour of run time: it finishes (or fails) by itself
    cancelled = start(client, flows[1], eli)
    advance(app, 3)
    ok(client.post(f"{WORKFLOWS}/{flows[1]}/runs/{cancelled['id']}/cancel", headers=eli))
    failed = start(client, flows[2], KEY)
    advance(app, 4)
    force(client, failed["id"], "failed")
    forced = start(client, flows[3], eli)
    force(client, forced["id"], "completed")
    advance(app, 600)
    parked = start(client, flows[4], KEY)
    force(client, parked["id"], "paused")  # stays in flight past the day's end
    freeze(client, f"{DAY}T23:00:00Z")
    runs = [natural, cancelled, failed, forced, parked]
    records = [record(client, run) for run in runs]
    settled = [r for r in records if r["status"] in ("completed", "failed", "cancelled")]
    assert [r["status"] for r in records[1:]] == ["cancelled", "failed", "completed", "paused"]
    spent = sum(r["credits"] for r in settled)
    assert spent > 0 and records[-1]["credits"] is None

    # The ledger: the balance fell by exactly what the settled runs report.
    assert ok(client.get("/api/v1/users/me/credits", headers=KEY))["balance"] == opening - spent

    # Usage: the day's row holds the same credits, characters and runs.
    body = summary(client, range="30d", activity_view="daily")
    today = body["daily"][-1]
    assert today["date"] == DAY
    assert today["credits"] == spent
    assert today["runs"] == len(runs)
    assert today["characters"] == sum(r["token_cost"] for r in settled)
    assert body["activity"]["buckets"][-1]["credits"] == spent
    assert body["runs"]["paused"] >= 1
    # credits.used is each caller's own share of the debits.
    mine = sum(r["credits"] for r, run in zip(records, runs, strict=True)
               if run in (natural, failed) and r["credits"])
    theirs = spent - mine
    assert body["credits"]["used"] == mine
    assert summary(client, headers=eli)["credits"]["used"] == theirs

    # By language: the same credits, shared among the locales the runs generated.
    languages = ok(client.get("/api/v1/usage/by-language?activity_view=daily", headers=KEY))
    assert languages["total_credits"] == spent
    assert sum(row["credits"] for row in languages["languages"]) + \
        languages["untagged_credits"] == spent

    # The feed: one workflow_run entry per run, newest first, by the user who started it.
    feed = ok(client.get("/api/v1/usage/activity?type=workflow_run&limit=5", headers=KEY))
    assert [e["metadata"]["run_id"] for e in feed] == [r["id"] for r in reversed(runs)]
    assert [e["user"]["id"] for e in feed] == [ADA, ELI, ADA, ELI, ADA]
    assert [e["metadata"]["credits"] for e in feed] == [
        r["credits"] or 0 for r in reversed(records)]


def test_the_timezone_moves_the_bucket_a_run_lands_in(client: FlaskClient) -> None:
    """Settled at 23:30 UTC on the 15th: that is the 16th in Tokyo, the 15th in New York."""
    freeze(client, f"{DAY}T23:30:00Z")
    run = start(client, idle_workflows(client)[0], KEY)
    force(client, run["id"], "completed")
    credits = record(client, run)["credits"]
    utc = summary(client, timezone="UTC")["daily"]
    tokyo = summary(client, timezone="Asia/Tokyo")["daily"]
    new_york = summary(client, timezone="America/New_York")["daily"]
    assert (utc[-1]["date"], utc[-1]["credits"]) == (DAY, credits)
    assert (tokyo[-1]["date"], tokyo[-1]["credits"]) == ("2026-11-16", credits)
    assert (new_york[-1]["date"], new_york[-1]["credits"]) == (DAY, credits)
    period = summary(client, timezone="Asia/Tokyo", range="30d")["period"]
    assert period["end"] == "2026-11-16T15:00:00.000Z"  # Tokyo's midnight, in UTC


@pytest.mark.parametrize(("view", "count", "unit"), [("daily", 7, "day"), ("weekly", 12, "week"),
                                                     ("monthly", 12, "month")])
def test_activity_views_cover_their_periods(client: FlaskClient, view: str, count: int,
                                            unit: str) -> None:
    activity = summary(client, activity_view=view, timezone="Europe/Berlin")["activity"]
    buckets = activity["buckets"]
    assert (len(buckets), activity["bucket_unit"]) == (count, unit)
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(buckets))
    assert activity["total"] == sum(b["credits"] for b in buckets)
    berlin = ZoneInfo("Europe/Berlin")
    starts = [datetime.fromisoformat(b["start"]).astimezone(berlin) for b in buckets]
    assert all((s.hour, s.minute) == (0, 0) for s in starts)  # Berlin's midnights, CET or CEST
    if view == "weekly":
        assert {s.weekday() for s in starts} == {0}  # Mondays


@pytest.mark.parametrize("days", [30, 60, 90])
def test_a_range_has_one_row_per_local_day(client: FlaskClient, days: int) -> None:
    body = summary(client, range=f"{days}d")
    assert len(body["daily"]) == days
    assert body["runs"]["total"] == sum(row["runs"] for row in body["daily"])
    assert body["characters"]["total"] == sum(row["characters"] for row in body["daily"])


def walk_feed(client: FlaskClient, query: str) -> list[dict[str, Any]]:
    """Every entry, following the cursor from page to page."""
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(f"/api/v1/usage/activity?{query}"
                          + (f"&cursor={cursor}" if cursor else ""), headers=KEY).get_json()
        entries += page["data"]
        cursor = page["pagination"]["cursor"]
        if cursor is None:
            assert page["pagination"]["next"] is None
            return entries
        assert f"cursor={cursor}" in page["pagination"]["next"]


def test_the_feed_pages_by_cursor_and_filters(client: FlaskClient) -> None:
    everything = walk_feed(client, "limit=100&range=90d")
    seen = [e["id"] for e in walk_feed(client, "limit=7&range=90d")]
    assert seen == [e["id"] for e in everything]
    assert len(seen) == len(set(seen)) > 100
    stamps = [e["timestamp"] for e in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert {e["action"] for e in everything} == {"workflow_run", "voice_generated"}
    eli = walk_feed(client, f"limit=100&range=90d&user_id={ELI}")
    assert eli and all(e["user"]["id"] == ELI for e in eli)
    assert len(eli) == sum(1 for e in everything if (e["user"] or {}).get("id") == ELI)
    voiced = walk_feed(client, "limit=100&range=90d&type=voice_generated")
    assert voiced == [e for e in everything if e["action"] == "voice_generated"]
    invited = ok(client.get("/api/v1/usage/activity?type=member_invited", headers=KEY))
    assert invited == []


def test_usage_refusals_carry_the_error_envelope(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/usage/summary?timezone=Mars/Olympus", headers=KEY),
                 422, "VALIDATION_ERROR")
    assert_error(client.get("/api/v1/usage/summary?range=7d", headers=KEY),
                 422, "VALIDATION_ERROR")
    assert_error(client.get("/api/v1/usage/activity?cursor=not-ours", headers=KEY),
                 422, "VALIDATION_ERROR")
    assert_error(client.get(f"/api/v1/usage/activity?user_id={GUS}", headers=KEY),
                 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/usage/summary", headers=session(ADA)),
                 400, "BAD_REQUEST")


_PROCESS_READ = """
import json, sys
sys.path[:0] = sys.argv[1:3]
from support import make_settings, KEY
from mockserver.app import create_app
client = create_app(make_settings()).test_client()
paths = ["/api/v1/usage/summary?range=90d&activity_view=weekly&timezone=Europe/Berlin",
         "/api/v1/usage/by-language?range=90d", "/api/v1/usage/activity?limit=50&range=90d",
         "/api/v1/users/me/credits"]
print(json.dumps({p: client.get(p, headers=KEY).get_json()["data"] for p in paths}))
"""


def test_another_process_reads_the_same_usage() -> None:
    """A different PYTHONHASHSEED, a fresh process: the same bodies."""
    tests = Path(__file__).parents[1]
    source = Path(mockserver.__file__).parents[1]
    outputs = []
    for hash_seed in ("0", "977"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", _PROCESS_READ, str(source), str(tests)],
                              env=env, capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert outputs[0]["/api/v1/usage/activity?limit=50&range=90d"]


def test_a_run_counts_on_the_day_it_started_and_consumes_on_the_day_it_settled(
        client: FlaskClient, app: Flask) -> None:
    """The ledger debits a run when it settles; usage's credits follow it, not the start."""
    freeze(client, f"{DAY}T23:59:00Z")
    run = start(client, idle_workflows(client)[0], KEY)
    force(client, run["id"], "paused")  # held until after midnight
    advance(app, 120)
    force(client, run["id"], "completed")
    credits = record(client, run)["credits"]
    assert credits > 0
    before, after = summary(client)["daily"][-2:]
    assert (before["date"], before["runs"], before["credits"]) == (DAY, 1, 0)
    assert (after["date"], after["runs"], after["credits"]) == ("2026-11-16", 0, credits)
