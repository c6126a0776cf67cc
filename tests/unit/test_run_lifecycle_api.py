"""The run lifecycle through HTTP on a frozen clock (runs.md §3.2, §4.2, §4.5-4.7, §4.14-4.15)."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import (
    ACME,
    ELI,
    FROZEN_AT,
    KEY,
    READ_ONLY_KEY,
    SECOND_WORKSPACE_KEY,
    VERA,
    assert_error,
    bearer,
    make_settings,
    ok,
    session,
)

from mockserver.app import create_app, mock_of

WORKFLOWS = "/api/v1/workflows"
GLOBEX_KEY = bearer(SECOND_WORKSPACE_KEY)
TERMINAL = ("completed", "failed", "cancelled")
STATUSES = ("pending", "running", "paused", "completed", "failed", "cancelled")

# Seeded workflows (seed 0, default fixtures). Acme allows 5 concurrent runs and has 2 seeded
# active ones; Globex allows 2 and has 1.
FAST = "05981b07-1fd4-5c7d-b788-d10a2b7af77d"  # Acme, no runs; 1 locale, ~12 s of run time
FAST_2 = "0120868a-e412-52c8-bdad-62b00c9352a6"  # Acme, ~14 s of run time
MULTI = "57a77a21-4d3c-5065-9a3b-c05876bfddc2"  # Acme, 4 locales, 6 finished runs, ~40 s
GLOBEX_FAILS = "085d93f8-04b9-5685-84e1-0b1c15b7624f"  # Globex, no runs; its first run fails
GLOBEX_OTHER = "d6bc1d00-db67-5e36-aa23-c0db341df9d7"  # Globex, no runs; its first completes
GLOBEX_THIRD = "200624e9-6c1d-5a89-bd38-00b93f280f2e"  # Globex, 4 completed runs


# -- helpers ------------------------------------------------------------------------------------




def runs_url(workflow_id: str, run_id: str | None = None, suffix: str = "") -> str:
    url = f"{WORKFLOWS}/{workflow_id}/runs"
    return f"{url}/{run_id}{suffix}" if run_id else url


def advance(app: Flask, seconds: float) -> None:
    mock_of(app).world.clock.advance(seconds)


def now(app: Flask) -> datetime:
    return mock_of(app).world.clock.now()  # type: ignore[no-any-return]


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)






def start(client: FlaskClient, workflow_id: str, headers: dict[str, str] = KEY,
          **body: Any) -> dict[str, Any]:
    run: dict[str, Any] = ok(client.post(runs_url(workflow_id), json=body or None,
                                         headers=headers), 202)
    return run


def control(client: FlaskClient, run: dict[str, Any], action: str,
            headers: dict[str, str] = KEY) -> Any:
    return client.post(runs_url(run["workflow_id"], run["id"], f"/{action}"), headers=headers)


def status_of(client: FlaskClient, run: dict[str, Any], headers: dict[str, str] = KEY) -> Any:
    return ok(client.get(runs_url(run["workflow_id"], run["id"], "/status"), headers=headers))


def detail_of(client: FlaskClient, run: dict[str, Any], headers: dict[str, str] = KEY) -> Any:
    return ok(client.get(runs_url(run["workflow_id"], run["id"]), headers=headers))


def run_total(client: FlaskClient, workflow_id: str, headers: dict[str, str] = KEY,
              status: str | None = None) -> int:
    query = f"?status={status}" if status else ""
    response = client.get(runs_url(workflow_id) + query, headers=headers)
    assert response.status_code == 200
    return int(response.get_json()["pagination"]["total"])


def advance_until(client: FlaskClient, app: Flask, run: dict[str, Any],
                  done: Callable[[dict[str, Any]], bool], step: float = 0.5,
                  limit: float = 600.0, headers: dict[str, str] = KEY) -> dict[str, Any]:
    """Move the clock in small steps until ``done(status body)``; fail after ``limit`` s."""
    waited = 0.0
    body = status_of(client, run, headers)
    while not done(body):
        assert waited < limit, f"run never reached the expected state: {body}"
        advance(app, step)
        waited += step
        body = status_of(client, run, headers)
    return body


def run_to_end(client: FlaskClient, app: Flask, run: dict[str, Any],
               headers: dict[str, str] = KEY) -> dict[str, Any]:
    advance_until(client, app, run, lambda s: s["status"] in TERMINAL, step=5.0, headers=headers)
    return detail_of(client, run, headers)


def seeded_run(client: FlaskClient, status: str) -> dict[str, Any]:
    """A seeded Acme run that ended in ``status`` (terminal statuses only)."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100", headers=KEY))
    for row in rows:
        if row["run_status_counts"][status]:
            item = ok(client.get(runs_url(row["id"]) + f"?status={status}&limit=1",
                                 headers=KEY))[0]
            return {"workflow_id": row["id"], "id": item["id"]}
    raise AssertionError(f"no seeded {status} run")


def bring_to(client: FlaskClient, app: Flask, state: str,
             workflow_id: str = FAST) -> dict[str, Any]:
    """A run of ``workflow_id`` (or a seeded one) in ``state``, as the API last returned it."""
    if state in ("seeded-failed", "seeded-completed", "seeded-cancelled"):
        run = seeded_run(client, state.removeprefix("seeded-"))
        return detail_of(client, run)
    run = start(client, workflow_id)
    if state == "pending":
        return run
    if state == "paused-from-pending":
        return ok(control(client, run, "pause"))
    if state == "cancelled":
        return ok(control(client, run, "cancel"))
    advance(app, 2)  # past the 1.5 s queue, inside the first wave
    if state == "running":
        return status_of(client, run)
    if state in ("draining", "paused"):
        draining = ok(control(client, run, "pause"))
        if state == "draining":
            return draining  # type: ignore[no-any-return]
        return advance_until(client, app, run, lambda s: s["status"] != "running", step=0.25)
    assert state == "completed", state
    return run_to_end(client, app, run)


# -- start, natural progress, terminal states ----------------------------------------------------


def test_started_run_goes_pending_running_completed(client: FlaskClient, app: Flask) -> None:
    """A new run is pending, runs after the queue, and completes with every counter settled."""
    # When a run is started
    run = start(client, FAST)
    # Then it is pending, with nothing started, nothing spent and nothing to export
    assert run["status"] == "pending"
    assert run["run_number"] == 1 and run["workflow_id"] == FAST
    assert at(run["created_at"]) == FROZEN_AT
    assert run["started_at"] is None and run["completed_at"] is None
    assert run["finished_steps"] == 0 and run["finished_nodes"] == 0
    assert run["token_cost"] == 0 and run["credits"] is None
    assert run["has_export"] is False and run["error"] is None and run["held_nodes"] is None
    snapshot = detail_of(client, run)["definition_snapshot"]
    assert run["total_nodes"] == len(snapshot["graph"]["nodes"])

    # When the clock passes the queue time
    advance(app, 1.6)
    running = detail_of(client, run)
    # Then it is running, started when the queue ended, and still unbilled
    assert running["status"] == "running"
    assert at(running["started_at"]) == FROZEN_AT + timedelta(milliseconds=1500)
    assert running["completed_at"] is None and running["credits"] is None

    # When the clock reaches the end of the plan
    done = run_to_end(client, app, run)
    # Then it completed with every counter at its total, billed once, with an export
    assert done["status"] == "completed"
    assert at(done["completed_at"]) is not None
    assert at(done["started_at"]) < at(done["completed_at"]) <= now(app)  # type: ignore[operator]
    assert done["finished_steps"] == done["total_steps"] > 0
    assert done["finished_nodes"] == done["total_nodes"]
    assert isinstance(done["credits"], int) and done["credits"] >= 1
    assert done["token_cost"] > 0
    assert done["has_export"] is True and done["error"] is None
    assert done["pause_requested_at"] is None and done["paused_ms"] == 0

    # When more time passes, Then a terminal run no longer changes
    advance(app, 300)
    assert detail_of(client, run) == done


def test_failing_plan_ends_failed_with_error(client: FlaskClient, app: Flask) -> None:
    """A run whose plan fails ends `failed` with an error, billed, and with no export."""
    run = start(client, GLOBEX_FAILS, GLOBEX_KEY)
    failed = run_to_end(client, app, run, GLOBEX_KEY)
    assert failed["status"] == "failed"
    assert isinstance(failed["error"], str) and failed["error"]
    assert failed["completed_at"] is not None and failed["started_at"] is not None
    assert failed["has_export"] is False
    assert isinstance(failed["credits"], int)
    assert failed["finished_steps"] == failed["total_steps"]
    assert failed["finished_nodes"] <= failed["total_nodes"]
    assert_error(client.get(runs_url(GLOBEX_FAILS, run["id"], "/download"), headers=GLOBEX_KEY),
                 409, "CONFLICT")


@pytest.mark.parametrize(("workflow_id", "headers"), [
    (FAST, KEY), (FAST_2, KEY), (MULTI, KEY), (GLOBEX_FAILS, GLOBEX_KEY),
    (GLOBEX_OTHER, GLOBEX_KEY),
])
def test_started_run_ends_terminal_with_consistent_fields(
        client: FlaskClient, app: Flask, workflow_id: str, headers: dict[str, str]) -> None:
    """Whatever its plan, a started run ends terminal with fields that agree with its status."""
    run = start(client, workflow_id, headers)
    end = run_to_end(client, app, run, headers)
    assert end["status"] in ("completed", "failed")
    assert end["completed_at"] is not None and end["credits"] is not None
    assert end["finished_steps"] == end["total_steps"]
    assert end["pause_requested_at"] is None and end["paused_at"] is None
    if end["status"] == "completed":
        assert end["error"] is None and end["has_export"] is True
        assert end["finished_nodes"] == end["total_nodes"]
    else:
        assert end["error"] and end["has_export"] is False


# -- start conflicts ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "running", "draining"])
def test_second_start_while_active_is_409(client: FlaskClient, app: Flask, state: str) -> None:
    """While a run of the workflow is pending or running, another start is refused."""
    first = bring_to(client, app, state)
    before = run_total(client, FAST)
    assert_error(client.post(runs_url(FAST), headers=KEY), 409, "CONFLICT")
    assert run_total(client, FAST) == before
    assert status_of(client, first)["status"] == first["status"]


@pytest.mark.parametrize("state", ["paused", "paused-from-pending", "completed", "cancelled"])
def test_start_after_a_paused_or_finished_run_is_allowed(client: FlaskClient, app: Flask,
                                                         state: str) -> None:
    """Paused and finished runs are not active: a new run of the workflow may start."""
    first = bring_to(client, app, state)
    second = start(client, FAST)
    assert second["run_number"] == 2 and second["id"] != first["id"]
    assert run_total(client, FAST) == 2


def test_workspace_concurrency_limit_is_409(client: FlaskClient, app: Flask) -> None:
    """Globex (limit 2, one seeded active run) accepts one more run, then refuses the next."""
    # Given Globex at its limit after one more start
    first = start(client, GLOBEX_OTHER, GLOBEX_KEY)
    before = run_total(client, GLOBEX_THIRD, GLOBEX_KEY)
    # When another workflow is started, Then 409 and no run is created
    body = assert_error(client.post(runs_url(GLOBEX_THIRD), headers=GLOBEX_KEY), 409, "CONFLICT")
    assert "limit" in body["error"]["message"]
    assert run_total(client, GLOBEX_THIRD, GLOBEX_KEY) == before
    # When the first run is paused (paused runs are not active), Then there is room again
    ok(control(client, first, "pause", GLOBEX_KEY))
    third = start(client, GLOBEX_THIRD, GLOBEX_KEY)
    assert run_total(client, GLOBEX_THIRD, GLOBEX_KEY) == before + 1
    # When that run ends, the limit frees up for the paused one to resume
    assert_error(control(client, first, "resume", GLOBEX_KEY), 409, "CONFLICT")
    ok(control(client, third, "cancel", GLOBEX_KEY))
    assert ok(control(client, first, "resume", GLOBEX_KEY))["status"] == "running"


# -- pause ----------------------------------------------------------------------------------------


def test_pause_pending_parks_at_once(client: FlaskClient, app: Flask) -> None:
    """Pausing a pending run parks it immediately, with no held nodes and no start time."""
    run = start(client, FAST)
    paused = ok(control(client, run, "pause"))
    assert paused["status"] == "paused"
    assert at(paused["paused_at"]) == FROZEN_AT
    assert paused["held_nodes"] is None
    assert paused["pause_reason"] == "user" and paused["pause_error"] is None
    assert paused["started_at"] is None
    # A parked run does not start when the queue time passes
    advance(app, 60)
    later = status_of(client, run)
    assert later["status"] == "paused" and later["started_at"] is None
    assert later["finished_steps"] == 0


def test_pause_running_drains_the_wave_then_parks(client: FlaskClient, app: Flask) -> None:
    """Pausing a running run keeps it running until the current wave ends, then parks it."""
    run = start(client, FAST)
    advance(app, 2)
    # When a running run is paused
    draining = ok(control(client, run, "pause"))
    # Then it keeps running with the request recorded
    assert draining["status"] == "running"
    assert at(draining["pause_requested_at"]) == now(app)
    assert draining["paused_at"] is None and draining["pause_reason"] == "user"
    # When pause is requested again while draining, Then nothing changes
    assert ok(control(client, run, "pause")) == draining
    # When the wave ends
    paused = advance_until(client, app, run, lambda s: s["status"] != "running", step=0.25)
    # Then the run is parked after the request, at the end of the step that was in flight
    assert paused["status"] == "paused"
    assert at(paused["paused_at"]) >= at(draining["pause_requested_at"])  # type: ignore[operator]
    steps = ok(client.get(runs_url(FAST, run["id"], "/steps"), headers=KEY))
    assert all(s["status"] != "running" for s in steps)
    assert max(at(s["completed_at"]) for s in steps) == at(paused["paused_at"])  # type: ignore[type-var]
    assert paused["finished_steps"] == len(steps) >= 1  # in-flight work was kept
    assert paused["held_nodes"] and all(h["node_id"] for h in paused["held_nodes"])
    # When more time passes, Then nothing moves while parked
    advance(app, 120)
    later = status_of(client, run)
    assert later["status"] == "paused" and later["finished_steps"] == paused["finished_steps"]
    assert later["token_cost"] == paused["token_cost"]


def test_pause_on_paused_is_unchanged(client: FlaskClient, app: Flask) -> None:
    """Pausing a paused run is a no-op 200 returning the run as it is."""
    paused = bring_to(client, app, "paused")
    advance(app, 5)
    before = detail_of(client, paused)
    again = ok(control(client, paused, "pause"))
    assert again == {k: before[k] for k in again}
    assert again["status"] == "paused"
    assert again["paused_at"] == paused["paused_at"]
    assert again["updated_at"] == paused["updated_at"]
    assert detail_of(client, paused) == before


@pytest.mark.parametrize("state", ["completed", "cancelled", "seeded-failed", "seeded-completed"])
def test_pause_on_finished_run_is_409(client: FlaskClient, app: Flask, state: str) -> None:
    """A finished run cannot be paused (ARCHITECTURE: 409 CONFLICT) and stays as it was."""
    run = bring_to(client, app, state)
    before = detail_of(client, run)
    assert_error(control(client, run, "pause"), 409, "CONFLICT")
    assert detail_of(client, run) == before


# -- resume ---------------------------------------------------------------------------------------


def test_resume_from_running_pause_continues_and_counts_paused_time(client: FlaskClient,
                                                                   app: Flask) -> None:
    """Resuming a parked run runs it again, clears held nodes and adds the paused time."""
    # Given a run parked after draining, When it is resumed 10 s later
    paused = bring_to(client, app, "paused")
    parked_at = at(paused["paused_at"])
    steps_before = ok(client.get(runs_url(FAST, paused["id"], "/steps"), headers=KEY))
    advance(app, 10)
    resumed = ok(control(client, paused, "resume"))
    # Then it runs again from where it stopped, with the parked time counted
    assert resumed["status"] == "running"
    assert resumed["held_nodes"] is None and resumed["paused_at"] is None
    assert resumed["pause_requested_at"] is None and resumed["pause_reason"] is None
    assert resumed["paused_ms"] == int((now(app) - parked_at).total_seconds() * 1000)  # type: ignore[operator]
    assert resumed["finished_steps"] == paused["finished_steps"]  # completed work is not redone
    # When it runs to the end, Then finished steps were not re-run and paused_ms stays put
    done = run_to_end(client, app, paused)
    assert done["status"] == "completed" and done["paused_ms"] == resumed["paused_ms"]
    steps = ok(client.get(runs_url(FAST, paused["id"], "/steps"), headers=KEY))
    assert len(steps) == done["total_steps"]
    assert steps[: len(steps_before)] == steps_before


def test_resume_from_pending_pause_starts_the_run(client: FlaskClient, app: Flask) -> None:
    """A run parked while pending starts when resumed, with the parked time in paused_ms."""
    # Given a run parked while pending, When it is resumed 10 s later
    paused = bring_to(client, app, "paused-from-pending")
    advance(app, 10)
    resumed = ok(control(client, paused, "resume"))
    # Then it starts at once (no second queue) with the 10 s in paused_ms
    assert resumed["status"] == "running" and resumed["held_nodes"] is None
    assert at(resumed["started_at"]) == now(app)
    assert resumed["paused_ms"] == 10_000


@pytest.mark.parametrize("state", ["pending", "running", "draining", "completed", "cancelled",
                                   "seeded-failed"])
def test_resume_of_a_non_paused_run_is_409(client: FlaskClient, app: Flask, state: str) -> None:
    """Only paused runs can be resumed; everything else is 409 and unchanged."""
    run = bring_to(client, app, state)
    before = status_of(client, run)
    assert_error(control(client, run, "resume"), 409, "CONFLICT")
    assert status_of(client, run) == before


def test_resume_while_another_run_is_active_is_409(client: FlaskClient, app: Flask) -> None:
    """A paused run cannot resume while another run of its workflow is active; it stays paused."""
    # Given a paused run and a newer active run of the same workflow
    paused = bring_to(client, app, "paused")
    other = start(client, FAST)
    before = status_of(client, paused)
    # When the paused run is resumed, Then 409 and it stays paused
    assert_error(control(client, paused, "resume"), 409, "CONFLICT")
    assert status_of(client, paused) == before
    # When the other run is cancelled, Then the resume goes through
    ok(control(client, other, "cancel"))
    assert ok(control(client, paused, "resume"))["status"] == "running"


# -- cancel ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "running", "draining", "paused",
                                   "paused-from-pending"])
def test_cancel_active_or_paused_run_is_immediate(client: FlaskClient, app: Flask,
                                                  state: str) -> None:
    """Cancel ends a pending, running, draining or paused run at once."""
    run = bring_to(client, app, state)
    cancelled = ok(control(client, run, "cancel"))
    assert cancelled["status"] == "cancelled"
    assert at(cancelled["completed_at"]) == now(app)
    # Settled at once: nothing ran -> 0 credits; steps that ran are billed by their nodes'
    # bands (a source or sink is free), with the 1-credit minimum once anything was spent
    assert isinstance(cancelled["credits"], int)
    assert cancelled["credits"] == 0 if cancelled["token_cost"] == 0 else cancelled["credits"] >= 0
    assert cancelled["has_export"] is False
    # Cancelling is final: it cannot be resumed and time does not move it
    assert_error(control(client, run, "resume"), 409, "CONFLICT")
    advance(app, 120)
    assert status_of(client, run)["status"] == "cancelled"


def test_cancel_of_paused_run_keeps_held_nodes(client: FlaskClient, app: Flask) -> None:
    """A paused run keeps its held_nodes when cancelled (runs.md §3.2)."""
    paused = bring_to(client, app, "paused")
    assert paused["held_nodes"]
    cancelled = ok(control(client, paused, "cancel"))
    assert cancelled["held_nodes"] == paused["held_nodes"]


@pytest.mark.parametrize("state", ["completed", "cancelled", "seeded-failed", "seeded-completed",
                                   "seeded-cancelled"])
def test_cancel_of_terminal_run_is_idempotent(client: FlaskClient, app: Flask, state: str) -> None:
    """Cancelling a finished run answers 200 with the run exactly as it was."""
    run = bring_to(client, app, state)
    before = detail_of(client, run)
    advance(app, 30)
    cancelled = ok(control(client, run, "cancel"))
    assert cancelled == {k: before[k] for k in cancelled}
    assert ok(control(client, run, "cancel")) == cancelled
    assert detail_of(client, run) == before


# -- refusals: 422 and 403 ------------------------------------------------------------------------


def definition_of(client: FlaskClient, workflow_id: str) -> dict[str, Any]:
    definition: dict[str, Any] = ok(client.get(f"{WORKFLOWS}/{workflow_id}", headers=KEY))[
        "definition"]
    return definition


def create(client: FlaskClient, definition: dict[str, Any] | None) -> str:
    body: dict[str, Any] = {"name": "Lifecycle test"}
    if definition is not None:
        body["definition"] = definition
    workflow_id: str = ok(client.post(WORKFLOWS, json=body, headers=KEY), 201)["id"]
    return workflow_id


def with_two_sources(definition: dict[str, Any]) -> dict[str, Any]:
    graph = copy.deepcopy(definition)
    nodes, edges = graph["graph"]["nodes"], graph["graph"]["edges"]
    source = next(n for n in nodes if n["type"] == "source_script")
    nodes.append({**source, "id": "source_extra", "position": {"x": 0, "y": 400}})
    out = next(e for e in edges if e["source"] == source["id"])
    edges.append({**out, "id": "edge_extra", "source": "source_extra"})
    return graph


def without(definition: dict[str, Any], node_type: str) -> dict[str, Any]:
    graph = copy.deepcopy(definition)
    gone = {n["id"] for n in graph["graph"]["nodes"] if n["type"] == node_type}
    graph["graph"]["nodes"] = [n for n in graph["graph"]["nodes"] if n["id"] not in gone]
    graph["graph"]["edges"] = [e for e in graph["graph"]["edges"]
                               if e["source"] not in gone and e["target"] not in gone]
    graph["execution"] = {}
    return graph


def with_script(definition: dict[str, Any], text: str) -> dict[str, Any]:
    graph = copy.deepcopy(definition)
    for node in graph["graph"]["nodes"]:
        if node["type"] == "source_script":
            node["config"]["text"] = text
    return graph


def test_overrides_need_exactly_one_source(client: FlaskClient) -> None:
    """script_text on a graph with two source_script nodes is 422 naming script_text."""
    workflow_id = create(client, with_two_sources(definition_of(client, FAST)))
    body = assert_error(client.post(runs_url(workflow_id), json={"script_text": "Hello there."},
                                    headers=KEY), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in body["error"]["details"]] == ["script_text"]
    assert run_total(client, workflow_id) == 0
    # Without overrides the same graph starts
    assert start(client, workflow_id)["status"] == "pending"


@pytest.mark.parametrize("missing", ["source_script", "sink_preview", "everything"])
def test_start_without_source_or_sink_is_422(client: FlaskClient, missing: str) -> None:
    """A graph without a source or a sink (or an empty one) saves but cannot start."""
    definition = (None if missing == "everything"
                  else without(definition_of(client, FAST), missing))
    workflow_id = create(client, definition)
    body = assert_error(client.post(runs_url(workflow_id), headers=KEY), 422, "VALIDATION_ERROR")
    assert body["error"]["details"]
    assert all(d["field"].startswith("definition.graph") for d in body["error"]["details"])
    assert run_total(client, workflow_id) == 0


def test_empty_script_without_override_is_422(client: FlaskClient) -> None:
    """An empty saved script cannot start without script_text (ARCHITECTURE), but can with it."""
    workflow_id = create(client, with_script(definition_of(client, FAST), ""))
    body = assert_error(client.post(runs_url(workflow_id), headers=KEY), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in body["error"]["details"]] == ["script_text"]
    assert run_total(client, workflow_id) == 0
    run = start(client, workflow_id, script_text="Hello there.\nGoodbye now.")
    snapshot = detail_of(client, run)["definition_snapshot"]
    source = next(n for n in snapshot["graph"]["nodes"] if n["type"] == "source_script")
    assert source["config"]["text"] == "Hello there.\nGoodbye now."
    stored = definition_of(client, workflow_id)
    assert next(n for n in stored["graph"]["nodes"]
                if n["type"] == "source_script")["config"]["text"] == ""


FORBIDDEN_CREDENTIALS = {
    "viewer session": session(VERA, ACME),
    "read-only key": bearer(READ_ONLY_KEY),
}


@pytest.mark.parametrize("who", list(FORBIDDEN_CREDENTIALS))
def test_start_is_403_for_viewers_and_read_only_keys(client: FlaskClient, who: str) -> None:
    """Viewers and keys without workflows:run cannot start runs; nothing is created."""
    assert_error(client.post(runs_url(FAST), headers=FORBIDDEN_CREDENTIALS[who]), 403,
                 "FORBIDDEN")
    assert run_total(client, FAST) == 0


@pytest.mark.parametrize("who", list(FORBIDDEN_CREDENTIALS))
@pytest.mark.parametrize(("state", "action"), [
    ("running", "cancel"), ("running", "pause"), ("paused", "resume"), ("pending", "cancel"),
])
def test_run_controls_are_403_for_viewers_and_read_only_keys(
        client: FlaskClient, app: Flask, who: str, state: str, action: str) -> None:
    """Viewers and read-only keys cannot cancel, pause or resume; the run is untouched."""
    run = bring_to(client, app, state)
    before = status_of(client, run)
    assert_error(control(client, run, action, FORBIDDEN_CREDENTIALS[who]), 403, "FORBIDDEN")
    assert status_of(client, run) == before


def test_editor_session_may_control_runs(client: FlaskClient, app: Flask) -> None:
    """An editor session (the minimum role) starts, pauses, resumes and cancels."""
    editor = session(ELI, ACME)
    run = start(client, FAST, editor)
    assert run["triggered_by"]["user_id"] == ELI
    assert ok(control(client, run, "pause", editor))["status"] == "paused"
    assert ok(control(client, run, "resume", editor))["status"] == "running"
    assert ok(control(client, run, "cancel", editor))["status"] == "cancelled"


# -- consistency while a run progresses -----------------------------------------------------------

# (seconds after the start, action taken at that instant before checking)
TIMELINE: tuple[tuple[float, str | None], ...] = (
    (0, None), (1, None), (2, None), (5, None), (8, "pause"), (9, None), (12, None),
    (14, "resume"), (20, None), (30, None), (45, None), (60, None), (120, None),
)
LIST_ONLY = ("output_line_count", "delivered_audio_ms")


def observe(client: FlaskClient, run: dict[str, Any]) -> dict[str, Any]:
    """Every view of the run and its workflow at the current instant, cross-checked."""
    workflow_id = run["workflow_id"]
    status = status_of(client, run)
    detail = detail_of(client, run)
    rows = client.get(runs_url(workflow_id) + "?limit=100", headers=KEY).get_json()
    item = next(r for r in rows["data"] if r["id"] == run["id"])
    # The three run views agree on every field they share
    assert {k: detail[k] for k in status} == status
    assert {k: v for k, v in item.items() if k not in LIST_ONLY} == {
        k: detail[k] for k in item if k not in LIST_ONLY}
    assert item["credits"] == detail["credits"]
    assert status["finished_steps"] <= status["total_steps"]
    assert status["finished_nodes"] <= status["total_nodes"]
    assert (detail["credits"] is None) == (detail["status"] not in TERMINAL)
    # Workflow aggregates match the run list
    workflow = ok(client.get(f"{WORKFLOWS}/{workflow_id}", headers=KEY))
    counts = workflow["run_status_counts"]
    assert workflow["runs_count"] == rows["pagination"]["total"] == sum(counts.values())
    assert workflow["last_run_status"] == status["status"]
    assert at(workflow["last_run_at"]) == at(status["created_at"])
    for s in STATUSES:
        assert counts[s] == run_total(client, workflow_id, status=s), s
    listed = ok(client.get(f"{WORKFLOWS}?limit=100", headers=KEY))
    row = next(r for r in listed if r["id"] == workflow_id)
    assert {k: row[k] for k in ("runs_count", "last_run_status", "run_status_counts",
                                "last_run_at")} == {
        k: workflow[k] for k in ("runs_count", "last_run_status", "run_status_counts",
                                 "last_run_at")}
    summary = ok(client.get(runs_url(workflow_id) + "/summary", headers=KEY))
    assert summary["total_runs"] == workflow["runs_count"]
    assert {s: summary[s] for s in STATUSES} == counts
    # Progress views
    steps = ok(client.get(runs_url(workflow_id, run["id"], "/steps"), headers=KEY))
    assert len(steps) <= status["total_steps"]
    assert sum(s["status"] in ("completed", "failed", "cancelled") for s in steps) == status[
        "finished_steps"]
    data = ok(client.get(runs_url(workflow_id, run["id"], "/data") + "?limit=100", headers=KEY))
    assert data["run_status"] == status["status"]
    outputs = ok(client.get(runs_url(workflow_id, run["id"], "/outputs"), headers=KEY))
    assert outputs["run_status"] == status["status"]
    assert outputs["credits"] == detail["credits"]
    return {
        "status": status["status"], "token_cost": status["token_cost"],
        "finished_steps": status["finished_steps"], "finished_nodes": status["finished_nodes"],
        "steps": len(steps), "cards": sum(len(r["cards"] or []) for r in data["rows"] or []),
        "output_lines": sum(o["line_count"] for o in outputs["outputs"]),
        "paused_ms": status["paused_ms"],
    }


def test_views_move_consistently_while_a_run_progresses(client: FlaskClient, app: Flask) -> None:
    """At every instant of a run's life, status, detail, list, aggregates and progress agree."""
    run = start(client, MULTI)
    seen: list[dict[str, Any]] = []
    elapsed = 0.0
    for instant, action in TIMELINE:
        advance(app, instant - elapsed)
        elapsed = instant
        if action:
            ok(control(client, run, action))
        seen.append(observe(client, run))
    statuses = [s["status"] for s in seen]
    assert statuses[0] == "pending" and statuses[-1] == "completed"
    assert "running" in statuses and "paused" in statuses
    for key in ("token_cost", "finished_steps", "steps", "cards", "output_lines", "paused_ms"):
        values = [s[key] for s in seen]
        assert values == sorted(values), (key, values)
        assert values[-1] > values[0] or key == "paused_ms", key
    # Nothing moves while parked
    parked = [s for s in seen if s["status"] == "paused"]
    assert all({**p, "paused_ms": 0} == {**parked[0], "paused_ms": 0} for p in parked)
    assert seen[-1]["paused_ms"] > 0


# -- downloads and audio links --------------------------------------------------------------


def fetch(client: FlaskClient, url: str) -> Any:
    """GET a presigned URL the way the CLI does: no auth header."""
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def read_zip(content: bytes) -> tuple[dict[str, Any], zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
    return manifest, archive


@pytest.fixture
def completed_run(client: FlaskClient, app: Flask) -> dict[str, Any]:
    return bring_to(client, app, "completed")


def test_download_of_completed_run_serves_a_zip(client: FlaskClient, app: Flask,
                                                completed_run: dict[str, Any]) -> None:
    """A completed run's download link serves a ZIP of every delivered line, without auth."""
    # When a completed run's download is requested
    link = ok(client.get(runs_url(FAST, completed_run["id"], "/download"), headers=KEY))
    # Then a JSON link expiring in 15 minutes comes back, not the file
    assert set(link) == {"url", "filename", "expires_at"}
    assert link["filename"].endswith(".zip") and completed_run["id"] in link["filename"]
    assert at(link["expires_at"]) == now(app) + timedelta(minutes=15)
    # When the link is fetched without credentials, Then it is a ZIP with a manifest and WAVs
    response = fetch(client, link["url"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/zip")
    manifest, archive = read_zip(response.data)
    assert manifest["run_id"] == completed_run["id"]
    assert manifest["lines"] and manifest["line_count"] == len(manifest["lines"])
    names = set(archive.namelist())
    for line in manifest["lines"]:
        assert line["file"] == f"audio/{line['locale']}/{line['line_id']}.wav"
        assert line["file"] in names
        assert archive.read(line["file"])[:4] == b"RIFF"
    assert names == {"manifest.json"} | {line["file"] for line in manifest["lines"]}
    # The same link serves the same bytes again (before it expires)
    advance(app, 15 * 60 - 1)
    assert fetch(client, link["url"]).data == response.data


def test_download_link_expires_after_15_minutes(client: FlaskClient, app: Flask,
                                                completed_run: dict[str, Any]) -> None:
    """15 minutes and 1 second later the link is refused with the error envelope."""
    link = ok(client.get(runs_url(FAST, completed_run["id"], "/download"), headers=KEY))
    advance(app, 15 * 60 + 1)
    assert_error(fetch(client, link["url"]), 403, "FORBIDDEN")
    # A fresh call mints a new working link to the same archive
    fresh = ok(client.get(runs_url(FAST, completed_run["id"], "/download"), headers=KEY))
    assert fetch(client, fresh["url"]).status_code == 200


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
    lambda token: token[:10] + token[11:],
    lambda token: "x" + token,
    lambda token: "not-a-token",
], ids=["last-char", "dropped-char", "prefixed", "garbage"])
def test_tampered_download_link_is_refused(client: FlaskClient, completed_run: dict[str, Any],
                                           tamper: Callable[[str], str]) -> None:
    """A link whose token was altered is refused, never served."""
    link = ok(client.get(runs_url(FAST, completed_run["id"], "/download"), headers=KEY))
    head, _, token = link["url"].rpartition("/")
    assert_error(fetch(client, f"{head}/{tamper(token)}"), 403, "FORBIDDEN")


def test_node_download_serves_one_sink(client: FlaskClient, completed_run: dict[str, Any]) -> None:
    """Downloading a sink node gives its own ZIP; other and unknown node ids are 404."""
    nodes = detail_of(client, completed_run)["definition_snapshot"]["graph"]["nodes"]
    sinks = [n["id"] for n in nodes if n["type"] == "sink_preview"]
    others = [n["id"] for n in nodes if n["type"] != "sink_preview"]
    for sink in sinks:
        link = ok(client.get(runs_url(FAST, completed_run["id"], f"/nodes/{sink}/download"),
                             headers=KEY))
        manifest, _ = read_zip(fetch(client, link["url"]).data)
        assert manifest["node_id"] == sink and manifest["lines"]
    for node_id in [*others, "no_such_node"]:
        assert_error(client.get(runs_url(FAST, completed_run["id"], f"/nodes/{node_id}/download"),
                                headers=KEY), 404, "NOT_FOUND")


@pytest.mark.parametrize("state", ["pending", "running", "paused", "cancelled", "seeded-failed",
                                   "seeded-cancelled"])
def test_download_of_unfinished_or_unsuccessful_run_is_409(client: FlaskClient, app: Flask,
                                                           state: str) -> None:
    """Only completed runs can be downloaded, whole or per sink."""
    run = bring_to(client, app, state)
    assert_error(client.get(runs_url(run["workflow_id"], run["id"], "/download"), headers=KEY),
                 409, "CONFLICT")
    nodes = detail_of(client, run)["definition_snapshot"]["graph"]["nodes"]
    sink = next(n["id"] for n in nodes if n["type"] == "sink_preview")
    assert_error(client.get(runs_url(run["workflow_id"], run["id"], f"/nodes/{sink}/download"),
                            headers=KEY), 409, "CONFLICT")


def test_audio_url_for_a_delivered_take_and_an_unknown_id(
        client: FlaskClient, completed_run: dict[str, Any]) -> None:
    """A delivered take's audio id gives a playable WAV link; an unknown 16-hex id is 404."""
    link = ok(client.get(runs_url(FAST, completed_run["id"], "/download"), headers=KEY))
    manifest, _ = read_zip(fetch(client, link["url"]).data)
    audio_id = manifest["lines"][0]["audio_id"]
    audio = ok(client.get(runs_url(FAST, completed_run["id"], f"/audio/{audio_id}/url"),
                          headers=KEY))
    wav = fetch(client, audio["url"])
    assert wav.status_code == 200 and wav.data[:4] == b"RIFF"
    assert_error(client.get(runs_url(FAST, completed_run["id"], "/audio/0123456789abcdef/url"),
                            headers=KEY), 404, "NOT_FOUND")


# -- --run-speed applies to every run, seeded ones included -----------------------------------


@pytest.mark.parametrize("seeded_status", ["paused", "running"])
def test_resumed_seeded_run_honours_run_speed(seeded_status: str) -> None:
    """A seeded paused (or stalled running) run, resumed with run_speed 60, finishes after
    its remaining planned active time / 60 of clock time, as an API-started run would."""
    fast = create_app(make_settings(run_speed=60.0))
    world = mock_of(fast).world
    with fast.test_client() as client:
        run = seeded_run(client, seeded_status)
        if seeded_status == "running":  # a stalled run comes to life through pause + resume
            ok(control(client, run, "pause"))
        ok(control(client, run, "resume"))
        resumed_at = world.clock.now()
        record = world.find_run(run["id"])[1]
        remaining_ms = record.plan.end_ms - record.timeline(resumed_at).active_ms
        due = resumed_at + timedelta(milliseconds=remaining_ms / 60)
        world.clock.advance((due - resumed_at).total_seconds() * 0.9)
        assert status_of(client, run)["status"] == "running"
        world.clock.advance((due - resumed_at).total_seconds() * 0.1 + 0.01)
        finished = detail_of(client, run)
    assert finished["status"] in ("completed", "failed")
    assert abs(at(finished["completed_at"]) - due) <= timedelta(milliseconds=2)



def test_seeded_statuses_do_not_depend_on_run_speed() -> None:
    """--run-speed shortens seeded runs' wall time but leaves every seeded status as it was."""
    def statuses(speed: float) -> dict[str, str]:
        world = mock_of(create_app(make_settings(run_speed=speed))).world
        state = world.workspace(ACME)
        return {run.id: run.timeline(world.clock.now()).status for run in state.runs.values()}

    assert statuses(60.0) == statuses(1.0)
